"""Shared base of the array tasks whose answer is one integer computed from an integer array
(BestTimeToBuyAndSellStock, ContainerWithMostWater, TrappingRainWater, LargestRectangleInHistogram,
CountHillsAndValleys, HIndex, LongestIncreasingSubsequence); CryptoMath uses :func:`level_from_index`.

What the seven have in common (their specs, "Answer format and parsing", "Verification", "Reference records"):

- the state is ``{<array key>: [v0, v1, ...]}`` (the reference's own ``initial_state`` layout);
- the answer is a single integer (:func:`parse_single_int`): lenient parsing (whitespace, markdown emphasis,
  ``$…$``, ``\\text{}`` / ``\\mathbf{}``, an optional task prefix such as ``h = 5``, a trailing period or unit
  words, integral decimals, strict thousands separators) through :func:`mmhelix_env.core.parse_number`; only
  ASCII digits are digits; more than one number is "ambiguous" (or the task's own reason when they look like a
  list); a non-integral value is rejected, except where a spec says it parses but is wrong (BestTime…);
- :func:`int_verdict`: correct iff equal, else the partial score ``0.5 · max(0, 1 − |x − a| / max(1, a))``
  (:func:`partial_score`, exact until the final float) and a task-specific reason;
- the importer (:func:`array_from_record`) reads the array from ``initial_state`` (or a bare list, or, when the
  record has no ``initial_state`` array, the first ``[...]`` list in the text question) and recomputes the
  answer; a record without a difficulty gets its level from the index (``..._difficulty{d}_...``,
  :func:`level_from_index`) or else from the array length (:func:`level_from_length`).

A subclass sets the class attributes and implements :meth:`compute`, :meth:`render` (or :meth:`chart`),
``prompt``, ``trace`` and ``stats``; :meth:`wrong_reason` says, by the rules, why a wrong value is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np

from ...core import (
    Instance,
    ParseError,
    RecordError,
    Task,
    Verdict,
    bounded,
    clean_markup,
    level_number,
    numeric,
    parse_number,
    record_field,
)

FORMAT_SENTENCE = "Answer with a single integer."
INT_MAX_CHARS = 2_000
MAX_RECORD_LENGTH = 500
MAX_RECORD_VALUE = 1_000_000
# level -> (array length range, max value) shared by CountHillsAndValleys, HIndex, LongestIncreasingSubsequence
ARRAY_LEVELS: dict[int, tuple[tuple[int, int], int]] = {
    1: ((5, 10), 20),
    2: ((10, 20), 40),
    3: ((20, 30), 60),
    4: ((30, 40), 80),
    5: ((40, 70), 100),
}

_LISTLIKE = re.compile(r"\d\s*[,;]\s*[-+]?\d|[\[({]\s*[-+]?\d+(?:\.\d+)?\s*[,;\s]\s*[-+]?\d", re.ASCII)
_LIST_IN_TEXT = re.compile(r"\[\s*(-?\d+(?:\s*,\s*-?\d+)*)\s*\]", re.ASCII)
_LEVEL_IN_INDEX = re.compile(r"difficulty_?(\d)", re.ASCII)


def format_list(values: Sequence[int]) -> str:
    """``[a, b, c]`` as the reference prompts write arrays."""
    return "[" + ", ".join(str(int(v)) for v in values) + "]"



# ---------------------------------------------------------------------------------------------------------------
# Answers


def parse_single_int(text: str, *, prefix: re.Pattern | None = None, what: str | None = None,
                     list_reason: str | None = None, fractional: bool = False,
                     max_chars: int = INT_MAX_CHARS) -> Fraction:
    """Exactly one number in ``text`` (see the module doc); raises ParseError with the reason.

    ``prefix`` is a compiled pattern matched at the start of the cleaned text and removed (e.g. ``h = ``);
    ``what`` names the asked quantity in the reasons; ``list_reason`` is the reason used when several numbers
    look like a list. A non-integral value is a ParseError unless ``fractional`` (then it is returned, and the
    verdict calls it wrong)."""
    text = numeric(bounded(text, max_chars))
    body = clean_markup(text)
    if prefix is not None:
        m = prefix.match(body)
        if m:
            body = body[m.end():]
    hint = f"answer with a single integer ({what})" if what else "answer with a single integer"
    if not body.strip():
        raise ParseError(f"no number found: {hint}")
    try:
        value = parse_number(body, max_chars=max_chars)
    except ParseError as err:
        msg = str(err)
        if msg.startswith("expected exactly one number"):
            if list_reason and _LISTLIKE.search(body):
                raise ParseError(list_reason) from None
            raise ParseError(f"ambiguous answer: {msg}; {hint}") from None
        raise ParseError(f"{msg}: {hint}") from None
    if value.denominator != 1 and not fractional:
        raise ParseError(f"expected an integer, got {float(value):g}")
    return value


def partial_score(value: Fraction | int, best: int) -> float:
    """0.5 · max(0, 1 − |x − a| / max(1, a)), exact until the final float (huge x never overflows)."""
    rel = Fraction(abs(value - best), max(1, abs(best)))
    return 0.0 if rel >= 1 else 0.5 * (1.0 - float(rel))


def int_verdict(value: Fraction | int, best: int, *, noun: str, wrong: Callable[[Fraction], str],
                correct: Callable[[int], str]) -> Verdict:
    """Correct iff ``value == best``; otherwise ``wrong {noun} {x}: {why}`` with the partial score. A non-integral
    value is wrong because the answer is a whole number; ``wrong(value)`` gives the reason for any other."""
    value = Fraction(value)
    parsed = _plain(value)
    if value == best:
        return Verdict.ok(parsed, correct(int(value)))
    if value.denominator != 1:
        why = f"{show_value(value)} is not an integer, and the {noun} is a whole number"
    else:
        why = wrong(value)
    return Verdict.fail(f"wrong {noun} {show_value(value)}: {why}", score=partial_score(value, best), parsed=parsed)


def _plain(value: Fraction) -> int | float | str:
    """The parsed value for a verdict: an int, else a float (a string when it would overflow)."""
    if value.denominator == 1:
        return int(value)
    try:
        return float(value)
    except OverflowError:
        return str(value)


def show_value(value: Fraction | int) -> str:
    """The value for a reason, shortened when huge."""
    plain = _plain(Fraction(value))
    text = f"{plain:g}" if isinstance(plain, float) else str(plain)
    return text if len(text) <= 24 else f"{text[:12]}…{text[-6:]} ({len(text)} characters)"


# ---------------------------------------------------------------------------------------------------------------
# Reference records


def array_from_record(record: dict, keys: Sequence[str], *, min_value: int = 0, min_len: int = 1) -> list[int]:
    """The integer array of a record: ``initial_state[key]`` for the first of ``keys`` present (a dict, or its
    JSON / Python-literal text; the value may itself be such text), or a bare list; without an ``initial_state``
    array, the first ``[..]`` list of integers in the text question."""
    state = record_field(record.get("initial_state"))
    raw = None
    if isinstance(state, dict):
        for key in keys:
            if key in state:
                raw = record_field(state[key])
                break
        else:
            raise RecordError(f"initial_state has none of the keys {', '.join(keys)}")
    elif isinstance(state, (list, tuple)):
        raw = state
    if raw is None:
        raw = _list_from_text(record, keys[0])
    return _int_list(raw, keys[0], min_value, min_len)


def _list_from_text(record: dict, key: str) -> list[int]:
    for field in ("question_language", "question_text", "question"):
        text = record.get(field)
        if not isinstance(text, str):
            continue
        m = _LIST_IN_TEXT.search(text[:100_000])
        if m:
            return [int(tok) for tok in m.group(1).split(",")]
    raise RecordError(f"record has no initial_state[{key!r}] and no integer list in its question")


def _int_list(raw: Any, key: str, min_value: int, min_len: int) -> list[int]:
    if not isinstance(raw, (list, tuple)):
        raise RecordError(f"{key} must be a list of integers, got {type(raw).__name__}")
    if not min_len <= len(raw) <= MAX_RECORD_LENGTH:
        raise RecordError(f"{key} must have {min_len}..{MAX_RECORD_LENGTH} entries, got {len(raw)}")
    out = []
    for i, v in enumerate(raw):
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if isinstance(v, bool) or not isinstance(v, int) or not min_value <= v <= MAX_RECORD_VALUE:
            raise RecordError(f"{key}[{i}] must be an integer in {min_value}..{MAX_RECORD_VALUE}, got {v!r}"[:200])
        out.append(int(v))
    return out


def level_from_index(record: dict) -> int | None:
    """The level named in a record's index / id (``..._difficulty3_1`` or ``..._difficulty_3_1``), or None."""
    m = _LEVEL_IN_INDEX.search(str(record.get("index", record.get("id", ""))))
    if m and 1 <= int(m.group(1)) <= 5:
        return int(m.group(1))
    return None


