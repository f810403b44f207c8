"""Binairo (MM-HELIX ``binairo``): fill an n×n grid with 0s and 1s, balanced, without triples, all lines distinct.

Generation (spec/tasks/Binairo.md): a random solution grid (the line CSP below searched with a seeded value
order), then givens are carved: cells are visited in a random order and blanked when the puzzle keeps exactly
one solution (exact: no solution has that cell flipped), down to the level's given count. A draw that misses
the target is redrawn (the draw with the fewest givens is kept; always unique).

Solver and counter: the shared CSP engine with one :class:`LineRule` per row and column. A line is an n-bit
mask; the legal lines (balanced, no three equal in a row) are enumerated once per n and, for every partly
known line, the arrangements that fit are cached, so one propagator call is a dictionary look-up: cells on
which all fitting arrangements agree are fixed (full arc consistency per line). A nearly decided line also
drops the arrangements that would repeat an already complete line of the same direction; completed lines
are checked for distinctness at every leaf.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache
from operator import itemgetter
from typing import Any

import numpy as np

from ...core import Instance, RecordError, Task, Verdict, record_field
from ...core.csp import CSP, Constraint, explain_search, single
from ...core.grid_puzzle import (
    Checklist,
    CSPGridMixin,
    Grid,
    SquareStepMixin,
    cell_name,
    check_values,
    grid_witness,
    move_text,
    parse_grid,
)
from ...render.puzzle_grid import Board, render_board

# level -> (n, givens)
LEVEL_PARAMS: dict[int, tuple[int, int]] = {1: (4, 8), 2: (6, 18), 3: (6, 13), 4: (8, 26), 5: (10, 35)}
MAX_DRAWS = 8
DEAD_BRANCH_LINES = 8
DISTINCT_OPTIONS = 3  # a line with at most this many fitting arrangements also checks for repeated lines
ZERO_COLOR = (41, 128, 185)
ONE_COLOR = (192, 57, 43)
ZERO_FILL = (226, 239, 250)
ONE_FILL = (250, 228, 225)
ENTRY_COLOR = (70, 70, 78)
FORMAT_SENTENCE = ("Your answer must be formatted as a grid of 0s and 1s separated by spaces, with rows separated by "
                   "newlines.")
LEVEL_BY_SIZE = {4: 1, 6: 2, 8: 4, 10: 5}


# ---------------------------------------------------------------------------------------------------------------
# lines as bit masks (bit i = the value at position i)


@cache
def legal_lines(n: int) -> tuple[int, ...]:
    """Every balanced n-bit line without three equal neighbours, ascending."""
    full = (1 << n) - 1
    out = []
    for m in range(1 << n):
        if m.bit_count() * 2 != n:
            continue
        z = full & ~m
        if m & (m >> 1) & (m >> 2) or z & (z >> 1) & (z >> 2):
            continue
        out.append(m)
    return tuple(out)


_OPTIONS: dict[tuple[int, int, int], tuple[tuple[int, ...], int, int]] = {}


def line_options(n: int, known: int, ones: int) -> tuple[tuple[int, ...], int, int]:
    """(legal lines that fit the known cells, AND of them, OR of them); cached."""
    key = (n, known, ones)
    hit = _OPTIONS.get(key)
    if hit is None:
        opts = tuple(m for m in legal_lines(n) if not (m ^ ones) & known)
        both = (1 << n) - 1
        either = 0
        for m in opts:
            both &= m
            either |= m
        hit = (opts, both if opts else 0, either)
        if len(_OPTIONS) < 200_000:
            _OPTIONS[key] = hit
    return hit


def bits_of(values: Sequence[int]) -> int:
    return sum(1 << i for i, v in enumerate(values) if v)


def line_text(values: Sequence[int | None]) -> str:
    return " ".join("_" if v is None else str(v) for v in values)


_LINES: dict[tuple[int, ...], tuple[tuple[int, ...], int, int, int] | None] = {}


def line_state(doms: tuple[int, ...]) -> tuple[tuple[int, ...], int, int, int] | None:
    """For a line's domains (1 = {0}, 2 = {1}, 3 = open): (fitting arrangements, AND, OR, known mask), or
    None when a domain is empty; cached by the domains tuple."""
    hit = _LINES.get(doms)
    if hit is None:
        if 0 in doms:
            return None
        known = ones = 0
        for i, m in enumerate(doms):
            if m != 3:
                known |= 1 << i
                if m == 2:
                    ones |= 1 << i
        opts, both, either = line_options(len(doms), known, ones)
        hit = (opts, both, either, known)
        if len(_LINES) < 200_000:
            _LINES[doms] = hit
    return hit


@cache
def line_doms(m: int, n: int) -> tuple[int, ...]:
    """The domains tuple of a complete line ``m``."""
    return tuple(2 if m >> i & 1 else 1 for i in range(n))


class LineRule(Constraint):
    """One row or column: a legal line (balanced, no triple) that differs from every other line of its
    direction (``others``: their variables)."""

    __slots__ = ("n", "full", "others", "get", "getters")

    def __init__(self, vars: Sequence[int], others: Sequence[Sequence[int]], label: str):
        super().__init__(vars, label)
        self.n = len(self.vars)
        self.full = (1 << self.n) - 1
        self.others = tuple(tuple(o) for o in others)
        self.get = itemgetter(*self.vars)
        self.getters = tuple(itemgetter(*o) for o in self.others)

    def read(self, dom: Sequence[int]) -> tuple[int, int] | None:
        """(known mask, ones mask) of the line."""
        known = ones = 0
        for i, m in enumerate(self.get(dom)):
            if not m:
                return None
            if m != 3:
                known |= 1 << i
                if m == 2:
                    ones |= 1 << i
        return known, ones

    def complete_others(self, dom: Sequence[int]) -> dict[int, int]:
        """line value -> index in ``others`` of every other line that is already complete."""
        out: dict[int, int] = {}
        for k, g in enumerate(self.getters):
            doms = g(dom)
            if 3 in doms or 0 in doms:
                continue
            out.setdefault(sum(1 << i for i, m in enumerate(doms) if m == 2), k)
        return out

    def fitting(self, dom: Sequence[int]) -> tuple[tuple[int, ...], int, int, int] | None:
        """The arrangements still possible (with the distinctness filter for lines that are not complete but
        have at most DISTINCT_OPTIONS arrangements left), their AND and OR, and the known mask."""
        hit = line_state(self.get(dom))
        if hit is None:
            return None
        opts, both, either, known = hit
        if opts and len(opts) <= DISTINCT_OPTIONS and known != self.full:
            n = self.n
            seen = [g(dom) for g in self.getters]
            keep = tuple(m for m in opts if line_doms(m, n) not in seen)
            if len(keep) < len(opts):
                both = self.full
                either = 0
                for m in keep:
                    both &= m
                    either |= m
                return keep, both, either, known
        return hit

    def propagate(self, dom: list[int]) -> list[int] | None:
        got = self.fitting(dom)
        if got is None or not got[0]:
            return None
        return self._apply(dom, got)

    def _apply(self, dom: list[int], got) -> list[int]:
        _, both, either, known = got
        free = self.full & ~known
        set1 = both & free
        set0 = free & ~either
        if not set1 and not set0:
            return []
        changed = []
        vs = self.vars
        while set1:
            low = set1 & -set1
            v = vs[low.bit_length() - 1]
            dom[v] = 2
            changed.append(v)
            set1 ^= low
        while set0:
            low = set0 & -set0
            v = vs[low.bit_length() - 1]
            dom[v] = 1
            changed.append(v)
            set0 ^= low
        return changed

    def propagate_plain(self, dom: list[int]) -> list[int] | None:
        """:meth:`propagate` without the repeated-line filter."""
        hit = line_state(self.get(dom))
        if hit is None or not hit[0]:
            return None
        return self._apply(dom, hit)

    def satisfied(self, values: Sequence[int]) -> bool:
        mine = self.get(values)
        if bits_of(mine) not in set(legal_lines(self.n)):
            return False
        return all(g(values) != mine for g in self.getters)


def build_csp(n: int) -> CSP:
    """Variable ``r * n + c`` in {0, 1} (named 1-based ``(r,c)``); one :class:`LineRule` per row and column
    (constraint ``r`` is row r + 1, constraint ``n + c`` column c + 1)."""
    csp = CSP([3] * (n * n), names=[cell_name(r, c, 1) for r in range(n) for c in range(n)])
    rows = [[r * n + c for c in range(n)] for r in range(n)]
    cols = [[r * n + c for r in range(n)] for c in range(n)]
    for r in range(n):
        csp.add(LineRule(rows[r], rows[:r] + rows[r + 1:], f"row {r + 1}"))
    for c in range(n):
        csp.add(LineRule(cols[c], cols[:c] + cols[c + 1:], f"column {c + 1}"))
    return csp


def _propagate_from(csp: CSP, n: int, dom: list[int], queue: list[int], plain: bool) -> bool:
    """Run the line rules of ``queue`` (constraint indices) and of every line they change, to a fixed
    point; ``plain`` skips the repeated-line filter (cheaper, still sound). False on a contradiction."""
    cons = csp.constraints
    queued = set(queue)
    while queue:
        ci = queue.pop()
        queued.discard(ci)
        con = cons[ci]
        changed = con.propagate_plain(dom) if plain else con.propagate(dom)
        if changed is None:
            return False
        for v in changed:
            rr, cc = divmod(v, n)
            for cj in (rr, n + cc):
                if cj != ci and cj not in queued:
                    queued.add(cj)
                    queue.append(cj)
    return True


def flip_possible(csp: CSP, n: int, base: list[int], var: int, value: int) -> bool:
    """Exact: whether some solution within ``base`` has ``value`` at ``var``. First the plain line rules
    spread out from the cell's row and column, then over every line; a complete grid is then checked
    (distinct lines included), else the engine's search decides."""
    dom = base[:]
    dom[var] = 1 << value
    r, c = divmod(var, n)
    if not _propagate_from(csp, n, dom, [n + c, r], True):
        return False
    if not _propagate_from(csp, n, dom, list(range(2 * n - 1, -1, -1)), True):
        return False
    if all(m == 1 or m == 2 for m in dom):
        values = [m >> 1 for m in dom]
        return all(con.satisfied(values) for con in csp.constraints)
    return csp.search(1, domains=dom).count > 0


