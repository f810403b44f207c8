"""Nonogram: generator levels and uniqueness, clue verifier and lenient parser, importer, step mode,
rendering, prompts, trace."""

from __future__ import annotations

import json
from itertools import product

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.puzzles import nonogram as mod
from mmhelix_env.tasks.puzzles.nonogram import TASK
from tests import helpers_puzzle as hp
from tests.mutators import nonogram as mutators

SEEDS = range(30)


def make(grid, level=1) -> Instance:
    rows, cols = mod.clues_of(grid)
    return Instance("Nonogram", level, None, "1", {"n": len(grid), "rows": rows, "cols": cols})


def text(grid) -> str:
    return "\n".join("".join("X" if v else "." for v in row) for row in grid)


@pytest.fixture(scope="module")
def instances():
    return {lv: [TASK.instance(lv, s) for s in SEEDS] for lv in range(1, 6)}


# ---------------------------------------------------------------------------------------------------------------
# generator


def test_runs_and_placements():
    assert mod.runs([1, 1, 0, 1, 0, 0, 1]) == [2, 1, 1] and mod.runs([0, 0]) == []
    for n in (1, 3, 5):
        lines = list(product((0, 1), repeat=n))
        by_clue: dict[tuple, set] = {}
        for line in lines:
            by_clue.setdefault(tuple(mod.runs(line)), set()).add(line)
        for clue, group in by_clue.items():
            assert set(mod.placements(n, clue)) == group


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_level_parameters_and_uniqueness(instances, level):
    n, lo, hi = mod.LEVEL_PARAMS[level]
    assert n == level + 2
    dens = []
    for inst in instances[level]:
        st_ = inst.state
        assert set(st_) == {"n", "rows", "cols"} and st_["n"] == n
        grid = inst._witness
        assert len(grid) == n and all(len(r) == n for r in grid)
        filled = sum(map(sum, grid))
        assert n <= filled <= n * n - n
        assert sum(1 for r in grid if any(r)) >= (n + 1) // 2
        assert sum(1 for c in range(n) if any(grid[r][c] for r in range(n))) >= (n + 1) // 2
        rows, cols = mod.clues_of(grid)
        assert [list(r) for r in st_["rows"]] == rows and [list(c) for c in st_["cols"]] == cols
        assert TASK.count(inst) == 1
        dens.append(filled / (n * n))
    assert lo - 0.12 < np.mean(dens) < hi + 0.12


def test_uniqueness_matches_brute_force():
    # 3x3: 384 of the 512 grids are fixed by their clues (spec)
    unique = 0
    for bits in range(512):
        grid = [[(bits >> (3 * r + c)) & 1 for c in range(3)] for r in range(3)]
        unique += TASK.count(make(grid)) == 1
    assert unique == 384


def test_levels_get_harder(instances):
    hp.assert_medians_grow(TASK, instances, ("propagations", "placements"), 15)


def test_determinism():
    hp.assert_same_seed_same_instance(TASK, (1, 5), 77, fingerprints=True)


# ---------------------------------------------------------------------------------------------------------------
# verifier


def test_round_trip_without_witness(instances):
    hp.assert_round_trip_without_witness(TASK, instances, 5, lambda inst: text(inst._witness))


def test_lenient_formats(instances):
    inst = instances[3][0]
    sol = inst._witness
    plain = text(sol)
    forms = [
        plain,
        plain.lower(),
        plain.replace("X", "#").replace(".", "_"),
        plain.replace("X", "1").replace(".", "0"),
        plain.replace("X", "■").replace(".", "□"),
        plain.replace(".", "-").replace("X", "x"),
        plain.replace(".", "·"),
        "\n".join(" ".join(row) for row in plain.split("\n")),
        "\n".join("|" + "|".join(row) + "|" for row in plain.split("\n")),
        json.dumps([list(row) for row in plain.split("\n")]),
        json.dumps(plain.split("\n"), indent=1),
        "```\n" + plain + "\n```",
        "Here is the grid:\n\n" + plain.replace("\n", "\n\n") + "\n",
        " \\\\ ".join(plain.split("\n")),
        plain.replace("\n", ""),
        "\t" + plain.replace("\n", "\n\t"),
    ]
    for form in forms:
        v = TASK.verify(inst, form)
        assert v.correct, (form, v.reason)
    assert TASK.verify_response(inst, "so\n\\boxed{" + plain + "}")[1].correct
    assert TASK.verify_response(inst, "Answer:\n" + plain)[1].correct


