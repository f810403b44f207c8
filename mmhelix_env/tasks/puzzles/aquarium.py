"""Aquarium (MM-HELIX ``aquarium``): fill tanks with water to one flat level each so the row and column
counts match the clues.

Generation (spec/tasks/Aquarium.md): k seed cells grow into k connected tanks (always a smallest tank that
can still grow takes a random free neighbour; at most 2n cells per tank; at most one single-cell tank);
each tank draws its level uniformly from "empty" or one of its rows; draws with under 20 % or over 80 %
water are redrawn; the clues are the row and column counts, and only instances that the counter proves
unique (limit 2) are kept (levels are redrawn up to 20 times, then a new partition).

Solver and counter: the shared CSP engine with one variable per tank (its level: 0 = empty, t = the
bottom t rows of the tank hold water) and one :class:`LevelSum` per row and column (the water the tanks
put into that line must equal the clue; bounds propagation on per-level contributions).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...core import GenerationError, Instance, ParseError, RecordError, Task, Verdict, record_field
from ...core.csp import CSP, Constraint, explain_search, values_of
from ...core.grid_puzzle import (
    Checklist,
    Grid,
    ShadeStepMixin,
    cells_grid,
    shaded_cells,
    solve_values,
    traced_search,
    tuple_witness,
)
from ...core.parsing import bounded
from ...render.puzzle_grid import Board, render_board, shade_marks

# level -> (n, region counts)
LEVEL_PARAMS: dict[int, tuple[int, tuple[int, ...]]] = {
    1: (4, (4, 5)), 2: (5, (7, 8)), 3: (6, (10, 11)), 4: (7, (14, 15)), 5: (8, (18, 19)),
}
WATER_RANGE = (0.2, 0.8)
LEVEL_DRAWS = 20
MAX_PARTITIONS = 500
DEAD_BRANCH_LINES = 8
WATER = (86, 156, 214)
DRY = (120, 120, 130)
FORMAT_SENTENCE = "Please list all the cells that are filled with water in the format:\n[(x1, y1), (x2, y2), ...]"

# ---------------------------------------------------------------------------------------------------------------
# model


def tank_rows(regions) -> list[list[int]]:
    """The distinct rows of every tank, top to bottom."""
    k = 1 + max(v for row in regions for v in row)
    rows: list[set[int]] = [set() for _ in range(k)]
    for y, row in enumerate(regions):
        for g in row:
            rows[g].add(y)
    return [sorted(r) for r in rows]


def water_of(regions, levels: Sequence[int]) -> set[tuple[int, int]]:
    """The water cells (x, y) when tank g holds water in its bottom ``levels[g]`` rows."""
    rows = tank_rows(regions)
    tops = [rows[g][len(rows[g]) - t] if t else len(regions) for g, t in enumerate(levels)]
    return {(x, y) for y, row in enumerate(regions) for x, g in enumerate(row) if y >= tops[g]}


def clues_of(n: int, water) -> tuple[list[int], list[int]]:
    rows = [0] * n
    cols = [0] * n
    for x, y in water:
        rows[y] += 1
        cols[x] += 1
    return rows, cols


class LevelSum(Constraint):
    """``sum(contrib[i][value of var i]) == target`` (water a line receives from the tanks crossing it):
    bounds propagation on the per-value contributions."""

    __slots__ = ("contrib", "target")

    def __init__(self, vars: Sequence[int], contrib: Sequence[Sequence[int]], target: int, label: str):
        super().__init__(vars, label)
        self.contrib = tuple(tuple(int(x) for x in c) for c in contrib)
        self.target = int(target)

    def bounds(self, dom: Sequence[int]) -> tuple[list[int], list[int]]:
        lows = []
        highs = []
        for v, con in zip(self.vars, self.contrib):
            vals = [con[x] for x in values_of(dom[v])]
            lows.append(min(vals) if vals else 0)
            highs.append(max(vals) if vals else 0)
        return lows, highs

    def propagate(self, dom: list[int]) -> list[int] | None:
        changed: list[int] = []
        vs = self.vars
        target = self.target
        while True:
            if any(not dom[v] for v in vs):
                return None
            lows, highs = self.bounds(dom)
            lo, hi = sum(lows), sum(highs)
            if lo > target or hi < target:
                return None
            again = False
            for i, (v, con) in enumerate(zip(vs, self.contrib)):
                m = dom[v]
                if not m & (m - 1):
                    continue
                top = target - (lo - lows[i])
                bottom = target - (hi - highs[i])
                keep = 0
                for x in values_of(m):
                    if bottom <= con[x] <= top:
                        keep |= 1 << x
                if keep != m:
                    if not keep:
                        return None
                    dom[v] = keep
                    if v not in changed:
                        changed.append(v)
                    again = True
            if not again:
                return changed

    def satisfied(self, values: Sequence[int]) -> bool:
        return sum(con[values[v]] for v, con in zip(self.vars, self.contrib)) == self.target


def build_csp(regions, row_clues, col_clues) -> CSP:
    """Variable g = tank g's level (0..number of its rows); one :class:`LevelSum` per row (constraint y)
    and per column (constraint n + x)."""
    n = len(regions)
    rows = tank_rows(regions)
    k = len(rows)
    csp = CSP([(1 << (len(rows[g]) + 1)) - 1 for g in range(k)], names=[f"tank {g}" for g in range(k)])
    # cells[g][y][x] counts
    for y in range(n):
        tanks = sorted({regions[y][x] for x in range(n)})
        contrib = []
        for g in tanks:
            m = len(rows[g])
            width = sum(1 for x in range(n) if regions[y][x] == g)
            need = m - rows[g].index(y)  # levels >= need cover row y
            contrib.append([width if t >= need else 0 for t in range(m + 1)])
        csp.add(LevelSum(tanks, contrib, row_clues[y], f"row {y}"))
    for x in range(n):
        tanks = sorted({regions[y][x] for y in range(n)})
        contrib = []
        for g in tanks:
            m = len(rows[g])
            col_rows = [y for y in range(n) if regions[y][x] == g]
            contrib.append([sum(1 for y in col_rows if y >= rows[g][m - t]) if t else 0 for t in range(m + 1)])
        csp.add(LevelSum(tanks, contrib, col_clues[x], f"column {x}"))
    return csp


def level_text(rows: Sequence[int], t: int) -> str:
    if t == 0:
        return "empty"
    if t == len(rows):
        return "full"
    return f"water from row {rows[len(rows) - t]} down"


# ---------------------------------------------------------------------------------------------------------------
# parsing

_LIST = re.compile(r"\[\s*((?:[(\[][^()\[\]]*[)\]]\s*,?\s*)*)\]")
_ITEM = re.compile(r"[(\[]([^()\[\]]*)[)\]]")
_PAIR = re.compile(r"\s*([+-]?\d+)\s*[,;\s]\s*([+-]?\d+)\s*", re.ASCII)
_NUMERIC_ITEM = re.compile(r"[(\[]\s*[+-]?[\d.]+\s*[,;\s]\s*[+-]?[\d.]+\s*[)\]]", re.ASCII)
MAX_PAIRS = 10_000


def parse_water(text: str, max_chars: int = 20_000) -> set[tuple[int, int]]:
    """The (x, y) pairs of the last bracketed list (``[(x, y), ...]``, ``[[x, y], ...]`` or ``[]``), else
    every pair in the text; non-integer or negative values are a parse error."""
    text = bounded(text, max_chars)
    lists = list(_LIST.finditer(text))
    if lists:
        items = _ITEM.findall(lists[-1].group(1))
    else:
        items = [m.group(0)[1:-1] for m in _NUMERIC_ITEM.finditer(text)]
        if not items:
            raise ParseError("no list of (x, y) cells found (write [] for no water)")
    if len(items) > MAX_PAIRS:
        raise ParseError(f"too many cells ({len(items)})")
    out = set()
    for body in items:
        m = _PAIR.fullmatch(body)
        if m is None:
            raise ParseError(f"({body.strip()[:40]}) is not a pair of integers (x, y)")
        x, y = int(m.group(1)), int(m.group(2))
        if x < 0 or y < 0:
            raise ParseError(f"({x}, {y}) has a negative coordinate")
        out.add((x, y))
    return out


def pairs_text(water) -> str:
    """``[(x, y), ...]`` in row-major order (by y, then x)."""
    return "[" + ", ".join(f"({x}, {y})" for x, y in sorted(water, key=lambda p: (p[1], p[0]))) + "]"


# ---------------------------------------------------------------------------------------------------------------
# generation


def grow_partition(rng: np.random.Generator, n: int, k: int) -> list[list[int]] | None:
    """k connected tanks grown from random seed cells (smallest growable tank first, cap 2n cells);
    None when the growth gets stuck or more than one single-cell tank is left."""
    cap = 2 * n
    owner = [-1] * (n * n)
    seeds = sorted(rng.choice(n * n, size=k, replace=False).tolist())
    members: list[list[int]] = []
    for g, cell in enumerate(seeds):
        owner[cell] = g
        members.append([cell])
    free = n * n - k
    nbrs = [[c2 for c2 in (c - n if c >= n else -1, c + n if c + n < n * n else -1,
                           c - 1 if c % n else -1, c + 1 if (c + 1) % n else -1) if c2 >= 0]
            for c in range(n * n)]
    while free:
        options = []
        for g in range(k):
            if len(members[g]) >= cap:
                continue
            frontier = sorted({c2 for c in members[g] for c2 in nbrs[c] if owner[c2] < 0})
            if frontier:
                options.append((len(members[g]), g, frontier))
        if not options:
            return None
        smallest = min(o[0] for o in options)
        options = [o for o in options if o[0] == smallest]
        _, g, frontier = options[int(rng.integers(len(options)))]
        cell = frontier[int(rng.integers(len(frontier)))]
        owner[cell] = g
        members[g].append(cell)
        free -= 1
    if sum(1 for m in members if len(m) == 1) > 1:
        return None
    # ids in row-major order of first appearance
    rename: dict[int, int] = {}
    for g in owner:
        rename.setdefault(g, len(rename))
    return [[rename[owner[y * n + x]] for x in range(n)] for y in range(n)]


class Aquarium(ShadeStepMixin, Task):
    name = "Aquarium"
    category = "puzzles"
    benchmark_id = "aquarium"
    generator_key = "aquarium"
    score_function = "aquarium_evaluator"
    version = "1"
    answer_format = "[(x1, y1), (x2, y2), ...] the water cells, x = column, y = row, 0-based"
    max_answer_chars = 20_000
    code_text = {1: "~", 2: "x"}
    level_sizes = LEVEL_PARAMS
    shade_text = "fills the cell with water"
    mark_text = "marks it dry (a note only)"
    move_axes = "row = y and column = x, both 0-{last}"
    move_after = "Unfilled cells count as dry. In the text grid, ~ is water and x a dry mark."
    legend_text = "The image shows the current grid: water cells are blue, cells you marked dry show a small grey dot."

    # ----- generation ------------------------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        n, counts = LEVEL_PARAMS[level]
        lo, hi = WATER_RANGE[0] * n * n, WATER_RANGE[1] * n * n
        for _ in range(MAX_PARTITIONS):
            k = int(counts[int(rng.integers(len(counts)))])
            regions = grow_partition(rng, n, k)
            if regions is None:
                continue
            rows = tank_rows(regions)
            for _ in range(LEVEL_DRAWS):
                levels = [int(rng.integers(len(r) + 1)) for r in rows]
                water = water_of(regions, levels)
                if not lo <= len(water) <= hi:
                    continue
                rc, cc = clues_of(n, water)
                if build_csp(regions, rc, cc).count_solutions(2) == 1:
                    state = {"n": n, "regions": regions, "row_clues": rc, "col_clues": cc}
                    return state, tuple(sorted(water, key=lambda p: (p[1], p[0])))
        raise GenerationError(f"Aquarium: no unique {n}x{n} puzzle in {MAX_PARTITIONS} partitions")  # pragma: no cover

    # ----- helpers ---------------------------------------------------------------------------------------------
    def csp(self, inst: Instance) -> CSP:
        st = inst.state
        return build_csp(st["regions"], st["row_clues"], st["col_clues"])

    # ----- solving ---------------------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> tuple[tuple[int, int], ...]:
        levels = solve_values(self.csp(inst), "Aquarium")
        return tuple(sorted(water_of(inst.state["regions"], levels), key=lambda p: (p[1], p[0])))

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return pairs_text(solution)

    def count(self, inst: Instance, limit: int = 2) -> int:
        return self.csp(inst).count_solutions(limit)

    def stats(self, inst: Instance) -> dict:
        """Solver work that grows with the level: tanks, level options, propagator calls of the uniqueness
        count, deductions and guesses of the traced solve."""
        csp = self.csp(inst)
        res = csp.search(2)
        log: list = []
        csp.search(1, log=log)
        return {"n": self.size(inst), "tanks": len(csp.domains),
                "level_options": sum(m.bit_count() for m in csp.domains),
                "water_cells": len(self.solution(inst)), "search_nodes": res.nodes,
                "propagations": res.propagations,
                "deductions": sum(len(ev[2]) for ev in log if ev[0] == "deduce"),
                "guesses": sum(1 for ev in log if ev[0] == "branch")}

    # ----- verification ----------------------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        return self.check_water(inst, parse_water(answer, self.max_answer_chars))

    def check_water(self, inst: Instance, water: set[tuple[int, int]]) -> Verdict:
        n = self.size(inst)
        st = inst.state
        regions = st["regions"]
        parsed = sorted(water, key=lambda p: (p[1], p[0]))
        checks = Checklist()
        bad = [(x, y) for x, y in parsed if not (x < n and y < n)]
        if bad:
            more = f" ({len(bad)} cells outside)" if len(bad) > 1 else ""
            checks.fail(f"cell ({bad[0][0]}, {bad[0][1]}) is outside the {n}x{n} grid (x and y are 0-{n - 1}){more}")
            return checks.verdict(parsed)
        rows, cols = clues_of(n, water)
        for y in range(n):
            want = int(st["row_clues"][y])
            checks.check(rows[y] == want, lambda y=y, want=want: f"row {y} has {rows[y]} water cells, not {want}")
        for x in range(n):
            want = int(st["col_clues"][x])
            checks.check(cols[x] == want, lambda x=x, want=want: f"column {x} has {cols[x]} water cells, not {want}")
        k = 1 + max(v for row in regions for v in row)
        problems: list[str | None] = [None] * k
        for y in range(n):
            for x in range(n):
                g = regions[y][x]
                if problems[g] is not None:
                    continue
                wet = (x, y) in water
                if x + 1 < n and regions[y][x + 1] == g and ((x + 1, y) in water) != wet:
                    a, b = ((x, y), (x + 1, y)) if wet else ((x + 1, y), (x, y))
                    problems[g] = (f"tank {g} is not level in row {y}: ({a[0]}, {a[1]}) has water but "
                                   f"({b[0]}, {b[1]}) of the same tank does not")
                elif wet and y + 1 < n and regions[y + 1][x] == g and (x, y + 1) not in water:
                    problems[g] = (f"tank {g}: the water at ({x}, {y}) floats above the empty cell ({x}, {y + 1}) "
                                   "of the same tank")
        # a row of a tank may be split into parts that only join lower down: check whole rows too
        for g in range(k):
            if problems[g] is not None:
                continue
            by_row: dict[int, set[bool]] = {}
            for y in range(n):
                for x in range(n):
                    if regions[y][x] == g:
                        by_row.setdefault(y, set()).add((x, y) in water)
            for y, kinds in sorted(by_row.items()):
                if len(kinds) > 1:
                    problems[g] = f"tank {g} is not level in row {y}: some of its cells there have water, some not"
                    break
            else:
                wet_rows = [y for y, kinds in by_row.items() if True in kinds]
                if wet_rows:
                    top = min(wet_rows)
                    dry_below = [y for y, kinds in by_row.items() if y > top and False in kinds]
                    if dry_below:
                        problems[g] = (f"tank {g}: row {top} has water but row {dry_below[0]} below it in the same "
                                       "tank is empty")
        for g in range(k):
            checks.check(problems[g] is None, problems[g] or "")
        return checks.verdict(parsed, "correct: every row and column count matches its clue and every tank is "
                                      "filled to one flat level from its bottom")

    # ----- presentation ----------------------------------------------------------------------------------------
    def board(self, inst: Instance, play: Any = None, water=None) -> Board:
        n = self.size(inst)
        st = inst.state
        fills, dots = shade_marks(play, WATER, DRY)
        for x, y in water or ():
            fills[(y, x)] = WATER
        return Board(n, n, regions=st["regions"], fills=fills, dots=dots, coords=0, coord_sides=("bottom", "left"),
                     clues={"top": [str(v) for v in st["col_clues"]], "right": [str(v) for v in st["row_clues"]]})

    def render(self, inst: Instance, play: Any = None, size: int = 512):
        return render_board(self.board(inst, play), size)[0]

    def _example(self, inst: Instance) -> str:
        n = self.size(inst)
        ex = [(0, n - 1), (1, n - 1), (1, n - 2), (2, n - 2)]
        return "[" + ", ".join(f"({x}, {y})" for x, y in ex) + "]"

    RULES = ("### Game Rules:\n"
             "1. Each region must be filled to a uniform water level (from bottom up); a region may also be "
             "completely empty or completely full.\n"
             "2. Water cannot float - if a cell is filled, the cell directly below it (if any, in same region) "
             "must also be filled. The water level is shared by the whole region: all its cells in one row are "
             "either all filled or all empty.\n"
             "3. The numbers outside the grid indicate how many cells are filled with water in each row and "
             "column.\n")
    COORDS = ("### Coordinate system:\n(x, y) where (0, 0) is the top-left cell. x increases to the right, y "
              "increases downward.\n")

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        n = self.size(inst)
        st = inst.state
        head = (f"The {n}×{n} grid is divided into multiple aquariums (regions). Your task is to determine which "
                "cells are filled with water based on the following rules:\n\n" + self.RULES)
        fmt = f"### Answer Format:\n{FORMAT_SENTENCE}\n\nExample (not the solution):\n{self._example(inst)}\n"
        if modality == "image":
            return (head + "4. Regions are separated by thick black lines in the grid. Cells separated by thinner "
                    "lines are in the same region.\n5. The bold numbers above the grid are the column counts; the "
                    "bold numbers right of the grid are the row counts. The small grey numbers below and left of "
                    f"the grid are the coordinates x and y (0 to {n - 1}).\n\n" + self.COORDS + "\n" + fmt
                    + "\nPlease read the image carefully and provide the answer in the format above.\n")
        if modality == "text":
            layout = "\n".join(f"Row {y}: " + " ".join(str(g) for g in row) for y, row in enumerate(st["regions"]))
            return (head + "4. Cells with the same number belong to the same region in the region layout "
                    f"representation.\n\n### Region layout:\n{layout}\n\n"
                    f"Row clues: {list(st['row_clues'])}\nColumn clues: {list(st['col_clues'])}\n"
                    "(row clues from top to bottom, column clues from left to right)\n\n" + self.COORDS + "\n" + fmt)
        raise ValueError(f"unknown modality {modality!r}; use 'image' or 'text'")

    # ----- trace -----------------------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        st = inst.state
        n = self.size(inst)
        csp = self.csp(inst)
        res, log = traced_search(csp, "Aquarium")
        levels = res.solutions[0]
        rows = tank_rows(st["regions"])
        water = water_of(st["regions"], levels)
        lines = [
            f"Each tank is filled from its bottom to one level: empty, or water in its lowest rows up to some row. "
            f"Rows and columns are numbered 0-{n - 1}; a cell is (x, y) = (column, row).",
            "Tanks and their rows: " + "; ".join(f"tank {g} rows {r[0]}-{r[-1]}" if len(r) > 1 else
                                                 f"tank {g} row {r[0]}" for g, r in enumerate(rows)) + ".",
            f"Row clues (y = 0-{n - 1}): {list(st['row_clues'])}; column clues (x = 0-{n - 1}): "
            f"{list(st['col_clues'])}.",
            "For every row and column, compare its clue with the least and the most water the tanks crossing it "
            "can still give, and rule out tank levels that would make it impossible:",
        ]
        lines += _format_search(csp, log, rows)
        lines += ["Every tank level is fixed and all counts match (~ = water, . = dry):"]
        lines += ["".join("~" if (x, y) in water else "." for x in range(n)) for y in range(n)]
        lines.append("Answer: " + pairs_text(water))
        return "\n".join(lines)

    # ----- reference records -----------------------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record_field(record.get("initial_state"))
        if not isinstance(raw, dict):
            raise RecordError("initial_state must be an object with regions, row_clues and col_clues")
        try:
            grid = [[int(v) for v in row] for row in raw["regions"]]
            rc = [int(v) for v in raw["row_clues"]]
            cc = [int(v) for v in raw["col_clues"]]
        except (KeyError, TypeError, ValueError) as err:
            raise RecordError(f"initial_state is malformed: {err}") from None
        n = len(grid)
        if not 2 <= n <= 15 or any(len(row) != n for row in grid) or len(rc) != n or len(cc) != n:
            raise RecordError("regions must be n x n with n row clues and n column clues")
        if any(not 0 <= v <= n for v in rc + cc):
            raise RecordError(f"clues must be 0..{n}")
        rename: dict[int, int] = {}
        for row in grid:
            for g in row:
                rename.setdefault(g, len(rename))
        regions = [[rename[g] for g in row] for row in grid]
        for g in range(len(rename)):
            cells = [(x, y) for y in range(n) for x in range(n) if regions[y][x] == g]
            seen = {cells[0]}
            stack = [cells[0]]
            while stack:
                x, y = stack.pop()
                for x2, y2 in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
                    if 0 <= x2 < n and 0 <= y2 < n and regions[y2][x2] == g and (x2, y2) not in seen:
                        seen.add((x2, y2))
                        stack.append((x2, y2))
            if len(seen) != len(cells):
                raise RecordError(f"region {next(k for k, v in rename.items() if v == g)} is not connected")
        if build_csp(regions, rc, cc).solve() is None:
            raise RecordError("the clues admit no filling")
        return {"n": n, "regions": regions, "row_clues": rc, "col_clues": cc}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        n = int(state["n"])
        return n - 3 if 4 <= n <= 8 else None

    record_witness = tuple_witness

    # ----- step mode (core.grid_puzzle.ShadeStepMixin) --------------------------------------------------------
    def play_check(self, inst: Instance, play: Grid) -> bool:
        return self.check_water(inst, {(x, y) for y, x in shaded_cells(play)}).correct

    def solution_codes(self, inst: Instance) -> Grid:
        return cells_grid(((y, x) for x, y in self.solution(inst)), self.size(inst))


# ---------------------------------------------------------------------------------------------------------------
# trace formatting


def _options(rows: Sequence[int], mask: int) -> str:
    vals = values_of(mask)
    if len(vals) == 1:
        return level_text(rows, vals[0])
    m = len(rows)
    texts = ["empty" if t == 0 else "full" if t == m else f"from row {rows[m - t]}" for t in vals]
    return ", ".join(texts[:-1]) + " or " + texts[-1]


def _format_search(csp: CSP, log: list, rows: list[list[int]]) -> list[str]:
    def deduce(ci, changes, before) -> str:
        c = csp.constraints[ci]
        lows, highs = c.bounds(before)
        parts = [f"{csp.name(v)} is {_options(rows[v], new)}" for v, _, new in changes]
        return (f"{c.label.capitalize()} needs {c.target} water cells; its tanks can give {sum(lows)} to "
                f"{sum(highs)}, so " + "; ".join(parts) + ".")

    def fail(ci, before) -> str:
        c = csp.constraints[ci]
        lows, highs = c.bounds(before)
        return (f"Contradiction: {c.label} needs {c.target} water cells but its tanks can now give only "
                f"{sum(lows)} to {sum(highs)}.")

    return explain_search(
        log, deduce=deduce, fail=fail,
        leaf_fail=lambda ci: f"Contradiction: {csp.constraints[ci].label} does not match its clue.",
        guess=lambda var, value, cands: f"Suppose {csp.name(var)} is {level_text(rows[var], value)} (it could be "
                                        f"{_options(rows[var], cands)}).",
        undo=lambda var, value: f"So {csp.name(var)} is not {level_text(rows[var], value)}.",
        stuck="No count forces anything more, so try the levels of an undecided tank.",
        nested="Every further case inside this one fails as well.", dead_lines=DEAD_BRANCH_LINES)


TASK = Aquarium()

__all__ = ["LEVEL_PARAMS", "TASK", "Aquarium", "LevelSum", "build_csp", "parse_water", "tank_rows", "water_of"]
