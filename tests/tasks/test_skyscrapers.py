"""Skyscrapers: generator levels and uniqueness, rule verifier, importer, step mode, rendering, prompts, trace."""

from __future__ import annotations

import json
from itertools import permutations

import numpy as np
import pytest

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.core.grid_puzzle import matrix_text
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.puzzles import skyscrapers as mod
from mmhelix_env.tasks.puzzles.skyscrapers import TASK
from tests import helpers_puzzle as hp
from tests.mutators import skyscrapers as mutators

SEEDS = range(30)
SIDES = ("top", "bottom", "left", "right")


def is_solution(state, grid) -> bool:
    n = state["n"]
    full = set(range(1, n + 1))
    if any(set(row) != full for row in grid) or any({grid[r][c] for r in range(n)} != full for c in range(n)):
        return False
    if any(g and g != grid[r][c] for r, row in enumerate(state["grid"]) for c, g in enumerate(row)):
        return False
    clues = mod.clues_of(grid)
    return all(not a or a == b for side in SIDES for a, b in zip(state[side], clues[side]))


def make(grid_solution, givens=None, level=2, **override) -> Instance:
    n = len(grid_solution)
    state = {"n": n, **mod.clues_of(grid_solution), "grid": givens or [[0] * n for _ in range(n)]}
    state.update(override)
    return Instance("Skyscrapers", level, None, "1", state)


@pytest.fixture(scope="module")
def instances():
    return {lv: [TASK.instance(lv, s) for s in SEEDS] for lv in range(1, 6)}


# ---------------------------------------------------------------------------------------------------------------
# generator


def test_visible():
    assert mod.visible([1, 2, 3, 4]) == 4 and mod.visible([4, 3, 2, 1]) == 1 and mod.visible([2, 1, 4, 3]) == 2
    assert mod.visible([3, 3, 4]) == 2
    for n in (3, 4, 5):
        total = sum(len(mod.line_options(n, a, b)) for a in range(1, n + 1) for b in range(1, n + 1))
        assert total == len(list(permutations(range(n))))
        assert len(mod.line_options(n, 0, 0)) == total
        assert mod.line_options(n, 1, 1) == () and len(mod.line_options(n, n, 1)) == 1


def test_line_narrowing_matches_brute_force(monkeypatch):
    """The line table's narrowing (support tests, or the union of the few options left) and its leaf check agree
    with a scan of the clue pair's permutations."""
    from mmhelix_env.tasks.puzzles import _line_table

    rng = np.random.default_rng(5)
    n = 5
    for front, back in [(0, 0), (2, 2), (1, 3), (3, 0), (0, 2), (5, 1)]:
        line = mod.LineClues(list(range(n)), n, front, back)
        opts = mod.line_options(n, front, back)
        for few in (0, 1000):
            monkeypatch.setattr(_line_table, "FEW", few)
            for _ in range(60):
                doms = tuple(int(m) << 1 or 2 for m in rng.integers(0, 1 << n, size=n))
                fits = [p for p in opts if all(doms[i] >> x & 1 for i, x in enumerate(p))]
                want = tuple(sum({1 << p[i] for p in fits}) if doms[i] & (doms[i] - 1) else doms[i]
                             for i in range(n)) if fits else None
                assert line.narrow(doms) == want
        for p in permutations(range(1, n + 1)):
            assert line.satisfied(list(p)) == (p in opts)


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_level_parameters_and_uniqueness(instances, level):
    n, extra = mod.LEVEL_PARAMS[level]
    counts = []
    for inst in instances[level]:
        st_ = inst.state
        assert set(st_) == {"n", "grid", *SIDES} and st_["n"] == n == level + (3 if level == 1 else 2)
        assert len(st_["grid"]) == n and all(len(row) == n for row in st_["grid"])
        for side in SIDES:  # all 4n clues given
            assert len(st_[side]) == n and all(1 <= x <= n for x in st_[side])
        assert is_solution(st_, inst._witness)
        assert TASK.count(inst) == 1
        givens = [(r, c) for r in range(n) for c in range(n) if st_["grid"][r][c]]
        counts.append(len(givens))
        assert len(givens) >= extra
        if not extra:  # givens only where needed: dropping any one makes the puzzle ambiguous
            for r, c in givens:
                grid = [list(row) for row in st_["grid"]]
                grid[r][c] = 0
                assert TASK.count(Instance("Skyscrapers", level, None, "1", dict(st_, grid=grid))) == 2
    if level == 1:
        assert min(counts) >= 3
    if level == 2:
        assert 0.4 < counts.count(0) / len(counts) < 0.9   # ~65 % of order-4 squares need no given
    if level == 5:
        assert np.median(counts) >= 2


