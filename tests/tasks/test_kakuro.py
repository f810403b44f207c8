"""Kakuro: generator levels and uniqueness, rule verifier (any valid filling, lenient formats), importer of
reference records (unclued edge segments unconstrained), step mode, rendering, prompts, trace."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.puzzles import kakuro as mod
from mmhelix_env.tasks.puzzles.kakuro import TASK
from tests import helpers_puzzle as hp
from tests.mutators import kakuro as mutators

SEEDS = {1: range(40), 2: range(30), 3: range(20), 4: range(15), 5: range(12)}

W = {"type": "white"}


def B(right=None, down=None) -> dict:
    cell: dict = {"type": "black"}
    if right is not None:
        cell["right"] = right
    if down is not None:
        cell["down"] = down
    return cell


def make(cells, level=1) -> Instance:
    return Instance("Kakuro", level, None, "1", {"n": len(cells), "cells": cells})


@pytest.fixture(scope="module")
def instances():
    return {lv: [TASK.instance(lv, s) for s in SEEDS[lv]] for lv in range(1, 6)}


def answer_of(grid, cells) -> str:
    return " ".join(f"({r},{c}):{grid[r][c]}" for r, c in mod.white_cells(cells))


# ---------------------------------------------------------------------------------------------------------------
# generator


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_level_parameters_and_uniqueness(instances, level):
    n = mod.LEVEL_SIZE[level]
    whites = []
    for inst in instances[level]:
        cells = inst.state["cells"]
        assert set(inst.state) == {"n", "cells"} and inst.state["n"] == n and len(cells) == n
        assert all(not mod.is_white(cells[0][c]) and not mod.is_white(cells[c][0]) for c in range(n))
        ws = mod.white_cells(cells)
        whites.append(len(ws))
        assert 2 * len(ws) >= (n - 1) ** 2
        runs = mod.find_runs(cells)
        assert all(2 <= len(run.cells) <= 9 for run in runs)
        # every white cell in exactly one across and one down clued run; every segment clued
        across = {rc for run in runs if run.direction == "right" for rc in run.cells}
        down = {rc for run in runs if run.direction == "down" for rc in run.cells}
        assert across == down == set(ws)
        assert sum(len(run.cells) for run in runs) == 2 * len(ws)
        assert mod._connected([[mod.is_white(x) for x in row] for row in cells], ws)
        assert len(runs) >= mod.RUN_RATIO.get(level, 0) * len(ws)
        sol = inst._witness
        for run in runs:
            digits = [sol[r][c] for r, c in run.cells]
            assert sum(digits) == run.target and len(set(digits)) == len(digits)
        assert TASK.count(inst) == 1
    if level == 1:
        assert whites == [4] * len(whites)
    else:
        lo, hi = {2: (5, 9), 3: (8, 16), 4: (13, 25), 5: (18, 36)}[level]
        assert lo <= np.median(whites) <= hi


def test_very_easy_has_variety():
    fps = {TASK.instance(1, s).fingerprint for s in range(200)}
    assert len(fps) > 80


def test_levels_get_harder(instances):
    hp.assert_medians_grow(TASK, instances, ("white_cells", "propagations", "deductions", "run_options"), 12)


def _naive_layout(rng, level):
    """The spec's layout procedure written plainly (one-cell runs blacked out segment by segment)."""
    n = mod.LEVEL_SIZE[level]
    draw = rng.random((n - 1, n - 1)) >= mod.BLACK_PROB[level]
    white = [[False] * n] + [[False] + [bool(x) for x in row] for row in draw.tolist()]
    changed = True
    while changed:
        changed = False
        for seg in mod._segments(white):
            if len(seg) == 1:
                white[seg[0][0]][seg[0][1]] = False
                changed = True
    cells = [(r, c) for r in range(n) for c in range(n) if white[r][c]]
    if 2 * len(cells) < (n - 1) ** 2 or not mod._connected(white, cells):
        return None
    if len(mod._segments(white)) < mod.RUN_RATIO[level] * len(cells):
        return None
    return white


@pytest.mark.parametrize("level", [2, 3, 4, 5])
def test_bitmask_layout_matches_spec_procedure(level):
    accepted = 0
    for seed in range(1500):
        got = mod.draw_layout(np.random.default_rng(seed), level)
        assert got == _naive_layout(np.random.default_rng(seed), level), seed
        accepted += got is not None
    assert accepted > 30


