"""Observation and action spaces shared by the answer and step envs."""

from __future__ import annotations

import string

import numpy as np
from gymnasium import spaces

from .text_memory import SharedMemoryText

# Gymnasium's default Text charset is alphanumeric only; prompts need punctuation, whitespace and the
# few typographic symbols the task prompts use.
EXTRA_CHARS = "×÷−–—→←↑↓·…’“”≤≥≠█"
CHARSET = frozenset(string.printable + EXTRA_CHARS)
CHARSET_STR = "".join(sorted(CHARSET))
PROMPT_MAX_CHARS = 32_768
ACTION_MAX_CHARS = 32_768

BOXED_INSTRUCTION = "The final answer MUST BE enclosed within \\boxed{}"


def sanitize(text: str) -> str:
    """Replace characters outside the observation charset (rare; e.g. echoed model output)."""
    if all(ch in CHARSET for ch in text):
        return text
    return "".join(ch if ch in CHARSET else "?" for ch in text)


def prompt_space() -> spaces.Text:
    """A Text space that survives Gymnasium's async shared memory (see text_memory)."""
    return SharedMemoryText(max_length=PROMPT_MAX_CHARS, min_length=0, charset=CHARSET_STR)


def observation_space(modality: str, image_size: int) -> spaces.Dict:
    parts: dict[str, spaces.Space] = {}
    if modality == "image":
        parts["image"] = spaces.Box(0, 255, (image_size, image_size, 3), np.uint8)
    parts["prompt"] = prompt_space()
    return spaces.Dict(parts)


def text_action_space() -> spaces.Text:
    return spaces.Text(max_length=ACTION_MAX_CHARS, min_length=0, charset=CHARSET_STR)


def discrete_action_space(shape: tuple[int, ...]) -> spaces.Space:
    if len(shape) == 1:
        return spaces.Discrete(int(shape[0]))
    return spaces.MultiDiscrete(np.asarray(shape, dtype=np.int64))