def test_latin_squares_are_not_only_cyclic(instances):
    def cyclic(g):
        n = len(g)
        return all(tuple(g[r][(c + 1) % n] for c in range(n)) in set(map(tuple, g)) for r in range(n))

    assert not all(cyclic(inst._witness) for inst in instances[4])


def test_levels_get_harder(instances):
    hp.assert_medians_grow(TASK, instances, ("propagations", "line_options"), 15)


def test_determinism():
    hp.assert_same_seed_same_instance(TASK, (1, 5), 77, fingerprints=True)


# ---------------------------------------------------------------------------------------------------------------
# verifier


def test_round_trip_without_witness(instances):
    hp.assert_round_trip_without_witness(TASK, instances, 5, lambda inst: matrix_text(inst._witness))


def test_lenient_formats(instances):
    inst = instances[3][0]
    sol = [list(r) for r in inst._witness]
    forms = [
        matrix_text(sol),
        json.dumps(sol, indent=2),
        "\n".join(" ".join(map(str, r)) for r in sol),
        "\n".join(", ".join(map(str, r)) for r in sol),
        "\n".join("[" + ", ".join(map(str, r)) + "]" for r in sol),
        " ".join(str(v) for r in sol for v in r),
        "Example: [[1, 2, 3, 4], [4, 3, 2, 1], [2, 1, 4, 3], [3, 4, 1, 2]]\nFinal: " + matrix_text(sol),
        str([tuple(r) for r in sol]),
        str(sol).replace(",", " ,\n "),
        repr([[str(v) for v in r] for r in sol]),
    ]
    for text in forms:
        v = TASK.verify(inst, text)
        assert v.correct, (text, v.reason)
    assert TASK.verify_response(inst, "so\n\\boxed{" + forms[0] + "}")[1].correct
    wrong = [row[:] for row in sol]
    wrong[0][0], wrong[0][1] = wrong[0][1], wrong[0][0]
    assert not TASK.verify(inst, matrix_text(sol) + " then " + matrix_text(wrong)).correct
    assert not TASK.verify(inst, str([[*r[:-1], "x"] for r in sol]).replace("'", "")).correct


