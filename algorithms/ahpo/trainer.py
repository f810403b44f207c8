"""``AHPOTrainer``: TRL's ``GRPOTrainer`` (trl==1.16.0) with the AHPO loss of :mod:`algorithms.ahpo.loss`.

Everything TRL gives stays available (vLLM generation, accelerate / DeepSpeed / FSDP, peft LoRA, reference-model
KL): the subclass only changes what happens after the rollouts are scored and the loss.

1. ``_calculate_rewards`` keeps the rewards gathered across ranks (binary verifier reward by default).
2. ``_generate_and_score_completions`` recomputes the group advantages (Eq. 3, spec defaults), decides the gate per
   prompt group (Eq. 6) on the *global* batch, then slices the local rows. Each group's expert demo rides on one
   carrier row (its first rollout), so the NLL is counted once per prompt however rows are shuffled or split.
   The global counts that fix the normaliser Z travel with the batch as 0-dim tensors.
3. ``_prepare_inputs`` (after TRL has shuffled and split the generation batch into micro-batches) sets each
   micro-batch's normaliser counts to the exact totals of its optimiser step: the ``gradient_accumulation_steps``
   micro-batches of that step, summed over all processes (spec ahpo.md section 4, scope of Z).
4. ``_compute_loss`` runs one forward over the rollouts plus the carrier rows' ``prompt + expert`` sequences (same
   pixel values and image grid as their prompt), and applies :func:`~algorithms.ahpo.loss.ahpo_loss`. With a
   sampling temperature T != 1 the rollouts are scored at T (as TRL does) and the expert rows in a second forward
   at temperature 1, so the expert term is Eq. 1's -log pi_theta(y*), not -log softmax(z/T)(y*).
5. The loss parts (``ahpo/on_loss``, ``ahpo/off_loss``) are summed over the micro-batches of an optimiser step and
   over processes, so ``on_loss + off_loss`` is the logged ``loss``; the ratios are global token-weighted means.

These are private TRL methods, which is why trl is pinned.
"""

from __future__ import annotations

import dataclasses
import functools
import time
import types
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

# GRPOConfig options the AHPO loss does not implement: any value other than GRPOConfig's default is refused rather
# than silently ignored. (loss_type and scale_rewards are replaced by the AHPO loss and its own advantages.)
UNSUPPORTED_TRL_OPTIONS = ("delta", "off_policy_mask_threshold", "top_entropy_quantile", "importance_sampling_level",
                           "entropy_coef", "use_adaptive_entropy", "loss_type", "scale_rewards",
                           "multi_objective_aggregation")

# Window sums behind the logged loss parts (summed over micro-batches of an optimiser step and over processes).
_WINDOW_KEYS = ("on_loss", "off_loss", "clipped", "rollout_tokens", "expert_nll_sum", "expert_tokens", "kl_sum",
                "entropy_sum", "entropy_tokens")


def check_trl_options(args) -> None:
    """Raise ValueError for GRPOConfig options (see UNSUPPORTED_TRL_OPTIONS) set to a non-default value."""
    from trl import GRPOConfig

    defaults = {f.name: f.default for f in dataclasses.fields(GRPOConfig) if f.name in UNSUPPORTED_TRL_OPTIONS}
    changed = [f"{name}={getattr(args, name)!r} (default {default!r})" for name, default in defaults.items()
               if getattr(args, name) != default]
    if changed:
        raise ValueError("AHPOTrainer replaces TRL's loss and advantages and does not implement these GRPOConfig "
                         f"options: {', '.join(changed)}; leave them at their defaults")


