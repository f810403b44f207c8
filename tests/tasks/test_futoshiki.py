"""Futoshiki: generator levels and uniqueness, rule verifier, importer, step mode, rendering, prompts, trace."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mmhelix_env.core import Instance, RecordError
from mmhelix_env.core.grid_puzzle import matrix_text
from mmhelix_env.tasks.puzzles import futoshiki as mod
from mmhelix_env.tasks.puzzles.futoshiki import TASK
from tests import helpers_puzzle as hp
from tests.mutators import futoshiki as mutators

SEEDS = range(30)


def is_solution(state, grid) -> bool:
    n = state["n"]
    full = set(range(1, n + 1))
    if any(set(row) != full for row in grid) or any({grid[r][c] for r in range(n)} != full for c in range(n)):
        return False
    if any(g and g != grid[r][c] for r, row in enumerate(state["grid"]) for c, g in enumerate(row)):
        return False
    for (a, b), (c, d) in map(mod.smaller_larger, state["inequalities"]):
        if not grid[a][b] < grid[c][d]:
            return False
    return True


def make(n, grid, ineqs, level=1) -> Instance:
    return Instance("Futoshiki", level, None, "1", {"n": n, "grid": grid, "inequalities": ineqs})


@pytest.fixture(scope="module")
def instances():
    return {lv: [TASK.instance(lv, s) for s in SEEDS] for lv in range(1, 6)}


# ---------------------------------------------------------------------------------------------------------------
# generator


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_level_parameters_and_uniqueness(instances, level):
    n, target, p = mod.LEVEL_PARAMS[level]
    reached = 0
    signs = []
    for inst in instances[level]:
        st_ = inst.state
        assert set(st_) == {"n", "grid", "inequalities"} and st_["n"] == n
        assert len(st_["grid"]) == n and all(len(row) == n for row in st_["grid"])
        givens = sum(1 for row in st_["grid"] for v in row if v)
        assert givens >= target
        reached += givens == target
        assert st_["inequalities"], "at least one inequality (level 1 redraws sign-free 3x3 puzzles)"
        signs.append(len(st_["inequalities"]))
        for q in st_["inequalities"]:
            (r1, c1), (r2, c2) = q["cell1"], q["cell2"]
            assert (r2, c2) in ((r1, c1 + 1), (r1 + 1, c1)) and q["symbol"] in "<>"
        assert is_solution(st_, inst._witness)
        assert TASK.count(inst) == 1
    assert reached >= (0.7 if level == 5 else 0.95) * len(instances[level])
    expected = p * 2 * n * (n - 1)
    assert abs(np.mean(signs) - expected) < 0.35 * expected + 1


def test_latin_squares_are_not_only_cyclic(instances):
    def cyclic(g):
        n = len(g)
        shifts = {tuple(g[r][(c + 1) % n] for c in range(n)) in map(tuple, g) for r in range(n)}
        return shifts == {True}

    assert not all(cyclic(inst._witness) for inst in instances[4])


def test_levels_get_harder(instances):
    hp.assert_medians_grow(TASK, instances, ("propagations", "deductions", "initial_candidates"), 15)
    nodes = {lv: np.mean([TASK.search_work(i)["search_nodes"] for i in instances[lv]]) for lv in range(1, 6)}
    assert nodes[5] > nodes[1] == 1


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
        '"answer": ' + matrix_text(sol),
        json.dumps(sol, indent=2),
        "\n".join(" ".join(map(str, r)) for r in sol),
        "\n".join(", ".join(map(str, r)) for r in sol),
        " \\\\ ".join(" & ".join(map(str, r)) for r in sol),
        " ".join(str(v) for r in sol for v in r),
        "Example: [[1, 2, 3, 4, 5], [2, 3, 4, 5, 1], [3, 4, 5, 1, 2], [4, 5, 1, 2, 3], [5, 1, 2, 3, 4]]\nFinal: "
        + matrix_text(sol),
        str([tuple(r) for r in sol]),
    ]
    for text in forms:
        v = TASK.verify(inst, text)
        assert v.correct, (text, v.reason)
    assert TASK.verify_response(inst, "so\n\\boxed{" + forms[1] + "}")[1].correct
    # the last matrix wins: a wrong final grid after a correct one fails
    wrong = [row[:] for row in sol]
    wrong[0][0], wrong[0][1] = wrong[0][1], wrong[0][0]
    assert not TASK.verify(inst, matrix_text(sol) + " then " + matrix_text(wrong)).correct


def test_rule_violations(instances):
    inst = instances[4][3]
    st_ = inst.state
    n = st_["n"]
    sol = [list(r) for r in inst._witness]
    fixed = [(r, c) for r in range(n) for c in range(n) if st_["grid"][r][c]]
    free = [(r, c) for r in range(n) for c in range(n) if not st_["grid"][r][c]]

    def verdict(grid):
        return TASK.verify(inst, matrix_text(grid))

    r, c = fixed[0]
    bad = [row[:] for row in sol]
    bad[r][c] = bad[r][c] % n + 1
    v = verdict(bad)
    assert not v.correct and f"the given {sol[r][c]} at ({r},{c}) was changed" in v.reason and 0 < v.score < 1
    r, c = free[0]
    bad = [row[:] for row in sol]
    bad[r][c] = bad[r][c] % n + 1
    v = verdict(bad)
    assert not v.correct and f"row {r} has" in v.reason and "twice" in v.reason
    bad[r][c] = n + 1
    v = verdict(bad)
    assert not v.correct and v.score == 0 and f"cell ({r},{c}) holds {n + 1}" in v.reason
    bad[r][c] = 0
    assert TASK.verify(inst, matrix_text(bad)).score == 0
    v = TASK.verify(inst, matrix_text(sol[:-1]))
    assert not v.correct and f"{n}x{n}" in v.reason
    v = TASK.verify(inst, "[[1, 2], [2, 1]]")
    assert not v.correct and "2 rows" in v.reason


def test_inequality_violation_named():
    # 2x2-like toy: n=3, no givens, one sign; the transposed cyclic square breaks it
    ineq = [{"cell1": [0, 0], "cell2": [0, 1], "symbol": "<"}]
    inst = make(3, [[0] * 3 for _ in range(3)], ineq)
    v = TASK.verify(inst, "[[2, 1, 3], [1, 3, 2], [3, 2, 1]]")
    assert not v.correct and "inequality (0,0) < (0,1) is broken (2 is not less than 1)" in v.reason
    assert v.score == pytest.approx(6 / 7)


def test_alternative_solutions_accepted():
    ineq = [{"cell1": [0, 0], "cell2": [0, 1], "symbol": "<"}]
    inst = make(3, [[0] * 3 for _ in range(3)], ineq)
    csp, dom = TASK.csp(inst)
    sols = csp.search(limit=100, domains=dom).solutions
    assert len(sols) > 2
    for flat in sols:
        grid = [flat[r * 3:(r + 1) * 3] for r in range(3)]
        assert TASK.verify(inst, matrix_text(grid)).correct
    # a reference instance with two solutions: both are accepted
    rec = hp.fixture_record(2, "futoshiki")
    ref = TASK.from_record(rec)
    csp, dom = TASK.csp(ref)
    two = csp.search(limit=5, domains=dom).solutions
    assert len(two) == 2
    for flat in two:
        assert TASK.verify(ref, " ".join(map(str, flat))).correct


GARBAGE = hp.latin_garbage()


test_mutators, test_garbage_rejected, test_arbitrary_text_never_raises = (
    hp.verifier_tests(TASK, mutators, GARBAGE))


test_arbitrary_matrices = hp.arbitrary_matrix_test(TASK, 1, (-2, 9), (3, 4), (2, 4))


# ---------------------------------------------------------------------------------------------------------------
# importer


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_import_fixtures(level):
    for rec, inst in hp.imported_fixtures(TASK, "Futoshiki", level, "futoshiki"):
        init = json.loads(rec["initial_state"])
        assert inst.state["n"] == init["size"] == level + 2
        assert [list(r) for r in inst.state["grid"]] == init["grid"]
        v = TASK.verify(inst, rec["answer"])
        assert v.correct, v.reason
        assert inst._witness is not None and TASK.expert_answer(inst) == rec["answer"]
        assert TASK.count(inst) >= 1


def test_import_published_row_and_bad_records():
    rec = hp.fixture_record(3, "futoshiki")
    row = {"id": 5, "category": "futoshiki", "question": rec["question"], "question_text": rec["question_language"],
           "answer": rec["answer"], "difficulty": 3, "initial_state": rec["initial_state"],
           "metric_info": "{'score_function': 'futoshiki_evaluator'}"}
    inst = TASK.from_record(row)
    assert inst.fingerprint == TASK.from_record(rec).fingerprint
    no_level = {"initial_state": rec["initial_state"], "answer": "[[1]]"}
    inst2 = TASK.from_record(no_level)
    assert inst2.level == 3 and inst2._witness is None
    # swapped cell order is normalised (cell1 left / upper)
    init = json.loads(rec["initial_state"])
    q = init["inequalities"][0]
    flipped = dict(init, inequalities=[{"cell1": q["cell2"], "cell2": q["cell1"],
                                        "symbol": ">" if q["symbol"] == "<" else "<"}] + init["inequalities"][1:])
    assert TASK.from_record({"initial_state": json.dumps(flipped), "difficulty": 3}).fingerprint == inst.fingerprint
    clash = dict(init, grid=[[1, 1, 0, 0, 0]] + init["grid"][1:])
    far = dict(init, inequalities=[{"cell1": [0, 0], "cell2": [2, 2], "symbol": "<"}])
    for bad in ({}, {"initial_state": "nope"}, {"initial_state": json.dumps(clash), "difficulty": 3},
                {"initial_state": json.dumps(far), "difficulty": 3},
                {"initial_state": json.dumps(dict(init, grid=[[9] * 5] * 5)), "difficulty": 3},
                {"initial_state": rec["initial_state"], "difficulty": 3, "category": "sudoku"}):
        with pytest.raises(RecordError):
            TASK.from_record(bad)


# ---------------------------------------------------------------------------------------------------------------
# step mode


def test_step_mode(instances):
    inst = instances[3][2]
    n = inst.state["n"]
    assert TASK.action_shape(inst) == (n, n, n + 1) == TASK.level_action_shape(3)
    assert TASK.step_limit(inst) == 4 * n * n
    play = TASK.play_init(inst)
    mask = TASK.play_mask(inst, play)
    assert mask.shape == (n, n, n + 1)
    hp.assert_mask_follows_givens(mask, n, lambda r, c: bool(inst.state["grid"][r][c]))
    hp.assert_latin_step_play(TASK, inst, play)


def test_step_env_reward():
    hp.assert_step_env_reward(TASK, 2, 4, (4, 4, 5), illegal=hp.write_on_first_given("grid", 4))


# ---------------------------------------------------------------------------------------------------------------
# presentation


def test_render_and_prompts(instances):
    inst = instances[5][0]
    hp.assert_render_sizes(TASK, inst)
    image_prompt, text_prompt = hp.assert_prompts_clean(TASK, inst)
    for p in (image_prompt, text_prompt):
        assert "7×7" in p
    assert "Output the final solution as a 2D list of integers." in image_prompt
    assert '"answer": [[row1], [row2], ..., [rowN]]' in image_prompt and "image" in image_prompt
    assert '"answer": [[row1], [row2], ..., [row7]]' in text_prompt and "image" not in text_prompt.lower()
    assert matrix_text(inst._witness) not in image_prompt.replace(", \n", ", ")
    for k, q in enumerate(inst.state["inequalities"]):
        assert mod.ineq_text(q, k + 1) in text_prompt
    assert "\n".join(" ".join(str(v) if v else "_" for v in row) for row in inst.state["grid"]) in text_prompt


def test_render_draws_signs_between_boxes():
    inst = make(3, [[1, 0, 0], [0, 0, 0], [0, 0, 0]],
                [{"cell1": [0, 1], "cell2": [0, 2], "symbol": "<"}, {"cell1": [1, 1], "cell2": [2, 1], "symbol": ">"}])
    board = TASK.board(inst)
    assert board.inequalities == [((0, 1), (0, 2)), ((2, 1), (1, 1))]
    blank = make(3, [[1, 0, 0], [0, 0, 0], [0, 0, 0]], [])
    a = np.asarray(TASK.render(inst)).astype(int)
    b = np.asarray(TASK.render(blank)).astype(int)
    assert (a != b).any()


def test_trace_ends_in_verifying_answer(instances):
    picked = [instances[lv][0] for lv in range(1, 6)]
    guessing = [i for i in instances[5] if TASK.search_work(i)["guesses"] > 0][:2]
    assert guessing
    for inst in picked + guessing:
        hp.assert_trace_verifies(TASK, inst)
    assert "Guess" in TASK.trace(guessing[0])
    assert "already has" in TASK.trace(picked[2])
