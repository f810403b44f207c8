"""Sudoku (MM-HELIX ``sudoku``): standard 9x9 Sudoku with a unique solution.

Generation (spec/tasks/Sudoku.md): a full grid by randomized backtracking (the three diagonal boxes get
random permutations, the rest is completed with a per-cell random digit order, so every valid grid can
occur), then carving: the 81 cells are visited in a random order and a digit is removed when the puzzle
keeps exactly one solution, until the level's number of givens is reached. A removal is free when the
removed cell is still forced by a naked or hidden single from the remaining givens; otherwise the removal
is kept only if there is no solution with that cell set to another digit (a search that stops at the
first solution). Level 5 restarts the carve from the same full grid with new visit orders (up to 10)
when a minimal puzzle above 24 givens is reached, and accepts the smallest result <= 26.

The solver is a bitmask search: candidates per cell, naked singles propagated through a queue, hidden
singles per unit, most-constrained-cell branching; ``_count`` stops at a given number of solutions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import (
    GenerationError,
    Instance,
    RecordError,
    Task,
    Verdict,
    parse_int_grid,
    record_field,
)
from ...core.grid_puzzle import CellStepMixin
from ...render import (
    BACKGROUND,
    GRID_LINE,
    INK,
    PALETTE,
    WHITE,
    GridLayout,
    draw_grid_lines,
    draw_text,
    fill_cell,
    fit_font,
    new_canvas,
)

# ---------------------------------------------------------------------------------------------------------------
# Tables (cells are 0..80 row-major; a digit d is the bit 1 << (d - 1))

ALL = 0x1FF
POP = tuple(bin(m).count("1") for m in range(512))
BITS = tuple(1 << d for d in range(9))
DIGIT = {1 << d: d + 1 for d in range(9)}
ROW = tuple(i // 9 for i in range(81))
COL = tuple(i % 9 for i in range(81))
BOX = tuple((i // 27) * 3 + (i % 9) // 3 for i in range(81))
UNITS = (
    tuple(tuple(i for i in range(81) if ROW[i] == k) for k in range(9))
    + tuple(tuple(i for i in range(81) if COL[i] == k) for k in range(9))
    + tuple(tuple(i for i in range(81) if BOX[i] == k) for k in range(9))
)
UNIT_NAMES = tuple(f"row {k + 1}" for k in range(9)) + tuple(f"column {k + 1}" for k in range(9)) + tuple(
    f"box {k + 1}" for k in range(9))
UNITS_OF = tuple(tuple(k for k, unit in enumerate(UNITS) if i in unit) for i in range(81))
PEERS = tuple(tuple(sorted({j for k in UNITS_OF[i] for j in UNITS[k]} - {i})) for i in range(81))

GIVENS = {1: 40, 2: 36, 3: 32, 4: 28, 5: 24}
LEVEL5_ACCEPT = 26
LEVEL5_ORDERS = 10
MAX_GRIDS = 50

RULES = ("Fill every empty cell with a digit from 1 to 9 so that each row, each column and each of the nine 3x3 "
         "boxes contains every digit from 1 to 9 exactly once. The given digits cannot be changed.")
FORMAT_LINES = ("- Output the fully solved grid as 81 integers in row-major order, separated by single spaces\n"
                "- Use only digits 1–9 (no 0, '.', commas, or any other characters)")


def cell_name(i: int) -> str:
    return f"r{ROW[i] + 1}c{COL[i] + 1}"


def digits_of(mask: int) -> list[int]:
    return [d + 1 for d in range(9) if mask >> d & 1]


# ---------------------------------------------------------------------------------------------------------------
# Bitmask solver


class _Counter:
    __slots__ = ("nodes", "assignments")

    def __init__(self) -> None:
        self.nodes = 0
        self.assignments = 0


def _assign(vals: list[int], cand: list[int], todo: list, work: _Counter) -> bool:
    """Place the queued (cell, bit) pairs and propagate naked singles; False on a contradiction."""
    peers = PEERS
    while todo:
        i, b = todo.pop()
        v = vals[i]
        if v:
            if v != b:
                return False
            continue
        if not cand[i] & b:
            return False
        vals[i] = b
        cand[i] = b
        work.assignments += 1
        for p in peers[i]:
            m = cand[p]
            if m & b and not vals[p]:
                m ^= b
                if not m:
                    return False
                cand[p] = m
                if not m & (m - 1):
                    todo.append((p, m))
    return True


def _hidden(vals: list[int], cand: list[int]) -> list | None:
    """Hidden singles of every unit as (cell, bit) pairs; None when a digit has no place in a unit."""
    todo = []
    for unit in UNITS:
        once = twice = placed = 0
        for i in unit:
            m = cand[i]
            if vals[i]:
                placed |= m
            else:
                twice |= once & m
                once |= m
        if once | placed != ALL:
            return None
        h = once & ~twice
        while h:
            b = h & -h
            h ^= b
            for i in unit:
                if cand[i] & b and not vals[i]:
                    todo.append((i, b))
                    break
    return todo


def _search(vals, cand, todo, limit: int, sols: list, order, work: _Counter) -> int:
    """Count solutions (up to ``limit``) below this node; solutions are appended to ``sols`` as bit lists."""
    work.nodes += 1
    while True:
        if not _assign(vals, cand, todo, work):
            return 0
        todo = _hidden(vals, cand)
        if todo is None:
            return 0
        if not todo:
            break
    best, fewest = -1, 10
    for i in range(81):
        if not vals[i]:
            n = POP[cand[i]]
            if n < fewest:
                best, fewest = i, n
                if n == 2:
                    break
    if best < 0:
        sols.append(vals)
        return 1
    m = cand[best]
    bits = [b for b in (BITS if order is None else order[best]) if m & b]
    total = 0
    for b in bits:
        total += _search(vals[:], cand[:], [(best, b)], limit - total, sols, order, work)
        if total >= limit:
            break
    return total


def _setup(grid: list[int]):
    """(vals, cand, todo) for a flat grid (0 = empty), or None when the givens already clash."""
    R = [0] * 9
    C = [0] * 9
    B = [0] * 9
    vals = [0] * 81
    for i in range(81):
        d = grid[i]
        if d:
            b = BITS[d - 1]
            r, c, x = ROW[i], COL[i], BOX[i]
            if (R[r] | C[c] | B[x]) & b:
                return None
            R[r] |= b
            C[c] |= b
            B[x] |= b
            vals[i] = b
    cand = vals[:]
    todo = []
    for i in range(81):
        if not vals[i]:
            m = ALL & ~(R[ROW[i]] | C[COL[i]] | B[BOX[i]])
            cand[i] = m
            if not m & (m - 1):
                if not m:
                    return None
                todo.append((i, m))
    return vals, cand, todo


def count_solutions(grid: list[int], limit: int = 2, work: _Counter | None = None) -> tuple[int, list[list[int]]]:
    """Number of solutions of a flat 81-cell grid, stopping at ``limit``, and the solutions found (flat)."""
    work = work if work is not None else _Counter()
    start = _setup(list(grid))
    if start is None:
        work.nodes += 1
        return 0, []
    sols: list = []
    n = _search(*start, limit, sols, None, work)
    return n, [[DIGIT[b] for b in s] for s in sols]


def full_grid(rng: np.random.Generator) -> list[int]:
    """A random complete grid: random diagonal boxes, then randomized backtracking."""
    grid = [0] * 81
    for k in (0, 4, 8):
        perm = rng.permutation(9)
        for j, i in enumerate(UNITS[18 + k]):
            grid[i] = int(perm[j]) + 1
    order = [[BITS[d] for d in row] for row in np.argsort(rng.random((81, 9)), axis=1, kind="stable").tolist()]
    start = _setup(grid)
    sols: list = []
    if start is None or not _search(*start, 1, sols, order, _Counter()):  # pragma: no cover - impossible
        raise GenerationError("Sudoku: could not complete a grid")
    return [DIGIT[b] for b in sols[0]]


def _removable(puz: list[int], i: int, v: int, R: list[int], C: list[int], B: list[int]) -> bool:
    """Whether the puzzle with cell ``i`` (true value ``v``) emptied still has one solution.
    ``puz`` already has the cell emptied and R/C/B exclude its digit."""
    b = BITS[v - 1]
    m = ALL & ~(R[ROW[i]] | C[COL[i]] | B[BOX[i]])
    if m == b:  # naked single from the remaining givens
        return True
    for k in UNITS_OF[i]:  # hidden single from the remaining givens
        for j in UNITS[k]:
            if j != i and not puz[j] and not (R[ROW[j]] | C[COL[j]] | B[BOX[j]]) & b:
                break
        else:
            return True
    start = _setup(puz)
    if start is None:  # pragma: no cover - the givens come from a valid grid
        return False
    vals, cand, todo = start
    work = _Counter()
    alts = m & ~b
    while alts:
        a = alts & -alts
        alts ^= a
        if _search(vals[:], cand[:], todo + [(i, a)], 1, [], None, work):
            return False
    return True


def carve(solution: list[int], order: list[int], target: int) -> tuple[list[int], int]:
    """Remove digits in ``order`` while the puzzle stays unique, down to ``target`` givens."""
    puz = list(solution)
    R = [0] * 9
    C = [0] * 9
    B = [0] * 9
    for i in range(81):
        b = BITS[solution[i] - 1]
        R[ROW[i]] |= b
        C[COL[i]] |= b
        B[BOX[i]] |= b
    n = 81
    for i in order:
        if n <= target:
            break
        v = puz[i]
        b = BITS[v - 1]
        puz[i] = 0
        R[ROW[i]] ^= b
        C[COL[i]] ^= b
        B[BOX[i]] ^= b
        if _removable(puz, i, v, R, C, B):
            n -= 1
        else:
            puz[i] = v
            R[ROW[i]] ^= b
            C[COL[i]] ^= b
            B[BOX[i]] ^= b
    return puz, n


# ---------------------------------------------------------------------------------------------------------------
# Rule-based reasoning trace (singles with reasons, guesses with backtracking)


class _Tracer:
    """Solves like a person: hidden singles in boxes, naked singles, hidden singles in rows and columns;
    when none is left, guess the cell with the fewest candidates and backtrack on a contradiction."""

    DEAD_BRANCH_LINES = 10
    GRID_EVERY = 10

    def __init__(self) -> None:
        self.guesses = 0
        self.backtracks = 0
        self.naked = 0
        self.hidden = 0

    @staticmethod
    def _masks(grid: list[int]) -> tuple[list[int], list[int], list[int]]:
        R = [0] * 9
        C = [0] * 9
        B = [0] * 9
        for i in range(81):
            if grid[i]:
                b = BITS[grid[i] - 1]
                R[ROW[i]] |= b
                C[COL[i]] |= b
                B[BOX[i]] |= b
        return R, C, B

    def _next(self, grid: list[int]):
        R, C, B = self._masks(grid)
        cands = [0] * 81
        empty = [i for i in range(81) if not grid[i]]
        if not empty:
            return ("done",)
        for i in empty:
            m = ALL & ~(R[ROW[i]] | C[COL[i]] | B[BOX[i]])
            if not m:
                return ("contra", f"{cell_name(i)} has no possible digit left (its row, column and box already "
                                  f"contain all of 1-9)")
            cands[i] = m
        hidden = {}
        for k in (*range(18, 27), *range(9), *range(9, 18)):  # boxes, rows, columns
            unit = UNITS[k]
            once = twice = placed = 0
            for i in unit:
                if grid[i]:
                    placed |= BITS[grid[i] - 1]
                else:
                    twice |= once & cands[i]
                    once |= cands[i]
            missing = ALL & ~(once | placed)
            if missing:
                d = digits_of(missing)[0]
                return ("contra", f"digit {d} has no place left in {UNIT_NAMES[k]}")
            h = once & ~twice
            if h and k not in hidden:
                b = h & -h
                for i in unit:
                    if not grid[i] and cands[i] & b:
                        hidden[k] = (i, DIGIT[b])
                        break
        box_hidden = [k for k in hidden if k >= 18]
        if box_hidden:
            return self._hidden_step(box_hidden[0], *hidden[box_hidden[0]])
        for i in empty:
            m = cands[i]
            if not m & (m - 1):
                seen = digits_of(R[ROW[i]] | C[COL[i]] | B[BOX[i]])
                return ("place", i, DIGIT[m], "naked", f"naked single (row {ROW[i] + 1}, column {COL[i] + 1} and "
                        f"box {BOX[i] + 1} together already hold {' '.join(map(str, seen))})")
        if hidden:
            k = min(hidden)
            return self._hidden_step(k, *hidden[k])
        best = min(empty, key=lambda i: (POP[cands[i]], i))
        return ("stuck", best, digits_of(cands[best]))

    @staticmethod
    def _hidden_step(k: int, i: int, d: int):
        what = UNIT_NAMES[k]
        others = "row or column" if k >= 18 else ("column or box" if k < 9 else "row or box")
        article = "an" if d == 8 else "a"
        return ("place", i, d, "hidden", f"hidden single in {what} (every other empty cell of {what} already sees "
                f"{article} {d} in its {others})")

    def solve(self, grid: list[int], depth: int = 0) -> tuple[list[int] | None, list[str]]:
        grid = list(grid)
        lines: list[str] = []
        placed = 0
        while True:
            step = self._next(grid)
            kind = step[0]
            if kind == "done":
                return grid, lines
            if kind == "contra":
                lines.append(f"Contradiction: {step[1]}.")
                return None, lines
            if kind == "place":
                _, i, d, how, why = step
                grid[i] = d
                placed += 1
                if how == "naked":
                    self.naked += 1
                else:
                    self.hidden += 1
                lines.append(f"{cell_name(i)} = {d}: {why}.")
                if placed % self.GRID_EVERY == 0 and any(not v for v in grid):
                    lines.append(f"Grid after {placed} placements{' since the guess' if depth else ''}:")
                    lines.extend(grid_lines(grid))
                continue
            # stuck: guess the most constrained cell, digits in increasing order
            _, i, options = step
            lines.append(f"No single is left. {cell_name(i)} has the fewest candidates: "
                         f"{{{', '.join(map(str, options))}}}.")
            lines.extend(grid_lines(grid))
            for n, d in enumerate(options):
                if n == len(options) - 1:
                    lines.append(f"Every other candidate failed, so {cell_name(i)} = {d}.")
                    grid[i] = d
                    placed += 1
                    break
                self.guesses += 1
                lines.append(f"Guess {cell_name(i)} = {d}.")
                trial = list(grid)
                trial[i] = d
                result, sub = self.solve(trial, depth + 1)
                if result is not None:
                    lines.extend("  " + s for s in sub)
                    return result, lines
                self.backtracks += 1
                if len(sub) > self.DEAD_BRANCH_LINES:
                    sub = sub[:4] + [f"... ({len(sub) - 7} more lines of steps in this branch) ..."] + sub[-3:]
                lines.extend("  " + s for s in sub)
                lines.append(f"Backtrack: the guess {cell_name(i)} = {d} leads to a contradiction, so {cell_name(i)} "
                             f"is not {d}; undo every placement made after the guess.")


def grid_lines(grid) -> list[str]:
    """Nine lines of nine space-separated tokens, ``.`` for an empty cell (flat or 9x9 input)."""
    flat = _flat(grid)
    return [" ".join(str(v) if v else "." for v in flat[r * 9 : r * 9 + 9]) for r in range(9)]


def _flat(grid) -> list[int]:
    if len(grid) == 9:
        return [int(v) for row in grid for v in row]
    return [int(v) for v in grid]


# ---------------------------------------------------------------------------------------------------------------
# Answer checking


def _check_grid(givens: list[int], values: list[int | None]) -> Verdict:
    """Rule check of a parsed 81-cell answer against the givens."""
    problems: list[str] = []
    bad_values = [i for i, v in enumerate(values) if v is None or not 1 <= v <= 9]
    for i in bad_values[:3]:
        v = values[i]
        problems.append(f"{cell_name(i)} is empty" if v is None else f"{cell_name(i)} holds {v}, not a digit 1-9")
    if len(bad_values) > 3:
        problems.append(f"{len(bad_values) - 3} more cells without a digit 1-9")
    changed = [i for i in range(81) if givens[i] and values[i] != givens[i]]
    if changed:
        i = changed[0]
        now = values[i] if values[i] is not None else "empty"
        more = f" ({len(changed)} givens changed)" if len(changed) > 1 else ""
        problems.insert(0, f"the given {givens[i]} at {cell_name(i)} was changed to {now}{more}")
    valid = 0
    first_bad_unit = None
    for k, unit in enumerate(UNITS):
        mask = 0
        seen: dict[int, int] = {}
        dup = None
        for i in unit:
            v = values[i]
            if v is not None and 1 <= v <= 9:
                if v in seen and dup is None:
                    dup = (v, seen[v], i)
                seen[v] = i
                mask |= BITS[v - 1]
        if mask == ALL:
            valid += 1
        elif first_bad_unit is None and dup is not None:
            v, a, b = dup
            first_bad_unit = f"{UNIT_NAMES[k]} contains {v} twice ({cell_name(a)} and {cell_name(b)})"
    if first_bad_unit and not bad_values:
        problems.append(first_bad_unit)
    parsed = [[v for v in values[r * 9 : r * 9 + 9]] for r in range(9)]
    if not problems and valid == 27:
        return Verdict.ok(parsed, "correct: every row, column and box holds 1-9 once and all givens are kept")
    score = 0.0 if changed else valid / 27
    if valid < 27 and not bad_values and not changed:
        problems.append(f"{27 - valid} of 27 rows/columns/boxes are not permutations of 1-9")
    return Verdict.fail("; ".join(problems), score, parsed)


def parse_answer(text: str) -> list[int | None]:
    """81 cell values, row-major; ``.``/``_``/``0`` parse as empty (None)."""
    grid = parse_int_grid(text, 9, 9, blanks=(".", "_", "0"), single_digit=True, max_chars=20_000)
    return [v for row in grid for v in row]


# ---------------------------------------------------------------------------------------------------------------


class Sudoku(CellStepMixin, Task):
    name = "Sudoku"
    category = "puzzles"
    benchmark_id = "sudoku"
    generator_key = "sudoku"
    score_function = "sudoku_evaluator"
    version = "1"
    answer_format = "81 digits 1-9 in row-major order, separated by single spaces"
    max_answer_chars = 20_000
    step_mode = True

    # ----- generation ------------------------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        target = GIVENS[level]
        orders = LEVEL5_ORDERS if level == 5 else 10
        accept = LEVEL5_ACCEPT if level == 5 else target
        for _ in range(MAX_GRIDS):
            solution = full_grid(rng)
            best = None
            for _ in range(orders):
                puz, n = carve(solution, rng.permutation(81).tolist(), target)
                if best is None or n < best[1]:
                    best = (puz, n)
                if n <= target:
                    break
            assert best is not None
            if best[1] <= accept:
                puz, n = best
                state = {"size": 9, "givens": n, "grid": [puz[r * 9 : r * 9 + 9] for r in range(9)]}
                witness = tuple(tuple(solution[r * 9 : r * 9 + 9]) for r in range(9))
                return state, witness
        raise GenerationError(f"Sudoku: no puzzle with <= {accept} givens after {MAX_GRIDS} grids")  # pragma: no cover

    @staticmethod
    def givens_flat(inst: Instance) -> list[int]:
        return [int(v) for row in inst.state["grid"] for v in row]

    # ----- solving ---------------------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> tuple[tuple[int, ...], ...]:
        n, sols = count_solutions(self.givens_flat(inst), limit=1)
        if not n:
            raise ValueError("this Sudoku has no solution")
        flat = sols[0]
        return tuple(tuple(flat[r * 9 : r * 9 + 9]) for r in range(9))

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return " ".join(str(v) for v in _flat(solution))

    def count(self, inst: Instance, limit: int = 2) -> int:
        return count_solutions(self.givens_flat(inst), limit)[0]

    def stats(self, inst: Instance) -> dict:
        givens = self.givens_flat(inst)
        work = _Counter()
        count_solutions(givens, 2, work)
        tracer = _Tracer()
        tracer.solve(givens)
        blanks = sum(1 for v in givens if not v)
        start = _setup(givens)
        candidates = sum(POP[m] for v, m in zip(givens, start[1]) if not v) if start else 0
        return {
            "givens": 81 - blanks, "blanks": blanks, "initial_candidates": candidates, "search_nodes": work.nodes,
            "assignments": work.assignments, "guesses": tracer.guesses,
            "backtracks": tracer.backtracks, "hidden_singles": tracer.hidden, "naked_singles": tracer.naked,
        }

    # ----- verification ----------------------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        values = parse_answer(answer)
        return _check_grid(self.givens_flat(inst), values)

    # ----- presentation ----------------------------------------------------------------------------------------
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        img, draw = new_canvas(size, BACKGROUND)
        margin = max(4, round(size * 0.03))
        layout = GridLayout.fit(9, 9, size, margin=margin)
        x0, y0, x1, y1 = layout.bounds
        draw.rectangle((x0, y0, x1, y1), fill=WHITE)
        givens = self.givens_flat(inst)
        current = _flat(play) if play is not None else givens
        conflicts = _conflicts(current) if play is not None else set()
        for i in sorted(conflicts):
            if not givens[i]:
                fill_cell(draw, layout, ROW[i], COL[i], (250, 205, 205))
        thin = max(1, round(size / 512))
        draw_grid_lines(draw, layout, color=GRID_LINE, width=thin, block=(3, 3), block_width=max(2, round(size / 150)),
                        outer_width=max(3, round(size / 128)))
        bold = fit_font("8", layout.cell * 0.85, layout.cell * 0.6, bold=True)
        regular = fit_font("8", layout.cell * 0.85, layout.cell * 0.6, bold=False)
        for i in range(81):
            v = current[i]
            if not v:
                continue
            center = layout.center(ROW[i], COL[i])
            if givens[i]:
                draw_text(draw, center, str(givens[i]), bold, fill=INK)
            elif 1 <= v <= 9:
                draw_text(draw, center, str(v), regular, fill=PALETTE[0])
        return img

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        if modality == "image":
            return ("Your task is to solve the 9x9 Sudoku puzzle shown in the image. Thick lines outline the nine "
                    "3x3 boxes; the printed digits are the givens and the blank squares are empty cells.\n\n"
                    f"{RULES}\n\n{FORMAT_LINES}\n")
        if modality == "text":
            grid = "\n".join(grid_lines(self.givens_flat(inst)))
            return ("Your task is to solve the 9x9 Sudoku puzzle below.\n\n"
                    f"{RULES}\n\nThe grid is written as 9 rows of 9 space-separated cells; `.` marks an empty cell:\n\n"
                    f"{grid}\n\n{FORMAT_LINES}\n")
        raise ValueError(f"unknown modality {modality!r}; use 'image' or 'text'")

    def trace(self, inst: Instance) -> str:
        givens = self.givens_flat(inst)
        blanks = sum(1 for v in givens if not v)
        tracer = _Tracer()
        solved, lines = tracer.solve(givens)
        if solved is None:  # pragma: no cover - only for puzzles without a solution
            raise ValueError("this Sudoku has no solution")
        out = [
            "Notation: rRcC is the cell in row R and column C (1-9, r1c1 is the top-left cell); boxes are numbered "
            "1-9 left to right, top to bottom. A naked single is a cell whose row, column and box already hold "
            "eight different digits; a hidden single is a digit that fits in only one cell of a row, column or box.",
            f"The puzzle has {81 - blanks} givens and {blanks} empty cells (`.`):",
            *grid_lines(givens),
            "Fill cells one deduction at a time:",
            *lines,
            ("All 81 cells are filled" + (" (every placement was forced by a single)" if not tracer.guesses else "")
             + " and each row, column and box now holds 1-9 exactly once:"),
            *grid_lines(solved),
            f"Answer: {' '.join(map(str, solved))}",
        ]
        return "\n".join(out)

    # ----- reference records -----------------------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        if "initial_state" not in record:
            raise RecordError("record has no initial_state")
        grid = _record_grid(record_field(record["initial_state"]))
        flat = [v for row in grid for v in row]
        if _setup(flat) is None:
            raise RecordError("the givens break the Sudoku rules (a digit repeats in a row, column or box)")
        if not count_solutions(flat, 1)[0]:
            raise RecordError("the puzzle has no solution")
        return {"size": 9, "givens": sum(1 for v in flat if v), "grid": grid}

    def record_level_hint(self, record: dict, state: dict) -> int:
        givens = state["givens"]
        return 1 if givens >= 40 else 2 if givens >= 36 else 3 if givens >= 32 else 4 if givens >= 28 else 5

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(int(v) for v in row) for row in verdict.parsed)

    # ----- step mode (core.grid_puzzle.CellStepMixin) -----------------------------------------------------------
    def board_shape(self, inst: Instance) -> tuple[int, int]:
        return (9, 9)

    def step_codes(self, inst: Instance) -> int:
        return 10

    def level_board(self, level: int) -> tuple[int, int, int]:
        return (9, 9, 10)

    def play_givens(self, inst: Instance) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(int(v) for v in row) for row in inst.state["grid"])

    def play_check(self, inst: Instance, play: Any) -> bool:
        values = _flat(play)
        return all(values) and _check_grid(self.givens_flat(inst), values).correct

    def solution_codes(self, inst: Instance) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(int(v) for v in row) for row in self.solution(inst))

    def play_prompt(self, inst: Instance, play: Any, modality: str = "image") -> str:
        current = _flat(play) if play is not None else self.givens_flat(inst)
        filled = sum(1 for v in current if v)
        head = ("Your task is to solve a 9x9 Sudoku one move at a time. " + RULES + "\n\n")
        if modality == "image":
            body = ("The image shows the current grid: bold dark digits are the givens, blue digits are the digits "
                    "you have written (cells shaded red conflict with another digit in their row, column or box).\n")
        elif modality == "text":
            body = ("The givens (`.` marks an empty cell):\n\n" + "\n".join(grid_lines(self.givens_flat(inst)))
                    + "\n\nThe current grid with your digits (`.` marks an empty cell):\n\n"
                    + "\n".join(grid_lines(current)) + "\n")
        else:
            raise ValueError(f"unknown modality {modality!r}; use 'image' or 'text'")
        return (head + body + f"\n{filled} of 81 cells are filled. Each move is (row, column, digit) with rows and "
                "columns numbered 0-8 from the top-left cell: digit 1-9 writes that digit into a non-given cell, "
                "digit 0 erases it. Writing on a given cell is illegal. The puzzle is solved when every cell is "
                "filled and every row, column and box holds 1-9 exactly once.")


def _conflicts(values: list[int]) -> set[int]:
    """Cells whose digit repeats in one of their units."""
    out: set[int] = set()
    for unit in UNITS:
        where: dict[int, list[int]] = {}
        for i in unit:
            v = values[i]
            if v:
                where.setdefault(v, []).append(i)
        for cells in where.values():
            if len(cells) > 1:
                out.update(cells)
    return out


def _flatten(value: Any) -> list:
    if isinstance(value, (list, tuple)):
        return [x for item in value for x in _flatten(item)]
    return [value]


def _record_grid(raw: Any) -> list[list[int]]:
    """A 9x9 grid of ints (0 = empty) from a record's ``initial_state`` (text or nested list)."""
    if isinstance(raw, dict):
        for key in ("grid", "puzzle", "board", "initial_state"):
            if key in raw:
                return _record_grid(raw[key])
        raise RecordError("initial_state dict has no grid")
    if isinstance(raw, (list, tuple)):
        tokens = ["0" if v is None else str(v).strip() for v in _flatten(raw)]
    elif isinstance(raw, str):
        tokens = raw.split()
        if len(tokens) != 81:
            chars = "".join(tokens).replace(",", "").replace("|", "")
            tokens = list(chars) if len(chars) == 81 else tokens
    else:
        raise RecordError(f"initial_state must be text or a list, got {type(raw).__name__}")
    if len(tokens) != 81:
        raise RecordError(f"initial_state must hold 81 cells, found {len(tokens)}")
    flat = []
    for tok in tokens:
        tok = tok.strip(",[]()'\"")
        if tok in (".", "0", "_", "", "-"):
            flat.append(0)
        elif len(tok) == 1 and tok in "123456789":
            flat.append(int(tok))
        else:
            raise RecordError(f"initial_state has an unreadable cell {tok!r}")
    return [flat[r * 9 : r * 9 + 9] for r in range(9)]


TASK = Sudoku()

__all__ = ["TASK", "Sudoku", "carve", "count_solutions", "full_grid", "parse_answer"]