def unit_temperature_forward(model, cast_lm_head_to_fp32: bool = False):
    """Give ``model`` (already patched by TRL's ``add_fused_lm_head`` at the sampling temperature) a second fused LM
    head at temperature 1. Returns a switch: while ``switch.unit`` is True, the fused forward scores at T = 1."""
    from trl.trainer.utils import add_fused_lm_head

    sampling_forward = model.forward
    add_fused_lm_head(model, temperature=1.0, cast_lm_head_to_fp32=cast_lm_head_to_fp32)
    unit_forward = model.forward
    switch = types.SimpleNamespace(unit=False)

    @functools.wraps(type(model).forward)
    def forward(module, *args, **kwargs):
        return (unit_forward if switch.unit else sampling_forward)(*args, **kwargs)

    model.forward = types.MethodType(forward, model)
    return switch


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
        check_trl_options(self.args)
        if self.args.epsilon != loss_config.clip_eps or (self.args.epsilon_high or self.args.epsilon) != \
                loss_config.eps_high or self.args.beta != loss_config.kl_coef:
            raise ValueError(f"GRPOConfig epsilon/epsilon_high/beta ({self.args.epsilon}, {self.args.epsilon_high}, "
                             f"{self.args.beta}) must match loss_config clip_eps/clip_eps_high/kl_coef "
                             f"({loss_config.clip_eps}, {loss_config.clip_eps_high}, {loss_config.kl_coef})")
        if self.args.steps_per_generation % self.args.gradient_accumulation_steps:
            raise ValueError(f"steps_per_generation ({self.args.steps_per_generation}) must be a multiple of "
                             f"gradient_accumulation_steps ({self.args.gradient_accumulation_steps})")
        self._window = {mode: dict.fromkeys(_WINDOW_KEYS, 0.0) for mode in ("train", "eval")}
        self._temperature_switch = None
        if self.temperature != 1.0:  # TRL's fused head divides the logits by T; the expert NLL needs T = 1
            base = self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model
            self._temperature_switch = unit_temperature_forward(base, self.args.cast_lm_head_to_fp32)

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
        output["expert_carrier"] = carrier

        # Global counts of this generation batch (all ranks): Z in eval; in training _prepare_inputs replaces them
        # with the exact counts of each optimiser step.
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
        """Log-probs of the rollouts (B, C) at the sampling temperature and of ``prompt + expert`` for ``rows``
        (R, E) at temperature 1: one forward when T = 1, else one for each."""
        prompt_ids, prompt_mask = inputs["prompt_ids"], inputs["prompt_mask"]
        completion_ids, completion_mask = inputs["completion_ids"], inputs["completion_mask"]
        batch, prompt_len = prompt_ids.shape
        comp_len = completion_ids.size(1)
        expert_mask = inputs["expert_mask"][rows]
        expert_len = int(expert_mask.sum(1).max()) if rows.numel() else 0
        expert_ids = inputs["expert_ids"][rows][:, :expert_len]
        expert_mask = expert_mask[:, :expert_len]
        pad = self._tokenizer.pad_token_id

        def right_pad(t: torch.Tensor, width: int, value: int) -> torch.Tensor:
            return torch.nn.functional.pad(t, (0, width - t.size(1)), value=value)

        def logps(ids, att, width, compute_entropy, **kwargs):
            return self._get_per_token_logps_and_entropies(model, ids, att, width, compute_entropy=compute_entropy,
                                                           compute_aux_loss=self.aux_loss_enabled, **kwargs)

        rollout_kw, expert_kw = self._vision_kwargs(inputs, rows, prompt_len)
        if self._temperature_switch is None or not rows.numel():
            width = max(comp_len, expert_len)
            ids = torch.cat([torch.cat([prompt_ids, right_pad(completion_ids, width, pad)], 1),
                             torch.cat([prompt_ids[rows], right_pad(expert_ids, width, pad)], 1)])
            att = torch.cat([torch.cat([prompt_mask, right_pad(completion_mask, width, 0)], 1),
                             torch.cat([prompt_mask[rows], right_pad(expert_mask, width, 0)], 1)])
            kwargs = _concat_kwargs(_pad_token_types(rollout_kw, width), _pad_token_types(expert_kw, width))
            all_logps, entropies, aux = logps(ids, att, width, True, **kwargs)
            return (all_logps[:batch, :comp_len], entropies[:batch, :comp_len], all_logps[batch:, :expert_len],
                    expert_mask, aux)
        rollout_logps, entropies, aux = logps(torch.cat([prompt_ids, completion_ids], 1),
                                              torch.cat([prompt_mask, completion_mask], 1), comp_len, True,
                                              **_pad_token_types(rollout_kw, comp_len))
        self._temperature_switch.unit = True
        try:
            expert_logps, _, expert_aux = logps(torch.cat([prompt_ids[rows], expert_ids], 1),
                                                torch.cat([prompt_mask[rows], expert_mask], 1), expert_len, False,
                                                **_pad_token_types(expert_kw, expert_len))
        finally:
            self._temperature_switch.unit = False
        if aux is not None:
            aux = (aux * batch + expert_aux * rows.numel()) / (batch + rows.numel())
        return rollout_logps, entropies, expert_logps, expert_mask, aux

    @staticmethod
    def _vision_kwargs(inputs, rows: torch.Tensor, prompt_len: int) -> tuple[dict, dict]:
        """Multimodal forward kwargs of the rollouts and of the expert ``rows`` (Qwen-style image grids, or one
        pixel tensor per image/row). Token-type ids cover the prompt only; :func:`_pad_token_types` extends them."""
        rollout_kw: dict[str, Any] = {}
        expert_kw: dict[str, Any] = {}
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
                rollout_kw["image_grid_thw"] = grid
                expert_kw["image_grid_thw"] = _cat([grid[starts[r]: starts[r + 1]] for r in row_list], grid)
            elif pixel_values.size(0) == sum(num_images):
                extra_pv = [pixel_values[starts[r]: starts[r + 1]] for r in row_list]
            else:
                raise NotImplementedError("AHPO expert rows support Qwen-style image grids or one pixel tensor "
                                          "per image; this processor's layout (tiles) is not handled")
            rollout_kw["pixel_values"] = pixel_values
            expert_kw["pixel_values"] = _cat(extra_pv, pixel_values)
            rollout_kw["num_images"] = list(num_images)
            expert_kw["num_images"] = [num_images[r] for r in row_list]
            if inputs.get("image_sizes") is not None:
                sizes = inputs["image_sizes"]
                rollout_kw["image_sizes"] = sizes
                expert_kw["image_sizes"] = _cat([sizes[starts[r]: starts[r + 1]] for r in row_list], sizes)
        if inputs.get("pixel_attention_mask") is not None:
            pam = inputs["pixel_attention_mask"]
            rollout_kw["pixel_attention_mask"] = pam
            expert_kw["pixel_attention_mask"] = pam[rows]
        for key in ("mm_token_type_ids", "token_type_ids"):
            if inputs.get(key) is not None:
                prompt_part = inputs[key][:, :prompt_len]
                rollout_kw[key] = prompt_part
                expert_kw[key] = prompt_part[rows]
        if inputs.get("image_position_ids") is not None or inputs.get("spatial_shapes") is not None:
            raise NotImplementedError("AHPO expert rows: this processor's image layout is not handled")
        return rollout_kw, expert_kw

    # ----- exact normaliser per optimiser step ----------------------------------------------------------------------

    def _prepare_inputs(self, generation_batch):
        before = self._buffered_inputs
        inputs = super()._prepare_inputs(generation_batch)
        batches = self._buffered_inputs
        if self.model.training and batches is not before and batches and "expert_gate" in batches[0]:
            self._set_step_counts(batches)
        return inputs

    def _set_step_counts(self, batches: list[dict]) -> None:
        """Replace the generation-batch counts of each micro-batch by the exact totals of its optimiser step.

        TRL serves ``batches[step % steps_per_generation]`` at micro-step ``step``, so optimiser step ``w`` of this
        generation batch (of every PPO epoch over it) is micro-batches ``w*ga .. w*ga + ga - 1`` on every process.
        """
        accumulation = self.args.gradient_accumulation_steps
        local = torch.stack([_local_counts(b) for b in batches])
        windows = local.view(-1, accumulation, len(_STAT_KEYS)).sum(1)
        totals = self.accelerator.reduce(windows, reduction="sum")
        for i, batch in enumerate(batches):
            for key, value in zip(_STAT_KEYS, totals[i // accumulation]):
                batch[f"ahpo_{key}"] = value.float()

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
        importance = inputs.get("importance_sampling_ratio") if self.use_vllm else None
        loss, metrics = ahpo_loss(
            logps, inputs.get("old_per_token_logps"), mask, inputs["advantages"], cfg,
            rollout_active=inputs["rollout_active"], expert_logprobs=expert_logps, expert_mask=expert_mask,
            expert_gate=inputs["expert_gate"][rows], expert_advantages=inputs["expert_advantages"][rows],
            ref_logprobs=inputs.get("ref_per_token_logps"), importance_weights=importance, stats=stats,
            kl_bias_correction=self.args.use_bias_correction_kl)
        # Gradients are averaged over ranks; Z is global, so scale the local sum back up.
        loss = loss * self.accelerator.num_processes
        if self.aux_loss_enabled:
            normalizer = self.current_gradient_accumulation_steps if mode == "train" else 1.0
            loss = loss + self.router_aux_loss_coef * aux / normalizer

        valid = mask.bool()
        window = self._window[mode]
        rollout_tokens = metrics.get("rollout_tokens", 0.0)
        expert_tokens = metrics.get("expert_tokens", 0.0)
        for key, value in (("on_loss", metrics["on_loss"]), ("off_loss", metrics["off_loss"]),
                           ("clipped", metrics.get("clip_frac", 0.0) * rollout_tokens),
                           ("rollout_tokens", rollout_tokens), ("expert_tokens", expert_tokens),
                           ("expert_nll_sum", metrics.get("expert_nll", 0.0) * expert_tokens),
                           ("kl_sum", metrics.get("kl", 0.0) * rollout_tokens),
                           ("entropy_sum", float(entropies.detach()[valid].sum())),
                           ("entropy_tokens", float(valid.sum()))):
            window[key] += value
        if mode == "eval" or self.accelerator.sync_gradients:  # the last micro-batch of the optimiser step
            self._log_window(mode, stats)
        self._throughput["tokens"] += float(inputs["prompt_mask"].sum() + mask.sum() + expert_mask.sum()
                                            + inputs["prompt_mask"][rows].sum())
        return loss

    def _log_window(self, mode: str, stats: NormStats) -> None:
        """Log one optimiser step's loss parts (sums: on_loss + off_loss = loss) and token-weighted means, reduced
        over processes, plus the counts behind Z."""
        window = self._window[mode]
        values = torch.tensor([window[key] for key in _WINDOW_KEYS], dtype=torch.float64,
                              device=self.accelerator.device)
        total = dict(zip(_WINDOW_KEYS, self.accelerator.reduce(values, reduction="sum").tolist()))
        self._window[mode] = dict.fromkeys(_WINDOW_KEYS, 0.0)
        m = self._metrics[mode]
        m["ahpo/on_loss"].append(total["on_loss"])
        m["ahpo/off_loss"].append(total["off_loss"])
        clip_frac = total["clipped"] / max(total["rollout_tokens"], 1.0)
        m["ahpo/clip_frac"].append(clip_frac)
        m["clip_ratio/region_mean"].append(clip_frac)
        if self.loss_config.kl_coef:
            m["ahpo/kl"].append(total["kl_sum"] / max(total["rollout_tokens"], 1.0))
        if total["expert_tokens"] > 0:
            m["ahpo/expert_nll"].append(total["expert_nll_sum"] / total["expert_tokens"])
        m["entropy"].append(total["entropy_sum"] / max(total["entropy_tokens"], 1.0))
        for key in _STAT_KEYS:
            m[f"ahpo/z_{key}"].append(getattr(stats, key))  # the counts behind Z (this optimiser step)

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


def _cat(parts: list[torch.Tensor], like: torch.Tensor) -> torch.Tensor:
    return torch.cat(parts) if parts else like[:0]


def _pad_token_types(kwargs: dict, width: int) -> dict:
    """Extend prompt-only token-type ids by ``width`` response positions (type 0, text)."""
    out = dict(kwargs)
    for key in ("mm_token_type_ids", "token_type_ids"):
        if key in out:
            out[key] = torch.nn.functional.pad(out[key], (0, width))
    return out


def _concat_kwargs(first: dict, second: dict) -> dict:
    """Forward kwargs of two row sets stacked (rollouts, then expert rows)."""
    out = {}
    for key, value in first.items():
        other = second[key]
        out[key] = value + other if isinstance(value, list) else torch.cat([value, other])
    return out


def _local_counts(batch: dict) -> torch.Tensor:
    """This process's normaliser counts of one micro-batch (same order as _STAT_KEYS)."""
    mask = batch["completion_mask"] * batch["tool_mask"] if "tool_mask" in batch else batch["completion_mask"]
    active = batch["rollout_active"] > 0
    gated = batch["expert_gate"] > 0
    return torch.tensor([float((mask.sum(1) * active).sum()), float((batch["expert_mask"].sum(1) * gated).sum()),
                         float(active.sum()), float(gated.sum()), float(batch["expert_carrier"].sum())],
                        dtype=torch.float64, device=mask.device)