def carve(csp: CSP, n: int, solution: Sequence[int], order: Sequence[int], target: int) -> list[int]:
    """Greedy given removal (as :meth:`CSP.carve`): visit ``order`` and blank a cell when no solution has it
    flipped (:func:`flip_possible`, exact), until ``target`` givens are left."""
    base = [1 << v for v in solution]
    count = n * n
    for var in order:
        if count <= target:
            break
        base[var] = 3
        if flip_possible(csp, n, base, var, 1 - solution[var]):
            base[var] = 1 << solution[var]
        else:
            count -= 1
    return [v for v in range(n * n) if base[v] != 3]


@lru_cache(maxsize=16)
def _csp(n: int) -> CSP:
    return build_csp(n)


def givens_domains(n: int, givens) -> list[int]:
    return [3 if v is None else 1 << int(v) for row in givens for v in row]


def grid_problems(grid: Sequence[Sequence[int]]) -> tuple[list[str | None], list[str | None], str | None, str | None]:
    """Why each row / column breaks the line rules (None when fine), and which lines repeat."""
    n = len(grid)
    half = n // 2

    def line(vals: Sequence[int], name: str, what: str) -> str | None:
        ones = sum(vals)
        if ones != half:
            return f"{name} has {n - ones} zeros and {ones} ones (needs {half} of each)"
        for i in range(n - 2):
            if vals[i] == vals[i + 1] == vals[i + 2]:
                return f"{name} has three {vals[i]}s in a row at {what}s {i + 1}-{i + 3}"
        return None

    rows = [line(grid[r], f"row {r + 1}", "column") for r in range(n)]
    cols_vals = [[grid[r][c] for r in range(n)] for c in range(n)]
    cols = [line(cols_vals[c], f"column {c + 1}", "row") for c in range(n)]

    def repeated(lines: list, kind: str) -> str | None:
        seen: dict[tuple, int] = {}
        for i, vals in enumerate(lines):
            key = tuple(vals)
            if key in seen:
                return f"{kind}s {seen[key] + 1} and {i + 1} are identical"
            seen[key] = i
        return None

    return rows, cols, repeated([list(r) for r in grid], "row"), repeated(cols_vals, "column")


