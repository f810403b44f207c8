"""Run configuration: YAML file + ``key=value`` overrides -> :class:`TrainConfig` (no torch import here)."""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml


@dataclass
class TrainConfig:
    # model
    model: str = "tiny"  # a local path / hub id, or "tiny" for the random-weight test VLM (agents.testing)
    torch_dtype: str = "auto"  # auto | float32 | bfloat16 | float16
    attn_implementation: str | None = None
    # data
    tasks: list[str] = field(default_factory=lambda: ["GraphIsomorphism"])
    levels: list[Any] = field(default_factory=lambda: [1])
    weights: list[float] | None = None
    num_prompts: int = 256  # size of the seeded prompt set (cycled over epochs)
    modality: str = "image"
    image_size: int = 512
    expert_source: str = "rule_trace"  # rule_trace | dataset | none
    expert_style: str = "boxed"  # boxed | 100k | answer
    expert_file: str | None = None  # jsonl (SERG output or 100K-like records)
    partial_credit: bool = False  # reward = verifier score instead of 0/1 (gate still counts correct only)
    # algorithm and loss (see algorithms.ahpo.loss.LossConfig)
    algorithm: str = "ahpo"
    group_size: int = 5
    success_threshold: int | None = 2
    success_threshold_rate: float | None = None
    gate_granularity: str = "group"
    static_xi: float = 1.0
    clip_eps: float = 0.2
    clip_eps_high: float | None = None
    norm: str = "token_total"
    adv_std: str = "unbiased"
    kl_coef: float = 0.0
    luffy_gamma: float = 0.1
    hpt_gamma: float = 0.0
    # optimisation
    steps: int = 200
    learning_rate: float = 1e-6
    lr_scheduler: str = "constant"
    warmup_ratio: float = 0.0
    weight_decay: float = 0.01
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    max_grad_norm: float = 1.0
    batch_prompts: int = 128  # prompts per optimiser step (all ranks)
    generation_batch_prompts: int | None = None  # prompts per rollout batch (default = batch_prompts)
    micro_batch_size: int | None = None  # completions per device per forward (default: one optimiser batch)
    num_iterations: int = 1  # PPO epochs over a rollout batch
    seed: int = 0
    # rollouts
    max_prompt_length: int | None = 4096
    max_completion_length: int = 8192
    temperature: float = 1.0
    top_p: float = 1.0
    use_vllm: bool = False
    vllm_mode: str = "colocate"
    vllm_gpu_memory_utilization: float = 0.5
    # hardware / parallelism
    use_cpu: bool = False
    bf16: bool = False
    gradient_checkpointing: bool = False
    deepspeed: str | None = None  # a DeepSpeed JSON config (or use `accelerate launch --config_file ...`)
    peft: dict | None = None  # LoRA: {r, lora_alpha, lora_dropout, target_modules}
    # output, logging, checkpoints
    output_dir: str = "runs/ahpo"
    logging_steps: int = 1
    tensorboard: str = "auto"  # auto (if installed) | true | false
    wandb: bool = False
    wandb_project: str | None = None
    # 0: save only at the end. Must be a multiple of the optimiser steps per rollout batch
    # (generation_batch_prompts / batch_prompts * num_iterations): TRL does not checkpoint the rollouts of a batch in
    # progress, so only rollout-batch boundaries resume exactly (checked when the trainer is built and on resume).
    save_steps: int = 0
    save_total_limit: int | None = 3
    resume: str | None = None  # a checkpoint dir, or "auto" for the newest under output_dir
    log_completions: bool = False
    trl: dict = field(default_factory=dict)  # extra trl.GRPOConfig arguments, passed through

    def loss_dict(self) -> dict:
        keys = ("algorithm", "group_size", "success_threshold", "success_threshold_rate", "gate_granularity",
                "static_xi", "clip_eps", "clip_eps_high", "norm", "adv_std", "kl_coef", "luffy_gamma", "hpt_gamma")
        out = {k: getattr(self, k) for k in keys}
        out["max_response_length"] = self.max_completion_length
        return out

    def to_dict(self) -> dict:
        return asdict(self)


def parse_value(text: str) -> Any:
    value = yaml.safe_load(text) if text != "" else ""
    return _number(value) if isinstance(value, str) else value


def _number(value: str) -> Any:
    """YAML 1.1 reads ``1e-3`` as a string; numbers written that way are meant as numbers."""
    try:
        return float(value) if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+", value.strip()) else value
    except ValueError:
        return value


def apply_overrides(values: dict, overrides: list[str]) -> dict:
    """``key=value`` (YAML-parsed value; ``a.b=value`` sets a nested key)."""
    values = dict(values)
    for item in overrides:
        if "=" not in item:
            raise ValueError(f"override {item!r} is not key=value")
        key, raw = item.split("=", 1)
        parts = key.strip().split(".")
        target = values
        for part in parts[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise ValueError(f"{key}: {part} is not a mapping")
        target[parts[-1]] = parse_value(raw)
    return values


def load_config(path: str | os.PathLike | None, overrides: list[str] | None = None) -> TrainConfig:
    values: dict = {}
    if path is not None:
        values = yaml.safe_load(Path(path).read_text()) or {}
        if not isinstance(values, dict):
            raise ValueError(f"{path}: the config must be a mapping")
    file_has_count = "success_threshold" in values
    values = apply_overrides(values, overrides or [])
    overridden = {item.split("=", 1)[0].strip() for item in overrides or []}
    if "success_threshold_rate" in overridden and "success_threshold" not in overridden and file_has_count:
        values.pop("success_threshold")  # the rate form given last replaces the file's count form
    names = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ValueError(f"unknown config keys {unknown}; known: {sorted(names)}")
    if values.get("success_threshold_rate") is not None and "success_threshold" not in values:
        values["success_threshold"] = None
    values = {k: _number(v) if isinstance(v, str) else v for k, v in values.items()}
    for key in ("tasks", "levels"):
        if isinstance(values.get(key), (str, int)):
            values[key] = [values[key]]
    return TrainConfig(**values)
