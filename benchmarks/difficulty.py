"""Solver work per level: the medians of every numeric ``Task.stats`` figure over seeds, so that one can see
that difficulty grows with the level (search nodes, solution length, steps).

    python -m benchmarks.difficulty [--tasks NAME ...] [--seeds 100] [--json FILE] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys


def medians(task_name: str, seeds: int, first_seed: int = 0) -> dict[int, dict[str, float]]:
    """level -> {stat: median over seeds} for the numeric stats of one task."""
    import mmhelix_env

    task = mmhelix_env.TASKS[task_name]
    out: dict[int, dict[str, float]] = {}
    for level in range(1, 6):
        values: dict[str, list[float]] = {}
        for seed in range(first_seed, first_seed + seeds):
            for key, value in task.stats(task.instance(level, seed)).items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    values.setdefault(key, []).append(float(value))
        out[level] = {key: statistics.median(vals) for key, vals in values.items()}
    return out


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


def markdown(results: dict[str, dict[int, dict[str, float]]]) -> str:
    lines = ["| task | figure | L1 | L2 | L3 | L4 | L5 | rises |", "|---|---|---|---|---|---|---|---|"]
    for name, per_level in results.items():
        for key in per_level[1]:
            row = [per_level[lv].get(key, float("nan")) for lv in range(1, 6)]
            rises = "yes" if all(a <= b for a, b in zip(row, row[1:])) and row[-1] > row[0] else "no"
            lines.append(f"| {name} | {key} | " + " | ".join(_fmt(v) for v in row) + f" | {rises} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="*", help="task names (default: all)")
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--json", help="write the medians as JSON")
    parser.add_argument("--markdown", help="write the table as Markdown")
    args = parser.parse_args(argv)

    import mmhelix_env

    names = args.tasks or list(mmhelix_env.TASKS)
    unknown = [n for n in names if n not in mmhelix_env.TASKS]
    if unknown:
        parser.error(f"unknown task(s): {', '.join(unknown)}")
    results = {}
    for name in names:
        results[name] = medians(name, args.seeds, args.first_seed)
        print(f"{name}: done", file=sys.stderr)
    table = markdown(results)
    print(table)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
