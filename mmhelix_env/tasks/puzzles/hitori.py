"""Hitori (MM-HELIX ``hitori``): shade cells of an n×n number grid so that no number repeats among the unshaded
cells of a row or column, no two shaded cells touch and the unshaded cells stay connected.

Generation (spec/tasks/Hitori.md): a random Latin square (the reference's cyclic shifts of a shuffled row
with random row and column orders), a **maximal** random shading (cells in random order,
added while no shaded neighbour and the unshaded cells stay connected, repeated until nothing can be added), each
shaded cell then copies the number of a random unshaded cell in its row or column, and the draw is kept only when
the solution counter (limit 2) proves it unique under exactly the three rules. Solver/counter: the shared CSP
engine (core.csp) with one 0/1 variable per cell (1 = shaded): a ``Count`` per row/column and repeated number
(at most one of those cells unshaded) and the task's bitset constraints :class:`NoTouch` (neighbours of a shaded
cell unshaded) and :class:`Connected` (unreachable cells shaded, cut cells unshaded); the engine branches row by
row, unshaded first. The trace is the engine's search log in words.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from ...core import GenerationError, Instance, RecordError, Task, Verdict
from ...core.csp import CSP, Constraint, Count, explain_search
from ...core.grid_puzzle import (
    BitGrid,
    Checklist,
    Grid,
    ShadeStepMixin,
    bits,
    parse_cell_pairs,
    record_grid,
    solve_values,
    traced_search,
    tuple_witness,
)
from ...render.canvas import INK, fit_font
from ...render.puzzle_grid import Board, render_board, shade_marks

LEVEL_SIZE = {1: 4, 2: 5, 3: 6, 4: 7, 5: 8}
MAX_DRAWS = 500
DEAD_BRANCH_LINES = 8
SHADE = (28, 28, 34)
SHADE_TEXT = (175, 175, 182)
RING = (None, (40, 110, 200))
TEXT_SCALE = 0.5
FORMAT_SENTENCE = "Please return the set of shaded cell coordinates."
EXAMPLE = "{(0, 1), (2, 3), (4, 2)}"

Cells = tuple[tuple[int, int], ...]


# ---------------------------------------------------------------------------------------------------------------
# bitmask geometry


class Geometry(BitGrid):
    """Bit ``r * n + c`` per cell (:class:`~...core.grid_puzzle.BitGrid`) plus each cell's neighbour mask."""

    def __init__(self, n: int):
        super().__init__(n)
        self.nbrs = [self.spread(1 << i) & ~(1 << i) for i in range(n * n)]


def cname(i: int, n: int) -> str:
    return f"({i // n}, {i % n})"


# ---------------------------------------------------------------------------------------------------------------
# the rules as constraints of the shared CSP engine (variable r * n + c: value 0 unshaded, 1 shaded)

UNSHADED, SHADED = 1, 2  # the domains {0} and {1} as bit sets; 3 = undecided


def cut_cells(region: int, geo: Geometry, among: int | None = None) -> int:
    """The cells ``x`` of ``among`` (default: all of ``region``) whose removal from ``region`` separates two
    orthogonal neighbours of ``x`` in ``region`` (the cut cells of a connected region), as a bitmask.

    Bit-parallel filter first: ``x`` is safe when its neighbours in the region are joined around its 3x3 ring
    (e.g. north and east through north-east); only the others get a flood test."""
    n, full, nf, nl = geo.n, geo.full, geo.not_first, geo.not_last
    north, south = (region << n) & full, region >> n          # bit i: the cell above / below i is in the region
    west, east = (region << 1) & nf, (region >> 1) & nl
    ne, nw = (region << (n - 1)) & nl & full, (region << (n + 1)) & nf & full
    se, sw = (region >> (n + 1)) & nl, (region >> (n - 1)) & nf
    l1, l2, l3, l4 = north & ne & east, east & se & south, south & sw & west, west & nw & north
    split = ((north & east & ~l1 & ~(l2 & l3 & l4)) | (east & south & ~l2 & ~(l3 & l4 & l1))
             | (south & west & ~l3 & ~(l4 & l1 & l2)) | (west & north & ~l4 & ~(l1 & l2 & l3))
             | (north & south & ~(l1 & l2) & ~(l3 & l4)) | (east & west & ~(l2 & l3) & ~(l4 & l1)))
    cand = split & (region if among is None else among & region)
    out = 0
    nbrs = geo.nbrs
    while cand:
        low = cand & -cand
        cand ^= low
        near = nbrs[low.bit_length() - 1] & region
        allowed = region & ~low
        anf, anl = allowed & nf, allowed & nl
        reach = near & -near
        while True:  # flood from one neighbour until it meets the others (not a cut) or stops (a cut)
            nxt = reach | ((reach << 1) & anf) | ((reach >> 1) & anl) | (((reach << n) | (reach >> n)) & allowed)
            if not near & ~nxt:
                break
            if nxt == reach:
                out |= low
                break
            reach = nxt
    return out


