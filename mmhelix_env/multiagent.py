"""PettingZoo envs: N agents face the same seeded instance (GRPO groups, races, a person against a model).

Needs the ``multiagent`` extra (pettingzoo); ``import mmhelix_env`` never imports this module.

    from mmhelix_env.multiagent import parallel_env
    env = parallel_env("MMHelix/Maze-easy", num_agents=4)                 # answer mode: one text answer each
    env = parallel_env("MMHelix/Maze-easy", agent_names=["human", "model"], mode="step", race=True)
    obs, infos = env.reset(seed=7)                                        # every agent sees the same puzzle

Rules (decided here, documented in the README):

- Every agent gets its own reward for its own answer or move: 1.0 on the step it solves the puzzle, else 0.0.
- Each agent has its own single-agent env on the same instance, so in step mode each has its own play state, step
  count and step limit, and in answer mode its own attempts (``max_attempts``) and feedback.
- An agent that finished (solved, out of attempts, lost, or at its step limit) stays done: it leaves ``env.agents``
  and is never revived until ``reset``. An agent missing from the actions dict skips the round (no attempt, no
  move; ``info["idle"]``), which lets a person think while a model answers.
- ``race=True``: the first round in which someone solves it ends the episode for everyone; the others are
  truncated. Ties (several solvers in one round) share first place.
- ``infos[agent]`` carries what the single-agent env reports (``verdict``/``answer`` in answer mode, ``illegal``,
  ``action_mask`` in step mode, the instance and fingerprint) plus ``round``, ``solved``, ``rank`` (1 = first to
  solve, ``None`` until solved) and ``idle``.
- Step-mode action masks follow PettingZoo's convention (``action_space(agent).sample(info["action_mask"])``
  works): ``int8``; for MultiDiscrete (grid puzzles) a tuple of per-dimension masks (a value is allowed where some
  legal action uses it), with the exact joint mask, shaped like the action space, in ``info["joint_action_mask"]``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.utils import seeding
from pettingzoo import ParallelEnv
from pettingzoo.utils.conversions import parallel_to_aec

from .core import Instance, Task, level_number
from .core.seeding import MAX_SEED
from .envs.base import coerce_instance, resolve_task
from .envs.registry import make_env, parse_env_id


def pettingzoo_mask(info: dict) -> dict:
    """``info`` with its boolean joint action mask in the form ``Space.sample(mask)`` takes (see module doc)."""
    mask = info.get("action_mask")
    if mask is None:
        return info
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim == 1:
        return dict(info, action_mask=mask.astype(np.int8))
    dims = range(mask.ndim)
    marginals = tuple(mask.any(axis=tuple(d for d in dims if d != keep)).astype(np.int8) for keep in dims)
    return dict(info, action_mask=marginals, joint_action_mask=mask)


class MultiAgentEnv(ParallelEnv):
    """``ParallelEnv`` over one MM-HELIX task and level; see the module docstring for the rules."""

    metadata = {"name": "mmhelix_multiagent_v0", "render_modes": ["rgb_array"], "is_parallelizable": True}

    def __init__(self, task: str | Task, level: int | str, num_agents: int = 2, *,
                 agent_names: list[str] | None = None, mode: str = "answer", race: bool = False,
                 modality: str = "image", image_size: int = 512, max_attempts: int = 1,
                 render_mode: str | None = None, boxed_instruction: bool = True):
        names = list(agent_names) if agent_names is not None else [f"agent_{i}" for i in range(int(num_agents))]
        if not names or len(set(names)) != len(names):
            raise ValueError(f"need at least one agent and distinct names, got {names}")
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.task = resolve_task(task)
        self.level = level_number(level)
        self.mode = mode
        self.race = bool(race)
        self.render_mode = render_mode
        self.possible_agents = names
        self.agents: list[str] = []
        env_kwargs = dict(modality=modality, image_size=image_size, boxed_instruction=boxed_instruction,
                          render_mode="rgb_array" if render_mode else None)
        if mode == "answer":
            env_kwargs["max_attempts"] = max_attempts
        self._envs = {name: make_env(self.task, self.level, mode, **env_kwargs) for name in names}
        self.observation_spaces = {name: env.observation_space for name, env in self._envs.items()}
        self.action_spaces = {name: env.action_space for name, env in self._envs.items()}
        self.instance: Instance | None = None
        self.round = 0
        self._ranks: dict[str, int | None] = {}
        self._last: dict[str, tuple] = {}
        self.np_random, _ = seeding.np_random(None)

    def observation_space(self, agent: str):
        return self.observation_spaces[agent]

    def action_space(self, agent: str):
        return self.action_spaces[agent]

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:
            self.np_random, _ = seeding.np_random(seed)
        options = options or {}
        if options.get("instance") is not None:
            self.instance = coerce_instance(self.task, options["instance"])
        else:
            level = level_number(options.get("level", self.level))
            instance_seed = seed if seed is not None else int(self.np_random.integers(0, MAX_SEED, dtype=np.int64))
            self.instance = self.task.instance(level, instance_seed)
        self.agents = list(self.possible_agents)
        self.round = 0
        self._ranks = dict.fromkeys(self.agents)
        observations, infos = {}, {}
        for i, agent in enumerate(self.agents):
            sub_seed = None if seed is None else seed + i
            obs, info = self._envs[agent].reset(seed=sub_seed, options={"instance": self.instance})
            info = pettingzoo_mask(info)
            info.update(round=0, solved=False, rank=None, idle=False, agent=agent)
            observations[agent], infos[agent] = obs, info
            self._last[agent] = (obs, info)
        return observations, infos

    def step(self, actions: dict[str, Any]):
        if not self.agents:
            raise RuntimeError("every agent is done; call reset()")
        unknown = set(actions) - set(self.possible_agents)
        if unknown:
            raise KeyError(f"actions for unknown agents: {sorted(unknown)}")
        self.round += 1
        observations, rewards, terminations, truncations, infos = {}, {}, {}, {}, {}
        solvers = []
        for agent in self.agents:
            if agent in actions and actions[agent] is not None:
                obs, reward, terminated, truncated, info = self._envs[agent].step(actions[agent])
                solved = reward > 0
                info = pettingzoo_mask(info)
                info.update(idle=False)
                if solved:
                    solvers.append(agent)
            else:
                obs, info = self._last[agent]
                reward, terminated, truncated, solved = 0.0, False, False, False
                info = dict(info, idle=True)
            observations[agent], rewards[agent] = obs, float(reward)
            terminations[agent], truncations[agent], infos[agent] = bool(terminated), bool(truncated), info
            self._last[agent] = (obs, info)
        if solvers:
            place = 1 + sum(rank is not None for rank in self._ranks.values())
            for agent in solvers:
                self._ranks[agent] = place
        race_over = self.race and bool(solvers)
        for agent in self.agents:
            if race_over and not (terminations[agent] or truncations[agent]):
                truncations[agent] = True
            infos[agent].update(round=self.round, solved=self._ranks[agent] is not None, rank=self._ranks[agent],
                                agent=agent, race_over=race_over)
        self.agents = [a for a in self.agents if not (terminations[a] or truncations[a])]
        return observations, rewards, terminations, truncations, infos

    def render(self):
        if self.render_mode is None or self.instance is None:
            return None
        if self.mode == "answer":
            return self._envs[self.possible_agents[0]].render()
        frames = [self._envs[agent].render() for agent in self.possible_agents]
        gap = np.full((frames[0].shape[0], 8, 3), 255, dtype=np.uint8)
        tiles = [part for frame in frames for part in (frame, gap)][:-1]
        return np.concatenate(tiles, axis=1)

    def close(self):
        for env in self._envs.values():
            env.close()

    @property
    def ranks(self) -> dict[str, int | None]:
        """Finishing place per agent (1 = first to solve; ``None``: has not solved)."""
        return dict(self._ranks)


def _task_and_level(env_id_or_task: str | Task, level: int | str | None) -> tuple[str | Task, int | str]:
    if level is None:
        if not isinstance(env_id_or_task, str):
            raise ValueError("pass a level with a Task object")
        return parse_env_id(env_id_or_task)
    return env_id_or_task, level


def parallel_env(env_id_or_task: str | Task, level: int | str | None = None, **kwargs: Any) -> MultiAgentEnv:
    """``parallel_env("MMHelix/Maze-easy", num_agents=4)`` or ``parallel_env("Maze", "easy", ...)``."""
    task, level = _task_and_level(env_id_or_task, level)
    return MultiAgentEnv(task, level, **kwargs)


def env(env_id_or_task: str | Task, level: int | str | None = None, **kwargs: Any):
    """The AEC form (``pettingzoo.utils.parallel_to_aec``) of :func:`parallel_env`."""
    return parallel_to_aec(parallel_env(env_id_or_task, level, **kwargs))


__all__ = ["MultiAgentEnv", "env", "parallel_env"]
