"""Shared setup of the AHPO trainer tests: a tiny CPU config and the logged step metrics."""

from __future__ import annotations

import json

from algorithms.ahpo.config import load_config


def tiny_config(tmp_path, *overrides, steps: int = 2):
    base = ["use_cpu=true", f"steps={steps}", "batch_prompts=1", "group_size=5", "max_completion_length=8",
            "image_size=56", "expert_style=answer", "learning_rate=1e-3", "num_prompts=4", "tensorboard=false",
            "tasks=[GraphIsomorphism]", f"output_dir={tmp_path}"]
    return load_config(None, base + list(overrides))


def step_rows(path) -> list[dict]:
    with open(path / "metrics.jsonl") as lines:
        return [r for r in map(json.loads, lines) if "loss" in r]
