"""Build an ``AHPOTrainer`` from a :class:`~algorithms.ahpo.config.TrainConfig` and run it."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import time
from pathlib import Path
from typing import Any

import yaml

from .config import TrainConfig

log = logging.getLogger("algorithms.ahpo")


def load_model(cfg: TrainConfig):
    """(model, processor) for ``cfg.model``: the tiny test VLM, or a local/hub checkpoint."""
    import torch

    if cfg.model == "tiny":
        from agents.testing import tiny_vlm

        model, processor, _ = tiny_vlm(seed=cfg.seed)
        return model, processor
    from transformers import AutoModelForCausalLM, AutoModelForImageTextToText, AutoProcessor

    if importlib.util.find_spec("torchvision") is None:  # CPU machines: Qwen-VL processors need the image-only one
        from agents.hf_compat import register_image_only_processors

        register_image_only_processors()
    dtype = {"auto": "auto", "float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    kwargs: dict[str, Any] = {"dtype": dtype[cfg.torch_dtype]}
    if cfg.attn_implementation:
        kwargs["attn_implementation"] = cfg.attn_implementation
    try:
        model = AutoModelForImageTextToText.from_pretrained(cfg.model, **kwargs)
    except ValueError:
        if cfg.modality == "image":
            raise
        model = AutoModelForCausalLM.from_pretrained(cfg.model, **kwargs)
    processor = AutoProcessor.from_pretrained(cfg.model)
    return model, processor


def batch_layout(cfg: TrainConfig, world_size: int) -> dict[str, int]:
    """TRL batch arguments from prompt counts: per-device micro-batch, accumulation and steps per generation."""
    rollouts = cfg.batch_prompts * cfg.group_size
    micro = cfg.micro_batch_size or max(rollouts // world_size, 1)
    if rollouts % (micro * world_size):
        raise ValueError(f"batch_prompts * group_size = {rollouts} must be a multiple of micro_batch_size * "
                         f"world_size = {micro * world_size}")
    accumulation = rollouts // (micro * world_size)
    generation = cfg.generation_batch_prompts or cfg.batch_prompts
    if generation % cfg.batch_prompts:
        raise ValueError("generation_batch_prompts must be a multiple of batch_prompts")
    return {"per_device_train_batch_size": micro, "gradient_accumulation_steps": accumulation,
            "steps_per_generation": accumulation * generation // cfg.batch_prompts}


def steps_per_rollout_batch(cfg: TrainConfig, layout: dict[str, int]) -> int:
    """Optimiser steps trained on one rollout (generation) batch, over all its PPO epochs."""
    return layout["steps_per_generation"] * cfg.num_iterations // layout["gradient_accumulation_steps"]


def check_resume_points(cfg: TrainConfig, layout: dict[str, int], resume: str | None = None) -> None:
    """Checkpoints must fall on rollout-batch boundaries: TRL keeps the rollouts of the current generation batch in
    memory only, so a run resumed inside one would regenerate them and no longer match the uninterrupted run."""
    period = steps_per_rollout_batch(cfg, layout)
    if cfg.save_steps > 0 and cfg.save_steps % period:
        raise ValueError(f"save_steps ({cfg.save_steps}) must be a multiple of the optimiser steps per rollout batch "
                         f"({period} = generation_batch_prompts / batch_prompts * num_iterations), so that every "
                         "checkpoint can be resumed exactly")
    step = re.fullmatch(r"checkpoint-(\d+)", Path(resume).name) if resume else None
    if step and int(step.group(1)) % period:
        raise ValueError(f"{resume} lies inside a rollout batch ({period} optimiser steps each); resuming there "
                         "is not exact")


def report_targets(cfg: TrainConfig) -> list[str]:
    targets = []
    tensorboard = str(cfg.tensorboard).lower()
    if tensorboard == "true" or (tensorboard == "auto" and importlib.util.find_spec("tensorboard") is not None):
        targets.append("tensorboard")
    if cfg.wandb:
        targets.append("wandb")
        if cfg.wandb_project:
            os.environ.setdefault("WANDB_PROJECT", cfg.wandb_project)
    return targets


def latest_checkpoint(output_dir: str | os.PathLike) -> str | None:
    found = [p for p in Path(output_dir).glob("checkpoint-*") if re.fullmatch(r"checkpoint-\d+", p.name)]
    return str(max(found, key=lambda p: int(p.name.split("-")[1]))) if found else None


def make_jsonl_callback(path: str | os.PathLike):
    from transformers import TrainerCallback

    class JsonlLogger(TrainerCallback):
        """One JSON line per logging event (every step with logging_steps=1)."""

        def __init__(self):
            self.path = Path(path)
            self.path.parent.mkdir(parents=True, exist_ok=True)

        def on_log(self, args, state, control, logs=None, **kwargs):
            if state.is_world_process_zero and logs:
                row = {"step": state.global_step, "time": time.time(), **logs}
                with self.path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(row, default=float) + "\n")

    return JsonlLogger()


def build_trainer(cfg: TrainConfig, model=None, processor=None, callbacks: list | None = None):
    from trl import GRPOConfig

    from .data import TaskMix, build_dataset
    from .loss import LossConfig
    from .trainer import AHPOTrainer, verifier_reward, verifier_score

    loss_config = LossConfig.from_dict(cfg.loss_dict())
    if model is None:
        model, processor = load_model(cfg)
    if cfg.kl_coef and not cfg.peft and not getattr(model.config, "_name_or_path", ""):
        # TRL loads the KL reference model from the policy's config path; an in-memory model (the tiny one) has
        # none, so save the initial weights for it.
        reference = Path(cfg.output_dir) / "reference_init"
        model.save_pretrained(str(reference))
        model.config._name_or_path = str(reference)
    tokenizer = getattr(processor, "tokenizer", processor)
    tokenizer.padding_side = "left"
    mix = TaskMix(cfg.tasks, cfg.levels, cfg.weights)
    dataset = build_dataset(mix, cfg.num_prompts, cfg.seed, modality=cfg.modality, image_size=cfg.image_size,
                            expert_source=cfg.expert_source, expert_style=cfg.expert_style,
                            expert_file=cfg.expert_file)
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    layout = batch_layout(cfg, world_size)
    check_resume_points(cfg, layout)
    if cfg.expert_file and cfg.expert_source != "dataset":
        log.warning("expert_file=%s: its demos are used only with expert_source=dataset (now %r); the file "
                    "supplies the prompts only", cfg.expert_file, cfg.expert_source)
    reward_funcs = [verifier_reward]
    reward_weights = [1.0]
    if cfg.partial_credit:  # train on the score; the 0-weight binary column still decides the gate
        reward_funcs, reward_weights = [verifier_score, verifier_reward], [1.0, 0.0]
    save = cfg.save_steps > 0
    args = GRPOConfig(
        output_dir=cfg.output_dir, max_steps=cfg.steps, learning_rate=cfg.learning_rate,
        lr_scheduler_type=cfg.lr_scheduler, warmup_steps=cfg.warmup_ratio, weight_decay=cfg.weight_decay,
        adam_beta1=cfg.adam_beta1, adam_beta2=cfg.adam_beta2, max_grad_norm=cfg.max_grad_norm,
        num_generations=cfg.group_size, max_completion_length=cfg.max_completion_length,
        temperature=cfg.temperature, top_p=cfg.top_p, beta=cfg.kl_coef, epsilon=cfg.clip_eps,
        epsilon_high=cfg.clip_eps_high if cfg.clip_eps_high is not None else cfg.clip_eps,
        num_iterations=cfg.num_iterations,  # loss_type / scale_rewards stay at their defaults (AHPOTrainer checks)
        mask_truncated_completions=False, reward_weights=reward_weights,
        use_cpu=cfg.use_cpu, bf16=cfg.bf16, seed=cfg.seed, data_seed=cfg.seed,
        logging_steps=cfg.logging_steps, report_to=report_targets(cfg) or "none",
        save_strategy="steps" if save else "no", save_steps=cfg.save_steps if save else 500,
        save_total_limit=cfg.save_total_limit, remove_unused_columns=False,
        use_vllm=cfg.use_vllm, vllm_mode=cfg.vllm_mode, vllm_gpu_memory_utilization=cfg.vllm_gpu_memory_utilization,
        deepspeed=cfg.deepspeed,
        log_completions=cfg.log_completions, **layout,
        **({"gradient_checkpointing": True} if cfg.gradient_checkpointing else {}), **cfg.trl,
    )
    peft_config = None
    if cfg.peft:
        from peft import LoraConfig

        peft_config = LoraConfig(**{"task_type": "CAUSAL_LM", **cfg.peft})
    trainer = AHPOTrainer(
        model=model, processing_class=processor, reward_funcs=reward_funcs, args=args, train_dataset=dataset,
        peft_config=peft_config, loss_config=loss_config,
        callbacks=[make_jsonl_callback(Path(cfg.output_dir) / "metrics.jsonl"), *(callbacks or [])],
    )
    if cfg.max_prompt_length:
        trainer.max_prompt_length = cfg.max_prompt_length
    return trainer


def run(cfg: TrainConfig, model=None, processor=None, callbacks: list | None = None):
    """Train; returns the trainer. Writes ``config.yaml``, ``metrics.jsonl``, checkpoints and ``final/``."""
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.yaml").write_text(yaml.safe_dump(cfg.to_dict(), sort_keys=False))
    resume = cfg.resume
    if resume == "auto":
        resume = latest_checkpoint(out)
    if resume:
        check_resume_points(cfg, batch_layout(cfg, int(os.environ.get("WORLD_SIZE", "1"))), resume)
    trainer = build_trainer(cfg, model, processor, callbacks)
    started = time.perf_counter()
    trainer.train(resume_from_checkpoint=resume)
    trainer.save_model(str(out / "final"))
    if trainer.accelerator.is_main_process:
        trainer.processing_class.save_pretrained(str(out / "final"))
        summary = {"steps": trainer.state.global_step, "wall_s": time.perf_counter() - started,
                   "experts_dropped_too_long": trainer.experts_dropped, "resumed_from": resume}
        (out / "summary.json").write_text(json.dumps(summary, indent=2))
    return trainer
