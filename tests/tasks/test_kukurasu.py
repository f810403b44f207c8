"""Kukurasu: generator levels and uniqueness, rule verifier, importer (solution leak stripped), step mode,
rendering, prompts, trace."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.core.grid_puzzle import matrix_text
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.puzzles import kukurasu as mod
from mmhelix_env.tasks.puzzles.kukurasu import TASK
from tests import helpers_puzzle as hp
from tests.mutators import kukurasu as mutators

SEEDS = range(40)


def make(rows, cols, level=1) -> Instance:
    return Instance("Kukurasu", level, None, "1", {"n": len(rows), "row_sums": rows, "col_sums": cols})


@pytest.fixture(scope="module")
def instances():
    return {lv: [TASK.instance(lv, s) for s in SEEDS] for lv in range(1, 6)}


# ---------------------------------------------------------------------------------------------------------------
# generator


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_level_parameters_and_uniqueness(instances, level):
    n = mod.LEVEL_SIZE[level]
    density = []
    for inst in instances[level]:
        st_ = inst.state
        assert set(st_) == {"n", "row_sums", "col_sums"} and st_["n"] == n
        assert len(st_["row_sums"]) == len(st_["col_sums"]) == n
        assert all(v >= 1 for v in st_["row_sums"] + st_["col_sums"])  # no empty line
        sol = inst._witness
        rows, cols = mod.line_sums(sol)
        assert rows == list(st_["row_sums"]) and cols == list(st_["col_sums"])
        assert TASK.count(inst) == 1
        density.append(np.mean(sol))
    assert 0.3 <= np.mean(density) <= 0.75


def test_very_easy_has_variety():
    fps = {TASK.instance(1, s).fingerprint for s in range(300)}
    assert len(fps) > 100


def test_levels_get_harder(instances):
    hp.assert_medians_grow(TASK, instances, ("propagations", "deductions", "line_options"), 15)


def test_determinism():
    hp.assert_same_seed_same_instance(TASK, (1, 5), 9)


# ---------------------------------------------------------------------------------------------------------------
# verifier


def test_round_trip_without_witness(instances):
    hp.assert_round_trip_without_witness(TASK, instances, 5, lambda inst: matrix_text(inst._witness), strict=False)


def test_lenient_formats(instances):
    inst = instances[3][1]
    sol = [list(r) for r in inst._witness]
    forms = [
        matrix_text(sol),
        json.dumps(sol),
        json.dumps(sol, indent=1),
        "\n".join(" ".join(map(str, r)) for r in sol),
        "\n".join("".join(map(str, r)) for r in sol),
        "\n".join(",".join(map(str, r)) for r in sol),
        " \\\\ ".join(" & ".join(map(str, r)) for r in sol),
        "".join(str(v) for r in sol for v in r),
        " ".join(str(v) for r in sol for v in r),
        "Example answer format: [[1, 1, 0], [1, 0, 1], [0, 0, 1]].\nMy answer: " + matrix_text(sol),
    ]
    for text in forms:
        v = TASK.verify(inst, text)
        assert v.correct, (text, v.reason)
    assert TASK.verify_response(inst, "\\boxed{" + forms[0] + "}")[1].correct


def test_rule_violations(instances):
    inst = instances[4][0]
    n = inst.state["n"]
    sol = [list(r) for r in inst._witness]
    bad = [r[:] for r in sol]
    bad[1][2] = 1 - bad[1][2]
    v = TASK.verify(inst, matrix_text(bad))
    assert not v.correct and "row 2: black cells at columns" in v.reason and "column 3:" in v.reason
    assert v.score == pytest.approx((2 * n - 2) / (2 * n))
    bad[1][2] = 2
    v = TASK.verify(inst, matrix_text(bad))
    assert not v.correct and v.score == 0 and "cell (2,3) holds 2" in v.reason
    v = TASK.verify(inst, matrix_text(sol[:-1]))
    assert not v.correct and "grid" in v.reason
    v = TASK.verify(inst, matrix_text([[0] * n for _ in range(n)]))
    assert not v.correct and "sum to 0" in v.reason


def test_alternative_solutions_accepted():
    groups: dict = {}
    for bits in itertools.product((0, 1), repeat=9):
        grid = [list(bits[0:3]), list(bits[3:6]), list(bits[6:9])]
        rows, cols = mod.line_sums(grid)
        if min(rows + cols) > 0:
            groups.setdefault((tuple(rows), tuple(cols)), []).append(grid)
    (rows, cols), grids = next((k, g) for k, g in sorted(groups.items()) if len(g) >= 2)
    inst = make(list(rows), list(cols))
    assert TASK.count(inst) == 2
    for grid in grids:
        assert TASK.verify(inst, matrix_text(grid)).correct
    assert sum(len(g) for g in groups.values()) == 265  # the spec's count of 3x3 grids without an empty line


GARBAGE = hp.small_garbage("[" * 10_000 + "]" * 10_000, "١٠١ ٠١٠", "０１", "1" * 20_000)


test_mutators, test_garbage_rejected, test_arbitrary_text_never_raises = (
    hp.verifier_tests(TASK, mutators, GARBAGE, at=(5, 0)))


# ---------------------------------------------------------------------------------------------------------------
# importer


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_import_fixtures(level):
    for rec, inst in hp.imported_fixtures(TASK, "Kukurasu", level, "kukurasu", n=level + 2):
        assert "solution" not in inst.state  # the record's solution leak is stripped
        assert list(inst.state["row_sums"]) == rec["initial_state"]["row_sums"]
        assert inst._witness is not None and [list(r) for r in inst._witness] == rec["answer"]
        assert TASK.verify(inst, json.dumps(rec["answer"])).correct
        assert TASK.expert_answer(inst) == matrix_text(rec["answer"])


def test_import_published_row_and_bad_records():
    rec = hp.fixture_record(2, "kukurasu")
    row = {"id": 1, "category": "Kukurasu", "question": rec["question"], "question_text": rec["question_language"],
           "answer": json.dumps(rec["answer"]), "difficulty": 2, "initial_state": json.dumps(rec["initial_state"])}
    inst = TASK.from_record(row)
    assert inst.fingerprint == TASK.from_record(rec).fingerprint and inst._witness is not None
    hint = TASK.from_record({"initial_state": rec["initial_state"]})
    assert hint.level == 2
    init = rec["initial_state"]
    for bad in ({}, {"initial_state": [1, 2]}, {"initial_state": dict(init, row_sums=[1])},
                {"initial_state": dict(init, row_sums=[99] * 4)},
                {"initial_state": dict(init, row_sums=[1, 1, 1, 1], col_sums=[10, 10, 10, 10])},
                {"initial_state": init, "category": "kakuro"}):
        with pytest.raises(RecordError):
            TASK.from_record(bad)


# ---------------------------------------------------------------------------------------------------------------
# step mode


def test_step_mode(instances):
    inst = instances[5][3]
    n, play, mask = hp.mark_step_start(TASK, inst, 5)
    assert mask.all()
    # white marks are notes only; a no-op is legal
    res = TASK.play_apply(inst, play, (0, 0, 2))
    assert res.legal and res.state[0][0] == 2 and play[0][0] == 0
    assert TASK.play_apply(inst, play, (0, 0, 0)).legal
    marked = res.state
    actions = TASK.expert_actions(inst)
    assert len(actions) == sum(v for row in inst._witness for v in row) and all(a[2] == 1 for a in actions)
    for a in actions:
        assert not TASK.play_solved(inst, marked)
        marked = TASK.play_apply(inst, marked, a).state
    if inst._witness[0][0] == 0:  # the white mark on (0,0) does not spoil the solution
        assert marked[0][0] == 2
    assert TASK.play_solved(inst, marked)
    hp.assert_play_presentation(TASK, inst, marked, "value 1 makes the cell black")


def test_step_env_reward():
    hp.assert_step_env_reward(TASK, 3, 2, (5, 5, 3))


# ---------------------------------------------------------------------------------------------------------------
# presentation


def test_render_and_prompts(instances):
    inst = instances[5][0]
    img = TASK.render(inst)
    assert img.size == (512, 512)
    arr = np.asarray(img)
    assert (arr.reshape(-1, 3).min(axis=1) < 60).mean() < 0.05  # no pre-marked cells: the board is mostly light
    solved = np.asarray(TASK.render(inst, TASK.solution_codes(inst)))
    assert (solved.reshape(-1, 3).max(axis=1) < 60).mean() > 0.1
    board = TASK.board(inst)
    assert board.clues["right"] == [str(v) for v in inst.state["row_sums"]] and board.coords == 1
    image_prompt, text_prompt = TASK.prompt(inst, "image"), TASK.prompt(inst, "text")
    for p in (image_prompt, text_prompt):
        assert set(p) <= CHARSET and mod.FORMAT_SENTENCE in p and "blackcells" not in p
        assert matrix_text(inst._witness) not in p and "7x7" in p
    assert "number on the right" in image_prompt and "grey" in image_prompt
    assert "image" not in text_prompt.lower()
    for r, v in enumerate(inst.state["row_sums"]):
        assert f"Row {r + 1}: {v}" in text_prompt
    for c, v in enumerate(inst.state["col_sums"]):
        assert f"Column {c + 1}: {v}" in text_prompt


def test_trace_ends_in_verifying_answer(instances):
    picked = [instances[lv][0] for lv in range(1, 6)]
    guessing = [i for lv in (4, 5) for i in instances[lv] if TASK.search_work(i)["guesses"]][:2]
    for inst in picked + guessing:
        trace = TASK.trace(inst)
        assert trace.splitlines()[-1].startswith("Answer: ")
        assert set(trace) <= CHARSET and "still possible" in trace
        assert TASK.verify(inst, extract_answer(trace)).correct
    # a puzzle that needs a case split is explained with it
    hard = make([3, 3, 3], [3, 3, 3])  # several solutions: the search must branch
    trace = TASK.trace(hard)
    assert "Suppose" in trace and TASK.verify(hard, extract_answer(trace)).correct
