"""Shared lenient parsers for extracted answers.

Every parser either returns a normalised value or raises :class:`ParseError` whose message is the
verifier's reason. Only ASCII digits count as digits (``re.ASCII``): ``"١٢"`` or full-width digits are
not numbers here. All parsers are linear in the input and refuse input over their length cap.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

DEFAULT_MAX_CHARS = 20_000


class ParseError(ValueError):
    """The answer could not be read; ``str(err)`` is the reason shown to the agent."""


def bounded(text: object, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    if not isinstance(text, str):
        raise ParseError(f"answer must be text, got {type(text).__name__}")
    if len(text) > max_chars:
        raise ParseError(f"answer too long ({len(text)} characters; at most {max_chars})")
    if not text.strip():
        raise ParseError("empty answer")
    return text


_MARKUP = re.compile(r"\*\*|__|`+|\$+|\\[()\[\]]|\\[,;!: ]|\\quad|\\qquad")
_LATEX_WRAP = re.compile(r"\\(?:text|textbf|mathrm|mathbf|boxed)\s*\{([^{}]*)\}")


_NON_ASCII_DIGIT = re.compile(r"(?![0-9])[\d\u00b2\u00b3\u00b9\u2070-\u2079\u2080-\u2089]")


def numeric(text: str) -> str:
    """``text`` unchanged if every digit in it is an ASCII digit; otherwise ParseError naming the first
    other digit (e.g. '٣', '２', '⁴'): such a character would otherwise silently vanish from a number."""
    m = _NON_ASCII_DIGIT.search(text)
    if m:
        ch = m.group()
        raise ParseError(f"only ASCII digits 0-9 count as digits; found {ch!r} (U+{ord(ch):04X})")
    return text


def clean_markup(text: str) -> str:
    """Strip markdown emphasis, math delimiters and simple LaTeX text wrappers."""
    for _ in range(3):
        new = _LATEX_WRAP.sub(r"\1", text)
        if new == text:
            break
        text = new
    return _MARKUP.sub(" ", text).strip()


_NUMBER = re.compile(r"(?<![\w.])([-+]?)(\d+(?:\.\d+)?|\.\d+)(?:\s*/\s*(\d+))?(?![\w.]*\d)", re.ASCII)


def parse_number(text: str, *, max_chars: int = 2_000) -> Fraction:
    """Exactly one number (integer, decimal or ``a/b``) with markup, units or a trailing period around it."""
    text = clean_markup(numeric(bounded(text, max_chars)))
    text = text.rstrip(" .。")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text, flags=re.ASCII)  # thousands separators
    found = _NUMBER.findall(text)
    if not found:
        raise ParseError("no number found")
    if len(found) > 1:
        raise ParseError(f"expected exactly one number, found {len(found)}")
    sign, body, denominator = found[0]
    value = Fraction(body)
    if denominator:
        if int(denominator) == 0:
            raise ParseError("division by zero in the answer")
        value /= int(denominator)
    return -value if sign == "-" else value


def parse_int(text: str, *, max_chars: int = 2_000) -> int:
    value = parse_number(text, max_chars=max_chars)
    if value.denominator != 1:
        raise ParseError(f"expected an integer, got {float(value):g}")
    return int(value)


_INT = re.compile(r"(?<![\w.])-?\d+(?![\w.]*\d)", re.ASCII)


def find_ints(text: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> list[int]:
    """Every integer in order (no decimals)."""
    return [int(tok) for tok in _INT.findall(numeric(bounded(text, max_chars)))]


@dataclass(frozen=True)
class NodeList:
    nodes: tuple[int, ...]
    says_no: bool


_NO = re.compile(r"^\W*(no|none|impossible|does not exist|doesn't exist|no solution|not possible)\b", re.I)


def parse_node_list(text: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> NodeList:
    """A list of node ids like ``[0, 1, 2]`` / ``0 -> 1 -> 2``, or a ``No`` answer."""
    text = clean_markup(numeric(bounded(text, max_chars)))
    if _NO.match(text):
        return NodeList((), True)
    nodes = find_ints(text, max_chars=max_chars)
    if not nodes:
        raise ParseError("no node list found")
    return NodeList(tuple(nodes), False)


_COORD = re.compile(r"[(\[]\s*(-?\d+)\s*[,;\s]\s*(-?\d+)\s*[)\]]", re.ASCII)


def parse_coords(text: str, *, max_chars: int = DEFAULT_MAX_CHARS, max_items: int = 10_000) -> list[tuple[int, int]]:
    """Pairs written ``(a, b)`` or ``[a, b]`` in order; anything between them is ignored."""
    pairs = [(int(a), int(b)) for a, b in _COORD.findall(numeric(bounded(text, max_chars)))]
    if not pairs:
        raise ParseError("no coordinates like (row, col) found")
    if len(pairs) > max_items:
        raise ParseError(f"too many coordinates ({len(pairs)})")
    return pairs


_CELL_TOKEN = re.compile(r"\d+|(?<![\w])[.](?![\w])|_", re.ASCII)


def parse_int_grid(
    text: str,
    rows: int,
    cols: int,
    *,
    blanks: Sequence[str] = (".", "_", "0"),
    single_digit: bool = True,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> list[list[int | None]]:
    """A rows×cols grid of non-negative integers in any layout: nested lists, lines, commas, ``|``
    separators, or a run of digits without separators (``single_digit`` grids only). Blank tokens
    parse as ``None`` so the verifier can say which cell is empty."""
    text = numeric(bounded(text, max_chars))
    tokens = _CELL_TOKEN.findall(text)
    need = rows * cols
    if len(tokens) != need and single_digit:
        digits = "".join(tok for tok in tokens if tok.isdigit())
        if len(digits) == need and all(len(tok) != 1 or tok.isdigit() for tok in tokens):
            tokens = list(digits)
    if len(tokens) != need:
        raise ParseError(f"expected {need} cell values ({rows}x{cols}), found {len(tokens)}")
    values = [None if tok in blanks else int(tok) for tok in tokens]
    return [values[r * cols : (r + 1) * cols] for r in range(rows)]


_WORD = re.compile(r"[A-Za-z]+")


def parse_moves(
    text: str,
    words: Mapping[str, str],
    *,
    letters: Mapping[str, str] | None = None,
    max_moves: int = 10_000,
    max_chars: int = 200_000,
) -> tuple[list[str], int]:
    """Direction words matched as whole words (any case, any separators), in order.

    ``words`` maps lower-case spellings to canonical moves. ``letters`` (one-letter forms such as
    ``u d l r``) are used only when the answer has no full move word and consists of nothing but
    those letters and separators. Returns (moves, number of ignored words).
    """
    text = bounded(text, max_chars)
    tokens = _WORD.findall(text)
    moves = [words[t.lower()] for t in tokens if t.lower() in words]
    ignored = len(tokens) - len(moves)
    if not moves and letters:
        lowered = [t.lower() for t in tokens]
        if lowered and all(set(t) <= set(letters) for t in lowered):
            moves = [letters[ch] for t in lowered for ch in t]
            ignored = 0
    if not moves:
        raise ParseError("no moves found")
    if len(moves) > max_moves:
        raise ParseError(f"too many moves ({len(moves)}; at most {max_moves})")
    return moves, ignored
