"""Task mixtures and an adaptive curriculum (answer mode).

``MixtureEnv`` samples, on every reset, one (task, level) component by weight and then an instance of it; all
components share one observation space: ``Dict(image=Box(S, S, 3), prompt=Text)`` with a fixed ``image_size``
(``Dict(prompt)`` with ``modality="text"``).

``CurriculumEnv`` keeps a level per task and moves it by the agent's recent success rate: after ``window``
finished episodes of a task, a success rate >= ``promote_at`` raises its level, <= ``demote_at`` lowers it, and the
window starts over. The same seed sequence and the same rewards give the same instances. Its state at the start
of each episode is in the reset ``info["curriculum"]``; the step that moves a level carries
``info["curriculum_change"]``. The state round-trips through ``state_dict()`` / ``load_state_dict()`` (JSON-safe).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from ..core import LEVELS, Instance, level_number
from ..core.seeding import MAX_SEED
from .answer_env import AnswerEnv
from .base import coerce_instance, resolve_task
from .registry import env_id, parse_env_id
from .spaces import observation_space, text_action_space
from .text_memory import with_shared_memory_text

Component = tuple[str, int]


def parse_components(components: Any) -> tuple[list[Component], list[float]]:
    """Env ids, ``(task, level)`` pairs, or a mapping of either to weights → (components, weights)."""
    if isinstance(components, Mapping):
        items, weights = list(components), [float(w) for w in components.values()]
    else:
        items, weights = list(components), None
    parsed = []
    for item in items:
        if isinstance(item, str):
            parsed.append(parse_env_id(item))
        else:
            task, level = item
            parsed.append((resolve_task(task).name, level_number(level)))
    if not parsed:
        raise ValueError("a mixture needs at least one component")
    if len(set(parsed)) != len(parsed):
        raise ValueError("duplicate components in the mixture")
    return parsed, weights if weights is not None else [1.0] * len(parsed)


def normalised(weights: Sequence[float], count: int) -> np.ndarray:
    probs = np.asarray(weights, dtype=np.float64)
    if probs.shape != (count,) or (probs < 0).any() or probs.sum() <= 0:
        raise ValueError(f"need {count} non-negative weights with a positive sum, got {list(weights)}")
    return probs / probs.sum()


class MixtureEnv(gym.Env):
    """One answer-mode env over several (task, level) components, sampled by weight on each reset.

    ``MixtureEnv(["MMHelix/Maze-easy", ("Sudoku", 3)], weights=[3, 1])`` or
    ``MixtureEnv.from_tasks(["Maze", "Sudoku"], levels=["easy", "medium"])``. ``reset(options=...)`` accepts
    ``{"instance": inst}`` (replay; its task and level need not be a component) or ``{"component": env_id}``.
    ``info["component"]`` names the env id that was drawn.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(self, components: Any, weights: Sequence[float] | None = None, *, modality: str = "image",
                 image_size: int = 512, max_attempts: int = 1, boxed_instruction: bool = True,
                 render_mode: str | None = None):
        self.components, default_weights = parse_components(components)
        self.probs = normalised(weights if weights is not None else default_weights, len(self.components))
        self.env_kwargs = dict(modality=modality, image_size=image_size, max_attempts=max_attempts,
                               boxed_instruction=boxed_instruction, render_mode=render_mode)
        self.render_mode = render_mode
        self.observation_space = with_shared_memory_text(observation_space(modality, int(image_size)))
        self.action_space = with_shared_memory_text(text_action_space())
        self._envs: dict[Component, AnswerEnv] = {}
        self._current: AnswerEnv | None = None

    @classmethod
    def from_tasks(cls, tasks: Sequence[str], levels: Sequence[int | str] = LEVELS, **kwargs: Any) -> MixtureEnv:
        """Every task at every level, uniform unless ``weights=`` is given."""
        return cls([(task, level) for task in tasks for level in levels], **kwargs)

    @property
    def component_ids(self) -> list[str]:
        return [env_id(task, level) for task, level in self.components]

    @property
    def instance(self) -> Instance | None:
        return None if self._current is None else self._current.instance

    def _env(self, component: Component) -> AnswerEnv:
        if component not in self._envs:
            self._envs[component] = AnswerEnv(component[0], component[1], **self.env_kwargs)
        return self._envs[component]

    def _choose(self) -> Component:
        return self.components[int(self.np_random.choice(len(self.components), p=self.probs))]

    def _reset_component(self, component: Component, instance: Instance | None) -> tuple[dict, dict]:
        if instance is None:
            instance = self._env(component).task.instance(component[1],
                                                          int(self.np_random.integers(0, MAX_SEED, dtype=np.int64)))
        self._current = self._env(component)
        obs, info = self._current.reset(options={"instance": instance})
        info["component"] = env_id(*component)
        return obs, info

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        options = options or {}
        instance = None
        if options.get("instance") is not None:
            given = options["instance"]
            task_name = given.task if isinstance(given, Instance) else given.get("task")
            if task_name is None:
                raise ValueError("options['instance'] must be an Instance or its to_dict() form in a mixture")
            instance = coerce_instance(resolve_task(task_name), given)
            component = (instance.task, instance.level)
        elif options.get("component") is not None:
            component = parse_env_id(options["component"])
        else:
            component = self._choose()
        return self._reset_component(component, instance)

    def step(self, action: Any):
        if self._current is None:
            raise RuntimeError("call reset() first")
        obs, reward, terminated, truncated, info = self._current.step(action)
        info["component"] = env_id(self._current.task.name, self._current.instance.level)
        return obs, reward, terminated, truncated, info

    def render(self):
        return None if self._current is None else self._current.render()

    def close(self):
        for env in self._envs.values():
            env.close()