def level_from_length(n: int, ranges: dict[int, tuple[int, int]]) -> int | None:
    """The first level whose array-length range holds ``n``, or None."""
    return next((lv for lv, (lo, hi) in sorted(ranges.items()) if lo <= n <= hi), None)


# ---------------------------------------------------------------------------------------------------------------
# The base class


class ArrayAnswerTask(Task):
    """An integer array in, one integer out (see the module doc)."""

    array_key: ClassVar[str]                      # state key, as in the reference's initial_state
    record_keys: ClassVar[tuple[str, ...]]        # initial_state keys the importer accepts, in order
    lengths: ClassVar[dict[int, tuple[int, int]]]  # level -> (shortest, longest) array length
    min_length: ClassVar[int] = 1                 # the smallest array the importer accepts
    answer_noun: ClassVar[str] = "answer"         # "maximum profit", "h-index", ...
    answer_what: ClassVar[str | None] = None      # the asked quantity in parse reasons, e.g. "the h-index"
    answer_prefix: ClassVar[re.Pattern | None] = None  # a task prefix such as ``h = `` removed before parsing
    list_reason: ClassVar[str | None] = None      # the reason when several numbers look like a list
    fractional_answers: ClassVar[bool] = False    # a non-integral number parses (and is wrong) instead of failing
    answer_format = "a single integer, e.g. 17"
    max_answer_chars = INT_MAX_CHARS

    # ----- the problem ----------------------------------------------------------------------------
    @staticmethod
    def compute(values: tuple[int, ...]) -> int:
        """The exact answer for the array."""
        raise NotImplementedError

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
    def chart(self, inst: Instance, size: int = 512):
        """(image, :class:`~mmhelix_env.render.chart.ChartLayout`) of the array's chart."""
        raise NotImplementedError(f"{self.name} draws its picture in render()")

    def render(self, inst: Instance, play: Any = None, size: int = 512):
        return self.chart(inst, size)[0]

    # ----- verification -------------------------------------------------------------------------
    def wrong_reason(self, inst: Instance, value: Fraction, best: int) -> str:
        """Why the integer ``value`` (≠ best) breaks the rules; never states the answer itself."""
        return f"{show_value(value)} is not the {self.answer_noun}"

    def correct_reason(self, inst: Instance, value: int) -> str:
        return f"correct: the {self.answer_noun} is {value}"

    def check(self, inst: Instance, answer: str) -> Verdict:
        value = parse_single_int(answer, prefix=self.answer_prefix, what=self.answer_what,
                                 list_reason=self.list_reason, fractional=self.fractional_answers,
                                 max_chars=self.max_answer_chars)
        best = int(self.solution(inst))
        return int_verdict(value, best, noun=self.answer_noun, wrong=lambda x: self.wrong_reason(inst, x, best),
                           correct=lambda x: self.correct_reason(inst, x))

    # ----- reference records --------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        return {self.array_key: array_from_record(record, self.record_keys, min_value=0, min_len=self.min_length)}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        return level_from_index(record) or level_from_length(len(state[self.array_key]), self.lengths)

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> int:
        return int(self.solution(inst))


__all__ = ["ARRAY_LEVELS", "FORMAT_SENTENCE", "INT_MAX_CHARS", "ArrayAnswerTask", "array_from_record", "format_list",
           "int_verdict", "level_from_index", "level_from_length", "parse_single_int", "partial_score",
           "show_value"]
