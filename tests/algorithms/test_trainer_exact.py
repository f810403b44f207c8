"""AHPOTrainer exactness: the expert NLL at temperature 1 whatever the sampling temperature, logged loss parts that
add up to the logged loss under gradient accumulation, the exact per-optimiser-step normaliser Z, refused TRL
options, and checkpoints only on rollout-batch boundaries."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import types

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("trl")

import algorithms.ahpo.trainer as trainer_module  # noqa: E402
from algorithms.ahpo.train import build_trainer, check_resume_points, run  # noqa: E402
from algorithms.ahpo.trainer import AHPOTrainer  # noqa: E402
from tests.algorithms.helpers_ahpo import step_rows, tiny_config  # noqa: E402

torch.set_num_threads(1)
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture
def capture_loss_calls(monkeypatch):
    """Record (inputs, trainer, model) of every AHPO loss call; ``hook`` may inspect them before the loss runs."""
    calls = []
    original = AHPOTrainer._compute_loss

    def spy(self, model, inputs):
        calls.append((dict(inputs), self, model))
        return original(self, model, inputs)

    monkeypatch.setattr(AHPOTrainer, "_compute_loss", spy)
    return calls


def _row_logps(model, inputs, row: int, tokens: torch.Tensor, temperature: float) -> torch.Tensor:
    """log softmax(logits / T) of ``tokens`` after the unpadded prompt of ``row``: a plain, unfused forward."""
    prompt = inputs["prompt_ids"][row][inputs["prompt_mask"][row].bool()]
    num_images = inputs["num_images"]
    grid = inputs["image_grid_thw"]
    first = sum(num_images[:row])
    patches = grid.prod(-1)
    start = int(patches[:first].sum())
    stop = start + int(patches[first: first + num_images[row]].sum())
    ids = torch.cat([prompt, tokens])[None]
    kwargs = {"pixel_values": inputs["pixel_values"][start:stop],
              "image_grid_thw": grid[first: first + num_images[row]]}
    if inputs.get("mm_token_type_ids") is not None:
        types_ = inputs["mm_token_type_ids"][row][: inputs["prompt_ids"].size(1)][inputs["prompt_mask"][row].bool()]
        kwargs["mm_token_type_ids"] = torch.nn.functional.pad(types_, (0, len(tokens)))[None]
    logits = model(input_ids=ids, attention_mask=torch.ones_like(ids), **kwargs).logits.float()
    logps = torch.log_softmax(logits[0, len(prompt) - 1: -1] / temperature, -1)
    return logps.gather(-1, tokens[:, None])[:, 0]


def test_expert_nll_is_at_temperature_one_and_rollouts_at_the_sampling_temperature(tmp_path, capture_loss_calls):
    run(_config(tmp_path, "temperature=0.5"))
    inputs, trainer, model = capture_loss_calls[0]
    rows = torch.nonzero(inputs["expert_gate"] > 0).flatten()
    assert rows.numel() == 1  # the random model fails every rollout: the gate is on for the prompt
    with torch.no_grad():
        logps, _, expert_logps, expert_mask, _ = trainer._forward_with_experts(model, inputs, rows)
        row = int(rows[0])
        expert = inputs["expert_ids"][row][inputs["expert_mask"][row].bool()]
        want_expert = _row_logps(model, inputs, row, expert, 1.0)
        assert expert_logps[0][expert_mask[0].bool()] == pytest.approx(want_expert.tolist(), abs=1e-4)
        scaled = _row_logps(model, inputs, row, expert, 0.5)
        assert not torch.allclose(scaled, want_expert, atol=1e-3)  # the temperature matters for this check
        completion = inputs["completion_ids"][0][inputs["completion_mask"][0].bool()]
        want_rollout = _row_logps(model, inputs, 0, completion, 0.5)
        assert logps[0][inputs["completion_mask"][0].bool()] == pytest.approx(want_rollout.tolist(), abs=1e-4)


def _fake_verdict(instance_json, text):
    """Deterministic mixed rewards without a trained model: about half of the completions count as correct."""
    correct = int(hashlib.md5(text.encode()).hexdigest(), 16) % 2 == 0
    return types.SimpleNamespace(correct=correct, score=float(correct), reason="", parsed=None)


def test_loss_parts_add_up_to_the_logged_loss_under_gradient_accumulation(tmp_path, monkeypatch):
    monkeypatch.setattr(trainer_module, "_verdict", _fake_verdict)
    # 10 rollouts per optimiser step in 5 micro-batches of 2; the KL term is part of on_loss.
    run(_config(tmp_path, "batch_prompts=2", "micro_batch_size=2", "steps=2", "kl_coef=0.05"))
    rows = step_rows(tmp_path)
    assert len(rows) == 2
    for r in rows:
        assert r["ahpo/on_loss"] + r["ahpo/off_loss"] == pytest.approx(r["loss"], rel=1e-5, abs=1e-7)
    assert any(r["ahpo/off_loss"] != 0.0 for r in rows)


def _counts(inputs) -> list[float]:
    """Rollout tokens, active expert tokens, rollouts and active experts of one micro-batch."""
    active = inputs["rollout_active"] > 0
    gated = inputs["expert_gate"] > 0
    rollout_tokens = (inputs["completion_mask"].sum(1) * active).sum()
    expert_tokens = (inputs["expert_mask"].sum(1) * gated).sum()
    return [float(rollout_tokens), float(expert_tokens), float(active.sum()), float(gated.sum())]


def test_normaliser_is_the_exact_token_count_of_each_optimiser_step(tmp_path, capture_loss_calls):
    # 4 prompts per rollout batch, 2 per optimiser step (2 steps per rollout batch), 2 micro-batches per step
    run(_config(tmp_path, "batch_prompts=2", "generation_batch_prompts=4", "micro_batch_size=5", "steps=2"))
    assert len(capture_loss_calls) == 4
    keys = ("rollout_tokens", "expert_tokens", "rollouts", "experts")
    logged = step_rows(tmp_path)
    for step, window in enumerate((capture_loss_calls[:2], capture_loss_calls[2:])):
        exact = [sum(values) for values in zip(*(_counts(inputs) for inputs, _, _ in window))]
        for inputs, _, _ in window:
            assert [float(inputs[f"ahpo_{key}"]) for key in keys] == exact
        assert [logged[step][f"ahpo/z_{key}"] for key in keys] == exact


@pytest.mark.parametrize("option", ["delta: 2.0", "top_entropy_quantile: 0.5", "importance_sampling_level: sequence",
                                    "entropy_coef: 0.01", "loss_type: grpo", "scale_rewards: batch",
                                    "off_policy_mask_threshold: 0.5"])
def test_unsupported_trl_options_are_refused(tmp_path, option):
    with pytest.raises(ValueError, match=option.split(":")[0]):
        build_trainer(_config(tmp_path, f"trl={{{option}}}"))


def test_trl_options_at_their_defaults_are_accepted(tmp_path):
    trainer = build_trainer(_config(tmp_path, "trl={delta: null, loss_type: dapo, top_entropy_quantile: 1.0}"))
    assert trainer.args.loss_type == "dapo"


def test_checkpoints_must_fall_on_rollout_batch_boundaries(tmp_path):
    two_steps_per_rollout = ["batch_prompts=1", "generation_batch_prompts=2"]
    with pytest.raises(ValueError, match="save_steps"):
        build_trainer(_config(tmp_path, *two_steps_per_rollout, "save_steps=1"))
    cfg = _config(tmp_path, *two_steps_per_rollout, "save_steps=2")
    layout = {"per_device_train_batch_size": 5, "gradient_accumulation_steps": 1, "steps_per_generation": 2}
    check_resume_points(cfg, layout, str(tmp_path / "checkpoint-4"))
    with pytest.raises(ValueError, match="inside a rollout batch"):
        check_resume_points(cfg, layout, str(tmp_path / "checkpoint-3"))


def test_expert_file_without_dataset_source_warns(tmp_path, caplog):
    import mmhelix_env

    inst = mmhelix_env.make_instance("GraphIsomorphism", 1, 0)
    path = tmp_path / "demos.jsonl"
    path.write_text(json.dumps({"instance": inst.to_dict(), "response": "\\boxed{Yes}"}) + "\n")
    with caplog.at_level(logging.WARNING, logger="algorithms.ahpo"):
        build_trainer(_config(tmp_path, f"expert_file={path}", "expert_source=rule_trace"))
    assert "expert_source=dataset" in caplog.text


def _config(tmp_path, *overrides):
    return tiny_config(tmp_path, *overrides, steps=1)
