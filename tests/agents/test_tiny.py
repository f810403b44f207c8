"""The tiny test VLM and the transformers backend (skipped where torch/transformers are not installed)."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pytest

import mmhelix_env
from agents import LLMAgent, SamplingParams, observation_to_messages, run_episodes

STEP_TASKS = sorted(name for name, task in mmhelix_env.TASKS.items() if task.step_mode)

FINGERPRINT = ("import hashlib, torch; from agents.testing import tiny_vlm; t = tiny_vlm(); h = hashlib.sha256(); "
               "[h.update(k.encode() + v.numpy().tobytes()) for k, v in sorted(t.model.state_dict().items())]; "
               "h.update(str(sorted(t.processor.tokenizer.get_vocab().items())).encode()); print(h.hexdigest())")


def _fingerprint(tiny):
    h = hashlib.sha256()
    for key, value in sorted(tiny.model.state_dict().items()):
        h.update(key.encode() + value.numpy().tobytes())
    h.update(str(sorted(tiny.processor.tokenizer.get_vocab().items())).encode())
    return h.hexdigest()


def test_tiny_vlm_is_deterministic_across_processes(tiny):
    out = subprocess.run([sys.executable, "-c", FINGERPRINT], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == _fingerprint(tiny)


def test_tiny_vlm_shape_and_tokenizer(tiny):
    model, processor, path = tiny
    assert path is None and type(model).__name__ == "Qwen2_5_VLForConditionalGeneration"
    assert type(processor).__name__ == "Qwen2_5_VLImageOnlyProcessor"
    assert sum(p.numel() for p in model.parameters()) < 1_000_000
    tok = processor.tokenizer
    assert tok.padding_side == "left" and tok.eos_token == "<|im_end|>" and tok.pad_token == "<|endoftext|>"
    for special in ("<|im_start|>", "<|vision_start|>", "<|image_pad|>", "<|video_pad|>"):
        assert tok.convert_tokens_to_ids(special) != tok.unk_token_id
    assert tok.tokenize("(12, 3)") == ["(", "1", "2", ",", "Ġ", "3", ")"]  # one token per digit, as in Qwen
    assert tok.decode(tok("\\boxed{up} 0 = up")["input_ids"]) == "\\boxed{up} 0 = up"
    image = np.zeros((512, 512, 3), np.uint8)
    chat = processor.apply_chat_template(observation_to_messages({"prompt": "x", "image": image}, image_format="pil"),
                                         add_generation_prompt=True, tokenize=False)
    assert chat.startswith("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nx\n")
    inputs = processor(text=[chat], images=[image], return_tensors="pt")
    assert (inputs["input_ids"] == model.config.image_token_id).sum().item() == 81  # 512 px -> 252 px -> 81


def test_tiny_vlm_save_and_load(tmp_path, tiny):
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from agents.testing import tiny_vlm

    saved = tiny_vlm(tmp_path / "m")
    assert saved.path == str(tmp_path / "m")
    model = AutoModelForImageTextToText.from_pretrained(saved.path)
    processor = AutoProcessor.from_pretrained(saved.path)
    assert type(processor).__name__ == "Qwen2_5_VLImageOnlyProcessor"
    import torch

    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), tiny.model.state_dict().values()))


def _obs_batch():
    obs = []
    for name, modality in [("Maze", "image"), ("Sudoku", "text"), ("Hanoi", "image")]:
        env = mmhelix_env.make_env(name, "easy", mode="step", modality=modality, image_size=256)
        obs.append(env.reset(seed=1)[0])
    return obs


def test_backend_greedy_batch_equals_single_and_counts(tiny_backend):
    chats = [observation_to_messages(o, image_format=f) for o, f in zip(_obs_batch(), ["pil", "url", "url"])]
    params = SamplingParams(max_new_tokens=10)
    batch = tiny_backend.generate(chats, params)
    singles = [tiny_backend.generate([c], params)[0] for c in chats]
    assert [g.text for g in batch] == [g.text for g in singles]  # left padding keeps results exact
    assert [g.prompt_tokens for g in batch] == [g.prompt_tokens for g in singles]
    assert batch[0].prompt_tokens > 81 and batch[2].prompt_tokens > 81  # image turns carry 81 image tokens
    for gen in batch:
        assert 1 <= gen.completion_tokens <= 10 and gen.finish_reason in ("stop", "length") and gen.latency_s > 0
        if gen.finish_reason == "length":
            assert gen.completion_tokens == 10


def test_backend_sampling_seed_n_and_stop(tiny_backend):
    chat = observation_to_messages({"prompt": "Say something."})
    params = SamplingParams(max_new_tokens=12, temperature=1.0, top_k=50, top_p=0.95, seed=5, n=3)
    first = [g.text for g in tiny_backend.generate([chat, chat], params)]
    again = [g.text for g in tiny_backend.generate([chat, chat], params)]
    assert len(first) == 6 and first == again
    assert len(set(first[:3])) > 1  # three different samples
    greedy = tiny_backend.generate([chat], SamplingParams(max_new_tokens=12))[0].text
    stop = greedy[3:6]
    cut = tiny_backend.generate([chat], SamplingParams(max_new_tokens=12, stop=(stop,)))[0]
    assert stop not in cut.text and greedy.startswith(cut.text) and cut.finish_reason == "stop"


def test_backend_from_path(tmp_path, tiny):
    from agents import TransformersBackend

    tiny.model.save_pretrained(tmp_path)
    tiny.processor.save_pretrained(tmp_path)
    backend = TransformersBackend(str(tmp_path), batch_size=2)
    chat = observation_to_messages({"prompt": "hi", "image": np.zeros((64, 64, 3), np.uint8)})
    (gen,) = backend.generate([chat], SamplingParams(max_new_tokens=4))
    assert gen.completion_tokens >= 1


def _tiny_specs(levels_by_task):
    specs = []
    for name, level in levels_by_task:
        for modality in ("image", "text"):
            specs.append({"env_id": mmhelix_env.env_id(name, level), "modality": modality, "seed": 5})
            if name in STEP_TASKS:
                specs.append({"env_id": mmhelix_env.env_id(name, level), "modality": modality, "seed": 5,
                              "mode": "step"})
    return specs


def _play(tiny_backend, specs, max_steps=None):
    agent = LLMAgent(tiny_backend, SamplingParams(max_new_tokens=8), max_turns=0)
    kwargs = {"max_steps": max_steps} if max_steps else {}
    results = run_episodes(specs, agent, max_in_flight=32, **kwargs)
    for spec, result in zip(specs, results):
        assert result.env_id == spec["env_id"] and result.mode == spec.get("mode", "answer")
        assert result.terminated or result.truncated
        assert len(result.responses) == result.steps and result.completion_tokens > 0
    return results


def test_tiny_model_plays_every_task_sampled(tiny_backend):
    """Every task in both modalities (answer mode), a rotating level; step mode capped at a few moves."""
    names = sorted(mmhelix_env.TASKS)
    levels = [(name, mmhelix_env.LEVELS[i % 5]) for i, name in enumerate(names)]
    answer = [s for s in _tiny_specs(levels) if "mode" not in s]
    results = _play(tiny_backend, answer)
    assert {r.task for r in results} == set(names)
    step = [s for s in _tiny_specs(levels) if "mode" in s]
    results = _play(tiny_backend, step, max_steps=3)
    assert {r.task for r in results} == set(STEP_TASKS)


@pytest.mark.slow
def test_tiny_model_plays_every_id_both_modes(tiny_backend):
    levels = [(name, level) for name in sorted(mmhelix_env.TASKS) for level in mmhelix_env.LEVELS]
    results = _play(tiny_backend, _tiny_specs(levels))
    assert {r.env_id for r in results} == set(mmhelix_env.ENV_IDS)


def test_backend_with_a_plain_tokenizer_is_text_only(tiny):
    from agents import TransformersBackend

    backend = TransformersBackend(tiny.model, tiny.processor.tokenizer)
    text_chat = observation_to_messages({"prompt": "hello"}, system_prompt="S")
    (gen,) = backend.generate([text_chat], SamplingParams(max_new_tokens=4))
    full = TransformersBackend(tiny.model, tiny.processor).generate([text_chat], SamplingParams(max_new_tokens=4))[0]
    assert gen.text == full.text and gen.prompt_tokens == full.prompt_tokens
    with pytest.raises(ValueError, match="no image processor"):
        backend.generate([observation_to_messages({"prompt": "x", "image": np.zeros((8, 8, 3), np.uint8)})])
