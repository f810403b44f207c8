"""Test code shared by the single-integer array tasks (mmhelix_env/tasks/algorithms/_array_answer.py).

- :class:`ArrayTaskChecks`: the checks shared by BestTimeToBuyAndSellStock, ContainerWithMostWater,
  TrappingRainWater and LargestRectangleInHistogram; each task's test module subclasses it as ``TestArrayTask``
  and adds its own tests.
- :func:`assert_stats_grow` / :func:`assert_deterministic` / :func:`assert_levels_match_reference` /
  :func:`assert_lenient_accepted`: checks for the array tasks with their own test layout
  (CountHillsAndValleys, HIndex, LongestIncreasingSubsequence).
- :func:`integer_mutations`: wrong single-integer answers for the mutators of all seven array tasks.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.render.chart import overlapping_pairs
from mmhelix_env.tasks import discover

FIXTURES = Path("/work/shared/fixtures/reference_sample")
ALLOWED = set(map(chr, range(32, 127))) | set("\n×÷−–—→←↑↓·…’“”≤≥≠█")
LEVELS = (1, 2, 3, 4, 5)


class ArrayTaskChecks:
    """Shared checks; a subclass sets TASK, KEY (state key), FIXTURE_KEY, SIZE_STAT and implements
    ``brute`` (an independent O(n²)/DP answer), ``length_range(level)`` and ``value_range(level)``."""

    TASK = None
    KEY = ""
    FIXTURE_KEY = ""
    SIZE_STAT = ""
    MIN_VALUE = 0  # smallest value the hypothesis arrays use

    @staticmethod
    def brute(values) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def length_range(self, level):  # pragma: no cover - overridden
        raise NotImplementedError

    def value_range(self, level):  # pragma: no cover - overridden
        raise NotImplementedError

    # ------------------------------------------------------------------------------------ basics
    def test_discovered_and_metadata(self):
        t = self.TASK
        assert discover()[t.name] is t
        assert t.category == "algorithms" and t.score_function == "simple_str_match" and t.version == "1"
        assert not t.step_mode and t.answer_format

    @pytest.mark.parametrize("level", LEVELS)
    def test_generator_respects_level_parameters(self, level):
        lo, hi = self.length_range(level)
        vlo, vhi = self.value_range(level)
        lengths = []
        for seed in range(200):
            inst = self.TASK.instance(level, seed)
            assert set(inst.state) == {self.KEY}  # the state never carries the answer
            vals = inst.state[self.KEY]
            lengths.append(len(vals))
            assert lo <= len(vals) <= hi
            assert all(isinstance(v, int) and vlo <= v <= vhi for v in vals), vals
        assert min(lengths) == lo and max(lengths) == hi  # the whole length range is used

    def test_solver_matches_brute_force(self):
        for level in LEVELS:
            for seed in range(30):
                inst = self.TASK.instance(level, seed)
                vals = list(inst.state[self.KEY])
                assert inst._witness == self.TASK.solve(inst) == self.brute(vals)

    def test_compute_matches_brute_force_on_random_arrays(self):
        rng = np.random.default_rng(5)
        for _ in range(300):
            n = int(rng.integers(self.TASK.min_length, 14))
            top = int(rng.choice([1, 3, 10, 100]))
            vals = tuple(int(v) for v in rng.integers(self.MIN_VALUE, top + 1, size=n))
            assert self.TASK.compute(vals) == self.brute(list(vals)), vals

    def test_round_trip_and_json(self):
        for level in LEVELS:
            for seed in range(20):
                inst = self.TASK.instance(level, seed)
                answer = self.TASK.expert_answer(inst)
                assert re.fullmatch(r"\d+", answer)
                v = self.TASK.verify(inst, answer)
                assert v.correct and v.score == 1.0 and v.parsed == int(answer)
                back = Instance.from_json(inst.to_json())
                assert back == inst and back._witness is None
                assert self.TASK.expert_answer(back) == answer

    # ------------------------------------------------------------------------------ verification
    def _inst(self):
        return self.TASK.instance(5, 7)

    def test_lenient_formats_accepted(self):
        inst = self._inst()
        a = int(self.TASK.solution(inst))
        for text in (f"{a}", f" {a} \n", f"**{a}**", f"${a}$", f"\\text{{{a}}}", f"\\mathbf{{{a}}}", f"{a}.",
                     f"{a} units", f"{a}.0", f"{a}.00", f"{a:,}", f"The answer is {a}.", f"+{a}", f"__{a}__"):
            v = self.TASK.verify(inst, text)
            assert v.correct and v.parsed == a, (text, v)
        assert self.TASK.verify_response(inst, f"so ... \\boxed{{{a}}}")[1].correct
        assert self.TASK.verify_response(inst, f"thinking\nAnswer: {a}")[1].correct
        assert self.TASK.verify_response(inst, f"<answer>{a}</answer>")[1].correct

    def test_thousands_separator_strict(self):
        inst = self._inst()
        a = int(self.TASK.solution(inst))
        assert self.TASK.verify(inst, f"{a:,}").correct
        v = self.TASK.verify(inst, "1,23")  # not a strict thousands group: two numbers
        assert not v.correct and "ambiguous" in v.reason

    def test_wrong_values_rejected_with_reasons(self):
        inst = self._inst()
        a = int(self.TASK.solution(inst))
        high = self.TASK.verify(inst, str(a + 1))
        assert not high.correct and str(a + 1) in high.reason and 0 < high.score < 0.5
        assert high.parsed == a + 1
        low = self.TASK.verify(inst, str(a - 1))
        assert not low.correct and low.reason != high.reason
        half = self.TASK.verify(inst, f"{a}.5")
        if self.TASK.fractional_answers:  # the spec: a non-integral decimal parses but is wrong
            assert not half.correct and "not an integer" in half.reason and half.parsed == a + 0.5
        else:  # the answer is a single integer: a non-integral decimal is unreadable
            assert not half.correct and half.score == 0.0 and half.parsed is None
            assert half.reason == f"expected an integer, got {a + 0.5:g}"
        far = self.TASK.verify(inst, str(3 * a + 5))
        assert not far.correct and far.score == 0.0
        neg = self.TASK.verify(inst, f"-{a + 1}")
        assert not neg.correct and neg.score == 0.0
        for v in (high, low, far, neg) + ((half,) if self.TASK.fractional_answers else ()):
            assert v.reason.startswith("wrong ") and ": " in v.reason  # what broke, by the rules

    def test_ambiguous_and_unreadable_rejected(self):
        inst = self._inst()
        a = int(self.TASK.solution(inst))
        for text in (f"{a} {a}", f"{a} or {a + 1}", f"6 × 7 = {a}", f"width 6, height 7: {a}", "[1, 2, 3]"):
            v = self.TASK.verify(inst, text)
            assert not v.correct and "ambiguous" in v.reason, (text, v)
        for text in ("", "   ", "no idea", "١٢٣", "２４", "{" * 10_000, "x" * 1_000_000, "1e3", "\x00\x01"):
            v = self.TASK.verify(inst, text)
            assert not v.correct and v.reason and v.score == 0.0, text

    def test_huge_numbers_rejected_with_short_reasons(self):
        inst = self._inst()
        for text in ("9" * 1999, "1" * 600 + ".5", "1" * 400 + "/3"):
            v = self.TASK.verify(inst, text)
            assert not v.correct and v.score == 0.0 and len(v.reason) < 300, text
            json.dumps(v.to_dict())

    def test_garbage_is_fast(self):
        inst = self._inst()
        rng = np.random.default_rng(0)
        junk = [bytes(rng.integers(0, 256, 5000, dtype=np.uint8)).decode("latin-1"), "{" * 10_000 + "}" * 10_000,
                "9" * 1_000_000, "1 " * 50_000, "\\boxed{" * 3000, "1" * 1999]
        for text in junk:
            t0 = time.perf_counter()
            v = self.TASK.verify(inst, text)
            assert time.perf_counter() - t0 < 0.05
            assert not v.correct and v.reason

    def test_verify_is_fast(self):
        inst = self._inst()
        answer = self.TASK.expert_answer(inst)
        times = []
        for _ in range(200):
            t0 = time.perf_counter()
            self.TASK.verify(inst, answer)
            times.append(time.perf_counter() - t0)
        assert statistics.median(times) < 0.001

    # ------------------------------------------------------------------------------- determinism
    def test_determinism_state_prompt_image(self):
        for level in (1, 5):
            a, b = self.TASK.instance(level, 123), self.TASK.instance(level, 123)
            assert a.to_json() == b.to_json() and a.fingerprint == b.fingerprint
            for modality in ("image", "text"):
                assert self.TASK.prompt(a, modality) == self.TASK.prompt(b, modality)
            ha = hashlib.sha256(self.TASK.render(a).tobytes()).hexdigest()
            hb = hashlib.sha256(self.TASK.render(b).tobytes()).hexdigest()
            assert ha == hb
            assert self.TASK.instance(level, 124).fingerprint != a.fingerprint

    # ----------------------------------------------------------------------------------- image
    @pytest.mark.parametrize("level", [1, 3, 5])
    def test_render_size_and_labels(self, level):
        for seed in range(10):
            inst = self.TASK.instance(level, seed)
            img, layout = self.TASK.chart(inst)
            assert img.size == (512, 512) and img.mode == "RGB"
            assert np.array_equal(np.asarray(img), np.asarray(self.TASK.render(inst)))
            n = len(inst.state[self.KEY])
            assert layout.n == n and len(layout.label_boxes) == n  # every value carries its label
            texts = layout.label_boxes + layout.x_label_boxes
            assert overlapping_pairs(texts) == []
            for box in texts:
                assert 0 <= box[0] <= box[2] < 512 and 0 <= box[1] <= box[3] < 512
            assert layout.font_size >= 11
        assert self.TASK.render(self.TASK.instance(level, 0), size=300).size == (300, 300)

    # --------------------------------------------------------------------------------- prompts
    def test_prompts(self):
        for level in (1, 5):
            inst = self.TASK.instance(level, 3)
            vals = inst.state[self.KEY]
            listed = "[" + ", ".join(map(str, vals)) + "]"
            text, image = self.TASK.prompt(inst, "text"), self.TASK.prompt(inst, "image")
            assert listed in text and listed not in image
            assert "image" not in text.lower() and "image" in image.lower()
            for p in (text, image):
                assert p.endswith("Answer with a single integer.")
                assert set(p) <= ALLOWED and "\\boxed" not in p
        with pytest.raises(ValueError):
            self.TASK.prompt(self.TASK.instance(1, 0), "audio")

    # ----------------------------------------------------------------------------------- trace
    def test_trace_ends_in_verifying_answer(self):
        for level in LEVELS:
            for seed in range(5):
                inst = self.TASK.instance(level, seed)
                trace = self.TASK.trace(inst)
                answer = extract_answer(trace)
                assert answer == self.TASK.expert_answer(inst)
                assert self.TASK.verify(inst, answer).correct
                assert trace.rstrip().splitlines()[-1] == f"Answer: {answer}"

    # ----------------------------------------------------------------------------------- stats
    def test_stats_grow_with_level(self):
        med = {}
        for level in LEVELS:
            stats = [self.TASK.stats(self.TASK.instance(level, s)) for s in range(40)]
            med[level] = {k: statistics.median(s[k] for s in stats) for k in stats[0]}
        sizes = [med[lv][self.SIZE_STAT] for lv in LEVELS]
        assert all(a < b for a, b in zip(sizes, sizes[1:])), sizes
        for key in med[1]:
            assert med[5][key] > med[1][key], key

    # -------------------------------------------------------------------------------- importer
    def _record(self, level):
        path = FIXTURES / f"d{level}" / self.FIXTURE_KEY / "annotations.json"
        return json.loads(path.read_text())[0]

    @pytest.mark.parametrize("level", LEVELS)
    def test_importer_on_reference_fixtures(self, level):
        rec = self._record(level)
        inst = self.TASK.from_record(rec)
        assert inst.task == self.TASK.name and inst.level == level and inst.source == "reference"
        key = next(k for k in self.TASK.record_keys if k in rec["initial_state"])
        assert list(inst.state[self.KEY]) == rec["initial_state"][key]
        assert self.TASK.verify(inst, str(rec["answer"])).correct
        assert inst._witness == int(rec["answer"]) == self.brute(rec["initial_state"][key])
        assert self.TASK.render(inst).size == (512, 512)

    def test_importer_published_row_and_text_fallback(self):
        rec = self._record(3)
        base = self.TASK.from_record(rec)
        row = {"id": 5, "category": self.TASK.benchmark_id, "images": [], "question": rec["question"],
               "question_text": rec["question_language"], "answer": str(rec["answer"]), "difficulty": "3",
               "metric_info": "{'score_function': 'simple_str_match'}",
               "initial_state": json.dumps(rec["initial_state"])}
        assert self.TASK.from_record(row).fingerprint == base.fingerprint
        literal = dict(row, initial_state=repr(rec["initial_state"]), answer=int(rec["answer"]))
        assert self.TASK.from_record(literal).fingerprint == base.fingerprint
        no_state = dict(row, initial_state="")  # the array comes from the text question
        imported = self.TASK.from_record(no_state)
        assert imported.fingerprint == base.fingerprint and imported._witness == int(rec["answer"])
        no_level = {k: v for k, v in rec.items() if k != "difficulty"}
        assert self.TASK.from_record(no_level).level == 3  # from the index
        bare = {"initial_state": rec["initial_state"], "answer": rec["answer"]}
        assert self.TASK.from_record(bare).level == 3  # from the length
        wrong = dict(row, answer=str(int(rec["answer"]) + 1))
        imported = self.TASK.from_record(wrong)
        assert imported._witness is None  # a stored answer is kept only when it verifies
        assert self.TASK.verify(imported, str(rec["answer"])).correct

    def test_importer_own_instance_round_trip(self):
        inst = self.TASK.instance(4, 9)
        row = {"difficulty": 4, "answer": self.TASK.expert_answer(inst), "initial_state": dict(inst.state)}
        assert self.TASK.from_record(row).fingerprint == inst.fingerprint

    def test_importer_rejects_broken_records(self):
        rec = self._record(2)
        key = self.TASK.record_keys[0]
        bad = [
            {**rec, "initial_state": {"something": [1, 2, 3]}},
            {**rec, "initial_state": {key: [3, -1, 4]}},
            {**rec, "initial_state": {key: [3, "x", 4]}},
            {**rec, "initial_state": {key: [3, True, 4]}},
            {**rec, "initial_state": {key: []}},
            {**rec, "initial_state": {key: "nope"}},
            {**rec, "initial_state": None, "question_language": "no list", "question": "none"},
            {**rec, "category": "sudoku"},
            {**rec, "difficulty": 9},
        ]
        for record in bad:
            with pytest.raises(RecordError):
                self.TASK.from_record(record)
        with pytest.raises(RecordError):
            self.TASK.from_record("not a dict")  # type: ignore[arg-type]

    def test_arbitrary_text_never_raises(self):
        task = self.TASK
        inst = task.instance(2, 0)

        @settings(max_examples=200, deadline=None)
        @given(st.text(max_size=300))
        def run(text):
            v = task.verify(inst, text)
            assert isinstance(v.correct, bool) and v.reason
            if v.correct:
                assert v.parsed == task.solution(inst)

        run()


def assert_stats_grow(task, stat: str, seeds: int = 40) -> None:
    """The median of ``stats()[stat]`` over ``seeds`` instances grows strictly from level to level."""
    med = {lv: statistics.median(task.stats(task.instance(lv, s))[stat] for s in range(seeds)) for lv in LEVELS}
    assert all(med[lv] < med[lv + 1] for lv in LEVELS[:-1]), med


def assert_deterministic(task, key: str, levels: Sequence[int], seed: int) -> None:
    """Same (level, seed): same state, prompts and image; the state is ``{key: [...]}``; seeds differ."""
    for level in levels:
        a, b = task.instance(level, seed), task.instance(level, seed)
        assert a.to_json() == b.to_json()
        assert task.prompt(a, "image") == task.prompt(b, "image") and task.prompt(a, "text") == task.prompt(b, "text")
        assert hashlib.sha256(task.render(a).tobytes()).digest() == hashlib.sha256(task.render(b).tobytes()).digest()
    assert set(task.instance(1, 0).state) == {key}
    assert task.instance(3, 1).fingerprint != task.instance(3, 2).fingerprint


def integer_mutations(task, inst, answer: str, extra: Sequence[str] = ()) -> list[str]:
    """Wrong single-integer answers: other values, signs, decimals, ambiguous pairs, a list, plus ``extra``;
    each one is checked with the verifier (a candidate that happens to verify is dropped)."""
    a = int(answer.strip())
    candidates = [
        str(a + 1), str(a - 1), str(a + 2), str(a + 10), str(2 * a + 3),   # other values
        f"{a}.5",                                                           # non-integral
        f"{a} {a + 1}", f"{a} or {a + 1}",                                  # ambiguous: two numbers
        f"{a} or {a}",                                                      # ambiguous even when both agree
        f"[{a}, {a + 1}, {a + 2}]",                                         # a list instead of one number
        f"-{a + 1}",                                                        # negative
        f"{a}{a + 1}", f"{a}{a}",                                           # digits glued
        "none",                                                             # no number
        *extra,
    ]
    out: list[str] = []
    for text in candidates:
        if text in out or text.strip() == answer.strip() or task.verify(inst, text).correct:
            continue
        out.append(text)
    return out


def assert_levels_match_reference(task, key: str, reference, seeds: Sequence[int] = range(20)) -> None:
    """On every level the task's solver, its stored solution and an independent ``reference`` of the state's
    ``key`` list agree."""
    for level in LEVELS:
        for seed in seeds:
            inst = task.instance(level, seed)
            assert task.solve(inst) == task.solution(inst) == reference(list(inst.state[key]))


def assert_lenient_accepted(task, inst, value: int, texts: Sequence[str]) -> None:
    """The expert answer is ``str(value)`` and each of ``texts`` verifies and parses to ``value``."""
    assert task.expert_answer(inst) == str(value)
    for text in texts:
        v = task.verify(inst, text)
        assert v.correct and v.parsed == value, (text, v)
