"""Shared pieces of the single-integer array tasks (CountHillsAndValleys, HIndex, LongestIncreasingSubsequence).

- :func:`parse_single_int`: the lenient single-integer grammar of those specs ("Answer format and parsing"):
  whitespace, markdown emphasis, ``$…$``, ``\\text{}``/``\\mathbf{}``, a task prefix such as ``h = 5`` or
  ``length = 7``, a trailing period or words, integral decimals (``6.0``). Exactly one number must remain, else
  the answer is ambiguous; only ASCII digits are digits (a non-ASCII digit anywhere is rejected).
- :func:`int_verdict`: the rule verdict with the specs' diagnostic partial score
  0.5 · max(0, 1 − |x − a| / max(1, a)) and a task-specific reason for a value that is too high / too low.
- :func:`array_from_record` / :func:`level_from_index` / :func:`level_from_length`: the reference-record importer
  of an integer array stored under ``initial_state[key]`` (a dict, or its JSON / Python-literal text), with the
  list in the text question as the fallback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ...core import ParseError, RecordError, Verdict, bounded, clean_markup, numeric, parse_number, record_field

INT_MAX_CHARS = 2_000
# level -> (array length range, max value) shared by the three array tasks (values start at 0 or 1 per task)
ARRAY_LEVELS: dict[int, tuple[tuple[int, int], int]] = {
    1: ((5, 10), 20),
    2: ((10, 20), 40),
    3: ((20, 30), 60),
    4: ((30, 40), 80),
    5: ((40, 70), 100),
}
MAX_RECORD_LEN = 500
MAX_RECORD_VALUE = 1_000_000

_LISTLIKE = re.compile(r"\d\s*[,;]\s*[-+]?\d|[\[({]\s*[-+]?\d+(?:\.\d+)?\s*[,;\s]\s*[-+]?\d", re.ASCII)
_LIST_IN_TEXT = re.compile(r"\[\s*(-?\d+(?:\s*,\s*-?\d+)*)\s*,?\s*\]", re.ASCII)
_LEVEL_IN_INDEX = re.compile(r"difficulty_?(\d)", re.ASCII | re.I)


def parse_single_int(text: str, *, prefix: re.Pattern | None = None, what: str = "the answer",
                     list_reason: str | None = None, max_chars: int = INT_MAX_CHARS) -> int:
    """Exactly one integer in ``text`` (see the module doc); raises ParseError with the reason.

    ``prefix`` is a compiled pattern matched (case-insensitively, at the start of the cleaned text) and removed,
    e.g. ``h = `` or ``length:``. ``list_reason`` is the reason used when several numbers look like a list."""
    text = numeric(bounded(text, max_chars))
    body = clean_markup(text)
    if prefix is not None:
        m = prefix.match(body)
        if m:
            body = body[m.end():]
    if not body.strip():
        raise ParseError(f"no number found: answer with a single integer ({what})")
    try:
        value = parse_number(body, max_chars=max_chars)
    except ParseError as err:
        msg = str(err)
        if msg.startswith("expected exactly one number"):
            if list_reason and _LISTLIKE.search(body):
                raise ParseError(list_reason) from None
            raise ParseError(f"ambiguous answer: {msg}; answer with a single integer ({what})") from None
        raise ParseError(f"{msg}: answer with a single integer ({what})") from None
    if value.denominator != 1:
        raise ParseError(f"expected an integer, got {float(value):g}")
    return int(value)


def int_verdict(value: int, expected: int, *, noun: str, too_high: Callable[[int], str],
                too_low: Callable[[int], str], correct: Callable[[int], str]) -> Verdict:
    """Correct iff ``value == expected``; otherwise a reason from ``too_high``/``too_low`` and the partial score
    0.5 · max(0, 1 − |x − a| / max(1, a))."""
    if value == expected:
        return Verdict.ok(value, correct(value))
    score = 0.5 * max(0.0, 1.0 - abs(value - expected) / max(1, expected))
    why = too_high(value) if value > expected else too_low(value)
    return Verdict.fail(f"wrong {noun} {value}: {why}", score=score, parsed=value)


# ---------------------------------------------------------------------------------------------------------------
# Reference records


def _int_list(raw, key: str, min_value: int) -> list[int]:
    if not isinstance(raw, (list, tuple)):
        raise RecordError(f"{key} must be a list of integers, got {type(raw).__name__}")
    if not 1 <= len(raw) <= MAX_RECORD_LEN:
        raise RecordError(f"{key} must hold 1..{MAX_RECORD_LEN} values, got {len(raw)}")
    out = []
    for x in raw:
        if isinstance(x, float) and x.is_integer():
            x = int(x)
        if isinstance(x, bool) or not isinstance(x, int) or not min_value <= x <= MAX_RECORD_VALUE:
            raise RecordError(f"{key} values must be integers in {min_value}..{MAX_RECORD_VALUE}, got {x!r}"[:200])
        out.append(int(x))
    return out


def array_from_record(record: dict, key: str, *, min_value: int, min_len: int = 1) -> list[int]:
    """The integer array of a record: ``initial_state[key]`` (or a bare list), else the first ``[..]`` list of
    integers in the text question."""
    state = record_field(record.get("initial_state"))
    raw = None
    if isinstance(state, dict):
        raw = state.get(key)
        if isinstance(raw, str):
            raw = record_field(raw)
    elif isinstance(state, (list, tuple)):
        raw = state
    if raw is None:
        for field in ("question_language", "question_text", "question"):
            text = record.get(field)
            if not isinstance(text, str):
                continue
            m = _LIST_IN_TEXT.search(text[:100_000])
            if m:
                raw = [int(tok) for tok in m.group(1).split(",")]
                break
    if raw is None:
        raise RecordError(f"record has no initial_state[{key!r}] and no integer list in its question")
    values = _int_list(raw, key, min_value)
    if len(values) < min_len:
        raise RecordError(f"{key} needs at least {min_len} values, got {len(values)}")
    return values


def level_from_index(record: dict) -> int | None:
    """The level named in a record's index / id (``..._difficulty3_1`` or ``..._difficulty_3_1``), or None."""
    index = str(record.get("index", record.get("id", "")))
    m = _LEVEL_IN_INDEX.search(index)
    if m and 1 <= int(m.group(1)) <= 5:
        return int(m.group(1))
    return None


def level_from_length(n: int, ranges: dict[int, tuple[int, int]]) -> int | None:
    """The first level whose array-length range holds ``n``."""
    return next((lv for lv, (lo, hi) in sorted(ranges.items()) if lo <= n <= hi), None)


def format_list(values: Sequence[int]) -> str:
    return "[" + ", ".join(str(int(v)) for v in values) + "]"


__all__ = ["ARRAY_LEVELS", "INT_MAX_CHARS", "array_from_record", "format_list", "int_verdict", "level_from_index",
           "level_from_length", "parse_single_int"]
