"""Tapa: generator levels and uniqueness, rule verifier (benchmark clue reading), importer (ambiguous reference
records kept), step mode, rendering, prompts, trace."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.puzzles import tapa as mod
from mmhelix_env.tasks.puzzles.tapa import TASK
from tests import helpers_puzzle as hp
from tests.mutators import tapa as mutators

SEEDS = range(30)


def make(n, clues, level=1) -> Instance:
    return Instance("Tapa", level, None, "1", {"n": n, "clues": [list(c) for c in clues]})


def text_of(cells) -> str:
    return ", ".join(f"({r},{c})" for r, c in sorted(cells))


@pytest.fixture(scope="module")
def instances():
    return {lv: [TASK.instance(lv, s) for s in SEEDS] for lv in range(1, 6)}


# ---------------------------------------------------------------------------------------------------------------
# generator


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_level_parameters_and_uniqueness(instances, level):
    n = mod.LEVEL_SIZE[level]
    lo, hi = mod.LEVEL_BLACK[level]
    geo = mod.Geometry.of(n)
    for inst in instances[level]:
        st_ = inst.state
        assert set(st_) == {"n", "clues"} and st_["n"] == n
        clues = [tuple(c) for c in st_["clues"]]
        assert 1 <= len(clues) <= mod.LEVEL_CLUES[level] and clues == sorted(clues)
        black = set(inst._witness)
        assert lo <= len(black) <= hi
        mask = sum(1 << (r * n + c) for r, c in black)
        assert geo.flood(mask & -mask, mask) == mask                      # connected
        assert not any(q & mask == q for q in geo.blocks)                 # no 2x2
        for r, c, k in clues:
            assert (r, c) not in black and 1 <= k <= 8
            ring = [j >= 0 and bool(mask >> j & 1) for j in geo.ring[r * n + c]]
            assert mod.consecutive_run(ring) == k                          # standard-Tapa reading agrees
        assert TASK.count(inst) == 1
        # minimal: dropping any clue makes it ambiguous
        for drop in clues:
            rest = [c for c in clues if c != drop]
            if rest:
                assert len(mod.solutions(n, rest, 2)) == 2


def test_very_easy_has_variety():
    fps = {TASK.instance(1, s).fingerprint for s in range(200)}
    assert len(fps) > 60


def test_levels_get_harder(instances):
    hp.assert_medians_grow(TASK, instances, ("search_nodes", "propagations", "black_cells"))


def test_determinism():
    hp.assert_same_seed_same_instance(TASK, (1, 5), 9)


def test_ring_patterns():
    assert mod.ring_patterns(255, 0) == (0,)
    assert len(mod.ring_patterns(255, 8)) == 1
    # N and W black with NW white: one group of 2 in the benchmark reading (they touch by a corner)
    n_w = (1 << 1) | (1 << 7)
    assert n_w in mod.ring_patterns(255, 2)
    # N and S black: two groups, never a pattern
    assert (1 << 1) | (1 << 5) not in mod.ring_patterns(255, 2)
    assert mod.consecutive_run([True, True, False, False, False, False, False, True]) == 3
    assert mod.consecutive_run([True, False, True, False, False, False, False, False]) == 0


# ---------------------------------------------------------------------------------------------------------------
# verifier


def test_round_trip_without_witness(instances):
    hp.assert_round_trip_without_witness(TASK, instances, 5, lambda inst: text_of(inst._witness), strict=False)


def test_lenient_formats(instances):
    inst = instances[3][1]
    n = inst.state["n"]
    cells = sorted(inst._witness)
    clue_at = {(r, c): k for r, c, k in inst.state["clues"]}
    grid_b = ["".join("B" if (r, c) in cells else "W" for c in range(n)) for r in range(n)]
    grid_hash = [" ".join("#" if (r, c) in cells else (str(clue_at[(r, c)]) if (r, c) in clue_at else ".")
                          for c in range(n)) for r in range(n)]
    grid_sq = ["".join("■" if (r, c) in cells else "□" for c in range(n)) for r in range(n)]
    forms = [
        text_of(cells),
        "; ".join(f"({r}, {c})" for r, c in reversed(cells)),
        json.dumps([list(rc) for rc in cells]),
        "\n".join(f"[{r},{c}]" for r, c in cells),
        text_of(cells) + ", " + text_of(cells[:2]),                   # duplicates ignored
        "\n".join(grid_b),
        "\n".join(grid_hash),
        "Final grid:\n" + "\n".join(grid_sq),
    ]
    for text in forms:
        v = TASK.verify(inst, text)
        assert v.correct, (text, v.reason)
    assert TASK.verify_response(inst, "\\boxed{" + forms[0] + "}")[1].correct
    wrong_digit = "\n".join(grid_hash).replace(str(inst.state["clues"][0][2]), "9", 1)
    assert not TASK.verify(inst, wrong_digit).correct


def test_rule_violations():
    # 3x3 with a clue 3 in the middle row
    inst = make(3, [(1, 1, 3)])
    v = TASK.verify(inst, "(0,0), (0,1), (0,2)")
    assert v.correct
    v = TASK.verify(inst, "(0,0), (0,2)")
    assert not v.correct and "not one connected group" in v.reason and "clue 3 at (1,1)" in v.reason
    assert v.score == pytest.approx(0.25)
    v = TASK.verify(inst, "(1,1), (0,0)")
    assert not v.correct and v.score == 0 and "holds the clue 3" in v.reason
    v = TASK.verify(inst, "(0,0), (3,1)")
    assert not v.correct and v.score == 0 and "outside" in v.reason
    v = TASK.verify(inst, "(-1,0)")
    assert not v.correct and "outside" in v.reason
    inst2 = make(3, [(2, 2, 1)])
    v = TASK.verify(inst2, "(0,0), (0,1), (1,0), (1,1), (2,1)")
    assert not v.correct and "2x2 block" in v.reason
    v = TASK.verify(inst2, "[]")
    assert not v.correct and "no cell is black" in v.reason
    v = TASK.verify(make(3, [(1, 1, 0)]), "none")
    assert v.correct  # zero clues: no black neighbours, empty set allowed


def test_alternative_solutions_accepted():
    # a hand-made ambiguous puzzle: clue 1 in a corner of a 3x3 grid
    inst = make(3, [(0, 0, 1)])
    assert TASK.count(inst) == 2
    for ans in ("(0,1)", "(1,0)", "(1,1)", "(0,1), (0,2)"):
        assert TASK.verify(inst, ans).correct, ans
    # an ambiguous reference record: both its stored answer and another solution pass
    rec = hp.fixture_record(3, "tapa")
    imported = TASK.from_record(rec)
    sols = mod.solutions(imported.state["n"], imported.state["clues"], 2)
    assert len(sols) == 2
    for mask in sols:
        assert TASK.verify(imported, text_of(mod.mask_cells(mask, imported.state["n"]))).correct


GARBAGE = hp.small_garbage("[" * 10_000 + "]" * 10_000, "(١,٢)", "(０,１)", "(1,2)" * 4000)


test_mutators, test_garbage_rejected, test_arbitrary_text_never_raises = (
    hp.verifier_tests(TASK, mutators, GARBAGE, at=(5, 0)))


# ---------------------------------------------------------------------------------------------------------------
# importer


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_import_fixtures(level):
    for rec, inst in hp.imported_fixtures(TASK, "Tapa", level, "tapa", n=level + 2):
        assert "unsolvable" not in inst.state
        assert TASK.verify(inst, rec["answer"]).correct
        assert inst._witness is not None and TASK.expert_answer(inst) == rec["answer"]


def test_import_published_row_and_bad_records():
    rec = hp.fixture_record(2, "tapa")
    row = {"id": 1, "category": "Tapa", "question": rec["question"], "answer": rec["answer"], "difficulty": 2,
           "initial_state": rec["initial_state"].replace("\n", "\\n")}
    inst = TASK.from_record(row)
    assert inst.fingerprint == TASK.from_record(rec).fingerprint and inst._witness is not None
    assert TASK.from_record({"initial_state": rec["initial_state"]}).level == 2
    # an unsolvable record is kept and marked
    bad = TASK.from_record({"initial_state": "8..\n...\n...", "difficulty": "1"})
    assert bad.state.get("unsolvable") is True
    for broken in ({}, {"initial_state": "..\n..."}, {"initial_state": "x..\n...\n..."},
                   {"initial_state": rec["initial_state"], "category": "kakuro"}):
        with pytest.raises(RecordError):
            TASK.from_record(broken)


# ---------------------------------------------------------------------------------------------------------------
# step mode


def test_step_mode(instances):
    inst = instances[5][3]
    n, play, mask = hp.mark_step_start(TASK, inst, 5)
    for r, c, _ in inst.state["clues"]:
        assert not mask[r, c].any()
        res = TASK.play_apply(inst, play, (r, c, 1))
        assert not res.legal and res.state == play
    assert mask.sum() == 3 * (n * n - len(inst.state["clues"]))
    free = next((r, c) for r in range(n) for c in range(n) if (r, c) not in set(inst._witness)
                and not any(r == a and c == b for a, b, _ in inst.state["clues"]))
    res = TASK.play_apply(inst, play, (*free, 2))
    assert res.legal and res.state[free[0]][free[1]] == 2 and play[free[0]][free[1]] == 0
    marked = res.state
    hp.assert_expert_shading_plays(TASK, inst, marked, "value 1 makes the cell black")


def test_step_env_reward():
    hp.assert_step_env_reward(TASK, 3, 2, (5, 5, 3))


# ---------------------------------------------------------------------------------------------------------------
# presentation


def test_render_and_prompts(instances):
    inst = instances[5][0]
    img = TASK.render(inst)
    assert img.size == (512, 512)
    arr = np.asarray(img)
    assert (arr.reshape(-1, 3).max(axis=1) < 60).mean() < 0.05  # nothing shaded at the start
    solved = np.asarray(TASK.render(inst, TASK.solution_codes(inst)))
    assert (solved.reshape(-1, 3).max(axis=1) < 60).mean() > 0.1
    board = TASK.board(inst)
    assert board.coords == 0 and len(board.values) == len(inst.state["clues"])
    image_prompt, text_prompt = TASK.prompt(inst, "image"), TASK.prompt(inst, "text")
    for p in (image_prompt, text_prompt):
        assert set(p) <= CHARSET and "Separate multiple coordinates with commas" in p and "7x7" in p
        assert "(0,1), (1,2), (2,0), (2,1)" in p and text_of(inst._witness) not in p
        assert "2x2" in p and "corner" in p
    assert "image" in image_prompt and "image" not in text_prompt.lower()
    for r, c, k in inst.state["clues"]:
        assert f"Cell ({r},{c}) has clue {k}" in text_prompt


def test_trace_ends_in_verifying_answer(instances):
    for inst in [instances[lv][s] for lv in range(1, 6) for s in (0, 1)]:
        trace = TASK.trace(inst)
        assert trace.splitlines()[-1].startswith("Answer: ")
        assert set(trace) <= CHARSET and "Clue" in trace
        assert TASK.verify(inst, extract_answer(trace)).correct
    ambiguous = make(3, [(0, 0, 1)])
    trace = TASK.trace(ambiguous)
    assert "suppose" in trace.lower() and TASK.verify(ambiguous, extract_answer(trace)).correct
