"""Batched resets of vector envs: ``vec.reset(seed=[s0, ..., s7])`` on 8 envs, sync and async.

Reports env resets per second (8 per batch), median over batches, for a few representative ids. Async modes:
shared memory (Gymnasium's default; works for MM-HELIX ids through ``SharedMemoryText``) and pipes
(``shared_memory=False``).

    python -m benchmarks.vector_resets [--ids MMHelix/Maze-easy ...] [--num-envs 8] [--batches 10] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import gymnasium as gym

import mmhelix_env  # noqa: F401  (registers the ids)

DEFAULT_IDS = ("MMHelix/Maze-easy", "MMHelix/Sudoku-medium", "MMHelix/ShortestDistance-medium",
               "MMHelix/24Points-hard", "MMHelix/Sokoban-medium")
MODES = {
    "sync": ("sync", {}),
    "async-shm": ("async", {}),
    "async-pipe": ("async", {"shared_memory": False}),
}


def measure(env_id: str, mode: str, num_envs: int = 8, batches: int = 10, **env_kwargs) -> dict:
    """Median and spread of env resets/s over ``batches`` batched resets with distinct seed lists."""
    vectorization_mode, vector_kwargs = MODES[mode]
    vec = gym.make_vec(env_id, num_envs, vectorization_mode=vectorization_mode, vector_kwargs=vector_kwargs,
                       **env_kwargs)
    try:
        vec.reset(seed=list(range(num_envs)))  # warm-up: worker start, caches, fonts
        rates = []
        for batch in range(1, batches + 1):
            seeds = [batch * 1000 + i for i in range(num_envs)]
            start = time.perf_counter()
            obs, _ = vec.reset(seed=seeds)
            elapsed = time.perf_counter() - start
            assert len(obs["prompt"]) == num_envs and all(obs["prompt"]), "empty prompt in a batch"
            rates.append(num_envs / elapsed)
    finally:
        vec.close()
    rates.sort()
    return {"id": env_id, "mode": mode, "num_envs": num_envs, "batches": batches,
            "median_resets_per_s": round(statistics.median(rates), 1),
            "min_resets_per_s": round(rates[0], 1), "max_resets_per_s": round(rates[-1], 1)}


def markdown(rows: list[dict]) -> str:
    modes = list(dict.fromkeys(row["mode"] for row in rows))
    ids = list(dict.fromkeys(row["id"] for row in rows))
    by_key = {(row["id"], row["mode"]): row for row in rows}
    lines = ["| id | " + " | ".join(f"{m} resets/s" for m in modes) + " |", "|---|" + "---:|" * len(modes)]
    for eid in ids:
        cells = [f"{by_key[(eid, m)]['median_resets_per_s']:.0f}" if (eid, m) in by_key else "" for m in modes]
        lines.append(f"| `{eid}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", nargs="+", default=list(DEFAULT_IDS))
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    parser.add_argument("--num-envs", type=int, default=8)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--json", help="write the rows to this file")
    args = parser.parse_args(argv)
    rows = []
    for env_id in args.ids:
        for mode in args.modes:
            row = measure(env_id, mode, args.num_envs, args.batches)
            rows.append(row)
            print(f"{env_id:40s} {mode:10s} median {row['median_resets_per_s']:8.1f} resets/s "
                  f"(min {row['min_resets_per_s']}, max {row['max_resets_per_s']})", file=sys.stderr)
    print(markdown(rows))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
