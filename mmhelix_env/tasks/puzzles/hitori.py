"""Hitori (MM-HELIX ``hitori``): shade cells of an n×n number grid so that no number repeats among the unshaded
cells of a row or column, no two shaded cells touch and the unshaded cells stay connected.

Generation (spec/tasks/Hitori.md): a random Latin square (the reference's cyclic shifts of a shuffled row
with random row and column orders), a **maximal** random shading (cells in random order,
added while no shaded neighbour and the unshaded cells stay connected, repeated until nothing can be added), each
shaded cell then copies the number of a random unshaded cell in its row or column, and the draw is kept only when
the solution counter (limit 2) proves it unique under exactly the three rules. Solver/counter: row-major
backtracking over bitmasks (shade only if the upper and left neighbours are unshaded; keep unshaded only if the
number is still free in its row and column; at each row end every unshaded component must touch that row).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from ...core import GenerationError, Instance, ParseError, RecordError, Task, Verdict, record_field
from ...core.grid_puzzle import CellStepMixin, Checklist, Grid
from ...core.parsing import bounded, parse_coords
from ...render.canvas import INK, fit_font
from ...render.puzzle_grid import Board, render_board

LEVEL_SIZE = {1: 4, 2: 5, 3: 6, 4: 7, 5: 8}
MAX_DRAWS = 500
SHADE = (28, 28, 34)
SHADE_TEXT = (175, 175, 182)
RING = (None, (40, 110, 200))
TEXT_SCALE = 0.5
FORMAT_SENTENCE = "Please return the set of shaded cell coordinates."
EXAMPLE = "{(0, 1), (2, 3), (4, 2)}"

Cells = tuple[tuple[int, int], ...]


# ---------------------------------------------------------------------------------------------------------------
# bitmask geometry


class Geometry:
    """Bit ``r * n + c`` per cell; shift masks for orthogonal neighbours."""

    _cache: dict[int, Geometry] = {}

    def __init__(self, n: int):
        self.n = n
        self.full = (1 << (n * n)) - 1
        col0 = sum(1 << (r * n) for r in range(n))
        self.not_first = self.full & ~col0               # cells not in column 0
        self.not_last = self.full & ~(col0 << (n - 1))   # cells not in column n-1
        self.rows = [((1 << n) - 1) << (r * n) for r in range(n)]
        self.cols = [col0 << c for c in range(n)]
        self.nbrs = [self.spread(1 << i) & ~(1 << i) for i in range(n * n)]

    @classmethod
    def of(cls, n: int) -> Geometry:
        g = cls._cache.get(n)
        if g is None:
            g = cls._cache[n] = cls(n)
        return g

    def touching(self, m: int) -> int:
        """Cells orthogonally next to some cell of ``m`` (cells of ``m`` included only if they touch another)."""
        n = self.n
        return (((m << 1) & self.not_first) | ((m >> 1) & self.not_last) | (m << n) | (m >> n)) & self.full

    def spread(self, m: int) -> int:
        n = self.n
        return (m | ((m << 1) & self.not_first) | ((m >> 1) & self.not_last) | (m << n) | (m >> n)) & self.full

    def flood(self, seed: int, allowed: int) -> int:
        reach = seed & allowed
        n, nf, nl = self.n, self.not_first & allowed, self.not_last & allowed
        while True:
            nxt = reach | ((reach << 1) & nf) | ((reach >> 1) & nl) | (((reach << n) | (reach >> n)) & allowed)
            if nxt == reach:
                return reach
            reach = nxt

    def connected(self, m: int) -> bool:
        return m != 0 and self.flood(m & -m, m) == m


def bits(m: int):
    while m:
        low = m & -m
        yield low.bit_length() - 1
        m ^= low


def cname(i: int, n: int) -> str:
    return f"({i // n}, {i % n})"


# ---------------------------------------------------------------------------------------------------------------
# solver / counter


def search(grid, limit: int = 2) -> tuple[list[int], int]:
    """Shaded-cell masks of up to ``limit`` solutions and the number of search nodes.

    Row-major: a cell stays unshaded only if no earlier unshaded cell of its row or column has its number (then
    the later cells with that number become forced shaded; forced cells may not touch each other or a shaded
    cell); it is shaded only if its upper and left neighbours are not shaded and no forced cell touches it. At
    each row end every unshaded component must touch that row; at the end there must be one component."""
    n = len(grid)
    geo = Geometry.of(n)
    flat = [int(v) for row in grid for v in row]
    last = n * n
    later = []
    for i in range(last):
        r, c = divmod(i, n)
        v = flat[i]
        m = 0
        for j in range(i + 1, (r + 1) * n):
            if flat[j] == v:
                m |= 1 << j
        for j in range(i + n, last, n):
            if flat[j] == v:
                m |= 1 << j
        later.append(m)
    nbrs = geo.nbrs
    touching = geo.touching
    found: list[int] = []
    nodes = 0
    rows = geo.rows

    def row_end(r: int, unshaded: int) -> bool:
        if r == n - 1:
            return geo.connected(unshaded)
        return geo.flood(unshaded & rows[r], unshaded) == unshaded

    def dfs(i: int, shaded: int, unshaded: int, must: int) -> None:
        nonlocal nodes
        if i == last:
            found.append(shaded)
            return
        nodes += 1
        bit = 1 << i
        end = i % n == n - 1
        if not must & bit:
            u2 = unshaded | bit
            m2 = must | later[i]
            if (m2 == must or not touching(m2) & (m2 | shaded)) and (not end or row_end(i // n, u2)):
                dfs(i + 1, shaded, u2, m2)
                if len(found) >= limit:
                    return
        if not nbrs[i] & (shaded | must):
            if not end or row_end(i // n, unshaded):
                dfs(i + 1, shaded | bit, unshaded, must & ~bit)

    dfs(0, 0, 0, 0)
    return found, nodes


def latin_square(rng: np.random.Generator, n: int) -> list[list[int]]:
    """The reference's Latin square: cyclic shifts of a shuffled row, then random row and column orders."""
    first = (rng.permutation(n) + 1).tolist()
    rows = rng.permutation(n).tolist()
    cols = rng.permutation(n).tolist()
    return [[first[(rows[r] + cols[c]) % n] for c in range(n)] for r in range(n)]


