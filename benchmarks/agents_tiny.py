"""Time the tiny random-weight VLM playing MM-HELIX episodes through TransformersBackend on CPU.

    python -m benchmarks.agents_tiny                        # every id, both modalities, both modes, batched
    python -m benchmarks.agents_tiny --sequential --levels very-easy --modes answer
    python -m benchmarks.agents_tiny --out /tmp/agents_tiny.json

Batched (default): ``run_episodes`` keeps ``--in-flight`` envs live and makes one ``generate`` call per round.
Each episode's cost is its share of the model time (a call's time divided by the prompts in it) plus its own env
time; the sum over episodes is the run's wall time up to the runner's overhead. ``--sequential`` plays one
episode at a time and reports plain wall times instead. Step-mode episodes of the random model run to the task's
step limit (it never solves), so they dominate.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence

os.environ.setdefault("OMP_NUM_THREADS", "1")


class AmortizedBackend:
    """Wraps a backend so each generation's ``latency_s`` is its share of the call (call time / prompts)."""

    def __init__(self, backend):
        self.backend = backend
        self.preferred_image_format = getattr(backend, "preferred_image_format", "url")
        self.calls = 0
        self.rows = 0

    def generate(self, batch: Sequence, params):
        start = time.perf_counter()
        gens = self.backend.generate(batch, params)
        share = (time.perf_counter() - start) / max(1, len(gens))
        self.calls += 1
        self.rows += len(gens)
        for gen in gens:
            gen.latency_s = share
        return gens


class EnvTimer:
    """Adds up the time one env spends in reset and step."""

    def __init__(self, env):
        self.env = env
        self.seconds = 0.0
        reset, step = env.reset, env.step

        def timed_reset(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return reset(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t0

        def timed_step(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return step(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t0

        env.reset, env.step = timed_reset, timed_step


def _specs(levels, modes, modalities, seed):
    import mmhelix_env

    specs = []
    for name in sorted(mmhelix_env.TASKS):
        task = mmhelix_env.TASKS[name]
        for level in levels:
            for mode in modes:
                if mode == "step" and not task.step_mode:
                    continue
                for modality in modalities:
                    specs.append({"env_id": mmhelix_env.env_id(name, level), "mode": mode, "modality": modality,
                                  "seed": seed})
    return specs


def _summary(values: list[float]) -> dict:
    if not values:
        return {}
    ordered = sorted(values)
    return {"n": len(values), "median_s": round(statistics.median(values), 4), "max_s": round(ordered[-1], 4),
            "p90_s": round(ordered[int(0.9 * (len(ordered) - 1))], 4), "mean_s": round(statistics.fmean(values), 4),
            "total_s": round(sum(values), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="all", help="comma list of level names, or 'all'")
    parser.add_argument("--modes", default="answer,step")
    parser.add_argument("--modalities", default="image,text")
    parser.add_argument("--tasks", default="", help="comma list of task names (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-new-tokens", type=int, default=8)
    parser.add_argument("--max-turns", type=int, default=0, help="past exchanges sent with each step prompt")
    parser.add_argument("--in-flight", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--sequential", action="store_true", help="one episode at a time (plain wall times)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", help="write per-episode rows and the summary as JSON here")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    import gymnasium as gym

    import mmhelix_env
    from agents import LLMAgent, SamplingParams, TransformersBackend, run_episodes
    from agents.testing import tiny_vlm

    levels = mmhelix_env.LEVELS if args.levels == "all" else tuple(args.levels.split(","))
    specs = _specs(levels, args.modes.split(","), args.modalities.split(","), args.seed)
    if args.tasks:
        wanted = set(args.tasks.split(","))
        specs = [s for s in specs if mmhelix_env.parse_env_id(s["env_id"])[0] in wanted]
    tiny = tiny_vlm()
    backend = AmortizedBackend(TransformersBackend(tiny.model, tiny.processor, batch_size=args.batch_size))
    agent = LLMAgent(backend, SamplingParams(max_new_tokens=args.max_new_tokens), max_turns=args.max_turns)

    timers: list[EnvTimer] = []

    def factory(spec):
        def make():
            kwargs = {k: v for k, v in spec.items() if k not in ("env_id", "seed")}
            timer = EnvTimer(gym.make(spec["env_id"], **kwargs))
            timers.append(timer)
            return timer.env
        return make

    rows = []
    start = time.perf_counter()
    if args.sequential:
        for spec in specs:
            t0 = time.perf_counter()
            (result,) = run_episodes([factory(spec)], agent, seeds=[spec["seed"]])
            rows.append((spec, result, time.perf_counter() - t0))
    else:
        results = run_episodes([factory(s) for s in specs], agent, seeds=[s["seed"] for s in specs],
                               max_in_flight=args.in_flight)
        rows = [(spec, result, result.latency_s + timer.seconds) for spec, result, timer in zip(specs, results, timers)]
    wall = time.perf_counter() - start

    per_mode: dict[str, list[float]] = {}
    records = []
    for _spec, result, cost in rows:
        per_mode.setdefault(f"{result.mode}/{result.modality}", []).append(cost)
        records.append({"env_id": result.env_id, "mode": result.mode, "modality": result.modality,
                        "steps": result.steps, "cost_s": round(cost, 4), "wall_s": round(result.wall_s, 4),
                        "solved": result.solved, "prompt_tokens": result.prompt_tokens,
                        "completion_tokens": result.completion_tokens})
    costs = [cost for _, _, cost in rows]
    summary = {
        "episodes": len(rows), "wall_s": round(wall, 1), "wall_per_episode_s": round(wall / max(1, len(rows)), 4),
        "model_calls": backend.calls, "model_rows": backend.rows, "steps": sum(r.steps for _, r, _ in rows),
        "solved": sum(r.solved for _, r, _ in rows), "sequential": args.sequential,
        "max_new_tokens": args.max_new_tokens, "in_flight": args.in_flight, "threads": args.threads,
        "per_episode": _summary(costs), "per_mode": {k: _summary(v) for k, v in sorted(per_mode.items())},
        "over_2s": sum(c > 2.0 for c in costs),
        "slowest": sorted(records, key=lambda r: -r["cost_s"])[:5],
    }
    print(json.dumps(summary, indent=2))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"summary": summary, "episodes": records}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