_IS_SHADED = bytes(49 if b == SHADED else 48 for b in range(256))
_IS_UNSHADED = bytes(49 if b == UNSHADED else 48 for b in range(256))


def cell_masks(dom) -> tuple[int, int]:
    """(shaded, unshaded) cells as bitmasks: the domains as bytes, mapped to "0"/"1" digits, read in base 2."""
    raw = bytes(dom)[::-1]
    return int(raw.translate(_IS_SHADED), 2), int(raw.translate(_IS_UNSHADED), 2)


class NoTouch(Constraint):
    """Rule 2, no two shaded cells share an edge, as one bitset propagator over the whole grid (one pairwise
    ``Count`` per edge would do the same with ~2n² constraints and more queue work): the neighbours of a
    shaded cell stay unshaded; two shaded neighbours are a contradiction."""

    __slots__ = ("geo",)

    def __init__(self, n: int, label: str = "no touching"):
        super().__init__(range(n * n), label)
        self.geo = Geometry.of(n)

    def propagate(self, dom: list[int]) -> list[int] | None:
        shaded, unshaded = cell_masks(dom)
        near = self.geo.adjacent(shaded)
        if near & shaded:
            return None
        out = list(bits(near & ~unshaded))
        for i in out:
            dom[i] = UNSHADED
        return out

    def satisfied(self, values) -> bool:
        m = 0
        for i, v in enumerate(values):
            if v == 1:
                m |= 1 << i
        return not self.geo.adjacent(m) & m


class Connected(Constraint):
    """Rule 3, the unshaded cells form one non-empty orthogonally connected region. Propagation: a fixed
    unshaded cell that the others cannot reach through non-shaded cells is a contradiction; an open cell they
    cannot reach must be shaded; an open cell whose shading would split the non-shaded region must stay
    unshaded (both pieces hold a neighbour of it, which rule 2 keeps unshaded). Cut cells are memoised per
    region and by the cells already tested (the region repeats across propagator calls)."""

    __slots__ = ("geo", "memo")

    def __init__(self, n: int, label: str = "connectivity"):
        super().__init__(range(n * n), label)
        self.geo = Geometry.of(n)
        self.memo: dict[int, tuple[int, int, bool]] = {}

    def propagate(self, dom: list[int]) -> list[int] | None:
        shaded, unshaded = cell_masks(dom)
        geo = self.geo
        free = geo.full & ~shaded
        checked, cuts, joined = self.memo.get(free, (0, 0, False))
        if unshaded and not joined:  # ``joined``: the non-shaded cells are known to form one region
            comp = geo.flood(unshaded & -unshaded, free)
            if unshaded & ~comp:
                return None
            if comp != free:
                out = list(bits(free & ~comp))
                for i in out:
                    dom[i] = SHADED
                return out
            joined = True
        open_cells = free & ~unshaded
        if open_cells & ~checked:
            cuts |= cut_cells(free, geo, open_cells & ~checked)
            checked |= open_cells
        self.memo[free] = (checked, cuts, joined)
        out = list(bits(cuts & open_cells))
        for i in out:
            dom[i] = UNSHADED
        return out

    def satisfied(self, values) -> bool:
        m = 0
        for i, v in enumerate(values):
            if v == 0:
                m |= 1 << i
        return self.geo.connected(m)


