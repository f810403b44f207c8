"""Puzzles tasks."""
