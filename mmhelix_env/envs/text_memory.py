"""A ``Text`` space that survives ``AsyncVectorEnv``'s shared memory.

Gymnasium 1.4 decodes a ``Text`` shared-memory buffer once, when the vector env is built, and never again: every
later batch of prompts reads back as the placeholder string. ``SharedMemoryText`` registers its own reader, which
returns a live view (``LiveTexts``) decoded on access; ``AsyncVectorEnv(copy=True)`` (the default) deep-copies it
into a plain ``tuple`` of ``str`` like every other batched Text observation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.spaces.text import alphanumeric
from gymnasium.vector.utils import read_from_shared_memory, write_to_shared_memory


class SharedMemoryText(spaces.Text):
    """``spaces.Text`` whose batches can travel through ``AsyncVectorEnv`` shared memory."""

    def __init__(self, max_length: int, *, min_length: int = 1, charset: str | frozenset = alphanumeric,
                 seed: Any = None):
        super().__init__(max_length, min_length=min_length, charset=charset, seed=seed)
        points = np.array([ord(ch) for ch in self.character_list], dtype=np.uint32)
        self._code_of_point = np.full(int(points.max(initial=0)) + 1, -1, dtype=np.int32)
        self._code_of_point[points] = np.arange(len(points), dtype=np.int32)
        self._point_of_code = points

    def encode(self, text: str) -> np.ndarray:
        """Character indices padded with ``len(charset)``, as ``gymnasium.spaces.flatten`` gives them."""
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        if points.size > self.max_length:
            raise ValueError(f"text of {points.size} characters exceeds max_length {self.max_length}")
        if points.size and points.max() >= self._code_of_point.size:
            raise ValueError("text has characters outside the space's charset")
        codes = np.full(self.max_length, len(self._point_of_code), dtype=np.int32)
        codes[: points.size] = self._code_of_point[points]
        if (codes[: points.size] < 0).any():
            raise ValueError("text has characters outside the space's charset")
        return codes

    def decode(self, codes: np.ndarray) -> str:
        return self._point_of_code[codes[codes < len(self._point_of_code)]].tobytes().decode("utf-32-le")


class LiveTexts(Sequence):
    """The ``n`` strings currently in a shared-memory buffer, decoded when read."""

    def __init__(self, space: SharedMemoryText, codes: np.ndarray):
        self._space = space
        self._codes = codes

    def __len__(self) -> int:
        return self._codes.shape[0]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self)[index]
        return self._space.decode(self._codes[index])

    def snapshot(self) -> tuple[str, ...]:
        return tuple(self._space.decode(row) for row in self._codes)

    def __deepcopy__(self, memo: dict) -> tuple[str, ...]:
        return self.snapshot()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    __hash__ = None

    def __repr__(self) -> str:
        return f"LiveTexts({self.snapshot()!r})"


@read_from_shared_memory.register(SharedMemoryText)
def _read_live_texts(space: SharedMemoryText, shared_memory, n: int = 1) -> LiveTexts:
    codes = np.frombuffer(shared_memory.get_obj(), dtype=np.int32).reshape((n, space.max_length))
    return LiveTexts(space, codes)


@write_to_shared_memory.register(SharedMemoryText)
def _write_texts(space: SharedMemoryText, index: int, value: str, shared_memory) -> None:
    destination = np.frombuffer(shared_memory.get_obj(), dtype=np.int32)
    destination[index * space.max_length: (index + 1) * space.max_length] = space.encode(value)


def with_shared_memory_text(space: spaces.Space) -> spaces.Space:
    """``space`` with every ``Text`` (inside Dict/Tuple too) replaced by an equal ``SharedMemoryText``."""
    if isinstance(space, SharedMemoryText):
        return space
    if isinstance(space, spaces.Text):
        return SharedMemoryText(max_length=space.max_length, min_length=space.min_length,
                                charset="".join(space.character_list), seed=space.np_random)
    if isinstance(space, spaces.Dict):
        return spaces.Dict({key: with_shared_memory_text(sub) for key, sub in space.spaces.items()})
    if isinstance(space, spaces.Tuple):
        return spaces.Tuple(tuple(with_shared_memory_text(sub) for sub in space.spaces))
    return space
