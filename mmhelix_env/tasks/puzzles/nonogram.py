"""Nonogram (MM-HELIX ``nonogram``): fill grid cells so that every row and column shows its run-length clue.

Generation (spec/tasks/Nonogram.md): p uniform in the level's band, each cell filled with probability p
(i.i.d. only), degenerate grids rejected (too few filled / empty cells, fewer than ⌈n/2⌉ non-empty rows or
columns), then the shared CSP engine counts solutions (limit 2): one binary variable per cell and one table
constraint per line holding every placement of its runs (compiled once per (n, clue) and shared). A grid is
kept iff the count is 1; otherwise the stream draws again (at most 500 draws).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import numpy as np

from ...core import GenerationError, Instance, ParseError, RecordError, Task, Verdict, record_field
from ...core.csp import CSP, BudgetExceeded, explain_search
from ...core.grid_puzzle import (
    Checklist,
    CSPGridMixin,
    Grid,
    ShadeStepMixin,
    cell_names,
    grid_witness,
    to_grid,
)
from ...core.parsing import bounded
from ...render.canvas import MUTED
from ...render.puzzle_grid import Board, render_board, shade_marks
from ._line_table import LineTable, compiled

# level -> (n, p low, p high)
LEVEL_PARAMS: dict[int, tuple[int, float, float]] = {
    1: (3, 0.45, 0.55),
    2: (4, 0.40, 0.50),
    3: (5, 0.35, 0.45),
    4: (6, 0.30, 0.40),
    5: (7, 0.25, 0.35),
}
MAX_DRAWS = 500
MAX_NODES = 50_000
FILLED_INK = (40, 40, 52)
DEAD_BRANCH_LINES = 8
FILLED = frozenset("Xx#■1")
EMPTY = frozenset(".0_-□·")
IGNORED = re.compile(r"[ \t|,\"'`\[\]]")
ROW_BREAK = re.compile(r"\r?\n|\\\\|\\n")
BOTH = 0b11  # a cell's domain: bit 0 = empty, bit 1 = filled


def runs(line) -> list[int]:
    """Lengths of the maximal runs of filled cells, in order."""
    out = []
    k = 0
    for v in line:
        if v:
            k += 1
        elif k:
            out.append(k)
            k = 0
    if k:
        out.append(k)
    return out


def clues_of(grid) -> tuple[list[list[int]], list[list[int]]]:
    n = len(grid)
    return ([runs(row) for row in grid], [runs([grid[r][c] for r in range(n)]) for c in range(n)])


@cache
def placements(n: int, clue: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """Every 0/1 line of length n whose runs are ``clue``."""
    out: list[tuple[int, ...]] = []

    def rec(pos: int, k: int, acc: list[int]) -> None:
        if k == len(clue):
            out.append(tuple(acc + [0] * (n - pos)))
            return
        rest = sum(clue[k + 1:]) + len(clue) - k - 1
        for start in range(pos, n - rest - clue[k] + 1):
            line = acc + [0] * (start - pos) + [1] * clue[k]
            if k + 1 < len(clue):
                rec(start + clue[k] + 1, k + 1, line + [0])
            else:
                rec(start + clue[k], k + 1, line)

    rec(0, 0, [])
    return tuple(sorted(out))


def clue_text(clue) -> str:
    return " ".join(map(str, clue)) if clue else "0"


class LineClue(LineTable):
    """A row or column with its run clue: a table of its placements."""

    def __init__(self, vars, n: int, clue, label: str = ""):
        clue = tuple(int(x) for x in clue)
        comp = compiled(("nonogram", n, clue), lambda: placements(n, clue), (0, 1))
        super().__init__(vars, comp, label)
        self.clue = clue

    def satisfied(self, values) -> bool:
        return tuple(runs([values[v] for v in self.vars])) == self.clue


def build_csp(n: int, rows, cols) -> CSP:
    csp = CSP([BOTH] * (n * n), names=cell_names(n, n))
    for r in range(n):
        csp.add(LineClue([r * n + c for c in range(n)], n, rows[r], f"row {r} (clue {clue_text(rows[r])})"))
    for c in range(n):
        csp.add(LineClue([r * n + c for r in range(n)], n, cols[c], f"column {c} (clue {clue_text(cols[c])})"))
    return csp


def parse_nonogram(text: str, n: int, max_chars: int = 20_000) -> list[list[int]]:
    """An n×n 0/1 grid from X/. text (see the spec's lenient rules); ParseError names the malformed row."""
    text = bounded(text, max_chars)
    rows: list[list[int]] = []
    blocks: list[list[list[int]]] = []
    malformed = ""  # the last line that looks like a grid row but holds a foreign character
    for raw in ROW_BREAK.split(text):
        line = IGNORED.sub("", raw.strip())
        if not line or line.startswith("```") or line.startswith("~~~"):
            continue
        foreign = [ch for ch in line if ch not in FILLED and ch not in EMPTY]
        if not foreign:
            rows.append([1 if ch in FILLED else 0 for ch in line])
            continue
        if len(line) <= 2 * n and 2 * len(foreign) < len(line):
            malformed = f"row {len(rows)} holds {foreign[0]!r}, which is neither X (filled) nor . (empty)"
        else:
            malformed = ""
        blocks.append(rows)
        rows = []
    blocks.append(rows)
    grid = next((b for b in reversed(blocks) if b), [])
    if len(grid) == 1 and len(grid[0]) == n * n and n > 1:
        flat = grid[0]
        return [flat[r * n:(r + 1) * n] for r in range(n)]
    if malformed and len(grid) != n:
        raise ParseError(f"expected {n} rows of {n} cells; {malformed}")
    if not grid:
        raise ParseError(f"expected {n} rows of {n} cells written with X (filled) and . (empty); found none")
    if len(grid) != n:
        raise ParseError(f"expected {n} rows of {n} cells, found {len(grid)} rows")
    for r, row in enumerate(grid):
        if len(row) != n:
            raise ParseError(f"row {r} has {len(row)} cells, expected {n}")
    return grid


class Nonogram(ShadeStepMixin, CSPGridMixin, Task):
    name = "Nonogram"
    category = "puzzles"
    benchmark_id = "nonogram"
    generator_key = "nonogram"
    score_function = "nonogram_evaluator"
    version = "1"
    answer_format = "n lines of n characters, X = filled and . = empty (e.g. X.X / .X. / XX.)"
    max_answer_chars = 20_000
    solve_what = "Nonogram"
    code_text = {1: "X", 2: "x"}
    level_sizes = LEVEL_PARAMS
    shade_cells = False
    shade_text = "fills the cell"
    mark_text = "marks it empty with a cross"
    move_after = "Crosses are only notes; the puzzle counts the filled cells."
    legend_text = "The image shows the current grid: filled cells are dark, cells marked empty show a small grey cross."

    # ----- generation ------------------------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        n, lo, hi = LEVEL_PARAMS[level]
        half = (n + 1) // 2
        for _ in range(MAX_DRAWS):
            p = float(rng.uniform(lo, hi))
            cells = rng.random((n, n)) < p
            filled = int(cells.sum())
            if filled < n or n * n - filled < n:
                continue
            if int(cells.any(axis=1).sum()) < half or int(cells.any(axis=0).sum()) < half:
                continue
            grid = [[int(v) for v in row] for row in cells.tolist()]
            rows, cols = clues_of(grid)
            csp = build_csp(n, rows, cols)
            try:
                res = csp.search(2, max_nodes=MAX_NODES)
            except BudgetExceeded:  # pragma: no cover
                continue
            if res.complete and res.count == 1:
                return {"n": n, "rows": rows, "cols": cols}, to_grid(grid)
        raise GenerationError(f"Nonogram: no unique {n}x{n} grid in {MAX_DRAWS} draws")  # pragma: no cover

    # ----- helpers ---------------------------------------------------------------------------------------------
    def csp(self, inst: Instance) -> CSP:
        st = inst.state
        return build_csp(self.size(inst), st["rows"], st["cols"])

    # ----- solving (solve, count: core.grid_puzzle.CSPGridMixin) -----------------------------------------------
    def format_answer(self, inst: Instance, solution: Any) -> str:
        return "\n".join("".join("X" if v else "." for v in row) for row in solution)

    def stats(self, inst: Instance) -> dict:
        """Solver work: search nodes and propagator calls of the uniqueness count (limit 2), and the line
        placements the clues allow (summed over the 2n lines)."""
        csp = self.csp(inst)
        res = csp.search(2)
        n = self.size(inst)
        return {"n": n, "search_nodes": res.nodes, "propagations": res.propagations,
                "placements": sum(len(c.tuples) for c in csp.constraints),
                "filled": sum(sum(r) for r in inst.state["rows"])}

    # ----- verification ----------------------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        n = self.size(inst)
        grid = parse_nonogram(answer, n, self.max_answer_chars)
        return self.check_grid(inst, grid)

    def check_grid(self, inst: Instance, grid) -> Verdict:
        n = self.size(inst)
        st = inst.state
        checks = Checklist()
        for r in range(n):
            got = runs(grid[r])
            want = list(st["rows"][r])
            checks.check(got == want, lambda r=r, got=got, want=want: (
                f"row {r} has runs {clue_text(got)} but its clue is {clue_text(want)}"))
        for c in range(n):
            got = runs([grid[r][c] for r in range(n)])
            want = list(st["cols"][c])
            checks.check(got == want, lambda c=c, got=got, want=want: (
                f"column {c} has runs {clue_text(got)} but its clue is {clue_text(want)}"))
        return checks.verdict(grid, "correct: every row and column matches its clue")

    # ----- presentation ----------------------------------------------------------------------------------------
    def board(self, inst: Instance, play: Any = None) -> Board:
        n = self.size(inst)
        st = inst.state
        fills, crosses = shade_marks(play, FILLED_INK, MUTED)
        clues = {"left": [[str(x) for x in clue] or ["0"] for clue in st["rows"]],
                 "top": [[str(x) for x in clue] or ["0"] for clue in st["cols"]]}
        return Board(n, n, fills=fills, crosses=crosses, clues=clues)

    def render(self, inst: Instance, play: Any = None, size: int = 512):
        return render_board(self.board(inst, play), size)[0]

    RULES = ("### Game Rules\n"
             "- The numbers outside each row or column are clues.\n"
             "- Each number indicates a continuous block of filled cells.\n"
             "- The order of the numbers matches the order of the blocks from left to right (for rows) or top to "
             "bottom (for columns).\n"
             "- There must be at least one empty cell between consecutive blocks in a row or column.\n"
             "- A clue of 0 (or an empty list) means the line has no filled cell.\n"
             "- Fill the grid so that all row and column clues are satisfied simultaneously.\n")

    def _format(self, n: int) -> str:
        m = 5 if n != 5 else 4
        example = ["".join("X" if (r * 2 + c * 3) % 4 == 0 else "." for c in range(m)) for r in range(m)]
        return ("### Symbols\n- 'X' → Filled cell\n- '.' → Empty cell\n\n"
                "### Output Format\nOutput the solution as a text-based grid using 'X' and '.'.\n"
                f"Each line represents a row in the solved grid ({n} lines of {n} characters).\n"
                "No spaces between characters.\n\n"
                f"### Example (format only, a {m}x{m} grid):\n" + "\n".join(example) + "\n")

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        n = self.size(inst)
        st = inst.state
        if modality == "image":
            return (f"You will be given an image of a {n}x{n} Nonogram puzzle and your task is to solve it.\n\n"
                    + self.RULES + "\nThe row clues are written left of each row, the column clues above each "
                    "column (read top to bottom); 0 marks a line with no filled cell.\n\n" + self._format(n))
        if modality == "text":
            rows = "[" + ", ".join("[" + ", ".join(map(str, c)) + "]" for c in st["rows"]) + "]"
            cols = "[" + ", ".join("[" + ", ".join(map(str, c)) + "]" for c in st["cols"]) + "]"
            return (f"This is a {n}x{n} Nonogram puzzle and your task is to solve it.\n\n" + self.RULES
                    + f"\n### Initial State:\nRow clues: {rows}\nColumn clues: {cols}\n"
                    "(Row clues are listed top to bottom, column clues left to right; [] marks a line with no "
                    "filled cell.)\n\n"
                    + self._format(n))
        raise ValueError(f"unknown modality {modality!r}; use 'image' or 'text'")

    # ----- trace -----------------------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        n = self.size(inst)
        csp, grid, log = self.traced_grid(inst)
        st = inst.state
        lines = [
            f"Solve the {n}x{n} Nonogram: every row and column must show exactly its clue's runs of filled cells. "
            "Cells are (row, column), 0-based; X = filled, . = empty, ? = unknown.",
            "Row clues: " + "; ".join(f"{r}: {clue_text(c)}" for r, c in enumerate(st["rows"])),
            "Column clues: " + "; ".join(f"{c}: {clue_text(k)}" for c, k in enumerate(st["cols"])),
            "For each line, list the placements of its runs that agree with the known cells; a cell that is filled "
            "(or empty) in all of them is decided. Repeat until nothing changes:",
        ]
        lines += explain_search(
            log, deduce=lambda ci, changes, before: _deduction(csp, ci, changes, before),
            fail=lambda ci, before: f"Contradiction: no placement of {csp.constraints[ci].label} fits.",
            leaf_fail=lambda ci: f"Contradiction: {csp.constraints[ci].label} is broken.",
            guess=lambda var, value, cands: f"Guess {csp.name(var)} is {'filled' if value else 'empty'}.",
            undo=lambda var, value: f"So {csp.name(var)} cannot be {'filled' if value else 'empty'}; undo it.",
            stuck="No line forces anything more, so guess an undecided cell and follow it.",
            dead_lines=DEAD_BRANCH_LINES)
        answer = self.format_answer(inst, grid)
        lines += ["Every cell is decided and every clue holds:", answer, f"Answer:\n{answer}"]
        return "\n".join(lines)

    # ----- reference records -----------------------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record_field(record.get("initial_state"))
        try:
            if isinstance(raw, dict):
                rows, cols = raw["rows"], raw["cols"]
            else:
                rows, cols = raw
            rows = [[int(x) for x in c if int(x)] for c in rows]  # [0] is an empty line too
            cols = [[int(x) for x in c if int(x)] for c in cols]
        except (KeyError, TypeError, ValueError) as err:
            raise RecordError(f"initial_state must be [row_clues, col_clues]: {err}") from None
        n = len(rows)
        if not 1 <= n <= 15 or len(cols) != n:
            raise RecordError(f"{n} row clues and {len(cols)} column clues: the grid must be square")
        for clue in rows + cols:
            if any(x < 1 for x in clue) or sum(clue) + len(clue) - 1 > n:
                raise RecordError(f"clue {clue} does not fit a line of {n} cells")
        if sum(map(sum, rows)) != sum(map(sum, cols)):
            raise RecordError("row and column clues fill different numbers of cells")
        try:
            if build_csp(n, rows, cols).solve(max_nodes=200_000) is None:
                raise RecordError("the clues have no solution")
        except BudgetExceeded:
            raise RecordError("the puzzle could not be solved within the node budget") from None
        return {"n": n, "rows": rows, "cols": cols}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        n = int(state["n"])
        return n - 2 if 3 <= n <= 7 else None

    record_witness = grid_witness

    # ----- step mode (core.grid_puzzle.ShadeStepMixin) --------------------------------------------------------
    def play_text(self, inst: Instance, play: Grid) -> list[str]:
        return ["".join("X" if v == 1 else ("x" if v == 2 else ".") for v in row) for row in play]

    def play_prompt(self, inst: Instance, play: Any, modality: str = "image") -> str:
        text = super().play_prompt(inst, play, modality)
        return text.replace("The current grid (`.` = empty):", "The current grid (X = filled, x = marked empty, "
                            ". = undecided):")


# ---------------------------------------------------------------------------------------------------------------
# trace formatting


def _deduction(csp: CSP, ci: int, changes, before) -> str:
    c = csp.constraints[ci]
    k = c.count_alive(before)
    filled = [csp.name(v) for v, _, new in changes if new == 2]
    empty = [csp.name(v) for v, _, new in changes if new == 1]
    parts = []
    if filled:
        parts.append("fill " + ", ".join(filled))
    if empty:
        parts.append("leave " + ", ".join(empty) + " empty")
    return f"{c.label}: {k} placement{'s fit' if k != 1 else ' fits'}, so " + " and ".join(parts) + "."


TASK = Nonogram()

__all__ = ["LEVEL_PARAMS", "TASK", "Nonogram", "build_csp", "clues_of", "parse_nonogram", "placements", "runs"]
