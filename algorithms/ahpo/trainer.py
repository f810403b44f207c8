"""``AHPOTrainer``: TRL's ``GRPOTrainer`` (trl==1.16.0) with the AHPO loss of :mod:`algorithms.ahpo.loss`.

Everything TRL gives stays available (vLLM generation, accelerate / DeepSpeed / FSDP, peft LoRA, reference-model
KL): the subclass only changes what happens after the rollouts are scored and the loss.

1. ``_calculate_rewards`` keeps the rewards gathered across ranks (binary verifier reward by default).
2. ``_generate_and_score_completions`` recomputes the group advantages (Eq. 3, spec defaults), decides the gate per
   prompt group (Eq. 6) on the *global* batch, then slices the local rows. Each group's expert demo rides on one
   carrier row (its first rollout), so the NLL is counted once per prompt however rows are shuffled or split.
   The global counts that fix the normaliser Z travel with the batch as 0-dim tensors.
3. ``_compute_loss`` runs one forward over the rollouts plus the carrier rows' ``prompt + expert`` sequences (same
   pixel values and image grid as their prompt), and applies :func:`~algorithms.ahpo.loss.ahpo_loss`.

These are private TRL methods, which is why trl is pinned.
"""

from __future__ import annotations

import time
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

import torch
from trl import GRPOTrainer

import mmhelix_env
from mmhelix_env import Instance

from .loss import LossConfig, NormStats, ahpo_loss, plan_groups

_STAT_KEYS = ("rollout_tokens", "expert_tokens", "rollouts", "experts", "prompts")


def _completion_text(completion: Any) -> str:
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion:  # conversational: [{"role": "assistant", "content": ...}]
        content = completion[-1].get("content", "")
        if isinstance(content, list):
            return "".join(part.get("text", "") for part in content if isinstance(part, dict))
        return str(content)
    return ""


_VERDICT_CACHE: dict[tuple[str, str], Any] = {}


def _verdict(instance_json: str, text: str):
    key = (instance_json, text)
    verdict = _VERDICT_CACHE.get(key)
    if verdict is None:
        if len(_VERDICT_CACHE) > 4096:
            _VERDICT_CACHE.clear()
        import json

        verdict = mmhelix_env.verify(Instance.from_dict(json.loads(instance_json)), text)
        _VERDICT_CACHE[key] = verdict
    return verdict


def verifier_reward(completions, instance, **kwargs) -> list[float]:
    """Reward 1.0 when the task verifier accepts the extracted final answer, else 0.0 (MM-HELIX, binary)."""
    return [1.0 if _verdict(inst, _completion_text(c)).correct else 0.0 for c, inst in zip(completions, instance)]


def verifier_score(completions, instance, **kwargs) -> list[float]:
    """The verifier's partial-credit score in [0, 1] (diagnostic reward; the gate still counts only correct)."""
    return [float(_verdict(inst, _completion_text(c)).score) for c, inst in zip(completions, instance)]


