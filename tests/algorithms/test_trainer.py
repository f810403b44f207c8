"""AHPOTrainer (TRL GRPOTrainer subclass) with the tiny random-weight VLM: every algorithm setting runs, the gate
and the loss terms behave as configured, and kill-and-resume reproduces the uninterrupted run."""

from __future__ import annotations

import json
import math
import os
import shutil

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("trl")

from algorithms.ahpo.train import run  # noqa: E402
from tests.algorithms.helpers_ahpo import step_rows, tiny_config  # noqa: E402

torch.set_num_threads(1)
os.environ.setdefault("OMP_NUM_THREADS", "1")


def _params(model):
    return {n: p.detach().clone() for n, p in model.named_parameters()}


@pytest.mark.parametrize("algorithm", ["ahpo", "grpo", "sft", "static_ahpo", "luffy", "hpt"])
def test_two_steps_per_algorithm(tmp_path, algorithm):
    cfg = _config(tmp_path, f"algorithm={algorithm}", "weight_decay=0.0")
    from agents.testing import tiny_vlm

    model, processor, _ = tiny_vlm()
    before = _params(model)
    trainer = run(cfg, model, processor)
    rows = step_rows(tmp_path)
    assert [r["step"] for r in rows] == [1, 2]
    for r in rows:
        assert math.isfinite(r["loss"]) and "tokens_per_s" in r and "step_time" in r and "ahpo/clip_frac" in r
        assert r["reward"] == 0.0  # a random tiny model never verifies: sparse reward, every group is 0/5
    first = rows[0]
    changed = any(not torch.equal(before[n], p.detach()) for n, p in trainer.model.named_parameters())
    if algorithm == "grpo":  # no reward variance and no expert term: no gradient at all
        assert first["ahpo/gate_on"] == 0.0 and first["ahpo/off_loss"] == 0.0 and first["loss"] == 0.0
        assert not changed
    else:  # 0/5 everywhere: the expert term is what trains
        assert first["ahpo/gate_on"] == 1.0 and first["ahpo/off_loss"] != 0.0 and changed
        if algorithm != "luffy":
            assert first["ahpo/expert_nll"] > 0 and first["ahpo/on_loss"] == 0.0
    assert (tmp_path / "final" / "config.json").exists() and (tmp_path / "summary.json").exists()
    # the expert is counted once per prompt group (one carrier row), never once per rollout
    experts = {"grpo": 0, "hpt": 1, "sft": 1}.get(algorithm, 1)
    assert first["ahpo/z_experts"] == experts and first["ahpo/z_prompts"] == 1
    assert first["ahpo/z_rollouts"] == (0 if algorithm in ("sft", "hpt") else 5)


def test_same_seed_same_result_whatever_the_micro_batch_split(tmp_path):
    """Invariants 7 and 8: same seeds give the same gate and loss; the global Z makes the loss and the gradient
    independent of the gradient-accumulation split (10 rollouts as 1 x 10 or 5 x 2)."""
    rows = {}
    for micro in (10, 2):
        run(_config(tmp_path / str(micro), "batch_prompts=2", f"micro_batch_size={micro}", "steps=1"))
        rows[micro] = step_rows(tmp_path / str(micro))[0]
    for key in ("loss", "grad_norm", "ahpo/gate_on", "ahpo/z_rollout_tokens", "ahpo/z_expert_tokens"):
        assert rows[10][key] == pytest.approx(rows[2][key], rel=1e-5), key


