"""Numbrix (MM-HELIX ``numbrix``): fill an n×n grid with 1 … n² so that consecutive numbers are neighbours.

Generation (spec/tasks/Numbrix.md): a random Hamiltonian path of the grid (a boustrophedon path mixed by
20·n³ random backbite moves), numbered 1 … n² in a random direction; then givens are carved: cells are
visited in a random order and a value is removed when the solution counter still proves exactly one
solution, down to the level's target (levels 3-5 also need two consecutive givens at least 4 apart).

Solver and counter: the shared CSP engine (core.csp). One variable per number (its domain is a bit set of
cells); a task-specific ``Chain`` constraint keeps numbers k and k+1 on neighbouring cells (a forward and a
backward sweep of neighbourhood masks, exact on the chain) and the engine's ``AllDifferent`` puts all numbers
on different cells (placed cells leave the others; a cell only one number can reach takes it); the engine
branches on the number with the fewest cells. Imported reference records (``full=False``) use the
reference's partial rules: numbers 1 … M with M >= the largest given, cells off the path stay empty.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np

from ...core import GenerationError, Instance, ParseError, RecordError, Task, Verdict, record_field
from ...core.csp import CSP, AllDifferent, Constraint, SearchResult
from ...core.grid_puzzle import Checklist, Grid, SquareStepMixin, cell_name, grid_witness, parse_grid, to_grid
from ...core.parsing import bounded
from ...render.puzzle_grid import Board, render_board

# level -> (n, target givens)
LEVEL_PARAMS: dict[int, tuple[int, int]] = {1: (4, 9), 2: (5, 13), 3: (6, 17), 4: (7, 23), 5: (8, 29)}
BACKBITE_FACTOR = 20
MIN_GAP_LEVEL = 3
MIN_GAP = 4
MAX_PATHS = 20
MAX_CARVES = 4
NODE_BUDGET = 20_000
TRACE_GUESS_LINES = 12
FORMAT_SENTENCE = ("The final answer should be the completed grid with all numbers from 1 to {m}, aligned clearly "
                   "in rows and columns.")


# ---------------------------------------------------------------------------------------------------------------
# geometry (bit ``r * n + c`` is cell (r, c))


@lru_cache(maxsize=32)
def geometry(n: int) -> tuple[int, int, int, tuple[int, ...], tuple[tuple[int, ...], ...]]:
    """(all cells, cells off column 0, cells off the last column, neighbour masks, neighbour lists)."""
    full = (1 << (n * n)) - 1
    col0 = sum(1 << (r * n) for r in range(n))
    not_first = full & ~col0
    not_last = full & ~(col0 << (n - 1))
    lists = []
    for i in range(n * n):
        r, c = divmod(i, n)
        lists.append(tuple(j for j, ok in ((i - n, r > 0), (i - 1, c > 0), (i + 1, c < n - 1), (i + n, r < n - 1))
                           if ok))
    masks = tuple(sum(1 << j for j in nb) for nb in lists)
    return full, not_first, not_last, masks, tuple(lists)


def spread(m: int, n: int, full: int, not_first: int, not_last: int) -> int:
    """The cells orthogonally next to some cell of ``m``."""
    return (((m << 1) & not_first) | ((m >> 1) & not_last) | (m << n) | (m >> n)) & full


def name(i: int, n: int) -> str:
    return cell_name(*divmod(i, n))


# ---------------------------------------------------------------------------------------------------------------
# solver / counter: the shared CSP engine (core.csp) with one Numbrix-specific constraint


class Chain(Constraint):
    """Numbers k and k+1 sit on orthogonally adjacent cells, for the whole chain 1 … T at once (the
    variables are the numbers in order; a domain is a bit set of cells). A forward sweep keeps the cells of
    k+1 next to a cell of k, a backward sweep the cells of k next to a cell of k+1; after both the chain is
    arc consistent."""

    __slots__ = ("n", "geo")

    def __init__(self, vars, n: int, label: str = "consecutive numbers adjacent"):
        super().__init__(vars, label)
        self.n = n
        self.geo = geometry(n)

    def propagate(self, dom: list[int]) -> list[int] | None:
        n = self.n
        full, nf, nl = self.geo[0], self.geo[1], self.geo[2]
        vs = self.vars
        changed: list[int] = []
        prev = dom[vs[0]]
        for v in vs[1:]:  # forward: k+1 next to a cell of k
            m = dom[v]
            s = (((prev << 1) & nf) | ((prev >> 1) & nl) | (prev << n) | (prev >> n)) & full
            if m & ~s:
                m &= s
                if not m:
                    return None
                dom[v] = m
                changed.append(v)
            prev = m
        for v in vs[-2::-1]:  # backward: k next to a cell of k+1
            m = dom[v]
            s = (((prev << 1) & nf) | ((prev >> 1) & nl) | (prev << n) | (prev >> n)) & full
            if m & ~s:
                m &= s
                if not m:
                    return None
                dom[v] = m
                changed.append(v)
            prev = m
        return changed

    def satisfied(self, values) -> bool:
        masks = self.geo[3]
        cells = [values[v] for v in self.vars]
        return all(masks[a] >> b & 1 for a, b in zip(cells, cells[1:]))


class Model:
    """Numbers 1 … T as CSP variables 0 … T-1 whose values are cells (bit ``r * n + c``): a :class:`Chain`
    (consecutive numbers adjacent) and an ``AllDifferent`` (numbers on different cells; when ``full``, T = n²
    and every cell is needed, so it also places hidden singles and fails on a cell no number can reach).
    Imported records (``full=False``) allow empty cells: there are more cells than numbers."""

    def __init__(self, n: int, givens: dict[int, int], top: int, full: bool):
        self.n = n
        self.top = top
        self.full = full
        all_cells = geometry(n)[0]
        self.csp = CSP([all_cells] * top, names=[str(v) for v in range(1, top + 1)])
        self.csp.add(Chain(range(top), n))
        self.csp.add(AllDifferent(range(top), label="each cell holds one number"))
        free = all_cells
        for cell in givens.values():
            free &= ~(1 << cell)
        self.root = [(1 << givens[v]) if v in givens else free for v in range(1, top + 1)]

    def search(self, limit: int = 2, max_nodes: int | None = NODE_BUDGET, exclude: tuple[int, int] | None = None,
               log: list | None = None) -> SearchResult:
        """The engine's search from the givens. ``exclude`` = (number, cell): only solutions that do not put
        that number there."""
        dom = self.root[:]
        if exclude is not None:
            dom[exclude[0] - 1] &= ~(1 << exclude[1])
        return self.csp.search(limit, domains=dom, max_nodes=max_nodes, log=log)


# ---------------------------------------------------------------------------------------------------------------
# generation


def random_path(rng: np.random.Generator, n: int) -> list[int]:
    """A Hamiltonian path of the n×n grid: a boustrophedon mixed by 20·n³ backbite moves."""
    path = [r * n + (c if r % 2 == 0 else n - 1 - c) for r in range(n) for c in range(n)]
    # each cell's neighbours repeated to 12 entries: a draw k in 0..11 picks one uniformly (12 = lcm(2, 3, 4))
    pick = [tuple(nb[k % len(nb)] for k in range(12)) for nb in geometry(n)[4]]
    draws = rng.integers(0, 24, BACKBITE_FACTOR * n ** 3).tolist()  # >= 12: work on the other end
    before_end = n * n - 2
    index = path.index
    for k in draws:
        if k >= 12:
            path.reverse()
            k -= 12
        i = index(pick[path[-1]][k])
        if i != before_end:  # join the end to that neighbour and reverse the tail behind it
            path[i + 1:] = path[:i:-1]
    if rng.random() < 0.5:
        path.reverse()
    return path


def consecutive_gap(givens: dict[int, int]) -> int:
    vals = sorted(givens)
    return max((b - a for a, b in zip(vals, vals[1:])), default=0)


def carve(rng: np.random.Generator, n: int, path: list[int], target: int) -> dict[int, int] | None:
    """Givens {number: cell} of a unique puzzle with ``target`` givens, or None."""
    _, _, _, masks, _ = geometry(n)
    cell_of = {v + 1: cell for v, cell in enumerate(path)}
    givens = dict(cell_of)
    gmask = (1 << (n * n)) - 1
    for i in rng.permutation(n * n).tolist():
        if len(givens) <= target:
            break
        v = i + 1
        cell = cell_of[v]
        del givens[v]
        gmask ^= 1 << cell
        # shortcut: v between two givens whose other common neighbours are all given is forced
        if v - 1 in givens and v + 1 in givens:
            common = masks[givens[v - 1]] & masks[givens[v + 1]] & ~gmask
            if common == 1 << cell:
                continue
        res = Model(n, givens, n * n, True).search(1, exclude=(v, cell))
        if res.solutions or not res.complete:
            givens[v] = cell
            gmask |= 1 << cell
    if len(givens) != target:
        return None
    return givens


def _place_line(v: int, cell: int, hidden: bool, before: list[int], n: int, top: int) -> str:
    """One placement of the traced solve, with the numbers that force it."""
    if hidden:
        return f"{v} goes to {name(cell, n)}: no other missing number can still reach that cell."
    known = [k for k in range(1, top + 1) if before[k] and not before[k] & (before[k] - 1)]
    lo = max((k for k in known if k < v), default=None)
    hi = min((k for k in known if k > v), default=None)
    parts = []
    if lo is not None:
        parts.append(f"{v - lo} step{'s' if v - lo > 1 else ''} of {lo} at {name(before[lo].bit_length() - 1, n)}")
    if hi is not None:
        parts.append(f"{hi - v} step{'s' if hi - v > 1 else ''} of {hi} at {name(before[hi].bit_length() - 1, n)}")
    return f"{v} goes to {name(cell, n)}: the only free cell within " + " and ".join(parts) + "."


# ---------------------------------------------------------------------------------------------------------------
# parsing

_FENCE = re.compile(r"^\s*```")
_SEP_CELL = re.compile(r"^\s*:?-{1,}:?\s*$")
_PREFIX = re.compile(r"^(?:final\s+)?answer\s*[:=]\s*(?=\|)", re.I)
_UINT = re.compile(r"[+-]?\d+", re.ASCII)


def parse_numbrix(text: str, n: int, max_chars: int) -> tuple[list[list[int]], list[str]]:
    """An n×n grid (0 = empty) and notes about unreadable cells. ``|``-separated rows first (an empty cell
    or a non-number is read as empty and noted), else the shared lenient grid parser."""
    text = bounded(text, max_chars)
    blocks: list[list[str]] = []
    block: list[str] = []
    for line in re.split(r"\n|\\n", text):
        s = _PREFIX.sub("", line.strip())
        if s.count("|") >= 2 and not _FENCE.match(s):
            cells = s.split("|")
            if s.startswith("|"):
                cells = cells[1:]
            if s.endswith("|"):
                cells = cells[:-1]
            if cells and all(_SEP_CELL.match(c) for c in cells):
                continue  # markdown separator row
            block.append(s)
            continue
        if s and not _FENCE.match(s) and block:
            blocks.append(block)
            block = []
    if block:
        blocks.append(block)
    for rows in reversed(blocks):
        if len(rows) != n:
            continue
        grid, notes = [], []
        for r, s in enumerate(rows):
            cells = s.split("|")
            if s.startswith("|"):
                cells = cells[1:]
            if s.endswith("|"):
                cells = cells[:-1]
            if len(cells) != n:
                raise ParseError(f"row {r} of the grid has {len(cells)} cells, expected {n}")
            vals = []
            for c, tok in enumerate(cells):
                tok = tok.strip().strip("*`")
                if _UINT.fullmatch(tok):
                    vals.append(int(tok))
                else:
                    vals.append(0)
                    if tok and len(notes) < 3:
                        notes.append(f"cell {cell_name(r, c)} holds {tok[:20]!r}, not a number")
            grid.append(vals)
        return grid, notes
    if blocks and any(len(b) >= 2 for b in blocks) and not re.search(r"\[\s*\[", text):
        lens = sorted({len(b) for b in blocks})
        raise ParseError(f"expected {n} rows of {n} '|'-separated cells; found blocks of {lens} rows")
    return parse_grid(text, n, n, max_chars=max_chars), []


# ---------------------------------------------------------------------------------------------------------------
# the task


def answer_text(grid: Any) -> str:
    return "\n".join("|" + "|".join(str(int(v)) if v else " " for v in row) + "|" for row in grid)


class Numbrix(SquareStepMixin, Task):
    name = "Numbrix"
    category = "puzzles"
    benchmark_id = "numbrix"
    generator_key = "numbrix"
    score_function = "numbrix_evaluator"
    version = "1"
    answer_format = "n lines of |-separated numbers, e.g. |1|2|3| / |6|5|4| / |7|8|9|"
    max_answer_chars = 20_000
    level_sizes = LEVEL_PARAMS
    givens_key = "grid"
    play_complete = False

    # ----- generation ------------------------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        n, target = LEVEL_PARAMS[level]
        for _ in range(MAX_PATHS):
            path = random_path(rng, n)
            for _ in range(MAX_CARVES):
                givens = carve(rng, n, path, target)
                if givens is None:
                    continue
                if level >= MIN_GAP_LEVEL and consecutive_gap(givens) < MIN_GAP:
                    continue
                grid = [[0] * n for _ in range(n)]
                for v, cell in givens.items():
                    grid[cell // n][cell % n] = v
                sol = [[0] * n for _ in range(n)]
                for k, cell in enumerate(path):
                    sol[cell // n][cell % n] = k + 1
                return {"n": n, "grid": grid, "full": True}, to_grid(sol)
        raise GenerationError(f"Numbrix: no unique {n}x{n} puzzle with {target} givens")  # pragma: no cover

    # ----- helpers ---------------------------------------------------------------------------------------------
    @staticmethod
    def givens(inst: Instance) -> dict[int, int]:
        n = int(inst.state["n"])
        return {int(v): r * n + c for r, row in enumerate(inst.state["grid"]) for c, v in enumerate(row) if v}

    def top(self, inst: Instance) -> int:
        """The highest number the solver places: n² (generated) or the largest given (imported)."""
        n = self.size(inst)
        return n * n if inst.state["full"] else max(self.givens(inst), default=1)

    def model(self, inst: Instance) -> Model:
        return Model(self.size(inst), self.givens(inst), self.top(inst), bool(inst.state["full"]))

    # ----- solving ---------------------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> Grid:
        res = self.model(inst).search(1, max_nodes=None)
        if not res.solutions:
            raise ValueError("this Numbrix has no solution")
        return self._grid(inst, res.solutions[0])

    def _grid(self, inst: Instance, cells: list[int]) -> Grid:
        n = self.size(inst)
        grid = [[0] * n for _ in range(n)]
        for k, cell in enumerate(cells):
            grid[cell // n][cell % n] = k + 1
        return to_grid(grid)

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return answer_text(solution)

    def count(self, inst: Instance, limit: int = 2) -> int:
        return self.model(inst).search(limit, max_nodes=None).count

    def stats(self, inst: Instance) -> dict:
        """Solver work of the engine's uniqueness count (limit 2): search nodes, propagator calls and
        propagator calls times chain length (each call sweeps the whole chain); blanks and the longest run of
        missing numbers between two givens."""
        res = self.model(inst).search(2, max_nodes=None)
        n = self.size(inst)
        g = self.givens(inst)
        return {"n": n, "givens": len(g), "blanks": n * n - len(g), "search_nodes": res.nodes,
                "propagations": res.propagations, "sweep_work": res.propagations * self.top(inst),
                "longest_gap": consecutive_gap({0: -1, **g, self.top(inst) + 1: -1}) - 1}

    # ----- verification ----------------------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        n = self.size(inst)
        grid, notes = parse_numbrix(answer, n, self.max_answer_chars)
        return self.check_grid(inst, grid, notes)

    def check_grid(self, inst: Instance, grid, notes: list[str] = ()) -> Verdict:
        n = self.size(inst)
        nn = n * n
        full = bool(inst.state["full"])
        checks = Checklist()
        for note in notes:
            checks.fail(note, fatal=False)
        givens = inst.state["grid"]
        for r in range(n):
            for c in range(n):
                g = givens[r][c]
                if g and grid[r][c] != g:
                    checks.fail(f"the given {g} at {cell_name(r, c)} was changed to {grid[r][c] or 'empty'}")
        if checks.fatal:
            return checks.verdict(grid)
        where: dict[int, list[int]] = {}
        for r in range(n):
            for c in range(n):
                v = grid[r][c]
                if v < 0 or v > nn:
                    checks.fail(f"cell {cell_name(r, c)} holds {v}, not a number from 1 to {nn}", fatal=False)
                elif v:
                    where.setdefault(v, []).append(r * n + c)
        top = nn if full else max([v for v in where if v > 0] + [max((int(x) for row in givens for x in row),
                                                                     default=1)])
        for v in sorted(where):
            if len(where[v]) > 1:
                a, b = where[v][:2]
                checks.fail(f"{v} appears {len(where[v])} times (cells {name(a, n)} and {name(b, n)})", fatal=False)
        missing = [v for v in range(1, top + 1) if v not in where]
        if missing:
            more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            checks.fail(f"{missing[0]} is missing{more}", fatal=False)
        if full:
            empty = [(r, c) for r in range(n) for c in range(n) if not grid[r][c]]
            if empty:
                checks.fail(f"cell {cell_name(*empty[0])} is empty; every cell needs a number", fatal=False)
        masks = geometry(n)[3]
        for k in range(1, top):
            a, b = where.get(k, ()), where.get(k + 1, ())
            if len(a) == 1 and len(b) == 1:
                checks.check(bool(masks[a[0]] >> b[0] & 1), lambda k=k, a=a[0], b=b[0]: (
                    f"{k} at {name(a, n)} and {k + 1} at {name(b, n)} are not adjacent"))
            else:
                checks.total += 1  # already reported as missing or repeated
        rule = f"1 to {nn} each once" if full else f"1 to {top} each once"
        return checks.verdict(grid, f"correct: the grid holds {rule}, consecutive numbers are adjacent and every "
                                    "given is kept")

    # ----- presentation ----------------------------------------------------------------------------------------
    def board(self, inst: Instance, play: Any = None) -> Board:
        n = self.size(inst)
        grid = inst.state["grid"]
        current = play if play is not None else grid
        values, given = {}, set()
        for r in range(n):
            for c in range(n):
                if grid[r][c]:
                    values[(r, c)] = str(grid[r][c])
                    given.add((r, c))
                elif current[r][c]:
                    values[(r, c)] = str(current[r][c])
        return Board(n, n, values=values, given=given, text_scale=0.45)

    def render(self, inst: Instance, play: Any = None, size: int = 512):
        return render_board(self.board(inst, play), size)[0]

    def rules(self, inst: Instance) -> str:
        n = self.size(inst)
        nn = n * n
        if inst.state["full"]:
            return ("### Game Rules:\n"
                    f"1. The puzzle is a {n}×{n} grid; some cells already hold numbers (givens).\n"
                    f"2. Write a number in every empty cell so that the grid holds each number from 1 to {nn} "
                    f"(the highest number is {nn}, the grid size squared) exactly once.\n"
                    f"3. Consecutive numbers (k and k+1 for every k from 1 to {nn - 1}) must be in orthogonally "
                    "adjacent cells (left, right, up or down; never diagonal), so the numbers form one continuous "
                    "path through every cell.\n"
                    "4. The given numbers cannot be changed.\n")
        return ("### Game Rules:\n"
                f"1. The puzzle is a {n}×{n} grid; some cells already hold numbers (givens).\n"
                "2. Fill empty cells with numbers to form a continuous path 1, 2, ..., M, where the highest number M "
                "is not stated: it is at least the largest given and may be below the number of cells, so some "
                "cells may stay empty.\n"
                "3. Consecutive numbers must be in orthogonally adjacent cells (never diagonal); each number is "
                "used once.\n"
                "4. The given numbers cannot be changed.\n")

    def _format(self, inst: Instance) -> str:
        n = self.size(inst)
        m = n * n if inst.state["full"] else "M"
        ex_n = 3 if n != 3 else 2
        example = "|1|2|3|\n|6|5|4|\n|7|8|9|" if ex_n == 3 else "|1|2|\n|4|3|"
        sentence = FORMAT_SENTENCE.format(m=m)
        empty = "" if inst.state["full"] else " Write an empty cell as a single space between bars (| |)."
        return (f"### Answer format:\n{sentence} Write one row per line with the numbers separated by '|', "
                f"starting and ending each line with '|'.{empty}\nExample for a {ex_n}×{ex_n} grid (not this "
                f"puzzle):\n{example}\n")

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        n = self.size(inst)
        if modality == "image":
            return ("You are given an image of a Numbrix puzzle: a grid in which some cells show given numbers and "
                    f"the other cells are empty. Solve the puzzle.\n\n{self.rules(inst)}\n{self._format(inst)}")
        if modality == "text":
            return (f"You are given a {n}×{n} Numbrix puzzle. Solve it.\n\n{self.rules(inst)}\n"
                    "### Current state (one row per line, an empty cell is a single space between bars):\n"
                    f"{answer_text(inst.state['grid'])}\n\n{self._format(inst)}")
        raise ValueError(f"unknown modality {modality!r}; use 'image' or 'text'")

    # ----- trace -----------------------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        n = self.size(inst)
        top = self.top(inst)
        log: list = []
        res = self.model(inst).search(1, max_nodes=None, log=log)
        if not res.solutions:
            raise ValueError("this Numbrix has no solution")
        grid = self._grid(inst, res.solutions[0])
        g = self.givens(inst)
        gaps = []
        vals = sorted(g)
        for a, b in zip(vals, vals[1:]):
            if b - a > 1:
                gaps.append(f"{a}->{b} ({b - a - 1} missing)")
        lines = [
            f"Numbrix on a {n}x{n} grid: place 1-{top} so that consecutive numbers are orthogonally adjacent. "
            "Cells are (row, column), 0-based.",
            "Givens (_ = empty):",
            *(" ".join(f"{v:>2}" if v else " _" for v in row) for row in inst.state["grid"]),
            "Gaps between consecutive givens: " + (", ".join(gaps) if gaps else "none") + ".",
            "Rules used: a number k+1 must be next to a possible cell of k (and k-1 next to one of k), which "
            "bounds each missing number by its distance to the nearest givens on both sides; a cell taken by one "
            "number is unavailable to the others" + ("; a cell that only one number can still reach gets it."
                                                       if inst.state["full"] else "."),
        ]
        guesses = 0
        for ev in log:  # the engine's search log (core.csp): deductions, branches, contradictions
            kind = ev[0]
            if kind == "deduce":
                ci, changes, before = ev[1], ev[2], ev[3]
                taken = 0
                for m in before:
                    if m and not m & (m - 1):
                        taken |= m
                for var, was, now in changes:
                    if now & (now - 1) or not was & (was - 1):
                        continue
                    v, cell = var + 1, now.bit_length() - 1
                    if ci == 0:
                        lines.append(_place_line(v, cell, False, [0, *before], n, top))
                    elif (was & ~now) & ~taken:
                        lines.append(_place_line(v, cell, True, [0, *before], n, top))
                    else:
                        lines.append(f"{v} goes to {name(cell, n)}: its other possible cells are taken.")
            elif kind == "branch":
                guesses += 1
                if guesses <= TRACE_GUESS_LINES:
                    var, cell, dom = ev[1], ev[2], ev[4]
                    lines.append(f"No forced placement left: {var + 1} has {dom[var].bit_count()} possible cells; "
                                 f"try {var + 1} at {name(cell, n)}.")
            elif kind in ("fail", "leaf_fail") and guesses <= TRACE_GUESS_LINES and guesses:
                lines.append("That leads to a contradiction (some number has no cell left); undo the last try.")
        if guesses > TRACE_GUESS_LINES:
            lines.append(f"(... {guesses - TRACE_GUESS_LINES} more tries until every number is placed.)")
        lines += ["Every number is placed; the path 1-" f"{top} is continuous:",
                  *(" ".join(f"{v:>2}" if v else " _" for v in row) for row in grid)]
        return "\n".join(lines) + "\nAnswer: " + answer_text(grid)

    # ----- reference records -----------------------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record_field(record.get("initial_state"))
        if isinstance(raw, str):
            rows = [ln.strip() for ln in raw.replace("\\n", "\n").split("\n") if ln.strip()]
            n = len(rows)
            if not 2 <= n <= 12:
                raise RecordError(f"initial_state must have 2-12 rows, got {n}")
            try:
                grid, _ = parse_numbrix("\n".join(rows), n, 100_000)
            except ParseError as err:
                raise RecordError(f"initial_state is malformed: {err}") from None
        elif isinstance(raw, (list, tuple)):
            try:
                grid = [[int(v or 0) for v in row] for row in raw]
            except (TypeError, ValueError) as err:
                raise RecordError(f"initial_state is malformed: {err}") from None
            n = len(grid)
            if not 2 <= n <= 12 or any(len(row) != n for row in grid):
                raise RecordError("initial_state must be a square grid")
        else:
            raise RecordError("initial_state must be the grid text |1| |3|...")
        vals = [v for row in grid for v in row if v]
        if any(not 1 <= v <= n * n for v in vals) or len(set(vals)) != len(vals):
            raise RecordError(f"givens must be distinct numbers from 1 to {n * n}")
        state = {"n": n, "grid": grid, "full": False}
        res = Model(n, {v: r * n + c for r, row in enumerate(grid) for c, v in enumerate(row) if v},
                    max(vals, default=1), False).search(1)
        if not res.solutions and res.complete:
            raise RecordError("the puzzle has no solution")
        return state

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        n = int(state["n"])
        return n - 3 if 4 <= n <= 8 else None

    record_witness = grid_witness

    # ----- step mode (core.grid_puzzle.SquareStepMixin) -------------------------------------------------------
    def value_codes(self, n: int) -> int:
        return n * n + 1


TASK = Numbrix()

__all__ = ["LEVEL_PARAMS", "TASK", "Chain", "Model", "Numbrix", "answer_text", "parse_numbrix", "random_path"]
