"""Seeding discipline: every random draw comes from a SeedSequence-derived stream.

No module of this package touches the global ``random`` or ``numpy.random`` state. A stream is
identified by (purpose, task, level, seed); the key is hashed with SHA-256 (never ``hash()``,
which is salted per process), so the same key gives the same numbers on every machine.
"""

from __future__ import annotations

import hashlib

import numpy as np

MAX_SEED = 2**63 - 1


def _key_words(*parts: object) -> list[int]:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]


def check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    seed = int(seed)
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be in [0, 2**63), got {seed}")
    return seed


def seed_sequence(purpose: str, task: str, level: int, seed: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(entropy=check_seed(seed), spawn_key=tuple(_key_words(purpose, task, level)))


def instance_rng(task: str, level: int, seed: int) -> np.random.Generator:
    """The generator stream of one instance: a pure function of (task, level, seed)."""
    return np.random.Generator(np.random.PCG64(seed_sequence("instance", task, level, seed)))


def derived_rng(purpose: str, *parts: object) -> np.random.Generator:
    """An independent stream for anything that is not instance generation (suites, curricula, ...)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(_key_words(purpose, *parts))))
