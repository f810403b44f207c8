"""Training data (prompts + images + expert demos from env instances), config parsing and the CLI smoke run."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import mmhelix_env
from algorithms.ahpo.config import TrainConfig, apply_overrides, load_config
from algorithms.ahpo.data import TaskMix, build_dataset, format_expert, rule_expert, training_prompt

ROOT = Path(__file__).resolve().parents[2]


def test_task_mix_is_seeded_and_covers_pairs():
    mix = TaskMix(["Maze", "GraphIsomorphism"], [1, "medium"])
    assert mix.pairs == [("Maze", 1), ("Maze", 3), ("GraphIsomorphism", 1), ("GraphIsomorphism", 3)]
    draw = mix.draw(40, seed=3)
    assert draw == mix.draw(40, seed=3) and draw != mix.draw(40, seed=4)
    assert {(t, lv) for t, lv, _ in draw} == set(mix.pairs)
    weighted = TaskMix(["Maze", "GraphIsomorphism"], [1], weights=[1.0, 0.0]).draw(10, 0)
    assert {t for t, _, _ in weighted} == {"Maze"}
    with pytest.raises(ValueError):
        TaskMix(["NoSuchTask"])


@pytest.mark.parametrize("style", ["boxed", "100k", "answer"])
def test_rule_expert_styles_verify(style):
    for task in ("Sudoku", "Maze", "EulerianPath", "Hanoi"):
        inst = mmhelix_env.make_instance(task, 2, 5)
        demo = rule_expert(inst, style)
        assert demo is not None and mmhelix_env.verify(inst, demo).correct
        if style != "answer":
            assert demo.startswith("<think>\n") and "\n</think>\n" in demo
    inst = mmhelix_env.make_instance("Maze", 1, 0)
    assert not mmhelix_env.verify(inst, format_expert("x", "up up up up up up", "boxed")).correct


def test_dataset_rows_are_lazy_env_instances():
    ds = build_dataset(TaskMix(["Maze", "GraphIsomorphism"], [1]), num_prompts=6, seed=1, image_size=64)
    assert len(ds) == 6
    row = ds[2]
    inst = mmhelix_env.Instance.from_dict(json.loads(row["instance"]))
    assert row["image"].size == (64, 64) and row["task"] == inst.task
    assert row["prompt"][0]["content"][0] == {"type": "image"}
    assert row["prompt"][0]["content"][1]["text"] == training_prompt(inst)
    assert mmhelix_env.verify(inst, row["expert"]).correct
    assert ds[2]["instance"] == row["instance"]  # same row, same instance
    text = build_dataset(TaskMix(["Maze"], [1]), 2, 0, modality="text", expert_source="none")[0]
    assert "image" not in text and text["expert"] == "" and isinstance(text["prompt"][0]["content"], str)


def test_dataset_from_expert_file_verifies_demos(tmp_path):
    inst = mmhelix_env.make_instance("GraphIsomorphism", 1, 0)
    good = rule_expert(inst)
    path = tmp_path / "experts.jsonl"
    rows = [{"instance": inst.to_dict(), "response": good},
            {"task": "Maze", "level": 1, "seed": 0, "response": "<think>guess</think>\\boxed{up}"}]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    ds = build_dataset(expert_file=path, expert_source="dataset", image_size=56)
    assert [r["expert"] for r in ds] == [good, ""]  # the wrong demo is dropped (plain GRPO for that prompt)
    with pytest.raises(ValueError):
        build_dataset(TaskMix(["Maze"]), expert_source="dataset")


def test_config_overrides_and_validation(tmp_path):
    cfg = load_config(ROOT / "examples" / "ahpo_tiny.yaml", ["steps=2", "learning_rate=1e-4", "tasks=Maze",
                                                             "success_threshold_rate=0.4", "peft.r=8"])
    assert cfg.steps == 2 and cfg.learning_rate == 1e-4 and cfg.tasks == ["Maze"]
    assert cfg.success_threshold is None and cfg.peft == {"r": 8}
    with pytest.raises(ValueError):
        load_config(None, ["no_such_key=1"])
    with pytest.raises(ValueError):
        apply_overrides({}, ["novalue"])
    assert TrainConfig().loss_dict()["max_response_length"] == 8192


def test_batch_layout():
    pytest.importorskip("torch")
    from algorithms.ahpo.train import batch_layout

    paper = load_config(ROOT / "examples" / "ahpo_qwen25vl_7b.yaml")
    assert batch_layout(paper, 8) == {"per_device_train_batch_size": 4, "gradient_accumulation_steps": 10,
                                      "steps_per_generation": 20}
    assert batch_layout(load_config(None, ["batch_prompts=2"]), 1)["per_device_train_batch_size"] == 10
    with pytest.raises(ValueError):
        batch_layout(load_config(None, ["batch_prompts=2", "micro_batch_size=3"]), 1)


def test_cli_smoke_with_tiny_example(tmp_path, capsys):
    pytest.importorskip("trl")
    import torch

    torch.set_num_threads(1)
    from algorithms.ahpo.__main__ import main

    started = time.perf_counter()
    assert main(["--config", str(ROOT / "examples" / "ahpo_tiny.yaml"), "steps=2", f"output_dir={tmp_path}",
                 "save_steps=0", "num_prompts=4"]) == 0
    wall = time.perf_counter() - started
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    steps = [r for r in rows if "loss" in r]
    assert [r["step"] for r in steps] == [1, 2]
    for key in ("reward", "ahpo/gate_on", "ahpo/on_loss", "ahpo/off_loss", "ahpo/clip_frac", "tokens_per_s",
                "step_time"):
        assert key in steps[0], key
    assert (tmp_path / "config.yaml").exists() and (tmp_path / "final").is_dir()
    assert "done: 2 steps" in capsys.readouterr().out
    assert wall < 120
