"""Immutable, JSON-serialisable task instances and verifier verdicts."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

LEVELS: tuple[str, ...] = ("very-easy", "easy", "medium", "hard", "very-hard")
LEVEL_NUMBERS: dict[str, int] = {name: i + 1 for i, name in enumerate(LEVELS)}


def level_number(level: int | str) -> int:
    """Paper level 1..5 from an int or a level name (``"hard"`` → 4)."""
    if isinstance(level, str):
        if level in LEVEL_NUMBERS:
            return LEVEL_NUMBERS[level]
        if level.strip().isdigit():
            level = int(level)
        else:
            raise ValueError(f"unknown level {level!r}; use 1..5 or one of {LEVELS}")
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
        raise ValueError(f"level must be 1..5, got {level!r}")
    return level


def level_name(level: int | str) -> str:
    return LEVELS[level_number(level) - 1]


class FrozenDict(dict):
    """A dict that refuses mutation; still a dict for ``json.dumps``."""

    __slots__ = ()

    def _readonly(self, *args, **kwargs):
        raise TypeError("instance state is immutable")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _readonly  # type: ignore[assignment]
    __ior__ = _readonly  # type: ignore[assignment]

    def __hash__(self) -> int:  # pragma: no cover - rarely used
        return hash(canonical_json(self))

    def __reduce__(self):
        return (FrozenDict, (dict(self),))


def freeze(value: Any) -> Any:
    """Deep-freeze JSON-like data: dicts → FrozenDict, lists → tuples."""
    if isinstance(value, FrozenDict):
        return value
    if isinstance(value, dict):
        return FrozenDict({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, (str, bool)) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    # numpy scalars
    if hasattr(value, "item"):
        return freeze(value.item())
    raise TypeError(f"instance state must be JSON-like, got {type(value).__name__}")


def thaw(value: Any) -> Any:
    """Mutable plain-JSON copy of frozen data."""
    if isinstance(value, dict):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


@dataclass(frozen=True, eq=False)
class Instance:
    """One puzzle: a pure function of (task, level, seed, generator version).

    ``state`` holds what a verifier needs and never the solution. The fingerprint hashes the
    task name and state only, so an imported copy of a generated puzzle has the same fingerprint.
    ``_witness`` is a process-local cache of the generator's solution; it is never serialised.
    """

    task: str
    level: int
    seed: int | None
    version: str
    state: Any
    source: str = "generated"
    _witness: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", level_number(self.level))
        object.__setattr__(self, "state", freeze(self.state))

    @property
    def fingerprint(self) -> str:
        cached = self.__dict__.get("_fingerprint")
        if cached is None:
            payload = canonical_json({"task": self.task, "state": self.state})
            cached = hashlib.sha256(payload.encode()).hexdigest()[:20]
            object.__setattr__(self, "_fingerprint", cached)
        return cached

    @property
    def level_name(self) -> str:
        return LEVELS[self.level - 1]

    def to_dict(self) -> dict:
        return {
            "task": self.task,
            "level": self.level,
            "seed": self.seed,
            "version": self.version,
            "state": thaw(self.state),
            "source": self.source,
            "fingerprint": self.fingerprint,
        }

    def to_json(self) -> str:
        return canonical_json(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict) -> Instance:
        inst = cls(
            task=data["task"],
            level=data["level"],
            seed=data.get("seed"),
            version=str(data.get("version", "")),
            state=data["state"],
            source=data.get("source", "generated"),
        )
        expected = data.get("fingerprint")
        if expected is not None and expected != inst.fingerprint:
            raise ValueError(f"fingerprint mismatch: record says {expected}, state hashes to {inst.fingerprint}")
        return inst

    @classmethod
    def from_json(cls, text: str) -> Instance:
        return cls.from_dict(json.loads(text))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Instance):
            return NotImplemented
        return (self.task, self.level, self.seed, self.version, self.fingerprint) == (
            other.task, other.level, other.seed, other.version, other.fingerprint)

    def __hash__(self) -> int:
        return hash((self.task, self.level, self.seed, self.version, self.fingerprint))

    def with_witness(self, witness: Any) -> Instance:
        object.__setattr__(self, "_witness", witness)
        return self


@dataclass(frozen=True)
class Verdict:
    """Outcome of verifying one answer. ``score`` is diagnostic partial credit; 1.0 iff correct."""

    correct: bool
    score: float
    reason: str
    parsed: Any = None

    def __post_init__(self) -> None:
        score = 1.0 if self.correct else min(max(float(self.score), 0.0), 0.999)
        object.__setattr__(self, "score", score)
        if not self.reason:
            object.__setattr__(self, "reason", "correct" if self.correct else "incorrect")

    @classmethod
    def ok(cls, parsed: Any = None, reason: str = "correct") -> Verdict:
        return cls(True, 1.0, reason, parsed)

    @classmethod
    def fail(cls, reason: str, score: float = 0.0, parsed: Any = None) -> Verdict:
        return cls(False, score, reason, parsed)

    def to_dict(self) -> dict:
        parsed = self.parsed
        try:
            json.dumps(parsed)
        except (TypeError, ValueError):
            parsed = repr(parsed)
        return {"correct": self.correct, "score": self.score, "reason": self.reason, "parsed": parsed}
