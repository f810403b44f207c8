"""What the trainer integrations share: rebuild an instance from its stored JSON (cached) and score a response."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from ..core import Instance

INSTANCE_CACHE_SIZE = 4096


@lru_cache(maxsize=INSTANCE_CACHE_SIZE)
def instance_from_json(text: str) -> Instance:
    """``Instance`` from ``json.dumps(instance.to_dict())`` (checks the fingerprint); cached by the text."""
    return Instance.from_dict(json.loads(text))


def as_instance(stored: Any) -> Instance:
    """An Instance, its ``to_dict()`` form, or that dict as JSON text → Instance."""
    if isinstance(stored, Instance):
        return stored
    if isinstance(stored, (bytes, bytearray)):
        stored = stored.decode()
    if isinstance(stored, str):
        return instance_from_json(stored)
    if isinstance(stored, dict):
        return Instance.from_dict(stored)
    raise TypeError(f"cannot rebuild an instance from {type(stored).__name__}")


def completion_text(completion: Any) -> str:
    """The text of a completion: a string, a chat message, or a list of messages (the last assistant turn)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        content = completion.get("content", "")
        if isinstance(content, list):  # multimodal content parts
            return "".join(part.get("text", "") for part in content if isinstance(part, dict))
        return str(content)
    if isinstance(completion, (list, tuple)):
        for message in reversed(completion):
            if not isinstance(message, dict) or message.get("role", "assistant") == "assistant":
                return completion_text(message)
        return ""
    return "" if completion is None else str(completion)


def score(stored_instance: Any, response: Any) -> float:
    """1.0 iff the verifier proves the response's final answer correct; 0.0 otherwise, and on any bad input."""
    from .. import verify

    try:
        return 1.0 if verify(as_instance(stored_instance), completion_text(response)).correct else 0.0
    except Exception:  # bad stored rows must not crash a training run
        return 0.0
