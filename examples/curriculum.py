"""An adaptive curriculum: each task's level follows the agent's recent success rate.

A simulated agent (it answers with the expert solver with a probability that falls with the level, and with a
wrong answer otherwise) trains on a ``CurriculumEnv``; the levels climb to where it succeeds about half the time.
The curriculum's state is saved to JSON and restored, and the restored copy continues identically.

    python examples/curriculum.py [--episodes 300] [--tasks Maze 24Points Sudoku] [--window 10]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

import mmhelix_env
from mmhelix_env.envs import CurriculumEnv

SKILL = {1: 0.95, 2: 0.85, 3: 0.6, 4: 0.3, 5: 0.1}  # chance that the simulated agent solves a level


def run(env: CurriculumEnv, episodes: int, first_seed: int, rng: np.random.Generator) -> list[tuple[str, int]]:
    seen = []
    for episode in range(episodes):
        _, info = env.reset(seed=first_seed + episode)
        instance = info["instance"]
        seen.append((instance.task, instance.level))
        solves = rng.random() < SKILL[instance.level]
        response = f"\\boxed{{{mmhelix_env.expert_answer(instance)}}}" if solves else "\\boxed{no idea}"
        _, reward, _, _, info = env.step(response)
        if "curriculum_change" in info:
            change = info["curriculum_change"]
            print(f"episode {first_seed + episode:4d}: {change['task']} level {change['from']} -> {change['to']} "
                  f"(success rate {change['rate']:.2f})")
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=300)
    parser.add_argument("--tasks", nargs="+", default=["Maze", "24Points", "Sudoku"])
    parser.add_argument("--window", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    env = CurriculumEnv(args.tasks, window=args.window, promote_at=0.8, demote_at=0.4, image_size=128)
    rng = np.random.default_rng(args.seed)
    half = args.episodes // 2
    run(env, half, 0, rng)
    saved = json.dumps(env.state_dict())
    rng_state = rng.bit_generator.state

    later = run(env, args.episodes - half, half, rng)
    print("levels:", {task: state["level_name"] for task, state in env.summary().items()})

    restored = CurriculumEnv(args.tasks, image_size=128)
    restored.load_state_dict(json.loads(saved))
    rng.bit_generator.state = rng_state
    print("replaying the second half from the saved state ...")
    again = run(restored, args.episodes - half, half, rng)
    assert again == later and restored.state_dict() == env.state_dict(), "restored curriculum diverged"
    print(f"restored curriculum reproduced all {len(later)} instances of the second half")


if __name__ == "__main__":
    main()
