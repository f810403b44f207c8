"""Campsite (MM-HELIX ``campsite``): the benchmark's Tents variant. Place tents on empty cells so that every tent
is orthogonally next to a tree, no two tents touch (not even diagonally) and each row and column holds the number
of tents its clue says. There is no tent-tree pairing: a tree may have no tent or several.

Generation (spec/tasks/Campsite.md): trees at uniform random cells (once more than half are placed, a new tree may
not touch a tree, 8-neighbourhood), then tents: trees in random order, each takes a random empty orthogonal
neighbour that touches no tent, until the level's exact tent count; clues are the row/column counts; kept only
when the solution counter (limit 2) proves it unique. Solver/counter: include/skip each candidate cell (an empty
cell next to a tree) in row-major order with row/column budgets, the 8-neighbour exclusion and remaining-capacity
pruning.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from PIL import ImageDraw

from ...core import GenerationError, Instance, RecordError, StepResult, Task, Verdict, record_field
from ...core.grid_puzzle import Checklist, Grid, ShadeStepMixin, parse_cell_pairs, shaded_cells
from ...render.puzzle_grid import Board, render_board

# level -> (n, tents)
LEVEL_PARAMS = {1: (4, 3), 2: (5, 4), 3: (6, 5), 4: (7, 6), 5: (8, 8)}
MAX_DRAWS = 2_000
FORMAT_SENTENCE = ("Return the coordinates where tents should be placed as a list of [row, column] pairs using "
                   "1-based indexing (e.g., top-left is [1,1]).")
EXAMPLE = "[[1, 3], [3, 1], [4, 3]]"
CANOPY = (46, 139, 63)
CANOPY_DARK = (28, 94, 42)
TRUNK = (120, 78, 40)
TENT = (236, 128, 30)
TENT_DARK = (160, 80, 10)
GRASS = (70, 170, 70)
CLUE = (30, 60, 140)

Cells = tuple[tuple[int, int], ...]


# ---------------------------------------------------------------------------------------------------------------
# geometry


def tree_set(grid) -> set[tuple[int, int]]:
    return {(r, c) for r, row in enumerate(grid) for c, ch in enumerate(row) if ch == "T"}


def orth(r: int, c: int, n: int):
    for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        a, b = r + dr, c + dc
        if 0 <= a < n and 0 <= b < n:
            yield a, b


def ring8(r: int, c: int, n: int):
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            a, b = r + dr, c + dc
            if (dr or dc) and 0 <= a < n and 0 <= b < n:
                yield a, b


def candidates(grid) -> list[tuple[int, int]]:
    """Empty cells orthogonally next to a tree, row-major: the only cells that can hold a tent."""
    n = len(grid)
    trees = tree_set(grid)
    return [(r, c) for r in range(n) for c in range(n)
            if (r, c) not in trees and any(p in trees for p in orth(r, c, n))]


def answer_text(cells) -> str:
    return "[" + ", ".join(f"[{r + 1}, {c + 1}]" for r, c in sorted(cells)) + "]"


# ---------------------------------------------------------------------------------------------------------------
# solver / counter


def search(grid, rows, cols, limit: int = 2) -> tuple[list[int], int, list[tuple[int, int]]]:
    """Tent masks (bits over the candidate list) of up to ``limit`` solutions, search nodes, the candidates."""
    n = len(grid)
    cand = candidates(grid)
    k = len(cand)
    index = {p: i for i, p in enumerate(cand)}
    excl = []
    for r, c in cand:
        m = 0
        for p in ring8(r, c, n):
            j = index.get(p)
            if j is not None:
                m |= 1 << j
        excl.append(m)
    row_left = [int(v) for v in rows]
    col_left = [int(v) for v in cols]
    # candidates still to come in each row / column after position i (inclusive)
    row_rest = [[0] * n for _ in range(k + 1)]
    col_rest = [[0] * n for _ in range(k + 1)]
    for i in range(k - 1, -1, -1):
        row_rest[i] = row_rest[i + 1][:]
        col_rest[i] = col_rest[i + 1][:]
        row_rest[i][cand[i][0]] += 1
        col_rest[i][cand[i][1]] += 1
    found: list[int] = []
    nodes = 0
    if any(row_left[r] > row_rest[0][r] for r in range(n)) or any(col_left[c] > col_rest[0][c] for c in range(n)):
        return found, nodes, cand
    if sum(row_left) != sum(col_left):
        return found, nodes, cand

    def dfs(i: int, tents: int) -> None:
        nonlocal nodes
        if i == k:
            found.append(tents)
            return
        nodes += 1
        r, c = cand[i]
        if row_left[r] and col_left[c] and not tents & excl[i]:
            row_left[r] -= 1
            col_left[c] -= 1
            dfs(i + 1, tents | (1 << i))
            row_left[r] += 1
            col_left[c] += 1
            if len(found) >= limit:
                return
        if row_rest[i + 1][r] >= row_left[r] and col_rest[i + 1][c] >= col_left[c]:
            dfs(i + 1, tents)

    dfs(0, 0)
    return found, nodes, cand


def mask_cells(mask: int, cand) -> Cells:
    return tuple(sorted(cand[i] for i in range(len(cand)) if (mask >> i) & 1))


# ---------------------------------------------------------------------------------------------------------------
# parsing

_EMPTY = re.compile(r"^\s*(?:[\[({]\s*[\])}]|none|no tents?)\s*\.?\s*$", re.I)


def parse_tents(text: str, max_chars: int) -> Cells:
    """``[[r, c], ...]`` 1-based as written (pairs in brackets or parentheses, order-free, duplicates collapse)."""
    return parse_cell_pairs(text, max_chars, _EMPTY)


# ---------------------------------------------------------------------------------------------------------------
# rule-based deduction (trace)


class Contradiction(Exception):
    pass


class Deducer:
    """Tent / grass sets over the candidate cells with the rules as propagators; records sentences."""

    def __init__(self, grid, rows, cols):
        self.n = n = len(grid)
        self.rows = [int(v) for v in rows]
        self.cols = [int(v) for v in cols]
        self.cand = candidates(grid)
        self.lines = [(f"row {r + 1}", self.rows[r], [p for p in self.cand if p[0] == r]) for r in range(n)]
        self.lines += [(f"column {c + 1}", self.cols[c], [p for p in self.cand if p[1] == c]) for c in range(n)]

    @staticmethod
    def name(p) -> str:
        return f"[{p[0] + 1}, {p[1] + 1}]"

    def names(self, ps) -> str:
        return ", ".join(self.name(p) for p in sorted(ps))

    def propagate(self, tents: set, grass: set, out: list[str] | None):
        n = self.n
        while True:
            changed = False
            for p in sorted(tents):
                near = [q for q in ring8(*p, n) if q in tents]
                if near:
                    raise Contradiction(f"tents {self.name(p)} and {self.name(near[0])} would touch")
                new = [q for q in ring8(*p, n) if q in self.cand_set and q not in grass]
                if new:
                    grass.update(new)
                    changed = True
                    if out is not None:
                        out.append(f"The tent at {self.name(p)} rules out tents around it: {self.names(new)} "
                                   f"{_are(new)} grass.")
            for label, need, cells in self.lines:
                have = [p for p in cells if p in tents]
                open_ = [p for p in cells if p not in tents and p not in grass]
                if len(have) > need:
                    raise Contradiction(f"{label} would hold {len(have)} tents but needs {need}")
                if len(have) + len(open_) < need:
                    raise Contradiction(f"{label} would have room for only {len(have) + len(open_)} tents but "
                                        f"needs {need}")
                if not open_:
                    continue
                if len(have) == need:
                    grass.update(open_)
                    changed = True
                    if out is not None:
                        done = "needs no tents" if not need else f"already has its {_tents(need)}"
                        out.append(f"{label} {done}: {self.names(open_)} {_are(open_)} grass.")
                    break
                if len(have) + len(open_) == need:
                    tents.update(open_)
                    changed = True
                    if out is not None:
                        had = f", has {len(have)}," if have else ""
                        out.append(f"{label} needs {_tents(need)}{had} and only {len(open_)} possible "
                                   f"place{'s' if len(open_) != 1 else ''} left{'' if have else ''}: "
                                   f"{_tents(len(open_), 'a tent')} at {self.names(open_)}.")
                    break
            if not changed:
                return tents, grass

    def quiet(self, tents, grass):
        try:
            return self.propagate(set(tents), set(grass), None)
        except Contradiction as err:
            return str(err)

    def solve(self, tents: set, grass: set, out: list[str], counters: dict) -> set | None:
        while True:
            before = len(out)
            try:
                tents, grass = self.propagate(tents, grass, out)
            except Contradiction as err:
                out.append(f"Contradiction: {err}.")
                return None
            counters["deductions"] += len(out) - before
            open_ = [p for p in self.cand if p not in tents and p not in grass]
            if not open_:
                return tents
            progress = False
            for p in open_:
                counters["hypotheses"] += 1
                res = self.quiet(tents | {p}, grass)
                if isinstance(res, str):
                    out.append(f"Suppose a tent at {self.name(p)}: following the rules, {res}; so {self.name(p)} is "
                               "grass.")
                    grass = grass | {p}
                    progress = True
                    break
                res = self.quiet(tents, grass | {p})
                if isinstance(res, str):
                    out.append(f"Suppose {self.name(p)} stays empty: following the rules, {res}; so {self.name(p)} "
                               "holds a tent.")
                    tents = tents | {p}
                    progress = True
                    break
            if progress:
                continue
            p = open_[0]
            counters["guesses"] += 1
            out.append(f"Nothing is forced; suppose {self.name(p)} holds a tent.")
            sub: list[str] = []
            res = self.solve(tents | {p}, set(grass), sub, counters)
            if res is not None:
                out.extend(sub)
                return res
            out.extend(sub[:6] + (["..."] if len(sub) > 7 else []) + (sub[-1:] if len(sub) > 6 else []))
            out.append(f"That fails, so {self.name(p)} is grass.")
            grass = grass | {p}

    @property
    def cand_set(self) -> set:
        s = getattr(self, "_cand_set", None)
        if s is None:
            s = self._cand_set = set(self.cand)
        return s


# ---------------------------------------------------------------------------------------------------------------
# the task


class Campsite(ShadeStepMixin, Task):
    name = "Campsite"
    category = "puzzles"
    benchmark_id = "campsite"
    generator_key = "campsite"
    score_function = "campsite_evaluator"
    version = "1"
    answer_format = "tent cells [[row, col], ...], 1-based"
    max_answer_chars = 20_000
    code_text = {1: "A", 2: "."}
    level_sizes = LEVEL_PARAMS
    shade_text = "places a tent"
    mark_text = "marks grass (a note only)"
    clear_text = "clears the cell"
    move_where = " (0-based here, unlike the 1-based answer format)"
    move_after = "Moves on tree cells are illegal."
    legend_text = "The image shows the current grid: tents are orange triangles, grass marks are small green dots."

    # ----- generation ------------------------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        n, e = LEVEL_PARAMS[level]
        lo, hi = max(e, 3), min(2 * e, n * n // 2)
        for _ in range(MAX_DRAWS):
            count = int(rng.integers(lo, hi + 1))
            trees: set[tuple[int, int]] = set()
            ok = True
            for _k in range(count):
                spread = len(trees) > count / 2
                pool = [(r, c) for r in range(n) for c in range(n) if (r, c) not in trees
                        and not (spread and any(q in trees for q in ring8(r, c, n)))]
                if not pool:
                    ok = False
                    break
                trees.add(pool[int(rng.integers(len(pool)))])
            if not ok:
                continue
            tents: set[tuple[int, int]] = set()
            for t in (sorted(trees)[i] for i in rng.permutation(len(trees)).tolist()):
                if len(tents) == e:
                    break
                opts = [p for p in orth(*t, n) if p not in trees and p not in tents
                        and not any(q in tents for q in ring8(*p, n))]
                if opts:
                    tents.add(opts[int(rng.integers(len(opts)))])
            if len(tents) != e:
                continue
            grid = ["".join("T" if (r, c) in trees else "X" for c in range(n)) for r in range(n)]
            rows = [sum(1 for p in tents if p[0] == r) for r in range(n)]
            cols = [sum(1 for p in tents if p[1] == c) for c in range(n)]
            found, _, cand = search(grid, rows, cols, 2)
            if len(found) == 1:
                return ({"n": n, "grid": grid, "row_counts": rows, "col_counts": cols},
                        mask_cells(found[0], cand))
        raise GenerationError(f"Campsite: no unique {n}x{n} puzzle in {MAX_DRAWS} draws")  # pragma: no cover

    def _search(self, inst: Instance, limit: int):
        st = inst.state
        return search(st["grid"], st["row_counts"], st["col_counts"], limit)

    # ----- solving ---------------------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> Cells:
        found, _, cand = self._search(inst, 1)
        if not found:
            raise ValueError("this Campsite has no solution")
        return mask_cells(found[0], cand)

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return answer_text(solution)

    def count(self, inst: Instance, limit: int = 2) -> int:
        return len(self._search(inst, limit)[0])

    def stats(self, inst: Instance) -> dict:
        found, nodes, cand = self._search(inst, 2)
        st = inst.state
        counters = {"hypotheses": 0, "guesses": 0, "deductions": 0}
        Deducer(st["grid"], st["row_counts"], st["col_counts"]).solve(set(), set(), [], counters)
        return {"n": self.size(inst), "trees": sum(row.count("T") for row in st["grid"]),
                "tents": sum(st["row_counts"]), "candidates": len(cand), "search_nodes": nodes, **counters}

    # ----- verification ----------------------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        return self.check_cells(inst, parse_tents(answer, self.max_answer_chars), base=1)

    def check_cells(self, inst: Instance, cells, base: int = 1) -> Verdict:
        """``cells`` as written (``base``-based); rules checked on 0-based cells."""
        n = self.size(inst)
        st = inst.state
        checks = Checklist()
        bad = [(r, c) for r, c in cells if not (base <= r < n + base and base <= c < n + base)]
        if bad:
            r, c = bad[0]
            checks.fail(f"[{r}, {c}] is outside the grid: coordinates are 1-based, 1..{n}"
                        + (f" ({len(bad)} such pairs)" if len(bad) > 1 else ""))
            return checks.verdict(tuple(cells))
        tents = sorted({(r - base, c - base) for r, c in cells})
        tent_set = set(tents)
        trees = tree_set(st["grid"])
        for p in tents:
            name = f"[{p[0] + 1}, {p[1] + 1}]"
            if p in trees:
                checks.check(False, f"the tent at {name} is on a tree")
            elif not any(q in trees for q in orth(*p, n)):
                checks.check(False, f"the tent at {name} is not orthogonally next to any tree")
            else:
                near = next((q for q in ring8(*p, n) if q in tent_set), None)
                checks.check(near is None, lambda near=near, name=name: (
                    f"the tents at {name} and [{near[0] + 1}, {near[1] + 1}] touch"))
        for r in range(n):
            have = sum(1 for p in tents if p[0] == r)
            want = int(st["row_counts"][r])
            checks.check(have == want, f"row {r + 1} has {have} tent{'s' if have != 1 else ''}, needs {want}")
        for c in range(n):
            have = sum(1 for p in tents if p[1] == c)
            want = int(st["col_counts"][c])
            checks.check(have == want, f"column {c + 1} has {have} tent{'s' if have != 1 else ''}, needs {want}")
        return checks.verdict(tuple((r + 1, c + 1) for r, c in tents),
                              "correct: every tent is next to a tree, no tents touch and all counts match")

    # ----- presentation ----------------------------------------------------------------------------------------
    def board(self, inst: Instance, play: Any = None) -> Board:
        n = self.size(inst)
        dots = {}
        if play is not None:
            dots = {(r, c): GRASS for r in range(n) for c in range(n) if play[r][c] == 2}
        st = inst.state
        return Board(n, n, dots=dots, coords=1,
                     clues={"right": [str(v) for v in st["row_counts"]], "bottom": [str(v) for v in st["col_counts"]]},
                     clue_colors={"right": CLUE, "bottom": CLUE})

    def render(self, inst: Instance, play: Any = None, size: int = 512):
        img, layout = render_board(self.board(inst, play), size)
        draw = ImageDraw.Draw(img)
        n = self.size(inst)
        grid = inst.state["grid"]
        cell = layout.cell
        for r in range(n):
            for c in range(n):
                cx, cy = layout.center(r, c)
                if grid[r][c] == "T":
                    tw, th = cell * 0.09, cell * 0.2
                    top = cy + cell * 0.1
                    draw.rectangle((round(cx - tw), round(top), round(cx + tw), round(top + th)), fill=TRUNK)
                    rad = cell * 0.27
                    ccy = cy - cell * 0.06
                    draw.ellipse((round(cx - rad), round(ccy - rad), round(cx + rad), round(ccy + rad)), fill=CANOPY,
                                 outline=CANOPY_DARK, width=max(1, round(cell * 0.03)))
                elif play is not None and play[r][c] == 1:
                    h = cell * 0.34
                    pts = [(round(cx), round(cy - h)), (round(cx - h * 1.1), round(cy + h * 0.8)),
                           (round(cx + h * 1.1), round(cy + h * 0.8))]
                    draw.polygon(pts, fill=TENT, outline=TENT_DARK)
                    draw.line((round(cx), round(cy - h), round(cx), round(cy + h * 0.8)), fill=TENT_DARK,
                              width=max(1, round(cell * 0.03)))
        return img

    def rules(self, n: int, e: int) -> str:
        return ("### Game Rules:\n"
                f"The grid has {n}x{n} cells; some hold trees. Place exactly {e} tents so that:\n"
                "1) Tents go on empty cells only; a tent is never placed on a tree.\n"
                "2) Each tent must be orthogonally adjacent to at least one tree (up, down, left, or right).\n"
                "3) No tents can be adjacent to each other, even diagonally.\n"
                "4) The number of tents in each row and column must match the given constraints.\n"
                "Tents are not paired with trees: a tree may have no tent or several next to it, and the number of "
                "tents is the sum of the row counts, not the number of trees.\n")

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        n = self.size(inst)
        st = inst.state
        e = sum(st["row_counts"])
        fmt = f"### Coordinate System:\n{FORMAT_SENTENCE} Example answer format: {EXAMPLE}\n"
        if modality == "image":
            return ("Solve this Campsite puzzle shown in the image by placing tents adjacent to trees while adhering "
                    "to the game rules.\n" + self.rules(n, e)
                    + "The number right of each row is that row's tent count; the number below each column is that "
                    "column's tent count. The grey numbers above the columns and left of the rows are the 1-based "
                    "column and row numbers.\n\n" + fmt)
        if modality == "text":
            grid = "\n".join(st["grid"])
            return ("Solve this Campsite puzzle by placing tents adjacent to trees while adhering to the game "
                    "rules.\n" + self.rules(n, e)
                    + f"\n### Grid ({n} rows, top to bottom; T = tree, X = empty cell):\n```\n{grid}\n```\n"
                    + "Row constraints (tents per row, top to bottom): " + ", ".join(map(str, st["row_counts"]))
                    + "\nColumn constraints (tents per column, left to right): "
                    + ", ".join(map(str, st["col_counts"])) + "\n\n" + fmt)
        raise ValueError(f"unknown modality {modality!r}; use 'image' or 'text'")

    # ----- trace -----------------------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        n = self.size(inst)
        st = inst.state
        ded = Deducer(st["grid"], st["row_counts"], st["col_counts"])
        body: list[str] = []
        counters = {"hypotheses": 0, "guesses": 0, "deductions": 0}
        tents = ded.solve(set(), set(), body, counters)
        cells = tuple(sorted(tents)) if tents is not None else self.solution(inst)
        if not self.check_cells(inst, cells, base=0).correct:  # pragma: no cover - the deducer is complete
            cells = self.solution(inst)
        tent_set = set(cells)
        lines = [f"Campsite {n}x{n}; cells are [row, column], 1-based. Grid (T = tree, X = empty):",
                 *st["grid"],
                 "Row counts: " + ", ".join(map(str, st["row_counts"])) + "; column counts: "
                 + ", ".join(map(str, st["col_counts"])) + ".",
                 "A tent needs a tree orthogonally next to it, so only these cells can hold tents: "
                 + ded.names(ded.cand) + ".",
                 *body,
                 "Final grid (A = tent):",
                 *("".join("A" if (r, c) in tent_set else st["grid"][r][c] for c in range(n)) for r in range(n)),
                 "Every tent is next to a tree, no two tents touch and every row and column count matches.",
                 f"Answer: {answer_text(cells)}"]
        return "\n".join(lines)

    # ----- reference records -----------------------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record_field(record.get("initial_state"))
        if not isinstance(raw, dict):
            raise RecordError("initial_state must be an object with input_grid, row_constraints, col_constraints")
        try:
            grid_raw = raw.get("input_grid", raw.get("grid"))
            rows = [int(v) for v in raw.get("row_constraints", raw.get("row_counts"))]
            cols = [int(v) for v in raw.get("col_constraints", raw.get("col_counts"))]
            grid = ["".join(str(ch).strip().upper() for ch in row) for row in grid_raw]
        except (TypeError, ValueError) as err:
            raise RecordError(f"initial_state is malformed: {err}") from None
        n = len(grid)
        if not 2 <= n <= 12 or any(len(row) != n for row in grid) or len(rows) != n or len(cols) != n:
            raise RecordError("need a square grid with one count per row and column")
        grid = [row.replace("C", "X") for row in grid]  # a tent letter in the input is not a given
        if any(ch not in "TX" for row in grid for ch in row):
            raise RecordError("grid cells must be T (tree) or X (empty)")
        if any(not 0 <= v <= n for v in rows + cols):
            raise RecordError(f"counts must be 0..{n}")
        if not search(grid, rows, cols, 1)[0]:
            raise RecordError("the clues admit no tent placement")
        return {"n": n, "grid": grid, "row_counts": rows, "col_counts": cols}  # reference_solution dropped

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        n = int(state["n"])
        return n - 3 if 4 <= n <= 8 else None

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> Cells:
        return tuple((r - 1, c - 1) for r, c in verdict.parsed)

    # ----- step mode (core.grid_puzzle.ShadeStepMixin) --------------------------------------------------------
    def play_locked(self, inst: Instance) -> tuple[tuple[bool, ...], ...]:
        return tuple(tuple(ch == "T" for ch in row) for row in inst.state["grid"])

    def play_apply(self, inst: Instance, play: Grid, action: Any) -> StepResult:
        res = super().play_apply(inst, play, action)
        if not res.legal and "fixed given" in res.reason:
            return StepResult(play, False, res.reason.replace("is a fixed given and cannot be changed",
                                                              "is a tree; tents and marks go on empty cells"))
        return res

    def play_check(self, inst: Instance, play: Grid) -> bool:
        return self.check_cells(inst, shaded_cells(play), base=0).correct

    def play_text(self, inst: Instance, play: Grid) -> list[str]:
        grid = inst.state["grid"]
        return ["".join("T" if grid[r][c] == "T" else {1: "A", 2: "."}.get(v, "X") for c, v in enumerate(row))
                for r, row in enumerate(play)]

    def play_prompt(self, inst: Instance, play: Any, modality: str = "image") -> str:
        text = super().play_prompt(inst, play, modality)
        return text.replace("The current grid (`.` = empty):", "The current grid (T = tree, A = tent, . = grass "
                                                                "mark, X = empty):")


def _are(cells) -> str:
    return "are" if len(cells) != 1 else "is"


def _tents(k: int, one: str = "1 tent") -> str:
    return one if k == 1 else f"{k} tents"


TASK = Campsite()

__all__ = ["LEVEL_PARAMS", "TASK", "Campsite", "parse_tents", "search"]
