"""24Points (MM-HELIX ``24_points``): combine four numbers with + - × ÷ and parentheses into 24.

Arithmetic is exact throughout: a rational is a reduced ``(numerator, denominator)`` pair of Python ints with a
positive denominator (the same values as :class:`fractions.Fraction`, several times faster to build and hash).

Solution counting (spec/tasks/24Points.md, "distinct solutions"): expression trees with value 24, the operands of
every ``+``/``×`` in canonical order and equal numbers interchangeable. :func:`values` maps a sorted tuple of leaf
values (a sub-multiset) to ``{value: number of distinct canonical trees}``; a tree of a multiset is
``op(tree of A, tree of B)`` over the splits of the multiset into sub-multisets A and B — ordered splits for
``-``/``÷``, unordered ones for ``+``/``×`` (with pairs of trees from the same sub-multiset counted with
replacement). :func:`count_solutions` never builds the full table of four numbers: for each split it looks up the
partner value that makes 24. Both are cached per multiset (pure functions; generation stays a pure function of
the seed).

Solving (and the expert trace) is the human pairwise reduction: pick two numbers, replace them by one result of
``+ - × ÷`` and go on with one number fewer, in a fixed order; a choice is followed only when the numbers left can
still make 24 (a lookup in :func:`values`), so the search never backtracks below the first level.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from functools import lru_cache
from math import gcd
from typing import Any

import numpy as np

from ...core import GenerationError, Instance, ParseError, RecordError, Task, Verdict, record_field
from ...render import INK, MUTED, WHITE, draw_text, fit_font, font, new_canvas

TARGET = 24
TARGET_Q = (TARGET, 1)
EXCLUDED = (2, 3, 8, 9)  # the benchmark's example answer "(9 - 3) × 8 ÷ 2" solves it
MAX_ATTEMPTS = 10_000
MAX_NUMBER = 1_000_000  # importer bound on the numbers of a record

# level -> (lowest, highest, distinct numbers, cap on the number of distinct solutions)
LEVELS: dict[int, tuple[int, int, bool, int | None]] = {
    1: (1, 9, False, None),
    2: (1, 13, False, None),
    3: (1, 20, False, None),
    4: (1, 20, True, 4),
    5: (3, 25, True, 2),
}

Q = tuple[int, int]  # exact rational (numerator, denominator > 0), reduced
Expr = Any  # int leaf or (op, left, right) with op in "+-*/"

# ---------------------------------------------------------------------------------------------------------------
# Exact rationals


def _q(n: int, d: int) -> Q:
    if d < 0:
        n, d = -n, -d
    g = gcd(n, d)
    return (n // g, d // g) if g > 1 else (n, d)


def q_add(a: Q, b: Q) -> Q:
    if a[1] == 1 and b[1] == 1:
        return (a[0] + b[0], 1)
    return _q(a[0] * b[1] + b[0] * a[1], a[1] * b[1])


def q_sub(a: Q, b: Q) -> Q:
    if a[1] == 1 and b[1] == 1:
        return (a[0] - b[0], 1)
    return _q(a[0] * b[1] - b[0] * a[1], a[1] * b[1])


def q_mul(a: Q, b: Q) -> Q:
    if a[1] == 1 and b[1] == 1:
        return (a[0] * b[0], 1)
    return _q(a[0] * b[0], a[1] * b[1])


def q_div(a: Q, b: Q) -> Q:
    """a ÷ b; the caller makes sure b is not zero."""
    return _q(a[0] * b[1], a[1] * b[0])


def q_str(a: Q) -> str:
    return str(a[0]) if a[1] == 1 else f"{a[0]}/{a[1]}"


def q_key(a: Q) -> Fraction:
    return Fraction(a[0], a[1])


def q_apply(op: str, a: Q, b: Q) -> Q | None:
    """a op b, or None for a division by zero."""
    if op == "+":
        return q_add(a, b)
    if op == "-":
        return q_sub(a, b)
    if op == "*":
        return q_mul(a, b)
    return None if b[0] == 0 else q_div(a, b)


# ---------------------------------------------------------------------------------------------------------------
# Counting distinct solutions


def _splits(s: tuple) -> list[tuple[tuple, tuple]]:
    """Every ordered split of the multiset ``s`` into two non-empty sub-multisets (each once)."""
    n = len(s)
    seen: set[tuple] = set()
    out = []
    for mask in range(1, (1 << n) - 1):
        a = tuple(s[i] for i in range(n) if mask >> i & 1)
        if a not in seen:
            seen.add(a)
            out.append((a, tuple(s[i] for i in range(n) if not mask >> i & 1)))
    return out


@lru_cache(maxsize=1 << 14)
def values(s: tuple[Q, ...]) -> dict[Q, int]:
    """{value: number of distinct canonical expression trees} over the multiset ``s`` (sorted tuple of Q).
    The returned dict is shared by the cache: do not mutate it."""
    if len(s) == 1:
        return {s[0]: 1}
    out: dict[Q, int] = {}
    get = out.get
    for a, b in _splits(s):
        va, vb = values(a), values(b)
        for l, cl in va.items():
            for r, cr in vb.items():
                c = cl * cr
                v = q_sub(l, r)
                out[v] = get(v, 0) + c
                if r[0]:
                    v = q_div(l, r)
                    out[v] = get(v, 0) + c
        if a < b:  # + and × once per unordered split
            for l, cl in va.items():
                for r, cr in vb.items():
                    c = cl * cr
                    v = q_add(l, r)
                    out[v] = get(v, 0) + c
                    v = q_mul(l, r)
                    out[v] = get(v, 0) + c
        elif a == b:  # both operands from the same sub-multiset: unordered pairs of trees, with replacement
            items = sorted(va.items())
            for i, (l, cl) in enumerate(items):
                for r, cr in items[i:]:
                    c = cl * (cl + 1) // 2 if r == l else cl * cr
                    v = q_add(l, r)
                    out[v] = get(v, 0) + c
                    v = q_mul(l, r)
                    out[v] = get(v, 0) + c
    return out


def _multiset(numbers) -> tuple[Q, ...]:
    return tuple((int(x), 1) for x in sorted(int(x) for x in numbers))


@lru_cache(maxsize=1 << 15)
def _count(s: tuple[Q, ...], cap: int | None) -> int:
    total = 0
    t = TARGET
    for a, b in _splits(s):
        va, vb = values(a), values(b)
        g = vb.get
        same = a == b
        sub = 0  # ordered-pair count of + and × when a == b
        for (ln, ld), cl in va.items():
            total += cl * g((ln - t * ld, ld), 0)  # l - r = 24  ->  r = l - 24 (already reduced)
            k = g((t * ld - ln, ld), 0)  # l + r = 24
            if ln:
                total += cl * g(_q(ln, ld * t), 0)  # l ÷ r = 24  ->  r = l / 24
                k += g(_q(t * ld, ln), 0)  # l × r = 24  ->  r = 24 / l
            if a < b:
                total += cl * k
            elif same:
                sub += cl * k
        if same:
            sub += va.get(_q(t, 2), 0)  # trees t + t = 24 (t × t = 24 has no rational root)
            total += sub // 2
        if cap is not None and total > cap:
            break
    return total


def count_solutions(numbers, cap: int | None = None) -> int:
    """Number of distinct solutions (see module doc); with ``cap`` it may stop early at any count > cap."""
    s = _multiset(numbers)
    if len(s) == 1:
        return int(s[0] == TARGET_Q)
    return _count(s, cap)


def solvable(numbers) -> bool:
    s = _multiset(numbers)
    return TARGET_Q in values(s) if len(s) < 4 else _count(s, 0) > 0


# ---------------------------------------------------------------------------------------------------------------
# Expressions

SHOW = {"+": "+", "-": "-", "*": "×", "/": "÷"}
PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


def leaves(e: Expr) -> list[int]:
    if isinstance(e, int):
        return [e]
    return leaves(e[1]) + leaves(e[2])


def evaluate(e: Expr) -> Q:
    """Exact value; raises ZeroDivisionError for a division by zero."""
    if isinstance(e, int):
        return (e, 1)
    l, r = evaluate(e[1]), evaluate(e[2])
    v = q_apply(e[0], l, r)
    if v is None:
        raise ZeroDivisionError(f"division by zero in {format_expr(e)}")
    return v


def format_expr(e: Expr) -> str:
    """Benchmark format: × and ÷, single spaces, only the parentheses that the value needs. For + and × the
    operand with more numbers is written first, so (1 + 2 + 3) × 4 rather than 4 × (1 + 2 + 3)."""
    if isinstance(e, int):
        return str(e)
    op, l, r = e
    if op in "+*" and not isinstance(r, int) and (isinstance(l, int) or len(leaves(r)) > len(leaves(l))):
        l, r = r, l
    ls, rs = format_expr(l), format_expr(r)
    if not isinstance(l, int) and PREC[l[0]] < PREC[op]:
        ls = f"({ls})"
    if not isinstance(r, int) and (PREC[r[0]] < PREC[op] or (PREC[r[0]] == PREC[op] and op in "-/")):
        rs = f"({rs})"
    return f"{ls} {SHOW[op]} {rs}"


# ---------------------------------------------------------------------------------------------------------------
# Pairwise-reduction search (solver and trace)

OP_ORDER = ("+", "-", "*", "/", "-r", "/r")  # "-r"/"/r": smaller minus / over larger


def _candidates(items: list[tuple[Q, Expr]]):
    """(i, j, op, left item, right item, value) for every pair i < j (items sorted ascending) in the fixed
    order: a + b, b - a, a × b, b ÷ a, a - b, a ÷ b (a ≤ b); divisions by zero are skipped."""
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            a, b = items[i], items[j]
            for op in OP_ORDER:
                if op == "+" or op == "*":
                    x, y = a, b
                elif op in ("-", "/"):
                    x, y = b, a
                else:
                    x, y = a, b
                v = q_apply(op[0], x[0], y[0])
                if v is not None:
                    yield i, j, op[0], x, y, v


def _sorted_items(items: list[tuple[Q, Expr]]) -> list[tuple[Q, Expr]]:
    return sorted(items, key=lambda it: q_key(it[0]))


def _partners(z: Q) -> set[Q]:
    """Every w with w op z = 24 or z op w = 24 for some operation."""
    out = {q_sub(TARGET_Q, z), q_add(TARGET_Q, z), q_sub(z, TARGET_Q)}
    if z[0]:
        out |= {q_div(TARGET_Q, z), q_mul(TARGET_Q, z), q_div(z, TARGET_Q)}
    return out


def _reachable(vals: tuple[Q, ...]) -> bool:
    """Whether the (rational) numbers ``vals`` can still make 24 (a direct check for up to three numbers)."""
    if len(vals) == 1:
        return vals[0] == TARGET_Q
    if len(vals) == 2:
        a, b = vals
        return any(q_apply(op, x, y) == TARGET_Q for op in "+-*/" for x, y in ((a, b), (b, a)))
    if len(vals) == 3:
        for k in range(3):
            x, y = (vals[i] for i in range(3) if i != k)
            need = _partners(vals[k])
            if any(q_apply(op, u, w) in need for op in "+-*/" for u, w in ((x, y), (y, x))):
                return True
        return False
    return TARGET_Q in values(tuple(sorted(vals)))


def search(numbers, log: list | None = None) -> tuple[Expr | None, int]:
    """First solution of the pairwise reduction in the fixed order, and the number of choices tried.
    ``log`` (optional) receives one entry per level: (numbers, [(text, rest values, ok)])."""
    items = _sorted_items([((int(x), 1), int(x)) for x in numbers])
    if not _reachable(tuple(v for v, _ in items)):
        return None, 0
    tried = 0
    while len(items) > 1:
        seen: set[tuple] = set()
        level_log: list = []
        chosen = None
        for i, j, op, x, y, v in _candidates(items):
            rest = [it for k, it in enumerate(items) if k != i and k != j]
            rest_vals = tuple(sorted([it[0] for it in rest] + [v]))
            if rest_vals in seen:
                continue
            seen.add(rest_vals)
            tried += 1
            ok = _reachable(rest_vals)
            if log is not None:
                level_log.append((f"{q_str(x[0])} {SHOW[op]} {q_str(y[0])} = {q_str(v)}", rest_vals, ok))
            if ok:
                chosen = _sorted_items(rest + [(v, (op, x[1], y[1]))])
                break
        if log is not None:
            log.append(([it[0] for it in items], level_log))
        if chosen is None:  # pragma: no cover - impossible once the start is reachable
            return None, tried
        items = chosen
    return items[0][1], tried


@lru_cache(maxsize=4096)
def _solve_cached(numbers: tuple[int, ...]) -> tuple[str | None, int]:
    expr, tried = search(numbers)
    return (None if expr is None else format_expr(expr)), tried


# ---------------------------------------------------------------------------------------------------------------
# Parsing answers

MAX_DEPTH = 20
MAX_CHARS = 200
_OPS = {"+": "+", "-": "-", "−": "-", "–": "-", "—": "-", "*": "*", "×": "*", "·": "*", "x": "*", "X": "*",
        "/": "/", "÷": "/", ":": "/"}
_OPEN = {"(": "(", "[": "(", "{": "("}
_CLOSE = {")": ")", "]": ")", "}": ")"}
_LATEX = {"times": "*", "cdot": "*", "div": "/", "{": "(", "}": ")", "[": "(", "]": ")", "(": "(", ")": ")"}
_LATEX_SPACE = {",", ";", "!", " ", ":", "quad", "qquad"}
_FORBIDDEN = {"^": "'^' (power) is not allowed", "!": "'!' (factorial) is not allowed",
              "%": "'%' (modulo) is not allowed", "√": "roots are not allowed",
              ".": "decimal points are not allowed", ",": "',' is not allowed (write integers without separators)"}
DIGITS = "0123456789"
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _strip_wrappers(text: str) -> str:
    text = text.strip()
    for _ in range(3):
        before = text
        if len(text) >= 2 and text[0] == "$" and text[-1] == "$":
            text = text.strip("$").strip()
        for lo, hi in (("\\(", "\\)"), ("\\[", "\\]")):
            if text.startswith(lo) and text.endswith(hi) and len(text) >= 4:
                text = text[2:-2].strip()
        if text.endswith(".") and len(text) > 1 and (text[-2] in DIGITS or text[-2] in ")]} "):
            text = text[:-1].rstrip()  # a sentence-final period, as in the format sentence
        if text == before:
            break
    head = text[:-2].rstrip() if text.endswith("24") else ""
    if head.endswith("=") and not head.endswith("=="):  # one trailing "= 24" ...
        text = head[:-1].rstrip()
    elif text.startswith("24"):  # ... or one leading "24 ="
        tail = text[2:].lstrip()
        if tail.startswith("=") and not tail.startswith("=="):
            text = tail[1:].lstrip()
    return text


def tokenize(text: str) -> list[tuple[str, Any, int]]:
    """Tokens (kind, value, position): ("int", n), ("op", "+-*/"), ("(", None), (")", None)."""
    tokens: list[tuple[str, Any, int]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in DIGITS:
            j = i
            while j < n and text[j] in DIGITS:
                j += 1
            if j < n and text[j] == "." and j + 1 < n and text[j + 1] in DIGITS:
                k = j + 1
                while k < n and text[k] in DIGITS:
                    k += 1
                raise ParseError(f"decimal number '{text[i:k]}' is not allowed; use the integers as given")
            tokens.append(("int", int(text[i:j]), i))
            i = j
            continue
        if ch.isspace():
            i += 1
            continue
        if ch == "*" and text.startswith("**", i):
            raise ParseError(f"'**' (power) at character {i + 1} is not allowed")
        if ch == "/" and text.startswith("//", i):
            raise ParseError(f"'//' (integer division) at character {i + 1} is not allowed")
        if ch == "=":
            raise ParseError(f"unexpected '=' at character {i + 1}; give only the expression (an optional "
                             "'= 24' at the end is fine)")
        if ch == "\\":
            j = i + 1
            while j < n and text[j] in _ASCII_LETTERS:
                j += 1
            name = text[i + 1 : j] if j > i + 1 else text[i + 1 : i + 2]
            end = j if j > i + 1 else i + 2
            if name in ("left", "right"):
                i = end
                continue
            if name in _LATEX_SPACE:
                i = end
                continue
            if name in _LATEX:
                sym = _LATEX[name]
                tokens.append(("op", sym, i) if sym in "*/" else (sym, None, i))
                i = end
                continue
            raise ParseError(f"unsupported LaTeX command '\\{name}' at character {i + 1}")
        if ch in _ASCII_LETTERS:
            j = i
            while j < n and text[j] in _ASCII_LETTERS:
                j += 1
            word = text[i:j]
            if word in ("x", "X"):
                tokens.append(("op", "*", i))
                i = j
                continue
            raise ParseError(f"unexpected word '{word}' at character {i + 1}; only numbers, + - × ÷ and "
                             "parentheses are allowed")
        if ch in _OPS:
            tokens.append(("op", _OPS[ch], i))
        elif ch in _OPEN:
            tokens.append(("(", None, i))
        elif ch in _CLOSE:
            tokens.append((")", None, i))
        elif ch in _FORBIDDEN:
            raise ParseError(f"{_FORBIDDEN[ch]} (character {i + 1})")
        else:
            raise ParseError(f"unexpected character {ch!r} at character {i + 1}; only numbers, + - × ÷ and "
                             "parentheses are allowed")
        i += 1
    return tokens


def _tok_name(tok: tuple[str, Any, int] | None) -> str:
    if tok is None:
        return "the end"
    kind, value, _ = tok
    if kind == "int":
        return f"'{value}'"
    if kind == "op":
        return f"'{SHOW[value]}'"
    return f"'{kind}'"


class _Parser:
    """expr := term (('+'|'-') term)* ; term := factor (('*'|'/') factor)* ; factor := INT | '(' expr ')'."""

    def __init__(self, tokens: list[tuple[str, Any, int]]) -> None:
        self.toks = tokens
        self.pos = 0
        self.depth = 0

    def peek(self):
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def parse(self) -> Expr:
        if not self.toks:
            raise ParseError("empty expression")
        e = self.expr()
        tok = self.peek()
        if tok is not None:
            if tok[0] == ")":
                raise ParseError(f"unmatched ')' at character {tok[2] + 1}")
            prev = self.toks[self.pos - 1]
            raise ParseError(f"missing operator between {_tok_name(prev)} and {_tok_name(tok)} at character "
                             f"{tok[2] + 1} (implicit multiplication is not allowed)")
        return e

    def expr(self) -> Expr:
        e = self.term()
        while (tok := self.peek()) is not None and tok[0] == "op" and tok[1] in "+-":
            self.pos += 1
            e = (tok[1], e, self.term())
        return e

    def term(self) -> Expr:
        e = self.factor()
        while (tok := self.peek()) is not None and tok[0] == "op" and tok[1] in "*/":
            self.pos += 1
            e = (tok[1], e, self.factor())
        return e

    def factor(self) -> Expr:
        tok = self.peek()
        if tok is None:
            after = _tok_name(self.toks[-1])
            raise ParseError(f"the expression ends after {after}; a number or '(' is missing")
        kind, value, where = tok
        if kind == "int":
            self.pos += 1
            return value
        if kind == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ParseError(f"parentheses nested deeper than {MAX_DEPTH} levels")
            self.pos += 1
            e = self.expr()
            close = self.peek()
            if close is None or close[0] != ")":
                if close is None:
                    raise ParseError(f"'(' at character {where + 1} is never closed")
                raise ParseError(f"expected ')' for the '(' at character {where + 1}, found {_tok_name(close)} "
                                 f"at character {close[2] + 1}")
            self.pos += 1
            self.depth -= 1
            return e
        if kind == "op" and value in "+-" and (self.pos == 0 or self.toks[self.pos - 1][0] in ("op", "(")):
            raise ParseError(f"unary '{SHOW[value]}' at character {where + 1} is not allowed; every operator "
                             "needs two operands")
        if kind == ")":
            raise ParseError(f"unexpected ')' at character {where + 1}; a number or '(' is missing before it")
        raise ParseError(f"unexpected {_tok_name(tok)} at character {where + 1}; a number or '(' is missing "
                         "before it")


def parse_expression(text: str) -> Expr:
    """Parse an answer leniently (spec "Answer format and parsing"); raises ParseError naming the problem."""
    if not isinstance(text, str):
        raise ParseError("answer must be text")
    if len(text) > MAX_CHARS:
        raise ParseError(f"answer too long ({len(text)} characters; at most {MAX_CHARS})")
    body = _strip_wrappers(text)
    if not body:
        raise ParseError("empty answer")
    return _Parser(tokenize(body)).parse()


def _multiset_diff(want: list[int], got: list[int]) -> str:
    missing = sorted((Counter(want) - Counter(got)).elements())
    extra = Counter(got) - Counter(want)
    parts = []
    if missing:
        parts.append("missing " + ", ".join(map(str, missing)))
    foreign = sorted(x for x in extra.elements() if x not in want)
    if foreign:
        parts.append("not given: " + ", ".join(map(str, foreign)))
    for x in sorted(x for x in extra if x in want):
        given = want.count(x)
        parts.append(f"{x} used {given + extra[x]} times but given {given} time{'s' if given > 1 else ''}")
    return "; ".join(parts)


# ---------------------------------------------------------------------------------------------------------------
# Picture

CANVAS = (241, 244, 248)
TITLE = "TWENTY-FOUR POINTS"  # no digits: the four numbers are the only digits in the picture
HINT = "use every card once"


def card_layout(numbers, size: int = 512) -> tuple[list[tuple[int, int, int, int]], int]:
    """The four card boxes (left to right) and the bold font size of their numbers: the largest up to 84 px (at
    512) whose widest number fits a card with a margin; 2-digit numbers get 64 px or more at 512."""
    s = size / 512
    margin, gap = 24 * s, 20 * s
    card_w = (size - 2 * margin - 3 * gap) / 4
    card_h = card_w * 1.5
    top = 188 * s
    boxes = []
    for k in range(4):
        x0 = margin + k * (card_w + gap)
        boxes.append((round(x0), round(top), round(x0 + card_w), round(top + card_h)))
    widest = max((str(x) for x in numbers), key=lambda t: (len(t), t))
    fs = int(min(84 * s, card_h * 0.5))
    while fs > 6:
        l, _, r, _ = font(fs, bold=True).getbbox(widest)
        if r - l <= card_w - 10 * s:
            break
        fs -= 1
    return boxes, fs


# ---------------------------------------------------------------------------------------------------------------
# The task


class Points24(Task):
    name = "24Points"
    category = "algorithms"
    benchmark_id = "24Points"
    generator_key = "24_points"
    score_function = "24points_evaluator"
    version = "1"
    answer_format = "one expression using each of the four numbers once with + - × ÷ and parentheses, value 24"
    max_answer_chars = MAX_CHARS

    # ----- generation -----------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        lo, hi, distinct, cap = LEVELS[level]
        pool = np.arange(lo, hi + 1)
        for _ in range(MAX_ATTEMPTS):
            if distinct:
                draw = rng.choice(pool, size=4, replace=False)
            else:
                draw = rng.integers(lo, hi + 1, size=4)
            numbers = tuple(sorted(int(x) for x in draw))
            if numbers == EXCLUDED:
                continue
            count = count_solutions(numbers, cap=cap if cap is not None else 0)
            if count == 0 or (cap is not None and count > cap):
                continue
            expr, _ = _solve_cached(numbers)
            return {"numbers": list(numbers)}, expr
        raise GenerationError(f"24Points level {level}: no acceptable draw in {MAX_ATTEMPTS} attempts")

    # ----- solving --------------------------------------------------------------------------------
    @staticmethod
    def numbers(inst: Instance) -> list[int]:
        return [int(x) for x in inst.state["numbers"]]

    def solve(self, inst: Instance) -> str:
        expr, _ = _solve_cached(tuple(self.numbers(inst)))
        if expr is None:
            raise ValueError(f"the numbers {self.numbers(inst)} cannot make 24")
        return expr

    def format_answer(self, inst: Instance, solution: Any) -> str:
        if isinstance(solution, str):
            return solution
        return format_expr(solution)

    def stats(self, inst: Instance) -> dict:
        nums = self.numbers(inst)
        _, tried = _solve_cached(tuple(nums))
        return {"search_nodes": tried, "distinct_solutions": count_solutions(nums),
                "max_number": max(nums)}

    # ----- verification ---------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        expr = parse_expression(answer)
        want = self.numbers(inst)
        got = leaves(expr)
        shown = format_expr(expr)
        match = sorted(got) == sorted(want)
        try:
            value = evaluate(expr)
        except ZeroDivisionError:
            value = None
        score = 0.25 + (0.25 if match else 0.0)
        if value is not None and match:
            score += 0.4 * max(0.0, 1.0 - abs(q_key(value) - TARGET) / TARGET)
        if not match:
            detail = f"; its value is {q_str(value)}" if value is not None else ""
            return Verdict.fail(f"the expression must use each of {want} exactly once: "
                                f"{_multiset_diff(want, got)}{detail}", score, shown)
        if value is None:
            return Verdict.fail("division by zero in the expression", score, shown)
        if value != TARGET_Q:
            return Verdict.fail(f"the expression evaluates to {q_str(value)}, not 24", score, shown)
        return Verdict.ok(shown, f"correct: {shown} = 24")

    # ----- presentation ---------------------------------------------------------------------------
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        img, draw = new_canvas(size, CANVAS)
        s = size / 512
        nums = sorted(self.numbers(inst))
        tf = fit_font(TITLE, size - 48 * s, 40 * s, bold=True)
        draw_text(draw, (size / 2, 112 * s), TITLE, tf, fill=INK)
        boxes, fs = card_layout(nums, size)
        fnt = font(fs, bold=True)
        radius = max(2, round(14 * s))
        shadow = max(1, round(4 * s))
        for box, x in zip(boxes, nums):
            draw.rounded_rectangle((box[0] + shadow, box[1] + shadow, box[2] + shadow, box[3] + shadow),
                                   radius=radius, fill=(200, 206, 216))
            draw.rounded_rectangle(box, radius=radius, fill=WHITE, outline=(150, 160, 176), width=max(1, round(2 * s)))
            draw_text(draw, ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), str(x), fnt, fill=INK)
        hf = fit_font(HINT, size - 48 * s, 22 * s)
        draw_text(draw, (size / 2, boxes[0][3] + 58 * s), HINT, hf, fill=MUTED)
        return img

    _RULES = ("Every number must be used exactly once, as written (do not join or split digits). Only the binary "
              "operations +, -, ×, ÷ and parentheses are allowed: no unary minus, powers, roots, factorials or "
              "other numbers. Division is exact, so fractions may appear in intermediate steps.")
    _FORMAT = ("Please provide your answer as an expression that includes only numbers, operators, and "
               "parentheses.\nExample answer format: (9 - 3) × 8 ÷ 2.")

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        nums = sorted(self.numbers(inst))
        if modality == "text":
            return ("Use these numbers exactly once, and combine them with +, -, ×, ÷, and parentheses to make 24.\n"
                    f"Numbers: [{', '.join(map(str, nums))}]\n{self._RULES}\n{self._FORMAT}")
        if modality != "image":
            raise ValueError(f"modality must be 'image' or 'text', got {modality!r}")
        return ("The four numbers are shown on the cards in the image. Use each of these numbers exactly once, and "
                "combine them with +, -, ×, ÷, and parentheses to make 24.\n"
                f"{self._RULES}\n{self._FORMAT}")

    def trace(self, inst: Instance) -> str:
        nums = sorted(self.numbers(inst))
        log: list = []
        expr, tried = search(nums, log)
        if expr is None:
            raise ValueError(f"the numbers {nums} cannot make 24")
        lines = [
            f"Numbers: {', '.join(map(str, nums))}. Goal: use each exactly once with +, -, ×, ÷ and parentheses "
            "to reach 24.",
            "Method: pick two numbers and replace them by their sum, difference, product or quotient, then repeat "
            "with one number fewer. Before going deeper I check whether the numbers that are left can still make "
            "24 at all; if they cannot, I discard that choice and try the next one. A choice that leaves the same "
            "numbers as an earlier one is skipped.",
        ]
        steps: list[str] = []
        for depth, (current, entries) in enumerate(log):
            k = len(current)
            lines.append("")
            lines.append(f"Step {depth + 1}: numbers {', '.join(q_str(v) for v in current)} ({k} left).")
            for text, rest, ok in entries:
                rest_s = ", ".join(q_str(v) for v in rest)
                if len(rest) == 1:
                    if ok:
                        lines.append(f"- {text}: that is 24, the target is reached.")
                        steps.append(text)
                    else:
                        lines.append(f"- {text}: not 24.")
                    continue
                if ok:
                    lines.append(f"- {text} -> {rest_s}: these can still make 24, so keep this step.")
                    steps.append(text)
                elif len(rest) == 2:
                    outs = sorted({q_apply(op[0], *pair) for op in ("+", "-", "*", "/")
                                   for pair in ((rest[0], rest[1]), (rest[1], rest[0]))} - {None}, key=q_key)
                    lines.append(f"- {text} -> {rest_s}: these two only give "
                                 f"{', '.join(q_str(v) for v in outs)}; no 24, discard.")
                else:
                    lines.append(f"- {text} -> {rest_s}: no combination of these {len(rest)} numbers gives 24 "
                                 "(all pairs and operations checked), discard.")
        answer = format_expr(expr)
        lines.append("")
        lines.append(f"Tried {tried} choices in total. The successful steps were: " + "; ".join(steps) + ".")
        lines.append(f"Writing them as one expression: {answer}.")
        lines.append(f"Check: it uses {', '.join(map(str, sorted(leaves(expr))))} (each given number once) and its "
                     f"value is {q_str(evaluate(expr))}.")
        lines.append(f"Answer: {answer}")
        return "\n".join(lines)

    # ----- reference records ----------------------------------------------------------------------
    record_categories = ("24_points",)

    def record_state(self, record: dict) -> dict:
        state = record_field(record.get("initial_state"))
        raw = state.get("numbers") if isinstance(state, dict) else state
        if isinstance(raw, str):
            raw = record_field(raw)
        if not isinstance(raw, (list, tuple)) or len(raw) != 4:
            raise RecordError(f"initial_state must hold 4 numbers, got {raw!r}"[:200])
        numbers = []
        for x in raw:
            if isinstance(x, bool) or not isinstance(x, int) or not 1 <= x <= MAX_NUMBER:
                raise RecordError(f"numbers must be positive integers, got {x!r}")
            numbers.append(int(x))
        numbers.sort()
        if not solvable(numbers):
            raise RecordError(f"the numbers {numbers} cannot make 24")
        return {"numbers": numbers}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        index = str(record.get("index", record.get("id", "")))  # "24Points_difficulty{d}_{i}"
        marker = index.find("difficulty")
        if marker >= 0 and index[marker + 10 : marker + 11].isdigit():
            return int(index[marker + 10])
        return None

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> str:
        return answer


TASK = Points24()
