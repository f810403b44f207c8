"""verl compute_score, the TRL reward function and dataset builder, the SB3 image wrapper."""

import json
import os

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import mmhelix_env
from mmhelix_env.integrations.common import completion_text
from mmhelix_env.integrations.verl import compute_score


def _row(task="Sudoku", level="easy", seed=2):
    inst = mmhelix_env.make_instance(task, level, seed)
    return inst, f"mmhelix/{task}", json.dumps(inst.to_dict())


def test_verl_compute_score_rewards_only_verified_answers():
    inst, source, truth = _row()
    right = f"<think>done</think> \\boxed{{{mmhelix_env.expert_answer(inst)}}}"
    extra = {"id": "x", "task": inst.task, "level": inst.level, "seed": inst.seed,
             "fingerprint": inst.fingerprint, "modality": "image"}
    assert compute_score(source, right, truth, extra) == 1.0
    assert compute_score(source, right, json.loads(truth)) == 1.0  # a dict ground truth works too
    assert compute_score(source, "\\boxed{[[1]]}", truth, extra) == 0.0
    assert compute_score(source, "", truth) == 0.0


@pytest.mark.parametrize("args", [
    ("mmhelix/Sudoku", "x", "{broken json"),
    ("mmhelix/Sudoku", "x", None),
    ("mmhelix/Sudoku", None, "[]"),
    ("openai/gsm8k", "\\boxed{4}", "4"),
    (None, "x", "{}"),
    ("mmhelix/Sudoku", "x", json.dumps({"task": "Sudoku", "level": 2, "state": {"bad": 1}})),
    ("mmhelix/Sudoku", b"\xff\xfe", json.dumps({"task": "NoSuchTask", "level": 2, "state": {}})),
])
def test_verl_compute_score_never_raises(args):
    assert compute_score(*args) == 0.0


def test_verl_compute_score_checks_source_and_fingerprint():
    inst, source, truth = _row()
    right = f"\\boxed{{{mmhelix_env.expert_answer(inst)}}}"
    assert compute_score("mmhelix/Maze", right, truth) == 0.0  # data_source names another task
    assert compute_score(source, right, truth, {"fingerprint": "0" * 20}) == 0.0
    tampered = json.loads(truth)
    tampered["fingerprint"] = "f" * 20
    assert compute_score(source, right, json.dumps(tampered)) == 0.0


def test_completion_text_reads_every_completion_form():
    assert completion_text("a") == "a"
    assert completion_text([{"role": "assistant", "content": "b"}]) == "b"
    assert completion_text([{"role": "user", "content": "q"}, {"role": "assistant", "content": "c"}]) == "c"
    assert completion_text({"role": "assistant", "content": [{"type": "text", "text": "d"}]}) == "d"
    assert completion_text(None) == ""


def test_trl_reward_fn_scores_each_completion_against_its_row():
    pytest.importorskip("datasets")
    from mmhelix_env.integrations.trl import build_dataset, reward_fn

    dataset = build_dataset(["Maze", "MMHelix/HIndex-hard"], levels=["very-easy"], seeds=[4, 5], image_size=64,
                            with_expert=True)
    assert dataset.num_rows == 4 and dataset["env_id"] == ["MMHelix/Maze-very-easy"] * 2 + ["MMHelix/HIndex-hard"] * 2
    row = dataset[2]
    assert row["prompt"][0]["content"][0]["type"] == "image"
    assert row["prompt"][0]["content"][1]["text"].endswith(mmhelix_env.envs.BOXED_INSTRUCTION)
    assert row["image"].size == (64, 64) and (row["task"], row["level"], row["seed"]) == ("HIndex", 4, 4)
    inst = mmhelix_env.Instance.from_dict(json.loads(row["instance"]))
    assert inst == mmhelix_env.make_instance("HIndex", 4, 4) and row["fingerprint"] == inst.fingerprint
    completions = [[{"role": "assistant", "content": text}] for text in dataset["expert"]]
    completions[1] = [{"role": "assistant", "content": "\\boxed{up up}"}]
    assert reward_fn(prompts=dataset["prompt"], completions=completions, instance=dataset["instance"],
                     task=dataset["task"]) == [1.0, 0.0, 1.0, 1.0]
    with pytest.raises(KeyError):
        reward_fn(prompts=[], completions=[])


def test_trl_text_rows_and_images_column():
    pytest.importorskip("datasets")
    from mmhelix_env.integrations.trl import build_rows

    text_rows = build_rows(["24Points"], levels=[1], seeds=1, modality="text", system_prompt="Think first.")
    assert "image" not in text_rows[0] and text_rows[0]["prompt"][0]["role"] == "system"
    image_rows = build_rows(["24Points"], levels=[1], seeds=1, image_size=64, images_column="images")
    assert len(image_rows[0]["images"]) == 1 and image_rows[0]["images"][0].size == (64, 64)


def test_sb3_image_wrapper_gives_a_cnn_ready_box():
    from mmhelix_env.integrations.sb3 import ImageObservation, make_image_env, success_rate

    env = make_image_env("MMHelix/Maze-very-easy", size=48)
    check_env(env.unwrapped, skip_render_check=True)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (48, 48, 3) and obs.dtype == np.uint8 and env.observation_space.contains(obs)
    with pytest.raises(ValueError):
        ImageObservation(mmhelix_env.make_env("Maze", 1, mode="step", modality="text"))
    baseline = success_rate(None, "MMHelix/Maze-very-easy", episodes=10)
    assert baseline == success_rate(None, "MMHelix/Maze-very-easy", episodes=10)  # seeded evaluation
    assert 0.0 <= baseline["success_rate"] <= 1.0 and baseline["mean_length"] > 0


def test_sb3_vec_env_and_ppo_predict():
    pytest.importorskip("stable_baselines3")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch
    from stable_baselines3 import PPO

    from mmhelix_env.integrations.sb3 import make_image_vec_env, success_rate

    torch.set_num_threads(1)
    vec_env = make_image_vec_env("MMHelix/Maze-very-easy", n_envs=2, size=64, seed=0)
    model = PPO("CnnPolicy", vec_env, n_steps=16, batch_size=32, n_epochs=1, seed=0, device="cpu")
    model.learn(32)
    assert model.num_timesteps >= 32
    result = success_rate(model, "MMHelix/Maze-very-easy", episodes=3)
    assert result["episodes"] == 3 and 1 <= result["mean_length"] <= 36
