"""AHPO loss against hand-computed values and the invariants of spec ahpo.md section 14."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from algorithms.ahpo.loss import (  # noqa: E402
    LossConfig,
    NormStats,
    ahpo_loss,
    group_advantages,
    norm_stats,
    plan_groups,
)

torch.set_num_threads(1)
G = 5


def _rewards(k: int, group: int = G) -> torch.Tensor:
    return torch.tensor([1.0] * k + [0.0] * (group - k))


@pytest.mark.parametrize(("k", "pos", "neg", "pos_pop", "neg_pop"), [
    (1, 1.789, -0.447, 2.000, -0.500),
    (2, 1.095, -0.730, 1.225, -0.816),
    (3, 0.730, -1.095, 0.816, -1.225),
    (4, 0.447, -1.789, 0.500, -2.000),
])
def test_advantage_table(k, pos, neg, pos_pop, neg_pop):
    adv = group_advantages(_rewards(k), G, "unbiased")
    assert adv[0].item() == pytest.approx(pos, abs=1e-3) and adv[-1].item() == pytest.approx(neg, abs=1e-3)
    adv = group_advantages(_rewards(k), G, "population")
    assert adv[0].item() == pytest.approx(pos_pop, abs=1e-3) and adv[-1].item() == pytest.approx(neg_pop, abs=1e-3)
    assert group_advantages(_rewards(k), G, "none")[0].item() == pytest.approx(1 - k / G)


@pytest.mark.parametrize("k", [0, G])
def test_zero_variance_group_has_zero_advantage(k):
    adv = group_advantages(_rewards(k), G)
    assert torch.equal(adv, torch.zeros(G))


@pytest.mark.parametrize(("k", "fires"), [(0, True), (1, True), (2, False), (3, False), (5, False)])
def test_gate_counts_correct_rollouts(k, fires):
    cfg = LossConfig()
    plan = plan_groups(_rewards(k), _rewards(k).bool(), torch.tensor([True]), cfg)
    assert plan.gate.tolist() == [1.0 if fires else 0.0]
    no_expert = plan_groups(_rewards(k), _rewards(k).bool(), torch.tensor([False]), cfg)
    assert no_expert.gate.tolist() == [0.0]


def test_gate_ignores_partial_credit_and_rate_form():
    # Two rollouts scored 0.9 (partial credit) and one fully correct: k = 1, so the gate fires.
    rewards = torch.tensor([1.0, 0.9, 0.9, 0.0, 0.0])
    correct = rewards == 1.0
    assert plan_groups(rewards, correct, torch.tensor([True]), LossConfig()).gate.item() == 1.0
    rate = LossConfig.from_dict({"success_threshold_rate": 0.4})
    assert rate.success_threshold is None
    assert plan_groups(_rewards(1), _rewards(1).bool(), torch.tensor([True]), rate).gate.item() == 1.0
    assert plan_groups(_rewards(2), _rewards(2).bool(), torch.tensor([True]), rate).gate.item() == 0.0
    with pytest.raises(ValueError):
        LossConfig(success_threshold=2, success_threshold_rate=0.4)


def test_gate_batch_granularity_uses_batch_mean():
    rewards = torch.cat([_rewards(0), _rewards(3)])  # mean k = 1.5 < 2 -> every expert prompt gated
    plan = plan_groups(rewards, rewards.bool(), torch.tensor([True, True]), LossConfig(gate_granularity="batch"))
    assert plan.gate.tolist() == [1.0, 1.0]
    plan = plan_groups(rewards, rewards.bool(), torch.tensor([True, True]), LossConfig())
    assert plan.gate.tolist() == [1.0, 0.0]


def test_algorithm_settings_of_the_gate():
    rewards = torch.cat([_rewards(0), _rewards(1), _rewards(3)])
    has = torch.tensor([True, True, True])
    gates = {algo: plan_groups(rewards, rewards.bool(), has, LossConfig(algorithm=algo)).gate.tolist()
             for algo in ("ahpo", "grpo", "sft", "static_ahpo", "hpt", "luffy")}
    assert gates == {"ahpo": [1, 1, 0], "grpo": [0, 0, 0], "sft": [1, 1, 1], "static_ahpo": [1, 1, 1],
                     "hpt": [1, 0, 0], "luffy": [1, 1, 1]}
    hpt = plan_groups(rewards, rewards.bool(), has, LossConfig(algorithm="hpt"))
    assert hpt.rollout_active.tolist() == [0.0] * 5 + [1.0] * 10
    sft = plan_groups(rewards, rewards.bool(), has, LossConfig(algorithm="sft"))
    assert sft.rollout_active.sum().item() == 0
    half = plan_groups(rewards, rewards.bool(), has, LossConfig(algorithm="static_ahpo", static_xi=0.5))
    assert half.gate.tolist() == [0.5, 0.5, 0.5]


def test_luffy_mixed_group_advantages():
    # 0/5 on-policy + the verified expert: rewards [0,0,0,0,0,1] -> expert advantage is the top of the 6-group
    plan = plan_groups(_rewards(0), _rewards(0).bool(), torch.tensor([True]), LossConfig(algorithm="luffy"))
    mixed = group_advantages(torch.tensor([0.0] * 5 + [1.0]), 6)
    assert plan.expert_advantages.item() == pytest.approx(mixed[-1].item())
    assert plan.advantages.tolist() == pytest.approx(mixed[:5].tolist())
    assert plan.expert_advantages.item() > 0 > plan.advantages[0].item()


# ----- the loss on hand-made tensors ------------------------------------------------------------------------------


def _batch(k: int, lengths=(3, 2, 4, 1, 2), width: int = 4, expert_len: int = 3, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    mask = torch.zeros(G, width)
    for i, n in enumerate(lengths):
        mask[i, :n] = 1
    logprobs = (-torch.rand(G, width, generator=gen) * 2).requires_grad_(True)
    expert_logprobs = (-torch.rand(1, 4, generator=gen) * 2).requires_grad_(True)
    expert_mask = torch.zeros(1, 4)
    expert_mask[0, :expert_len] = 1
    return _rewards(k), mask, logprobs, expert_logprobs, expert_mask


def _loss(cfg, k, **kw):
    rewards, mask, logprobs, elp, emask = _batch(k, **kw)
    plan = plan_groups(rewards, rewards.bool(), torch.tensor([True]), cfg)
    loss, metrics = ahpo_loss(logprobs, None, mask, plan.advantages, cfg, rollout_active=plan.rollout_active,
                              expert_logprobs=elp, expert_mask=emask, expert_gate=plan.gate,
                              expert_advantages=plan.expert_advantages)
    loss.backward()
    return loss, metrics, logprobs, elp, mask, emask, plan


def test_zero_of_five_is_sft_on_the_expert_scaled_by_its_share_of_z():
    loss, metrics, logprobs, elp, mask, emask, plan = _loss(LossConfig(), 0)
    z = mask.sum() + emask.sum()  # 12 rollout tokens + 3 expert tokens
    expected = -(elp.detach() * emask).sum() / z
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    assert torch.allclose(elp.grad, -emask / z)
    assert torch.count_nonzero(logprobs.grad) == 0  # 0/5: no on-policy signal
    assert metrics["on_loss"] == 0.0 and metrics["expert_nll"] == pytest.approx(
        float(-(elp.detach() * emask).sum() / 3))


def test_one_of_five_adds_grpo_and_expert_terms():
    loss, _, logprobs, elp, mask, emask, plan = _loss(LossConfig(), 1)
    z = mask.sum() + emask.sum()
    a_pos, a_neg = 0.8 / math.sqrt(0.2), -0.2 / math.sqrt(0.2)  # unbiased variance 0.8 / 4
    # at theta = theta_old the ratio is 1: d(-L)/d logp = A_i / Z on rollout tokens, 1/Z on expert tokens
    assert logprobs.grad[0, :3].tolist() == pytest.approx([-a_pos / z.item()] * 3, rel=1e-4)
    assert logprobs.grad[1, :2].tolist() == pytest.approx([-a_neg / z.item()] * 2, rel=1e-4)
    assert torch.allclose(elp.grad, -emask / z)
    # value: on-policy part is -(sum_i A_i |tau_i|)/Z (ratio 1), plus the expert NLL sum / Z
    lengths = mask.sum(1)
    adv = plan.advantages
    expected = (-(adv * lengths).sum() - (elp.detach() * emask).sum()) / z
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_two_of_five_is_pure_grpo_and_expert_gets_no_gradient():
    loss, metrics, logprobs, elp, mask, emask, plan = _loss(LossConfig(), 2)
    assert plan.gate.item() == 0.0
    assert elp.grad is None or torch.count_nonzero(elp.grad) == 0
    assert metrics["off_loss"] == 0.0
    z = mask.sum()  # inactive expert tokens do not count in Z
    assert logprobs.grad[0, 0].item() == pytest.approx(-1.0954 / z.item(), rel=1e-3)


def test_five_of_five_and_no_expert_zero_of_five_contribute_no_gradient():
    _, _, logprobs, elp, *_ = _loss(LossConfig(), G)
    assert torch.count_nonzero(logprobs.grad) == 0 and (elp.grad is None or torch.count_nonzero(elp.grad) == 0)
    rewards, mask, logprobs, *_ = _batch(0)
    plan = plan_groups(rewards, rewards.bool(), torch.tensor([False]), LossConfig())
    loss, _ = ahpo_loss(logprobs, None, mask, plan.advantages, LossConfig())
    loss.backward()
    assert torch.count_nonzero(logprobs.grad) == 0


def test_all_equal_rewards_give_zero_on_policy_gradient_even_off_policy():
    rewards, mask, logprobs, *_ = _batch(0)
    old = logprobs.detach() + 0.3  # ratio != 1
    for value in (0.0, 1.0):
        logprobs.grad = None
        adv = group_advantages(torch.full((G,), value), G)
        loss, _ = ahpo_loss(logprobs, old, mask, adv, LossConfig(algorithm="grpo"))
        loss.backward()
        assert torch.count_nonzero(logprobs.grad) == 0


def test_ratio_clipping():
    cfg = LossConfig(algorithm="grpo", clip_eps=0.2)
    mask = torch.ones(1, 1)
    cases = [  # (new prob, old prob, advantage, expected surrogate, gradient flows)
        (0.8, 0.5, 1.0, 1.2, False),  # ratio 1.6 > 1.2 with A > 0: clipped
        (0.8, 0.5, -1.0, -1.6, True),  # A < 0: the unclipped (smaller) term wins
        (0.25, 0.5, -1.0, -0.8, False),  # ratio 0.5 < 0.8 with A < 0: clipped
        (0.25, 0.5, 1.0, 0.5, True),
        (0.55, 0.5, 1.0, 1.1, True),  # inside the range
    ]
    for new, old, adv, surrogate, flows in cases:
        lp = torch.tensor([[math.log(new)]], requires_grad=True)
        loss, metrics = ahpo_loss(lp, torch.tensor([[math.log(old)]]), mask, torch.tensor([adv]), cfg)
        loss.backward()
        assert loss.item() == pytest.approx(-surrogate, rel=1e-6)
        assert (lp.grad.abs().item() > 0) == flows
        assert metrics["clip_frac"] == (0.0 if flows else 1.0)
    # asymmetric (DAPO-style) upper clip
    lp = torch.tensor([[math.log(0.8)]])
    loss, _ = ahpo_loss(lp, torch.tensor([[math.log(0.5)]]), mask, torch.tensor([1.0]),
                        LossConfig(algorithm="grpo", clip_eps_high=0.28))
    assert loss.item() == pytest.approx(-1.28)


def test_normaliser_choices_by_hand():
    # k = 1 with expert: rollouts lengths (3,2,4,1,2) = 12 tokens, expert 3 tokens; theta = theta_old.
    rewards, mask, logprobs, elp, emask = _batch(1)
    adv = group_advantages(rewards, G)
    lengths = mask.sum(1)
    e_sum = float((elp.detach() * emask).sum())
    on_sums = adv * lengths  # sum_t CLIP = A_i |tau_i| at ratio 1
    expected = {
        "token_total": (-on_sums.sum().item() - e_sum) / 15,
        "separate": -on_sums.sum().item() / 12 - e_sum / 3 / 1,  # one prompt
        "seq_mean_token_mean": (-(on_sums / lengths).sum().item() - e_sum / 3) / 6,  # 5 rollouts + 1 expert
        "constant": (-on_sums.sum().item() - e_sum) / (6 * 16),
    }
    for norm, value in expected.items():
        cfg = LossConfig(norm=norm, max_response_length=16)
        loss, _ = ahpo_loss(logprobs, None, mask, adv, cfg, expert_logprobs=elp, expert_mask=emask,
                            expert_gate=torch.tensor([1.0]))
        assert loss.item() == pytest.approx(value, rel=1e-5), norm


def test_sft_uses_only_expert_tokens_in_z():
    loss, _, logprobs, elp, mask, emask, _ = _loss(LossConfig(algorithm="sft"), 1)
    assert torch.count_nonzero(logprobs.grad) == 0
    assert torch.allclose(elp.grad, -emask / emask.sum())
    assert loss.item() == pytest.approx(float(-(elp.detach() * emask).sum() / 3), rel=1e-6)


def test_kl_term_optional():
    rewards, mask, logprobs, *_ = _batch(2)
    adv = group_advantages(rewards, G)
    ref = logprobs.detach() - 0.1
    no_kl, _ = ahpo_loss(logprobs, None, mask, adv, LossConfig(algorithm="grpo"))
    with_kl, metrics = ahpo_loss(logprobs, None, mask, adv, LossConfig(algorithm="grpo", kl_coef=0.5),
                                 ref_logprobs=ref)
    kl = math.exp(-0.1) + 0.1 - 1  # k3 estimator with log(pi_ref / pi_theta) = -0.1
    assert metrics["kl"] == pytest.approx(kl, rel=1e-5)
    assert (with_kl - no_kl).item() == pytest.approx(0.5 * kl, rel=1e-4)
    with pytest.raises(ValueError):
        ahpo_loss(logprobs, None, mask, adv, LossConfig(algorithm="grpo", kl_coef=0.5))


# ----- invariants (spec section 14) --------------------------------------------------------------------------------


@pytest.mark.parametrize("norm", ["token_total", "separate", "seq_mean_token_mean", "constant"])
def test_ahpo_with_gate_forced_off_equals_grpo(norm):
    rewards, mask, logprobs, elp, emask = _batch(0, seed=3)
    old = logprobs.detach() + 0.05 * torch.randn(logprobs.shape, generator=torch.Generator().manual_seed(1))
    rewards = torch.tensor([1.0, 0, 0, 1, 0])
    adv = group_advantages(rewards, G)
    grads = []
    for algo, gate in (("ahpo", 0.0), ("grpo", 0.0)):
        logprobs.grad = None
        loss, _ = ahpo_loss(logprobs, old, mask, adv, LossConfig(algorithm=algo, norm=norm), expert_logprobs=elp,
                            expert_mask=emask, expert_gate=torch.tensor([gate]))
        loss.backward()
        grads.append((loss.item(), logprobs.grad.clone()))
    assert grads[0][0] == grads[1][0] and torch.equal(grads[0][1], grads[1][1])


def test_loss_independent_of_micro_batch_split():
    gen = torch.Generator().manual_seed(7)
    n_prompts, width = 4, 6
    lengths = torch.randint(1, width + 1, (n_prompts * G,), generator=gen)
    mask = (torch.arange(width)[None, :] < lengths[:, None]).float()
    logprobs = -torch.rand(n_prompts * G, width, generator=gen)
    old = logprobs + 0.1 * torch.randn(logprobs.shape, generator=gen)
    rewards = (torch.rand(n_prompts * G, generator=gen) > 0.7).float()
    elp = -torch.rand(n_prompts, 5, generator=gen)
    emask = (torch.arange(5)[None, :] < torch.tensor([[2], [5], [3], [4]])).float()
    for norm in ("token_total", "separate", "seq_mean_token_mean", "constant"):
        cfg = LossConfig(norm=norm, max_response_length=width)
        plan = plan_groups(rewards, rewards.bool(), torch.ones(n_prompts, dtype=torch.bool), cfg)
        full, _ = ahpo_loss(logprobs, old, mask, plan.advantages, cfg, expert_logprobs=elp, expert_mask=emask,
                            expert_gate=plan.gate)
        # one carrier row per prompt: expert rows travel with the first rollout of their group
        order = torch.randperm(n_prompts * G, generator=gen)
        carriers = torch.arange(n_prompts * G) % G == 0
        global_stats = norm_stats(mask, None, emask, plan.gate, prompts=n_prompts)
        total = 0.0
        for chunk in order.chunk(3):
            rows = chunk[carriers[chunk]]
            prompts_of_rows = rows // G
            part, _ = ahpo_loss(logprobs[chunk], old[chunk], mask[chunk], plan.advantages[chunk], cfg,
                                expert_logprobs=elp[prompts_of_rows], expert_mask=emask[prompts_of_rows],
                                expert_gate=plan.gate[prompts_of_rows], stats=global_stats)
            total += part.item()
        assert total == pytest.approx(full.item(), rel=1e-5, abs=1e-7), norm


def test_norm_stats_add_and_round_trip():
    a = NormStats(1, 2, 3, 4, 5)
    assert NormStats.from_tensor((a + a).as_tensor()) == NormStats(2, 4, 6, 8, 10)


def test_config_validation():
    with pytest.raises(ValueError):
        LossConfig(algorithm="ppo")
    with pytest.raises(ValueError):
        LossConfig(norm="mean")
    assert LossConfig(clip_eps=0.2).eps_high == 0.2
