"""Test code shared by the game task tests (tests/tasks/test_{hanoi,maze,minesweeper,nibbles,sliding_puzzle,
sokoban}.py).

Each helper holds one check that used to be copy-pasted across the game test files; the task files call it with
their own task and parameters and keep their task-specific assertions. The verifier checks shared with the grid
puzzles (garbage, arbitrary text, fixtures, same-seed determinism) are in tests/helpers_puzzle.py.
"""

from __future__ import annotations

import json
import operator
import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import gymnasium as gym
import numpy as np

import mmhelix_env
from mmhelix_env.core import Instance, extract_answer
from mmhelix_env.tasks import discover
from tests.helpers_puzzle import LEVELS, fixture_record


def assert_discovered_and_metadata(task, name: str, benchmark_id: str, score_function: str) -> None:
    """The task is discovered under ``name``: a step-mode game with the reference ids and evaluator."""
    assert discover()[name] is task
    assert task.name == name and task.category == "games"
    assert task.benchmark_id == benchmark_id and task.generator_key == benchmark_id
    assert task.score_function == score_function and task.step_mode and task.version == "1"


_FRESH_SCRIPT = """
import hashlib, json, mmhelix_env
T = mmhelix_env.TASKS[{name!r}]
out = []
for level in {levels!r}:
    inst = T.instance(level, 5)
    out.append([inst.fingerprint, hashlib.sha256(T.render(inst).tobytes()).hexdigest(),{prompt} T.expert_answer(inst)])
print(json.dumps(out))
"""


def assert_fresh_processes_agree(name: str, levels: Sequence[int] = (1, 3, 5), prompt: str | None = '"image"') -> None:
    """Two fresh interpreters with different hash seeds make the same instances (level, 5) of task ``name``: the
    same fingerprints, images, expert answers and, unless ``prompt`` is None, prompts (``prompt`` is the modality
    argument as Python source; "" for the default)."""
    prompt_src = "" if prompt is None else f" T.prompt(inst{', ' + prompt if prompt else ''}),"
    script = _FRESH_SCRIPT.format(name=name, levels=tuple(levels), prompt=prompt_src)
    runs = []
    for salt in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=salt)
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True,
                              cwd=str(Path(mmhelix_env.__file__).parent.parent))
        runs.append(json.loads(done.stdout))
    assert runs[0] == runs[1]


def assert_stats_medians_grow(task, seeds: int, distinct: Sequence[str], nondecreasing: Sequence[str] = ()) -> None:
    """Over ``seeds`` instances per level, the median of each ``distinct`` stat grows strictly from level to level
    and that of each ``nondecreasing`` stat never shrinks."""
    medians = {k: [] for k in (*distinct, *nondecreasing)}
    for level in LEVELS:
        stats = [task.stats(task.instance(level, s)) for s in range(seeds)]
        for key, out in medians.items():
            out.append(statistics.median(s[key] for s in stats))
    for key, values in medians.items():
        assert values == sorted(values), (key, values)
        if key in distinct:
            assert len(set(values)) == 5, (key, values)


def assert_solver_from_state_alone(task, level: int, seeds: int, *, same: Callable = operator.eq,
                                   format_solution: bool = False, expert_is_formatted: bool = False) -> None:
    """An instance read back from JSON (no witness) is solved again to the same witness (``same(solution,
    witness)``), and its answer verifies: the expert answer, or with ``format_solution`` the formatted solution
    (which, with ``expert_is_formatted``, is the expert answer too)."""
    for seed in range(seeds):
        inst = task.instance(level, seed)
        back = Instance.from_json(inst.to_json())
        assert back._witness is None and back == inst
        solution = task.solve(back)
        assert same(solution, inst._witness)
        answer = task.format_answer(back, solution) if format_solution else task.expert_answer(back)
        assert task.verify(back, answer).correct
        if expert_is_formatted:
            assert task.expert_answer(back) == answer


def assert_same_seed_same_instances(task, seed: int = 11, distinct_level: int = 3) -> None:
    """Every level: same seed, same state, witness, image and text prompt; 30 seeds give 30 puzzles."""
    for level in LEVELS:
        a, b = task.instance(level, seed), task.instance(level, seed)
        assert a.state == b.state and a.fingerprint == b.fingerprint and a._witness == b._witness
        assert task.render(a).tobytes() == task.render(b).tobytes()
        assert task.prompt(a, "text") == task.prompt(b, "text")
    if distinct_level:
        assert len({task.instance(distinct_level, s).fingerprint for s in range(30)}) == 30


