"""Games tasks."""
