"""Play episodes: one env at a time, or many in flight with one batched model call per round."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

import mmhelix_env  # noqa: F401  (registers the ids gym.make needs)

from .agent import ANSWER, Agent, EpisodeContext, Turn

EnvSpec = Any  # gym.Env | Callable[[], gym.Env] | str | tuple[str, int] | dict (see make_from_spec)
DEFAULT_MAX_STEPS = 10_000


@dataclass
class EpisodeResult:
    env_id: str
    task: str
    level: int
    mode: str
    modality: str
    seed: int | None
    fingerprint: str
    reward: float = 0.0
    solved: bool = False
    steps: int = 0
    terminated: bool = False
    truncated: bool = False
    reason: str = ""
    score: float | None = None
    responses: list[str] = field(default_factory=list)
    extracted: list[str | None] = field(default_factory=list)
    actions: list[Any] = field(default_factory=list)  # step mode: the env actions; answer mode: empty
    parse_errors: list[str | None] = field(default_factory=list)
    illegal: list[bool] = field(default_factory=list)
    finish_reasons: list[str | None] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0  # model time
    wall_s: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Live:
    index: int
    env: gym.Env
    owned: bool
    ctx: EpisodeContext
    result: EpisodeResult
    started: float


def make_from_spec(spec: EnvSpec) -> tuple[gym.Env, bool, int | None, dict | None]:
    """``(env, owned, seed, options)`` for one spec: an env (not closed afterwards), a zero-argument factory, an
    env id, ``(env_id, seed)``, or a dict ``{"env_id": ..., "seed": ..., "options": ..., **make_kwargs}``
    (``id`` works for ``env_id``; ``mode="step"``, ``modality="text"`` etc. go to ``gym.make``), or
    ``{"env": env, "seed": ..., "options": ...}``."""
    if isinstance(spec, gym.Env):
        return spec, False, None, None
    if isinstance(spec, str):
        return gym.make(spec), True, None, None
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str):
        return gym.make(spec[0]), True, int(spec[1]), None
    if isinstance(spec, dict) and isinstance(spec.get("env"), gym.Env):
        return spec["env"], False, spec.get("seed"), spec.get("options")
    if isinstance(spec, dict):
        kwargs = dict(spec)
        env_id = kwargs.pop("env_id", None) or kwargs.pop("id", None)
        if not env_id:
            raise ValueError(f"env spec dict needs 'env_id': {spec!r}")
        seed = kwargs.pop("seed", None)
        options = kwargs.pop("options", None)
        return gym.make(env_id, **kwargs), True, seed, options
    if callable(spec):
        return spec(), True, None, None
    raise TypeError(f"unsupported env spec {type(spec).__name__}: pass an env, a factory, an id or a dict")


def _jsonable(action: Any) -> Any:
    if isinstance(action, (tuple, list, np.ndarray)):
        return [int(v) for v in np.asarray(action).ravel()]
    if isinstance(action, (int, np.integer)):
        return int(action)
    return action


def _new_result(env: gym.Env, ctx: EpisodeContext, info: dict, seed: int | None) -> EpisodeResult:
    spec_id = env.spec.id if env.spec is not None else None
    task = str(info.get("task", ""))
    env_id = spec_id or (mmhelix_env.env_id(task, int(info["level"])) if task and "level" in info else "")
    return EpisodeResult(env_id=env_id, task=task, level=int(info.get("level", 0)), mode=ctx.mode,
                         modality=ctx.modality, seed=info.get("seed", seed),
                         fingerprint=str(info.get("fingerprint", "")))


def _record(live: _Live, turn: Turn, reward: float, terminated: bool, truncated: bool, info: dict) -> None:
    result = live.result
    result.steps += 1
    result.reward += float(reward)
    result.responses.append(turn.response)
    result.extracted.append(info.get("answer", turn.extracted) if live.ctx.mode == ANSWER else turn.extracted)
    if live.ctx.mode != ANSWER:
        result.actions.append(_jsonable(turn.action))
        result.illegal.append(bool(info.get("illegal", False)))
    result.parse_errors.append(turn.parse_error)
    gen = turn.generation
    result.finish_reasons.append(gen.finish_reason if gen else None)
    if gen is not None:
        result.prompt_tokens += gen.prompt_tokens
        result.completion_tokens += gen.completion_tokens
        result.latency_s += gen.latency_s
    result.reason = str(info.get("reason", ""))
    if "score" in info:
        result.score = float(info["score"])
    result.terminated, result.truncated = bool(terminated), bool(truncated)
    if reward > 0 and info.get("correct", info.get("solved", False)):
        result.solved = True


def run_episodes(specs: Iterable[EnvSpec], agent: Agent, *, seeds: Sequence[int | None] | None = None,
                 max_in_flight: int = 32, max_steps: int = DEFAULT_MAX_STEPS,
                 on_result: Callable[[int, EpisodeResult], None] | None = None) -> list[EpisodeResult]:
    """Play one episode per spec with up to ``max_in_flight`` envs live at once.

    Each round the agent acts for every live env in one call (for an :class:`~agents.agent.LLMAgent`, one
    ``backend.generate`` with the whole batch); finished envs are replaced from the queue. Seeds come from the
    spec, else ``seeds[i]``, else ``i``. ``on_result(i, result)`` is called as each episode ends (e.g. to append a
    JSONL line). Results come back in spec order. ``max_steps`` guards against envs without their own limit.
    """
    specs = list(specs)
    if seeds is not None and len(seeds) != len(specs):
        raise ValueError(f"got {len(seeds)} seeds for {len(specs)} specs")
    results: list[EpisodeResult | None] = [None] * len(specs)
    queue = iter(range(len(specs)))
    live: list[_Live] = []
    max_in_flight = max(1, int(max_in_flight))

    def finish(item: _Live) -> None:
        item.result.wall_s = time.perf_counter() - item.started
        results[item.index] = item.result
        if item.owned:
            item.env.close()
        if on_result is not None:
            on_result(item.index, item.result)

    try:
        exhausted = False
        while True:
            while not exhausted and len(live) < max_in_flight:
                index = next(queue, None)
                if index is None:
                    exhausted = True
                    break
                started = time.perf_counter()
                env, owned, seed, options = make_from_spec(specs[index])
                if seed is None:
                    seed = seeds[index] if seeds is not None else index
                try:
                    obs, info = env.reset(seed=seed, options=options)
                    ctx = agent.start(obs, info, env.action_space)
                except BaseException:
                    if owned:
                        env.close()
                    raise
                live.append(_Live(index, env, owned, ctx, _new_result(env, ctx, info, seed), started))
            if not live:
                break
            turns = agent.act([item.ctx for item in live])
            still = []
            for item, turn in zip(live, turns):
                obs, reward, terminated, truncated, info = item.env.step(turn.action)
                if item.result.steps + 1 >= max_steps and not (terminated or truncated):
                    truncated = True
                _record(item, turn, reward, terminated, truncated, info)
                if terminated or truncated:
                    finish(item)
                else:
                    agent.observe(item.ctx, obs, info)
                    still.append(item)
            live = still
    finally:
        for item in live:
            if item.owned:
                item.env.close()
    return results  # type: ignore[return-value]


def run_episode(env: gym.Env, agent: Agent, *, seed: int | None = None, options: dict | None = None,
                max_steps: int = DEFAULT_MAX_STEPS) -> EpisodeResult:
    """Play one episode of ``env`` (left open) with ``agent``."""
    return run_episodes([{"env": env, "seed": seed, "options": options}], agent, max_steps=max_steps)[0]