def _fill_case(level, seed, sharpen):
    rng = np.random.default_rng(seed)
    white = None
    while white is None:
        white = mod.draw_layout(rng, level)
    whites = [(r, c) for r, row in enumerate(white) for c, w in enumerate(row) if w]
    index = {rc: i for i, rc in enumerate(whites)}
    segs = [[index[rc] for rc in seg] for seg in mod._segments(white)]
    cell_runs = [tuple(k for k, seg in enumerate(segs) if i in seg) for i in range(len(whites))]
    values = mod.random_fill(rng, cell_runs, len(segs))
    for seg in segs:
        assert len({values[v] for v in seg}) == len(seg)
    if sharpen:
        mod.sharpen(rng, values, cell_runs, segs, 6 * len(whites))
        for seg in segs:
            assert len({values[v] for v in seg}) == len(seg)
    grid = [[0] * len(white) for _ in white]
    for (r, c), x in zip(whites, values):
        grid[r][c] = x
    return white, cell_runs, segs, [sum(values[v] for v in seg) for seg in segs], grid


@pytest.mark.parametrize("level", [2, 3, 4, 5])
def test_counter_counts_exactly_on_random_fills(level):
    """The generation counter and the CSP engine agree on capped solution counts of random (mostly
    ambiguous) clue sets, and every solution the counter lists satisfies the clues."""
    for seed in range(12):
        white, cell_runs, segs, targets, grid = _fill_case(level, seed, sharpen=seed % 2 == 1)
        cells = mod.clue_cells(white, grid)
        for limit in (2, 7):
            sols: list = []
            got = mod.count_fills(cell_runs, segs, targets, limit, sols)[0]
            assert got == mod.build_csp(cells)[0].count_solutions(limit) == len(sols)
            for sol in sols:
                for seg, t in zip(segs, targets):
                    digits = [sol[v] for v in seg]
                    assert sum(digits) == t and len(set(digits)) == len(digits)


def test_counter_agrees_with_csp(instances):
    for inst in instances[3][:5]:
        cells = inst.state["cells"]
        ws = mod.white_cells(cells)
        index = {rc: i for i, rc in enumerate(ws)}
        runs = mod.find_runs(cells)
        cell_runs = [tuple(k for k, run in enumerate(runs) if rc in run.cells) for rc in ws]
        run_cells = [[index[rc] for rc in run.cells] for run in runs]
        assert mod.count_fills(cell_runs, run_cells, [run.target for run in runs], 5)[0] == 1
        assert mod.build_csp(cells)[0].count_solutions(5) == 1


def test_determinism():
    hp.assert_same_seed_same_instance(TASK, (1, 4), 9)


# ---------------------------------------------------------------------------------------------------------------
# verifier


def test_round_trip_without_witness(instances):
    hp.assert_round_trip_without_witness(TASK, instances, 4, lambda inst: answer_of(inst._witness, inst.state["cells"]),
                                         strict=False)


def test_lenient_formats(instances):
    inst = instances[3][1]
    sol = inst._witness
    ws = mod.white_cells(inst.state["cells"])
    forms = [
        answer_of(sol, inst.state["cells"]),
        ", ".join(f"( {r} , {c} ) = {sol[r][c]}" for r, c in reversed(ws)),
        "\n".join(f"[{r},{c}] -> {sol[r][c]}" for r, c in ws),
        "; ".join(f"R{r}C{c}: {sol[r][c]}" for r, c in ws),
        " ".join(f"({r},{c})→{sol[r][c]}" for r, c in ws),
        answer_of(sol, inst.state["cells"]) + f" ({ws[0][0]},{ws[0][1]}):{sol[ws[0][0]][ws[0][1]]}",  # repeat
    ]
    for text in forms:
        v = TASK.verify(inst, text)
        assert v.correct, (text, v.reason)
    assert TASK.verify_response(inst, "so \\boxed{" + forms[0] + "}")[1].correct


