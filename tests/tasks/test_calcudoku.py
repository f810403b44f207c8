"""Calcudoku: generator levels and uniqueness, rule verifier (exact division), importer, step mode, rendering,
prompts, trace."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.core.grid_puzzle import matrix_text
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.puzzles import calcudoku as mod
from mmhelix_env.tasks.puzzles.calcudoku import TASK
from tests import helpers_puzzle as hp
from tests.mutators import calcudoku as mutators

SEEDS = range(25)


def is_solution(state, grid) -> bool:
    n = state["n"]
    full = set(range(1, n + 1))
    if any(set(row) != full for row in grid) or any({grid[r][c] for r in range(n)} != full for c in range(n)):
        return False
    return all(mod.cage_ok(cg, [grid[r][c] for r, c in cg["cells"]]) for cg in state["cages"])


def make(n, cages, level=1) -> Instance:
    return Instance("Calcudoku", level, None, "1", {"n": n, "cages": cages})


def connected(cells) -> bool:
    cells = {tuple(x) for x in cells}
    start = next(iter(cells))
    seen = {start}
    stack = [start]
    while stack:
        r, c = stack.pop()
        for nb in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if nb in cells and nb not in seen:
                seen.add(nb)
                stack.append(nb)
    return seen == cells


@pytest.fixture(scope="module")
def instances():
    return {lv: [TASK.instance(lv, s) for s in SEEDS] for lv in range(1, 6)}


# ---------------------------------------------------------------------------------------------------------------
# generator


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_level_parameters_and_uniqueness(instances, level):
    n, lo, hi = mod.LEVEL_PARAMS[level]
    sizes = []
    ops = set()
    for inst in instances[level]:
        st_ = inst.state
        assert set(st_) == {"n", "cages"} and st_["n"] == n
        cells = [tuple(x) for cg in st_["cages"] for x in cg["cells"]]
        assert sorted(cells) == [(r, c) for r in range(n) for c in range(n)]
        for cg in st_["cages"]:
            k = len(cg["cells"])
            assert 1 <= k <= hi and connected(cg["cells"])
            sizes.append(k)
            ops.add(cg["op"])
            if cg["op"] in "-÷":
                assert k == 2
            if k == 1:
                assert cg["op"] == "+"
            if cg["op"] == "*":
                assert cg["target"] < mod.PRODUCT_LIMIT
        assert is_solution(st_, inst._witness)
        assert TASK.count(inst) == 1
    assert max(sizes) == hi and sum(1 for k in sizes if k >= lo) > len(sizes) / 2
    assert ops == {"+", "*", "-", "÷"}


def test_levels_get_harder(instances):
    hp.assert_medians_grow(TASK, instances, ("n", "cages", "propagations", "cage_options"), 12)


def test_determinism():
    hp.assert_same_seed_same_instance(TASK, (1, 5), 77, fingerprints=True)


def test_cage_tuples_and_swaps():
    # 2 cells in one row, 3+ on n=3: (1,2) and (2,1); a repeated value in one line is excluded
    assert mod.cage_tuples(3, "+", 3, [(0, 0), (0, 1)]) == ((1, 2), (2, 1))
    assert (1, 3, 1) in mod.cage_tuples(3, "+", 5, [(0, 0), (0, 1), (1, 1)])  # an L: corners may repeat
    assert mod.cage_tuples(6, "÷", 3, [(0, 0), (1, 0)]) == ((1, 3), (2, 6), (3, 1), (6, 2))
    assert mod.cage_tuples(4, "-", 3, [(0, 0), (1, 0)]) == ((1, 4), (4, 1))
    sq = ((1, 2, 3), (2, 3, 1), (3, 1, 2))
    for change in mod.line_swaps(sq):
        g = [list(r) for r in sq]
        for (r, c), v in change.items():
            g[r][c] = v
        assert g != [list(r) for r in sq]
        assert all(sorted(r) == [1, 2, 3] for r in g) and all(sorted(col) == [1, 2, 3] for col in zip(*g))


def random_draw(rng, level):
    n, lo, hi = mod.LEVEL_PARAMS[level]
    square = mod.latin_square(rng, n)
    flat = [v for row in square for v in row]
    cells = mod.draw_cages(rng, n, lo, hi)
    ops = mod.choose_ops(rng, flat, cells)
    cages = [{"cells": [list(divmod(i, n)) for i in cage], "op": op, "target": t}
             for cage, (op, t) in zip(cells, ops)]
    return n, square, flat, cells, ops, cages


def test_fast_counter_agrees_with_the_engine():
    # random draws, unique or not: the generation counter and the engine count the same (exact, limits 2 and 30)
    rng = np.random.default_rng(5)
    seen = set()
    for level in (1, 2, 3, 4, 5):
        for _ in range(40 if level < 5 else 12):
            n, square, _, _, _, cages = random_draw(rng, level)
            assert is_solution({"n": n, "cages": cages}, square)
            for limit in ((2, 30) if level <= 3 else (2,)):
                fast = mod.count_fast(n, cages, limit)
                assert fast == mod.build_csp(n, cages).count_solutions(limit)
                seen.add(min(fast, 2))
    assert seen == {1, 2}
    # no cages: every Latin square counts (12 of order 3); a broken cage: none; a tiny budget: None
    assert mod.count_fast(3, [], 100) == 12
    bad = [{"cells": [[0, 0], [0, 1]], "op": "÷", "target": 5}]
    assert mod.count_fast(3, bad) == 0 == mod.build_csp(3, bad).count_solutions(2)
    assert mod.count_fast(3, [], 2, max_nodes=1) is None


def test_swap_rejection_is_exact_and_latin_squares_vary():
    rng = np.random.default_rng(8)
    flagged = 0
    for level in (2, 3, 4):
        for _ in range(40):
            n, square, flat, cells, ops, cages = random_draw(rng, level)
            ids = [0] * (n * n)
            for k, cage in enumerate(cells):
                for i in cage:
                    ids[i] = k
            swaps = mod.flat_swaps(square)
            quick = mod.quick_swaps(square)
            assert [len(c) for c in quick] == sorted(len(c) for c in swaps if len(c) <= mod.SWAP_CELLS)
            assert all(c in swaps for c in quick)
            if mod.swap_survives(flat, cells, ops, ids, swaps):
                flagged += 1
                assert mod.count_fast(n, cages) == 2  # a swap that keeps every cage is a second solution
    assert flagged > 10
    squares = {mod.latin_square(rng, 3) for _ in range(400)}
    assert len(squares) == 12  # every Latin square of order 3 occurs
    for n in (4, 6, 8):
        for _ in range(20):
            g = mod.latin_square(rng, n)
            assert all(sorted(r) == list(range(1, n + 1)) for r in g)
            assert all(sorted(col) == list(range(1, n + 1)) for col in zip(*g))


# ---------------------------------------------------------------------------------------------------------------
# verifier


def test_round_trip_without_witness(instances):
    hp.assert_round_trip_without_witness(TASK, instances, 4, lambda inst: matrix_text(inst._witness))


def test_lenient_formats(instances):
    inst = instances[2][0]
    sol = [list(r) for r in inst._witness]
    forms = [
        matrix_text(sol),
        json.dumps(sol, indent=2),
        "\n".join(" ".join(map(str, r)) for r in sol),
        "\n".join(", ".join(map(str, r)) for r in sol),
        "\n".join(" | ".join(map(str, r)) for r in sol),
        " \\\\ ".join(" & ".join(map(str, r)) for r in sol),
        " ".join(str(v) for r in sol for v in r),
        "Example: [[1, 2, 3, 4], [2, 3, 4, 1], [3, 4, 1, 2], [4, 1, 2, 3]]\nFinal: " + matrix_text(sol),
    ]
    for text in forms:
        v = TASK.verify(inst, text)
        assert v.correct, (text, v.reason)
    assert TASK.verify_response(inst, "so\n\\boxed{" + forms[0] + "}")[1].correct
    wrong = [row[:] for row in sol]
    wrong[0][0], wrong[0][1] = wrong[0][1], wrong[0][0]
    assert not TASK.verify(inst, matrix_text(sol) + " then " + matrix_text(wrong)).correct


def test_rule_violations(instances):
    inst = instances[3][3]
    n = inst.state["n"]
    sol = [list(r) for r in inst._witness]
    bad = [row[:] for row in sol]
    bad[1][2] = bad[1][2] % n + 1
    v = TASK.verify(inst, matrix_text(bad))
    assert not v.correct and "row 2 has" in v.reason and "twice" in v.reason and 0 < v.score < 1
    bad[1][2] = n + 1
    v = TASK.verify(inst, matrix_text(bad))
    assert not v.correct and v.score == 0 and f"cell (2,3) holds {n + 1}" in v.reason
    v = TASK.verify(inst, matrix_text(sol[:-1]))
    assert not v.correct and f"{n}x{n}" in v.reason
    v = TASK.verify(inst, "[[1, 2], [2, 1]]")
    assert not v.correct


def test_cage_violation_and_exact_division():
    # 3x3, no uniqueness needed: a '2÷' cage on (1,1),(1,2) -> {1,2} is the only pair; {3,1} breaks it
    cages = [{"cells": [[0, 0], [0, 1]], "op": "÷", "target": 2},
             {"cells": [[0, 2], [1, 2], [2, 2]], "op": "+", "target": 6},
             {"cells": [[1, 0], [1, 1], [2, 0], [2, 1]], "op": "+", "target": 9}]
    inst = make(3, cages)
    v = TASK.verify(inst, "[[1, 2, 3], [2, 3, 1], [3, 1, 2]]")
    assert v.correct, v.reason
    v = TASK.verify(inst, "[[3, 1, 2], [1, 2, 3], [2, 3, 1]]")
    assert not v.correct and "cage 2÷ at (1,1), (1,2) holds [3, 1]: 3 / 1 is not exactly 2" in v.reason
    assert v.score == pytest.approx(7 / 9) and "cage 9+" in v.reason
    # the official scorer's floor-division bug: {2, 5} must not pass a 2÷ cage
    assert not mod.cage_ok({"cells": [[0, 0], [0, 1]], "op": "÷", "target": 2}, [2, 5])
    assert mod.cage_ok({"cells": [[0, 0], [0, 1]], "op": "÷", "target": 2}, [6, 3])
    assert mod.cage_ok({"cells": [[0, 0], [0, 1]], "op": "-", "target": 2}, [1, 3])


def test_alternative_solutions_accepted():
    cages = [{"cells": [[0, 0], [0, 1], [0, 2]], "op": "+", "target": 6},
             {"cells": [[1, 0], [1, 1], [1, 2]], "op": "+", "target": 6},
             {"cells": [[2, 0], [2, 1], [2, 2]], "op": "+", "target": 6}]
    inst = make(3, cages)
    sols = TASK.csp(inst).search(limit=20).solutions
    assert len(sols) == 12
    for flat in sols:
        assert TASK.verify(inst, " ".join(map(str, flat))).correct
    # reference records are often not unique: every solution of one of them is accepted
    for level in range(1, 6):
        for rec in hp.fixture_records(level, "calcudoku"):
            ref = TASK.from_record(rec)
            res = TASK.csp(ref).search(limit=3)
            for flat in res.solutions:
                n = ref.state["n"]
                assert TASK.verify(ref, matrix_text([flat[r * n:(r + 1) * n] for r in range(n)])).correct


GARBAGE = hp.latin_garbage()


test_mutators, test_garbage_rejected, test_arbitrary_text_never_raises = (
    hp.verifier_tests(TASK, mutators, GARBAGE))


test_arbitrary_matrices = hp.arbitrary_matrix_test(TASK, 1, (-2, 9), (3, 4), (2, 4))


# ---------------------------------------------------------------------------------------------------------------
# importer


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_import_fixtures(level):
    for rec, inst in hp.imported_fixtures(TASK, "Calcudoku", level, "calcudoku"):
        init = rec["initial_state"]
        assert inst.state["n"] == init["size"] == mod.LEVEL_PARAMS[level][0]
        assert len(inst.state["cages"]) == len(init["regions"])
        first = init["regions"][0]
        assert [list(x) for x in inst.state["cages"][0]["cells"]] == [[r - 1, c - 1] for r, c in first["cells"]]
        v = TASK.verify(inst, json.dumps(rec["answer"]))
        assert v.correct, v.reason
        assert inst._witness is not None
        assert TASK.count(inst) >= 1
        assert "answer" not in json.dumps(inst.to_dict()["state"])


def test_import_published_row_and_bad_records():
    rec = hp.fixture_record(3, "calcudoku")
    row = {"id": 5, "category": "Calcudoku", "question": rec["question"], "question_text": rec["question_language"],
           "answer": json.dumps(rec["answer"]), "difficulty": 3, "initial_state": json.dumps(rec["initial_state"]),
           "metric_info": "{'score_function': 'calcudoku_evaluator'}"}
    inst = TASK.from_record(row)
    assert inst.fingerprint == TASK.from_record(rec).fingerprint
    inst2 = TASK.from_record({"initial_state": rec["initial_state"], "answer": "[[1]]"})
    assert inst2.level == 3 and inst2._witness is None
    init = rec["initial_state"]
    star = dict(init, regions=[dict(r, operator="×") if r["operator"] == "*" else r for r in init["regions"]])
    assert TASK.from_record({"initial_state": star, "difficulty": 3}).fingerprint == inst.fingerprint
    missing = dict(init, regions=init["regions"][1:])
    twice = dict(init, regions=init["regions"] + [init["regions"][0]])
    bad_op = dict(init, regions=[dict(init["regions"][0], operator="%")] + init["regions"][1:])
    wrong = dict(init, regions=[dict(r, target=r["target"] + 50) for r in init["regions"]])
    for bad in ({}, {"initial_state": "nope"}, {"initial_state": missing, "difficulty": 3},
                {"initial_state": twice, "difficulty": 3}, {"initial_state": bad_op, "difficulty": 3},
                {"initial_state": wrong, "difficulty": 3},
                {"initial_state": init, "difficulty": 3, "category": "sudoku"}):
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
    assert mask.shape == (n, n, n + 1) and mask.all()
    actions = TASK.expert_actions(inst)
    assert len(actions) == n * n
    play = hp.play_through(TASK, inst, play, actions)
    res = TASK.play_apply(inst, play, (0, 0, 0))
    assert res.legal and res.state[0][0] == 0 and play[0][0] != 0
    assert not TASK.play_solved(inst, res.state)
    assert not TASK.play_apply(inst, play, (n, 0, 1)).legal
    img = TASK.render(inst, play)
    assert img.size == (512, 512)
    assert TASK.render(inst, play).tobytes() != TASK.render(inst).tobytes()
    for modality in ("image", "text"):
        text = TASK.play_prompt(inst, play, modality)
        assert set(text) <= CHARSET and "(row, column, value)" in text


def test_step_env_reward():
    hp.assert_step_env_reward(TASK, 2, 4, (4, 4, 5))


# ---------------------------------------------------------------------------------------------------------------
# presentation


def test_render_and_prompts(instances):
    inst = instances[5][0]
    hp.assert_render_sizes(TASK, inst)
    image_prompt, text_prompt = hp.assert_prompts_clean(TASK, inst)
    for p in (image_prompt, text_prompt):
        assert "8x8" in p and mod.FORMAT_SENTENCE in p
        assert matrix_text(inst._witness) not in p
    assert "image" in image_prompt and "image" not in text_prompt.lower()
    assert "1-based" in text_prompt
    for cg in inst.state["cages"]:
        cells = ", ".join(f"({r + 1},{c + 1})" for r, c in cg["cells"])
        assert f"Region at {cells}: {cg['target']}{mod.SHOWN[cg['op']]}" in text_prompt


def test_render_cage_borders_and_colours():
    cages = [{"cells": [[0, 0], [0, 1]], "op": "+", "target": 3},
             {"cells": [[0, 2], [1, 2]], "op": "+", "target": 3},
             {"cells": [[1, 0], [1, 1], [2, 0], [2, 1], [2, 2]], "op": "+", "target": 12}]
    inst = make(3, cages)
    board = TASK.board(inst)
    assert board.corner_labels == {(0, 0): "3+", (0, 2): "3+", (1, 0): "12+"}
    ids = mod.cage_grid(3, cages)
    fills = board.region_fills
    for r in range(3):
        for c in range(3):
            for rr, cc in ((r + 1, c), (r, c + 1)):
                if rr < 3 and cc < 3 and ids[r][c] != ids[rr][cc]:
                    assert fills[ids[r][c]] != fills[ids[rr][cc]]
    single = make(3, [{"cells": [[0, 0]], "op": "+", "target": 2}] + cages[1:])
    assert TASK.board(single).corner_labels[(0, 0)] == "2"


def test_trace_ends_in_verifying_answer(instances):
    picked = [instances[lv][0] for lv in range(1, 6)]
    guessing = [i for i in instances[5] if TASK.stats(i)["guesses"] > 0][:2]
    for inst in picked + guessing:
        trace = TASK.trace(inst)
        assert trace.splitlines()[-1].startswith("Answer: ")
        assert set(trace) <= CHARSET
        assert TASK.verify(inst, extract_answer(trace)).correct
    assert "option(s) still fit" in TASK.trace(picked[2])