@lru_cache(maxsize=16)
def _static(n: int) -> tuple[list[str], list[tuple[str, list[int]]], NoTouch]:
    """Cell names, the lines (label, cells) and the (stateless, shared) rule-2 constraint of an n x n grid."""
    lines = [(f"row {r}", [r * n + c for c in range(n)]) for r in range(n)]
    lines += [(f"column {c}", [r * n + c for r in range(n)]) for c in range(n)]
    return [cname(i, n) for i in range(n * n)], lines, NoTouch(n)


class Model:
    """The CSP of one grid: per row/column and repeated number, at most one of its cells unshaded (rule 1,
    ``Count``); :class:`NoTouch` (rule 2); :class:`Connected` (rule 3). ``kinds[ci]`` describes constraint
    ``ci`` for the trace: ("line", label, number), ("touch",) or ("conn",)."""

    def __init__(self, grid):
        self.n = n = len(grid)
        self.vals = vals = [int(v) for row in grid for v in row]
        names, lines, no_touch = _static(n)
        self.csp = csp = CSP([UNSHADED | SHADED] * (n * n), names=names)
        self.kinds: list[tuple] = []
        for label, cells in lines:
            groups: dict[int, list[int]] = {}
            for i in cells:
                groups.setdefault(vals[i], []).append(i)
            for v, group in sorted(groups.items()):
                if len(group) > 1:
                    csp.add(Count(group, UNSHADED, 0, 1, label=f"{label} ({v})"))
                    self.kinds.append(("line", label, v))
        csp.add(no_touch)
        self.kinds.append(("touch",))
        csp.add(Connected(n))
        self.kinds.append(("conn",))

    def shaded(self, values) -> Cells:
        return tuple(divmod(i, self.n) for i, v in enumerate(values) if v == 1)

    def name(self, i: int) -> str:
        return cname(i, self.n)

    def names(self, cells) -> str:
        return ", ".join(self.name(i) for i in cells)

    # ----- trace wording of the engine's log events -----------------------------------------------------------
    def deduce(self, ci: int, changes, before) -> str:
        kind = self.kinds[ci]
        cells = [v for v, _, _ in changes]
        if kind[0] == "line":
            keep = next(v for v in self.csp.constraints[ci].vars if before[v] == UNSHADED)
            _, label, num = kind
            return (f"{self.name(keep)} keeps its {num} unshaded, so the other {num} in {label} at "
                    f"{self.names(cells)} must be shaded.")
        if kind[0] == "touch":
            nbrs = Geometry.of(self.n).nbrs
            by: dict[int, list[int]] = {}
            for i in cells:
                by.setdefault(next(j for j in bits(nbrs[i]) if before[j] == SHADED), []).append(i)
            return " ".join(f"{self.name(a)} is shaded, so its neighbour{'s' if len(near) > 1 else ''} "
                            f"{self.names(near)} stay{'' if len(near) > 1 else 's'} unshaded."
                            for a, near in by.items())
        shade = [v for v, _, after in changes if after == SHADED]
        keep = [v for v, _, after in changes if after == UNSHADED]
        if shade:
            return (f"{self.names(shade)} can no longer reach the other unshaded cells, so "
                    f"{'they' if len(shade) > 1 else 'it'} must be shaded.")
        return (f"shading {self.names(keep)} would split the remaining cells apart, so "
                f"{'they stay' if len(keep) > 1 else 'it stays'} unshaded.")

    def fail(self, ci: int, before) -> str:
        kind = self.kinds[ci]
        cvars = self.csp.constraints[ci].vars
        if kind[0] == "line":
            two = [v for v in cvars if before[v] == UNSHADED][:2]
            return f"Contradiction: {kind[1]} would keep {kind[2]} unshaded twice, at {self.names(two)}."
        geo = Geometry.of(self.n)
        shaded, unshaded = cell_masks(before)
        if kind[0] == "touch":
            a = next(bits(geo.adjacent(shaded) & shaded))
            b = next(bits(geo.nbrs[a] & shaded))
            return f"Contradiction: {self.names((a, b))} would both be shaded side by side."
        first = unshaded & -unshaded
        cut = unshaded & ~geo.flood(first, geo.full & ~shaded)
        other = next(bits(cut), first.bit_length() - 1)
        return (f"Contradiction: the shaded cells cut {self.name(first.bit_length() - 1)} off from "
                f"{self.name(other)}.")

    def explain(self, log: list) -> list[str]:
        vals = self.vals
        return explain_search(
            log, deduce=self.deduce, fail=self.fail,
            leaf_fail=lambda ci: "Contradiction: the unshaded cells are not one connected region.",
            guess=lambda var, value, cands: (f"Suppose {self.name(var)} ({vals[var]}) "
                                             f"{'is shaded' if value else 'stays unshaded'}."),
            undo=lambda var, value: (f"That fails, so {self.name(var)} "
                                     f"{'stays unshaded' if value else 'must be shaded'}."),
            stuck="No rule forces anything more, so try the first undecided cell (row by row) and follow it.",
            dead_lines=DEAD_BRANCH_LINES)


