"""A small bounded dict for per-process solver caches (keyed by instance fingerprint or state)."""

from __future__ import annotations


class BoundedCache(dict):
    """A dict that forgets its oldest quarter when it reaches ``limit`` entries."""

    def __init__(self, limit: int = 1024):
        super().__init__()
        self.limit = limit

    def __setitem__(self, key, value):
        if key not in self and len(self) >= self.limit:
            for old in list(self)[: max(1, self.limit // 4)]:
                del self[old]
        super().__setitem__(key, value)
