"""Hitori: generator levels and uniqueness, rule verifier, importer, step mode, rendering, prompts, trace."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.puzzles import hitori as mod
from mmhelix_env.tasks.puzzles.hitori import TASK
from tests import helpers_puzzle as hp
from tests.mutators import hitori as mutators

SEEDS = range(30)


def make(grid, level=1) -> Instance:
    return Instance("Hitori", level, None, "1", {"n": len(grid), "grid": grid})


def text(cells) -> str:
    return mod.answer_text(cells)


@pytest.fixture(scope="module")
def instances():
    return {lv: [TASK.instance(lv, s) for s in SEEDS] for lv in range(1, 6)}


# ---------------------------------------------------------------------------------------------------------------
# generator


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_level_parameters_and_uniqueness(instances, level):
    n = mod.LEVEL_SIZE[level]
    geo = mod.Geometry.of(n)
    counts = []
    for inst in instances[level]:
        st_ = inst.state
        assert set(st_) == {"n", "grid"} and st_["n"] == n and len(st_["grid"]) == n
        assert all(len(row) == n and all(1 <= v <= n for v in row) for row in st_["grid"])
        sol = inst._witness
        assert TASK.count(inst) == 1
        assert TASK.verify(inst, text(sol)).correct
        mask = sum(1 << (r * n + c) for r, c in sol)
        # maximal: no further cell can be shaded without touching a shaded cell or disconnecting
        for i in range(n * n):
            if not (mask >> i) & 1 and not geo.nbrs[i] & mask:
                assert not geo.connected(geo.full & ~(mask | (1 << i)))
        counts.append(len(sol))
    lo, hi = {4: (3, 6), 5: (5, 9), 6: (8, 12), 7: (11, 16), 8: (15, 21)}[n]
    assert lo <= np.median(counts) <= hi


def test_variety():
    assert len({TASK.instance(1, s).fingerprint for s in range(200)}) > 100


def test_levels_get_harder(instances):
    stats = {lv: [TASK.stats(i) for i in instances[lv]] for lv in range(1, 6)}
    for key in ("propagations", "deductions", "shaded"):
        med = {lv: np.median([s[key] for s in stats[lv]]) for lv in range(1, 6)}
        assert all(med[lv] < med[lv + 1] for lv in range(1, 5)), (key, med)


def test_determinism():
    hp.assert_same_seed_same_instance(TASK, (1, 5), 9)


def test_counter_matches_brute_force():
    rng = np.random.default_rng(5)
    for n, k in ((3, 40), (4, 1)):
        for _ in range(k):
            grid = rng.integers(1, n + 1, size=(n, n)).tolist()
            inst = make(grid)
            brute = []
            for m in range(1 << (n * n)):
                cells = [(i // n, i % n) for i in range(n * n) if (m >> i) & 1]
                if TASK.check_cells(inst, cells).correct:
                    brute.append(m)
            res = mod.Model(grid).csp.search(1000)
            assert res.complete and res.count < 1000
            found = [sum(1 << i for i, v in enumerate(values) if v == 1) for values in res.solutions]
            assert sorted(found) == brute


# ---------------------------------------------------------------------------------------------------------------
# verifier


def test_round_trip_without_witness(instances):
    hp.assert_round_trip_without_witness(TASK, instances, 5, lambda inst: text(inst._witness), strict=False)


def test_lenient_formats(instances):
    inst = instances[3][1]
    sol = sorted(inst._witness)
    forms = [
        text(sol),
        text(sol[::-1]).replace(" ", ""),
        "[" + ", ".join(f"[{r}, {c}]" for r, c in sol) + "]",
        "(" + ", ".join(f"({r}, {c})" for r, c in sol) + ")",
        ", ".join(f"({r},{c})" for r, c in sol),
        "{" + ", ".join(f"({r}, {c})" for r, c in sol + sol) + "}",
        "\n".join(f"({r}, {c})" for r, c in reversed(sol)),
    ]
    for t in forms:
        v = TASK.verify(inst, t)
        assert v.correct, (t, v.reason)
    assert TASK.verify_response(inst, "\\boxed{" + forms[0] + "}")[1].correct


def test_rule_violations(instances):
    inst = instances[4][0]
    n = inst.state["n"]
    sol = sorted(inst._witness)
    r, c = sol[0]
    v = TASK.verify(inst, text(sol[1:]))
    assert not v.correct and "unshaded twice" in v.reason and 0 < v.score < 1
    nb = next((a, b) for a, b in ((r, c + 1), (r + 1, c), (r, c - 1), (r - 1, c)) if 0 <= a < n and 0 <= b < n)
    v = TASK.verify(inst, text(sol + [nb]))
    assert not v.correct and "adjacent" in v.reason
    v = TASK.verify(inst, text(sol + [(n, 0)]))
    assert not v.correct and v.score == 0 and "outside" in v.reason
    v = TASK.verify(inst, "{(0.5, 1)}")
    assert not v.correct and "integer" in v.reason
    for empty in ("{}", "set()", "[]"):
        v = TASK.verify(inst, empty)
        assert not v.correct and "twice" in v.reason
    # disconnected: shade the cells around a corner
    grid = [[1, 2, 3, 4], [2, 3, 4, 1], [3, 4, 1, 2], [4, 1, 2, 3]]
    v = TASK.verify(make(grid), "{(0, 1), (1, 0)}")
    assert not v.correct and "not connected" in v.reason
    v = TASK.verify(make([[1, 1], [1, 1]]), "{(0, 0), (0, 1), (1, 0), (1, 1)}")
    assert not v.correct


def test_engine_model_and_propagation():
    n = 5
    geo = mod.Geometry.of(n)
    rng = np.random.default_rng(11)
    for _ in range(2000):  # cut cells == cells whose removal disconnects the region (brute force)
        region = int(rng.integers(0, 1 << (n * n)))
        comp = geo.flood(region & -region, region) if region else 0
        expect = sum(1 << i for i in range(n * n)
                     if comp >> i & 1 and comp & ~(1 << i) and not geo.connected(comp & ~(1 << i)))
        assert mod.cut_cells(comp, geo) == expect
    model = mod.Model([[1, 2, 3, 4], [2, 3, 4, 1], [3, 4, 1, 2], [4, 1, 2, 3]])
    kinds = [k[0] for k in model.kinds]
    assert kinds == ["touch", "conn"]
    dom = list(model.csp.domains)
    dom[1] = dom[4] = mod.SHADED  # (0, 1) and (1, 0) shaded: (0, 0) is cut off
    dom[5] = mod.UNSHADED
    assert model.csp.propagate(dom) is None
    dom = list(model.csp.domains)
    dom[1] = mod.SHADED
    out = model.csp.propagate(dom)
    assert out[0] == out[2] == out[5] == mod.UNSHADED and out[4] == mod.UNSHADED  # neighbours, and (1, 0) is a cut
    dom = list(model.csp.domains)
    dom[5] = dom[6] = mod.SHADED  # side by side
    assert model.csp.propagate(dom) is None
    touch = model.csp.constraints[0]
    assert touch.satisfied([1, 0, 1, 0] + [0] * 12) and not touch.satisfied([1, 1] + [0] * 14)
    assert not touch.satisfied([1, 0, 0, 0, 1] + [0] * 11)
    inst = TASK.instance(5, 1)
    st_ = TASK.stats(inst)
    assert st_["search_nodes"] >= 1 and st_["propagations"] > 0 and st_["deductions"] > 0


def test_alternative_solutions_accepted():
    grid = [[1, 2, 3, 4], [2, 3, 4, 1], [3, 4, 1, 2], [4, 1, 2, 3]]  # nothing repeats: many valid shadings
    inst = make(grid)
    assert TASK.count(inst) == 2
    for ans in ("{}", "{(0, 0)}", "{(0, 0), (2, 2)}", "{(1, 1), (3, 3)}"):
        assert TASK.verify(inst, ans).correct, ans


GARBAGE = hp.small_garbage("{" * 10_000 + "}" * 10_000, "(١, ٢)", "(０, １)", "(1, 2)" * 20_000)


test_mutators, test_garbage_rejected, test_arbitrary_text_never_raises = (
    hp.verifier_tests(TASK, mutators, GARBAGE, at=(5, 0)))


# ---------------------------------------------------------------------------------------------------------------
# importer


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_import_fixtures(level):
    for rec, inst in hp.imported_fixtures(TASK, "Hitori", level, "hitori", n=level + 3):
        assert [list(r) for r in inst.state["grid"]] == rec["initial_state"]
        assert inst._witness is not None and TASK.verify(inst, rec["answer"]).correct
        assert TASK.verify(inst, TASK.expert_answer(inst)).correct


def test_import_published_row_and_bad_records():
    rec = hp.fixture_record(2, "hitori")
    row = {"id": 1, "category": "hitori", "question": rec["question"], "question_text": rec["question_language"],
           "answer": rec["answer"], "difficulty": 2, "initial_state": json.dumps(rec["initial_state"])}
    inst = TASK.from_record(row)
    assert inst.fingerprint == TASK.from_record(rec).fingerprint and inst._witness is not None
    assert TASK.from_record({"initial_state": str(rec["initial_state"])}).level == 2
    init = rec["initial_state"]
    for bad in ({}, {"initial_state": [1, 2]}, {"initial_state": init[:-1]},
                {"initial_state": [[9] * 5] * 5}, {"initial_state": [[1, 1], [1, 1]]},
                {"initial_state": init, "category": "kakuro"}):
        with pytest.raises(RecordError):
            TASK.from_record(bad)


# ---------------------------------------------------------------------------------------------------------------
# step mode


def test_step_mode(instances):
    inst = instances[5][3]
    n, play, mask = hp.mark_step_start(TASK, inst, 5)
    assert mask.all()
    res = TASK.play_apply(inst, play, (0, 0, 2))
    assert res.legal and res.state[0][0] == 2 and play[0][0] == 0
    assert TASK.play_apply(inst, play, (0, 0, 0)).legal
    assert not TASK.play_apply(inst, play, (n, 0, 1)).legal
    marked = res.state
    hp.assert_expert_shading_plays(TASK, inst, marked, "value 1 shades the cell")  # rings are notes only


def test_step_env_reward():
    hp.assert_step_env_reward(TASK, 3, 2, (6, 6, 3))


# ---------------------------------------------------------------------------------------------------------------
# presentation


def test_render_and_prompts(instances):
    inst = instances[5][0]
    img = TASK.render(inst)
    assert img.size == (512, 512)
    arr = np.asarray(img)
    assert (arr.reshape(-1, 3).max(axis=1) < 60).mean() < 0.1
    solved = np.asarray(TASK.render(inst, TASK.solution_codes(inst)))
    assert (solved.reshape(-1, 3).max(axis=1) < 60).mean() > 0.15
    board = TASK.board(inst)
    assert board.coords == 0 and not board.fills
    image_prompt, text_prompt = TASK.prompt(inst, "image"), TASK.prompt(inst, "text")
    for p in (image_prompt, text_prompt):
        assert set(p) <= CHARSET and mod.FORMAT_SENTENCE in p and mod.EXAMPLE in p
        assert text(inst._witness) not in p and "8x8" in p and "0-based" in p
    assert "image" in image_prompt
    assert "image" not in text_prompt.lower()
    for row in inst.state["grid"]:
        assert " ".join(map(str, row)) in text_prompt


def test_trace_ends_in_verifying_answer(instances):
    for lv in range(1, 6):
        for inst in instances[lv][:6]:
            trace = TASK.trace(inst)
            assert trace.splitlines()[-1] == "Answer: " + TASK.expert_answer(inst)
            assert set(trace) <= CHARSET and "must be shaded" in trace
            assert TASK.verify(inst, extract_answer(trace)).correct
    # a puzzle with several solutions still gets a valid, explained answer
    amb = make([[1, 1, 2, 2], [2, 2, 1, 1], [1, 2, 2, 1], [2, 1, 1, 2]])
    if TASK.count(amb, 1):
        assert TASK.verify(amb, extract_answer(TASK.trace(amb))).correct