def mask_cells(mask: int, n: int) -> Cells:
    return tuple(divmod(i, n) for i in bits(mask))


def answer_text(cells) -> str:
    cells = sorted(cells)
    return "{" + ", ".join(f"({r}, {c})" for r, c in cells) + "}" if cells else "{}"


# ---------------------------------------------------------------------------------------------------------------
# parsing

_EMPTY = re.compile(r"^\s*(?:set\(\s*\)|[{\[(]\s*[}\])]|none|nothing|no cells?)\s*\.?\s*$", re.I)
_NON_INT_PAIR = re.compile(r"[(\[]\s*-?\d*\.\d|[(\[]\s*-?\d+\s*,\s*-?\d*\.\d", re.ASCII)


def parse_cell_set(text: str, max_chars: int) -> Cells:
    """A set of (a, b) pairs, order-free, duplicates collapsed; ``{}``/``set()``/``[]`` = empty."""
    text = bounded(text, max_chars)
    if _EMPTY.match(text):
        return ()
    if _NON_INT_PAIR.search(text):
        raise ParseError("coordinates must be integers")
    pairs = parse_coords(text, max_chars=max_chars, max_items=5_000)
    return tuple(sorted(set(pairs)))


# ---------------------------------------------------------------------------------------------------------------
# rule-based deduction (trace)


class Contradiction(Exception):
    pass


