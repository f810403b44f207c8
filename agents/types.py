"""Backend-neutral request and result types (no heavy imports)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

Message = dict[str, Any]  # {"role": ..., "content": str | list of parts}; OpenAI chat format
Messages = list[Message]


@dataclass(frozen=True)
class SamplingParams:
    """Generation settings shared by every backend.

    ``temperature == 0`` means greedy decoding. ``top_k <= 0`` and ``top_p >= 1`` disable those filters.
    ``n`` samples per prompt come back grouped by prompt: prompt ``i``'s samples are ``[i*n, (i+1)*n)``.
    ``stop`` strings end generation; the returned text excludes them (OpenAI semantics).
    """

    max_new_tokens: int = 512
    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int = 0
    seed: int | None = None
    n: int = 1
    stop: tuple[str, ...] = ()

    def __post_init__(self):
        if self.max_new_tokens < 1:
            raise ValueError("max_new_tokens must be >= 1")
        if self.temperature < 0:
            raise ValueError("temperature must be >= 0")
        if not 0 < self.top_p <= 1:
            raise ValueError("top_p must be in (0, 1]")
        if self.n < 1:
            raise ValueError("n must be >= 1")
        if isinstance(self.stop, str):
            object.__setattr__(self, "stop", (self.stop,))
        else:
            object.__setattr__(self, "stop", tuple(self.stop))
        if self.n > 1 and self.temperature == 0:
            raise ValueError("n > 1 needs temperature > 0 (greedy decoding gives n identical samples)")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0


@dataclass
class Generation:
    """One completion. ``finish_reason`` is "stop" (end of sequence or a stop string), "length" (hit
    ``max_new_tokens``) or "error" (``error`` says why; only when a backend is told to return errors)."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    finish_reason: str = "stop"
    error: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


class BackendError(RuntimeError):
    """A backend could not produce a generation (server error after retries, malformed response, ...)."""


@runtime_checkable
class Backend(Protocol):
    def generate(self, batch: Sequence[Messages], params: SamplingParams) -> list[Generation]:
        """One generation per (prompt, sample): ``len(batch) * params.n`` results, grouped by prompt."""
