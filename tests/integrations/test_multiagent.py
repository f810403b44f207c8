"""PettingZoo envs: API and seed tests for every task (one level each; all levels with -m slow), and the rules
(same instance for everyone, own rewards, finished agents stay done, idle agents, races)."""

import warnings

import numpy as np
import pytest

pytest.importorskip("pettingzoo")

from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, seed_test  # noqa: E402

import mmhelix_env  # noqa: E402
from mmhelix_env.multiagent import env as aec_env  # noqa: E402
from mmhelix_env.multiagent import parallel_env  # noqa: E402

STEP_TASKS = sorted(name for name, task in mmhelix_env.TASKS.items() if task.step_mode)
ALL_TASKS = sorted(mmhelix_env.TASKS)
SMALL = {"image_size": 64}


def _check_all_apis(task, level, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PettingZoo warns that Dict/Text spaces are not Box/Discrete
        parallel_api_test(parallel_env(task, level, num_agents=2, **kwargs), num_cycles=8)
        parallel_seed_test(lambda: parallel_env(task, level, num_agents=2, **kwargs), num_cycles=8)
        api_test(aec_env(task, level, num_agents=2, **kwargs), num_cycles=8)
        seed_test(lambda: aec_env(task, level, num_agents=2, **kwargs), num_cycles=8)


@pytest.mark.parametrize("task", ALL_TASKS)
def test_answer_mode_apis_every_task(task):
    level = 1 + ALL_TASKS.index(task) % 5  # every level is covered across the tasks
    _check_all_apis(task, level, modality="text" if ALL_TASKS.index(task) % 3 == 0 else "image", **SMALL)


@pytest.mark.parametrize("task", STEP_TASKS)
def test_step_mode_apis_every_step_task(task):
    _check_all_apis(task, 1 + STEP_TASKS.index(task) % 5, mode="step", **SMALL)


@pytest.mark.slow
@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("task", ALL_TASKS)
def test_apis_every_id(task, level):
    _check_all_apis(task, level, max_attempts=2, **SMALL)
    if mmhelix_env.TASKS[task].step_mode:
        _check_all_apis(task, level, mode="step", **SMALL)


def test_every_agent_sees_the_same_instance_and_is_rewarded_for_its_own_answer():
    env = parallel_env("MMHelix/24Points-easy", num_agents=3, **SMALL)
    observations, infos = env.reset(seed=5)
    assert env.instance == mmhelix_env.make_instance("24Points", "easy", 5)
    assert len({obs["prompt"] for obs in observations.values()}) == 1
    assert all(np.array_equal(observations["agent_0"]["image"], obs["image"]) for obs in observations.values())
    assert {info["fingerprint"] for info in infos.values()} == {env.instance.fingerprint}
    right = f"\\boxed{{{mmhelix_env.expert_answer(env.instance)}}}"
    _, rewards, terminations, truncations, infos = env.step({"agent_0": "\\boxed{1+1}", "agent_1": right,
                                                            "agent_2": "garbage"})
    assert rewards == {"agent_0": 0.0, "agent_1": 1.0, "agent_2": 0.0}
    assert all(terminations.values()) and not any(truncations.values()) and env.agents == []
    assert infos["agent_1"]["verdict"].correct and infos["agent_1"]["rank"] == 1
    assert not infos["agent_0"]["verdict"].correct and infos["agent_0"]["rank"] is None
    with pytest.raises(RuntimeError):
        env.step({})


def test_finished_agents_stay_done_and_idle_agents_wait():
    env = parallel_env("Maze", "easy", agent_names=["fast", "slow", "idle"], max_attempts=2, **SMALL)
    env.reset(seed=1)
    right = f"\\boxed{{{mmhelix_env.expert_answer(env.instance)}}}"
    _, rewards, terminations, _, infos = env.step({"fast": right, "slow": "\\boxed{up}"})
    assert env.agents == ["slow", "idle"] and terminations["fast"] and not terminations["slow"]
    assert infos["idle"]["idle"] and not infos["slow"]["idle"] and infos["slow"]["attempt"] == 1
    assert "Attempt 1 was incorrect" in env._last["slow"][0]["prompt"]
    with pytest.raises(KeyError):
        env.step({"nobody": right})
    _, rewards, terminations, _, infos = env.step({"fast": right, "slow": right, "idle": "\\boxed{left}"})
    assert "fast" not in rewards  # a finished agent's action is ignored; it is never revived
    assert rewards == {"slow": 1.0, "idle": 0.0} and infos["slow"]["rank"] == 2
    assert env.agents == ["idle"] and env.ranks == {"fast": 1, "slow": 2, "idle": None}


def test_step_mode_agents_have_their_own_play_state_and_race_ends_for_all():
    env = parallel_env("MMHelix/Maze-easy", num_agents=2, mode="step", race=True, **SMALL)
    _, infos = env.reset(seed=2)
    moves = mmhelix_env.task_of(env.instance).expert_actions(env.instance)
    mask = infos["agent_1"]["action_mask"]
    assert mask.dtype == np.int8
    illegal = int(np.flatnonzero(mask == 0)[0])
    observations, _, _, _, infos = env.step({"agent_0": moves[0], "agent_1": illegal})
    assert not infos["agent_0"]["illegal"] and infos["agent_1"]["illegal"]
    assert not np.array_equal(observations["agent_0"]["image"], observations["agent_1"]["image"])
    for move in moves[1:]:
        _, rewards, terminations, truncations, infos = env.step({"agent_0": move, "agent_1": illegal})
    assert rewards == {"agent_0": 1.0, "agent_1": 0.0}
    assert terminations["agent_0"] and truncations["agent_1"] and infos["agent_1"]["race_over"]
    assert env.agents == [] and env.ranks == {"agent_0": 1, "agent_1": None}


def test_grid_puzzle_masks_fit_multidiscrete_sampling_and_render_tiles_boards():
    env = parallel_env("MMHelix/Sudoku-very-easy", num_agents=2, mode="step", render_mode="rgb_array", **SMALL)
    _, infos = env.reset(seed=0)
    info = infos["agent_0"]
    joint = info["joint_action_mask"]
    assert joint.shape == tuple(env.action_space("agent_0").nvec)
    assert [m.shape[0] for m in info["action_mask"]] == list(joint.shape)
    for _ in range(20):
        assert env.action_space("agent_0").sample(info["action_mask"]) in env.action_space("agent_0")
    frame = env.render()
    assert frame.shape == (64, 2 * 64 + 8, 3)


def test_replay_and_unseeded_resets_are_reproducible():
    env = parallel_env("MMHelix/Sokoban-easy", num_agents=2, **SMALL)
    env.reset(seed=11)
    first = [env.reset()[1]["agent_0"]["fingerprint"] for _ in range(3)]
    env.reset(seed=11)
    again = [env.reset()[1]["agent_0"]["fingerprint"] for _ in range(3)]
    assert first == again and len(set(first)) == 3
    inst = mmhelix_env.make_instance("Sokoban", "easy", 99)
    _, infos = env.reset(options={"instance": inst.to_dict()})
    assert env.instance == inst and infos["agent_1"]["fingerprint"] == inst.fingerprint


def test_bad_arguments():
    with pytest.raises(ValueError):
        parallel_env("MMHelix/Maze-easy", agent_names=["a", "a"])
    with pytest.raises(ValueError):
        parallel_env("24Points", "easy", mode="step")  # 24Points has no step mode
    with pytest.raises(ValueError):
        parallel_env("MMHelix/Maze-easy", render_mode="human")