def test_rule_violations(instances):
    inst = instances[4][0]
    cells = inst.state["cells"]
    sol = [list(r) for r in inst._witness]
    ws = mod.white_cells(cells)
    r, c = ws[0]
    runs = mod.find_runs(cells)
    near = {sol[a][b] for run in runs if (r, c) in run.cells for a, b in run.cells}
    bad = [row[:] for row in sol]
    bad[r][c] = min(set(range(1, 10)) - near)
    v = TASK.verify(inst, answer_of(bad, cells))
    assert not v.correct and "run" in v.reason and ", not " in v.reason and 0 < v.score < 1
    assert v.score == pytest.approx((len(ws) + len(runs) - 2) / (len(ws) + len(runs)))
    # a repeated digit in a run is named
    run = next(run for run in runs if run.direction == "right")
    (r1, c1), (r2, c2) = run.cells[:2]
    bad = [row[:] for row in sol]
    bad[r1][c1] = bad[r2][c2]
    v = TASK.verify(inst, answer_of(bad, cells))
    assert not v.correct and f"repeats {bad[r2][c2]}" in v.reason
    full = answer_of(sol, cells)
    v = TASK.verify(inst, full + " (0,0):3")
    assert not v.correct and v.score == 0 and "black cell" in v.reason
    v = TASK.verify(inst, full + " (9,9):3")
    assert not v.correct and "outside" in v.reason
    v = TASK.verify(inst, full + f" ({r},{c}):{sol[r][c] % 9 + 1}")
    assert not v.correct and "two values" in v.reason
    v = TASK.verify(inst, full.replace(f"({r},{c}):{sol[r][c]}", f"({r},{c}):0"))
    assert not v.correct and "not a digit 1-9" in v.reason
    v = TASK.verify(inst, full.split(" ", 1)[1])
    assert not v.correct and f"white cell ({r},{c}) has no value" in v.reason
    v = TASK.verify(inst, "I cannot solve it")
    assert not v.correct and v.score == 0 and "no (row,column):value" in v.reason


def test_alternative_solutions_accepted():
    # a 2x2 block with right sums 3, 5 and down sums 3, 5 has exactly two fillings: both accepted
    cells = [[B(), B(down=3), B(down=5)], [B(right=3), W, W], [B(right=5), W, W]]
    inst = make(cells)
    assert TASK.count(inst) == 2
    assert TASK.verify(inst, "(1,1):1 (1,2):2 (2,1):2 (2,2):3").correct
    assert TASK.verify(inst, "(1,1):2 (1,2):1 (2,1):1 (2,2):4").correct
    assert not TASK.verify(inst, "(1,1):1 (1,2):2 (2,1):1 (2,2):4").correct
    csp = mod.build_csp(cells)[0]
    for sol in csp.search(5).solutions:
        text = " ".join(f"({r},{c}):{x}" for (r, c), x in zip(mod.white_cells(cells), sol))
        assert TASK.verify(inst, text).correct
    # unclued edge segments (imported layout) carry no constraint
    edge = make([[W, B(down=5)], [B(right=5), W]])
    for a in ("(0,0):9 (1,1):5", "(0,0):1 (1,1):5"):
        assert TASK.verify(edge, a).correct
    assert not TASK.verify(edge, "(0,0):1 (1,1):4").correct


def test_mutators(instances):
    hp.assert_mutations_rejected(TASK, mutators, instances, 4)


test_arbitrary_text_never_raises = hp.arbitrary_text_test(TASK, 2)


def test_garbage_rejected():
    texts = hp.small_garbage("[" * 10_000 + "]" * 10_000, "(١,٢):٣", "(１,２):３", "(1,2):" * 5000)
    hp.assert_garbage_rejected(TASK, TASK.instance(3, 0), texts)


# ---------------------------------------------------------------------------------------------------------------
# importer


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_import_fixtures(level):
    for rec, inst in hp.imported_fixtures(TASK, "Kakuro", level, "kakuro", n=level + 2):
        assert TASK.verify(inst, rec["answer"]).correct
        assert inst._witness is not None
        assert TASK.verify(inst, TASK.expert_answer(inst)).correct
        assert TASK.verify(inst, TASK.format_answer(inst, TASK.solve(inst))).correct
        assert TASK.render(inst).size == (512, 512)
        trace = TASK.trace(inst)
        assert TASK.verify(inst, extract_answer(trace)).correct