def test_rule_violations():
    sol = [[1, 1, 0, 1], [0, 0, 0, 1], [1, 0, 1, 1], [0, 0, 0, 0]]
    inst = make(sol)
    assert TASK.verify(inst, text(sol)).correct
    bad = [row[:] for row in sol]
    bad[0][2] = 1
    v = TASK.verify(inst, text(bad))
    assert not v.correct and "row 0 has runs 4 but its clue is 2 1" in v.reason
    assert "column 2 has runs 1 1 but its clue is 1" in v.reason and v.score == pytest.approx(6 / 8)
    bad = [row[:] for row in sol]
    bad[3][0] = 1
    v = TASK.verify(inst, text(bad))
    assert not v.correct and "row 3 has runs 1 but its clue is 0" in v.reason
    for wrong, why in [(text(sol[:-1]), "found 3 rows"), (text(sol) + "\nXXXX", "found 5 rows"),
                       ("XX.X\n...X\nX.X\n....", "row 2 has 3 cells"),
                       ("XX.X\n...X\nX.XZ\n....", "row 2 holds 'Z'"), ("no idea", "found none"),
                       ("XX.X...X", "found 1 rows")]:
        v = TASK.verify(inst, wrong)
        assert not v.correct and v.score == 0 and why in v.reason, (wrong, v.reason)


def test_alternative_solutions_accepted():
    # a permutation-matrix clue set has 3! solutions: every one passes
    inst = make([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    sols = TASK.csp(inst).search(limit=10).solutions
    assert len(sols) == 6
    for flat in sols:
        assert TASK.verify(inst, text([flat[r * 3:(r + 1) * 3] for r in range(3)])).correct
    # the reference's level-1 record is such a puzzle; its stored answer and the others all pass
    rec = hp.fixture_record(1, "nonogram")
    ref = TASK.from_record(rec)
    alt = TASK.csp(ref).search(limit=10).solutions
    assert len(alt) > 1
    for flat in alt:
        assert TASK.verify(ref, "".join("X" if v else "." for v in flat)).correct


def test_mutators(instances):
    hp.assert_mutations_rejected(TASK, mutators, instances, 6)


GARBAGE = hp.grid_garbage("١ ٢ ٣ ٢ ٣ ١ ٣ ١ ٢", "２ ４", "X." * 10_000, "\n".join(["X......"] * 5000))


def test_garbage_rejected(instances):
    hp.assert_garbage_rejected(TASK, instances[5][0], GARBAGE)


test_arbitrary_text_never_raises = hp.arbitrary_text_test(TASK, 1)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet="X.x#01_- Z", max_size=5), min_size=0, max_size=5))
def test_arbitrary_grids(lines):
    v = TASK.verify(TASK.instance(1, 1), "\n".join(lines))
    assert isinstance(v.correct, bool) and v.reason


# ---------------------------------------------------------------------------------------------------------------
# importer


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_import_fixtures(level):
    for rec, inst in hp.imported_fixtures(TASK, "Nonogram", level, "nonogram"):
        rows, cols = rec["initial_state"]
        assert inst.state["n"] == level + 2
        assert [list(r) for r in inst.state["rows"]] == rows and [list(c) for c in inst.state["cols"]] == cols
        v = TASK.verify(inst, rec["answer"])
        assert v.correct, v.reason
        assert inst._witness is not None and TASK.expert_answer(inst) == rec["answer"]


