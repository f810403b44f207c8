"""Shared base of the array tasks whose answer is one integer computed from an integer array
(BestTimeToBuyAndSellStock, ContainerWithMostWater, TrappingRainWater, LargestRectangleInHistogram).

What the four have in common (their specs, "Answer format and parsing", "Verification", "Reference records"):

- the state is ``{<array key>: [v0, v1, ...]}`` (the reference's own ``initial_state`` layout);
- the answer is a single integer: lenient parsing (whitespace, markdown emphasis, ``$…$``, ``\\text{}`` /
  ``\\mathbf{}``, a trailing period or unit words, integral decimals, strict thousands separators) through
  :func:`mmhelix_env.core.parse_number`; more than one number is "ambiguous"; a non-integral value parses but
  is wrong;
- partial score ``0.5 · max(0, 1 − |x − a| / max(1, a))`` for a parsed wrong answer;
- the importer reads the array from ``initial_state`` (or, failing that, the first ``[...]`` list in the
  text question) and recomputes the answer; a record without a difficulty gets its level from the index
  (``..._difficulty{d}_...``) or else from the array length.

A subclass sets the class attributes and implements :meth:`compute`, :meth:`chart`, ``prompt``, ``trace`` and
``stats``; :meth:`wrong_reason` says, by the rules, why a wrong value is wrong.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np

from ...core import Instance, ParseError, RecordError, Task, Verdict, level_number, parse_number, record_field

FORMAT_SENTENCE = "Answer with a single integer."
MAX_RECORD_LENGTH = 10_000
MAX_RECORD_VALUE = 10**9

_LIST = re.compile(r"\[\s*(-?\d+(?:\s*,\s*-?\d+)*)\s*\]", re.ASCII)
_DIFFICULTY = re.compile(r"difficulty_?(\d)", re.ASCII)


def list_text(values) -> str:
    """``[a, b, c]`` as the reference prompts write arrays."""
    return "[" + ", ".join(str(int(v)) for v in values) + "]"


def parse_single_number(answer: str, max_chars: int) -> Fraction:
    """Exactly one number in the answer (see the module doc); raises ParseError with the reason."""
    try:
        return parse_number(answer, max_chars=max_chars)
    except ParseError as err:
        msg = str(err)
        if msg.startswith("expected exactly one number"):
            raise ParseError(f"ambiguous: {msg}; answer with a single integer") from None
        if msg == "no number found":
            raise ParseError("no number found: answer with a single integer") from None
        raise


def partial_score(value: Fraction, best: int) -> float:
    """0.5 · max(0, 1 − |x − a| / max(1, a)), exact until the final float (huge x never overflows)."""
    rel = abs(value - best) / max(1, abs(best))
    return 0.0 if rel >= 1 else 0.5 * (1.0 - float(rel))


def level_for_length(n: int, lengths: dict[int, tuple[int, int]]) -> int:
    """The lowest level whose length range holds ``n`` (the nearest range's level otherwise)."""
    for level in sorted(lengths):
        lo, hi = lengths[level]
        if lo <= n <= hi:
            return level
    return min(sorted(lengths), key=lambda lv: min(abs(n - lengths[lv][0]), abs(n - lengths[lv][1])))


class ArrayAnswerTask(Task):
    """An integer array in, one integer out (see the module doc)."""

    array_key: ClassVar[str]                      # state key, as in the reference's initial_state
    record_keys: ClassVar[tuple[str, ...]]        # initial_state keys the importer accepts, in order
    lengths: ClassVar[dict[int, tuple[int, int]]]  # level -> (shortest, longest) array length
    min_length: ClassVar[int] = 1                 # the smallest array the importer accepts
    answer_noun: ClassVar[str] = "answer"         # "maximum profit", "largest area", ...
    answer_format = "a single integer, e.g. 17"
    max_answer_chars = 2_000

    # ----- the problem ----------------------------------------------------------------------------
    @staticmethod
    @abstractmethod
    def compute(values: tuple[int, ...]) -> int:
        """The exact answer for the array."""

    def values(self, inst: Instance) -> tuple[int, ...]:
        return tuple(int(v) for v in inst.state[self.array_key])

    def make_state(self, values) -> tuple[dict, int]:
        """(state, witness) for a generated array."""
        vals = [int(v) for v in values]
        return {self.array_key: vals}, self.compute(tuple(vals))

    @staticmethod
    def draw_ints(rng: np.random.Generator, lo: int, hi: int, size: int) -> list[int]:
        return [int(v) for v in rng.integers(lo, hi + 1, size=size)]

    def draw_length(self, rng: np.random.Generator, level: int) -> int:
        lo, hi = self.lengths[level_number(level)]
        return int(rng.integers(lo, hi + 1))

    # ----- solving ------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> int:
        return self.compute(self.values(inst))

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return str(int(solution))

    # ----- presentation -------------------------------------------------------------------------
    @abstractmethod
    def chart(self, inst: Instance, size: int = 512):
        """(image, :class:`~mmhelix_env.render.chart.ChartLayout`) of the array's chart."""

    def render(self, inst: Instance, play: Any = None, size: int = 512):
        return self.chart(inst, size)[0]

    # ----- verification -------------------------------------------------------------------------
    def wrong_reason(self, inst: Instance, value: Fraction, best: int) -> str:
        """Why ``value`` (≠ best) breaks the rules; never states the answer itself."""
        return f"{show_value(value)} is not the {self.answer_noun}"

    def check(self, inst: Instance, answer: str) -> Verdict:
        value = parse_single_number(answer, self.max_answer_chars)
        best = int(self.solution(inst))
        parsed = _plain(value)
        if value == best:
            return Verdict.ok(parsed, f"correct: the {self.answer_noun} is {parsed}")
        if value.denominator != 1:
            why = f"{show_value(value)} is not an integer, and the {self.answer_noun} is a whole number"
        else:
            why = self.wrong_reason(inst, value, best)
        return Verdict.fail(f"wrong {self.answer_noun} {show_value(value)}: {why}", score=partial_score(value, best),
                            parsed=parsed)

    # ----- reference records --------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record_field(record.get("initial_state"))
        values = None
        if isinstance(raw, dict):
            for key in self.record_keys:
                if key in raw:
                    values = record_field(raw[key])
                    break
            else:
                raise RecordError(f"initial_state has none of the keys {', '.join(self.record_keys)}")
        elif isinstance(raw, (list, tuple)):
            values = raw
        if values is None:
            values = _list_from_text(record)
        return {self.array_key: self._check_values(values)}

    def _check_values(self, values: Any) -> list[int]:
        if not isinstance(values, (list, tuple)):
            raise RecordError(f"{self.array_key} must be a list of integers, got {type(values).__name__}")
        if not self.min_length <= len(values) <= MAX_RECORD_LENGTH:
            raise RecordError(f"{self.array_key} must have {self.min_length}..{MAX_RECORD_LENGTH} entries, "
                              f"got {len(values)}")
        out = []
        for i, v in enumerate(values):
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_RECORD_VALUE:
                raise RecordError(f"{self.array_key}[{i}] must be an integer in 0..{MAX_RECORD_VALUE}, got {v!r}"[:200])
            out.append(int(v))
        return out

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        m = _DIFFICULTY.search(str(record.get("index", record.get("id", ""))))
        if m and 1 <= int(m.group(1)) <= 5:
            return int(m.group(1))
        return level_for_length(len(state[self.array_key]), self.lengths)

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> int:
        return int(self.solution(inst))


def _plain(value: Fraction) -> int | float | str:
    """The parsed value for a verdict: an int, else a float (a string when it would overflow)."""
    if value.denominator == 1:
        return int(value)
    try:
        return float(value)
    except OverflowError:
        return str(value)


def show_value(value: Fraction) -> str:
    """The value for a reason, shortened when huge."""
    plain = _plain(value)
    text = f"{plain:g}" if isinstance(plain, float) else str(plain)
    return text if len(text) <= 24 else f"{text[:12]}…{text[-6:]} ({len(text)} characters)"


def _list_from_text(record: dict) -> list[int]:
    for field in ("question_language", "question_text", "question"):
        text = record.get(field)
        if not isinstance(text, str):
            continue
        m = _LIST.search(text[:200_000])
        if m:
            return [int(tok) for tok in m.group(1).split(",")]
    raise RecordError("no array: initial_state is missing and the question has no [..] list")
