"""Vector envs from plain ``gym.make_vec``: sync and async (Gymnasium's default shared memory included) for every
task (one level each; every id with -m slow), Text observations intact, batched resets over seed lists."""

import copy

import gymnasium as gym
import numpy as np
import pytest

import mmhelix_env
from mmhelix_env.envs import SharedMemoryText
from mmhelix_env.envs.spaces import prompt_space

ALL_TASKS = sorted(mmhelix_env.TASKS)
STEP_TASKS = [name for name in ALL_TASKS if mmhelix_env.TASKS[name].step_mode]


def _single_obs(env_id, seed, **kwargs):
    env = gym.make(env_id, **kwargs)
    obs, _ = env.reset(seed=seed)
    env.close()
    return obs


def _check_vector(env_id, vectorization_mode, seeds=(3, 4), vector_kwargs=None, **kwargs):
    vec = gym.make_vec(env_id, len(seeds), vectorization_mode=vectorization_mode, vector_kwargs=vector_kwargs, **kwargs)
    try:
        obs, info = vec.reset(seed=list(seeds))
        assert isinstance(obs["prompt"], tuple) and all(isinstance(p, str) for p in obs["prompt"])
        for i, seed in enumerate(seeds):
            single = _single_obs(env_id, seed, **kwargs)
            assert obs["prompt"][i] == single["prompt"]
            if "image" in single:
                assert np.array_equal(obs["image"][i], single["image"])
        assert vec.observation_space.contains(obs)
        if kwargs.get("mode") == "step":
            actions = vec.action_space.sample()
        else:
            actions = tuple(f"\\boxed{{{mmhelix_env.expert_answer(inst)}}}" for inst in info["instance"])
        obs2, rewards, terminated, truncated, _ = vec.step(actions)
        if kwargs.get("mode") != "step":
            assert rewards.tolist() == [1.0] * len(seeds) and terminated.all()
        assert all(isinstance(p, str) and p for p in obs2["prompt"])
    finally:
        vec.close()


@pytest.mark.parametrize("task", ALL_TASKS)
def test_sync_every_task(task):
    level = 1 + ALL_TASKS.index(task) % 5
    _check_vector(mmhelix_env.env_id(task, level), "sync", image_size=64)


@pytest.mark.parametrize("env_id", ["MMHelix/Maze-easy", "MMHelix/Sudoku-medium", "MMHelix/HIndex-very-hard"])
def test_async_default_shared_memory_keeps_text(env_id):
    _check_vector(env_id, "async", image_size=64)


def test_async_step_mode_text_modality_and_pipes():
    _check_vector("MMHelix/Sokoban-easy", "async", mode="step", image_size=64)
    _check_vector("MMHelix/Sudoku-easy", "async", modality="text", mode="step")
    _check_vector("MMHelix/24Points-hard", "async", vector_kwargs={"shared_memory": False}, image_size=64)
    vec = mmhelix_env.make_vec("MMHelix/Maze-easy", 2, "async", image_size=64)
    assert vec.reset(seed=[1, 2])[0]["prompt"][0] == _single_obs("MMHelix/Maze-easy", 1, image_size=64)["prompt"]
    vec.close()


def test_async_autoreset_keeps_prompts_fresh():
    vec = gym.make_vec("MMHelix/Maze-easy", 2, vectorization_mode="async", image_size=64)
    vec.reset(seed=[5, 6])
    prompts = []
    for _ in range(3):  # one answer ends each episode; the next step autoresets (NEXT_STEP mode)
        obs, *_ = vec.step(("\\boxed{up}", "\\boxed{down}"))
        prompts.append(obs["prompt"])
    vec.close()
    assert all(p and "maze" in p.lower() for batch in prompts for p in batch)


@pytest.mark.slow
@pytest.mark.parametrize("env_id", mmhelix_env.ENV_IDS)
def test_every_id_sync_and_async(env_id):
    _check_vector(env_id, "sync", image_size=64)
    _check_vector(env_id, "async", image_size=64)
    if mmhelix_env.TASKS[mmhelix_env.parse_env_id(env_id)[0]].step_mode:
        _check_vector(env_id, "async", mode="step", image_size=64)


def test_shared_memory_text_codec_matches_gymnasium_flatten():
    plain = prompt_space()
    shared = SharedMemoryText(plain.max_length, min_length=0, charset="".join(plain.character_list))
    assert shared == plain
    text = "Go → from S to E: █ ×÷ {}\n\t" * 3
    assert np.array_equal(shared.encode(text), gym.spaces.flatten(plain, text))
    assert shared.decode(shared.encode(text)) == text and shared.decode(shared.encode("")) == ""
    with pytest.raises(ValueError):
        shared.encode("emoji 🙂 is outside the charset")
    with pytest.raises(ValueError):
        shared.encode("x" * (plain.max_length + 1))
    clone = copy.deepcopy(shared)
    assert clone.decode(shared.encode(text)) == text


def test_async_without_copy_hands_out_live_text_views():
    vec = gym.make_vec("MMHelix/Maze-easy", 2, vectorization_mode="async", vector_kwargs={"copy": False},
                       image_size=64)
    obs, _ = vec.reset(seed=[1, 2])
    first = tuple(obs["prompt"])
    assert first[1] == _single_obs("MMHelix/Maze-easy", 2, image_size=64)["prompt"]
    obs, *_ = vec.step(("\\boxed{up}", "\\boxed{up}"))
    assert len(obs["prompt"]) == 2 and obs["prompt"][0] and obs["prompt"][:1] == (obs["prompt"][0],)
    assert copy.deepcopy(obs["prompt"]) == tuple(obs["prompt"])
    vec.close()


def test_async_spawned_workers_decode_the_same_text():
    # spawned workers hash strings differently; the charset order (and so the text codes) must not depend on it
    _check_vector("MMHelix/Maze-easy", "async", vector_kwargs={"context": "spawn"}, image_size=64)


def test_hand_built_envs_survive_async_shared_memory():
    """Envs built without gym.make carry the same SharedMemoryText prompt space."""
    from mmhelix_env import AnswerEnv, StepEnv

    fns = [lambda: AnswerEnv("Maze", "easy", modality="text"), lambda: StepEnv("Maze", "easy", modality="text")]
    for fn in fns:
        vec = gym.vector.AsyncVectorEnv([fn, fn])
        try:
            obs, _ = vec.reset(seed=[3, 4])
            expected = [fn().reset(seed=s)[0]["prompt"] for s in (3, 4)]
            assert list(obs["prompt"]) == expected
        finally:
            vec.close()
