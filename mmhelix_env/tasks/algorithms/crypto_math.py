"""CryptoMath (MM-HELIX ``crypto_math``): a column addition ``W1 + W2 (+ W3) = R`` in capital letters; find a map
letter → digit (different letters, different digits; no multi-letter word starts with 0) that makes the sum true.

Puzzles are generally not unique; any valid map is correct and the stored map is never compared
(spec/tasks/CryptoMath.md).

Counting and solving: :class:`Cryptarithm` compiles the puzzle into a column program (rightmost column first).
In each column the letters seen in an earlier column are known; the new ones are branched over the free digits
(a bitmask of used digits), except one letter per column that is *solved* instead of branched: the result letter
when it is new (its digit is the column sum mod 10), else a new addend letter with an odd coefficient (its digit
follows from the column sum mod 10). The digit combinations of a column's new letters are precomputed and grouped
by their sum mod 10, so a column with a known result letter only visits the matching group. When the result is
longer than every addend its first letter is the final carry (1, or 1..k−1 for k addends), and the column before
it is closed by an exact-sum lookup. The counter stops as soon as it has more than cap maps.

Generation: addends uniform with exactly the level's digit count, kept when the sum has the result length; the
distinct digits are shuffled and named A, B, C, ... in that order; a draw is kept when it has at least the level's
number of letters and at most the level's number of valid maps (exact count). The generating map is the witness.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import permutations
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from ...core import GenerationError, Instance, ParseError, RecordError, Task, Verdict, bounded, numeric, record_field
from ...render import INK, fit_font, font, new_canvas
from ._array_answer import level_from_index

# level -> (addends, digits per addend, minimum distinct letters, cap on the number of valid maps)
LEVELS: dict[int, tuple[int, int, int, int]] = {
    1: (2, 3, 5, 60),
    2: (2, 4, 6, 30),
    3: (3, 3, 6, 15),
    4: (3, 4, 7, 10),
    5: (3, 5, 8, 5),
}
MAX_ATTEMPTS = 20_000
MAX_CHARS = 2_000
MAX_WORD = 12
MAX_ADDENDS = 5

# _SOLVE[m][t]: digits v with m·v ≡ t (mod 10)
_SOLVE = tuple(tuple(tuple(v for v in range(10) if (m * v) % 10 == t) for t in range(10)) for m in range(10))
PLACES = ("ones", "tens", "hundreds", "thousands", "ten-thousands", "hundred-thousands")


@lru_cache(maxsize=4096)
def _combos(spec: tuple[tuple[int, int], ...]) -> tuple[tuple[tuple[tuple[int, ...], int, int], ...], ...]:
    """Every assignment of distinct digits to the new letters of a column, as (digits, Σ multiplicity × digit,
    mask of the digits), grouped by the sum mod 10 (10 groups), so a column check only visits the group that can
    end in the right digit; the search skips the ones that use a taken digit. ``spec`` holds (multiplicity,
    allowed-digit mask) per letter. A pure function (cached)."""
    groups: list[list] = [[] for _ in range(10)]
    for vals in permutations(range(10), len(spec)):
        delta, mask = 0, 0
        for (m, allow), v in zip(spec, vals):
            if not allow >> v & 1:
                break
            delta += m * v
            mask |= 1 << v
        else:
            groups[delta % 10].append((vals, delta, mask))
    return tuple(tuple(g) for g in groups)


class Cryptarithm:
    """A compiled addition puzzle. ``letters`` are sorted; letter ids index them; ``allow[i]`` is the mask of
    digits letter i may take (no 0 for a leading letter; 1..k−1 for the result's first letter when the result is
    longer than every addend, since it is then the carry out of k addends).

    ``program`` has one entry per column (rightmost first): ``(known, new, spec, r, kind, solved, rpos, groups)``
    where ``known`` are the ids of addend letters already fixed when the column is reached (one entry per occurrence),
    ``new`` the ids of the addend letters first seen here and ``spec`` their (multiplicity, allowed mask), ``r``
    the result letter id (-1: the result has no digit here, so it must be 0), ``kind`` one of ``"new"`` (the
    result letter is first seen here: its digit is the column sum mod 10), ``"check"`` (nothing to solve) or
    ``"solve"`` (known result letter; ``solved`` = (id, multiplicity, allowed mask) is the new addend letter whose
    digit follows from the column sum); ``rpos`` is the position of ``r`` in ``new`` (-1 if it is not there) and
    ``groups`` the digit combinations of the new letters (:func:`_combos`)."""

    def __init__(self, addends: tuple[str, ...], result: str):
        self.addends = addends
        self.result = result
        self.letters = tuple(sorted(set("".join(addends) + result)))
        self.index = {c: i for i, c in enumerate(self.letters)}
        idx = self.index
        self.leading = frozenset(idx[w[0]] for w in (*addends, result) if len(w) > 1)
        allow = [0x3FE if i in self.leading else 0x3FF for i in range(len(self.letters))]
        width = max(len(w) for w in addends)
        self.ncol = max(width, len(result))
        self.digits = tuple(sum(1 for w in addends if j < len(w)) for j in range(self.ncol))
        self.top = idx[result[0]] if len(result) > width else -1
        if self.top >= 0:
            allow[self.top] &= sum(1 << v for v in range(1, len(addends)))
        self.allow = tuple(allow)
        seen: set[int] = set()
        program = []
        for j in range(self.ncol):
            known: list[int] = []
            mult: dict[int, int] = {}
            for w in addends:
                if j < len(w):
                    c = idx[w[-1 - j]]
                    if c in seen:
                        known.append(c)
                    else:
                        mult[c] = mult.get(c, 0) + 1
            new = [(c, m) for c, m in mult.items()]
            seen.update(mult)
            r = idx[result[-1 - j]] if j < len(result) else -1
            solved = None
            if r >= 0 and r not in seen:
                kind = "new"
                seen.add(r)
            else:
                kind = "check"
                odd = [k for k, (c, m) in enumerate(new) if c != r and m % 2 == 1 and m % 5 != 0]
                if odd and r >= 0:
                    c, m = new.pop(odd[-1])
                    solved = (c, m, allow[c])
                    kind = "solve"
            ids = tuple(c for c, _ in new)
            rpos = ids.index(r) if r in ids else -1  # the result letter is a new addend letter of this column
            spec = tuple((m, allow[c]) for c, m in new)
            program.append((tuple(known), ids, spec, r, kind, solved, rpos, _combos(spec)))
        self.program = tuple(program)
        # The column before the result's extra first column closes the sum: its total must be 10 × (first result
        # digit) + its result digit, so its digit combinations are looked up by their exact sum.
        self.fcol, self.by_delta = -1, {}
        if self.top >= 0 and self.ncol >= 2:
            known, new, spec, r, kind, solved, rpos, groups = program[self.ncol - 2]
            if r >= 0 and r != self.top and rpos < 0 and self.top not in new and (
                    solved is None or solved[0] != self.top):
                self.fcol = self.ncol - 2
                by_delta: dict[int, list] = {}
                for group in groups:
                    for vals, delta, mask in group:
                        by_delta.setdefault(delta, []).append((vals, mask))
                self.by_delta = by_delta

    # ----- counting / solving ---------------------------------------------------------------------
    def search(self, cap: int | None = None, collect: int = 0) -> tuple[int, list[dict[str, int]], int, int]:
        """(number of valid maps — once it exceeds ``cap`` the search stops, so any count > cap means "over the
        cap" —, the first ``collect`` maps in search order, search nodes (columns entered), digit additions (the
        addend digits summed in those columns))."""
        program, ncol, letters, allow = self.program, self.ncol, self.letters, self.allow
        top, tcol, fcol, by_delta = self.top, (self.ncol - 1 if self.top >= 0 else -1), self.fcol, self.by_delta
        top_values = tuple(v for v in range(10) if top >= 0 and allow[top] >> v & 1)
        d = [-1] * len(letters)
        found: list[dict[str, int]] = []
        nodes = additions = 0
        digits = self.digits
        limit = float("inf") if cap is None else cap

        def done() -> int:
            if len(found) < collect:
                found.append({c: d[i] for i, c in enumerate(letters)})
            return 1

        def last(j: int, carry: int, used: int) -> int:
            """The result's extra first column: its letter is the final carry."""
            v = d[top]
            if v >= 0:
                return done() if carry == v else 0
            if used >> carry & 1 or not allow[top] >> carry & 1:
                return 0
            d[top] = carry
            out = done()
            d[top] = -1
            return out

        def close(new: tuple[int, ...], vals: tuple[int, ...], fixed: tuple[tuple[int, int], ...]) -> int:
            """A map found in the closing column: record it when maps are collected."""
            if len(found) >= collect:
                return 1
            for li, x in zip(new, vals):
                d[li] = x
            for li, x in fixed:
                d[li] = x
            done()
            for li in new:
                d[li] = -1
            for li, _ in fixed:
                d[li] = -1
            return 1

        def final(j: int, carry: int, used: int) -> int:
            """The closing column (see ``by_delta``): no recursion, every match is a valid map."""
            nonlocal nodes, additions
            nodes += 1
            known, new, spec, r, kind, solved, rpos, groups = program[j]
            additions += digits[j]
            s0 = carry
            for k in known:
                s0 += d[k]
            total = 0
            t_known = d[top]
            for tv in ((t_known,) if t_known >= 0 else top_values):
                if t_known < 0 and used >> tv & 1:
                    continue
                taken = used | 1 << tv
                fixed_top = () if t_known >= 0 else ((top, tv),)
                if kind == "check":
                    for vals, mask in by_delta.get(10 * tv + d[r] - s0, ()):
                        if not mask & taken:
                            total += close(new, vals, fixed_top)
                elif kind == "new":
                    allow_r = allow[r]
                    for rv in range(10):
                        if taken >> rv & 1 or not allow_r >> rv & 1:
                            continue
                        busy = taken | 1 << rv
                        for vals, mask in by_delta.get(10 * tv + rv - s0, ()):
                            if not mask & busy:
                                total += close(new, vals, fixed_top + ((r, rv),))
                else:  # "solve": the solved letter makes up the rest of the column sum
                    li, m, allow_s = solved
                    need = 10 * tv + d[r] - s0
                    for delta, entries in by_delta.items():
                        rest = need - delta
                        if rest < 0 or rest % m or rest // m > 9:
                            continue
                        v = rest // m
                        if taken >> v & 1 or not allow_s >> v & 1:
                            continue
                        busy = taken | 1 << v
                        for vals, mask in entries:
                            if not mask & busy:
                                total += close(new, vals, fixed_top + ((li, v),))
                if total > limit:
                    break
            return total

        def column(j: int, carry: int, used: int) -> int:
            nonlocal nodes, additions
            nodes += 1
            if j == ncol:
                return 0 if carry else done()
            known, new, spec, r, kind, solved, rpos, groups = program[j]
            additions += digits[j]
            s0 = carry
            for k in known:
                s0 += d[k]
            total = 0
            nxt = final if j + 1 == fcol else last if j + 1 == tcol else column
            if rpos >= 0:  # the result letter is one of this column's new addend letters: check combo by combo
                for group in groups:
                    for vals, delta, cm in group:
                        if cm & used:
                            continue
                        s = s0 + delta
                        u = used | cm
                        if kind == "solve":
                            li, m, allow_s = solved
                            for v in _SOLVE[m][(vals[rpos] - s) % 10]:
                                if u >> v & 1 or not allow_s >> v & 1:
                                    continue
                                for lj, x in zip(new, vals):
                                    d[lj] = x
                                d[li] = v
                                total += nxt(j + 1, (s + m * v) // 10, u | 1 << v)
                                d[li] = -1
                        elif s % 10 == vals[rpos]:
                            for lj, x in zip(new, vals):
                                d[lj] = x
                            total += nxt(j + 1, s // 10, u)
                        if total > limit:
                            break
                    if total > limit:
                        break
            elif kind == "new":
                allow_r = allow[r]
                for rho in range(10):
                    v = (s0 + rho) % 10
                    if used >> v & 1 or not allow_r >> v & 1:
                        continue
                    taken = used | 1 << v
                    for vals, delta, cm in groups[rho]:
                        if cm & taken:
                            continue
                        for li, x in zip(new, vals):
                            d[li] = x
                        d[r] = v
                        total += nxt(j + 1, (s0 + delta) // 10, taken | cm)
                        if total > limit:
                            break
                    if total > limit:
                        break
                d[r] = -1
            elif kind == "solve":
                li, m, allow_s = solved
                target = d[r]
                for rho in range(10):
                    group = groups[rho]
                    if not group:
                        continue
                    for v in _SOLVE[m][(target - s0 - rho) % 10]:
                        if used >> v & 1 or not allow_s >> v & 1:
                            continue
                        taken = used | 1 << v
                        d[li] = v
                        for vals, delta, cm in group:
                            if cm & taken:
                                continue
                            for lj, x in zip(new, vals):
                                d[lj] = x
                            total += nxt(j + 1, (s0 + delta + m * v) // 10, taken | cm)
                            if total > limit:
                                break
                        if total > limit:
                            break
                    if total > limit:
                        break
                d[li] = -1
            else:
                for vals, delta, cm in groups[((d[r] if r >= 0 else 0) - s0) % 10]:
                    if cm & used:
                        continue
                    for li, x in zip(new, vals):
                        d[li] = x
                    total += nxt(j + 1, (s0 + delta) // 10, used | cm)
                    if total > limit:
                        break
            for li in new:
                d[li] = -1
            return total

        return (final if fcol == 0 else column)(0, 0, 0), found, nodes, additions

    def count(self, cap: int | None = None) -> int:
        return self.search(cap)[0]

    def first(self) -> dict[str, int] | None:
        _, found, _, _ = self.search(cap=0, collect=1)
        return found[0] if found else None

    # ----- rules ----------------------------------------------------------------------------------
    def value(self, word: str, mapping: dict[str, int]) -> int:
        out = 0
        for c in word:
            out = out * 10 + mapping[c]
        return out

    @property
    def equation(self) -> str:
        return "+".join(self.addends) + "=" + self.result


# ---------------------------------------------------------------------------------------------------------------
# Parsing puzzles and answers

_WORD = re.compile(rf"[A-Z]{{1,{MAX_WORD}}}")


def parse_equation(text: str) -> tuple[tuple[str, ...], str]:
    """``ABC+DEF=GHIJ`` (spaces ignored) → (addends, result); raises ValueError with the reason."""
    if not isinstance(text, str):
        raise ValueError(f"equation must be text, got {type(text).__name__}")
    eq = "".join(text.split()).upper()
    if eq.count("=") != 1:
        raise ValueError(f"equation needs exactly one '=': {text!r}"[:200])
    left, result = eq.split("=")
    addends = tuple(left.split("+"))
    if not 2 <= len(addends) <= MAX_ADDENDS:
        raise ValueError(f"equation needs 2..{MAX_ADDENDS} addends: {text!r}"[:200])
    for w in (*addends, result):
        if not _WORD.fullmatch(w):
            raise ValueError(f"every word must be 1..{MAX_WORD} capital letters A-Z, got {w!r}"[:200])
    if len(set("".join(addends) + result)) > 10:
        raise ValueError("more than 10 distinct letters: no map to distinct digits exists")
    return addends, result


@lru_cache(maxsize=4096)
def compiled(equation: str) -> Cryptarithm:
    return Cryptarithm(*parse_equation(equation))


_PAIR = re.compile(r"(?<![A-Za-z0-9_])[\"']?([A-Za-z])[\"']?\s*(?:=>|->|→|=|:)\s*[\"']?(-?\d+(?:\.\d*)?)", re.ASCII)


def parse_map(text: str) -> dict[str, int]:
    """Letter → digit pairs in any of the accepted syntaxes (spec "Answer format and parsing")."""
    text = numeric(bounded(text, MAX_CHARS))
    pairs = _PAIR.findall(text)
    if not pairs:
        raise ParseError('no letter=digit pairs found; write them like ["A"=5,"B"=3]')
    out: dict[str, int] = {}
    for letter, raw in pairs:
        letter = letter.upper()
        if not raw.isdigit() or len(raw) != 1:
            raise ParseError(f"the value of {letter} must be a single digit 0-9, got {raw}")
        v = int(raw)
        if letter in out and out[letter] != v:
            raise ParseError(f"{letter} is given two different digits ({out[letter]} and {v})")
        out[letter] = v
    return out


def format_map(mapping: dict[str, int]) -> str:
    return "[" + ",".join(f'"{c}"={int(mapping[c])}' for c in sorted(mapping)) + "]"


def _low_digits_agreeing(a: int, b: int, width: int) -> int:
    n = 0
    while n < width and a % 10 == b % 10:
        a //= 10
        b //= 10
        n += 1
    return n


# ---------------------------------------------------------------------------------------------------------------
# The rule-based trace (the same search as Cryptarithm.search, one letter at a time, logged)


class _Tracer:
    def __init__(self, puz: Cryptarithm):
        self.p = puz
        self.d = [-1] * len(puz.letters)
        self.owner: dict[int, str] = {}
        self.nodes = 0
        self.solution: dict[str, int] | None = None

    def name(self, i: int) -> str:
        return self.p.letters[i]

    def show_column(self, j: int, carry: int) -> str:
        p = self.p
        terms = []
        for w in p.addends:
            if j < len(w):
                c = w[-1 - j]
                v = self.d[p.index[c]]
                terms.append(f"{c}({v})" if v >= 0 else c)
        r = p.result[-1 - j] if j < len(p.result) else None
        rv = self.d[p.index[r]] if r is not None else 0
        rs = "0" if r is None else (f"{r}({rv})" if rv >= 0 else r)
        place = PLACES[j] if j < len(PLACES) else f"10^{j}"
        lhs = " + ".join(terms) + " + " if terms else ""
        return f"Column {j + 1} ({place}): {lhs}carry {carry} = {rs} + 10 × next carry."

    def assign(self, i: int, v: int) -> None:
        self.d[i] = v
        self.owner[v] = self.name(i)

    def unassign(self, i: int) -> None:
        self.owner.pop(self.d[i], None)
        self.d[i] = -1

    def restriction(self, i: int) -> str:
        if i == self.p.top:
            return f" (the result's first letter: {_digits(_bits(self.p.allow[i]))})"
        if i in self.p.leading:
            return " (not 0: leading letter)"
        return ""

    def refuse(self, i: int, v: int) -> str | None:
        """Why letter i cannot take digit v now (None: it can)."""
        letter = self.name(i)
        if v in self.owner:
            return f"{letter} = {v} is taken by {self.owner[v]}"
        if not self.p.allow[i] >> v & 1:
            if i == self.p.top:
                return f"{letter} = {v}, but {letter} must be {' or '.join(map(str, _bits(self.p.allow[i])))}"
            return f"{letter} = 0 would be a leading zero"
        return None

    # Each explorer returns (ok, lines on success / reason on failure, deepest column reached).
    def column(self, j: int, carry: int):
        p = self.p
        if j == p.ncol:
            if carry:
                return False, f"a carry of {carry} is left over after the last column", j - 1
            self.solution = {c: self.d[i] for i, c in enumerate(p.letters)}
            return True, [], j
        known = p.program[j][0]
        s0 = carry + sum(self.d[k] for k in known)
        ok, out, deep = self.branch(j, 0, s0)
        if ok:
            return True, [self.show_column(j, carry), *out], deep
        return False, out, deep

    def branch(self, j: int, k: int, s: int):
        known, new, spec, r, kind, solved, _, _ = self.p.program[j]
        if k == len(new):
            return self.resolve(j, s)
        li, (m, allow) = new[k], spec[k]
        letter = self.name(li)
        cands = [v for v in range(10) if v not in self.owner and allow >> v & 1]
        notes = []
        deepest = j
        for v in cands:
            self.nodes += 1
            self.assign(li, v)
            ok, out, deep = self.branch(j, k + 1, s + m * v)
            self.unassign(li)
            if ok:
                head = f"- {letter}: free digits {_digits(cands)}{self.restriction(li)}. "
                tried = "; ".join(notes)
                head += f"{tried}; so {letter} = {v}." if tried else f"try {letter} = {v}."
                return True, [head, *out], deep
            deepest = max(deepest, deep)
            notes.append(f"{v} fails ({out})" if deep == j else f"{v} dead-ends by column {deep + 1}")
        return False, (f"no digit left for {letter}" if not cands else f"every choice of {letter} fails"), deepest

    def resolve(self, j: int, s: int):
        p = self.p
        known, new, spec, r, kind, solved, _, _ = p.program[j]
        carry_out = s // 10
        if kind == "new":
            v = s % 10
            letter = self.name(r)
            why = self.refuse(r, v)
            if why is not None:
                return False, f"sum {s} gives {why}", j
            self.nodes += 1
            self.assign(r, v)
            ok, out, deep = self.column(j + 1, carry_out)
            self.unassign(r)
            if ok:
                return True, [f"- sum {s}: {letter} = {v}, carry {carry_out}.", *out], deep
            return False, out, deep
        if kind == "solve":
            li, m, _ = solved
            letter, rl = self.name(li), self.name(r)
            target = self.d[r]
            cands = _SOLVE[m][(target - s) % 10]
            coef = f"{m} × {letter}" if m > 1 else letter
            eqn = f"{s} + {coef} must end in {rl} = {target}"
            notes = []
            deepest = j
            for v in cands:
                why = self.refuse(li, v)
                if why is not None:
                    notes.append(why)
                    continue
                self.nodes += 1
                self.assign(li, v)
                ok, out, deep = self.column(j + 1, (s + m * v) // 10)
                self.unassign(li)
                if ok:
                    return True, [f"- {eqn}, so {letter} = {v}, carry {(s + m * v) // 10}.", *out], deep
                deepest = max(deepest, deep)
                notes.append(f"{letter} = {v} dead-ends by column {deep + 1}")
            return False, f"{eqn}: " + ("; ".join(notes) if notes else "impossible"), deepest
        target = self.d[r] if r >= 0 else 0
        what = f"{self.name(r)} = {target}" if r >= 0 else "0 (no result digit here)"
        if s % 10 != target:
            return False, f"sum {s} ends in {s % 10}, not {what}", j
        ok, out, deep = self.column(j + 1, carry_out)
        if ok:
            return True, [f"- sum {s} ends in {s % 10}, matching {what}; carry {carry_out}.", *out], deep
        return False, out, deep

    def run(self) -> tuple[dict[str, int] | None, list[str]]:
        p = self.p
        lines = []
        if p.top >= 0:
            top = self.name(p.top)
            width = max(len(w) for w in p.addends)
            k = len(p.addends)
            vals = _bits(p.allow[p.top])
            which = f"{top} = {vals[0]}" if len(vals) == 1 else f"{top} is one of {_digits(vals)}"
            lines.append(f"The result is longer than every addend, so its first letter {top} is the carry out of the "
                         f"last addend column: {k} numbers below 10^{width} add up to less than {k}×10^{width}, so "
                         f"{which}.")
        ok, out, _ = self.column(0, 0)
        return (self.solution, lines + out) if ok else (None, lines)


def _bits(mask: int) -> list[int]:
    return [v for v in range(10) if mask >> v & 1]


def _digits(vals) -> str:
    vals = list(vals)
    return ", ".join(map(str, vals)) if vals else "none"


def trace_search(puz: Cryptarithm) -> tuple[dict[str, int] | None, list[str], int]:
    """The logged search: (first map found — the same as ``puz.first()`` —, lines, choices tried)."""
    tracer = _Tracer(puz)
    sol, lines = tracer.run()
    return sol, lines, tracer.nodes


# ---------------------------------------------------------------------------------------------------------------
# Picture

BACKGROUND = (248, 249, 250)
WORD_INK = (102, 16, 242)  # addends: purple
RESULT_INK = (0, 102, 204)  # result: blue
ACCENT = (222, 110, 20)  # + signs and the rule: orange
TITLE = "Cryptarithm"


@lru_cache(maxsize=64)
def _layout(n_addends: int, width: int, size: int) -> tuple[int, int, int, int, int, int]:
    """(font size, cell width, row height, left x of the sign column, top y of the first row, centre y of the
    result row) for a column addition with ``width`` letter columns plus one sign column."""
    s = size / 512
    rows = n_addends + 1
    top = 92 * s
    bottom = size - 30 * s
    row_h = min(92 * s, (bottom - top - 24 * s) / rows)
    cell = min(74 * s, (size - 60 * s) / (width + 1))
    fs = int(min(row_h * 0.78, cell * 1.05))
    while fs > 8:
        fnt = font(fs, True)
        widest = max(fnt.getbbox(c, anchor="mm")[2] - fnt.getbbox(c, anchor="mm")[0] for c in "MWQ+")
        if widest <= cell - 4 * s:
            break
        fs -= 1
    x0 = round((size - cell * (width + 1)) / 2)
    y0 = round(top + (bottom - top - row_h * rows - 24 * s) / 2)
    row_h, cell = round(row_h), round(cell)
    rule_y = y0 + n_addends * row_h + round(10 * s)
    return fs, cell, row_h, x0, y0, rule_y + round(14 * s) + row_h // 2


@lru_cache(maxsize=256)
def _glyph(ch: str, size: int):
    """A bold letter as an 'L' mask and its offset from the centre point (drawn once, pasted in any colour)."""
    fnt = font(size, True)
    left, top, right, bottom = fnt.getbbox(ch, anchor="mm")
    if ch == "I":  # a plain bar in this font: give it serifs so it cannot pass for a 1 or an l
        half = round(0.2 * size)
        left, right = min(left, -half), max(right, half)
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    draw = ImageDraw.Draw(mask)
    draw.text((-left, -top), ch, font=fnt, fill=255, anchor="mm")
    if ch == "I":
        ink = mask.getbbox() or (0, 0, mask.width, mask.height)
        stem = ink[2] - ink[0]
        bar = max(2, round(0.6 * stem))
        x0, x1 = -left - half, -left + half - 1
        draw.rectangle((x0, ink[1], x1, ink[1] + bar - 1), fill=255)
        draw.rectangle((x0, ink[3] - bar, x1, ink[3] - 1), fill=255)
    return mask, left, top


@lru_cache(maxsize=32)
def _frame(n_addends: int, width: int, size: int):
    """Everything but the letters: background, title, + signs and the rule (a pure function of the shape)."""
    img, draw = new_canvas(size, BACKGROUND)
    s = size / 512
    tf = fit_font(TITLE, size - 48 * s, 40 * s, bold=True)
    draw.text((round(size / 2), round(46 * s)), TITLE, font=tf, fill=INK, anchor="mm")
    fs, cell, row_h, x0, y0, _ = _layout(n_addends, width, size)
    mask, dx, dy = _glyph("+", fs)
    for k in range(1, n_addends):
        img.paste(ACCENT, (x0 + cell // 2 + dx, y0 + k * row_h + row_h // 2 + dy), mask)
    rule_y = y0 + n_addends * row_h + round(10 * s)
    draw.line([(x0, rule_y), (x0 + (width + 1) * cell, rule_y)], fill=ACCENT, width=max(2, round(4 * s)))
    return img


# ---------------------------------------------------------------------------------------------------------------
# The task


class CryptoMath(Task):
    name = "CryptoMath"
    category = "algorithms"
    benchmark_id = "CryptoMath"
    generator_key = "crypto_math"
    score_function = "cryptomath_evaluator"
    version = "1"
    answer_format = 'letter=digit pairs for every letter, e.g. ["A"=5,"B"=3,"C"=0]'
    max_answer_chars = MAX_CHARS

    # ----- generation -----------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        n_add, digits, min_letters, cap = LEVELS[level]
        lo, hi = 10 ** (digits - 1), 10 ** digits
        for _ in range(MAX_ATTEMPTS):
            nums = [int(x) for x in rng.integers(lo, hi, size=n_add)]
            total = sum(nums)
            if len(str(total)) != digits + 1:
                continue
            texts = [str(x) for x in nums] + [str(total)]
            used = sorted(set("".join(texts)))
            order = rng.permutation(len(used))
            if len(used) < min_letters:
                continue
            name = {used[int(p)]: chr(65 + k) for k, p in enumerate(order)}
            words = ["".join(name[c] for c in t) for t in texts]
            if Cryptarithm(tuple(words[:-1]), words[-1]).count(cap) > cap:
                continue
            equation = "+".join(words[:-1]) + "=" + words[-1]
            witness = {name[c]: int(c) for c in used}
            return {"equation": equation}, witness
        raise GenerationError(f"CryptoMath level {level}: no draw met the caps in {MAX_ATTEMPTS} attempts")

    @staticmethod
    def puzzle(inst: Instance) -> Cryptarithm:
        return compiled(str(inst.state["equation"]))

    # ----- solving --------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> dict[str, int]:
        sol = self.puzzle(inst).first()
        if sol is None:
            raise ValueError(f"no letter→digit map solves {inst.state['equation']}")
        return sol

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return format_map(dict(solution))

    def stats(self, inst: Instance) -> dict:
        puz = self.puzzle(inst)
        count, _, nodes, additions = puz.search()
        first_nodes = puz.search(cap=0)[2]
        return {"letters": len(puz.letters), "digit_positions": sum(map(len, puz.addends)) + len(puz.result),
                "valid_maps": count, "search_nodes": nodes, "digit_additions": additions,
                "nodes_to_first": first_nodes}

    # ----- verification ---------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        puz = self.puzzle(inst)
        mapping = parse_map(answer)
        shown = format_map(mapping)
        letters = set(puz.letters)
        missing = sorted(letters - set(mapping))
        unknown = sorted(set(mapping) - letters)
        problems = []
        if missing:
            problems.append("no digit for " + ", ".join(missing))
        if unknown:
            problems.append(", ".join(unknown) + (" is" if len(unknown) == 1 else " are") + " not in the puzzle")
        by_digit: dict[int, list[str]] = {}
        for c in sorted(mapping):
            by_digit.setdefault(mapping[c], []).append(c)
        clashes = [f"{' and '.join(cs)} both map to {v}" for v, cs in sorted(by_digit.items()) if len(cs) > 1]
        problems.extend(clashes)
        zeros = [w for w in (*puz.addends, puz.result) if len(w) > 1 and mapping.get(w[0]) == 0]
        for w in dict.fromkeys(zeros):
            problems.append(f"{w} starts with {w[0]} = 0 (leading zero)")
        rules_hold = not problems
        score = 0.25 if rules_hold else 0.0
        if missing:
            return Verdict.fail("; ".join(problems), score, shown)
        addends = [puz.value(w, mapping) for w in puz.addends]
        total, result = sum(addends), puz.value(puz.result, mapping)
        score += 0.75 * _low_digits_agreeing(total, result, len(puz.result)) / len(puz.result)
        if problems:
            return Verdict.fail("; ".join(problems), score, shown)
        sum_text = " + ".join(map(str, addends))
        if total != result:
            return Verdict.fail(f"the sum is wrong: {sum_text} = {total}, but {puz.result} = {result}", score, shown)
        return Verdict.ok(shown, f"correct: {sum_text} = {result}")

    # ----- presentation ---------------------------------------------------------------------------
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        puz = self.puzzle(inst)
        width = max(len(w) for w in (*puz.addends, puz.result))
        img = _frame(len(puz.addends), width, size).copy()
        fs, cell, row_h, x0, y0, result_cy = _layout(len(puz.addends), width, size)
        rows = [(w, y0 + k * row_h + row_h // 2, WORD_INK) for k, w in enumerate(puz.addends)]
        rows.append((puz.result, result_cy, RESULT_INK))
        for word, cy, ink in rows:
            for i, ch in enumerate(word):
                mask, dx, dy = _glyph(ch, fs)
                cx = x0 + (width - len(word) + 1 + i) * cell + cell // 2
                img.paste(ink, (cx + dx, cy + dy), mask)
        return img

    _RULES = ("Each letter represents a unique digit (0-9): different letters must correspond to different values, "
              "and no leading letter can be zero (the first letter of a word with more than one letter). "
              "Substituting the digits must make the addition true. Any map that satisfies these rules is accepted.")
    _FORMAT = ('Please provide your answer as a list of comma-separated "letter"=number pairs.\n'
               'Example answer format: ["A"=5,"B"=3,...,"Z"=9].')

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        if modality == "text":
            return (f"Solve this cryptarithmetic puzzle, a column addition written in capital letters.\n"
                    f"Equation: {inst.state['equation']}\n{self._RULES}\n{self._FORMAT}")
        if modality != "image":
            raise ValueError(f"modality must be 'image' or 'text', got {modality!r}")
        return ("Solve the cryptarithmetic addition shown in the image: the words above the line are added, and the "
                f"word below the line is their sum.\n{self._RULES}\n{self._FORMAT}")

    def trace(self, inst: Instance) -> str:
        puz = self.puzzle(inst)
        sol, steps, nodes = trace_search(puz)
        if sol is None:
            raise ValueError(f"no letter→digit map solves {puz.equation}")
        lead = sorted(self.puzzle(inst).letters[i] for i in puz.leading)
        lines = [f"Puzzle: {' + '.join(puz.addends)} = {puz.result}. Letters: {', '.join(puz.letters)} "
                 f"({len(puz.letters)} letters, so {len(puz.letters)} different digits); leading letters (never 0): "
                 f"{', '.join(lead) if lead else 'none'}.",
                 "Method: work column by column from the right, carrying as in written addition. In each column the "
                 "letters already fixed are known; a new addend letter is tried with the free digits in increasing "
                 "order, and the result letter (or, when it is already known, the last new addend letter) is "
                 "computed from the column sum. A clash (digit taken, leading zero, wrong last digit) means going "
                 "back to the latest choice.",
                 *steps]
        addends = [puz.value(w, sol) for w in puz.addends]
        result = puz.value(puz.result, sol)
        lines.append(f"Every column checks: {' + '.join(map(str, addends))} = {result} "
                     f"({nodes} choices tried).")
        lines.append("Map: " + ", ".join(f"{c} = {sol[c]}" for c in puz.letters) + ".")
        lines.append(f"Answer: {format_map(sol)}")
        return "\n".join(lines)

    # ----- reference records ----------------------------------------------------------------------
    record_categories = ("crypto_math", "cryptomath")

    def record_state(self, record: dict) -> dict:
        state = record_field(record.get("initial_state"))
        equation = state.get("equation") if isinstance(state, dict) else state if isinstance(state, str) else None
        if not isinstance(equation, str) or "=" not in equation:
            text = record.get("question_language") or record.get("question_text") or ""
            m = re.search(r"Equation:\s*([A-Za-z+=\s]+?)\s*(?:\n|\\n|$)", str(text)[:100_000])
            equation = m.group(1) if m else None
        if not isinstance(equation, str):
            raise RecordError("record has no equation (initial_state.equation or 'Equation: ...' in the question)")
        try:
            addends, result = parse_equation(equation)
        except ValueError as err:
            raise RecordError(str(err)) from None
        equation = "+".join(addends) + "=" + result
        if compiled(equation).count(cap=0) == 0:
            raise RecordError(f"no letter→digit map solves {equation}")
        return {"equation": equation}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        level = level_from_index(record)
        if level is not None:
            return level
        puz = compiled(str(state["equation"]))
        shape = (len(puz.addends), max(len(w) for w in puz.addends))
        return next((lv for lv, p in LEVELS.items() if p[:2] == shape), None)

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> dict[str, int]:
        return parse_map(answer)


TASK = CryptoMath()