# ---------------------------------------------------------------------------------------------------------------


def board_of(n: int, marks: dict[tuple[int, int], int]) -> Board:
    """The board showing ``marks`` (cell -> 1/2 given 0/1, 3/4 entered 0/1): givens as coloured digits in
    pale circles, entries in dark grey, grey 1-based coordinates."""
    values = {}
    given = set()
    colors = {}
    circles = {}
    for cell, code in marks.items():
        digit = (code - 1) % 2
        values[cell] = str(digit)
        if code <= 2:
            given.add(cell)
            colors[cell] = ONE_COLOR if digit else ZERO_COLOR
            circles[cell] = (ONE_FILL, ONE_COLOR) if digit else (ZERO_FILL, ZERO_COLOR)
        else:
            colors[cell] = ENTRY_COLOR
    return Board(n, n, values=values, given=given, colors=colors, circles=circles, coords=1, text_scale=0.5)


_KITS: dict[tuple[int, int], Any] = {}


def _render_kit(n: int, size: int):
    """(empty board image, layout, cell tiles by code, tile inset) for n×n boards at ``size``, drawn once
    with the shared renderer (the four kinds of marks in the first row) and cached; None on boards too
    small to cut tiles from (they are drawn directly)."""
    key = (n, size)
    if key in _KITS:
        return _KITS[key]
    kit = None
    if n >= 4:
        base, layout = render_board(board_of(n, {}), size)
        sample, _ = render_board(board_of(n, {(0, k): k + 1 for k in range(4)}), size)
        inset = max(3, round(layout.cell * 0.07)) + 1
        tiles = {}
        for k in range(4):
            x0, y0, x1, y1 = layout.box(0, k)
            if x1 - x0 - 2 * inset < 4:
                break
            tiles[k + 1] = sample.crop((x0 + inset, y0 + inset, x1 - inset, y1 - inset))
        else:
            kit = (base, layout, tiles, inset)
    if len(_KITS) < 64:
        _KITS[key] = kit
    return kit


