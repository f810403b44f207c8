"""Step mode: one move per step (Discrete / MultiDiscrete) with an action mask."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from ..core import Task
from ..core.directions import FourWayStepMode
from .base import TaskEnv
from .spaces import discrete_action_space

FOUR_WAY_KEYS = {("w",): 0, ("s",): 1, ("a",): 2, ("d",): 3}  # core.directions: 0 up, 1 down, 2 left, 3 right


@cache
def _level_shape(task: Task, level: int) -> tuple[int, ...]:
    return tuple(int(n) for n in task.level_action_shape(level))


class StepEnv(TaskEnv):
    """Reward 1.0 on the step that solves the puzzle (then ``terminated``); a legal move that loses the
    game (``Task.play_lost``) terminates with reward 0 and ``info["lost"]``; an illegal move is a no-op
    flagged with ``info["illegal"]`` and ``info["reason"]``; ``truncated`` at the task's step limit."""

    def __init__(self, task: str | Task, level: int | str, *, modality: str = "image", image_size: int = 512,
                 render_mode: str | None = None, boxed_instruction: bool = True):
        super().__init__(task, level, modality=modality, image_size=image_size, render_mode=render_mode,
                         boxed_instruction=boxed_instruction)
        if not self.task.step_mode:
            raise ValueError(f"{self.task.name} has no step mode; use mode='answer'")
        self.action_shape = _level_shape(self.task, self.level)
        self.action_space = discrete_action_space(self.action_shape)
        self.play: Any = None
        self.steps = 0
        self.limit = 0
        self._done = True

    def _observe(self) -> dict:
        self._image = self._render_array(self.play) if (self.modality == "image" or self.render_mode) else None
        prompt = self._finish_prompt(self.task.play_prompt(self.instance, self.play, self.modality))
        return self._obs(prompt, self._image)

    def action_mask(self) -> np.ndarray:
        return np.asarray(self.task.play_mask(self.instance, self.play), dtype=bool)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self.instance = self._select_instance(seed, options)
        self.play = self.task.play_init(self.instance)
        self.steps = 0
        self.limit = int(self.task.step_limit(self.instance))
        self._done = False
        info = self._base_info()
        info.update(self.task.play_info(self.instance, self.play))
        info.update(steps=0, step_limit=self.limit, action_mask=self.action_mask())
        return self._observe(), info

    def _coerce_action(self, action: Any):
        arr = np.asarray(action)
        if len(self.action_shape) == 1:
            if arr.size != 1:
                raise ValueError(f"expected one integer action, got shape {arr.shape}")
            return int(arr.reshape(()))
        if arr.shape != (len(self.action_shape),):
            raise ValueError(f"expected an action of shape ({len(self.action_shape)},), got {arr.shape}")
        return tuple(int(v) for v in arr)

    def step(self, action: Any):
        if self._done:
            raise RuntimeError("episode is over; call reset()")
        self.steps += 1
        info = self._base_info()
        try:
            move = self._coerce_action(action)
            bounds = move if isinstance(move, tuple) else (move,)
            if any(not 0 <= v < n for v, n in zip(bounds, self.action_shape)):
                raise ValueError(f"action {move} outside the action space {self.action_shape}")
            result = self.task.play_apply(self.instance, self.play, move)
        except (ValueError, TypeError) as err:
            legal, reason, extra = False, str(err), {}
        else:
            legal, reason, extra = result.legal, result.reason, result.info
            if legal:
                self.play = result.state
        solved = legal and self.task.play_solved(self.instance, self.play)
        lost = legal and not solved and self.task.play_lost(self.instance, self.play)
        reward = 1.0 if solved else 0.0
        terminated = bool(solved or lost)
        truncated = not terminated and self.steps >= self.limit
        self._done = terminated or truncated
        info.update(extra)
        info.update(self.task.play_info(self.instance, self.play))
        info.update(steps=self.steps, step_limit=self.limit, illegal=not legal, reason=reason,
                    solved=bool(solved), lost=bool(lost), action_mask=self.action_mask())
        return self._observe(), reward, terminated, truncated, info

    def get_keys_to_action(self) -> dict[tuple[str, ...], int]:
        """{key tuple: action} for ``gymnasium.utils.play.play`` (keys as characters, never pygame codes).

        A task may define ``play_keys(level) -> dict``; otherwise the four-way games get WASD (w up, s down,
        a left, d right) and other small Discrete spaces (Hanoi's 6 peg pairs) the digits ``0``..``n-1``.
        Tasks with MultiDiscrete moves or large Discrete spaces (Minesweeper's per-cell flag/reveal) have no
        natural keys: this raises ValueError and ``python -m mmhelix_env.play`` is the way to play them."""
        hook = getattr(self.task, "play_keys", None)
        if callable(hook):
            return dict(hook(self.level))
        if len(self.action_shape) == 1:
            n = self.action_shape[0]
            if isinstance(self.task, FourWayStepMode) and n == 4:
                return dict(FOUR_WAY_KEYS)
            if n <= 10:
                return {(str(i),): i for i in range(n)}
        raise ValueError(f"{self.task.name} has no natural key mapping for its action space {self.action_shape}; "
                         "play it with `python -m mmhelix_env.play` (mouse and keyboard)")
