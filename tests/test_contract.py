"""The contract every registered task and id must meet (DESIGN.md, issue checks).

``MMHELIX_TEST_SEEDS`` (default 20) sets the seeds per level of the round-trip and mutation sweeps.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import pkgutil
import subprocess
import sys
import time

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import mmhelix_env
from mmhelix_env.core import Instance, extract_answer
from mmhelix_env.envs import make_vec
from tests import mutators as mutators_pkg

SEEDS = range(int(os.environ.get("MMHELIX_TEST_SEEDS", "20")))
TASK_NAMES = list(mmhelix_env.TASKS)
LEVELS = (1, 2, 3, 4, 5)
TASK_LEVELS = [(name, level) for name in TASK_NAMES for level in LEVELS]
STEP_TASKS = [name for name in TASK_NAMES if mmhelix_env.TASKS[name].step_mode]


def _load_mutators() -> dict:
    found = {}
    for info in pkgutil.iter_modules(mutators_pkg.__path__):
        module = importlib.import_module(f"{mutators_pkg.__name__}.{info.name}")
        if hasattr(module, "TASK_NAME"):
            found[module.TASK_NAME] = module.mutations
    return found


MUTATORS = _load_mutators()


def garbage_inputs() -> list[str]:
    rng = np.random.default_rng(7)
    return [
        "",
        "   \n\t ",
        "x" * 1_000_000,
        "1 " * 500_000,
        bytes(rng.integers(0, 256, 8192, dtype=np.uint8)).decode("latin-1"),
        "\\boxed{" + "{" * 20_000 + "}" * 20_000 + "}",
        "[" * 10_000 + "]" * 10_000,
        "(" * 10_000 + ")" * 10_000,
        "١٢٣٤٥٦٧٨٩ ２４ ௨௪ ⁴²",
        "\\boxed{２４}",
        "<answer></answer>",
        "\x00\x01\x02 \ufffd \U0001F600",
    ]


def test_public_api():
    assert len(mmhelix_env.ENV_IDS) == 5 * len(mmhelix_env.TASKS) == len(set(mmhelix_env.ENV_IDS))
    for required in ("Sokoban", "Sudoku", "ShortestDistance", "24Points"):
        assert required in mmhelix_env.TASKS
    for eid in mmhelix_env.ENV_IDS:
        assert eid in gym.registry
    env = gym.make("mmhelix_env:MMHelix/Sudoku-easy")
    assert env.reset(seed=0)[1]["task"] == "Sudoku"


ANSWER_ONLY_PUZZLES = {"WordLadder", "WordSearch"}  # their specs: "Answer mode only"


def test_every_grid_puzzle_and_game_has_a_step_mode():
    missing = [n for n, t in mmhelix_env.TASKS.items()
               if t.category in ("puzzles", "games") and n not in ANSWER_ONLY_PUZZLES and not t.step_mode]
    assert not missing, f"no step mode: {missing}"


def test_every_task_has_a_mutator():
    assert set(TASK_NAMES) <= set(MUTATORS), f"missing tests/mutators for {set(TASK_NAMES) - set(MUTATORS)}"


@pytest.mark.parametrize("env_id", mmhelix_env.ENV_IDS)
def test_check_env(env_id):
    check_env(gym.make(env_id, render_mode="rgb_array").unwrapped)
    check_env(gym.make(env_id, modality="text").unwrapped, skip_render_check=True)
    name, _ = mmhelix_env.parse_env_id(env_id)
    if mmhelix_env.TASKS[name].step_mode:
        check_env(gym.make(env_id, mode="step", render_mode="rgb_array").unwrapped)


@pytest.mark.parametrize("name, level", TASK_LEVELS)
def test_expert_answers_verify_and_mutations_fail(name, level):
    task = mmhelix_env.TASKS[name]
    mutate = MUTATORS[name]
    env = gym.make(mmhelix_env.env_id(name, level), modality="text").unwrapped  # same reward path, no rendering
    for seed in SEEDS:
        inst = task.instance(level, seed)
        assert inst.level == level and inst.task == name
        answer = mmhelix_env.expert_answer(inst)
        for wrapped in (f"\\boxed{{{answer}}}", f"reasoning...\n<answer>{answer}</answer>", answer):
            env.reset(options={"instance": inst})
            _, reward, terminated, _, info = env.step(wrapped)
            assert reward == 1.0 and terminated and info["score"] == 1.0, (seed, wrapped[:80], info["reason"])
        mutants = list(dict.fromkeys(m for m in mutate(task, inst, answer) if m != answer))
        assert len(mutants) >= 5, (seed, mutants)
        for mutant in mutants:
            verdict = task.verify(inst, mutant)
            assert not verdict.correct and verdict.score < 1.0 and verdict.reason.strip(), (seed, mutant[:120])


@pytest.mark.parametrize("name, level", TASK_LEVELS)
def test_trace_ends_in_verifying_answer(name, level):
    for seed in range(3):
        inst = mmhelix_env.make_instance(name, level, seed)
        trace = mmhelix_env.expert_trace(inst)
        assert len(trace.splitlines()) >= 3
        assert mmhelix_env.verify(inst, trace).correct, extract_answer(trace)[:200]


@pytest.mark.parametrize("name, level", TASK_LEVELS)
def test_instance_json_round_trip_and_replay(name, level):
    inst = mmhelix_env.make_instance(name, level, 1)
    back = Instance.from_json(inst.to_json())
    assert back == inst
    assert mmhelix_env.verify(back, mmhelix_env.expert_answer(back)).correct  # solver works without a witness
    env = gym.make(mmhelix_env.env_id(name, level))
    obs_a, info_a = env.reset(seed=1)
    obs_b, info_b = env.reset(options={"instance": inst.to_dict()})
    assert info_b["fingerprint"] == info_a["fingerprint"] == inst.fingerprint
    assert obs_a["prompt"] == obs_b["prompt"] and np.array_equal(obs_a["image"], obs_b["image"])


@pytest.mark.parametrize("name, level", TASK_LEVELS)
def test_garbage_is_rejected_quickly(name, level):
    inst = mmhelix_env.make_instance(name, level, 0)
    for text in garbage_inputs():
        t0 = time.perf_counter()
        verdict = mmhelix_env.verify(inst, text)
        elapsed = time.perf_counter() - t0
        assert not verdict.correct and verdict.reason
        assert elapsed < 0.05 or _retry_fast(inst, text), (text[:40], elapsed)


def _retry_fast(inst, text) -> bool:
    """A loaded CI box can stall one call; the bound must hold on the best of three."""
    best = min(_timed(inst, text) for _ in range(3))
    return best < 0.05


def _timed(inst, text) -> float:
    t0 = time.perf_counter()
    mmhelix_env.verify(inst, text)
    return time.perf_counter() - t0


@pytest.mark.parametrize("name", STEP_TASKS)
def test_step_mode_expert_solves_with_reward_on_last_step(name):
    task = mmhelix_env.TASKS[name]
    for level in LEVELS:
        env = gym.make(mmhelix_env.env_id(name, level), mode="step")
        _, info = env.reset(seed=level)
        actions = task.expert_actions(info["instance"])
        assert len(actions) <= info["step_limit"]
        rewards = []
        for action in actions:
            assert info["action_mask"][tuple(np.atleast_1d(action))], action
            _, reward, terminated, truncated, info = env.step(action)
            assert not info["illegal"], info["reason"]
            rewards.append(reward)
        assert terminated and not truncated and rewards[-1] == 1.0 and sum(rewards) == 1.0


FINGERPRINT_SCRIPT = """
import hashlib, json, sys
import gymnasium as gym, mmhelix_env
out = {}
for eid in mmhelix_env.ENV_IDS:
    env = gym.make(eid).unwrapped
    for seed in (0, 1):
        obs, info = env.reset(seed=seed)
        h = hashlib.sha256(obs["image"].tobytes()); h.update(obs["prompt"].encode())
        out[f"{eid}/{seed}"] = [h.hexdigest(), info["fingerprint"]]
