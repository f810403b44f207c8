"""Campsite: generator levels and uniqueness, rule verifier (benchmark Tents variant), importer (solution leak
stripped), step mode, rendering, prompts, trace."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.puzzles import campsite as mod
from mmhelix_env.tasks.puzzles.campsite import TASK
from tests import helpers_puzzle as hp
from tests.mutators import campsite as mutators

SEEDS = range(30)


def make(grid, rows, cols, level=1) -> Instance:
    return Instance("Campsite", level, None, "1", {"n": len(grid), "grid": grid, "row_counts": rows,
                                                   "col_counts": cols})


def text(cells) -> str:
    return mod.answer_text(cells)


@pytest.fixture(scope="module")
def instances():
    return {lv: [TASK.instance(lv, s) for s in SEEDS] for lv in range(1, 6)}


# ---------------------------------------------------------------------------------------------------------------
# generator


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_level_parameters_and_uniqueness(instances, level):
    n, e = mod.LEVEL_PARAMS[level]
    lo, hi = max(e, 3), min(2 * e, n * n // 2)
    seen_trees = set()
    for inst in instances[level]:
        s = inst.state
        assert set(s) == {"n", "grid", "row_counts", "col_counts"} and s["n"] == n
        assert len(s["grid"]) == n and all(len(row) == n and set(row) <= {"T", "X"} for row in s["grid"])
        trees = sum(row.count("T") for row in s["grid"])
        assert lo <= trees <= hi
        seen_trees.add(trees)
        assert sum(s["row_counts"]) == sum(s["col_counts"]) == e
        assert len(inst._witness) == e and TASK.count(inst) == 1
        assert TASK.verify(inst, text(inst._witness)).correct
    assert len(seen_trees) >= 2


def test_variety():
    assert len({TASK.instance(1, s).fingerprint for s in range(200)}) > 150


def test_levels_get_harder(instances):
    hp.assert_medians_grow(TASK, instances, ("search_nodes", "candidates", "deductions"), 20)


def test_determinism():
    hp.assert_same_seed_same_instance(TASK, (1, 5), 9)


def test_counter_matches_brute_force():
    rng = np.random.default_rng(4)
    n = 4
    for _ in range(25):
        trees = rng.random((n, n)) < 0.3
        grid = ["".join("T" if trees[r, c] else "X" for c in range(n)) for r in range(n)]
        cand = mod.candidates(grid)
        rows = rng.integers(0, 2, n).tolist()
        cols = list(rows)
        rng.shuffle(cols)
        inst = make(grid, rows, cols)
        brute = set()
        for k in range(len(cand) + 1):
            if k != sum(rows):
                continue
            for combo in itertools.combinations(cand, k):
                if TASK.check_cells(inst, combo, base=0).correct:
                    brute.add(tuple(sorted(combo)))
        found, _, c2 = mod.search(grid, rows, cols, 1000)
        assert {mod.mask_cells(m, c2) for m in found} == brute


# ---------------------------------------------------------------------------------------------------------------
# verifier


def test_round_trip_without_witness(instances):
    hp.assert_round_trip_without_witness(TASK, instances, 5, lambda inst: text(inst._witness), strict=False)


def test_lenient_formats(instances):
    inst = instances[3][1]
    one = [(r + 1, c + 1) for r, c in sorted(inst._witness)]
    forms = [
        text(inst._witness),
        json.dumps([list(p) for p in reversed(one)]),
        ", ".join(f"({r}, {c})" for r, c in one),
        "[" + ", ".join(f"[{r},{c}]" for r, c in one + one) + "]",
        "\n".join(f"[{r}, {c}]" for r, c in one),
    ]
    for t in forms:
        v = TASK.verify(inst, t)
        assert v.correct, (t, v.reason)
    assert TASK.verify_response(inst, "\\boxed{" + forms[0] + "}")[1].correct


def test_rule_violations():
    grid = ["XTXX", "XXXX", "XXTX", "XXXX"]
    inst = make(grid, [1, 0, 1, 0], [1, 0, 1, 0])
    assert TASK.verify(inst, "[[1, 1], [3, 3]]").correct is False  # (3,3) is the tree
    v = TASK.verify(inst, "[[1, 1], [3, 3]]")
    assert "on a tree" in v.reason
    v = TASK.verify(inst, "[[1, 1], [4, 4]]")
    assert not v.correct and "not orthogonally next to any tree" in v.reason
    v = TASK.verify(inst, "[[1, 1], [2, 2]]")
    assert not v.correct and "touch" in v.reason
    v = TASK.verify(inst, "[[0, 0], [2, 2]]")
    assert not v.correct and v.score == 0 and "1-based" in v.reason
    v = TASK.verify(inst, "[[1, 1], [5, 1]]")
    assert not v.correct and "1-based" in v.reason
    v = TASK.verify(inst, "[]")
    assert not v.correct and "row 1 has 0 tents, needs 1" in v.reason
    v = TASK.verify(inst, "[[1.5, 1]]")
    assert not v.correct and "integer" in v.reason
    v = TASK.verify(inst, "[[1, 1], [3, 2]]")
    assert not v.correct and "column 2 has 1 tent, needs 0" in v.reason and 0 < v.score < 1


def test_trees_without_tents_and_several_tents_per_tree():
    grid = ["XXXX", "XTXX", "XXXX", "XXXT"]
    # one tree with two tents, the other tree without any
    inst = make(grid, [1, 0, 1, 0], [0, 2, 0, 0])
    assert TASK.verify(inst, "[[1, 2], [3, 2]]").correct


def test_alternative_solutions_accepted():
    inst = make(["XXXX", "TXTX", "XXXX", "XXXX"], [1, 0, 1, 0], [1, 0, 1, 0])
    assert TASK.count(inst) == 2
    for ans in ("[[1, 1], [3, 3]]", "[[1, 3], [3, 1]]"):
        assert TASK.verify(inst, ans).correct, ans


GARBAGE = hp.small_garbage("[" * 10_000 + "]" * 10_000, "[[١, ٢]]", "[[１, ２]]", "[1, 2]" * 20_000)


test_mutators, test_garbage_rejected, test_arbitrary_text_never_raises = (
    hp.verifier_tests(TASK, mutators, GARBAGE, at=(5, 0)))


# ---------------------------------------------------------------------------------------------------------------
# importer


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_import_fixtures(level):
    records = hp.fixture_records(level, "campsite")
    for rec in records:
        inst = TASK.from_record(rec)
        raw = json.loads(rec["initial_state"])
        assert inst.task == "Campsite" and inst.level == level and inst.state["n"] == level + 3
        assert "reference_solution" not in inst.state and set(inst.state) == {"n", "grid", "row_counts",
                                                                              "col_counts"}
        assert [list(r) for r in inst.state["grid"]] == raw["input_grid"]
        assert list(inst.state["row_counts"]) == raw["row_constraints"]
        assert inst._witness is not None and TASK.verify(inst, json.dumps(rec["answer"])).correct
        assert TASK.verify(inst, TASK.expert_answer(inst)).correct


def test_import_published_row_and_bad_records():
    rec = hp.fixture_record(2, "campsite")
    row = {"id": 1, "category": "campsite", "question": rec["question"], "question_text": rec["question_language"],
           "answer": json.dumps(rec["answer"]), "difficulty": 2, "initial_state": rec["initial_state"]}
    inst = TASK.from_record(row)
    assert inst.fingerprint == TASK.from_record(rec).fingerprint and inst._witness is not None
    init = json.loads(rec["initial_state"])
    assert TASK.from_record({"initial_state": init}).level == 2
    wrong = dict(rec, answer=[[1, 1]])  # a stored answer that does not belong to the grid is not kept
    assert TASK.from_record(wrong)._witness is None
    for bad in ({}, {"initial_state": [1, 2]}, {"initial_state": dict(init, row_constraints=[1])},
                {"initial_state": dict(init, input_grid=[["Q"] * 5] * 5)},
                {"initial_state": dict(init, row_constraints=[5, 5, 5, 5, 5])},
                {"initial_state": init, "category": "kakuro"}):
        with pytest.raises(RecordError):
            TASK.from_record(bad)


# ---------------------------------------------------------------------------------------------------------------
# step mode


def test_step_mode(instances):
    inst = instances[5][3]
    grid = inst.state["grid"]
    n, play, mask = hp.mark_step_start(TASK, inst, 5)
    tree = next((r, c) for r in range(n) for c in range(n) if grid[r][c] == "T")
    empty = next((r, c) for r in range(n) for c in range(n) if grid[r][c] == "X")
    assert not mask[tree].any() and mask[empty].all()
    bad = TASK.play_apply(inst, play, (*tree, 1))
    assert not bad.legal and "tree" in bad.reason and bad.state == play
    res = TASK.play_apply(inst, play, (*empty, 2))
    assert res.legal and res.state[empty[0]][empty[1]] == 2 and play[empty[0]][empty[1]] == 0
    marked = res.state
    hp.assert_expert_shading_plays(TASK, inst, marked, "value 1 places a tent")


def test_step_env_reward():
    hp.assert_step_env_reward(TASK, 3, 2, (6, 6, 3))


# ---------------------------------------------------------------------------------------------------------------
# presentation


def test_render_and_prompts(instances):
    inst = instances[5][0]
    img = TASK.render(inst)
    assert img.size == (512, 512)
    arr = np.asarray(img).reshape(-1, 3).astype(int)
    green = (arr[:, 1] > arr[:, 0] + 40) & (arr[:, 1] > arr[:, 2] + 40)
    assert green.mean() > 0.01  # trees drawn
    solved = np.asarray(TASK.render(inst, TASK.solution_codes(inst))).reshape(-1, 3).astype(int)
    orange = (solved[:, 0] > 200) & (solved[:, 1] > 100) & (solved[:, 1] < 160) & (solved[:, 2] < 80)
    assert orange.mean() > 0.005  # tents drawn
    board = TASK.board(inst)
    assert board.clues["right"] == [str(v) for v in inst.state["row_counts"]] and board.coords == 1
    image_prompt, text_prompt = TASK.prompt(inst, "image"), TASK.prompt(inst, "text")
    for p in (image_prompt, text_prompt):
        assert set(p) <= CHARSET and mod.FORMAT_SENTENCE in p and mod.EXAMPLE in p
        assert "never placed on a tree" in p and "no tent or several" in p
        assert text(inst._witness) not in p
    assert "image" in image_prompt and "image" not in text_prompt.lower()
    for row in inst.state["grid"]:
        assert row in text_prompt
    assert ", ".join(map(str, inst.state["row_counts"])) in text_prompt


def test_trace_ends_in_verifying_answer(instances):
    for lv in range(1, 6):
        for inst in instances[lv][:6]:
            trace = TASK.trace(inst)
            assert trace.splitlines()[-1] == "Answer: " + TASK.expert_answer(inst)
            assert set(trace) <= CHARSET and "grass" in trace
            assert TASK.verify(inst, extract_answer(trace)).correct
    # a puzzle with several solutions needs a case split
    amb = make(["XXXX", "TXTX", "XXXX", "XXXX"], [1, 0, 1, 0], [1, 0, 1, 0])
    trace = TASK.trace(amb)
    assert "suppose" in trace.lower() and TASK.verify(amb, extract_answer(trace)).correct
