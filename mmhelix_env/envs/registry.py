"""Env ids ``MMHelix/<Name>-<level>`` for every task and level, and vector-env construction."""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from ..core import LEVELS, Task, level_number
from .answer_env import AnswerEnv
from .step_env import StepEnv

NAMESPACE = "MMHelix"
MODES = ("answer", "step")


def env_id(task: str, level: int | str) -> str:
    return f"{NAMESPACE}/{task}-{LEVELS[level_number(level) - 1]}"


def parse_env_id(env_id_: str) -> tuple[str, int]:
    """``"MMHelix/Sokoban-hard"`` (optionally prefixed ``mmhelix_env:``) → ("Sokoban", 4)."""
    name = env_id_.split(":", 1)[-1]
    if not name.startswith(NAMESPACE + "/"):
        raise ValueError(f"not an MM-HELIX env id: {env_id_!r}")
    stem = name[len(NAMESPACE) + 1:]
    for level in sorted(LEVELS, key=len, reverse=True):  # "very-hard" before "hard"
        if stem.endswith("-" + level):
            return stem[: -len(level) - 1], level_number(level)
    raise ValueError(f"env id {env_id_!r} does not end in a level ({', '.join(LEVELS)})")


def make_env(task: str | Task, level: int | str, mode: str = "answer", **kwargs: Any) -> gym.Env:
    """Entry point of every registered id; ``mode="step"`` gives the step-mode env. Prompt spaces are
    ``SharedMemoryText``, so ``gym.make_vec(id, n, vectorization_mode="async")`` works with Gymnasium's default
    ``shared_memory=True``."""
    if mode == "answer":
        return AnswerEnv(task, level, **kwargs)
    if mode == "step":
        kwargs.pop("max_attempts", None)
        return StepEnv(task, level, **kwargs)
    raise ValueError(f"mode must be one of {MODES}, got {mode!r}")


def register_all(tasks: dict[str, Task]) -> tuple[str, ...]:
    ids = []
    for name in tasks:
        for level in LEVELS:
            eid = env_id(name, level)
            if eid not in gym.registry:
                gym.register(id=eid, entry_point="mmhelix_env.envs.registry:make_env",
                             kwargs={"task": name, "level": level_number(level)}, disable_env_checker=False)
            ids.append(eid)
    return tuple(ids)


def make_vec(env_id_: str, num_envs: int = 1, vectorization_mode: str = "sync", *,
             vector_kwargs: dict[str, Any] | None = None, **env_kwargs: Any) -> gym.vector.VectorEnv:
    """A vector env over ``num_envs`` copies of an id; the same as ``gym.make_vec``. Async mode works with and
    without shared memory (``vector_kwargs={"shared_memory": False}`` pickles observations through pipes)."""
    if vectorization_mode not in ("sync", "async"):
        raise ValueError(f"vectorization_mode must be 'sync' or 'async', got {vectorization_mode!r}")
    return gym.make_vec(env_id_, num_envs, vectorization_mode=vectorization_mode, vector_kwargs=vector_kwargs,
                        **env_kwargs)
