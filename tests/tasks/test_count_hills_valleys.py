"""CountHillsAndValleys: generator levels, plateau-merging solver, lenient integer answers, importer, image, trace."""

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
from mmhelix_env.tasks.algorithms.count_hills_valleys import (
    GREEN,
    SKY,
    TASK,
    count_hills_valleys,
    plateaus,
    smooth_walk,
)
from tests import helpers_array as ha
from tests.helpers_array import assert_deterministic, assert_stats_grow

FIXTURES = Path("/work/shared/fixtures/reference_sample")
OBS_CHARSET = set(map(chr, range(32, 127))) | set("\n×÷−–—→←↑↓·…’“”≤≥≠█")


def inst_of(terrain, level: int = 3) -> Instance:
    return Instance(TASK.name, level, None, TASK.version, {"terrain": list(terrain)})


def brute(terrain) -> int:
    """LeetCode 2210 directly: for each index whose left neighbour differs, look for the nearest different
    neighbours on both sides."""
    n, count = len(terrain), 0
    for i in range(1, n - 1):
        if terrain[i] == terrain[i - 1]:
            continue
        left = terrain[i - 1]
        j = i + 1
        while j < n and terrain[j] == terrain[i]:
            j += 1
        if j == n:
            continue
        right = terrain[j]
        if (terrain[i] > left and terrain[i] > right) or (terrain[i] < left and terrain[i] < right):
            count += 1
    return count


def test_discovered_and_metadata():
    assert discover()["CountHillsAndValleys"] is TASK
    assert (TASK.category, TASK.benchmark_id, TASK.generator_key) == (
        "algorithms", "CountHillsAndValleys", "count_hills_and_valleys")
    assert TASK.score_function == "simple_str_match" and not TASK.step_mode


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_generator_respects_level_parameters(level):
    (lo, hi), top = ARRAY_LEVELS[level]
    lengths = set()
    for seed in range(120):
        terrain = list(TASK.instance(level, seed).state["terrain"])
        lengths.add(len(terrain))
        assert lo <= len(terrain) <= hi
        assert all(isinstance(x, int) and 1 <= x <= top for x in terrain)
        if level <= 2:  # smooth walk: steps of at most 2
            assert all(abs(a - b) <= 2 for a, b in zip(terrain, terrain[1:]))
        else:  # at least one painted plateau survives
            assert any(b - a >= 1 for _, a, b in plateaus(terrain))
    assert min(lengths) <= lo + 1 and max(lengths) >= hi - 1


def test_smooth_walk_turns_near_bounds():
    rng = np.random.default_rng(3)
    for _ in range(300):
        walk = smooth_walk(rng, 30, 1, 20)
        assert len(walk) == 30 and min(walk) >= 1 and max(walk) <= 20


def test_solver_matches_brute_force_and_convention():
    rng = np.random.default_rng(0)
    for _ in range(2000):
        terrain = rng.integers(1, 6, size=int(rng.integers(1, 15))).tolist()
        assert count_hills_valleys(terrain) == brute(terrain)
    ha.assert_levels_match_reference(TASK, "terrain", brute)
    # plateaus touching an end are never counted; an interior flat run counts once
    assert count_hills_valleys([1, 3, 3]) == 0
    assert count_hills_valleys([3, 3, 1]) == 0
    assert count_hills_valleys([3, 1, 1, 1, 2]) == 1
    assert count_hills_valleys([2, 4, 1, 1, 6, 5]) == 3
    assert count_hills_valleys([5]) == 0 and count_hills_valleys([5, 5, 5]) == 0


def test_stats_grow_with_level():
    assert_stats_grow(TASK, "comparisons")


def test_determinism_state_prompt_image():
    assert_deterministic(TASK, "terrain", (1, 5), 77)


def test_state_has_no_solution():
    inst = TASK.instance(4, 3)
    assert set(inst.state) == {"terrain"}
    assert TASK.solve(Instance.from_json(inst.to_json())) == TASK.solution(inst)


# ------------------------------------------------------------------------------------------ verification
@pytest.fixture(scope="module")
def inst5():
    return TASK.instance(5, 11)


def test_round_trip_and_lenient_formats(inst5):
    a = TASK.solution(inst5)
    ha.assert_lenient_accepted(TASK, inst5, a, (f"{a}", f" {a}\n", f"{a}.0", f"**{a}**", f"${a}$", f"\\text{{{a}}}",
                                             f"\\mathbf{{{a}}}", f"{a}.", f"{a} hills and valleys",
                                             f"The answer is {a}.", f"+{a}"))
    assert TASK.verify_response(inst5, f"thinking 1 2 3 ... \\boxed{{{a}}}")[1].correct
    assert TASK.verify_response(inst5, f"<answer>{a}</answer>")[1].correct