def test_import_published_row_and_bad_records():
    rec = hp.fixture_record(3, "nonogram")
    row = {"id": 5, "category": "nonogram", "question": rec["question"], "question_text": rec["question_language"],
           "answer": rec["answer"].replace("\n", "\\n"), "difficulty": "3", "initial_state": str(rec["initial_state"]),
           "metric_info": "{'score_function': 'nonogram_evaluator'}"}
    inst = TASK.from_record(row)
    assert inst.fingerprint == TASK.from_record(rec).fingerprint and inst._witness is not None
    inst2 = TASK.from_record({"initial_state": json.dumps(rec["initial_state"]), "answer": "XX"})
    assert inst2.level == 3 and inst2._witness is None
    rows, cols = rec["initial_state"]
    zero = [[0] if not r else r for r in rows]
    assert TASK.from_record({"initial_state": [zero, cols], "difficulty": 3}).fingerprint == inst.fingerprint
    for bad in ({}, {"initial_state": "nope"}, {"initial_state": [rows, cols[:-1]], "difficulty": 3},
                {"initial_state": [[[6]] + rows[1:], cols], "difficulty": 3},
                {"initial_state": [[[1]] * 5, cols], "difficulty": 3},
                {"initial_state": [[[1, 1]] + rows[1:], [[1, 1]] + cols[1:]], "difficulty": 3},
                {"initial_state": rec["initial_state"], "difficulty": 3, "category": "sudoku"}):
        with pytest.raises(RecordError):
            TASK.from_record(bad)


# ---------------------------------------------------------------------------------------------------------------
# step mode


def test_step_mode(instances):
    inst = instances[3][2]
    n = inst.state["n"]
    assert TASK.action_shape(inst) == (n, n, 3) == TASK.level_action_shape(3)
    assert [TASK.step_limit(TASK.instance(lv, 0)) for lv in range(1, 6)] == [36, 64, 100, 144, 196]
    play = TASK.play_init(inst)
    mask = TASK.play_mask(inst, play)
    assert mask.shape == (n, n, 3) and mask.all()
    res = TASK.play_apply(inst, play, (0, 0, 2))
    assert res.legal and res.state[0][0] == 2 and play[0][0] == 0
    assert TASK.play_apply(inst, res.state, (0, 0, 2)).legal
    actions = TASK.expert_actions(inst)
    assert len(actions) == sum(map(sum, inst._witness))
    # crosses on empty cells are only notes: the solved test ignores them
    sol = inst._witness
    empty = [(r, c) for r in range(n) for c in range(n) if not sol[r][c]]
    for r, c in empty[:3]:
        play = TASK.play_apply(inst, play, (r, c, 2)).state
    play = hp.play_through(TASK, inst, play, actions)
    img = TASK.render(inst, play)
    assert img.size == (512, 512)
    assert (np.asarray(img) != np.asarray(TASK.render(inst))).any()
    for modality in ("image", "text"):
        t = TASK.play_prompt(inst, play, modality)
        assert set(t) <= CHARSET and "(row, column, value)" in t


def test_step_env_reward():
    assert hp.assert_step_env_reward(TASK, 2, 4, (4, 4, 3))["action_mask"].all()


# ---------------------------------------------------------------------------------------------------------------
# presentation


def test_render_and_prompts(instances):
    inst = instances[5][0]
    hp.assert_render_sizes(TASK, inst)
    image_prompt, text_prompt = hp.assert_prompts_clean(TASK, inst)
    for p in (image_prompt, text_prompt):
        assert "7x7" in p
        assert "Output the solution as a text-based grid using 'X' and '.'." in p
    assert "image" in image_prompt and "image" not in text_prompt.lower()
    assert TASK.expert_answer(inst) not in image_prompt + text_prompt
    rows = "[" + ", ".join(str(list(r)) for r in inst.state["rows"]) + "]"
    cols = "[" + ", ".join(str(list(c)) for c in inst.state["cols"]) + "]"
    assert f"Row clues: {rows}\nColumn clues: {cols}\n" in text_prompt


def test_render_draws_zero_for_empty_lines():
    a = make([[1, 0, 0], [0, 0, 0], [0, 0, 1]])
    b = make([[1, 0, 0], [0, 0, 1], [0, 0, 1]])
    assert TASK.board(a).clues["left"][1] == ["0"]
    assert (np.asarray(TASK.render(a)) != np.asarray(TASK.render(b))).any()


def test_trace_ends_in_verifying_answer(instances):
    picked = [instances[lv][0] for lv in range(1, 6)]
    for inst in picked:
        trace = TASK.trace(inst)
        assert set(trace) <= CHARSET and "placement" in trace
        assert TASK.verify(inst, extract_answer(trace)).correct
    rec = hp.fixture_record(1, "nonogram")
    ref = TASK.from_record(rec)
    trace = TASK.trace(ref)
    assert "Guess" in trace and TASK.verify(ref, extract_answer(trace)).correct
