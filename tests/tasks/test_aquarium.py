"""Aquarium: generator levels and uniqueness, rule verifier, importer, step mode, rendering, prompts, trace."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.puzzles import aquarium as mod
from mmhelix_env.tasks.puzzles.aquarium import TASK
from tests import helpers_puzzle as hp
from tests.mutators import aquarium as mutators

SEEDS = range(30)


def connected(regions, g) -> bool:
    n = len(regions)
    cells = {(x, y) for y in range(n) for x in range(n) if regions[y][x] == g}
    start = next(iter(cells))
    seen = {start}
    stack = [start]
    while stack:
        x, y = stack.pop()
        for nb in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
            if nb in cells and nb not in seen:
                seen.add(nb)
                stack.append(nb)
    return seen == cells


def is_solution(state, water) -> bool:
    """Brute-force rule check: counts, and every tank = its cells at or below some threshold row."""
    n = state["n"]
    regions = state["regions"]
    water = set(water)
    rows = [sum(1 for x in range(n) if (x, y) in water) for y in range(n)]
    cols = [sum(1 for y in range(n) if (x, y) in water) for x in range(n)]
    if rows != list(state["row_clues"]) or cols != list(state["col_clues"]):
        return False
    k = 1 + max(v for row in regions for v in row)
    for g in range(k):
        cells = {(x, y) for y in range(n) for x in range(n) if regions[y][x] == g}
        if not any({c for c in cells if c[1] >= t} == cells & water for t in range(n + 1)):
            return False
    return True


def make(regions, row_clues, col_clues, level=1) -> Instance:
    return Instance("Aquarium", level, None, "1", {"n": len(regions), "regions": regions, "row_clues": row_clues,
                                                   "col_clues": col_clues})


@pytest.fixture(scope="module")
def instances():
    return {lv: [TASK.instance(lv, s) for s in SEEDS] for lv in range(1, 6)}


# ---------------------------------------------------------------------------------------------------------------
# generator


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_level_parameters_and_uniqueness(instances, level):
    n, counts = mod.LEVEL_PARAMS[level]
    seen_k = set()
    for inst in instances[level]:
        st_ = inst.state
        assert set(st_) == {"n", "regions", "row_clues", "col_clues"} and st_["n"] == n
        regions = st_["regions"]
        assert len(regions) == n and all(len(row) == n for row in regions)
        k = 1 + max(v for row in regions for v in row)
        assert k in counts
        seen_k.add(k)
        assert {v for row in regions for v in row} == set(range(k))
        sizes = [sum(row.count(g) for row in regions) for g in range(k)]
        assert max(sizes) <= 2 * n and sum(1 for s in sizes if s == 1) <= 1
        assert all(connected(regions, g) for g in range(k))
        water = inst._witness
        assert 0.2 * n * n <= len(water) <= 0.8 * n * n
        assert is_solution(st_, water)
        assert TASK.count(inst) == 1
    assert seen_k == set(counts)


def test_levels_get_harder(instances):
    hp.assert_medians_grow(TASK, instances, ("tanks", "level_options", "water_cells", "propagations", "deductions"), 15)


def test_determinism():
    hp.assert_same_seed_same_instance(TASK, (1, 5), 77, fingerprints=True)


# ---------------------------------------------------------------------------------------------------------------
# verifier


def test_round_trip_without_witness(instances):
    hp.assert_round_trip_without_witness(TASK, instances, 5, lambda inst: mod.pairs_text(inst._witness))


def test_lenient_formats(instances):
    inst = instances[2][0]
    water = list(inst._witness)
    forms = [
        mod.pairs_text(water),
        mod.pairs_text(list(reversed(water))),
        "[" + ",".join(f"({x},{y})" for x, y in water) + "]",
        json.dumps([[x, y] for x, y in water]),
        ", ".join(f"({x}, {y})" for x, y in water),
        "\n".join(f"({x}, {y})" for x, y in water),
        mod.pairs_text(water + water[:2]),
        "Example: [(0, 4), (1, 4)]\nSo the answer is " + mod.pairs_text(water),
        "```\n" + mod.pairs_text(water) + "\n```",
    ]
    for text in forms:
        v = TASK.verify(inst, text)
        assert v.correct, (text, v.reason)
    assert TASK.verify_response(inst, "so\n\\boxed{" + forms[0] + "}")[1].correct
    # the last list wins
    assert not TASK.verify(inst, forms[0] + " no wait: " + mod.pairs_text(water[1:])).correct
    # a "[]" earlier in the text does not empty the answer (the official scorer's bug)
    assert TASK.verify(inst, "not [] but " + forms[0]).correct


def test_rule_violations():
    # 3x3 with a U-shaped tank 0 (left, bottom, right), tank 1 (middle top two), row/col clues from a filling
    regions = [[0, 1, 0], [0, 1, 0], [0, 0, 0]]
    inst = make(regions, [2, 2, 3], [3, 1, 3])
    ok = "[(0, 0), (2, 0), (0, 1), (2, 1), (0, 2), (1, 2), (2, 2)]"
    v = TASK.verify(inst, ok)
    assert v.correct and v.score == 1.0
    # floating water: tank 1's top cell wet, bottom dry (counts kept by moving water elsewhere is impossible here)
    v = TASK.verify(inst, "[(0, 0), (2, 0), (1, 0), (0, 1), (2, 1), (0, 2), (1, 2), (2, 2)]")
    assert not v.correct and "row 0 has 3 water cells, not 2" in v.reason and "tank 1" in v.reason
    assert "floats above the empty cell (1, 1)" in v.reason
    # the U tank must fill both arms to the same height
    v = TASK.verify(inst, "[(0, 0), (0, 1), (2, 1), (0, 2), (1, 2), (2, 2)]")
    assert not v.correct and "tank 0 is not level in row 0" in v.reason
    total = 2 * 3 + 2
    assert v.score == pytest.approx((total - 3) / total)
    v = TASK.verify(inst, "[(0, 0), (3, 1)]")
    assert not v.correct and v.score == 0 and "cell (3, 1) is outside the 3x3 grid" in v.reason
    for bad, why in (("[(0, -1)]", "negative"), ("[(0.5, 1)]", "not a pair of integers"),
                     ("[(1, 2, 3)]", "not a pair of integers"), ("nothing here", "no list")):
        v = TASK.verify(inst, bad)
        assert not v.correct and why in v.reason, (bad, v.reason)
    v = TASK.verify(inst, "[]")
    assert not v.correct and "row 0 has 0 water cells, not 2" in v.reason


def test_empty_answer_accepted_when_right():
    inst = make([[0, 0], [1, 1]], [0, 0], [0, 0])
    assert TASK.verify(inst, "[]").correct
    assert TASK.solve(inst) == ()


def test_alternative_solutions_accepted():
    # four single-cell tanks, one water cell per row and column: two fillings
    inst = make([[0, 1], [2, 3]], [1, 1], [1, 1])
    assert TASK.count(inst, 5) == 2
    for ans in ("[(0, 0), (1, 1)]", "[(1, 0), (0, 1)]"):
        assert TASK.verify(inst, ans).correct
    # a reference record with several fillings: every one is accepted, not only the stored answer
    rec = hp.fixture_record(3, "aquarium")
    ref = TASK.from_record(rec)
    csp = TASK.csp(ref)
    sols = csp.search(limit=10).solutions
    assert len(sols) > 1
    texts = {mod.pairs_text(mod.water_of(ref.state["regions"], s)) for s in sols}
    assert len(texts) == len(sols) and len(texts - {rec["answer"]}) >= 1
    assert TASK.verify(ref, rec["answer"]).correct
    for text in texts:
        v = TASK.verify(ref, text)
        assert v.correct, v.reason
        assert is_solution(ref.state, mod.parse_water(text))


def test_mutators(instances):
    hp.assert_mutations_rejected(TASK, mutators, instances, 4)


GARBAGE = hp.grid_garbage("[(١, ٢)]", "(２, ４)", "[" + "(1, 1), " * 2500 + "]", "(" * 19_999,
                          "[(99999999999999999999999, 1)]")


def test_garbage_rejected(instances):
    hp.assert_garbage_rejected(TASK, instances[5][0], GARBAGE)


def test_verify_is_fast(instances):
    hp.assert_verify_fast(TASK, instances[5][0])


test_arbitrary_text_never_raises = hp.arbitrary_text_test(TASK, 1)


@settings(max_examples=100, deadline=None)
@given(st.sets(st.tuples(st.integers(0, 4), st.integers(0, 4)), max_size=16))
def test_arbitrary_cell_sets(cells):
    inst = TASK.instance(1, 1)
    v = TASK.verify(inst, mod.pairs_text(cells))
    assert isinstance(v.correct, bool) and v.reason
    inside = all(x < 4 and y < 4 for x, y in cells)
    assert v.correct == (inside and is_solution(inst.state, cells))


# ---------------------------------------------------------------------------------------------------------------
# importer


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_import_fixtures(level):
    for rec, inst in hp.imported_fixtures(TASK, "Aquarium", level, "aquarium"):
        init = json.loads(rec["initial_state"])
        assert inst.state["n"] == level + 3
        assert list(inst.state["row_clues"]) == init["row_clues"]
        v = TASK.verify(inst, rec["answer"])
        assert v.correct, v.reason
        assert inst._witness is not None and TASK.expert_answer(inst) == rec["answer"]
        assert TASK.verify(inst, extract_answer(TASK.trace(inst))).correct


def test_import_published_row_and_bad_records():
    rec = hp.fixture_record(2, "aquarium")
    row = {"id": 5, "category": "aquarium", "question": rec["question"], "question_text": rec["question_language"],
           "answer": rec["answer"], "difficulty": 2, "initial_state": rec["initial_state"],
           "metric_info": "{'score_function': 'aquarium_evaluator'}"}
    inst = TASK.from_record(row)
    assert inst.fingerprint == TASK.from_record(rec).fingerprint
    no_level = {"initial_state": rec["initial_state"], "answer": "[]"}
    inst2 = TASK.from_record(no_level)
    assert inst2.level == 2 and inst2._witness is None
    init = json.loads(rec["initial_state"])
    # arbitrary region ids are renumbered in row-major order
    shifted = dict(init, regions=[[g + 100 for g in row] for row in init["regions"]])
    assert TASK.from_record({"initial_state": json.dumps(shifted), "difficulty": 2}).fingerprint == inst.fingerprint
    split = [row[:] for row in init["regions"]]
    split[0][0] = split[4][4] = 99  # one id in two far-apart cells: not connected
    for bad in ({}, {"initial_state": "nope"},
                {"initial_state": json.dumps(dict(init, regions=split)), "difficulty": 2},
                {"initial_state": json.dumps(dict(init, row_clues=[5, 5, 5, 5, 5])), "difficulty": 2},
                {"initial_state": json.dumps(dict(init, row_clues=[1, 2])), "difficulty": 2},
                {"initial_state": rec["initial_state"], "difficulty": 2, "category": "sudoku"}):
        with pytest.raises(RecordError):
            TASK.from_record(bad)


# ---------------------------------------------------------------------------------------------------------------
# step mode


def test_step_mode(instances):
    inst = instances[3][2]
    n = inst.state["n"]
    assert TASK.action_shape(inst) == (n, n, 3) == TASK.level_action_shape(3)
    assert TASK.step_limit(inst) == 4 * n * n
    play = TASK.play_init(inst)
    assert TASK.play_mask(inst, play).all() and TASK.play_mask(inst, play).shape == (n, n, 3)
    res = TASK.play_apply(inst, play, (0, 0, 0))
    assert res.legal and res.state == play  # a no-op is legal
    actions = TASK.expert_actions(inst)
    assert len(actions) == len(inst._witness) and all(a[2] == 1 for a in actions)
    # dry marks do not matter
    dry = next((y, x) for y in range(n) for x in range(n) if (x, y) not in set(inst._witness))
    play = TASK.play_apply(inst, play, (*dry, 2)).state
    play = hp.play_through(TASK, inst, play, actions)
    r, c, _ = actions[0]
    assert not TASK.play_solved(inst, TASK.play_apply(inst, play, (r, c, 2)).state)
    hp.assert_play_presentation(TASK, inst, play, "(row, column, value)")


def test_step_env_reward():
    hp.assert_step_env_reward(TASK, 2, 4, (5, 5, 3))


# ---------------------------------------------------------------------------------------------------------------
# presentation


def test_render_and_prompts(instances):
    inst = instances[5][0]
    hp.assert_render_sizes(TASK, inst)
    image_prompt, text_prompt = hp.assert_prompts_clean(TASK, inst)
    for p in (image_prompt, text_prompt):
        assert "8×8" in p
        assert mod.FORMAT_SENTENCE in p
        assert TASK.expert_answer(inst) not in p
    assert "thick black lines" in image_prompt and "image" in image_prompt
    assert "image" not in text_prompt.lower()
    assert f"Row clues: {list(inst.state['row_clues'])}" in text_prompt
    assert f"Column clues: {list(inst.state['col_clues'])}" in text_prompt
    for y, row in enumerate(inst.state["regions"]):
        assert f"Row {y}: " + " ".join(map(str, row)) in text_prompt


def test_render_shows_water(instances):
    inst = instances[1][0]
    play = TASK.play_init(inst)
    after = TASK.play_apply(inst, play, TASK.expert_actions(inst)[0]).state
    arr = np.asarray(TASK.render(inst, after)).reshape(-1, 3)
    assert (arr == np.array(mod.WATER)).all(axis=1).any()
    assert not (np.asarray(TASK.render(inst)).reshape(-1, 3) == np.array(mod.WATER)).all(axis=1).any()


def test_trace_ends_in_verifying_answer(instances):
    picked = [instances[lv][0] for lv in range(1, 6)]
    guessing = [i for lv in (4, 5) for i in instances[lv] if TASK.stats(i)["guesses"] > 0][:2]
    assert guessing
    for inst in picked + guessing:
        trace = TASK.trace(inst)
        assert set(trace) <= CHARSET
        assert extract_answer(trace) == TASK.expert_answer(inst)
        assert TASK.verify(inst, extract_answer(trace)).correct
    assert "Suppose" in TASK.trace(guessing[0])
    assert "needs" in TASK.trace(picked[2])
