"""Binairo: generator levels and uniqueness, rule verifier, importer, step mode, rendering, prompts, trace."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.puzzles import binairo as mod
from mmhelix_env.tasks.puzzles.binairo import TASK
from tests import helpers_puzzle as hp
from tests.mutators import binairo as mutators

SEEDS = range(30)


def text_of(grid) -> str:
    return "\n".join(" ".join(map(str, row)) for row in grid)


def is_solution(givens, grid) -> bool:
    n = len(grid)
    lines = [list(row) for row in grid] + [[grid[r][c] for r in range(n)] for c in range(n)]
    for line in lines:
        if sum(line) * 2 != n or any(line[i] == line[i + 1] == line[i + 2] for i in range(n - 2)):
            return False
    if len({tuple(x) for x in lines[:n]}) != n or len({tuple(x) for x in lines[n:]}) != n:
        return False
    return all(g is None or g == grid[r][c] for r, row in enumerate(givens) for c, g in enumerate(row))


def make(givens, level=1) -> Instance:
    return Instance("Binairo", level, None, "1", {"n": len(givens), "givens": givens})


@pytest.fixture(scope="module")
def instances():
    return {lv: [TASK.instance(lv, s) for s in SEEDS] for lv in range(1, 6)}


# ---------------------------------------------------------------------------------------------------------------
# generator


def test_legal_lines():
    assert [len(mod.legal_lines(n)) for n in (4, 6, 8, 10)] == [6, 14, 34, 84]


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_level_parameters_and_uniqueness(instances, level):
    n, target = mod.LEVEL_PARAMS[level]
    for inst in instances[level]:
        st_ = inst.state
        assert set(st_) == {"n", "givens"} and st_["n"] == n
        assert len(st_["givens"]) == n and all(len(row) == n for row in st_["givens"])
        assert all(v in (None, 0, 1) for row in st_["givens"] for v in row)
        assert sum(1 for row in st_["givens"] for v in row if v is not None) == target
        assert is_solution(st_["givens"], inst._witness)
        assert TASK.count(inst) == 1


def test_solutions_vary(instances):
    assert len({inst._witness for inst in instances[5]}) == len(SEEDS)
    first = [inst._witness[0][0] for inst in instances[4]]
    assert 0 < sum(first) < len(first)


def test_levels_get_harder(instances):
    hp.assert_medians_grow(TASK, instances, ("blanks", "deductions", "propagations", "line_options"), 15)


def test_determinism():
    hp.assert_same_seed_same_instance(TASK, (1, 5), 77, fingerprints=True)


# ---------------------------------------------------------------------------------------------------------------
# verifier


def test_round_trip_without_witness(instances):
    hp.assert_round_trip_without_witness(TASK, instances, 5, lambda inst: text_of(inst._witness))


def test_lenient_formats(instances):
    inst = instances[2][0]
    sol = [list(r) for r in inst._witness]
    forms = [
        text_of(sol),
        json.dumps(sol),
        "\n".join(",".join(map(str, r)) for r in sol),
        "\n".join("| " + " | ".join(map(str, r)) + " |" for r in sol),
        " \\\\ ".join(" & ".join(map(str, r)) for r in sol),
        "\\n".join(" ".join(map(str, r)) for r in sol),
        "; ".join(" ".join(map(str, r)) for r in sol),
        "\n".join("".join(map(str, r)) for r in sol),
        "\n".join(f"Row {k + 1}: " + " ".join(map(str, r)) for k, r in enumerate(sol)),
        "".join(str(v) for r in sol for v in r),
        "```\n" + text_of(sol) + "\n```",
        "Example: [[0, 1, 0, 1, 0, 1], [1, 0, 1, 0, 1, 0]]\nFinal: " + json.dumps(sol),
    ]
    for text in forms:
        v = TASK.verify(inst, text)
        assert v.correct, (text, v.reason)
    assert TASK.verify_response(inst, "so\n\\boxed{" + forms[1] + "}")[1].correct
    wrong = [row[:] for row in sol]
    wrong[0][0] = 1 - wrong[0][0]
    assert not TASK.verify(inst, json.dumps(sol) + " then " + json.dumps(wrong)).correct


def test_rule_violations(instances):
    inst = instances[4][3]
    n = inst.state["n"]
    givens = inst.state["givens"]
    sol = [list(r) for r in inst._witness]
    fixed = [(r, c) for r in range(n) for c in range(n) if givens[r][c] is not None]
    free = [(r, c) for r in range(n) for c in range(n) if givens[r][c] is None]
    total = len(fixed) + 2 * n + 2

    r, c = fixed[0]
    bad = [row[:] for row in sol]
    bad[r][c] = 1 - bad[r][c]
    v = TASK.verify(inst, text_of(bad))
    assert not v.correct and f"the given {sol[r][c]} at ({r + 1},{c + 1}) was changed" in v.reason
    assert v.score == pytest.approx((total - 3) / total)
    r, c = free[0]
    bad = [row[:] for row in sol]
    bad[r][c] = 1 - bad[r][c]
    v = TASK.verify(inst, text_of(bad))
    assert not v.correct and f"row {r + 1} has" in v.reason and f"column {c + 1} has" in v.reason
    bad[r][c] = 2
    v = TASK.verify(inst, text_of(bad))
    assert not v.correct and v.score == 0 and f"cell ({r + 1},{c + 1}) holds 2" in v.reason
    v = TASK.verify(inst, text_of(sol[:-1]))
    assert not v.correct and f"{n}x{n}" in v.reason


def test_triples_and_repeats_named():
    empty = make([[None] * 4 for _ in range(4)])
    # balanced rows, but a vertical triple in column 1 and repeated rows
    v = TASK.verify(empty, "0 0 1 1\n0 1 0 1\n0 1 1 0\n1 0 0 1")
    assert not v.correct and "column 1 has 3 zeros and 1 ones" in v.reason
    v = TASK.verify(empty, "0 1 0 1\n0 1 0 1\n1 0 1 0\n1 0 1 0")
    assert not v.correct and "rows 1 and 2 are identical" in v.reason
    assert "three" not in v.reason
    g6 = make([[None] * 6 for _ in range(6)], level=2)
    v = TASK.verify(g6, "1 1 1 0 0 0\n" * 6)
    assert not v.correct and "row 1 has three 1s in a row at columns 1-3" in v.reason
    assert "rows 1 and 2 are identical" in v.reason or "more problem" in v.reason


def test_alternative_solutions_accepted():
    empty = make([[None] * 4 for _ in range(4)])
    csp, dom = TASK.csp(empty)
    sols = csp.search(limit=1000, domains=dom).solutions
    assert len(sols) == 72  # every 4x4 Binairo grid
    for flat in sols:
        grid = [flat[r * 4:(r + 1) * 4] for r in range(4)]
        assert is_solution(empty.state["givens"], grid)
        assert TASK.verify(empty, text_of(grid)).correct
    # a reference record (level 5) with several solutions: every one is accepted, not only the stored answer
    rec = hp.fixture_record(5, "binairo")
    ref = TASK.from_record(rec)
    csp, dom = TASK.csp(ref)
    many = csp.search(limit=10, domains=dom).solutions
    assert len(many) > 1
    stored = rec["answer"].replace("\n", " ")
    others = [flat for flat in many if " ".join(map(str, flat)) != stored]
    assert others
    for flat in many:
        assert TASK.verify(ref, " ".join(map(str, flat))).correct


def test_mutators(instances):
    hp.assert_mutations_rejected(TASK, mutators, instances, 4)


GARBAGE = hp.grid_garbage("١ ٠ ١ ٠", "２ ４", "[[" + "1, " * 6000 + "]]", "0" * 19_999, "01" * 50)


def test_garbage_rejected(instances):
    hp.assert_garbage_rejected(TASK, instances[5][0], GARBAGE)


def test_verify_is_fast(instances):
    hp.assert_verify_fast(TASK, instances[5][0])


test_arbitrary_text_never_raises = hp.arbitrary_text_test(TASK, 1)


def _accepted_matrix_solves(rows):
    assert is_solution(TASK.instance(1, 1).state["givens"], rows)


test_arbitrary_matrices = hp.arbitrary_matrix_test(TASK, 1, (-1, 3), (3, 5), (3, 5), on_correct=_accepted_matrix_solves)


# ---------------------------------------------------------------------------------------------------------------
# importer


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_import_fixtures(level):
    for rec, inst in hp.imported_fixtures(TASK, "Binairo", level, "binairo"):
        assert inst.state["n"] == 6
        assert [list(r) for r in inst.state["givens"]] == rec["initial_state"]
        v = TASK.verify(inst, rec["answer"])
        assert v.correct, v.reason
        assert inst._witness is not None and TASK.expert_answer(inst) == rec["answer"]
        assert TASK.count(inst) >= 1
        assert TASK.verify(inst, extract_answer(TASK.trace(inst))).correct


def test_import_published_row_and_bad_records():
    rec = hp.fixture_record(3, "binairo")
    row = {"id": 5, "category": "binairo", "question": rec["question"], "question_text": rec["question_language"],
           "answer": rec["answer"].replace("\n", "\\n"), "difficulty": 3, "initial_state": str(rec["initial_state"]),
           "metric_info": "{'score_function': 'binairo_evaluator'}"}
    inst = TASK.from_record(row)
    assert inst.fingerprint == TASK.from_record(rec).fingerprint and inst._witness is not None
    as_json = dict(row, initial_state=json.dumps(rec["initial_state"]))
    assert TASK.from_record(as_json).fingerprint == inst.fingerprint
    no_level = {"initial_state": rec["initial_state"], "answer": "0 1"}
    inst2 = TASK.from_record(no_level)
    assert inst2.level == 2 and inst2._witness is None
    init = rec["initial_state"]
    clash = [[1, 1, 1, None, None, None]] + init[1:]
    for bad in ({}, {"initial_state": "nope"}, {"initial_state": clash, "difficulty": 3},
                {"initial_state": [[0, 1, None]] * 3, "difficulty": 3},
                {"initial_state": [row[:-1] for row in init], "difficulty": 3},
                {"initial_state": [[2] * 6] * 6, "difficulty": 3},
                {"initial_state": init, "difficulty": 3, "category": "sudoku"}):
        with pytest.raises(RecordError):
            TASK.from_record(bad)


# ---------------------------------------------------------------------------------------------------------------
# step mode


def test_step_mode(instances):
    inst = instances[4][2]
    n = inst.state["n"]
    givens = inst.state["givens"]
    assert TASK.action_shape(inst) == (n, n, 3) == TASK.level_action_shape(4)
    assert TASK.step_limit(inst) == 4 * n * n
    play = TASK.play_init(inst)
    mask = TASK.play_mask(inst, play)
    assert mask.shape == (n, n, 3)
    for r in range(n):
        for c in range(n):
            assert mask[r, c].all() == (givens[r][c] is None) and mask[r, c].any() == (givens[r][c] is None)
    r, c = next((r, c) for r in range(n) for c in range(n) if givens[r][c] is not None)
    for v in range(3):
        res = TASK.play_apply(inst, play, (r, c, v))
        assert not res.legal and res.state == play
    actions = TASK.expert_actions(inst)
    assert len(actions) == n * n - 26
    r, c, v = actions[0]
    res = TASK.play_apply(inst, play, (r, c, 3 - v))  # the wrong digit, then erased again
    assert res.legal and res.state != play and not TASK.play_solved(inst, res.state)
    back = TASK.play_apply(inst, res.state, (r, c, 0))
    assert back.legal and back.state == play
    play = hp.play_through(TASK, inst, play, actions)
    hp.assert_play_presentation(TASK, inst, play, "(row, column, value)")


def test_step_env_reward():
    given = hp.write_on_first_given("givens", 6, given=lambda v: v is not None)
    hp.assert_step_env_reward(TASK, 2, 4, (6, 6, 3), illegal=given)


# ---------------------------------------------------------------------------------------------------------------
# presentation


def test_render_and_prompts(instances):
    inst = instances[5][0]
    hp.assert_render_sizes(TASK, inst)
    arr = np.asarray(TASK.render(inst)).reshape(-1, 3)
    colours = {tuple(p) for p in arr[::7]}
    assert mod.ZERO_COLOR in colours and mod.ONE_COLOR in colours
    image_prompt, text_prompt = hp.assert_prompts_clean(TASK, inst)
    for p in (image_prompt, text_prompt):
        assert "10×10" in p and "exactly 5 0s and 5 1s" in p
        assert mod.FORMAT_SENTENCE in p
        assert text_of(inst._witness) not in p
    assert "blue digits representing 0s and red digits representing 1s" in image_prompt
    assert "image" not in text_prompt.lower()
    for r, row in enumerate(inst.state["givens"]):
        assert f"Row {r + 1}: " + " ".join("_" if v is None else str(v) for v in row) in text_prompt


def test_play_render_differs_from_givens(instances):
    inst = instances[1][0]
    play = TASK.play_init(inst)
    a = TASK.expert_actions(inst)[0]
    after = TASK.play_apply(inst, play, a).state
    assert TASK.render(inst, after).tobytes() != TASK.render(inst).tobytes()
    assert TASK.render(inst, play).tobytes() == TASK.render(inst).tobytes()


def test_trace_ends_in_verifying_answer(instances):
    picked = [instances[lv][0] for lv in range(1, 6)]
    guessing = [i for i in instances[5] if TASK.stats(i)["guesses"] > 0][:2]
    assert guessing
    for inst in picked + guessing:
        trace = TASK.trace(inst)
        assert set(trace) <= CHARSET
        assert TASK.verify(inst, extract_answer(trace)).correct
        assert extract_answer(trace) == TASK.expert_answer(inst)
    assert "Suppose" in TASK.trace(guessing[0])
    assert "next to the pair of" in TASK.trace(picked[4])