def test_wrong_and_ambiguous_answers(inst5):
    a = TASK.solution(inst5)
    high = TASK.verify(inst5, str(a + 1))
    assert not high.correct and "fewer than" in high.reason and 0 < high.score < 0.5
    low = TASK.verify(inst5, str(a - 1))
    assert not low.correct and "more than" in low.reason
    assert TASK.verify(inst5, str(3 * a)).score == 0
    neg = TASK.verify(inst5, "-3")
    assert not neg.correct and "negative" in neg.reason
    for text in (f"{a // 2} hills and {a - a // 2} valleys", f"{a} {a}", f"[{a}, 1]"):
        v = TASK.verify(inst5, text)
        assert not v.correct and ("ambiguous" in v.reason or "exactly one" in v.reason), (text, v)
    for text in (f"{a}.5", "", "none", "٣", "２４", "{" * 10_000, "x" * 1_000_000, f"{a}٣"):
        v = TASK.verify(inst5, text)
        assert not v.correct and v.reason, text


def test_zero_answer_and_its_mutations():
    inst = inst_of([1, 2, 3, 3, 4], level=1)
    assert TASK.solution(inst) == 0
    assert TASK.verify(inst, "0").correct and TASK.verify(inst, "-0").correct
    assert not TASK.verify(inst, "1").correct


@settings(max_examples=250, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text):
    inst = TASK.instance(2, 0)
    v = TASK.verify(inst, text)
    assert isinstance(v.correct, bool) and v.reason
    if v.correct:
        assert v.parsed == TASK.solution(inst)


# ------------------------------------------------------------------------------------- image and prompts
@pytest.mark.parametrize("level", [1, 3, 5])
def test_render(level):
    inst = TASK.instance(level, 5)
    img = TASK.render(inst)
    assert img.size == (512, 512) and img.mode == "RGB"
    colors = {c for _, c in img.getcolors(1 << 16)}
    assert SKY in colors and GREEN in colors
    assert TASK.render(inst, size=300).size == (300, 300)


def test_prompts():
    inst = TASK.instance(2, 4)
    text, image = TASK.prompt(inst, "text"), TASK.prompt(inst, "image")
    terrain = "[" + ", ".join(map(str, inst.state["terrain"])) + "]"
    assert f"Given a terrain represented by the integer array {terrain}." in text
    assert terrain not in image and "image" not in text.lower()
    for p in (text, image):
        assert "touches the left or right end of the terrain is neither" in p
        assert p.rstrip().endswith("Answer with a single integer.")
        assert set(p) <= OBS_CHARSET and "\\boxed" not in p
    with pytest.raises(ValueError):
        TASK.prompt(inst, "audio")


def test_trace_ends_in_verifying_answer():
    for level in range(1, 6):
        inst = TASK.instance(level, 2)
        trace = TASK.trace(inst)
        assert trace.rstrip().splitlines()[-1] == f"Answer: {TASK.solution(inst)}"
        assert TASK.verify(inst, extract_answer(trace)).correct
        runs = plateaus(list(inst.state["terrain"]))
        assert f"Plateaus ({len(runs)})" in trace
        assert trace.count("\n- plateau ") == max(0, len(runs) - 2)
    assert "no interior plateau" in TASK.trace(inst_of([4, 4, 2]))


# -------------------------------------------------------------------------------------------- importer
def _fixture(level):
    return json.loads((FIXTURES / f"d{level}" / "count_hills_and_valleys" / "annotations.json").read_text())[0]


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_importer_on_reference_fixtures(level):
    rec = _fixture(level)
    inst = TASK.from_record(rec)
    assert inst.task == TASK.name and inst.level == level and inst.source == "reference"
    assert list(inst.state["terrain"]) == rec["initial_state"]["terrain"]
    assert TASK.verify(inst, rec["answer"]).correct and inst._witness == int(rec["answer"])
    assert TASK.solve(inst) == rec["solution"]
    assert TASK.render(inst).size == (512, 512)


def test_importer_published_row_and_fallbacks():
    rec = _fixture(3)
    row = {"id": 3, "category": "CountHillsAndValleys", "images": [], "question": rec["question"],
           "question_text": rec["question_language"], "answer": rec["answer"], "difficulty": 3,
           "metric_info": "{'score_function': 'simple_str_match'}",
           "initial_state": json.dumps(rec["initial_state"])}
    assert TASK.from_record(row).fingerprint == TASK.from_record(rec).fingerprint
    text_only = {k: v for k, v in rec.items() if k not in ("initial_state", "difficulty")}
    inst = TASK.from_record(text_only)  # terrain from the text question, level from the index
    assert inst.fingerprint == TASK.from_record(rec).fingerprint and inst.level == 3
    wrong = TASK.from_record({**rec, "answer": "999"})
    assert wrong._witness is None and TASK.verify(wrong, rec["answer"]).correct


def test_importer_rejects_broken_records():
    rec = _fixture(1)
    for bad in ({"terrain": "nope"}, {"terrain": [1, "x"]}, {"terrain": []}, {"terrain": [1, True]},
                {"terrain": [-1, 2]}):
        with pytest.raises(RecordError):
            TASK.from_record({**rec, "initial_state": bad, "question_language": "", "question": ""})
    with pytest.raises(RecordError):
        TASK.from_record({**rec, "category": "HIndex"})
    with pytest.raises(RecordError):
        TASK.from_record({"initial_state": {"terrain": [1, 2, 1]}, "index": "x"})  # length 3 fits no level