json.dump(out, sys.stdout)
"""


def test_same_seed_same_bytes_in_fresh_processes():
    runs = []
    for hashseed in ("1", "2"):  # different str-hash salts must not matter
        env = dict(os.environ, PYTHONHASHSEED=hashseed)
        done = subprocess.run([sys.executable, "-c", FINGERPRINT_SCRIPT], capture_output=True, text=True,
                              env=env, check=True, timeout=600)
        runs.append(json.loads(done.stdout))
    assert runs[0] == runs[1]
    env = gym.make(mmhelix_env.ENV_IDS[0]).unwrapped
    obs, _ = env.reset(seed=0)
    h = hashlib.sha256(obs["image"].tobytes())
    h.update(obs["prompt"].encode())
    assert runs[0][f"{mmhelix_env.ENV_IDS[0]}/0"][0] == h.hexdigest()


@pytest.mark.parametrize("name", TASK_NAMES)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_vector_envs_run_100_steps(name, mode):
    eid = mmhelix_env.env_id(name, 1)
    vec = make_vec(eid, 4, vectorization_mode=mode)
    try:
        obs, infos = vec.reset(seed=[0, 1, 2, 3])
        assert len(obs["prompt"]) == 4 and obs["image"].shape == (4, 512, 512, 3)
        rewards = 0.0
        for step in range(100):
            if step % 2 == 0 and "instance" in infos:
                actions = tuple(f"\\boxed{{{mmhelix_env.expert_answer(i)}}}" if i is not None else "x"
                                for i in infos["instance"])
            else:
                actions = ("wrong",) * 4
            obs, reward, terminated, truncated, infos = vec.step(actions)
            rewards += float(np.sum(reward))
        assert rewards > 0
    finally:
        vec.close()