class CurriculumEnv(MixtureEnv):
    """A mixture over tasks whose levels follow the agent's recent success rate (see the module docstring).

    ``record(task, success)`` feeds an outcome from outside the env (e.g. a trainer's reward function); finished
    episodes of the env itself are recorded automatically.
    """

    def __init__(self, tasks: Sequence[str], weights: Sequence[float] | None = None, *,
                 start_level: int | str | Mapping[str, int | str] = 1, min_level: int | str = 1,
                 max_level: int | str = 5, window: int = 20, promote_at: float = 0.8, demote_at: float = 0.2,
                 **env_kwargs: Any):
        names = [resolve_task(task).name for task in tasks]
        if not names or len(set(names)) != len(names):
            raise ValueError(f"need at least one task and no duplicates, got {list(tasks)}")
        self.min_level, self.max_level = level_number(min_level), level_number(max_level)
        if self.min_level > self.max_level:
            raise ValueError("min_level must not exceed max_level")
        if int(window) < 1 or not 0.0 <= demote_at < promote_at <= 1.0:
            raise ValueError("need window >= 1 and 0 <= demote_at < promote_at <= 1")
        self.window, self.promote_at, self.demote_at = int(window), float(promote_at), float(demote_at)
        starts = start_level if isinstance(start_level, Mapping) else dict.fromkeys(names, start_level)
        self.levels = {name: min(max(level_number(starts.get(name, 1)), self.min_level), self.max_level)
                       for name in names}
        self.outcomes: dict[str, deque] = {name: deque(maxlen=self.window) for name in names}
        self.changes: list[dict] = []
        self.episodes = 0
        super().__init__([(name, level) for name in names for level in range(self.min_level, self.max_level + 1)],
                         **env_kwargs)
        self.tasks = names
        self.task_probs = normalised(weights if weights is not None else [1.0] * len(names), len(names))
        self._recorded = True

    def _choose(self) -> Component:
        task = self.tasks[int(self.np_random.choice(len(self.tasks), p=self.task_probs))]
        return task, self.levels[task]

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        obs, info = super().reset(seed=seed, options=options)
        self._recorded = False
        info["curriculum"] = self.summary()
        return obs, info

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = super().step(action)
        if (terminated or truncated) and not self._recorded:
            self._recorded = True
            task = self._current.task.name
            changes_before = len(self.changes)
            # only episodes at the task's current level count (not replays forced through reset options)
            if task in self.levels and self._current.instance.level == self.levels[task]:
                self.record(task, reward > 0)
            if len(self.changes) > changes_before:
                info["curriculum_change"] = dict(self.changes[-1])
        return obs, reward, terminated, truncated, info

    def record(self, task: str, success: bool) -> int:
        """Add one finished episode of ``task``; returns the task's (possibly new) level."""
        outcomes = self.outcomes[task]
        outcomes.append(bool(success))
        self.episodes += 1
        if len(outcomes) == self.window:
            rate = sum(outcomes) / self.window
            old = self.levels[task]
            if rate >= self.promote_at and old < self.max_level:
                self.levels[task] = old + 1
            elif rate <= self.demote_at and old > self.min_level:
                self.levels[task] = old - 1
            if self.levels[task] != old:
                outcomes.clear()
                self.changes.append({"episode": self.episodes, "task": task, "from": old, "to": self.levels[task],
                                     "rate": rate})
        return self.levels[task]

    def success_rate(self, task: str) -> float | None:
        outcomes = self.outcomes[task]
        return sum(outcomes) / len(outcomes) if outcomes else None

    def summary(self) -> dict[str, dict]:
        return {task: {"level": level, "level_name": LEVELS[level - 1], "episodes_in_window": len(self.outcomes[task]),
                       "success_rate": self.success_rate(task)} for task, level in self.levels.items()}

    def state_dict(self) -> dict:
        """JSON-safe state: settings, levels, windows, level changes and the sampling RNG."""
        return {
            "tasks": list(self.tasks), "levels": dict(self.levels),
            "outcomes": {task: list(outcomes) for task, outcomes in self.outcomes.items()},
            "window": self.window, "promote_at": self.promote_at, "demote_at": self.demote_at,
            "min_level": self.min_level, "max_level": self.max_level, "episodes": self.episodes,
            "changes": [dict(change) for change in self.changes],
            "rng": self.np_random.bit_generator.state,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        if list(state["tasks"]) != self.tasks:
            raise ValueError(f"state is for tasks {state['tasks']}, this curriculum has {self.tasks}")
        self.window, self.promote_at, self.demote_at = int(state["window"]), state["promote_at"], state["demote_at"]
        self.min_level, self.max_level = int(state["min_level"]), int(state["max_level"])
        self.levels = {task: int(level) for task, level in state["levels"].items()}
        self.outcomes = {task: deque((bool(x) for x in state["outcomes"][task]), maxlen=self.window)
                         for task in self.tasks}
        self.episodes = int(state["episodes"])
        self.changes = [dict(change) for change in state["changes"]]
        rng = np.random.Generator(np.random.PCG64())
        rng.bit_generator.state = state["rng"]
        self.np_random = rng


__all__ = ["CurriculumEnv", "MixtureEnv"]