@pytest.mark.slow
def test_two_processes(tmp_path):
    """accelerate with 2 CPU processes: rewards gathered, gate decided globally, Z summed over ranks."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--cpu", "--num_processes", "2", "--num_machines", "1",
           "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "algorithms.ahpo",
           "--config", str(root / "examples" / "ahpo_tiny.yaml"), "steps=2", "batch_prompts=2", "save_steps=0",
           f"output_dir={tmp_path}"]
    subprocess.run(cmd, cwd=root, check=True, capture_output=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    first = step_rows(tmp_path)[0]
    assert first["ahpo/z_prompts"] == 2 and first["ahpo/z_rollouts"] == 10 and first["ahpo/z_experts"] == 2
    for row in step_rows(tmp_path):  # the loss parts are reduced over both processes
        assert row["ahpo/on_loss"] + row["ahpo/off_loss"] == pytest.approx(row["loss"], rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("rollout_batch", [[], ["generation_batch_prompts=2"]], ids=["1_step", "2_steps"])
def test_kill_and_resume_gives_the_same_next_step_loss(tmp_path, rollout_batch):
    """Checkpoints on rollout-batch boundaries (one, or two optimiser steps per rollout batch) resume exactly."""
    straight = tmp_path / "straight"
    run(_config(straight, "steps=3", "algorithm=ahpo", "save_steps=2", *rollout_batch))
    # A run killed right after its step-2 checkpoint leaves exactly this directory behind (same seeds, same
    # steps); resume from a copy of it in a fresh output dir.
    killed = tmp_path / "killed"
    killed.mkdir()
    shutil.copytree(straight / "checkpoint-2", killed / "checkpoint-2")
    run(_config(killed, "steps=3", "algorithm=ahpo", "save_steps=2", "resume=auto", *rollout_batch))
    resumed = step_rows(killed)
    reference = [r for r in step_rows(straight) if r["step"] == 3]
    assert [r["step"] for r in resumed] == [3] and len(reference) == 1
    assert resumed[0]["loss"] == pytest.approx(reference[0]["loss"], rel=1e-5, abs=1e-7)
    assert resumed[0]["ahpo/expert_nll"] == pytest.approx(reference[0]["ahpo/expert_nll"], rel=1e-5)
    assert json.loads((killed / "summary.json").read_text())["resumed_from"].endswith("checkpoint-2")


def test_expert_demos_from_a_trace_file(tmp_path):
    """expert_source=dataset: prompts and demos from a SERG-style jsonl; a demo that fails verification is dropped
    (that prompt trains as plain GRPO)."""
    import mmhelix_env
    from algorithms.ahpo.data import format_expert

    rows = []
    for seed in range(2):
        inst = mmhelix_env.make_instance("GraphIsomorphism", 1, seed)
        answer = mmhelix_env.expert_answer(inst)
        wrong = "Yes" if answer == "No" else "No"
        rows.append({"instance": inst.to_dict(), "response": format_expert("", answer if seed == 0 else wrong,
                                                                            "answer")})
    path = tmp_path / "serg.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    run(_config(tmp_path / "out", "steps=2", "expert_source=dataset", f"expert_file={path}", "num_prompts=2"))
    has_expert = [r["ahpo/has_expert"] for r in step_rows(tmp_path / "out")]
    assert sorted(has_expert) == [0.0, 1.0]  # one prompt per step: the verified demo, then the rejected one


def test_expert_longer_than_max_completion_is_dropped_once_per_prompt(tmp_path):
    run(_config(tmp_path, "steps=1", "max_completion_length=3"))  # "\boxed{No}" + EOS is longer than 3 tokens
    first = step_rows(tmp_path)[0]
    assert first["ahpo/experts_too_long"] == 1 and first["ahpo/has_expert"] == 0 and first["ahpo/gate_on"] == 0


@pytest.mark.parametrize("extra", ["peft={r: 4, lora_alpha: 8, target_modules: [q_proj, v_proj]}", "kl_coef=0.05"])
def test_trl_features_still_work(tmp_path, extra):
    """LoRA through peft, and the KL term with TRL's reference-model log-probs."""
    run(_config(tmp_path, extra))
    rows = step_rows(tmp_path)
    assert len(rows) == 2 and all(math.isfinite(r["loss"]) for r in rows)
    if extra.startswith("peft"):
        assert (tmp_path / "final" / "adapter_model.safetensors").exists()
    else:
        assert "ahpo/kl" in rows[0] and rows[0]["ahpo/kl"] == pytest.approx(0.0, abs=1e-6)  # step 1: pi = pi_ref
        assert rows[1]["ahpo/kl"] > 0


def _config(tmp_path, *overrides):
    return tiny_config(tmp_path, *overrides, steps=2)
