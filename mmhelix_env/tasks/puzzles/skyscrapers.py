"""Skyscrapers (MM-HELIX ``skyscrapers``): a Latin square of building heights with visibility clues.

Every row and column holds the heights 1..n once; a clue outside the grid gives how many buildings are
visible from that side (strict running maxima; 0 = no constraint, imported data only).

Generation (spec/tasks/Skyscrapers.md): a random Latin square (randomised backtracking plus row, column and
symbol permutations), all 4n clues, then the shared CSP engine counts solutions (limit 2): rows and columns
all different plus one table constraint per line holding the permutations that match its clue pair
(precomputed once per (n, front, back) and shared by every instance). While two solutions exist, a random
cell where they differ becomes a given (value from the intended square); a second solution found earlier that
still keeps every given proves two solutions without a new count (its differing cells are used instead). Then
givens are dropped in random order while the puzzle stays unique (exact test: no solution differs on the freed
cell; a known second solution keeping the other givens proves a given needed). Uniqueness is only ever concluded
from a complete count. Level 1 adds three extra random givens. A count that exhausts its node budget discards
the draw.
"""

from __future__ import annotations

from functools import cache
from itertools import permutations
from typing import Any

import numpy as np

from ...core import GenerationError, Instance, RecordError, Task, Verdict, record_field
from ...core.csp import (
    CSP,
    AllDifferent,
    BudgetExceeded,
    explain_search,
    format_values,
    mask_of,
)
from ...core.grid_puzzle import (
    Checklist,
    CSPGridMixin,
    SquareStepMixin,
    cell_names,
    check_givens,
    check_latin,
    check_values,
    givens_domains,
    grid_lines,
    grid_witness,
    guess_words,
    latin_csp,
    matrix_text,
    move_text,
    parse_grid,
    random_latin_square,
    to_grid,
)
from ...render.puzzle_grid import Board, given_values, render_board
from ._line_table import LineTable, compiled

# level -> (n, extra random givens)
LEVEL_PARAMS: dict[int, tuple[int, int]] = {1: (4, 3), 2: (4, 0), 3: (5, 0), 4: (6, 0), 5: (7, 0)}
SIDES = ("top", "bottom", "left", "right")
MAX_DRAWS = 50
MAX_NODES = 20_000
CLUE_COLOR = (150, 20, 30)
DEAD_BRANCH_LINES = 8
LINE_CACHE = 5000  # cached line states per clue pair (about 30 pairs per size, so the caches stay small)


def visible(line) -> int:
    """How many buildings of ``line`` are seen from its start (strict running maxima)."""
    best = count = 0
    for h in line:
        if h > best:
            best = h
            count += 1
    return count


def clues_of(grid) -> dict[str, list[int]]:
    n = len(grid)
    cols = [[grid[r][c] for r in range(n)] for c in range(n)]
    return {"top": [visible(col) for col in cols], "bottom": [visible(col[::-1]) for col in cols],
            "left": [visible(row) for row in grid], "right": [visible(list(row)[::-1]) for row in grid]}


@cache
def _perm_groups(n: int) -> dict[tuple[int, int], tuple[tuple[int, ...], ...]]:
    groups: dict[tuple[int, int], list[tuple[int, ...]]] = {}
    for p in permutations(range(1, n + 1)):
        groups.setdefault((visible(p), visible(p[::-1])), []).append(p)
    return {k: tuple(v) for k, v in groups.items()}


@cache
def line_options(n: int, front: int, back: int) -> tuple[tuple[int, ...], ...]:
    """The permutations of 1..n seen as ``front`` from the start and ``back`` from the end (0 = any), sorted."""
    groups = _perm_groups(n)
    return tuple(sorted(p for (a, b), ps in groups.items() if front in (0, a) and back in (0, b) for p in ps))


@cache
def _option_set(n: int, front: int, back: int) -> frozenset[tuple[int, ...]]:
    """The same permutations as :func:`line_options`, as a set (fast leaf checks)."""
    return frozenset(line_options(n, front, back))


