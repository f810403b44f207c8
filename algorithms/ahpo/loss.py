"""AHPO loss (MM-HELIX, arXiv 2510.08540, Eqs. 1-6) and its baselines as settings of one function, pure torch.

Rows: ``B = P * G`` on-policy rollouts, grouped consecutively (rows ``g*G .. g*G+G-1`` answer prompt ``g``), plus
at most one expert trace per prompt. The loss of one optimisation mini-batch is

    L = -(1/Z) [ sum_{experts, xi>0} xi * sum_t log pi(y*_t)  +  sum_{rollouts} sum_t CLIP(r_t, A_i, eps) ]

with ``xi = 1[#correct rollouts < R_hat]`` per prompt that has an expert (Eq. 6) and ``Z`` set by ``norm``
(spec ahpo.md section 4). Micro-batches of one optimisation batch pass the *global* :class:`NormStats`, so the
summed loss does not depend on how the batch was split.

| algorithm     | expert term                          | on-policy term               |
|---------------|--------------------------------------|------------------------------|
| ahpo          | xi = 1[k < R_hat] (Eq. 6)            | clipped surrogate            |
| grpo          | off (xi = 0)                         | clipped surrogate            |
| sft           | xi = 1 on every expert-bearing prompt| off (rollouts not in Z)      |
| static_ahpo   | xi = static_xi                       | clipped surrogate            |
| luffy         | expert joins the group; -f(p) * A_off, f(p) = p/(p+gamma), no clip | A over the mixed group |
| hpt           | SFT only where mean reward <= hpt_gamma, else RL only (rollouts dropped when gated) |        |
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch

ALGORITHMS = ("ahpo", "grpo", "sft", "static_ahpo", "luffy", "hpt")
NORMS = ("token_total", "separate", "seq_mean_token_mean", "constant")
ADV_STDS = ("unbiased", "population", "none")
GATE_GRANULARITIES = ("group", "batch")


@dataclass(frozen=True)
class LossConfig:
    algorithm: str = "ahpo"
    group_size: int = 5
    success_threshold: int | None = 2  # R_hat as a count of correct rollouts
    success_threshold_rate: float | None = None  # alternative: gate fires when correct / group_size < rate
    gate_granularity: str = "group"
    static_xi: float = 1.0
    clip_eps: float = 0.2
    clip_eps_high: float | None = None  # None: symmetric clip
    norm: str = "token_total"
    adv_std: str = "unbiased"
    adv_eps: float = 1e-6
    kl_coef: float = 0.0
    max_response_length: int = 8192  # the constant normaliser's length
    luffy_gamma: float = 0.1
    hpt_gamma: float = 0.0

    def __post_init__(self):
        checks = [(self.algorithm, ALGORITHMS, "algorithm"), (self.norm, NORMS, "norm"),
                  (self.adv_std, ADV_STDS, "adv_std"), (self.gate_granularity, GATE_GRANULARITIES, "gate_granularity")]
        for value, allowed, name in checks:
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
        if self.group_size < 1:
            raise ValueError("group_size must be >= 1")
        if (self.success_threshold is None) == (self.success_threshold_rate is None):
            raise ValueError("set exactly one of success_threshold (a count) and success_threshold_rate")
        if self.clip_eps < 0 or (self.clip_eps_high is not None and self.clip_eps_high < 0):
            raise ValueError("clip ranges must be >= 0")

    @property
    def eps_high(self) -> float:
        return self.clip_eps if self.clip_eps_high is None else self.clip_eps_high

    @classmethod
    def from_dict(cls, values: dict) -> LossConfig:
        names = {f.name for f in fields(cls)}
        values = dict(values)
        if values.get("success_threshold_rate") is not None and "success_threshold" not in values:
            values["success_threshold"] = None  # giving the rate form replaces the default count
        return cls(**{k: v for k, v in values.items() if k in names})

    def to_dict(self) -> dict:
        return asdict(self)


# ----- groups: advantages and gate ------------------------------------------------------------------------------


def group_advantages(rewards: torch.Tensor, group_size: int, adv_std: str = "unbiased",
                     eps: float = 1e-6) -> torch.Tensor:
    """Eq. 3: (R - group mean) / (group std + eps); exactly 0 for a zero-variance group (0/N or N/N)."""
    grouped = rewards.float().view(-1, group_size)
    centred = grouped - grouped.mean(dim=1, keepdim=True)
    if adv_std == "none" or group_size == 1:
        return centred.reshape(-1)
    std = grouped.std(dim=1, unbiased=(adv_std == "unbiased"), keepdim=True)
    return (centred / (std + eps)).reshape(-1)


def success_counts(correct: torch.Tensor, group_size: int) -> torch.Tensor:
    """k per prompt: the number of rollouts whose verdict is correct (partial credit never counts)."""
    return correct.bool().view(-1, group_size).sum(dim=1)


def _below_threshold(counts: torch.Tensor, cfg: LossConfig) -> torch.Tensor:
    if cfg.success_threshold is not None:
        return counts < cfg.success_threshold
    return counts / cfg.group_size < cfg.success_threshold_rate


@dataclass
class GroupPlan:
    """Everything the loss needs per rollout / per prompt, decided once per generation batch."""

    advantages: torch.Tensor  # (B,) rollout advantages
    gate: torch.Tensor  # (P,) xi per prompt (0 where the prompt has no expert)
    expert_advantages: torch.Tensor  # (P,) luffy: the expert's advantage inside the mixed group; else 0
    rollout_active: torch.Tensor  # (B,) 1 where the rollout is part of the on-policy term (and of Z)
    counts: torch.Tensor  # (P,) correct rollouts per prompt


def plan_groups(rewards: torch.Tensor, correct: torch.Tensor, has_expert: torch.Tensor,
                cfg: LossConfig) -> GroupPlan:
    """Advantages (Eq. 3), gate (Eq. 6) and which rollouts train, for ``P`` prompts of ``cfg.group_size`` rows."""
    group = cfg.group_size
    rewards = rewards.float()
    has_expert = has_expert.bool()
    counts = success_counts(correct, group)
    n_prompts = counts.numel()
    ones = torch.ones(n_prompts, dtype=torch.float32, device=rewards.device)
    expert_advantages = torch.zeros_like(ones)
    rollout_active = torch.ones_like(rewards)
    advantages = group_advantages(rewards, group, cfg.adv_std, cfg.adv_eps)
    algo = cfg.algorithm
    if algo == "grpo":
        gate = torch.zeros_like(ones)
    elif algo == "sft":
        gate = has_expert.float()
        rollout_active = torch.zeros_like(rewards)
    elif algo == "static_ahpo":
        gate = has_expert.float() * cfg.static_xi
    elif algo == "ahpo":
        if cfg.gate_granularity == "group":
            fires = _below_threshold(counts, cfg)
        else:  # one decision for the whole batch from the mean success count of expert-bearing prompts
            mean_k = counts[has_expert].float().mean() if has_expert.any() else counts.float().mean()
            fires = _below_threshold(mean_k.expand(n_prompts), cfg)
        gate = (fires & has_expert).float()
    elif algo == "hpt":
        mean_reward = rewards.view(-1, group).mean(dim=1)
        gate = ((mean_reward <= cfg.hpt_gamma) & has_expert).float()
        rollout_active = (1.0 - gate).repeat_interleave(group)
    elif algo == "luffy":
        gate = has_expert.float()
        # The verified expert (reward 1) joins its group; prompts without expert keep the plain on-policy group.
        mixed = torch.cat([rewards.view(-1, group), ones[:, None]], dim=1)
        mixed_adv = group_advantages(mixed.reshape(-1), group + 1, cfg.adv_std, cfg.adv_eps).view(-1, group + 1)
        on_adv = torch.where(has_expert[:, None], mixed_adv[:, :group], advantages.view(-1, group))
        advantages = on_adv.reshape(-1)
        expert_advantages = torch.where(has_expert, mixed_adv[:, group], expert_advantages)
    else:  # pragma: no cover - LossConfig validates
        raise ValueError(algo)
    return GroupPlan(advantages, gate, expert_advantages, rollout_active, counts)


# ----- normaliser ------------------------------------------------------------------------------------------------


@dataclass
class NormStats:
    """Counts over one whole optimisation mini-batch (all micro-batches and ranks) that fix the normaliser Z."""

    rollout_tokens: float  # response tokens of active rollouts
    expert_tokens: float  # tokens of experts with xi > 0
    rollouts: float  # active rollouts
    experts: float  # experts with xi > 0
    prompts: float  # prompts (groups)

    def __add__(self, other: NormStats) -> NormStats:
        return NormStats(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def as_tensor(self) -> torch.Tensor:
        return torch.tensor([getattr(self, f.name) for f in fields(self)], dtype=torch.float64)

    @classmethod
    def from_tensor(cls, values: torch.Tensor) -> NormStats:
        return cls(*(float(v) for v in values.tolist()))


def norm_stats(mask: torch.Tensor | None, rollout_active: torch.Tensor | None = None,
               expert_mask: torch.Tensor | None = None, expert_gate: torch.Tensor | None = None,
               prompts: float | None = None, group_size: int = 1) -> NormStats:
    """The counts of one (micro-)batch; sum them over the micro-batches of an optimisation batch."""
    rollout_tokens = rollouts = 0.0
    if mask is not None:
        active = torch.ones(mask.size(0), device=mask.device) if rollout_active is None else rollout_active.float()
        rollout_tokens = float((mask.float().sum(1) * (active > 0)).sum())
        rollouts = float((active > 0).sum())
    expert_tokens = experts = 0.0
    if expert_mask is not None and expert_gate is not None:
        on = (expert_gate > 0).float()
        expert_tokens = float((expert_mask.float().sum(1) * on).sum())
        experts = float(on.sum())
    if prompts is None:
        prompts = (mask.size(0) / group_size) if mask is not None else float(experts)
    return NormStats(rollout_tokens, expert_tokens, rollouts, experts, float(prompts))


def _token_weights(cfg: LossConfig, stats: NormStats, lengths: torch.Tensor, expert: bool) -> torch.Tensor:
    """Per-row weight of each token's loss (each row's tokens share one weight)."""
    if cfg.norm == "token_total":
        z = max(stats.rollout_tokens + stats.expert_tokens, 1.0)
        return torch.full_like(lengths, 1.0 / z)
    if cfg.norm == "separate":
        if expert:
            return 1.0 / (lengths.clamp(min=1.0) * max(stats.prompts, 1.0))
        return torch.full_like(lengths, 1.0 / max(stats.rollout_tokens, 1.0))
    sequences = max(stats.rollouts + stats.experts, 1.0)
    if cfg.norm == "seq_mean_token_mean":
        return 1.0 / (lengths.clamp(min=1.0) * sequences)
    return torch.full_like(lengths, 1.0 / (sequences * cfg.max_response_length))  # constant


# ----- the loss ---------------------------------------------------------------------------------------------------


def ahpo_loss(logprobs: torch.Tensor | None, old_logprobs: torch.Tensor | None, mask: torch.Tensor | None,
              advantages: torch.Tensor | None, cfg: LossConfig, *, rollout_active: torch.Tensor | None = None,
              expert_logprobs: torch.Tensor | None = None, expert_mask: torch.Tensor | None = None,
              expert_gate: torch.Tensor | None = None, expert_advantages: torch.Tensor | None = None,
              ref_logprobs: torch.Tensor | None = None, importance_weights: torch.Tensor | None = None,
              stats: NormStats | None = None,
              kl_bias_correction: bool = False) -> tuple[torch.Tensor, dict[str, float]]:
    """Loss of one (micro-)batch and its metrics.

    logprobs/old_logprobs/mask: (B, T) rollout token log-probs under pi_theta / pi_theta_old and response mask;
    advantages: (B,) or (B, 1); rollout_active: (B,) (default all 1). expert_*: (E, Te) log-probs and mask of the
    expert rows in this micro-batch, expert_gate: (E,) xi of each (0 = inactive), expert_advantages: (E,) (luffy).
    ref_logprobs: (B, T), used when ``cfg.kl_coef > 0``. importance_weights: (B, T) or (B, 1) per-token weights on
    the on-policy term (e.g. vLLM's truncated importance sampling). stats: global counts (default: this batch).
    kl_bias_correction: weight the per-token KL by the importance ratio r (TRL's ``use_bias_correction_kl``).
    """
    device = (logprobs if logprobs is not None else expert_logprobs).device
    zero = torch.zeros((), device=device)
    has_rollouts = logprobs is not None and logprobs.numel() > 0
    has_experts = expert_logprobs is not None and expert_logprobs.numel() > 0
    if rollout_active is None and has_rollouts:
        rollout_active = torch.ones(logprobs.size(0), device=device)
    if cfg.algorithm == "sft" and has_rollouts:
        rollout_active = torch.zeros_like(rollout_active)
    if stats is None:
        stats = norm_stats(mask if has_rollouts else None, rollout_active, expert_mask if has_experts else None,
                           expert_gate if has_experts else None, group_size=cfg.group_size)
    metrics: dict[str, float] = {}

    on_loss = zero
    if has_rollouts:
        mask = mask.float() * (rollout_active.float()[:, None] > 0)
        adv = advantages.float().view(-1, 1)
        old = logprobs.detach() if old_logprobs is None else old_logprobs
        ratio = torch.exp(logprobs - old)
        clipped = torch.clamp(ratio, 1.0 - cfg.clip_eps, 1.0 + cfg.eps_high)
        surrogate = torch.min(ratio * adv, clipped * adv)
        if importance_weights is not None:
            surrogate = surrogate * importance_weights
        token_loss = -surrogate
        if cfg.kl_coef:
            if ref_logprobs is None:
                raise ValueError("kl_coef > 0 needs ref_logprobs")
            delta = ref_logprobs - logprobs
            kl = torch.exp(delta) - delta - 1.0  # k3 estimator of KL(pi_theta || pi_ref)
            token_loss = token_loss + cfg.kl_coef * (kl * ratio if kl_bias_correction else kl)
            metrics["kl"] = float((kl.detach() * mask).sum() / mask.sum().clamp(min=1))
        weights = _token_weights(cfg, stats, mask.sum(1), expert=False)
        on_loss = (token_loss * mask * weights[:, None]).sum()
        n_tokens = mask.sum().clamp(min=1)
        is_clipped = ((ratio < 1 - cfg.clip_eps) & (adv < 0)) | ((ratio > 1 + cfg.eps_high) & (adv > 0))
        metrics["clip_frac"] = float((is_clipped.float() * mask).sum() / n_tokens)
        metrics["ratio_mean"] = float((ratio.detach() * mask).sum() / n_tokens)
        metrics["rollout_tokens"] = float(mask.sum())

    off_loss = zero
    if has_experts:
        gate = expert_gate.float()
        emask = expert_mask.float() * (gate[:, None] > 0)
        if cfg.algorithm == "luffy":
            prob = torch.exp(expert_logprobs)
            shaped = prob / (prob + cfg.luffy_gamma)  # LUFFY's policy shaping; off-policy ratio with pi_phi := 1
            token_loss = -shaped * expert_advantages.float().view(-1, 1) * gate[:, None]
        else:
            token_loss = -expert_logprobs * gate[:, None]
        weights = _token_weights(cfg, stats, emask.sum(1), expert=True)
        off_loss = (token_loss * emask * weights[:, None]).sum()
        metrics["expert_nll"] = float(-(expert_logprobs.detach() * emask).sum() / emask.sum().clamp(min=1))
        metrics["expert_tokens"] = float(emask.sum())

    loss = on_loss + off_loss
    metrics["on_loss"] = float(on_loss.detach())
    metrics["off_loss"] = float(off_loss.detach())
    metrics["loss"] = float(loss.detach())
    return loss, metrics
