"""Kukurasu (MM-HELIX ``Kukurasu``): blacken cells so that weighted position sums match the clues.

Row i's clue is the sum of the column positions (1..n) of its black cells; column j's clue the sum of
the row positions. Generation (spec/tasks/Kukurasu.md): every row draws its own black probability in
[0.3, 0.7], cells are black with it; grids with an empty row or column are redrawn; the clues are the
position sums, and only instances the counter proves unique (limit 2) are kept. Solver and counter: the
shared CSP engine with one weighted ``Sum`` per row and column, compiled to a table of the position
subsets that make the clue (full arc consistency per line).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import GenerationError, Instance, RecordError, Task, Verdict, record_field
from ...core.csp import CSP, Sum, explain_search, mask_of, single
from ...core.grid_puzzle import (
    Checklist,
    CSPGridMixin,
    Grid,
    ShadeStepMixin,
    cell_name,
    check_values,
    grid_witness,
    matrix_text,
    parse_grid,
    to_grid,
)
from ...render.puzzle_grid import Board, render_board, shade_marks

LEVEL_SIZE = {1: 3, 2: 4, 3: 5, 4: 6, 5: 7}
P_RANGE = (0.3, 0.7)
MAX_DRAWS = 2_000
DEAD_BRANCH_LINES = 8
BLACK = (25, 25, 30)
DOT = (120, 120, 130)
FORMAT_SENTENCE = ("Please solve the puzzle and provide the solution as a two-dimensional array, using 0 for white "
                   "cells and 1 for black cells.")


def line_sums(grid: Grid) -> tuple[list[int], list[int]]:
    """(row clues, column clues) of a 0/1 grid."""
    n = len(grid)
    rows = [sum(c + 1 for c in range(n) if grid[r][c]) for r in range(n)]
    cols = [sum(r + 1 for r in range(n) if grid[r][c]) for c in range(n)]
    return rows, cols


def build_csp(n: int, row_sums, col_sums) -> CSP:
    """One 0/1 variable per cell (``r * n + c``, named 1-based ``(r,c)``), a weighted sum per line."""
    csp = CSP([mask_of((0, 1))] * (n * n), names=[cell_name(r, c, 1) for r in range(n) for c in range(n)])
    weights = list(range(1, n + 1))
    for r in range(n):
        csp.add(Sum([r * n + c for c in range(n)], int(row_sums[r]), weights, label=f"row {r + 1}"))
    for c in range(n):
        csp.add(Sum([r * n + c for r in range(n)], int(col_sums[c]), weights, label=f"column {c + 1}"))
    return csp


class Kukurasu(ShadeStepMixin, CSPGridMixin, Task):
    name = "Kukurasu"
    category = "puzzles"
    benchmark_id = "Kukurasu"
    generator_key = "kukurasu"
    score_function = "kukurasu_evaluator"
    version = "1"
    answer_format = "an n x n 0/1 matrix [[1, 0, ...], ...] with 1 = black"
    max_answer_chars = 20_000
    solve_what = "Kukurasu"
    code_text = {1: "#", 2: "o"}
    level_sizes = LEVEL_SIZE
    shade_cells = False
    shade_text = "makes the cell black"
    mark_text = "marks it white (a note only)"
    move_where = " (the 0-based index; its position weight is index + 1)"
    move_after = "Unmarked cells count as white."
    legend_text = "The image shows the current grid: black cells are filled, cells you marked white show a small dot."

    # ----- generation ------------------------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        n = LEVEL_SIZE[level]
        for _ in range(MAX_DRAWS):
            probs = rng.uniform(*P_RANGE, size=(n, 1))
            black = rng.random((n, n)) < probs
            if not black.any(axis=1).all() or not black.any(axis=0).all():
                continue
            grid = to_grid(black.astype(int).tolist())
            rows, cols = line_sums(grid)
            if build_csp(n, rows, cols).count_solutions(2) == 1:
                return {"n": n, "row_sums": rows, "col_sums": cols}, grid
        raise GenerationError(f"Kukurasu: no unique {n}x{n} puzzle in {MAX_DRAWS} draws")  # pragma: no cover

    def csp(self, inst: Instance) -> CSP:
        return build_csp(self.size(inst), inst.state["row_sums"], inst.state["col_sums"])

    # ----- solving (solve, count: core.grid_puzzle.CSPGridMixin) -----------------------------------------------
    def stats(self, inst: Instance) -> dict:
        """Solver work: the candidate position sets of all lines, propagator calls and single-cell deductions
        grow with the level (guesses: see :meth:`search_work`)."""
        csp = self.csp(inst)
        res = csp.search(2)
        log: list = []
        csp.search(1, log=log)
        black = sum(v for row in self.solution(inst) for v in row)
        options = sum(len(c.table.tuples) if c.table is not None else 0 for c in csp.constraints)
        return {"n": self.size(inst), "black_cells": black, "line_options": options,
                "propagations": res.propagations,
                "deductions": sum(len(ev[2]) for ev in log if ev[0] == "deduce")}

    def search_work(self, inst: Instance) -> dict:
        """Nodes of the uniqueness count (limit 2) and guesses of the traced solve (medians 1 and 0 at every
        level; their means rise at levels 4-5)."""
        csp = self.csp(inst)
        log: list = []
        csp.search(1, log=log)
        return {"search_nodes": csp.search(2).nodes, "guesses": sum(1 for ev in log if ev[0] == "branch")}

    # ----- verification ----------------------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        n = self.size(inst)
        grid = parse_grid(answer, n, n, single_digit=True, max_chars=self.max_answer_chars)
        return self.check_grid(inst, grid)

    def check_grid(self, inst: Instance, grid) -> Verdict:
        n = self.size(inst)
        checks = Checklist()
        if not check_values(grid, (0, 1), checks, base=1, describe="0 (white) or 1 (black)"):
            return checks.verdict(grid)
        rows, cols = line_sums(grid)
        for r in range(n):
            want = int(inst.state["row_sums"][r])
            checks.check(rows[r] == want, lambda r=r, want=want: (
                f"row {r + 1}: black cells at columns {_positions([grid[r][c] for c in range(n)])} sum to "
                f"{rows[r]}, not {want}"))
        for c in range(n):
            want = int(inst.state["col_sums"][c])
            checks.check(cols[c] == want, lambda c=c, want=want: (
                f"column {c + 1}: black cells at rows {_positions([grid[r][c] for r in range(n)])} sum to "
                f"{cols[c]}, not {want}"))
        return checks.verdict(grid, "correct: every row and column position sum matches its clue")

    # ----- presentation ----------------------------------------------------------------------------------------
    def board(self, inst: Instance, play: Any = None) -> Board:
        n = self.size(inst)
        fills, dots = shade_marks(play, BLACK, DOT)
        return Board(n, n, fills=fills, dots=dots, coords=1,
                     clues={"right": [str(v) for v in inst.state["row_sums"]],
                            "bottom": [str(v) for v in inst.state["col_sums"]]})

    def render(self, inst: Instance, play: Any = None, size: int = 512):
        return render_board(self.board(inst, play), size)[0]

    def _example(self, inst: Instance) -> str:
        n = self.size(inst)
        solution = to_grid(self.solution(inst))
        for k in range(3, n + 4):
            ex = tuple(tuple(1 if (r + 2 * c) % k == 0 else 0 for c in range(n)) for r in range(n))
            if ex != solution:
                return matrix_text(ex)
        return matrix_text([[1 - v for v in row] for row in solution])  # pragma: no cover

    def rules(self, n: int) -> str:
        return (f"This is a {n}x{n} Kukurasu puzzle. You need to fill the grid with black cells according to the "
                "following rules:\n"
                f"1. The sum of column positions (1 to {n}) of black cells in each row must equal the number on the "
                "right.\n"
                f"2. The sum of row positions (1 to {n}) of black cells in each column must equal the number at the "
                "bottom.\n")

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        n = self.size(inst)
        fmt = f"{FORMAT_SENTENCE}\nExample answer format (for a {n}x{n} grid, not the solution): {self._example(inst)}."
        if modality == "image":
            return (self.rules(n) + "The small grey numbers above the columns and left of the rows are these "
                    "positions (1 = leftmost column / top row). All cells start white; choose which ones are "
                    f"black.\n{fmt}\n")
        if modality == "text":
            rows = "\n".join(f"Row {r + 1}: {v}" for r, v in enumerate(inst.state["row_sums"]))
            cols = "\n".join(f"Column {c + 1}: {v}" for c, v in enumerate(inst.state["col_sums"]))
            return (self.rules(n).replace("the number on the right", "its row clue").replace(
                "the number at the bottom", "its column clue")
                + f"Rows are numbered 1 to {n} from top to bottom and columns 1 to {n} from left to right.\n\n"
                "Row constraints (sum of column positions of black cells in each row):\n" + rows
                + "\n\nColumn constraints (sum of row positions of black cells in each column):\n" + cols
                + f"\n\n{fmt}\n")
        raise ValueError(f"unknown modality {modality!r}; use 'image' or 'text'")

    # ----- trace -----------------------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        n = self.size(inst)
        csp, grid, log = self.traced_grid(inst)
        st = inst.state
        lines = [
            f"Rows and columns are numbered 1-{n}; a cell (r,c) is row r, column c. Each row's black cells must "
            "have column positions summing to the row clue, each column's black cells row positions summing to "
            "the column clue.",
            "Row clues: " + ", ".join(f"row {r + 1} = {v}" for r, v in enumerate(st["row_sums"])) + ".",
            "Column clues: " + ", ".join(f"column {c + 1} = {v}" for c, v in enumerate(st["col_sums"])) + ".",
            f"For every line, list the sets of distinct positions 1-{n} that add up to its clue, drop the sets that "
            "contradict cells already decided, and fix every cell on which all remaining sets agree:",
        ]
        lines += _format_search(csp, log)
        lines += ["All lines match their clues (# = black, . = white):",
                  *("".join("#" if v else "." for v in row) for row in grid),
                  f"Answer: {matrix_text(grid)}"]
        return "\n".join(lines)

    # ----- reference records -----------------------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record_field(record.get("initial_state"))
        if not isinstance(raw, dict):
            raise RecordError("initial_state must be an object with row_sums, col_sums and size")
        try:
            rows = [int(v) for v in raw["row_sums"]]
            cols = [int(v) for v in raw["col_sums"]]
            n = int(raw.get("size", raw.get("n", len(rows))))
        except (KeyError, TypeError, ValueError) as err:
            raise RecordError(f"initial_state is malformed: {err}") from None
        if not 1 <= n <= 15 or len(rows) != n or len(cols) != n:
            raise RecordError(f"need {n} row sums and {n} column sums")
        top = n * (n + 1) // 2
        if any(not 0 <= v <= top for v in rows + cols):
            raise RecordError(f"clues must be 0..{top}")
        if build_csp(n, rows, cols).solve() is None:
            raise RecordError("the clues admit no solution")
        return {"n": n, "row_sums": rows, "col_sums": cols}  # the record's "solution" is dropped

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        n = int(state["n"])
        return n - 2 if 3 <= n <= 7 else None

    record_witness = grid_witness


def _positions(bits) -> str:
    pos = [str(i + 1) for i, b in enumerate(bits) if b]
    return ", ".join(pos) if pos else "none"


def _ways(tuples, limit: int = 6) -> str:
    ways = ["+".join(str(i + 1) for i, b in enumerate(t) if b) or "nothing" for t in tuples]
    if len(ways) > limit:
        return f"{len(ways)} ways"
    return " or ".join(ways)


def _deduction(csp: CSP, ci: int, changes, before) -> str:
    c = csp.constraints[ci]
    alive = c.alive(before) if isinstance(c, Sum) else []
    target = c.target if isinstance(c, Sum) else "?"
    black = [csp.name(v) for v, _, new in changes if single(new) == 1]
    white = [csp.name(v) for v, _, new in changes if single(new) == 0]
    parts = []
    if black:
        parts.append(f"{', '.join(black)} black")
    if white:
        parts.append(f"{', '.join(white)} white")
    return f"{c.label} = {target}: still possible {_ways(alive)}; so {' and '.join(parts)}."


def _format_search(csp: CSP, log: list) -> list[str]:
    colour = {0: "white", 1: "black"}
    return explain_search(
        log, deduce=lambda ci, changes, before: _deduction(csp, ci, changes, before),
        fail=lambda ci, before: f"Contradiction: no choice of cells in {csp.constraints[ci].label} makes "
                                f"{csp.constraints[ci].target} any more.",
        leaf_fail=lambda ci: f"Contradiction: {csp.constraints[ci].label} does not add up.",
        guess=lambda var, value, cands: f"Suppose {csp.name(var)} is {colour[value]}.",
        undo=lambda var, value: f"So {csp.name(var)} cannot be {colour[value]}.",
        stuck="No line forces anything more, so try an undecided cell both ways.",
        nested="Every further case inside this one fails as well.", dead_lines=DEAD_BRANCH_LINES)


TASK = Kukurasu()

__all__ = ["LEVEL_SIZE", "TASK", "Kukurasu", "build_csp", "line_sums"]
