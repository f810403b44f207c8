"""What the answer and step envs share: instance selection on reset, observations, info."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from ..core import MODALITIES, Instance, Task, level_number
from ..core.seeding import MAX_SEED
from ..render import to_array
from .spaces import BOXED_INSTRUCTION, observation_space, sanitize


def resolve_task(task: str | Task) -> Task:
    if isinstance(task, Task):
        return task
    from .. import TASKS

    if task not in TASKS:
        raise KeyError(f"unknown task {task!r}; known: {', '.join(TASKS)}")
    return TASKS[task]


def coerce_instance(task: Task, given: Any) -> Instance:
    """An Instance, its ``to_dict()`` form, or a reference record → Instance of ``task``."""
    if isinstance(given, Instance):
        inst = given
    elif isinstance(given, dict) and "state" in given and "task" in given:
        inst = Instance.from_dict(given)
    elif isinstance(given, dict):
        inst = task.from_record(given)
    else:
        raise TypeError("options['instance'] must be an Instance, its dict, or a reference record; "
                        f"got {type(given).__name__}")
    if inst.task != task.name:
        raise ValueError(f"instance is for task {inst.task}, this env runs {task.name}")
    return inst


class TaskEnv(gym.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(self, task: str | Task, level: int | str, *, modality: str = "image", image_size: int = 512,
                 render_mode: str | None = None, boxed_instruction: bool = True):
        if modality not in MODALITIES:
            raise ValueError(f"modality must be one of {MODALITIES}, got {modality!r}")
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        if not 64 <= int(image_size) <= 4096:
            raise ValueError(f"image_size must be in 64..4096, got {image_size}")
        self.task = resolve_task(task)
        self.level = level_number(level)
        self.modality = modality
        self.image_size = int(image_size)
        self.render_mode = render_mode
        self.boxed_instruction = boxed_instruction
        self.observation_space = observation_space(modality, self.image_size)
        self.instance: Instance | None = None
        self._image: np.ndarray | None = None

    # --- helpers -----------------------------------------------------------------------------
    def _select_instance(self, seed: int | None, options: dict | None) -> Instance:
        options = options or {}
        if options.get("instance") is not None:
            return coerce_instance(self.task, options["instance"])
        level = level_number(options.get("level", self.level))
        if seed is None:
            seed = int(self.np_random.integers(0, MAX_SEED, dtype=np.int64))
        return self.task.instance(level, seed)

    def _finish_prompt(self, text: str) -> str:
        if self.boxed_instruction:
            text = f"{text.rstrip()}\n{BOXED_INSTRUCTION}"
        return sanitize(text)

    def _render_array(self, play: Any = None) -> np.ndarray:
        return to_array(self.task.render(self.instance, play, self.image_size))

    def _obs(self, prompt: str, image: np.ndarray | None) -> dict:
        obs = {"prompt": prompt}
        if self.modality == "image":
            obs["image"] = image.copy()  # callers keep observations; never hand out the cached array
        return obs

    def _base_info(self) -> dict:
        inst = self.instance
        return {
            "task": self.task.name,
            "category": self.task.category,
            "level": inst.level,
            "level_name": inst.level_name,
            "seed": inst.seed,
            "fingerprint": inst.fingerprint,
            "instance": inst,
            "modality": self.modality,
        }

    def render(self):
        if self.instance is None:
            return None
        if self._image is None:
            self._image = self._render_array(getattr(self, "play", None))
        return self._image
