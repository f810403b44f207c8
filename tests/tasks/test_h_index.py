"""HIndex: planted and uniform generators, sorted-scan solver, lenient integer answers, importer, image, trace."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.tasks import discover
from mmhelix_env.tasks.algorithms._array_answer import ARRAY_LEVELS
from mmhelix_env.tasks.algorithms.h_index import TASK, h_index
from tests import helpers_array as ha
from tests.helpers_array import assert_deterministic, assert_stats_grow

FIXTURES = Path("/work/shared/fixtures/reference_sample")
OBS_CHARSET = set(map(chr, range(32, 127))) | set("\n×÷−–—→←↑↓·…’“”≤≥≠█")


def inst_of(citations, level: int = 3) -> Instance:
    return Instance(TASK.name, level, None, TASK.version, {"citations": list(citations)})


def brute(citations) -> int:
    return max(h for h in range(len(citations) + 1) if sum(c >= h for c in citations) >= h)


def test_discovered_and_metadata():
    assert discover()["HIndex"] is TASK
    assert (TASK.category, TASK.benchmark_id, TASK.generator_key) == ("algorithms", "HIndex", "h_index")
    assert TASK.score_function == "simple_str_match" and not TASK.step_mode


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_generator_respects_level_parameters(level):
    (lo, hi), top = ARRAY_LEVELS[level]
    hs = set()
    for seed in range(120):
        cites = list(TASK.instance(level, seed).state["citations"])
        n, h = len(cites), brute(cites)
        assert lo <= n <= hi and all(isinstance(c, int) for c in cites)
        if level <= 2:  # planted: exactly h papers with >= h, the rest below h
            assert 3 <= h <= min(7, n) and 0 <= min(cites) and max(cites) <= top
            assert sum(c >= h for c in cites) == h
            hs.add(h)
        else:  # uniform 1..max with at least 2 high values
            assert 1 <= min(cites) and max(cites) <= top
            assert sum(c >= int(0.7 * top) for c in cites) >= 2
    if level <= 2:
        assert hs == set(range(3, 8))


def test_solver_matches_brute_force():
    rng = np.random.default_rng(1)
    for _ in range(2000):
        cites = rng.integers(0, 12, size=int(rng.integers(1, 12))).tolist()
        assert h_index(cites) == brute(cites)
    assert h_index([0, 0, 0]) == 0 and h_index([100]) == 1 and h_index([5, 5, 5, 5, 5]) == 5
    ha.assert_levels_match_reference(TASK, "citations", brute)


def test_stats_grow_with_level():
    assert_stats_grow(TASK, "sort_work")


def test_determinism_state_prompt_image():
    assert_deterministic(TASK, "citations", (2, 5), 5)


# ------------------------------------------------------------------------------------------ verification
@pytest.fixture(scope="module")
def inst4():
    return TASK.instance(4, 9)


def test_round_trip_and_lenient_formats(inst4):
    h = TASK.solution(inst4)
    ha.assert_lenient_accepted(TASK, inst4, h, (f"{h}", f"h = {h}", f"h-index = {h}", f"H-index: {h}",
                                             f"The h-index is {h}.", f"**{h}**", f"${h}$", f"\\text{{{h}}}",
                                             f"{h}.0", f"h={h}.00", f"{h} papers"))


def test_wrong_answers_have_rule_reasons(inst4):
    h = TASK.solution(inst4)
    cites = list(inst4.state["citations"])
    high = TASK.verify(inst4, str(h + 1))
    assert not high.correct and f"fewer than {h + 1} papers have at least {h + 1}" in high.reason
    assert sum(c >= h + 1 for c in cites) < h + 1
    low = TASK.verify(inst4, str(h - 2))
    assert not low.correct and f"at least {h - 1} papers have at least {h - 1}" in low.reason
    assert 0 < low.score < 0.5
    assert not TASK.verify(inst4, "-1").correct
    for text in (f"{h} or {h + 1}", f"h = {h}, n = {len(cites)}", f"[{h}, {h}]", f"{h}.5", "", "٥", "h"):
        v = TASK.verify(inst4, text)
        assert not v.correct and v.reason, text


def test_zero_h_index():
    inst = inst_of([0, 0, 0, 0, 0], level=1)
    assert TASK.solution(inst) == 0 and TASK.verify(inst, "0").correct
    assert "cannot be negative" in TASK.verify(inst, "-1").reason
    assert "Not even one paper" in TASK.trace(inst)


@settings(max_examples=250, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text):
    inst = TASK.instance(1, 0)
    v = TASK.verify(inst, text)
    assert isinstance(v.correct, bool) and v.reason
    if v.correct:
        assert v.parsed == TASK.solution(inst)


# ------------------------------------------------------------------------------------- image and prompts
def test_render_shows_zero_bars():
    inst = inst_of([0, 3, 0, 5, 1], level=1)
    img = TASK.render(inst)
    assert img.size == (512, 512) and img.mode == "RGB"
    px = np.asarray(img)
    # a dark stub just above the axis in the slot of every zero bar: columns with grey pixels
    grey = (np.abs(px.astype(int) - np.array([96, 96, 100])).sum(axis=2) < 10)
    cols = np.nonzero(grey.any(axis=0))[0]
    assert len(cols) > 0
    slots = {int(c * 5 / 512) for c in cols}
    assert slots == {0, 1, 2, 3, 4}  # all five bars, zeros included, leave grey pixels
    assert TASK.render(inst, size=256).size == (256, 256)


def test_prompts():
    inst = TASK.instance(3, 1)
    text, image = TASK.prompt(inst, "text"), TASK.prompt(inst, "image")
    listed = "[" + ", ".join(map(str, inst.state["citations"])) + "]"
    assert listed in text and listed not in image and "image" not in text.lower()
    for p in (text, image):
        assert "the largest value h such that at least h papers have at least h citations each" in p
        assert p.rstrip().endswith("Answer with a single integer.") and set(p) <= OBS_CHARSET


def test_trace_ends_in_verifying_answer():
    for level in range(1, 6):
        inst = TASK.instance(level, 3)
        trace = TASK.trace(inst)
        h = TASK.solution(inst)
        assert trace.rstrip().splitlines()[-1] == f"Answer: {h}"
        assert TASK.verify(inst, extract_answer(trace)).correct
        assert "Sort them from most to least cited" in trace
        assert trace.count("\n- rank ") == min(h + 1, len(inst.state["citations"]))


# -------------------------------------------------------------------------------------------- importer
def _fixture(level):
    return json.loads((FIXTURES / f"d{level}" / "h_index" / "annotations.json").read_text())[0]


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_importer_on_reference_fixtures(level):
    rec = _fixture(level)
    inst = TASK.from_record(rec)
    assert inst.task == "HIndex" and inst.level == level
    assert list(inst.state["citations"]) == rec["initial_state"]["citations"]
    assert TASK.verify(inst, rec["answer"]).correct and TASK.solve(inst) == rec["solution"]
    assert inst._witness == rec["solution"]


def test_importer_published_row_and_bad_records():
    rec = _fixture(2)
    row = {"id": 1, "category": "HIndex", "images": [], "question": rec["question"],
           "question_text": rec["question_language"], "answer": rec["answer"], "difficulty": "2",
           "metric_info": "{'score_function': 'simple_str_match'}", "initial_state": str(rec["initial_state"])}
    a = TASK.from_record(row)
    assert a.fingerprint == TASK.from_record(rec).fingerprint and a.level == 2
    no_state = {k: v for k, v in rec.items() if k != "initial_state"}
    assert TASK.from_record(no_state).fingerprint == a.fingerprint  # list read from "bar chart [..]"
    for bad in ({"citations": [1, -2]}, {"citations": "x"}, {"citations": [1.5]}):
        with pytest.raises(RecordError):
            TASK.from_record({**rec, "initial_state": bad, "question_language": "", "question": ""})