class Binairo(SquareStepMixin, CSPGridMixin, Task):
    name = "Binairo"
    category = "puzzles"
    benchmark_id = "binairo"
    generator_key = "binairo"
    score_function = "binairo_evaluator"
    version = "1"
    answer_format = "n rows of n space-separated 0/1 digits, one row per line"
    max_answer_chars = 20_000
    solve_what = "Binairo"
    record_categories = ("binario",)
    code_text = {1: "0", 2: "1"}
    level_sizes = LEVEL_PARAMS
    legend_text = ("The image shows the current grid: the givens are the circled blue 0s and red 1s, the digits you "
                   "have written are dark grey without a circle.")

    # ----- generation ------------------------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        n, target = LEVEL_PARAMS[level]
        csp = _csp(n)
        best = None
        for _ in range(MAX_DRAWS):
            order = [[0, 1] if x else [1, 0] for x in (rng.random(n * n) < 0.5).tolist()]
            values = csp.solve(value_order=order)
            if values is None:  # pragma: no cover - an empty grid always has a completion
                continue
            kept = carve(csp, n, values, rng.permutation(n * n).tolist(), target)
            if best is None or len(kept) < len(best[1]):
                best = (values, kept)
            if len(kept) <= target:
                break
        assert best is not None
        values, kept = best
        keep = set(kept)
        givens = [[values[r * n + c] if r * n + c in keep else None for c in range(n)] for r in range(n)]
        return {"n": n, "givens": givens}, tuple(tuple(values[r * n: (r + 1) * n]) for r in range(n))

    # ----- helpers ---------------------------------------------------------------------------------------------
    def csp(self, inst: Instance) -> tuple[CSP, list[int]]:
        n = self.size(inst)
        return _csp(n), givens_domains(n, inst.state["givens"])

    # ----- solving (solve, count: core.grid_puzzle.CSPGridMixin) -----------------------------------------------
    def format_answer(self, inst: Instance, solution: Any) -> str:
        return "\n".join(" ".join(str(int(v)) for v in row) for row in solution)

    def stats(self, inst: Instance) -> dict:
        """Solver work that grows with the level: blanks, line arrangements still open after the givens,
        propagator calls of the uniqueness count and single-cell deductions of the traced solve."""
        n = self.size(inst)
        csp, dom = self.csp(inst)
        res = csp.search(2, domains=dom)
        log: list = []
        csp.search(1, domains=dom, log=log)
        givens = sum(1 for row in inst.state["givens"] for v in row if v is not None)
        options = 0
        for c in csp.constraints:
            known, ones = c.read(dom)
            options += len(line_options(n, known, ones)[0])
        return {"n": n, "givens": givens, "blanks": n * n - givens, "line_options": options,
                "search_nodes": res.nodes, "propagations": res.propagations,
                "deductions": sum(len(ev[2]) for ev in log if ev[0] == "deduce"),
                "guesses": sum(1 for ev in log if ev[0] == "branch")}

    # ----- verification ----------------------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        n = self.size(inst)
        grid = parse_grid(answer, n, n, single_digit=True, max_chars=self.max_answer_chars, what="digits")
        return self.check_grid(inst, grid)

    def check_grid(self, inst: Instance, grid) -> Verdict:
        n = self.size(inst)
        checks = Checklist()
        if not check_values(grid, (0, 1), checks, base=1, describe="0 or 1"):
            return checks.verdict(grid)
        for r, row in enumerate(inst.state["givens"]):
            for c, g in enumerate(row):
                if g is not None:
                    checks.check(grid[r][c] == g, lambda r=r, c=c, g=g: (
                        f"the given {g} at {cell_name(r, c, 1)} was changed to {grid[r][c]}"))
        rows, cols, same_rows, same_cols = grid_problems(grid)
        for why in rows + cols:
            checks.check(why is None, why or "")
        checks.check(same_rows is None, same_rows or "")
        checks.check(same_cols is None, same_cols or "")
        return checks.verdict(grid, f"correct: every row and column holds {n // 2} zeros and {n // 2} ones without "
                                    "three equal digits in a row, all rows and columns differ and all givens are kept")

    # ----- presentation ----------------------------------------------------------------------------------------
    def marks(self, inst: Instance, play: Any = None) -> dict[tuple[int, int], int]:
        """What each non-empty cell shows: code 1/2 = given 0/1, code 3/4 = entered 0/1."""
        n = self.size(inst)
        givens = inst.state["givens"]
        out = {}
        for r in range(n):
            for c in range(n):
                g = givens[r][c]
                if g is not None:
                    out[(r, c)] = 1 + int(g)
                elif play is not None and play[r][c]:
                    out[(r, c)] = 2 + int(play[r][c])
        return out

    def board(self, inst: Instance, play: Any = None) -> Board:
        return board_of(self.size(inst), self.marks(inst, play))

    def render(self, inst: Instance, play: Any = None, size: int = 512):
        n = self.size(inst)
        marks = self.marks(inst, play)
        kit = _render_kit(n, size)
        if kit is None:
            return render_board(board_of(n, marks), size)[0]
        base, layout, tiles, inset = kit
        img = base.copy()
        for (r, c), code in marks.items():
            x0, y0, _, _ = layout.box(r, c)
            img.paste(tiles[code], (x0 + inset, y0 + inset))
        return img

    def _example(self, inst: Instance) -> str:
        """A checkerboard example of the right size: it repeats rows, so it is never the solution."""
        n = self.size(inst)
        return "\n".join(" ".join(str((r + c) % 2) for c in range(n)) for r in range(n))

    def rules(self, n: int) -> str:
        h = n // 2
        return ("## Rules:\n"
                "1. Fill the grid with 0s and 1s\n"
                f"2. Each row and column must contain exactly {h} 0s and {h} 1s\n"
                "3. No three consecutive identical digits in any row or column\n"
                "4. All rows must be unique and all columns must be unique\n"
                "5. The pre-filled digits are given and cannot be changed\n")

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        n = self.size(inst)
        coords = (f"## Coordinate System:\n- Rows are numbered 1 to {n} from top to bottom\n"
                  f"- Columns are numbered 1 to {n} from left to right\n")
        fmt = f"## Output Format:\n{FORMAT_SENTENCE} For example (a {n}×{n} grid, not the solution):\n\n" \
              f"{self._example(inst)}\n"
        if modality == "image":
            return ("# Binairo Puzzle\n## Task:\nPlease examine the image carefully. The image shows a "
                    f"{n}×{n} Binairo puzzle grid with blue digits representing 0s and red digits representing 1s. "
                    "Empty cells need to be filled.\n\n" + self.rules(n) + "\n" + coords
                    + f"The small grey numbers above the columns and left of the rows are these numbers.\n\nSolve the "
                    f"{n}×{n} Binairo puzzle shown in the image and provide your complete solution.\n\n" + fmt)
        if modality == "text":
            givens = inst.state["givens"]
            filled = sum(1 for row in givens for v in row if v is not None)
            rows = "\n".join(f"Row {r + 1}: {line_text(row)}" for r, row in enumerate(givens))
            return ("# Binairo Puzzle\n## Task:\nThe grid below shows a "
                    f"{n}×{n} Binairo puzzle with some cells pre-filled with 0s and 1s. Empty cells need to be "
                    "filled.\n\n" + self.rules(n) + "\n### Current Game State (text representation):\n" + rows
                    + f"\n\n### Game State Explanation:\n- Grid dimensions: {n} rows × {n} columns\n"
                    f"- Total cells: {n * n}\n- Filled cells: {filled}\n- Empty cells: {n * n - filled}\n\n"
                    "### Text Representation Legend:\n- Numbers (0, 1): Pre-filled clues that cannot be changed\n"
                    "- Underscore (_): Empty cells that need to be filled\n\n" + coords + "\n" + fmt)
        raise ValueError(f"unknown modality {modality!r}; use 'image' or 'text'")

    # ----- trace -----------------------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        n = self.size(inst)
        csp, grid, log = self.traced_grid(inst)
        h = n // 2
        lines = [
            f"Fill the {n}x{n} grid with 0s and 1s: every row and column needs {h} zeros and {h} ones, no three "
            "equal digits may touch in a line, and no two rows or two columns may be equal. Cells are (row, column), "
            "1-based.",
            "Givens (_ = empty):",
            *(line_text(row) for row in inst.state["givens"]),
            "Go through the rows and columns and fix every cell that the rules force (a cell next to a pair or "
            f"between two equal digits takes the other digit; a line that already has {h} of one digit takes the "
            "other digit in its remaining cells; otherwise compare the arrangements that still fit the line):",
        ]
        lines += _format_search(csp, log)
        lines += ["Every cell is now determined and all rules hold:",
                  *(" ".join(map(str, row)) for row in grid), "Answer: " + self.format_answer(inst, grid)]
        return "\n".join(lines)

    # ----- reference records -----------------------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record_field(record.get("initial_state"))
        if isinstance(raw, dict):
            raw = raw.get("grid", raw.get("givens", raw.get("initial_state")))
        if not isinstance(raw, (list, tuple)) or not raw or not all(isinstance(row, (list, tuple)) for row in raw):
            raise RecordError("initial_state must be an n x n list of 0, 1 or null")
        n = len(raw)
        if n % 2 or not 2 <= n <= 16 or any(len(row) != n for row in raw):
            raise RecordError(f"initial_state must be a square grid of even size, got {n} rows")
        givens = []
        for row in raw:
            out = []
            for v in row:
                if v is None or (isinstance(v, str) and v.strip() in ("", "_", ".", "None", "null")):
                    out.append(None)
                elif isinstance(v, (int, str)) and not isinstance(v, bool) and str(v).strip() in ("0", "1"):
                    out.append(int(str(v).strip()))
                else:
                    raise RecordError(f"bad cell value {v!r} (0, 1 or null)")
            givens.append(out)
        if _csp(n).solve(domains=givens_domains(n, givens)) is None:
            raise RecordError("the givens admit no solution")
        return {"n": n, "givens": givens}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        return LEVEL_BY_SIZE.get(int(state["n"]))

    record_witness = grid_witness

    # ----- step mode (core.grid_puzzle.SquareStepMixin) -------------------------------------------------------
    def value_codes(self, n: int) -> int:
        return 3

    def play_givens(self, inst: Instance) -> Grid:
        return tuple(tuple(0 if v is None else int(v) + 1 for v in row) for row in inst.state["givens"])

    def play_values(self, inst: Instance, play: Grid) -> list[list[int]]:
        return [[int(v) - 1 for v in row] for row in play]

    def solution_codes(self, inst: Instance) -> Grid:
        return tuple(tuple(int(v) + 1 for v in row) for row in self.solution(inst))

    def move_help(self, inst: Instance) -> str:
        return move_text(self.size(inst), "value 1 writes a 0, value 2 writes a 1 and value 0 erases the cell",
                         where=" (one less than the 1-based row and column numbers)",
                         after="Changing a given cell is illegal.")


