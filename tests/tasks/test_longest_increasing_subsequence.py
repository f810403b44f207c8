"""LongestIncreasingSubsequence: generator levels, strict patience sorting, length-only answers, importer, trace."""

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
from mmhelix_env.tasks.algorithms.longest_increasing_subsequence import TASK, lis_length, patience
from tests import helpers_array as ha
from tests.helpers_array import assert_deterministic, assert_stats_grow

FIXTURES = Path("/work/shared/fixtures/reference_sample")
OBS_CHARSET = set(map(chr, range(32, 127))) | set("\n×÷−–—→←↑↓·…’“”≤≥≠█")


def inst_of(seq, level: int = 3) -> Instance:
    return Instance(TASK.name, level, None, TASK.version, {"sequence": list(seq)})


def dp(seq) -> int:
    """The O(n²) DP, strictly increasing."""
    best = [1] * len(seq)
    for i in range(len(seq)):
        for j in range(i):
            if seq[j] < seq[i]:
                best[i] = max(best[i], best[j] + 1)
    return max(best, default=0)


def test_discovered_and_metadata():
    assert discover()["LongestIncreasingSubsequence"] is TASK
    assert (TASK.category, TASK.benchmark_id, TASK.generator_key) == (
        "algorithms", "longest_increasing_subsequence", "longest_increasing_subsequence")
    assert TASK.score_function == "simple_str_match" and not TASK.step_mode


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_generator_respects_level_parameters(level):
    (lo, hi), top = ARRAY_LEVELS[level]
    values = set()
    for seed in range(120):
        seq = list(TASK.instance(level, seed).state["sequence"])
        assert lo <= len(seq) <= hi and all(isinstance(x, int) and 1 <= x <= top for x in seq)
        values.update(seq)
    assert min(values) <= 2 and max(values) >= top - 1


def test_patience_matches_dp_and_returns_a_witness():
    rng = np.random.default_rng(2)
    for _ in range(1500):
        seq = rng.integers(1, 8, size=int(rng.integers(1, 14))).tolist()
        length, path, _ = patience(seq)
        assert length == dp(seq) == len(path)
        assert path == sorted(path) and all(seq[a] < seq[b] for a, b in zip(path, path[1:]))
    assert lis_length([5, 5, 5]) == 1 and lis_length([1, 2, 2, 3]) == 3 and lis_length([3, 2, 1]) == 1
    ha.assert_levels_match_reference(TASK, "sequence", dp, range(15))


def test_stats_grow_with_level():
    assert_stats_grow(TASK, "comparisons")


def test_determinism_state_prompt_image():
    assert_deterministic(TASK, "sequence", (1, 5), 8)


# ------------------------------------------------------------------------------------------ verification
@pytest.fixture(scope="module")
def inst3():
    return TASK.instance(3, 4)


def test_round_trip_and_lenient_formats(inst3):
    n = TASK.solution(inst3)
    ha.assert_lenient_accepted(TASK, inst3, n, (f"{n}", f"length = {n}", f"Length: {n}", f"LIS length = {n}",
                                             f"The length is {n}.", f"**{n}**", f"$ {n} $", f"\\mathbf{{{n}}}",
                                             f"{n}.0", f"{n} bars"))


def test_listing_the_subsequence_is_rejected(inst3):
    seq = list(inst3.state["sequence"])
    _, path, _ = patience(seq)
    listed = "[" + ", ".join(str(seq[k]) for k in path) + "]"
    v = TASK.verify(inst3, listed)
    assert not v.correct and v.reason.startswith("expected the length, got a list")
    v = TASK.verify(inst3, ", ".join(str(seq[k]) for k in path))
    assert not v.correct and "expected the length" in v.reason


def test_wrong_answers_have_rule_reasons(inst3):
    n = TASK.solution(inst3)
    high = TASK.verify(inst3, str(n + 1))
    assert not high.correct and f"no strictly increasing subsequence of length {n + 1}" in high.reason
    low = TASK.verify(inst3, str(n - 1))
    assert not low.correct and f"longer than {n - 1} exists" in low.reason and 0 < low.score < 0.5
    for text in (f"{n} or {n + 1}", f"{n}.5", "-3", "", "seven", "٧", "x" * 5000):
        v = TASK.verify(inst3, text)
        assert not v.correct and v.reason, text


@settings(max_examples=250, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text):
    inst = TASK.instance(1, 0)
    v = TASK.verify(inst, text)
    assert isinstance(v.correct, bool) and v.reason
    if v.correct:
        assert v.parsed == TASK.solution(inst)


# ------------------------------------------------------------------------------------- image and prompts
def test_render():
    for level in (1, 5):
        img = TASK.render(TASK.instance(level, 1))
        assert img.size == (512, 512) and img.mode == "RGB"
        assert (255, 255, 255) in {c for _, c in img.getcolors(1 << 16)}
    assert TASK.render(TASK.instance(2, 1), size=320).size == (320, 320)


def test_prompts():
    inst = TASK.instance(2, 3)
    text, image = TASK.prompt(inst, "text"), TASK.prompt(inst, "image")
    listed = "[" + ", ".join(map(str, inst.state["sequence"])) + "]"
    assert listed in text and listed not in image and "image" not in text.lower()
    for p in (text, image):
        assert "strictly taller" in p and "length" in p
        assert p.rstrip().endswith("Answer with a single integer (the length).") and set(p) <= OBS_CHARSET


def test_trace_follows_patience_sorting():
    for level in range(1, 6):
        inst = TASK.instance(level, 6)
        trace = TASK.trace(inst)
        n = TASK.solution(inst)
        assert trace.rstrip().splitlines()[-1] == f"Answer: {n}"
        assert TASK.verify(inst, extract_answer(trace)).correct
        assert trace.count("\n- bar ") == len(inst.state["sequence"])
        assert f"{n} piles" in trace
    trace = TASK.trace(inst_of([3, 1, 2, 2, 5]))
    assert "- bar 3 (2): replaces top 2 of pile 2; tops [1, 2]" in trace  # equal heights replace
    assert "One such subsequence" in trace and "[1, 2, 5]" in trace


# -------------------------------------------------------------------------------------------- importer
def _fixture(level):
    return json.loads((FIXTURES / f"d{level}" / "longest_increasing_subsequence" / "annotations.json").read_text())[0]


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_importer_on_reference_fixtures(level):
    rec = _fixture(level)
    assert isinstance(rec["answer"], int)  # the reference stores an int answer
    inst = TASK.from_record(rec)
    assert inst.task == TASK.name and inst.level == level
    assert list(inst.state["sequence"]) == rec["initial_state"]["sequence"]
    assert TASK.verify(inst, str(rec["answer"])).correct and inst._witness == rec["answer"]


def test_importer_published_row_and_bad_records():
    rec = _fixture(4)
    row = {"id": 9, "category": "longest_increasing_subsequence", "images": [], "question": rec["question"],
           "question_text": rec["question_language"], "answer": str(rec["answer"]), "difficulty": 4,
           "metric_info": "{'score_function': 'simple_str_match'}", "initial_state": json.dumps(rec["initial_state"])}
    assert TASK.from_record(row).fingerprint == TASK.from_record(rec).fingerprint
    no_level = {k: v for k, v in rec.items() if k not in ("difficulty",)}
    assert TASK.from_record(no_level).level == 4  # from the index
    for bad in ({"sequence": [1, None]}, {"sequence": list(range(600))}, {}):
        with pytest.raises(RecordError):
            TASK.from_record({**rec, "initial_state": bad, "question_language": "", "question": ""})