def test_rule_violations():
    sol = [[2, 1, 4, 3], [3, 4, 1, 2], [4, 3, 2, 1], [1, 2, 3, 4]]
    inst = make(sol, givens=[[2, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
    assert TASK.verify(inst, matrix_text(sol)).correct
    # a given changed (grid still a Latin square with rows swapped -> clues break too)
    bad = [sol[3], sol[1], sol[2], sol[0]]
    v = TASK.verify(inst, matrix_text(bad))
    assert not v.correct and "the given 2 at (0,0) was changed to 1" in v.reason and 0 < v.score < 1
    # a repeated height
    bad = [row[:] for row in sol]
    bad[1][1] = 1
    v = TASK.verify(inst, matrix_text(bad))
    assert not v.correct and "row 1 has 1 twice" in v.reason
    # a Latin square with a wrong clue: transposed square breaks clues, not the Latin rule
    tr = [list(r) for r in zip(*sol)]
    tr_inst = make(sol)
    v = TASK.verify(tr_inst, matrix_text(tr))
    assert not v.correct and "from the" in v.reason and "but the clue is" in v.reason
    expect_checks = 8 + 16
    broken = sum(1 for s in SIDES for a, b in zip(tr_inst.state[s], mod.clues_of(tr)[s]) if a != b)
    assert v.score == pytest.approx((expect_checks - broken) / expect_checks)
    v = TASK.verify(inst, matrix_text([[5, 1, 4, 3]] + sol[1:]))
    assert not v.correct and v.score == 0 and "cell (0,0) holds 5" in v.reason
    v = TASK.verify(inst, matrix_text(sol[:-1]))
    assert not v.correct and "4x4" in v.reason
    v = TASK.verify(inst, "[[1, 2], [2, 1]]")
    assert not v.correct and "2 rows" in v.reason


def test_zero_clue_means_no_constraint():
    sol = [[2, 1, 4, 3], [3, 4, 1, 2], [4, 3, 2, 1], [1, 2, 3, 4]]
    inst = make(sol, top=[0, 0, 0, 0], bottom=[0, 0, 0, 0])
    csp, dom = TASK.csp(inst)
    sols = csp.search(limit=50, domains=dom).solutions
    assert len(sols) > 1
    for flat in sols:
        assert TASK.verify(inst, " ".join(map(str, flat))).correct
    assert "0 means no constraint" in TASK.prompt(inst, "text")


def test_alternative_solutions_accepted(instances):
    # a generated level-2 square that needs a given: without it both clue-consistent grids pass
    inst = next(i for i in instances[2] if any(v for row in i.state["grid"] for v in row))
    n = inst.state["n"]
    bare = Instance("Skyscrapers", 2, None, "1", dict(inst.state, grid=[[0] * n for _ in range(n)]))
    csp, dom = TASK.csp(bare)
    two = csp.search(limit=5, domains=dom).solutions
    assert len(two) >= 2
    for flat in two:
        assert TASK.verify(bare, " ".join(map(str, flat))).correct
    # reference records at levels 3-5 are ambiguous: every solution is accepted
    rec = hp.fixture_record(4, "skyscrapers")
    ref = TASK.from_record(rec)
    csp, dom = TASK.csp(ref)
    sols = csp.search(limit=5, domains=dom).solutions
    assert len(sols) >= 2
    for flat in sols:
        assert TASK.verify(ref, " ".join(map(str, flat))).correct


GARBAGE = hp.latin_garbage("1 " * 49_000)


test_mutators, test_garbage_rejected, test_arbitrary_text_never_raises = (
    hp.verifier_tests(TASK, mutators, GARBAGE, per_level=6))


test_arbitrary_matrices = hp.arbitrary_matrix_test(TASK, 2, (-2, 9), (3, 5), (3, 5))


# ---------------------------------------------------------------------------------------------------------------
# importer


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_import_fixtures(level):
    for rec, inst in hp.imported_fixtures(TASK, "Skyscrapers", level, "skyscrapers"):
        init = rec["initial_state"]
        assert inst.state["n"] == init["n"] == level + 2
        assert all(list(inst.state[s]) == init[s] for s in SIDES)
        assert not any(v for row in inst.state["grid"] for v in row)
        v = TASK.verify(inst, json.dumps(rec["answer"]))
        assert v.correct, v.reason
        assert inst._witness is not None and TASK.expert_answer(inst) == matrix_text(rec["answer"])
        assert TASK.count(inst) >= 1


def test_import_published_row_and_bad_records():
    rec = hp.fixture_record(3, "skyscrapers")
    row = {"id": 5, "category": "skyscrapers", "question": rec["question"], "question_text": rec["question_language"],
           "answer": str(rec["answer"]), "difficulty": 3, "initial_state": str(rec["initial_state"]),
           "metric_info": "{'score_function': 'skyscrapers_evaluator'}"}
    inst = TASK.from_record(row)
    assert inst.fingerprint == TASK.from_record(rec).fingerprint and inst._witness is not None
    no_level = {"initial_state": json.dumps(rec["initial_state"]), "answer": "[[1]]"}
    inst2 = TASK.from_record(no_level)
    assert inst2.level == 3 and inst2._witness is None
    # givens kept under the extra key round-trip through the importer
    init = dict(rec["initial_state"], grid=[[rec["answer"][0][0], 0, 0, 0, 0]] + [[0] * 5] * 4)
    assert TASK.from_record({"initial_state": init, "difficulty": 3}).state["grid"][0][0] == rec["answer"][0][0]
    impossible = dict(rec["initial_state"], left=[1, 1, 1, 1, 1])
    for bad in ({}, {"initial_state": "nope"}, {"initial_state": json.dumps(impossible), "difficulty": 3},
                {"initial_state": json.dumps(dict(rec["initial_state"], top=[9] * 5)), "difficulty": 3},
                {"initial_state": json.dumps(dict(rec["initial_state"], top=[1, 2])), "difficulty": 3},
                {"initial_state": json.dumps(dict(rec["initial_state"], grid=[[9] * 5] * 5)), "difficulty": 3},
                {"initial_state": json.dumps(rec["initial_state"]), "difficulty": 3, "category": "sudoku"}):
        with pytest.raises(RecordError):
            TASK.from_record(bad)


# ---------------------------------------------------------------------------------------------------------------
# step mode


def test_step_mode(instances):
    inst = instances[1][2]
    n = inst.state["n"]
    assert TASK.action_shape(inst) == (n, n, n + 1) == TASK.level_action_shape(1)
    assert [TASK.step_limit(TASK.instance(lv, 0)) for lv in range(1, 6)] == [64, 64, 100, 144, 196]
    play = TASK.play_init(inst)
    mask = TASK.play_mask(inst, play)
    assert mask.shape == (n, n, n + 1)
    for r in range(n):
        for c in range(n):
            assert mask[r, c].any() != bool(inst.state["grid"][r][c])
    r, c = next((r, c) for r in range(n) for c in range(n) if not inst.state["grid"][r][c])
    res = TASK.play_apply(inst, play, (r, c, 1))
    assert res.legal and res.state[r][c] == 1 and play[r][c] == 0
    res2 = TASK.play_apply(inst, res.state, (r, c, 0))
    assert res2.legal and res2.state == play
    hp.assert_latin_step_play(TASK, inst, play)


def test_step_env_reward():
    hp.assert_step_env_reward(TASK, 1, 4, (4, 4, 5), illegal=hp.write_on_first_given("grid", 4))


# ---------------------------------------------------------------------------------------------------------------
# presentation


def test_render_and_prompts(instances):
    inst = instances[5][0]
    hp.assert_render_sizes(TASK, inst)
    image_prompt, text_prompt = hp.assert_prompts_clean(TASK, inst)
    for p in (image_prompt, text_prompt):
        assert "7x7" in p
        assert "Please provide your answer as a two-dimensional list." in p
    assert "image" in image_prompt and "image" not in text_prompt.lower()
    assert matrix_text(inst._witness) not in image_prompt + text_prompt
    assert "\n".join(TASK.layout_lines(inst)) in text_prompt
    for side in SIDES:
        assert f"{side} clues" in text_prompt and ", ".join(map(str, inst.state[side])) in text_prompt
    plain = instances[2][0]
    has_givens = any(v for row in plain.state["grid"] for v in row)
    assert ("bold numbers" in TASK.prompt(plain, "image")) == has_givens
    assert "bold numbers" in TASK.prompt(instances[1][0], "image")


def test_render_shows_clues_and_givens():
    sol = [[2, 1, 4, 3], [3, 4, 1, 2], [4, 3, 2, 1], [1, 2, 3, 4]]
    a = np.asarray(TASK.render(make(sol))).astype(int)
    b = np.asarray(TASK.render(make(sol, givens=[[2, 0, 0, 0]] + [[0] * 4] * 3))).astype(int)
    c = np.asarray(TASK.render(make(sol, top=[0, 0, 0, 0]))).astype(int)
    assert (a != b).any() and (a != c).any()


def test_trace_ends_in_verifying_answer(instances):
    picked = [instances[lv][0] for lv in range(1, 6)]
    for inst in picked:
        trace = TASK.trace(inst)
        assert trace.splitlines()[-1].startswith("Answer: ")
        assert set(trace) <= CHARSET
        assert TASK.verify(inst, extract_answer(trace)).correct
        assert "arrangement" in trace
    # an ambiguous reference record needs a guess
    rec = hp.fixture_record(5, "skyscrapers")
    ref = TASK.from_record(rec)
    trace = TASK.trace(ref)
    assert "Guess" in trace and TASK.verify(ref, extract_answer(trace)).correct