def assert_expert_step_episodes(task, name: str, n_actions: int, step_limit: Callable[[int, Instance], int],
                                check: Callable[[Instance, list], None] | None = None) -> None:
    """At every level, the expert actions through ``gym.make(..., mode="step")``: each allowed by the mask and
    legal, no truncation, terminated only by the last, total reward 1. ``step_limit(level, inst)`` is the episode's
    step limit; ``check(inst, actions)`` adds task-specific checks."""
    for level in LEVELS:
        env = gym.make(mmhelix_env.env_id(name, level), mode="step")
        obs, info = env.reset(seed=level + 20)
        inst = info["instance"]
        assert env.action_space.n == n_actions and info["step_limit"] == step_limit(level, inst)
        actions = task.expert_actions(inst)
        if check is not None:
            check(inst, actions)
        total = 0.0
        for i, action in enumerate(actions):
            assert info["action_mask"][action]
            obs, reward, terminated, truncated, info = env.step(action)
            assert not info["illegal"] and not truncated
            assert terminated == (i == len(actions) - 1)
            total += reward
        assert total == 1.0 and reward == 1.0


def assert_mask_matches_legality(task, inst, n_actions: int, steps: int, masked_walk: bool = True) -> None:
    """Along a random walk from the start of ``inst``, the action mask equals the legality of every action; the walk
    takes a random allowed action (or, unless ``masked_walk``, any random action)."""
    rng = np.random.default_rng(0)
    p = task.play_init(inst)
    for _ in range(steps):
        mask = task.play_mask(inst, p)
        results = [task.play_apply(inst, p, a) for a in range(n_actions)]
        assert mask.tolist() == [r.legal for r in results]
        choice = rng.choice(np.flatnonzero(mask)) if masked_walk else rng.integers(n_actions)
        p = results[int(choice)].state


def assert_blocked_action_truncates(task, env_name: str, n_actions: int, limit: int,
                                    seeds: Iterable[int] = range(50)) -> None:
    """In step mode, repeating a blocked action (from the first seed that has one) is flagged illegal, pays nothing,
    never terminates, truncates exactly at the step limit and leaves the play state at the start."""
    env = gym.make(env_name, mode="step")
    for seed in seeds:
        _, info = env.reset(seed=seed)
        blocked = [a for a in range(n_actions) if not info["action_mask"][a]]
        if blocked:
            break
    start = info["instance"]
    for step in range(1, limit + 1):
        _, reward, terminated, truncated, info = env.step(blocked[0])
        assert info["illegal"] and info["reason"] and reward == 0.0 and not terminated
        assert truncated == (step == limit)
    assert env.unwrapped.play == task.play_init(start)


def assert_env_replays_reference(level: int, key: str, env_id: str) -> None:
    """A reference record replayed through the answer env: image observation, and its answer wins."""
    rec = fixture_record(level, key)
    env = gym.make(env_id)
    obs, info = env.reset(options={"instance": rec})
    assert info["instance"].source == "reference" and obs["image"].shape == (512, 512, 3)
    _, reward, terminated, _, info = env.step(f"\\boxed{{{rec['answer']}}}")
    assert reward == 1.0 and terminated


def game_garbage(*extra: str) -> list[str]:
    """Junk answers every game verifier rejects quickly (empty, huge, binary, nested, non-ASCII digits), plus
    ``extra``."""
    rng = np.random.default_rng(0)
    return ["", " \n", "x" * 1_000_000, bytes(rng.integers(0, 256, 8192, dtype=np.uint8)).decode("latin-1"),
            "\x00\x01 \ufffd", *extra]


def assert_round_trip_and_trace(task, level: int, seeds: int) -> None:
    """The expert answer verifies and the trace ends in that answer, which verifies too."""
    for seed in range(seeds):
        inst = task.instance(level, seed)
        answer = task.expert_answer(inst)
        assert task.verify(inst, answer).correct
        trace = task.trace(inst)
        assert extract_answer(trace) == answer
        assert task.verify(inst, extract_answer(trace)).correct


def assert_move_list_formats_accepted(task, inst, moves: Sequence[str], extra: Sequence[str] = ()) -> None:
    """The move list ``moves`` (direction words) verifies in the lenient forms (upper case, commas, numbered lines,
    arrows, JSON, bold, initial letters, a "Moves:" label) and in each of ``extra``."""
    letters = "".join(m[0] for m in moves)
    variants = [
        " ".join(moves).upper(),
        ", ".join(moves),
        "\n".join(f"{i}. {m}" for i, m in enumerate(moves, 1)),
        " -> ".join(moves),
        json.dumps(moves),
        "**" + " ".join(moves) + "**",
        letters.upper(),
        ", ".join(letters),
        "Moves: " + " ".join(moves),
        *extra,
    ]
    for text in variants:
        v = task.verify(inst, text)
        assert v.correct, (text, v.reason)
