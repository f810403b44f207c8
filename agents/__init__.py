"""LLM agents for MM-HELIX Gym: observations → chat messages, model backends, agents and episode runners.

``import agents`` is light (no torch, transformers or vllm); names load on first use::

    from agents import LLMAgent, OpenAIBackend, SamplingParams, run_episodes
    backend = OpenAIBackend("http://localhost:8000/v1", model="Qwen/Qwen2.5-VL-7B-Instruct")
    agent = LLMAgent(backend, SamplingParams(max_new_tokens=8192))
    results = run_episodes(["MMHelix/Sudoku-easy", "MMHelix/Maze-hard"], agent)
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    # types
    "SamplingParams": ".types", "Generation": ".types", "Backend": ".types", "BackendError": ".types",
    # messages
    "Conversation": ".messages", "observation_to_messages": ".messages", "user_message": ".messages",
    "image_to_data_url": ".messages", "data_url_to_image": ".messages", "with_boxed_instruction": ".messages",
    # backends
    "TransformersBackend": ".backends.hf_backend", "OpenAIBackend": ".backends.openai_backend",
    "VLLMBackend": ".backends.vllm_backend",
    # agents
    "Agent": ".agent", "ExpertAgent": ".agent", "RandomAgent": ".agent", "LLMAgent": ".agent", "Turn": ".agent",
    "EpisodeContext": ".agent", "parse_step_action": ".agent",
    # runner
    "EpisodeResult": ".runner", "run_episode": ".runner", "run_episodes": ".runner",
    # test model (imports torch/transformers)
    "tiny_vlm": ".testing",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = sorted(_EXPORTS)