def _compiled(n: int, front: int, back: int):
    return compiled(("skyscrapers", n, front, back), lambda: line_options(n, front, back), range(1, n + 1),
                    LINE_CACHE)


@cache
def compile_all(n: int) -> int:
    """Compile every clue pair of size n at once (one-off, so that no later count pays for it)."""
    for a, b in sorted(_perm_groups(n)):
        _compiled(n, a, b)
    return n


class LineClues(LineTable):
    """A row or column with its two visibility clues: a table of the matching permutations, compiled once per
    (n, front, back) and shared by every instance (no per-instance compilation)."""

    def __init__(self, vars, n: int, front: int, back: int, label: str = ""):
        comp = _compiled(n, front, back)
        super().__init__(vars, comp, label)
        self.front, self.back = front, back
        self.values = comp.values

    def satisfied(self, values) -> bool:
        return tuple([values[v] for v in self.vars]) in _option_set(len(self.vars), self.front, self.back)

    def why(self, var, before, after, dom, name):
        v = after.bit_length() - 1 if after and not after & (after - 1) else None
        res = f"{name(var)} = {v}" if v is not None else f"{name(var)} in {format_values(after)}"
        return f"{self.label}: {self.count_alive(dom)} arrangement(s) still fit, so {res}"


def line_label(kind: str, k: int, front: int, back: int) -> str:
    a, b = ("left", "right") if kind == "row" else ("top", "bottom")
    fa = str(front) if front else "-"
    fb = str(back) if back else "-"
    return f"{kind} {k} (clues {a} {fa}, {b} {fb})"


def build_csp(n: int, clues) -> CSP:
    """One constraint per row and column: its clue table (the permutations of 1..n matching its clues; a table
    implies all different), or plain all-different for a line without clues."""
    compile_all(n)
    csp = CSP([mask_of(range(1, n + 1))] * (n * n), names=cell_names(n, n))
    for kind, first, second in (("row", "left", "right"), ("column", "top", "bottom")):
        for k in range(n):
            front, back = int(clues[first][k]), int(clues[second][k])
            cells = [k * n + c for c in range(n)] if kind == "row" else [r * n + k for r in range(n)]
            if front or back:
                csp.add(LineClues(cells, n, front, back, line_label(kind, k, front, back)))
            else:
                csp.add(AllDifferent(cells, label=f"{kind} {k}"))
    return csp