def latin_square(rng: np.random.Generator, n: int) -> list[list[int]]:
    """The reference's Latin square: cyclic shifts of a shuffled row, then random row and column orders."""
    first = (rng.permutation(n) + 1).tolist()
    rows = rng.permutation(n).tolist()
    cols = rng.permutation(n).tolist()
    return [[first[(rows[r] + cols[c]) % n] for c in range(n)] for r in range(n)]


def answer_text(cells) -> str:
    cells = sorted(cells)
    return "{" + ", ".join(f"({r}, {c})" for r, c in cells) + "}" if cells else "{}"


# ---------------------------------------------------------------------------------------------------------------
# parsing

_EMPTY = re.compile(r"^\s*(?:set\(\s*\)|[{\[(]\s*[}\])]|none|nothing|no cells?)\s*\.?\s*$", re.I)


def parse_cell_set(text: str, max_chars: int) -> Cells:
    """A set of (a, b) pairs, order-free, duplicates collapsed; ``{}``/``set()``/``[]`` = empty."""
    return parse_cell_pairs(text, max_chars, _EMPTY)


# ---------------------------------------------------------------------------------------------------------------
# the task


class Hitori(ShadeStepMixin, Task):
    name = "Hitori"
    category = "puzzles"
    benchmark_id = "hitori"
    generator_key = "hitori"
    score_function = "hitori_evaluator"
    version = "1"
    answer_format = "set of shaded cells {(row, col), ...}, 0-based"
    max_answer_chars = 20_000
    code_text = {1: "#", 2: "o"}
    level_sizes = LEVEL_SIZE
    mark_text = "marks it as unshaded (a ring, a note only)"
    legend_text = ("The image shows the current grid: shaded cells are filled black (their number in light grey), "
                   "cells you marked unshaded have a ring.")

    # ----- generation ------------------------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        n = LEVEL_SIZE[level]
        geo = Geometry.of(n)
        for _ in range(MAX_DRAWS):
            square = latin_square(rng, n)
            shaded = 0
            order = rng.permutation(n * n).tolist()
            grown = True
            while grown:
                grown = False
                for i in order:
                    bit = 1 << i
                    if shaded & bit or geo.nbrs[i] & shaded:
                        continue
                    if geo.connected(geo.full & ~(shaded | bit)):
                        shaded |= bit
                        grown = True
            for i in bits(shaded):
                r, c = divmod(i, n)
                if rng.integers(2) == 0:
                    cand = [(r, k) for k in range(n) if not (shaded >> (r * n + k)) & 1]
                else:
                    cand = [(k, c) for k in range(n) if not (shaded >> (k * n + c)) & 1]
                rr, cc = cand[int(rng.integers(len(cand)))]
                square[r][c] = square[rr][cc]
            model = Model(square)
            res = model.csp.search(2)
            if res.count == 1:
                return {"n": n, "grid": square}, model.shaded(res.solutions[0])
        raise GenerationError(f"Hitori: no unique {n}x{n} puzzle in {MAX_DRAWS} draws")  # pragma: no cover

    # ----- solving ---------------------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> Cells:
        model = Model(inst.state["grid"])
        values = solve_values(model.csp, "Hitori")
        return model.shaded(values)

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return answer_text(solution)

    def count(self, inst: Instance, limit: int = 2) -> int:
        return Model(inst.state["grid"]).csp.count_solutions(limit)

    def stats(self, inst: Instance) -> dict:
        n = self.size(inst)
        model = Model(inst.state["grid"])
        res = model.csp.search(2)
        log: list = []
        model.csp.search(1, log=log)
        return {"n": n, "shaded": len(self.solution(inst)), "search_nodes": res.nodes,
                "propagations": res.propagations,
                "guesses": sum(1 for ev in log if ev[0] == "branch"),
                "deductions": sum(len(ev[2]) for ev in log if ev[0] == "deduce")}

    # ----- verification ----------------------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        cells = parse_cell_set(answer, self.max_answer_chars)
        return self.check_cells(inst, cells)

    def check_cells(self, inst: Instance, cells) -> Verdict:
        n = self.size(inst)
        grid = inst.state["grid"]
        checks = Checklist()
        bad = [(r, c) for r, c in cells if not (0 <= r < n and 0 <= c < n)]
        if bad:
            checks.fail(f"cell {bad[0]} is outside the {n}x{n} grid (rows and columns are 0-{n - 1})"
                        + (f" ({len(bad)} cells outside)" if len(bad) > 1 else ""))
            return checks.verdict(cells)
        shaded = {(r, c) for r, c in cells}
        for r in range(n):
            checks.check(*_line_ok(f"row {r}", [(r, c) for c in range(n)], grid, shaded))
        for c in range(n):
            checks.check(*_line_ok(f"column {c}", [(r, c) for r in range(n)], grid, shaded))
        touching = next(((r, c) for r, c in sorted(shaded) if (r, c + 1) in shaded or (r + 1, c) in shaded), None)
        if touching is None:
            checks.check(True)
        else:
            r, c = touching
            other = (r, c + 1) if (r, c + 1) in shaded else (r + 1, c)
            checks.check(False, f"shaded cells {touching} and {other} are adjacent")
        geo = Geometry.of(n)
        mask = 0
        for r, c in shaded:
            mask |= 1 << (r * n + c)
        free = geo.full & ~mask
        if not free:
            checks.check(False, "every cell is shaded; the unshaded cells must form one non-empty region")
        else:
            comp = geo.flood(free & -free, free)
            if comp == free:
                checks.check(True)
            else:
                j = next(bits(free & ~comp))
                a = (free & -free).bit_length() - 1
                checks.check(False, f"the unshaded cells are not connected ({cname(a, n)} cannot reach "
                                    f"{cname(j, n)})")
        return checks.verdict(tuple(sorted(shaded)), "correct: no repeated number among unshaded cells, no "
                                                      "adjacent shaded cells, unshaded cells connected")

    # ----- presentation ----------------------------------------------------------------------------------------
    def board(self, inst: Instance, play: Any = None) -> Board:
        """The grid, shading and rings (the numbers are stamped by :meth:`render`; ``with_values`` boards
        carry them as Board values too)."""
        n = self.size(inst)
        fills, circles = shade_marks(play, SHADE, RING)
        return Board(n, n, fills=fills, circles=circles, coords=0, text_scale=TEXT_SCALE)

    def render(self, inst: Instance, play: Any = None, size: int = 512):
        img, layout = render_board(self.board(inst, play), size)
        n = self.size(inst)
        grid = inst.state["grid"]
        cell = layout.cell
        fnt = fit_font("8", cell * 0.82, cell * TEXT_SCALE, bold=True)
        side = int(math.ceil(cell))
        stamps: dict[str, tuple[Image.Image, int, int]] = {}
        inks: dict[tuple, Image.Image] = {}
        for r in range(n):
            for c in range(n):
                text = str(grid[r][c])
                stamp = stamps.get(text)
                if stamp is None:  # each distinct number is rasterised once (cropped to its ink), then stamped
                    full = Image.new("L", (side, side), 0)
                    ImageDraw.Draw(full).text((side // 2, side // 2), text, font=fnt, fill=255, anchor="mm")
                    box = full.getbbox() or (0, 0, 1, 1)
                    stamp = stamps[text] = (full.crop(box), box[0] - side // 2, box[1] - side // 2)
                mask, dx, dy = stamp
                color = SHADE_TEXT if play is not None and play[r][c] == 1 else INK
                solid = inks.get((color, mask.size))
                if solid is None:
                    solid = inks[(color, mask.size)] = Image.new("RGB", mask.size, color)
                cx, cy = layout.center(r, c)
                img.paste(solid, (round(cx) + dx, round(cy) + dy), mask)
        return img

    def rules(self, n: int) -> str:
        return ("### Puzzle Rules:\n"
                f"1. This is a {n}x{n} grid of numbers. Shade some cells so that in every row and every column "
                "no number appears more than once among the unshaded cells.\n"
                "2. Shaded cells must not be orthogonally adjacent (no two shaded cells share an edge).\n"
                "3. All unshaded cells must form one orthogonally connected region.\n\n"
                "### Coordinates:\n"
                f"Cells are written (row, column), 0-based: rows 0-{n - 1} from top to bottom, columns 0-{n - 1} "
                "from left to right, (0, 0) is the top-left cell.\n")

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        n = self.size(inst)
        fmt = f"### Answer format:\n{FORMAT_SENTENCE}\nExample (not the solution): {EXAMPLE}\n"
        if modality == "image":
            return ("You are given an image of a Hitori puzzle grid. The grey numbers above the columns and left "
                    "of the rows are the 0-based column and row indices.\n\n" + self.rules(n) + "\n" + fmt)
        if modality == "text":
            grid = "\n".join(" ".join(str(v) for v in row) for row in inst.state["grid"])
            return ("You are given a Hitori puzzle.\n\n" + self.rules(n)
                    + f"\n### Grid ({n} rows of {n} numbers):\n```\n{grid}\n```\n\n" + fmt)
        raise ValueError(f"unknown modality {modality!r}; use 'image' or 'text'")

    # ----- trace -----------------------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        n = self.size(inst)
        grid = inst.state["grid"]
        model = Model(grid)
        res, log = traced_search(model.csp, "Hitori")
        cells = model.shaded(res.solutions[0])
        shaded = set(cells)
        lines = [f"Hitori {n}x{n}; cells are (row, column), 0-based. Grid:",
                 *(" ".join(str(v) for v in row) for row in grid),
                 "Rules: no number twice among unshaded cells of a line; shaded cells never touch; unshaded cells "
                 "connected (so a cell whose shading would split the other cells stays unshaded, and a cell cut "
                 "off from the unshaded cells must be shaded). Deduce cell by cell:",
                 *model.explain(log),
                 "Final grid (# = shaded):",
                 *(" ".join("#" if (r, c) in shaded else str(grid[r][c]) for c in range(n)) for r in range(n)),
                 "Every row and column has distinct unshaded numbers, no shaded cells touch, and the unshaded "
                 "cells are connected.",
                 f"Answer: {answer_text(cells)}"]
        return "\n".join(lines)

    # ----- reference records -----------------------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record_grid(record)
        try:
            grid = [[int(v) for v in row] for row in raw]
        except (TypeError, ValueError) as err:
            raise RecordError(f"initial_state must be an n x n list of numbers: {err}") from None
        n = len(grid)
        if not 2 <= n <= 10 or any(len(row) != n for row in grid):
            raise RecordError("initial_state must be a square grid of size 2..10")
        if any(not 1 <= v <= n for row in grid for v in row):
            raise RecordError(f"grid numbers must be 1..{n}")
        if Model(grid).csp.solve() is None:
            raise RecordError("the grid has no valid shading")
        return {"n": n, "grid": grid}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        n = int(state["n"])
        return n - 3 if 4 <= n <= 8 else None

    record_witness = tuple_witness

    # ----- step mode (core.grid_puzzle.ShadeStepMixin) --------------------------------------------------------
    def play_text(self, inst: Instance, play: Grid) -> list[str]:
        grid = inst.state["grid"]
        return [" ".join("#" if v == 1 else (f"({grid[r][c]})" if v == 2 else str(grid[r][c]))
                         for c, v in enumerate(row)) for r, row in enumerate(play)]


def _line_ok(label: str, cells, grid, shaded) -> tuple[bool, str]:
    seen: dict[int, tuple[int, int]] = {}
    for r, c in cells:
        if (r, c) in shaded:
            continue
        v = int(grid[r][c])
        if v in seen:
            return False, f"{label} has {v} unshaded twice (cells {seen[v]} and {(r, c)})"
        seen[v] = (r, c)
    return True, ""


TASK = Hitori()

__all__ = ["LEVEL_SIZE", "TASK", "Connected", "Hitori", "Model", "NoTouch", "cut_cells", "parse_cell_set"]