class Deducer:
    """Shaded / unshaded masks with the three rules as propagators; records sentences."""

    def __init__(self, grid):
        self.n = n = len(grid)
        self.geo = Geometry.of(n)
        self.vals = [int(v) for row in grid for v in row]
        lines = []
        for r in range(n):
            lines.append((f"row {r}", [r * n + c for c in range(n)]))
        for c in range(n):
            lines.append((f"column {c}", [r * n + c for r in range(n)]))
        self.lines = lines
        self.line_of = [[k for k, (_, cells) in enumerate(lines) if i in cells] for i in range(n * n)]

    def name(self, i: int) -> str:
        return cname(i, self.n)

    def propagate(self, S: int, U: int, out: list[str] | None):
        """Apply the rules until nothing changes; returns (S, U) or raises Contradiction(reason)."""
        geo, vals = self.geo, self.vals
        while True:
            changed = False
            # a shaded cell keeps its neighbours unshaded
            for i in bits(S):
                nb = geo.nbrs[i]
                if nb & S:
                    j = next(bits(nb & S))
                    raise Contradiction(f"{self.name(i)} and {self.name(j)} would both be shaded side by side")
                new = nb & ~U
                if new:
                    U |= new
                    changed = True
                    if out is not None:
                        out.append(f"{self.name(i)} is shaded, so its neighbour"
                                   f"{'s' if new & (new - 1) else ''} "
                                   f"{', '.join(self.name(j) for j in bits(new))} stay"
                                   f"{'' if new & (new - 1) else 's'} unshaded.")
            # an unshaded number forces its duplicates in the row and column to be shaded
            for i in bits(U):
                v = vals[i]
                for k in self.line_of[i]:
                    label, cells = self.lines[k]
                    for j in cells:
                        if j != i and vals[j] == v:
                            if (U >> j) & 1:
                                raise Contradiction(f"{label} would keep {v} unshaded twice, at {self.name(i)} "
                                                    f"and {self.name(j)}")
                            if not (S >> j) & 1:
                                S |= 1 << j
                                changed = True
                                if out is not None:
                                    out.append(f"{self.name(i)} keeps its {v} unshaded, so the other {v} in "
                                               f"{label} at {self.name(j)} must be shaded.")
            if changed:
                continue
            # connectivity: every unshaded cell must reach the others through non-shaded cells
            free = geo.full & ~S
            if U:
                first = U & -U
                comp = geo.flood(first, free)
                if U & ~comp:
                    j = next(bits(U & ~comp))
                    raise Contradiction(f"the shaded cells would cut {self.name(first.bit_length() - 1)} off from "
                                        f"{self.name(j)}")
                for i in bits(free & ~U):
                    rest = free & ~(1 << i)
                    if geo.flood(first, rest) & U != U:
                        U |= 1 << i
                        changed = True
                        if out is not None:
                            out.append(f"shading {self.name(i)} would split the unshaded cells apart, so "
                                       f"{self.name(i)} stays unshaded.")
                        break
            if not changed:
                return S, U

    def duplicates(self, S: int, U: int) -> list[int]:
        """Undecided cells whose number still appears in another non-shaded cell of their row or column."""
        out = []
        for i in bits(self.geo.full & ~S & ~U):
            v = self.vals[i]
            if any(j != i and self.vals[j] == v and not (S >> j) & 1
                   for k in self.line_of[i] for j in self.lines[k][1]):
                out.append(i)
        return out

    def quiet(self, S: int, U: int):
        try:
            return self.propagate(S, U, None)
        except Contradiction as err:
            return str(err)

    def solve(self, S: int, U: int, out: list[str], depth: int = 0, counters: dict | None = None):
        """Deduce, then test single hypotheses, then branch. Returns the final shaded mask or None."""
        counters = counters if counters is not None else {"hypotheses": 0, "guesses": 0, "deductions": 0}
        while True:
            before = len(out)
            try:
                S, U = self.propagate(S, U, out)
            except Contradiction as err:
                out.append(f"Contradiction: {err}.")
                return None
            counters["deductions"] += len(out) - before
            dups = self.duplicates(S, U)
            if not dups:
                rest = self.geo.full & ~S & ~U
                if rest:
                    out.append("No number repeats among the cells that are not shaded any more, so the remaining "
                               f"cells {', '.join(self.name(i) for i in bits(rest))} stay unshaded.")
                    U |= rest
                return S
            progress = False
            for i in dups:
                counters["hypotheses"] += 1
                res = self.quiet(S, U | (1 << i))
                if isinstance(res, str):
                    out.append(f"If {self.name(i)} ({self.vals[i]}) stayed unshaded, {res}; so {self.name(i)} "
                               "is shaded.")
                    S |= 1 << i
                    progress = True
                    break
                res = self.quiet(S | (1 << i), U)
                if isinstance(res, str):
                    out.append(f"If {self.name(i)} ({self.vals[i]}) were shaded, {res}; so {self.name(i)} stays "
                               "unshaded.")
                    U |= 1 << i
                    progress = True
                    break
            if progress:
                continue
            i = dups[0]
            counters["guesses"] += 1
            out.append(f"No single cell is forced; suppose {self.name(i)} ({self.vals[i]}) stays unshaded.")
            sub: list[str] = []
            res = self.solve(S, U | (1 << i), sub, depth + 1, counters)
            if res is not None:
                out.extend(sub)
                return res
            out.extend(sub[:6] + (["..."] if len(sub) > 7 else []) + (sub[-1:] if len(sub) > 6 else []))
            out.append(f"That fails, so {self.name(i)} is shaded.")
            S |= 1 << i


# ---------------------------------------------------------------------------------------------------------------
# the task