class Skyscrapers(SquareStepMixin, CSPGridMixin, Task):
    name = "Skyscrapers"
    category = "puzzles"
    benchmark_id = "Skyscrapers"
    generator_key = "skyscrapers"
    score_function = "skyscrapers_evaluator"
    version = "1"
    answer_format = "a two-dimensional list of heights, rows top to bottom: [[r1c1, r1c2, ...], ...]"
    max_answer_chars = 20_000
    solve_what = "Skyscrapers puzzle"
    level_sizes = LEVEL_PARAMS
    givens_key = "grid"

    # ----- generation ------------------------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        n, extra = LEVEL_PARAMS[level]
        plain = latin_csp(n)
        for _ in range(MAX_DRAWS):
            square = random_latin_square(rng, n, plain)
            clues = clues_of(square)
            csp = build_csp(n, clues)
            try:
                kept = self._givens(csp, n, square, rng)
            except BudgetExceeded:  # pragma: no cover - never seen; redraw
                continue
            if extra:
                free = sorted(set(range(n * n)) - set(kept))
                kept = sorted(kept + [int(x) for x in rng.choice(free, size=extra, replace=False)])
            keep = set(kept)
            grid = [[square[r][c] if r * n + c in keep else 0 for c in range(n)] for r in range(n)]
            state = {"n": n, **clues, "grid": grid}
            return state, to_grid(square)
        raise GenerationError("Skyscrapers: every draw exhausted the node budget")  # pragma: no cover

    @staticmethod
    def _givens(csp: CSP, n: int, square, rng: np.random.Generator) -> list[int]:
        """Givens that make the clue puzzle unique: add differing cells while two solutions exist, then drop
        givens (random order) that are not needed. A given is needed iff another solution keeps all the other
        givens; second solutions met on the way decide that without a new search."""
        flat = [v for row in square for v in row]
        base = csp.propagate()  # the clues' fixed point, shared by every count below
        if base is None:  # pragma: no cover - the square itself satisfies every clue
            raise GenerationError("Skyscrapers: clues of a Latin square contradict")
        givens: list[int] = []
        witnesses: list[list[int]] = []  # solutions other than the square, found on the way
        while True:
            # a known other solution that keeps every given proves two solutions without a new count
            alive = [s for s in witnesses if all(s[v] == flat[v] for v in givens)]
            if alive:
                a, b = flat, alive[0]
            else:
                dom = list(base)
                for v in givens:
                    dom[v] &= 1 << flat[v]
                res = csp.search(2, domains=dom, max_nodes=MAX_NODES)
                if not res.complete:
                    raise BudgetExceeded("count")
                if res.count < 2:
                    break
                a, b = res.solutions
                witnesses += [s for s in (a, b) if s != flat]
            diff = [i for i in range(n * n) if a[i] != b[i]]
            givens.append(int(diff[int(rng.integers(len(diff)))]))
        if len(givens) > 1:
            for var in [givens[int(i)] for i in rng.permutation(len(givens))]:
                others = [v for v in givens if v != var]
                # a known second solution that keeps the other givens proves this one necessary
                if any(all(s[v] == flat[v] for v in others) for s in witnesses):
                    continue
                dom = list(base)
                for v in others:
                    dom[v] &= 1 << flat[v]
                other = csp.find_other(flat, (var,), dom, MAX_NODES)
                if other is None:
                    givens.remove(var)
                else:
                    witnesses.append(other)
        return sorted(givens)

    # ----- helpers ---------------------------------------------------------------------------------------------
    def csp(self, inst: Instance) -> tuple[CSP, list[int]]:
        n = self.size(inst)
        csp = build_csp(n, inst.state)
        return csp, givens_domains(csp, inst.state["grid"])

    # ----- solving (solve, count: core.grid_puzzle.CSPGridMixin) -----------------------------------------------
    def stats(self, inst: Instance) -> dict:
        """Solver work: search nodes and propagator calls of the uniqueness count (limit 2), the line
        arrangements matching the clues (summed over the 2n lines), and the number of givens."""
        csp, dom = self.csp(inst)
        res = csp.search(2, domains=dom)
        n = self.size(inst)
        return {"n": n, "givens": sum(1 for row in inst.state["grid"] for v in row if v),
                "search_nodes": res.nodes, "propagations": res.propagations,
                "line_options": sum(len(c.tuples) for c in csp.constraints if isinstance(c, LineClues))}

    # ----- verification ----------------------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        n = self.size(inst)
        grid = parse_grid(answer, n, n, max_chars=self.max_answer_chars)
        return self.check_grid(inst, grid)

    def check_grid(self, inst: Instance, grid) -> Verdict:
        n = self.size(inst)
        st = inst.state
        checks = Checklist()
        if not check_values(grid, range(1, n + 1), checks):
            return checks.verdict(grid)
        check_latin(grid, checks)
        check_givens(grid, st["grid"], checks)
        for side in SIDES:
            for k, clue in enumerate(st[side]):
                if not clue:
                    continue
                if side in ("left", "right"):
                    line = list(grid[k])
                    where = f"row {k}"
                else:
                    line = [grid[r][k] for r in range(n)]
                    where = f"column {k}"
                if side in ("right", "bottom"):
                    line.reverse()
                seen = visible(line)
                checks.check(seen == clue, lambda side=side, where=where, clue=clue, seen=seen: (
                    f"{where} shows {seen} building{'s' if seen != 1 else ''} from the {side}, but the clue "
                    f"is {clue}"))
        return checks.verdict(grid, f"correct: every row and column holds 1-{n} once, all givens are kept and "
                                    "every visibility clue holds")

    # ----- presentation ----------------------------------------------------------------------------------------
    def board(self, inst: Instance, play: Any = None) -> Board:
        n = self.size(inst)
        st = inst.state
        values, given = given_values(st["grid"], play)
        clues = {side: [str(x) if x else None for x in st[side]] for side in SIDES}
        return Board(n, n, values=values, given=given, clues=clues, text_scale=0.55,
                     clue_colors={side: CLUE_COLOR for side in SIDES})

    def render(self, inst: Instance, play: Any = None, size: int = 512):
        return render_board(self.board(inst, play), size)[0]

    @staticmethod
    def _example(n: int) -> str:
        m = 3 if n != 3 else 4
        return matrix_text([[(r + c) % m + 1 for c in range(m)] for r in range(m)])

    def rules(self, n: int) -> str:
        return (f"1. Each row and each column must contain each height from 1 to {n} exactly once.\n"
                "2. The numbers around the grid indicate how many skyscrapers are visible when looking along that "
                "row or column from that side, with taller buildings hiding shorter ones behind them (a building "
                "is visible iff it is taller than every building in front of it).\n")

    def _givens_rule(self, inst: Instance, modality: str) -> str:
        if not any(v for row in inst.state["grid"] for v in row):
            return ""
        if modality == "image":
            return "3. The bold numbers inside the grid are fixed heights and must be kept.\n"
        return "3. The digits inside the grid are fixed heights and must be kept ('.' is an empty cell).\n"

    def layout_lines(self, inst: Instance) -> list[str]:
        st = inst.state
        n = self.size(inst)
        w = max(len(str(x)) for side in SIDES for x in st[side])
        w = max(w, len(str(n)))

        def f(x) -> str:
            return str(x).rjust(w)

        lines = [" " * (w + 1) + " ".join(f(x) for x in st["top"])]
        for r in range(n):
            cells = " ".join(f(v) if v else f(".") for v in st["grid"][r])
            lines.append(f"{f(st['left'][r])} {cells} {f(st['right'][r])}")
        lines.append(" " * (w + 1) + " ".join(f(x) for x in st["bottom"]))
        return lines

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        n = self.size(inst)
        st = inst.state
        head = (f"Arrange skyscrapers of heights 1-{n} on this {n}x{n} grid. The rules are as follows:\n"
                + self.rules(n) + self._givens_rule(inst, modality))
        tail = ("Please provide your answer as a two-dimensional list.\n"
                f"Example answer format (for a different size): {self._example(n)}.\n")
        zero = any(not x for side in SIDES for x in st[side])
        if modality == "image":
            where = ("The image shows the grid with the clues around it: the clues above and below the grid belong "
                     "to the columns, the clues left and right of the grid belong to the rows."
                     + (" A missing clue means no constraint." if zero else "") + "\n")
            return head + where + tail
        if modality == "text":
            lists = "\n".join(f"{side} clues ({'left to right' if side in ('top', 'bottom') else 'top to bottom'}): "
                              + ", ".join(map(str, st[side])) for side in SIDES)
            note = " A clue of 0 means no constraint." if zero else ""
            return (head + "Grid layout (top clues on the first line, each row as: left clue, the cells, right "
                    "clue; bottom clues on the last line; '.' is an empty cell):\n" + "\n".join(self.layout_lines(inst))
                    + "\n" + lists + note + "\n" + tail)
        raise ValueError(f"unknown modality {modality!r}; use 'image' or 'text'")

    # ----- trace -----------------------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        n = self.size(inst)
        csp, grid, log = self.traced_grid(inst)
        lines = [
            f"Fill the {n}x{n} grid with heights 1-{n}, each once per row and column, so that every clue counts "
            "the buildings visible from its side. Cells are (row, column), 0-based.",
            "Puzzle (clues around the grid, . = empty):",
            *self.layout_lines(inst),
            f"Start with candidates 1-{n} in every empty cell. For each line, keep only the arrangements of 1-{n} "
            "that match its two clues and the current candidates; a height placed in a row or column leaves the "
            "other cells of that line. Repeat until nothing changes:",
        ]
        lines += explain_search(
            log, deduce=lambda ci, changes, before: _deduction(csp, ci, changes, before),
            fail=lambda ci, before: f"Contradiction: {csp.constraints[ci].label} cannot be satisfied.",
            dead_lines=DEAD_BRANCH_LINES, **guess_words(csp))
        lines += ["Every cell is now determined and every clue holds:", *grid_lines(grid),
                  f"Answer: {matrix_text(grid)}"]
        return "\n".join(lines)

    # ----- reference records -----------------------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record_field(record.get("initial_state"))
        if not isinstance(raw, dict):
            raise RecordError("initial_state must be an object with n, top, bottom, left and right")
        try:
            n = int(raw["n"])
            clues = {side: [int(x or 0) for x in raw[side]] for side in SIDES}
            g = raw.get("grid", raw.get("givens"))
            grid = [[int(v or 0) for v in row] for row in g] if g else [[0] * n for _ in range(n)]
        except (KeyError, TypeError, ValueError) as err:
            raise RecordError(f"initial_state is malformed: {err}") from None
        if not 2 <= n <= 9:
            raise RecordError(f"size {n} is out of range 2..9")
        if any(len(clues[side]) != n for side in SIDES) or any(not 0 <= x <= n for s in SIDES for x in clues[s]):
            raise RecordError(f"each side needs {n} clues in 0..{n}")
        if len(grid) != n or any(len(row) != n for row in grid) or any(not 0 <= v <= n for row in grid for v in row):
            raise RecordError(f"givens must be a {n}x{n} grid of 0..{n}")
        csp = build_csp(n, clues)
        dom = givens_domains(csp, grid)
        try:
            if csp.solve(domains=dom, max_nodes=200_000) is None:
                raise RecordError("the puzzle has no solution (clues and givens contradict)")
        except BudgetExceeded:
            raise RecordError("the puzzle could not be solved within the node budget") from None
        return {"n": n, **clues, "grid": grid}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        n = int(state["n"])
        return n - 2 if 3 <= n <= 7 else None

    record_witness = grid_witness

    # ----- step mode (core.grid_puzzle.SquareStepMixin) -------------------------------------------------------
    def move_help(self, inst: Instance) -> str:
        n = self.size(inst)
        return move_text(n, f"value 1-{n} writes that height into the cell and value 0 erases it",
                         after="Changing a given cell is illegal; repeated heights are allowed while playing.")


# ---------------------------------------------------------------------------------------------------------------
# trace formatting


def _deduction(csp: CSP, ci: int, changes, before) -> str:
    c = csp.constraints[ci]
    name = csp.name
    if isinstance(c, LineClues):
        alive = c.count_alive(before)
        parts = []
        for var, _, new in changes:
            v = new.bit_length() - 1 if not new & (new - 1) else None
            parts.append(f"{name(var)} = {v}" if v is not None else f"{name(var)} in {format_values(new)}")
        return (f"{c.label}: {alive} arrangement{'s' if alive != 1 else ''} fit the clues and candidates, "
                "so " + ", ".join(parts) + ".")
    if isinstance(c, AllDifferent):
        return "; ".join(c.why(var, old, new, before, name) for var, old, new in changes) + "."
    return "; ".join(c.why(var, old, new, before, name) for var, old, new in changes) + "."  # pragma: no cover


TASK = Skyscrapers()

__all__ = ["LEVEL_PARAMS", "TASK", "LineClues", "Skyscrapers", "build_csp", "clues_of", "line_options", "visible"]
