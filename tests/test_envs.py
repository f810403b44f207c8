"""The env layer on a toy task (independent of the real tasks)."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from mmhelix_env.core import Instance, RecordError
from mmhelix_env.envs import BOXED_INSTRUCTION, AnswerEnv, StepEnv, parse_env_id
from tests.toy import ToyTask

TOY = ToyTask()


def test_answer_env_checks_and_rewards():
    env = AnswerEnv(TOY, 2)
    check_env(env, skip_render_check=True)
    obs, info = env.reset(seed=3)
    assert obs["image"].shape == (512, 512, 3) and obs["image"].dtype == np.uint8
    assert obs["prompt"].endswith(BOXED_INSTRUCTION)
    assert env.observation_space.contains(obs)
    inst = info["instance"]
    assert info["fingerprint"] == inst.fingerprint and info["level"] == 2 and inst.seed == 3
    answer = TOY.expert_answer(inst)
    _, reward, terminated, truncated, info = env.step(f"thinking... \\boxed{{{answer}}}")
    assert (reward, terminated, truncated) == (1.0, True, False)
    assert info["verdict"].correct and info["answer"] == answer
    with pytest.raises(RuntimeError):
        env.step("again")


def test_same_seed_same_instance_and_unseeded_resets_are_reproducible():
    env = AnswerEnv(TOY, 1)
    a = env.reset(seed=11)[1]["instance"]
    seq_a = [env.reset()[1]["instance"].seed for _ in range(3)]
    b = env.reset(seed=11)[1]["instance"]
    seq_b = [env.reset()[1]["instance"].seed for _ in range(3)]
    assert a == b and seq_a == seq_b and len(set(seq_a)) == 3
    assert TOY.instance(1, 11) == a


def test_max_attempts_feedback():
    env = AnswerEnv(TOY, 1, max_attempts=3)
    obs, info = env.reset(seed=0)
    right = TOY.expert_answer(info["instance"])
    obs, reward, terminated, _, info = env.step("\\boxed{999}")
    assert reward == 0 and not terminated
    assert "Attempt 1 was incorrect" in obs["prompt"] and "999" in obs["prompt"]
    assert env.observation_space.contains(obs)
    obs, reward, terminated, _, info = env.step("no idea")
    assert not terminated and "Attempt 2" in obs["prompt"] and info["attempt"] == 2
    _, reward, terminated, _, _ = env.step(f"\\boxed{{{right}}}")
    assert reward == 1.0 and terminated


def test_attempts_run_out():
    env = AnswerEnv(TOY, 1, max_attempts=2)
    env.reset(seed=0)
    assert not env.step("x")[2]
    _, reward, terminated, _, _ = env.step("y")
    assert reward == 0 and terminated


def test_text_modality_has_no_image():
    env = AnswerEnv(TOY, 1, modality="text")
    check_env(env, skip_render_check=True)
    obs, _ = env.reset(seed=0)
    assert set(obs) == {"prompt"}


def test_reset_with_instance_option_replays_exactly():
    env = AnswerEnv(TOY, 1)
    _, info = env.reset(seed=5)
    inst = info["instance"]
    for given in (inst, inst.to_dict()):
        _, info2 = env.reset(options={"instance": given})
        assert info2["fingerprint"] == inst.fingerprint
    with pytest.raises(TypeError):
        env.reset(options={"instance": 5})


def test_step_env_mask_illegal_and_solve():
    env = StepEnv(TOY, 1)
    check_env(env, skip_render_check=True)
    obs, info = env.reset(seed=2)
    inst = info["instance"]
    assert info["action_mask"].dtype == bool
    total = 0.0
    for action in TOY.expert_actions(inst):
        obs, reward, terminated, truncated, info = env.step(action)
        assert not info["illegal"]
        total += reward
    assert terminated and total == 1.0 and info["solved"]


def test_step_env_illegal_move_is_flagged_noop_and_truncates():
    env = StepEnv(TOY, 1)
    _, info = env.reset(seed=2)
    target = info["instance"].state["target"]
    for _ in range(target - 1):
        env.step(0)
    before = env.play
    _, reward, terminated, truncated, info = env.step(1)  # overshoot
    assert info["illegal"] and "overshoot" in info["reason"] and env.play == before
    assert reward == 0 and not terminated and truncated  # hit the step limit (target steps)
    assert info["action_mask"].tolist() == [True, False]


class LosingToy(ToyTask):
    """The toy where stepping onto 1 loses the game."""

    def play_lost(self, inst, play):
        return play == 1

    def play_info(self, inst, play):
        return {"danger": [play + 1 == 1, play + 2 == 1]}


def test_step_env_losing_move_terminates_with_reward_zero():
    env = StepEnv(LosingToy(), 1)
    _, info = env.reset(seed=2)
    assert info["danger"] == [True, False]
    _, reward, terminated, truncated, info = env.step(0)
    assert terminated and not truncated and reward == 0.0
    assert info["lost"] and not info["illegal"] and not info["solved"]
    with pytest.raises(RuntimeError):
        env.step(1)
    env.reset(seed=2)
    _, reward, terminated, _, info = env.step(1)  # 0 -> 2 skips the losing cell
    assert not terminated and not info["lost"]


def test_step_env_out_of_space_action_is_flagged():
    env = StepEnv(TOY, 1)
    env.reset(seed=0)
    _, _, _, _, info = env.step(7)
    assert info["illegal"] and "outside" in info["reason"]


def test_bad_constructor_arguments():
    with pytest.raises(ValueError):
        AnswerEnv(TOY, 1, modality="audio")
    with pytest.raises(ValueError):
        AnswerEnv(TOY, 9)
    with pytest.raises(ValueError):
        AnswerEnv(TOY, 1, max_attempts=0)


def test_record_import_template():
    rec = {"category": "TOY", "initial_state": '{"target": 7}', "difficulty": "2", "answer": "4"}
    inst = TOY.from_record(rec)
    assert (inst.level, inst.source, inst.seed, inst._witness) == (2, "reference", None, 4)
    assert inst.fingerprint == Instance("Toy", 5, 9, "1", {"target": 7}).fingerprint
    assert TOY.from_record({**rec, "answer": "5"})._witness is None  # a wrong stored answer is dropped
    assert TOY.from_record({"initial_state": {"target": 7}, "answer": ["4"]}).level == 1  # level from the hint
    for bad, why in (({**rec, "category": "sokoban"}, "category"), ({**rec, "difficulty": 9}, "difficulty"),
                     ({"initial_state": {"target": 70}}, "no difficulty"), ({**rec, "initial_state": "x"}, "target"),
                     ("not a dict", "dict")):
        with pytest.raises(RecordError, match=why):
            TOY.from_record(bad)


def test_parse_env_id():
    assert parse_env_id("MMHelix/Sokoban-very-hard") == ("Sokoban", 5)
    assert parse_env_id("mmhelix_env:MMHelix/24Points-hard") == ("24Points", 4)
    with pytest.raises(ValueError):
        parse_env_id("MMHelix/Sokoban")
    with pytest.raises(ValueError):
        parse_env_id("CartPole-v1")


def test_vector_envs_with_text_observations():
    for vec in (gym.vector.SyncVectorEnv([lambda: AnswerEnv(TOY, 1)] * 2),
                gym.vector.AsyncVectorEnv([lambda: AnswerEnv(TOY, 1)] * 2, shared_memory=False)):
        obs, info = vec.reset(seed=[1, 2])
        assert all(p.startswith("Reach") for p in obs["prompt"])
        answers = tuple(f"\\boxed{{{TOY.expert_answer(i)}}}" for i in info["instance"])
        _, reward, terminated, _, _ = vec.step(answers)
        assert reward.tolist() == [1.0, 1.0] and terminated.all()
        vec.close()
