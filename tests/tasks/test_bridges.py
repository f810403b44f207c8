"""Bridges: generator levels and uniqueness, rule verifier (lenient formats, every rule with its reason),
importer (solution leak dropped), step mode (pick an island and a direction), rendering, prompts, trace."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.puzzles import bridges as mod
from mmhelix_env.tasks.puzzles.bridges import TASK
from tests import helpers_puzzle as hp
from tests.mutators import bridges as mutators

SEEDS = range(30)


def make(islands, n=5, level=1) -> Instance:
    return Instance("Bridges", level, None, "1",
                    {"n": n, "islands": [{"x": x, "y": y, "num": k} for x, y, k in islands]})


@pytest.fixture(scope="module")
def instances():
    return {lv: [TASK.instance(lv, s) for s in SEEDS] for lv in range(1, 6)}


# ---------------------------------------------------------------------------------------------------------------
# generator


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_level_parameters_and_uniqueness(instances, level):
    n = mod.LEVEL_SIZE[level]
    lo, hi = mod.LEVEL_ISLANDS[level]
    for inst in instances[level]:
        isl = inst.state["islands"]
        assert set(inst.state) == {"n", "islands"} and inst.state["n"] == n
        assert lo <= len(isl) <= hi
        pts = {(d["x"], d["y"]) for d in isl}
        assert len(pts) == len(isl) and all(0 <= x < n and 0 <= y < n for x, y in pts)
        assert not any((x + 1, y) in pts or (x, y + 1) in pts for x, y in pts)  # never adjacent
        sol = inst._witness
        if level == 1:
            assert set(sol) <= {0, 1}
        assert TASK.verify(inst, TASK.format_answer(inst, sol)).correct
        assert TASK.count(inst) == 1


def test_levels_get_harder(instances):
    for key in ("islands", "bridges", "propagations"):
        med = {lv: np.median([TASK.stats(i)[key] for i in instances[lv]]) for lv in range(1, 6)}
        assert all(med[lv] <= med[lv + 1] for lv in range(1, 5)) and med[1] < med[5], (key, med)
    assert any(2 in i._witness for i in instances[2])
    assert max(d["num"] for i in instances[5] for d in i.state["islands"]) >= 5


def test_determinism():
    hp.assert_same_seed_same_instance(TASK, (1, 5), 4)


# ---------------------------------------------------------------------------------------------------------------
# verifier

SQUARE = [(0, 0, 2), (2, 0, 2), (0, 2, 2), (2, 2, 2)]  # a 4-cycle of 2s: the ring (two doubles disconnect)


def test_alternative_solutions_accepted():
    inst = make(SQUARE)
    assert TASK.count(inst) == 1
    ring = "(0,0)-(2,0):1\n(0,0)-(0,2):1\n(2,0)-(2,2):1\n(0,2)-(2,2):1"
    doubles = "(0,0)-(2,0):2 (0,2)-(2,2):2"
    assert TASK.verify(inst, ring).correct
    v = TASK.verify(inst, doubles)
    assert not v.correct and "not all connected" in v.reason  # two doubles leave two pairs
    three = make([(0, 0, 3), (2, 0, 3), (0, 2, 3), (2, 2, 3)])  # top/bottom 1 and sides 2, or the reverse
    assert TASK.count(three) == 2
    sols = mod.Model([(0, 0), (2, 0), (0, 2), (2, 2)], [3, 3, 3, 3]).csp().search(5).solutions
    assert len(sols) == 2
    for sol in sols:
        assert TASK.verify(three, TASK.format_answer(three, sol)).correct


def test_lenient_formats(instances):
    inst = instances[4][1]
    answer = TASK.expert_answer(inst)
    lines = answer.splitlines()

    def swap(line):
        a, rest = line.split(")-(", 1)
        b, c = rest.split("):")
        return f"({b})-{a[1:] and '(' + a[1:]}):{c}"

    forms = [
        answer,
        " ".join(lines),
        ", ".join(lines),
        "; ".join(swap(x) for x in lines),
        "\n".join(x.replace(")-(", ") to (").replace(":", " ") for x in reversed(lines)),
        "\n".join(x.replace(")-(", ") → (").replace(",", ", ") for x in lines),
    ]
    for text in forms:
        v = TASK.verify(inst, text)
        assert v.correct, (text, v.reason)
    # a double bridge written as two single entries
    double = next((x for x in lines if x.endswith(":2")), None)
    if double is not None:
        split = [x for x in lines if x != double] + [double[:-1] + "1"] * 2
        assert TASK.verify(inst, "\n".join(split)).correct
    assert TASK.verify_response(inst, "\\boxed{" + " ".join(lines) + "}")[1].correct


def test_rule_violations():
    inst = make([(0, 0, 1), (2, 0, 2), (2, 2, 1), (0, 2, 0 + 1), (4, 4, 1)], n=5)
    # islands (4,4) sees nothing straight; build specific cases on a cross layout instead
    cross = make([(1, 0, 1), (1, 2, 1), (0, 1, 1), (2, 1, 1)], n=3)
    v = TASK.verify(cross, "(1,0)-(1,2):1 (0,1)-(2,1):1")
    assert not v.correct and "cross" in v.reason
    line = make([(0, 0, 1), (2, 0, 2), (4, 0, 1)])
    v = TASK.verify(line, "(0,0)-(4,0):1")
    assert not v.correct and "passes over another island" in v.reason
    v = TASK.verify(line, "(0,0)-(2,0):1 (2,0)-(4,0):1 (2,0)-(4,0):2")
    assert not v.correct and "at most 2" in v.reason
    v = TASK.verify(line, "(0,0)-(2,0):1 (2,0)-(3,0):1")
    assert not v.correct and "(3,0) is not an island" in v.reason
    v = TASK.verify(inst, "(0,0)-(2,2):1")
    assert not v.correct and "not a horizontal or vertical" in v.reason
    v = TASK.verify(line, "(0,0)-(2,0):2 (2,0)-(4,0):1")
    assert not v.correct and "island (0,0) has 2 bridges, needs 1" in v.reason and 0 < v.score < 1
    assert TASK.verify(line, "(0,0)-(2,0):1 (2,0)-(4,0):1").correct
    for bad, why in (("(0,0)-(2,0)", "no count"), ("(0,0)-(2,0):3", "not 1 or 2"), ("(0.5,0)-(2,0):1", "integer"),
                     ("nothing here", "no bridges")):
        v = TASK.verify(line, bad)
        assert not v.correct and v.score == 0 and why in v.reason, (bad, v.reason)


def test_mutators(instances):
    hp.assert_mutations_rejected(TASK, mutators, instances, 5)


test_arbitrary_text_never_raises = hp.arbitrary_text_test(TASK, 2)


def test_garbage_rejected():
    texts = hp.small_garbage("(" * 10_000 + ")" * 10_000, "(١,٢)-(٣,٤):١", "(１,２)-(１,４):１",
                             "(1,2)-(1,4):1 " * 3000)
    hp.assert_garbage_rejected(TASK, TASK.instance(5, 0), texts)


# ---------------------------------------------------------------------------------------------------------------
# importer


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_import_fixtures(level):
    for rec, inst in hp.imported_fixtures(TASK, "Bridges", level, "bridges", n=level + 4):
        assert "bridges" not in inst.state  # the solution leak is dropped
        assert TASK.verify(inst, rec["answer"]).correct and inst._witness is not None
        assert TASK.verify(inst, rec["answer"].replace("\n", " ")).correct  # one line keeps every bridge
        assert TASK.verify(inst, TASK.format_answer(inst, TASK.solve(inst))).correct
        assert TASK.verify(inst, extract_answer(TASK.trace(inst))).correct
        assert TASK.render(inst).size == (512, 512)


def test_bad_records():
    rec = hp.fixture_record(3, "bridges")
    init = json.loads(rec["initial_state"])
    assert TASK.from_record({"initial_state": rec["initial_state"]}).level == 3
    for bad in ({}, {"initial_state": "[1, 2]"}, {"initial_state": {"islands": [{"x": 0}]}},
                {"initial_state": {"islands": [{"x": 0, "y": 0, "num": 1}]}},
                {"initial_state": dict(init, islands=[{"x": 0, "y": 0, "num": 3}, {"x": 0, "y": 2, "num": 3}])},
                {"initial_state": rec["initial_state"], "category": "kakuro"}):
        with pytest.raises(RecordError):
            TASK.from_record(bad)


# ---------------------------------------------------------------------------------------------------------------
# step mode


def test_step_mode():
    inst = make(SQUARE, n=3)
    assert TASK.action_shape(inst) == (3, 3, 4) and TASK.step_limit(inst) == 40
    play = TASK.play_init(inst)
    mask = TASK.play_mask(inst, play)
    assert mask.shape == (3, 3, 4) and mask[0, 0, 0] and mask[0, 0, 1] and not mask[0, 0, 2] and not mask[1, 1].any()
    res = TASK.play_apply(inst, play, (1, 1, 0))
    assert not res.legal and "no island" in res.reason and res.state == play
    res = TASK.play_apply(inst, play, (0, 0, 2))
    assert not res.legal and "no island to its left" in res.reason
    s1 = TASK.play_apply(inst, play, (0, 0, 0)).state  # (0,0)-(2,0): 1
    s2 = TASK.play_apply(inst, s1, (0, 2, 2)).state    # same bridge from the other end: 2
    s3 = TASK.play_apply(inst, s2, (0, 0, 0)).state    # back to 0
    assert sum(s1) == 1 and sum(s2) == 2 and sum(s3) == 0 and sum(play) == 0
    cross = make([(1, 0, 1), (1, 2, 1), (0, 1, 1), (2, 1, 1)], n=3)
    p = TASK.play_apply(cross, TASK.play_init(cross), (0, 1, 1)).state
    res = TASK.play_apply(cross, p, (1, 0, 0))
    assert not res.legal and "cross" in res.reason and not TASK.play_mask(cross, p)[1, 0, 0]


def test_step_env_reward(instances):
    hp.assert_step_env_reward(TASK, 4, 2, (8, 8, 4))
    inst = instances[5][0]
    play = TASK.play_init(inst)
    for a in TASK.expert_actions(inst):
        play = TASK.play_apply(inst, play, a).state
    assert TASK.play_solved(inst, play)
    for modality in ("image", "text"):
        assert set(TASK.play_prompt(inst, play, modality)) <= CHARSET


# ---------------------------------------------------------------------------------------------------------------
# presentation


def test_render_and_prompts(instances):
    inst = instances[5][0]
    img = TASK.render(inst)
    assert img.size == (512, 512)
    solved = TASK.render(inst, TASK.solution(inst))
    assert np.asarray(solved).tobytes() != np.asarray(img).tobytes()
    image_prompt, text_prompt = TASK.prompt(inst, "image"), TASK.prompt(inst, "text")
    for p in (image_prompt, text_prompt):
        assert set(p) <= CHARSET and mod.FORMAT_SENTENCE in p and mod.FORMAT_LINE in p and "9x9" in p
        assert TASK.expert_answer(inst) not in p
    assert "image" in image_prompt and "image" not in text_prompt.lower()
    for d in inst.state["islands"]:
        assert f"Island at coordinates ({d['x']}, {d['y']}) has number {d['num']}." in text_prompt


def test_trace_ends_in_verifying_answer(instances):
    for inst in [instances[lv][0] for lv in range(1, 6)] + [make(SQUARE)]:
        trace = TASK.trace(inst)
        assert "must add up" in trace
        assert trace.splitlines()[-1].startswith("Answer: ") and set(trace) <= CHARSET
        assert TASK.verify(inst, extract_answer(trace)).correct
