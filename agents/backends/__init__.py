"""Model backends behind one interface: ``generate(batch_of_messages, SamplingParams) -> list[Generation]``.

Each backend module loads its heavy dependency (torch/transformers, vllm) only when imported.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "TransformersBackend": ".hf_backend",
    "OpenAIBackend": ".openai_backend",
    "VLLMBackend": ".vllm_backend",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