def test_import_published_row_and_bad_records():
    rec = hp.fixture_record(3, "kakuro")
    row = {"id": 1, "category": "kakuro", "question": rec["question"], "question_text": rec["question_language"],
           "answer": rec["answer"], "difficulty": 3, "initial_state": json.dumps(rec["initial_state"])}
    inst = TASK.from_record(row)
    assert inst.fingerprint == TASK.from_record(rec).fingerprint and inst._witness is not None
    assert TASK.from_record({"initial_state": rec["initial_state"]}).level == 3
    init = rec["initial_state"]
    bad_clue = json.loads(json.dumps(init))
    bad_clue[1][3]["right"] = 44
    for bad in ({}, {"initial_state": [1, 2]}, {"initial_state": init[:-1]}, {"initial_state": "nonsense"},
                {"initial_state": [[{"type": "grey"}] * 3] * 3}, {"initial_state": bad_clue},
                {"initial_state": [[B(right=3), B()], [W, W]]},
                {"initial_state": init, "category": "sudoku"}):
        with pytest.raises(RecordError):
            TASK.from_record(bad)


# ---------------------------------------------------------------------------------------------------------------
# step mode


def test_step_mode(instances):
    inst = instances[4][2]
    n = inst.state["n"]
    assert TASK.action_shape(inst) == (n, n, 10) == TASK.level_action_shape(4) and TASK.step_limit(inst) == 4 * n * n
    play = TASK.play_init(inst)
    mask = TASK.play_mask(inst, play)
    cells = inst.state["cells"]
    assert mask.shape == (n, n, 10)
    for r in range(n):
        for c in range(n):
            assert mask[r, c].all() == mod.is_white(cells[r][c]) and mask[r, c].any() == mod.is_white(cells[r][c])
    res = TASK.play_apply(inst, play, (0, 0, 3))
    assert not res.legal and res.state == play and "black cell" in res.reason
    r, c = mod.white_cells(cells)[0]
    res = TASK.play_apply(inst, play, (r, c, 4))
    assert res.legal and res.state[r][c] == 4 and play[r][c] == 0
    assert TASK.play_apply(inst, res.state, (r, c, 0)).state[r][c] == 0
    actions = TASK.expert_actions(inst)
    assert len(actions) == len(mod.white_cells(cells))
    cur = play
    cur = hp.play_through(TASK, inst, cur, actions)
    hp.assert_play_presentation(TASK, inst, cur, "value 1-9 writes")


def test_step_env_reward():
    hp.assert_step_env_reward(TASK, 3, 2, (5, 5, 10), illegal=lambda inst: (0, 0, 1))


# ---------------------------------------------------------------------------------------------------------------
# presentation


def test_render_and_prompts(instances):
    inst = instances[5][0]
    img = TASK.render(inst)
    assert img.size == (512, 512)
    arr = np.asarray(img)
    dark = (np.abs(arr.astype(int) - np.array(mod.DARK)).sum(axis=2) < 10).mean()
    assert 0.05 < dark < 0.8
    solved = np.asarray(TASK.render(inst, TASK.solution_codes(inst)))
    assert (solved != arr).any()
    image_prompt, text_prompt = TASK.prompt(inst, "image"), TASK.prompt(inst, "text")
    answer = TASK.expert_answer(inst)
    for p in (image_prompt, text_prompt):
        assert set(p) <= CHARSET and mod.FORMAT_SENTENCE in p and mod.LIST_SENTENCE in p
        assert answer not in p and "7x7" in p
    assert "diagonal" in image_prompt and "image" in image_prompt
    assert "image" not in text_prompt.lower()
    for line in TASK.clue_lines(inst):
        assert line in text_prompt
    assert "Black cell at (" in text_prompt and "[     ]" in text_prompt
    for row in inst.state["cells"]:
        for obj in row:
            if "right" in obj and "down" in obj:
                assert f"[{obj['down']:>2}\\{obj['right']:<2}]" in text_prompt


def test_trace_ends_in_verifying_answer(instances):
    for inst in [instances[lv][0] for lv in range(1, 6)]:
        trace = TASK.trace(inst)
        assert trace.splitlines()[-1].startswith("Answer: ")
        assert set(trace) <= CHARSET and "possible digit sets" in trace
        assert TASK.verify(inst, extract_answer(trace)).correct
    hard = make([[B(), B(down=3), B(down=5)], [B(right=3), W, W], [B(right=5), W, W]])
    trace = TASK.trace(hard)
    assert "Suppose" in trace and TASK.verify(hard, extract_answer(trace)).correct
