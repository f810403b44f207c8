"""Shingoki: generator levels and uniqueness, rule verifier, lenient parsing, importer (non-unique reference
border loops kept), step mode, rendering, prompts, trace."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.puzzles import shingoki as mod
from mmhelix_env.tasks.puzzles.shingoki import TASK
from tests import helpers_puzzle as hp
from tests.mutators import shingoki as mutators

SEEDS = range(20)


def make(n, circles, level=1) -> Instance:
    return Instance("Shingoki", level, None, "1", {"n": n, "circles": [list(c) for c in circles]})


@pytest.fixture(scope="module")
def instances():
    return {lv: [TASK.instance(lv, s) for s in SEEDS] for lv in range(1, 6)}


# ---------------------------------------------------------------------------------------------------------------
# generator


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_level_parameters_and_uniqueness(instances, level):
    n = mod.LEVEL_SIZE[level]
    lat = mod.Lattice.of(n)
    border = mod._boundary(lat, {(i, j) for i in range(n - 1) for j in range(n - 1)})
    for inst in instances[level]:
        st_ = inst.state
        assert set(st_) == {"n", "circles"} and st_["n"] == n
        circles = [tuple(c) for c in st_["circles"]]
        assert mod.CIRCLE_FLOOR[level] <= len(circles) <= mod.CIRCLE_CAP[level] and circles == sorted(circles)
        loop = inst._witness
        assert loop != border and loop.bit_count() >= mod.MIN_LEN[level]
        info = mod.loop_circles(lat, loop)
        assert len(info) == loop.bit_count()  # a simple cycle: every point on it has degree 2
        turns = sum(1 for k, _ in info.values() if k == "B")
        assert turns >= mod.MIN_TURNS[level]
        if level in mod.NO_RECTANGLE:
            assert turns > 4
        for r, c, k, v in circles:
            assert info[r * n + c] == (k, v)
        assert TASK.count(inst) == 1


def test_very_easy_has_variety():
    fps = {TASK.instance(1, s).fingerprint for s in range(150)}
    assert len(fps) > 60


def test_levels_get_harder(instances):
    hp.assert_medians_grow(TASK, instances, ("propagations", "loop_length"))


def test_determinism():
    hp.assert_same_seed_same_instance(TASK, (1, 5), 9)


def test_circle_configs():
    lat = mod.Lattice.of(3)
    # a black 4 in the top-left corner: right 2 and down 2
    cfgs = mod.circle_configs(lat, 0, "B", 4)
    assert len(cfgs) == 1
    # a white 2 in the middle of the top edge: left 1 + right 1
    assert len(mod.circle_configs(lat, 1, "W", 2)) == 1
    assert mod.circle_configs(lat, 4, "W", 5) == ()


# ---------------------------------------------------------------------------------------------------------------
# verifier


def test_engine_counter_matches_brute_force():
    """The core.csp model counts exactly what the rule verifier accepts: every segment subset of a 3x3 lattice,
    on random circle sets (many with several or no solutions)."""
    lat = mod.Lattice.of(3)
    segs = list(mod.bits(lat.all))
    rng = np.random.default_rng(7)
    loops = [on for on in (sum(1 << s for i, s in enumerate(segs) if k >> i & 1) for k in range(1 << len(segs)))
             if mod.loop_circles(lat, on) and len(mod.loop_circles(lat, on)) == on.bit_count()]
    for trial in range(40):
        witness = loops[int(rng.integers(len(loops)))]
        info = mod.loop_circles(lat, witness)
        pts = sorted(info)
        keep = [p for p in pts if rng.random() < 0.4]
        inst = make(3, [(p // 3, p % 3, *info[p]) for p in keep])
        truth = sum(TASK.check_mask(inst, on).correct for on in loops)
        model = mod.Model(3, inst.state["circles"])
        assert isinstance(model.csp, mod.CSP)
        found = model.search(10**6, max_nodes=None)
        assert len(found) == truth and all(TASK.check_mask(inst, on).correct for on in found), trial
        assert TASK.count(inst, 2) == min(truth, 2)


def test_round_trip_without_witness(instances):
    hp.assert_round_trip_without_witness(TASK, instances, 4, None, strict=False)


def test_lenient_formats(instances):
    inst = instances[3][1]
    answer = TASK.expert_answer(inst)
    segs = answer.split(" ")
    pts = [s.split("-")[0] for s in segs]
    forms = [
        answer,
        ", ".join(reversed(segs)),
        "; ".join(s.split("-")[1] + "-" + s.split("-")[0] for s in segs),
        "\n".join(s.replace("(", "[").replace(")", "]").replace(",", ", ") for s in segs),
        " ".join(s.replace("-", " -> ") for s in segs),
        " ".join(s.replace("-", "→") for s in segs),
        " ".join(s.replace("-", " to ") for s in segs),
        " ".join(s.replace("-", "–") for s in segs),
        answer + " " + segs[0],                                   # a duplicate counts once
        " ".join(pts),                                            # a point walk
        " ".join(pts + pts[:1]),
    ]
    for text in forms:
        v = TASK.verify(inst, text)
        assert v.correct, (text, v.reason)
    assert TASK.verify_response(inst, "\\boxed{" + answer + "}")[1].correct


def test_rule_violations():
    # 3x3 lattice; black 4 at the corner (0,0): the loop is the outer border or the top-left 2x2 ... (only border)
    inst = make(3, [(0, 0, "B", 4), (0, 1, "W", 2)])
    border = "(0,0)-(0,1) (0,1)-(0,2) (0,2)-(1,2) (1,2)-(2,2) (2,2)-(2,1) (2,1)-(2,0) (2,0)-(1,0) (1,0)-(0,0)"
    assert TASK.verify(inst, border).correct
    small = "(0,0)-(0,1) (0,1)-(1,1) (1,1)-(1,0) (1,0)-(0,0)"
    v = TASK.verify(inst, small)
    assert not v.correct and "black circle at (0,0) has arms summing to 2, not 4" in v.reason
    assert "loop turns at the white circle at (0,1)" in v.reason and v.score == pytest.approx(0.5)
    v = TASK.verify(inst, "(0,0)-(0,1) (0,1)-(0,2)")
    assert not v.correct and "has 1 segment, not 2" in v.reason and v.score == 0
    v = TASK.verify(inst, border + " (0,3)-(0,2)")
    assert not v.correct and "leaves the 3x3 lattice" in v.reason and v.score == 0
    v = TASK.verify(inst, "(0,0)-(1,1)")
    assert not v.correct and "neighbouring" in v.reason
    two = make(4, [(0, 0, "B", 2)])
    loops = ("(0,0)-(0,1) (0,1)-(1,1) (1,1)-(1,0) (1,0)-(0,0) "
             "(2,2)-(2,3) (2,3)-(3,3) (3,3)-(3,2) (3,2)-(2,2)")
    v = TASK.verify(two, loops)
    assert not v.correct and "more than one loop" in v.reason
    v = TASK.verify(inst, "1 2 3 4")  # bare numbers are not read as segments
    assert not v.correct


def test_alternative_solutions_accepted():
    # a hand-made ambiguous puzzle: a white 2 at (1,0) on a 3x3 lattice
    inst = make(3, [(1, 0, "W", 2)])
    assert TASK.count(inst) == 2
    a = "(0,0)-(0,1) (0,1)-(1,1) (1,1)-(2,1) (2,1)-(2,0) (2,0)-(1,0) (1,0)-(0,0)"
    b = "(0,0)-(0,1) (0,1)-(0,2) (0,2)-(1,2) (1,2)-(2,2) (2,2)-(2,1) (2,1)-(2,0) (2,0)-(1,0) (1,0)-(0,0)"
    assert TASK.verify(inst, a).correct and TASK.verify(inst, b).correct


GARBAGE = hp.small_garbage("[" * 10_000 + "]" * 10_000, "(١,٢)-(١,٣)", "(０,１)-(０,２)", "(0,0)-(0,1) " * 1500)


test_mutators, test_garbage_rejected, test_arbitrary_text_never_raises = (
    hp.verifier_tests(TASK, mutators, GARBAGE, at=(5, 0)))


# ---------------------------------------------------------------------------------------------------------------
# importer


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_import_fixtures(level):
    for rec, inst in hp.imported_fixtures(TASK, "Shingoki", level, "shingoki", n=level + 2):
        assert TASK.verify(inst, rec["answer"]).correct
        assert inst._witness is not None
        assert TASK.verify(inst, TASK.expert_answer(inst)).correct


def test_import_published_row_and_bad_records():
    rec = hp.fixture_record(2, "shingoki")
    row = {"id": 1, "category": "Shingoki", "answer": rec["answer"], "difficulty": 2,
           "initial_state": json.dumps(rec["initial_state"])}  # encoded twice
    inst = TASK.from_record(row)
    assert inst.fingerprint == TASK.from_record(rec).fingerprint and inst._witness is not None
    assert TASK.from_record({"initial_state": rec["initial_state"]}).level == 2
    for broken in ({}, {"initial_state": '[[".", "."], ["."]]'}, {"initial_state": '[["X3", "."], [".", "."]]'},
                   {"initial_state": rec["initial_state"], "category": "tapa"}):
        with pytest.raises(RecordError):
            TASK.from_record(broken)


# ---------------------------------------------------------------------------------------------------------------
# step mode


def test_step_mode(instances):
    inst = instances[4][3]
    n = inst.state["n"]
    k = 2 * n * (n - 1)
    assert TASK.action_shape(inst) == (k,) == TASK.level_action_shape(4) and TASK.step_limit(inst) == 4 * k
    play = TASK.play_init(inst)
    assert TASK.play_mask(inst, play).shape == (k,) and TASK.play_mask(inst, play).all()
    res = TASK.play_apply(inst, play, 0)
    assert res.legal and res.state[0] == 1 and play[0] == 0
    assert TASK.play_apply(inst, res.state, 0).state == play  # toggling twice undoes it
    assert not TASK.play_apply(inst, play, k).legal
    actions = TASK.expert_actions(inst)
    assert len(actions) == inst._witness.bit_count()
    play = hp.play_through(TASK, inst, play, actions)
    hp.assert_play_presentation(TASK, inst, play, "toggles that segment")
    # the index layout of the spec: horizontal row-major, then vertical
    assert mod._action_segment(n, 0) == 0 and mod._action_segment(n, n - 1) == n
    assert mod._action_segment(n, n * (n - 1)) == n * n


def test_step_env_reward():
    hp.assert_step_env_reward(TASK, 2, 2, (24,), to_action=lambda a: a)


# ---------------------------------------------------------------------------------------------------------------
# presentation


def test_render_and_prompts(instances):
    inst = instances[5][0]
    img = TASK.render(inst)
    assert img.size == (512, 512)
    arr = np.asarray(img)
    assert (arr.reshape(-1, 3).max(axis=1) < 60).mean() > 0.005  # black circles are drawn
    image_prompt, text_prompt = TASK.prompt(inst, "image"), TASK.prompt(inst, "text")
    for p in (image_prompt, text_prompt):
        assert set(p) <= CHARSET and "List all segments separated by spaces in one continuous string" in p
        assert "7x7 points" in p and "(0,0)-(0,1) (0,1)-(1,1) (1,1)-(1,0) (1,0)-(0,0)" in p
        assert TASK.expert_answer(inst) not in p
    assert "picture" in image_prompt and "image" not in text_prompt.lower() and "picture" not in text_prompt
    for _r, _c, k, v in inst.state["circles"]:
        assert f"{k}{v}" in text_prompt


def test_trace_ends_in_verifying_answer(instances):
    for inst in [instances[lv][s] for lv in range(1, 6) for s in (0, 1)]:
        trace = TASK.trace(inst)
        assert trace.splitlines()[-1].startswith("Answer: ")
        assert set(trace) <= CHARSET and "circle" in trace
        assert TASK.verify(inst, extract_answer(trace)).correct
    ambiguous = make(3, [(1, 0, "W", 2)])
    trace = TASK.trace(ambiguous)
    assert "Suppose" in trace and TASK.verify(ambiguous, extract_answer(trace)).correct