class AHPOTrainer(GRPOTrainer):
    """GRPOTrainer whose loss is AHPO (or one of its baselines, ``loss_config.algorithm``).

    Dataset rows need ``prompt`` (+ ``image``/``images``), ``instance`` (JSON, read by the reward functions) and
    ``expert`` (demo text, "" for none). The reward functions must include :func:`verifier_reward`; its column
    decides correctness for the gate.
    """

    def __init__(self, *args, loss_config: LossConfig, **kwargs):
        super().__init__(*args, **kwargs)
        if self.num_generations != loss_config.group_size:
            raise ValueError(f"num_generations ({self.num_generations}) must equal group_size "
                             f"({loss_config.group_size})")
        names = list(self.reward_func_names)
        if "verifier_reward" not in names:
            raise ValueError("reward_funcs must include algorithms.ahpo.trainer.verifier_reward")
        self.loss_config = loss_config
        self._correct_column = names.index("verifier_reward")
        self._last_rewards: torch.Tensor | None = None
        self._throughput = {"tokens": 0.0, "seconds": 0.0}
        self.experts_dropped = 0
        self._warned_prompt = False
        self.max_prompt_length: int | None = None  # trl 1.16 has no prompt truncation; longer prompts are reported

    # ----- scoring and gate -------------------------------------------------------------------------------------

    def _calculate_rewards(self, inputs, prompts, completions, completion_ids_list):
        rewards = super()._calculate_rewards(inputs, prompts, completions, completion_ids_list)
        self._last_rewards = rewards  # gathered across ranks: (global rows, n_funcs)
        return rewards

    def _expert_token_ids(self, texts: list[str]) -> list[list[int] | None]:
        """Token ids of each demo (+ EOS), or None when there is none or it exceeds max_completion_length."""
        tok = self._tokenizer
        eos = tok.eos_token_id
        cache: dict[str, list[int] | None] = {}
        out = []
        for text in texts:
            if text not in cache:
                if not text:
                    cache[text] = None
                else:
                    ids = tok(text, add_special_tokens=False)["input_ids"] + [eos]
                    cache[text] = ids if len(ids) <= self.max_completion_length else None
            out.append(cache[text])
        return out

    def _generate_and_score_completions(self, inputs):
        output = super()._generate_and_score_completions(inputs)
        cfg = self.loss_config
        device = self.accelerator.device
        mode = "train" if self.model.training else "eval"
        group = self.num_generations if mode == "train" else self.num_generations_eval
        if group != cfg.group_size:  # eval with another group size: plain advantages, no expert term
            return output
        local = len(inputs)
        start = self.accelerator.process_index * local
        rewards_per_func = self._last_rewards
        weights = self.reward_weights.to(rewards_per_func.device)
        rewards = torch.nan_to_num(rewards_per_func * weights[None, :], nan=0.0).sum(dim=1)
        correct = torch.nan_to_num(rewards_per_func[:, self._correct_column], nan=0.0) >= 1.0

        texts = [x.get("expert") or "" for x in inputs]
        expert_ids = self._expert_token_ids(texts)
        has_local = torch.tensor([ids is not None for ids in expert_ids], device=device)
        has_global = self.accelerator.gather(has_local).bool()
        plan = plan_groups(rewards.to(device), correct.to(device), has_global.view(-1, group)[:, 0], cfg)

        rows = torch.arange(start, start + local, device=device)
        carrier = (rows % group == 0).float()
        group_of_row = rows // group
        dropped = sum(1 for t, ids, c in zip(texts, expert_ids, carrier.tolist()) if c and t and ids is None)
        expert_gate = plan.gate[group_of_row] * carrier
        width = max([len(ids) for ids, g in zip(expert_ids, expert_gate.tolist()) if ids and g > 0] or [1])
        pad = self._tokenizer.pad_token_id
        ids_tensor = torch.full((local, width), pad, dtype=torch.long, device=device)
        mask_tensor = torch.zeros((local, width), dtype=torch.long, device=device)
        for i, (ids, g) in enumerate(zip(expert_ids, expert_gate.tolist())):
            if ids is not None and g > 0:
                ids_tensor[i, : len(ids)] = torch.tensor(ids, device=device)
                mask_tensor[i, : len(ids)] = 1
        rollout_active = plan.rollout_active[start: start + local]
        output["advantages"] = plan.advantages[start: start + local]
        output["rollout_active"] = rollout_active
        output["expert_ids"] = ids_tensor
        output["expert_mask"] = mask_tensor
        output["expert_gate"] = expert_gate
        output["expert_advantages"] = plan.expert_advantages[group_of_row]

        # Global counts of this generation batch (all ranks) for the normaliser.
        loss_mask = output["completion_mask"] * output["tool_mask"] if "tool_mask" in output else \
            output["completion_mask"]
        active = rollout_active > 0
        local_stats = torch.tensor([
            float((loss_mask.sum(1) * active).sum()), float((mask_tensor.sum(1) * (expert_gate > 0)).sum()),
            float(active.sum()), float((expert_gate > 0).sum()), float(carrier.sum()),
        ], dtype=torch.float64, device=device)
        totals = self.accelerator.reduce(local_stats, reduction="sum")
        for key, value in zip(_STAT_KEYS, totals):
            output[f"ahpo_{key}"] = value.float()
            self._metrics[mode][f"ahpo/z_{key}"].append(float(value))  # the counts behind Z (generation batch)

        # Metrics of the generation batch.
        metrics = self._metrics[mode]
        has_expert = has_global.view(-1, group)[:, 0]
        metrics["ahpo/gate_on"].append(float((plan.gate > 0).float().mean()))
        metrics["ahpo/has_expert"].append(float(has_expert.float().mean()))
        metrics["ahpo/success_rate"].append(float(correct.float().mean()))
        for k in range(group + 1):
            metrics[f"ahpo/k={k}"].append(float((plan.counts == k).float().mean()))
        dropped_total = float(self.accelerator.reduce(torch.tensor(float(dropped), device=device), reduction="sum"))
        self.experts_dropped += int(dropped_total)
        metrics["ahpo/experts_too_long"].append(dropped_total)  # prompts whose demo exceeds max_completion_length
        prompt_tokens = float(output["prompt_mask"].sum(1).max())
        metrics["ahpo/prompt_tokens_max"].append(prompt_tokens)
        if self.max_prompt_length and prompt_tokens > self.max_prompt_length and not self._warned_prompt:
            self._warned_prompt = True
            warnings.warn(f"a prompt has {prompt_tokens:.0f} tokens > max_prompt_length={self.max_prompt_length} "
                          "(image tokens included); it is not truncated", stacklevel=2)
        metrics["completions/mean_length_tokens"].append(float(loss_mask.sum(1).float().mean()))
        per_task = defaultdict(list)
        for x, r in zip(inputs, rewards[start: start + local].tolist()):
            per_task[x.get("task", "?")].append(r)
        for task, values in per_task.items():
            metrics[f"reward_task/{task}"].append(sum(values) / len(values))
        return output

    # ----- loss ---------------------------------------------------------------------------------------------------

    def _forward_with_experts(self, model, inputs, rows: torch.Tensor):
        """Log-probs of the rollouts (B, C) and of ``prompt + expert`` for ``rows`` (R, E) in one forward."""
        prompt_ids, prompt_mask = inputs["prompt_ids"], inputs["prompt_mask"]
        completion_ids, completion_mask = inputs["completion_ids"], inputs["completion_mask"]
        batch, prompt_len = prompt_ids.shape
        comp_len = completion_ids.size(1)
        expert_ids = inputs["expert_ids"][rows]
        expert_mask = inputs["expert_mask"][rows]
        expert_len = int(expert_mask.sum(1).max()) if rows.numel() else 0
        width = max(comp_len, expert_len)
        pad = self._tokenizer.pad_token_id

        def right_pad(t: torch.Tensor, value: int) -> torch.Tensor:
            t = t[:, :width]
            return torch.nn.functional.pad(t, (0, width - t.size(1)), value=value)

        ids = torch.cat([torch.cat([prompt_ids, right_pad(completion_ids, pad)], 1),
                         torch.cat([prompt_ids[rows], right_pad(expert_ids, pad)], 1)])
        att = torch.cat([torch.cat([prompt_mask, right_pad(completion_mask, 0)], 1),
                         torch.cat([prompt_mask[rows], right_pad(expert_mask, 0)], 1)])
        kwargs = self._vision_kwargs(inputs, rows, prompt_len, width, batch)
        logps, entropies, aux = self._get_per_token_logps_and_entropies(
            model, ids, att, width, compute_entropy=True, compute_aux_loss=self.aux_loss_enabled, **kwargs)
        return (logps[:batch, :comp_len], entropies[:batch, :comp_len], logps[batch:, :expert_len],
                expert_mask[:, :expert_len], aux)

    @staticmethod
    def _vision_kwargs(inputs, rows: torch.Tensor, prompt_len: int, width: int, batch: int) -> dict:
        """Multimodal forward kwargs for the rollouts followed by the expert rows (Qwen-style image grids, or one
        pixel tensor per image/row)."""
        kwargs: dict[str, Any] = {}
        row_list = rows.tolist()
        pixel_values = inputs.get("pixel_values")
        num_images = inputs.get("num_images")
        grid = inputs.get("image_grid_thw")
        if pixel_values is not None:
            if num_images is None:
                raise NotImplementedError("AHPO expert rows need num_images with pixel_values")
            starts = [0]
            for n in num_images:
                starts.append(starts[-1] + n)
            if grid is not None:
                patch_rows = grid.prod(dim=-1)
                row_starts = [0]
                for i in range(len(num_images)):
                    row_starts.append(row_starts[-1] + int(patch_rows[starts[i]: starts[i + 1]].sum()))
                extra_pv = [pixel_values[row_starts[r]: row_starts[r + 1]] for r in row_list]
                extra_grid = [grid[starts[r]: starts[r + 1]] for r in row_list]
                kwargs["image_grid_thw"] = torch.cat([grid, *extra_grid])
            elif pixel_values.size(0) == sum(num_images):
                extra_pv = [pixel_values[starts[r]: starts[r + 1]] for r in row_list]
            else:
                raise NotImplementedError("AHPO expert rows support Qwen-style image grids or one pixel tensor "
                                          "per image; this processor's layout (tiles) is not handled")
            kwargs["pixel_values"] = torch.cat([pixel_values, *extra_pv])
            kwargs["num_images"] = list(num_images) + [num_images[r] for r in row_list]
            if inputs.get("image_sizes") is not None:
                sizes = inputs["image_sizes"]
                kwargs["image_sizes"] = torch.cat([sizes, *[sizes[starts[r]: starts[r + 1]] for r in row_list]])
        if inputs.get("pixel_attention_mask") is not None:
            pam = inputs["pixel_attention_mask"]
            kwargs["pixel_attention_mask"] = torch.cat([pam, pam[rows]])
        for key in ("mm_token_type_ids", "token_type_ids"):
            if inputs.get(key) is not None:
                prompt_part = inputs[key][:, :prompt_len]
                full = torch.nn.functional.pad(prompt_part, (0, width))
                kwargs[key] = torch.cat([full, full[rows]])
        if inputs.get("image_position_ids") is not None or inputs.get("spatial_shapes") is not None:
            raise NotImplementedError("AHPO expert rows: this processor's image layout is not handled")
        return kwargs

    def _compute_loss(self, model, inputs):
        cfg = self.loss_config
        mode = "train" if self.model.training else "eval"
        if "expert_gate" not in inputs:  # eval batches with a different group size
            return super()._compute_loss(model, inputs)
        rows = torch.nonzero(inputs["expert_gate"] > 0).flatten()
        logps, entropies, expert_logps, expert_mask, aux = self._forward_with_experts(model, inputs, rows)
        mask = inputs["completion_mask"]
        if "tool_mask" in inputs:
            mask = mask * inputs["tool_mask"]
        stats = NormStats(*(float(inputs[f"ahpo_{key}"]) for key in _STAT_KEYS))
        if mode == "train":  # the generation batch spans steps_per_generation micro-steps; one optimiser step is
            share = self.current_gradient_accumulation_steps / self.args.steps_per_generation
            stats = NormStats(*(getattr(stats, key) * share for key in _STAT_KEYS))
        importance = inputs.get("importance_sampling_ratio") if self.use_vllm else None
        loss, metrics = ahpo_loss(
            logps, inputs.get("old_per_token_logps"), mask, inputs["advantages"], cfg,
            rollout_active=inputs["rollout_active"], expert_logprobs=expert_logps, expert_mask=expert_mask,
            expert_gate=inputs["expert_gate"][rows], expert_advantages=inputs["expert_advantages"][rows],
            ref_logprobs=inputs.get("ref_per_token_logps"), importance_weights=importance, stats=stats)
        # Gradients are averaged over ranks; Z is global, so scale the local sum back up.
        loss = loss * self.accelerator.num_processes
        if self.aux_loss_enabled:
            normalizer = self.current_gradient_accumulation_steps if mode == "train" else 1.0
            loss = loss + self.router_aux_loss_coef * aux / normalizer

        m = self._metrics[mode]
        for key in ("on_loss", "off_loss", "clip_frac", "kl"):
            if key in metrics:
                m[f"ahpo/{key}"].append(metrics[key] * self.accelerator.num_processes
                                        if key.endswith("loss") else metrics[key])
        if "expert_nll" in metrics and rows.numel():
            m["ahpo/expert_nll"].append(metrics["expert_nll"])
        m["clip_ratio/region_mean"].append(metrics.get("clip_frac", 0.0))
        valid = mask.bool()
        m["entropy"].append(float(entropies.detach()[valid].mean()) if valid.any() else 0.0)
        self._throughput["tokens"] += float(inputs["prompt_mask"].sum() + mask.sum() + expert_mask.sum()
                                            + inputs["prompt_mask"][rows].sum())
        return loss

    def _load_from_checkpoint(self, resume_from_checkpoint, model=None):
        """Resume with the weights really restored.

        transformers 5.23's Trainer loads ``model.safetensors`` with ``load_state_dict(strict=False)``, but
        ``save_pretrained`` wrote Qwen2.5-VL's weights under the original checkpoint names (``visual.*``,
        ``model.layers.*``), so every key is silently skipped and the resumed run keeps its fresh weights. Reload
        through ``from_pretrained``, which maps the names back.
        """
        super()._load_from_checkpoint(resume_from_checkpoint, model)
        target = self.model if model is None else model
        plain = (not self.is_deepspeed_enabled and not self.is_fsdp_enabled
                 and not hasattr(target, "peft_config") and hasattr(type(target), "from_pretrained"))
        names = ("model.safetensors", "model.safetensors.index.json")
        weights = [Path(resume_from_checkpoint) / name for name in names]
        if plain and any(p.exists() for p in weights):
            reloaded = type(target).from_pretrained(resume_from_checkpoint, dtype=target.dtype)
            target.load_state_dict(reloaded.state_dict(), strict=True)
            del reloaded

    def training_step(self, model, inputs, num_items_in_batch):
        started = time.perf_counter()
        output = super().training_step(model, inputs, num_items_in_batch)
        self._throughput["seconds"] += time.perf_counter() - started
        if self._step % self.current_gradient_accumulation_steps == 0:
            seconds = max(self._throughput["seconds"], 1e-9)
            self._metrics["train"]["tokens_per_s"].append(self._throughput["tokens"] / seconds)
            self._throughput = {"tokens": 0.0, "seconds": 0.0}
        return output
