"""Score verl-style rows with ``mmhelix_env.integrations.verl.compute_score`` (verl itself is not needed).

In a verl run, point the trainer config at the function:

    custom_reward_function.path=$(python -m mmhelix_env.integrations.verl) custom_reward_function.name=compute_score

This script builds a few rows in the parquet export's layout (``data_source`` = "mmhelix/<Task>",
``reward_model.ground_truth`` = the instance JSON, ``extra_info``) and scores an expert response, a wrong one
and malformed rows; ``--parquet FILE`` instead scores the expert answer of every row of an exported file.

    python examples/verl_reward.py [--tasks Maze Sudoku 24Points] [--level easy] [--seeds 3] [--parquet FILE]
"""

from __future__ import annotations

import argparse
import json
import time

import mmhelix_env
from mmhelix_env.integrations.verl import compute_score


def verl_row(instance: mmhelix_env.Instance, modality: str = "image") -> dict:
    """One row as the verl parquet export lays it out (prompt and images left out here)."""
    return {
        "data_source": f"mmhelix/{instance.task}",
        "reward_model": {"style": "rule", "ground_truth": json.dumps(instance.to_dict())},
        "extra_info": {"id": f"{instance.task}-{instance.level_name}-{instance.seed}", "task": instance.task,
                       "level": instance.level, "seed": instance.seed, "fingerprint": instance.fingerprint,
                       "modality": modality},
    }


def score_row(row: dict, response: str) -> float:
    return compute_score(row["data_source"], response, row["reward_model"]["ground_truth"], row.get("extra_info"))


def expert_response(row: dict) -> str:
    instance = mmhelix_env.Instance.from_dict(json.loads(row["reward_model"]["ground_truth"]))
    return f"<think>solved by the exact solver</think> \\boxed{{{mmhelix_env.expert_answer(instance)}}}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["Maze", "Sudoku", "24Points", "ShortestDistance"])
    parser.add_argument("--level", default="easy")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--parquet", help="score the expert answer of every row of this exported parquet file")
    args = parser.parse_args()

    if args.parquet:
        import pyarrow.parquet as pq

        rows = pq.read_table(args.parquet).to_pylist()
        start = time.perf_counter()
        scores = [score_row(row, expert_response(row)) for row in rows]
        print(f"{args.parquet}: expert answers score {sum(scores):.0f}/{len(scores)} "
              f"({len(rows) / (time.perf_counter() - start):.0f} rows/s)")
        return

    rows = [verl_row(mmhelix_env.make_instance(task, args.level, seed))
            for task in args.tasks for seed in range(args.seeds)]
    responses = [expert_response(row) for row in rows]
    start = time.perf_counter()
    expert = [score_row(row, response) for row, response in zip(rows, responses)]
    wrong = [score_row(row, "I think the answer is \\boxed{42}") for row in rows]
    elapsed = time.perf_counter() - start
    print(f"expert responses: {sum(expert):.0f}/{len(rows)} score 1.0")
    print(f"wrong responses:  {sum(wrong):.0f}/{len(rows)} score 1.0")
    malformed = {
        "not JSON": compute_score("mmhelix/Maze", "\\boxed{up}", "{not json"),
        "other data source": compute_score("openai/gsm8k", "\\boxed{4}", rows[0]["reward_model"]["ground_truth"]),
        "wrong fingerprint": compute_score(rows[0]["data_source"], expert_response(rows[0]),
                                           rows[0]["reward_model"]["ground_truth"], {"fingerprint": "0" * 20}),
        "ground truth None": compute_score("mmhelix/Maze", "\\boxed{up}", None),
    }
    print("malformed rows score:", malformed)
    print(f"{2 * len(rows) / elapsed:.0f} scores/s (compute_score only; instances cached after a row's first score)")
    assert all(s == 1.0 for s in expert) and not any(wrong) and not any(malformed.values())


if __name__ == "__main__":
    main()
