"""Numbrix: generator levels and uniqueness, rule verifier (full and reference-partial rules), lenient parsing,
importer, step mode, rendering, prompts, trace."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.puzzles import numbrix as mod
from mmhelix_env.tasks.puzzles.numbrix import TASK, answer_text
from tests import helpers_puzzle as hp
from tests.mutators import numbrix as mutators

SEEDS = range(30)


def make(grid, full=True, level=1) -> Instance:
    return Instance("Numbrix", level, None, "1", {"n": len(grid), "grid": grid, "full": full})


def is_path(grid, top):
    n = len(grid)
    where = {v: (r, c) for r in range(n) for c in range(n) for v in [grid[r][c]] if v}
    return all(abs(where[k][0] - where[k + 1][0]) + abs(where[k][1] - where[k + 1][1]) == 1 for k in range(1, top))


@pytest.fixture(scope="module")
def instances():
    return {lv: [TASK.instance(lv, s) for s in SEEDS] for lv in range(1, 6)}


# ---------------------------------------------------------------------------------------------------------------
# generator


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_level_parameters_and_uniqueness(instances, level):
    n, target = mod.LEVEL_PARAMS[level]
    for inst in instances[level]:
        s = inst.state
        assert set(s) == {"n", "grid", "full"} and s["n"] == n and s["full"] is True
        vals = [v for row in s["grid"] for v in row if v]
        assert len(vals) == target and len(set(vals)) == target and all(1 <= v <= n * n for v in vals)
        sol = inst._witness
        assert sorted(v for row in sol for v in row) == list(range(1, n * n + 1)) and is_path(sol, n * n)
        assert all(sol[r][c] == s["grid"][r][c] for r in range(n) for c in range(n) if s["grid"][r][c])
        assert TASK.count(inst) == 1
        if level >= 3:
            assert mod.consecutive_gap({v: 0 for v in vals}) >= 4


def test_variety_and_random_paths():
    fps = {TASK.instance(1, s).fingerprint for s in range(200)}
    assert len(fps) > 150
    paths = {tuple(v for row in TASK.instance(2, s)._witness for v in row) for s in range(100)}
    assert len(paths) > 80
    rng = np.random.default_rng(0)
    for n in (4, 5, 8):
        p = mod.random_path(rng, n)
        assert sorted(p) == list(range(n * n))
        assert all(abs(a // n - b // n) + abs(a % n - b % n) == 1 for a, b in zip(p, p[1:]))


def test_levels_get_harder(instances):
    for key in ("blanks", "sweep_work"):
        med = {lv: np.median([TASK.stats(i)[key] for i in instances[lv][:15]]) for lv in range(1, 6)}
        assert all(med[lv] <= med[lv + 1] for lv in range(1, 5)), (key, med)
        assert med[1] < med[5]


def test_determinism():
    hp.assert_same_seed_same_instance(TASK, (1, 5), 9)


# ---------------------------------------------------------------------------------------------------------------
# verifier


def test_round_trip_without_witness(instances):
    hp.assert_round_trip_without_witness(TASK, instances, 5, lambda inst: answer_text(inst._witness), strict=False)


def test_lenient_formats(instances):
    inst = instances[3][1]
    sol = [list(r) for r in inst._witness]
    forms = [
        answer_text(sol),
        "\n" + answer_text(sol) + "\n",
        "\n".join("| " + " | ".join(map(str, r)) + " |" for r in sol),
        "\n".join("|".join(map(str, r)) for r in sol),
        "```\n" + answer_text(sol) + "\n```",
        "|" + "|".join(["---"] * 6) + "|\n" + answer_text(sol),
        "\n\n".join(answer_text([r]) for r in sol),
        json.dumps(sol),
        "\n".join(" ".join(map(str, r)) for r in sol),
        "\n".join(", ".join(map(str, r)) for r in sol),
        "Answer: " + answer_text(sol),
        "Example:\n|1|2|3|\n|6|5|4|\n|7|8|9|\nMy answer:\n" + answer_text(sol),
    ]
    for text in forms:
        v = TASK.verify(inst, text)
        assert v.correct, (text, v.reason)
    assert TASK.verify_response(inst, "\\boxed{" + forms[0] + "}")[1].correct
    assert TASK.verify_response(inst, "thinking...\nAnswer: " + forms[0])[1].correct


def test_rule_violations(instances):
    inst = instances[2][0]
    n = 5
    sol = [list(r) for r in inst._witness]
    giv = inst.state["grid"]
    free = [(r, c) for r in range(n) for c in range(n) if not giv[r][c]]
    (r1, c1), (r2, c2) = free[0], free[1]
    bad = [r[:] for r in sol]
    bad[r1][c1], bad[r2][c2] = bad[r2][c2], bad[r1][c1]
    v = TASK.verify(inst, answer_text(bad))
    assert not v.correct and "are not adjacent" in v.reason and 0 < v.score < 1
    bad = [r[:] for r in sol]
    bad[r1][c1] = 0
    v = TASK.verify(inst, answer_text(bad))
    assert not v.correct and f"{sol[r1][c1]} is missing" in v.reason and f"cell ({r1},{c1}) is empty" in v.reason
    bad = [r[:] for r in sol]
    bad[r1][c1] = sol[r2][c2]
    v = TASK.verify(inst, answer_text(bad))
    assert not v.correct and "appears 2 times" in v.reason
    bad = [r[:] for r in sol]
    r, c = next((r, c) for r in range(n) for c in range(n) if giv[r][c])
    bad[r][c] = 99
    v = TASK.verify(inst, answer_text(bad))
    assert not v.correct and v.score == 0 and f"the given {giv[r][c]} at ({r},{c}) was changed to 99" in v.reason
    v = TASK.verify(inst, answer_text(sol).replace(f"|{sol[r1][c1]}|", "|x|", 1))
    assert not v.correct and "'x', not a number" in v.reason
    v = TASK.verify(inst, answer_text(sol[:-1]))
    assert not v.correct and "rows" in v.reason
    v = TASK.verify(inst, answer_text([row + [1] for row in sol]))
    assert not v.correct and "cells, expected 5" in v.reason


def test_alternative_solutions_accepted():
    inst = make([[1, 0, 0], [0, 0, 0], [0, 0, 0]])
    assert TASK.count(inst) == 2
    for sol in ([[1, 2, 3], [6, 5, 4], [7, 8, 9]], [[1, 6, 7], [2, 5, 8], [3, 4, 9]],
                [[1, 2, 3], [8, 9, 4], [7, 6, 5]]):
        assert TASK.verify(inst, answer_text(sol)).correct
    assert not TASK.verify(inst, answer_text([[1, 2, 3], [4, 5, 6], [7, 8, 9]])).correct


def test_partial_reference_rules():
    grid = [[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 9]]
    inst = make(grid, full=False)
    hole = [[1, 2, 3, 4], [0, 0, 6, 5], [0, 0, 7, 0], [0, 0, 8, 9]]
    assert TASK.verify(inst, answer_text(hole)).correct  # empty cells allowed, M = 9
    longer = [[1, 2, 3, 4], [0, 0, 6, 5], [0, 0, 7, 10], [0, 0, 8, 9]]
    assert TASK.verify(inst, answer_text(longer)).correct  # M may exceed the largest given
    broken = [[1, 2, 3, 4], [0, 0, 6, 5], [0, 0, 7, 0], [0, 0, 0, 9]]
    v = TASK.verify(inst, answer_text(broken))
    assert not v.correct and "8 is missing" in v.reason
    sol = TASK.solve(inst)
    assert TASK.verify(inst, answer_text(sol)).correct and TASK.verify(inst, extract_answer(TASK.trace(inst))).correct
    assert "may stay empty" in TASK.prompt(inst, "text") or "stay empty" in TASK.prompt(inst, "text")


def test_mutators(instances):
    hp.assert_mutations_rejected(TASK, mutators, instances, 4)


test_arbitrary_text_never_raises = hp.arbitrary_text_test(TASK, 1)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.one_of(st.integers(-3, 20), st.just(" "), st.just("x")), min_size=4, max_size=4),
                min_size=4, max_size=4))
def test_arbitrary_grids_never_raise(rows):
    text = "\n".join("|" + "|".join(map(str, r)) + "|" for r in rows)
    v = TASK.verify(TASK.instance(1, 0), text)
    assert isinstance(v.correct, bool) and 0 <= v.score <= 1 and (v.correct or v.reason)


def test_garbage_rejected():
    texts = hp.small_garbage("[" * 10_000 + "]" * 10_000, "١٢٣ ٤", "２４", "|" * 19_000, "1" * 20_000, "|١|٢|\n" * 8,
                             "|\n" * 9_000)
    hp.assert_garbage_rejected(TASK, TASK.instance(5, 0), texts)


# ---------------------------------------------------------------------------------------------------------------
# importer


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_import_fixtures(level):
    for rec, inst in hp.imported_fixtures(TASK, "Numbrix", level, "numbrix", n=level + 3):
        assert inst.state["full"] is False
        assert inst._witness is not None
        assert TASK.verify(inst, rec["answer"]).correct
        fresh = Instance.from_dict(inst.to_dict())
        assert TASK.verify(fresh, TASK.expert_answer(fresh)).correct


def test_import_published_row_and_bad_records():
    rec = hp.fixture_record(2, "numbrix")
    row = {"id": 1, "category": "numbrix", "question": rec["question"], "answer": rec["answer"].replace("\n", "\\n"),
           "difficulty": 2, "initial_state": rec["initial_state"].replace("\n", "\\n")}
    inst = TASK.from_record(row)
    assert inst.fingerprint == TASK.from_record(rec).fingerprint and inst._witness is not None
    assert TASK.from_record({"initial_state": rec["initial_state"]}).level == 2
    holed = {"category": "numbrix", "difficulty": "1", "initial_state": "\n|1| | |\n| | | |\n| | |5|",
             "answer": "\n|1|2|3|\n| | |4|\n| | |5|"}  # a path with holes is valid under the partial rules
    inst = TASK.from_record(holed)
    assert inst._witness is not None and inst.state["n"] == 3
    for bad in ({}, {"initial_state": 5}, {"initial_state": "|1|2|\n|3|"},
                {"initial_state": "|1|1|\n|0|0|"}, {"initial_state": "|1| |\n| |4|"},
                {"initial_state": rec["initial_state"], "category": "kakuro"}):
        with pytest.raises(RecordError):
            TASK.from_record(bad)


# ---------------------------------------------------------------------------------------------------------------
# step mode


def test_step_mode(instances):
    inst = instances[5][3]
    n = 8
    assert TASK.action_shape(inst) == (n, n, 65) == TASK.level_action_shape(5) and TASK.step_limit(inst) == 256
    play = TASK.play_init(inst)
    mask = TASK.play_mask(inst, play)
    giv = inst.state["grid"]
    assert mask.shape == (n, n, 65)
    assert all(mask[r, c].all() != bool(giv[r][c]) for r in range(n) for c in range(n))
    r, c = next((r, c) for r in range(n) for c in range(n) if giv[r][c])
    res = TASK.play_apply(inst, play, (r, c, 5))
    assert not res.legal and res.state == play
    fr, fc = next((r, c) for r in range(n) for c in range(n) if not giv[r][c])
    res = TASK.play_apply(inst, play, (fr, fc, giv[r][c]))  # duplicates allowed while playing
    assert res.legal and res.state[fr][fc] == giv[r][c] and play[fr][fc] == 0
    actions = TASK.expert_actions(inst)
    assert len(actions) == 64 - 29
    play = hp.play_through(TASK, inst, play, actions)
    assert TASK.render(inst, play).size == (512, 512)
    for modality in ("image", "text"):
        assert set(TASK.play_prompt(inst, play, modality)) <= CHARSET


def test_step_env_reward():
    hp.assert_step_env_reward(TASK, 2, 2, (5, 5, 26))


# ---------------------------------------------------------------------------------------------------------------
# presentation


def test_render_and_prompts(instances):
    inst = instances[5][0]
    img = TASK.render(inst)
    assert img.size == (512, 512)
    entered = np.asarray(TASK.render(inst, TASK.solution_codes(inst)))
    assert (np.abs(entered.astype(int) - np.asarray(img).astype(int)).sum(axis=2) > 0).mean() > 0.01
    image_prompt, text_prompt = TASK.prompt(inst, "image"), TASK.prompt(inst, "text")
    sentence = mod.FORMAT_SENTENCE.format(m=64)
    for p in (image_prompt, text_prompt):
        assert set(p) <= CHARSET and sentence in p and "8×8" in p and "|1|2|3|" in p
        assert answer_text(inst._witness) not in p and "not every" not in p
    assert "image" in image_prompt and "image" not in text_prompt.lower()
    assert answer_text(inst.state["grid"]) in text_prompt


def test_trace_ends_in_verifying_answer(instances):
    for inst in [instances[lv][0] for lv in range(1, 6)] + [make([[1, 0, 0], [0, 0, 0], [0, 0, 0]])]:
        trace = TASK.trace(inst)
        assert trace.splitlines()[-inst.state["n"]].startswith("Answer: ")
        assert set(trace) <= CHARSET and "goes to" in trace
        assert TASK.verify(inst, extract_answer(trace)).correct
    assert "try 2 at" in TASK.trace(make([[1, 0, 0], [0, 0, 0], [0, 0, 0]]))


def test_engine_model_counts_and_chain_constraint():
    # uniqueness and solving run on core.csp: a 2x2 with only 1 given has two paths; with 1 and 4 given, one
    from mmhelix_env.core.csp import CSP

    m = mod.Model(2, {1: 0}, 4, True)
    assert isinstance(m.csp, CSP) and m.search(2, max_nodes=None).count == 2
    assert mod.Model(2, {1: 0, 4: 2}, 4, True).search(2, max_nodes=None).count == 1
    chain = mod.Chain(range(4), 2)
    assert chain.satisfied([0, 1, 3, 2]) and not chain.satisfied([0, 3, 1, 2])
    dom = [1 << 0, 0b1111, 0b1111, 0b1111]
    assert chain.propagate(dom) == [1, 2, 3] and dom[1:] == [0b0110, 0b1001, 0b0110]