# ---------------------------------------------------------------------------------------------------------------
# trace formatting


def _cell_reason(vals: list[int | None], i: int, x: int, h: int, kind: str) -> str:
    """The simplest rule that forces value ``x`` at position ``i`` of a line (0-based), given ``vals``."""
    y = 1 - x
    n = len(vals)
    if i >= 2 and vals[i - 1] == vals[i - 2] == y:
        return f"next to the pair of {y}s"
    if i + 2 < n and vals[i + 1] == vals[i + 2] == y:
        return f"next to the pair of {y}s"
    if 0 < i < n - 1 and vals[i - 1] == vals[i + 1] == y:
        return f"between two {y}s"
    if sum(1 for v in vals if v == y) == h:
        return f"the {kind} already has {h} {y}s"
    return ""


def _deduction(csp: CSP, ci: int, changes, before) -> str:
    c = csp.constraints[ci]
    if not isinstance(c, LineRule):  # pragma: no cover - every constraint is a line
        return "; ".join(c.why(v, old, new, before, csp.name) for v, old, new in changes) + "."
    n = c.n
    kind = c.label.split()[0]
    vals: list[int | None] = [single(before[v]) if before[v] != 3 else None for v in c.vars]
    known, ones = c.read(before)
    plain = line_options(n, known, ones)[0]
    got = c.fitting(before)
    opts = got[0] if got else ()
    index = {v: i for i, v in enumerate(c.vars)}
    parts = []
    general = []
    for var, _, new in changes:
        x = single(new)
        i = index[var]
        why = _cell_reason(vals, i, x, n // 2, kind)
        if why:
            parts.append(f"{csp.name(var)} = {x} ({why})")
        else:
            general.append((var, x))
    plain_both = plain_either = 0
    if plain:
        plain_both = c.full
        for m in plain:
            plain_both &= m
            plain_either |= m
    by_lines = [(v, x) for v, x in general if (plain_both if x else ~plain_either) >> index[v] & 1]
    by_repeat = [(v, x) for v, x in general if (v, x) not in by_lines]
    if by_lines:
        names = ", ".join(f"{csp.name(v)} = {x}" for v, x in by_lines)
        shown = " or ".join(_bits_text(m, n) for m in plain) if len(plain) <= 3 else f"{len(plain)} arrangements"
        parts.append(f"{names} (only {shown} still fit{'s' if len(plain) == 1 else ''}, and "
                     f"{'it agrees' if len(plain) == 1 else 'they all agree'} there)")
    if by_repeat:
        names = ", ".join(f"{csp.name(v)} = {x}" for v, x in by_repeat)
        used = c.complete_others(before)
        dropped = [m for m in plain if m in used]
        other_names = ", ".join(_line_name(csp, c, c.others[used[m]]) for m in dropped)
        kept = " or ".join(_bits_text(m, n) for m in opts)
        parts.append(f"{names} (of the arrangements that fit, {' and '.join(_bits_text(m, n) for m in dropped)} "
                     f"would repeat {other_names}, which leaves {kept})")
    return f"{c.label.capitalize()} [{line_text(vals)}]: " + "; ".join(parts) + "."


def _line_name(csp: CSP, rule: LineRule, vars: Sequence[int]) -> str:
    for other in csp.constraints:
        if isinstance(other, LineRule) and other.vars == tuple(vars):
            return other.label
    return "another line"  # pragma: no cover


def _bits_text(m: int, n: int) -> str:
    return "".join(str(m >> i & 1) for i in range(n))


def _failure(csp: CSP, ci: int, before) -> str:
    c = csp.constraints[ci]
    vals = [single(before[v]) if before[v] != 3 else None for v in c.vars]
    return f"Contradiction: no valid arrangement of {c.label} fits [{line_text(vals)}]."


def _format_search(csp: CSP, log: list) -> list[str]:
    return explain_search(
        log, deduce=lambda ci, changes, before: _deduction(csp, ci, changes, before),
        fail=lambda ci, before: _failure(csp, ci, before),
        leaf_fail=lambda ci: f"Contradiction: {csp.constraints[ci].label} repeats another line.",
        guess=lambda var, value, cands: f"Suppose {csp.name(var)} = {value}.",
        undo=lambda var, value: f"So {csp.name(var)} cannot be {value}.",
        stuck="No rule forces anything more, so try an open cell both ways.",
        nested="Every further case inside this one fails as well.", dead_lines=DEAD_BRANCH_LINES)


TASK = Binairo()

__all__ = ["LEVEL_PARAMS", "TASK", "Binairo", "LineRule", "build_csp", "grid_problems", "legal_lines",
           "line_options"]