class Hitori(CellStepMixin, Task):
    name = "Hitori"
    category = "puzzles"
    benchmark_id = "hitori"
    generator_key = "hitori"
    score_function = "hitori_evaluator"
    version = "1"
    answer_format = "set of shaded cells {(row, col), ...}, 0-based"
    max_answer_chars = 20_000
    code_text = {1: "#", 2: "o"}

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
            found, _ = search(square, 2)
            if len(found) == 1:
                return {"n": n, "grid": square}, mask_cells(found[0], n)
        raise GenerationError(f"Hitori: no unique {n}x{n} puzzle in {MAX_DRAWS} draws")  # pragma: no cover

    @staticmethod
    def size(inst: Instance) -> int:
        return int(inst.state["n"])

    # ----- solving ---------------------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> Cells:
        found, _ = search(inst.state["grid"], 1)
        if not found:
            raise ValueError("this Hitori has no solution")
        return mask_cells(found[0], self.size(inst))

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return answer_text(solution)

    def count(self, inst: Instance, limit: int = 2) -> int:
        return len(search(inst.state["grid"], limit)[0])

    def stats(self, inst: Instance) -> dict:
        n = self.size(inst)
        _, nodes = search(inst.state["grid"], 2)
        counters = {"hypotheses": 0, "guesses": 0, "deductions": 0}
        Deducer(inst.state["grid"]).solve(0, 0, [], counters=counters)
        return {"n": n, "shaded": len(self.solution(inst)), "search_nodes": nodes, **counters}

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
        fills, circles = {}, {}
        if play is not None:
            for r in range(n):
                for c in range(n):
                    if play[r][c] == 1:
                        fills[(r, c)] = SHADE
                    elif play[r][c] == 2:
                        circles[(r, c)] = RING
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
        ded = Deducer(grid)
        body: list[str] = []
        S = ded.solve(0, 0, body)
        cells = mask_cells(S, n) if S is not None else self.solution(inst)
        if self.check_cells(inst, cells).correct is False:  # pragma: no cover - the deducer is complete
            cells = self.solution(inst)
        shaded = set(cells)
        lines = [f"Hitori {n}x{n}; cells are (row, column), 0-based. Grid:",
                 *(" ".join(str(v) for v in row) for row in grid),
                 "Rules: no number twice among unshaded cells of a line; shaded cells never touch; unshaded cells "
                 "connected. Deduce cell by cell:",
                 *body,
                 "Final grid (# = shaded):",
                 *(" ".join("#" if (r, c) in shaded else str(grid[r][c]) for c in range(n)) for r in range(n)),
                 "Every row and column has distinct unshaded numbers, no shaded cells touch, and the unshaded "
                 "cells are connected.",
                 f"Answer: {answer_text(cells)}"]
        return "\n".join(lines)

    # ----- reference records -----------------------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record_field(record.get("initial_state"))
        if isinstance(raw, dict):
            raw = raw.get("grid", raw.get("initial_state"))
        try:
            grid = [[int(v) for v in row] for row in raw]
        except (TypeError, ValueError) as err:
            raise RecordError(f"initial_state must be an n x n list of numbers: {err}") from None
        n = len(grid)
        if not 2 <= n <= 10 or any(len(row) != n for row in grid):
            raise RecordError("initial_state must be a square grid of size 2..10")
        if any(not 1 <= v <= n for row in grid for v in row):
            raise RecordError(f"grid numbers must be 1..{n}")
        if not search(grid, 1)[0]:
            raise RecordError("the grid has no valid shading")
        return {"n": n, "grid": grid}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        n = int(state["n"])
        return n - 3 if 4 <= n <= 8 else None

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> Cells:
        return tuple(verdict.parsed)

    # ----- step mode -------------------------------------------------------------------------------------------
    def board_shape(self, inst: Instance) -> tuple[int, int]:
        n = self.size(inst)
        return (n, n)

    def step_codes(self, inst: Instance) -> int:
        return 3

    def level_board(self, level: int) -> tuple[int, int, int]:
        n = LEVEL_SIZE[level]
        return (n, n, 3)

    def play_givens(self, inst: Instance) -> Grid:
        n = self.size(inst)
        return tuple((0,) * n for _ in range(n))

    def play_check(self, inst: Instance, play: Grid) -> bool:
        cells = [(r, c) for r, row in enumerate(play) for c, v in enumerate(row) if v == 1]
        return self.check_cells(inst, cells).correct

    def solution_codes(self, inst: Instance) -> Grid:
        n = self.size(inst)
        shaded = set(self.solution(inst))
        return tuple(tuple(1 if (r, c) in shaded else 0 for c in range(n)) for r in range(n))

    def move_help(self, inst: Instance) -> str:
        n = self.size(inst)
        return (f"Each move is (row, column, value) with rows and columns 0-{n - 1} counted from the top-left cell: "
                "value 1 shades the cell, value 2 marks it as unshaded (a ring, a note only), value 0 clears it.")

    def play_legend(self, inst: Instance) -> str:
        return ("The image shows the current grid: shaded cells are filled black (their number in light grey), "
                "cells you marked unshaded have a ring.")

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

__all__ = ["LEVEL_SIZE", "TASK", "Hitori", "parse_cell_set", "search"]
