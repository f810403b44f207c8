"""Speed of every env id: reset (generate + render to the observation array), verify of the expert
answer, and verify of garbage input. Medians and p95 over seeds; compared with the reference
generators' seconds per instance.

    python -m benchmarks.speed [--ids ID_OR_TASK ...] [--seeds 50] [--json FILE] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import numpy as np

# Seconds per instance (PNG included) of the official generators, levels 1..5 (spec/reference_timing.md).
REFERENCE_SECONDS = {
    "24Points": (0.050, 0.073, 0.050, 0.050, 0.093),
    "BestTimeToBuyAndSellStock": (0.693, 0.700, 0.717, 0.743, 0.763),
    "ContainerWithMostWater": (0.060, 0.077, 0.100, 0.130, 0.160),
    "CountHillsAndValleys": (0.127, 0.140, 0.210, 0.237, 0.280),
    "CryptoMath": (0.020, 0.020, 0.023, 0.023, 0.023),
    "HIndex": (0.067, 0.087, 0.133, 0.157, 0.200),
    "LargestRectangleInHistogram": (0.187, 0.210, 0.240, 0.277, 0.327),
    "LongestIncreasingSubsequence": (0.060, 0.070, 0.087, 0.100, 0.127),
    "TrappingRainWater": (0.170, 0.200, 0.230, 0.257, 0.303),
    "EulerianCycle": (0.063, 0.113, 0.230, 0.693, 2.020),
    "EulerianPath": (0.047, 0.067, 0.067, 0.077, 0.123),
    "GraphIsomorphism": (0.120, 0.127, 0.130, 0.137, 0.140),
    "HamiltonianCycle": (0.047, 0.067, 0.070, 0.093, 0.180),
    "HamiltonianPath": (0.053, 0.050, 0.067, 0.073, 0.090),
    "MaxFlow": (0.103, 0.123, 0.147, 0.167, 0.227),
    "ShortestDistance": (0.193, 0.217, 0.260, 0.300, 0.460),
    "TopologicalSort": (0.083, 0.093, 0.120, 0.163, 0.217),
    "Aquarium": (0.213, 0.290, 0.360, 0.467, 0.570),
    "Binairo": (0.050, 0.050, 0.047, 0.050, 0.043),
    "Bridges": (0.377, 0.423, 0.437, 0.483, 0.530),
    "Calcudoku": (0.023, 0.023, 0.027, 0.030, 0.037),
    "Campsite": (0.107, 0.147, 0.193, 0.243, 0.297),
    "Eulero": (0.063, 0.080, 0.087, 0.127, 0.123),
    "Futoshiki": (0.033, 0.043, 0.060, 0.077, 0.093),
    "Hitori": (0.010, 0.013, 0.020, 0.030, 0.040),
    "Kakuro": (0.013, 0.017, 0.027, 0.037, 0.047),
    "Kukurasu": (0.013, 0.013, 0.013, 0.017, 0.017),
    "Nonogram": (0.020, 0.027, 0.037, 0.050, 0.063),
    "Numbrix": (0.067, 0.080, 0.137, 0.120, 0.157),
    "Shingoki": (0.730, 1.603, 3.170, 5.057, 9.950),
    "Skyscrapers": (0.030, 0.033, 0.040, 0.043, 0.050),
    "Snake": (0.048, 0.057, 0.077, 0.097, 0.118),
    "Sudoku": (0.193, 0.203, 0.197, 0.267, 1.313),
    "Tapa": (0.030, 0.040, 0.050, 0.057, 0.080),
    "WordLadder": (0.120, 0.173, 0.183, 0.213, 0.233),
    "WordSearch": (0.037, 0.037, 0.077, 0.040, 0.047),
    "Maze": (0.123, 0.160, 0.193, 0.227, 0.270),
    "Minesweeper": (0.070, 0.090, 0.100, 0.130, 0.173),
    "Nibbles": (0.180, 0.200, 0.217, 0.237, 0.420),
    "SlidingPuzzle": (0.007, 0.010, 0.010, 0.017, 0.017),
    "Sokoban": (0.010, 0.010, 0.013, 0.017, 0.597),
    "Hanoi": (0.093, 0.093, 0.090, 0.093, 0.090),
}


def garbage_inputs() -> list[str]:
    rng = np.random.default_rng(12345)
    return [
        "",
        "a" * 1_000_000,
        bytes(rng.integers(0, 256, 4096, dtype=np.uint8)).decode("latin-1"),
        "\\boxed{" + "{" * 10_000 + "}" * 10_000 + "}",
        "١٢٣٤ ２４ ๓๔ ⁴²",
    ]


def target_ms(task: str, level: int) -> float:
    """Median reset target: <= 20 ms, and >= 5x faster than the reference where it takes over 25 ms
    (<= 5 ms where the reference is faster than that)."""
    ref = REFERENCE_SECONDS.get(task, (1.0,) * 5)[level - 1] * 1000
    return 5.0 if ref <= 25 else min(20.0, ref / 5)


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def measure(env_id: str, seeds: int, first_seed: int = 0) -> dict:
    import gymnasium as gym

    import mmhelix_env

    name, level = mmhelix_env.parse_env_id(env_id)
    env = gym.make(env_id).unwrapped
    env.reset(seed=first_seed + 10_000)  # warm caches (fonts, tables) outside the timed runs
    resets, verifies, garbage = [], [], []
    junk = garbage_inputs()
    for seed in range(first_seed, first_seed + seeds):
        t0 = time.perf_counter()
        _, info = env.reset(seed=seed)
        resets.append((time.perf_counter() - t0) * 1000)
        inst = info["instance"]
        response = "\\boxed{" + mmhelix_env.expert_answer(inst) + "}"
        t0 = time.perf_counter()
        verdict = mmhelix_env.verify(inst, response)
        verifies.append((time.perf_counter() - t0) * 1000)
        if not verdict.correct:
            raise AssertionError(f"{env_id} seed {seed}: expert answer rejected: {verdict.reason}")
        if seed - first_seed < 5:
            for text in junk:
                t0 = time.perf_counter()
                bad = mmhelix_env.verify(inst, text)
                garbage.append((time.perf_counter() - t0) * 1000)
                if bad.correct:
                    raise AssertionError(f"{env_id}: garbage accepted")
    ref_ms = REFERENCE_SECONDS.get(name, (float("nan"),) * 5)[level - 1] * 1000
    med = statistics.median(resets)
    return {
        "id": env_id, "task": name, "level": level, "seeds": seeds,
        "reset_median_ms": med, "reset_p95_ms": _pct(resets, 95),
        "verify_median_ms": statistics.median(verifies), "verify_p95_ms": _pct(verifies, 95),
        "garbage_median_ms": statistics.median(garbage), "garbage_max_ms": max(garbage),
        "reference_ms": ref_ms, "speedup": ref_ms / med if med else float("inf"),
        "target_ms": target_ms(name, level),
        "meets_target": med <= target_ms(name, level) and _pct(resets, 95) <= 100 and statistics.median(verifies) <= 1,
    }


def markdown(rows: list[dict]) -> str:
    out = ["| id | reset median ms | reset p95 ms | verify median ms | garbage max ms | reference ms | speed-up "
           "| target ms | ok |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['id']} | {r['reset_median_ms']:.2f} | {r['reset_p95_ms']:.2f} | "
                   f"{r['verify_median_ms']:.3f} | {r['garbage_max_ms']:.2f} | {r['reference_ms']:.0f} | "
                   f"{r['speedup']:.0f}× | {r['target_ms']:.0f} | {'yes' if r['meets_target'] else 'NO'} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ids", nargs="*", help="env ids or task names (default: all)")
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--json", help="write the rows as JSON")
    parser.add_argument("--markdown", help="write the table as Markdown")
    args = parser.parse_args(argv)

    import mmhelix_env

    ids = []
    for item in args.ids or list(mmhelix_env.ENV_IDS):
        if item in mmhelix_env.TASKS:
            ids += [mmhelix_env.env_id(item, lv) for lv in range(1, 6)]
        else:
            ids.append(item if item.startswith("MMHelix/") else "MMHelix/" + item)
    rows = []
    for eid in ids:
        row = measure(eid, args.seeds, args.first_seed)
        rows.append(row)
        print(f"{eid:<45} reset {row['reset_median_ms']:7.2f} ms (p95 {row['reset_p95_ms']:7.2f})  verify "
              f"{row['verify_median_ms']:.3f} ms  garbage max {row['garbage_max_ms']:.2f} ms  "
              f"{row['speedup']:6.0f}x  {'ok' if row['meets_target'] else 'MISS'}", file=sys.stderr)
    table = markdown(rows)
    print(table)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
