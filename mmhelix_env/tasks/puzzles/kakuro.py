"""Kakuro (MM-HELIX ``Kakuro``): fill the white cells with 1-9 so that every clued run sums to its clue with
no repeated digit.

Generation (spec/tasks/Kakuro.md): row 0 and column 0 are a clue frame; the play area's cells are black with
the level's probability, white cells left in one-cell runs are turned black until none remain (on row
bitmasks), and the white cells must be connected and fill at least half of the play area; from level 3 on a
layout also needs ``RUN_RATIO`` clued runs per white cell (layouts with fewer, i.e. long runs in big white
blocks, are almost never made unique and were the bulk of the generation time). A random fill (MRV
backtracking, distinct digits per run, random digit order) gives the clues; at level 5 a short annealing
(:func:`sharpen`) first moves the fill towards clues with fewer digit sets. A local search then changes
single digits until the counter proves the puzzle unique: it enumerates up to ``SOLUTION_CAP`` solutions
with the dedicated bitmask counter :func:`count_fills`, changes a cell where the fill differs from the most
other solutions to the digit that leaves its two runs the fewest digit sets, keeps the change unless the
capped count grows (a worse one with probability 0.1), and draws a new layout after ``MAX_ITERATIONS``
steps. The instance is accepted only when the counter (exhaustive, limit 2) finds exactly one solution.
Solver (solve, trace, stats, import): the shared CSP engine with
one :class:`RunSum` per clued run (candidates = digits of the run's still possible digit sets, from a
precomputed table of combinations per (sum, length)). Imported reference records may have unclued segments
at the grid edge: they carry no constraint.
"""

from __future__ import annotations

import math
import re
from itertools import combinations
from typing import Any

import numpy as np

from ...core import GenerationError, Instance, ParseError, RecordError, Task, Verdict, record_field
from ...core.csp import CSP, Constraint, explain_search, mask_of, single, values_of
from ...core.grid_puzzle import (
    Checklist,
    Grid,
    SquareStepMixin,
    grid_witness,
    move_text,
    solve_values,
    to_grid,
    traced_search,
)
from ...core.parsing import bounded
from ...render.canvas import draw_text, fit_font
from ...render.puzzle_grid import Board, render_board

LEVEL_SIZE = {1: 3, 2: 4, 3: 5, 4: 6, 5: 7}
BLACK_PROB = {2: 0.15, 3: 0.20, 4: 0.20, 5: 0.22}
MAX_LAYOUTS = 2000
RUN_RATIO = {2: 0.0, 3: 0.6, 4: 0.65, 5: 0.62}  # clued runs needed per white cell (fewer: rarely unique)
ANNEAL_STEPS = {1: 0, 2: 0, 3: 0, 4: 0, 5: 3}  # clue-sharpening steps per white cell, by level
ANNEAL_TEMP = 0.3
MAX_ITERATIONS = {1: 50, 2: 50, 3: 30, 4: 30, 5: 30}  # local-search steps per layout, by level
SOLUTION_CAP = {1: 8, 2: 8, 3: 4, 4: 4, 5: 4}  # solutions the local search counts, by level
WORSE_PROB = 0.1
DEAD_BRANCH_LINES = 8
DIGITS = mask_of(range(1, 10))
DARK = (57, 62, 70)
CLUE_INK = (240, 240, 240)
DIAGONAL = (200, 200, 205)
WHITE_CELL = (246, 246, 246)
FORMAT_SENTENCE = ("Provide your answer as a space-separated list of coordinate-value pairs in the format: "
                   "(row,column):value")
LIST_SENTENCE = "List all white cells in your answer."

Cell = tuple[int, int]

# digit sets (bit d = digit d) of each (sum, length)
COMBOS: dict[tuple[int, int], tuple[int, ...]] = {}
for _k in range(1, 10):
    for _combo in combinations(range(1, 10), _k):
        COMBOS.setdefault((sum(_combo), _k), ())
        COMBOS[(sum(_combo), _k)] += (mask_of(_combo),)


class RunSum(Constraint):
    """A Kakuro run: distinct digits summing to ``target``. A digit stays in a cell's domain only if some
    digit set of the run's (sum, length) holds every digit already placed, covers each open cell and fits
    the union of the domains."""

    __slots__ = ("target", "combos", "cells")

    def __init__(self, vars, target: int, cells=(), label: str = ""):
        super().__init__(vars, label)
        self.target = int(target)
        self.combos = COMBOS.get((self.target, len(self.vars)), ())
        self.cells = tuple(cells)

    def alive(self, dom) -> list[int]:
        """The digit sets still possible under ``dom``."""
        vs = self.vars
        fixed = union = 0
        for v in vs:
            m = dom[v]
            union |= m
            if not m & (m - 1):
                if fixed & m:
                    return []
                fixed |= m
        out = []
        for combo in self.combos:
            if combo & fixed != fixed or combo & ~union:
                continue
            free = combo & ~fixed
            for v in vs:
                m = dom[v]
                if m & (m - 1) and not m & free:
                    break
            else:
                out.append(combo)
        return out

    def propagate(self, dom: list[int]) -> list[int] | None:
        vs = self.vars
        fixed = union = 0
        for v in vs:
            m = dom[v]
            union |= m
            if not m & (m - 1):
                if fixed & m or not m:
                    return None
                fixed |= m
        support = 0
        found = False
        for combo in self.combos:
            if combo & fixed != fixed or combo & ~union:
                continue
            free = combo & ~fixed
            for v in vs:
                m = dom[v]
                if m & (m - 1) and not m & free:
                    break
            else:
                found = True
                support |= free
        if not found:
            return None
        changed = []
        for v in vs:
            m = dom[v]
            if m & (m - 1):
                n = m & support
                if not n:
                    return None
                if n != m:
                    dom[v] = n
                    changed.append(v)
        return changed

    def satisfied(self, values) -> bool:
        seen = [values[v] for v in self.vars]
        return sum(seen) == self.target and len(set(seen)) == len(seen)


# ---------------------------------------------------------------------------------------------------------------
# runs


class Run:
    """A clued run: the clue's black cell, direction ("right"/"down"), target and white cells."""

    __slots__ = ("clue", "direction", "target", "cells")

    def __init__(self, clue: Cell, direction: str, target: int, cells: list[Cell]):
        self.clue = clue
        self.direction = direction
        self.target = target
        self.cells = cells

    @property
    def label(self) -> str:
        a, b = self.cells[0], self.cells[-1]
        kind = "across" if self.direction == "right" else "down"
        return f"{kind} run ({a[0]},{a[1]})-({b[0]},{b[1]}) = {self.target}"


def is_white(cell) -> bool:
    return cell["type"] == "white"


def find_runs(cells) -> list[Run]:
    """The clued runs of a grid of cell objects (unclued segments are skipped)."""
    n = len(cells)
    runs = []
    for r in range(n):
        for c in range(n):
            cell = cells[r][c]
            if is_white(cell):
                continue
            for direction, dr, dc in (("right", 0, 1), ("down", 1, 0)):
                if direction not in cell:
                    continue
                run = []
                rr, cc = r + dr, c + dc
                while rr < n and cc < n and is_white(cells[rr][cc]):
                    run.append((rr, cc))
                    rr, cc = rr + dr, cc + dc
                runs.append(Run((r, c), direction, int(cell[direction]), run))
    return runs


def white_cells(cells) -> list[Cell]:
    return [(r, c) for r, row in enumerate(cells) for c, cell in enumerate(row) if is_white(cell)]


def build_csp(cells) -> tuple[CSP, list[Cell], list[Run]]:
    whites = white_cells(cells)
    index = {rc: i for i, rc in enumerate(whites)}
    csp = CSP([DIGITS] * len(whites), names=[f"({r},{c})" for r, c in whites])
    runs = find_runs(cells)
    for run in runs:
        csp.add(RunSum([index[rc] for rc in run.cells], run.target, run.cells, label=run.label))
    return csp, whites, runs


def clue_cells(white: list[list[bool]], grid) -> list[list[dict]]:
    """Cell objects of a generated layout with the run sums of ``grid`` as clues."""
    n = len(white)
    out = []
    for r in range(n):
        row = []
        for c in range(n):
            if white[r][c]:
                row.append({"type": "white"})
                continue
            cell: dict = {"type": "black"}
            if c + 1 < n and white[r][c + 1]:
                s, cc = 0, c + 1
                while cc < n and white[r][cc]:
                    s += grid[r][cc]
                    cc += 1
                cell["right"] = s
            if r + 1 < n and white[r + 1][c]:
                s, rr = 0, r + 1
                while rr < n and white[rr][c]:
                    s += grid[rr][c]
                    rr += 1
                cell["down"] = s
            row.append(cell)
        out.append(row)
    return out


# ---------------------------------------------------------------------------------------------------------------
# generation helpers


def _segments(white: list[list[bool]]) -> list[list[Cell]]:
    n = len(white)
    segs = []
    for r in range(n):
        c = 0
        while c < n:
            if white[r][c]:
                start = c
                while c < n and white[r][c]:
                    c += 1
                segs.append([(r, x) for x in range(start, c)])
            c += 1
    for c in range(n):
        r = 0
        while r < n:
            if white[r][c]:
                start = r
                while r < n and white[r][c]:
                    r += 1
                segs.append([(x, c) for x in range(start, r)])
            r += 1
    return segs


def _connected(white: list[list[bool]], cells: list[Cell]) -> bool:
    seen = {cells[0]}
    stack = [cells[0]]
    n = len(white)
    while stack:
        r, c = stack.pop()
        for rr, cc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if 0 <= rr < n and 0 <= cc < n and white[rr][cc] and (rr, cc) not in seen:
                seen.add((rr, cc))
                stack.append((rr, cc))
    return len(seen) == len(cells)


_BIT_WEIGHTS = {n: 1 << np.arange(1, n, dtype=np.int64) for n in LEVEL_SIZE.values()}


def draw_layout(rng: np.random.Generator, level: int) -> list[list[bool]] | None:
    """White cells of a layout (row 0 and column 0 black), or None when the draw is rejected. Rows are
    bitmasks (bit c = column c) while pruning one-cell runs and testing the layout."""
    n = LEVEL_SIZE[level]
    if level == 1:
        return [[False] * 3, [False, True, True], [False, True, True]]
    area = (n - 1) * (n - 1)
    draw = rng.random((n - 1, n - 1)) >= BLACK_PROB[level]
    rows = [0] + (draw.astype(np.int64) @ _BIT_WEIGHTS[n]).tolist() + [0]  # a black sentinel row below
    while True:  # black out every white cell of a one-cell run (order-free: the greatest fixpoint)
        bad = [0] * (n + 1)
        found = False
        for r in range(1, n):
            row = rows[r]
            b = (row & ~(row << 1) & ~(row >> 1)) | (row & ~rows[r - 1] & ~rows[r + 1])
            if b:
                bad[r] = b
                found = True
        if not found:
            break
        rows = [row & ~b for row, b in zip(rows, bad)]
    count = sum(row.bit_count() for row in rows)
    if 2 * count < area:
        return None
    runs = sum((rows[r] & ~(rows[r] << 1)).bit_count() + (rows[r] & ~rows[r - 1]).bit_count() for r in range(1, n))
    if runs < RUN_RATIO[level] * count:
        return None
    # connectivity: grow the component of the first white cell
    r0 = next(r for r in range(n) if rows[r])
    reach = [0] * (n + 1)
    reach[r0] = rows[r0] & -rows[r0]
    grew = True
    while grew:
        grew = False
        for r in range(1, n):
            row, cur = rows[r], reach[r]
            new = (cur | reach[r - 1] | reach[r + 1]) & row
            while True:  # spread along the row
                wider = (new | (new << 1) | (new >> 1)) & row
                if wider == new:
                    break
                new = wider
            if new != cur:
                reach[r] = new
                grew = True
    if reach != rows:
        return None
    return [[bool(rows[r] >> c & 1) for c in range(n)] for r in range(n)]


_CAND = [-1] * (46 * 10 * 1024)  # index (total * 10 + length) * 1024 + used; filled lazily


def run_candidates(total: int, length: int, used: int) -> int:
    """Digits of the digit sets of (total, length) that avoid ``used`` (cached in a flat table)."""
    key = (total * 10 + length) * 1024 + used
    m = _CAND[key]
    if m < 0:
        m = 0
        for combo in COMBOS.get((total, length), ()):
            if not combo & used:
                m |= combo
        _CAND[key] = m
    return m


def _fill(key: int) -> int:
    used = key & 1023
    rest = key >> 10
    return run_candidates(rest // 10, rest % 10, used)


_POP = [bin(m).count("1") for m in range(1024)]


def count_fills(cell_runs, run_cells, targets, limit: int, out: list | None = None) -> tuple[int, int]:
    """The spec's dedicated counter for generated layouts (every cell in exactly two runs): MRV cell
    backtracking, per run the remaining sum, remaining cells and used-digit mask; a cell's candidates are
    the digits of the still possible digit sets of both its runs (kept per run, updated for the two runs of
    each placed digit). Returns (solutions up to limit, nodes); appends the solutions (values by cell) to
    ``out``."""
    size = len(cell_runs)
    val = [0] * size
    stats = [0, 0]  # solutions, nodes
    cand = _CAND
    pop = _POP
    first = [a for a, _ in cell_runs]
    second = [b for _, b in cell_runs]
    # key of a run: (remaining sum * 10 + remaining cells) * 1024 + used digits; mask: its candidate digits
    key = [(int(t) * 10 + len(r)) * 1024 for t, r in zip(targets, run_cells)]
    mask = [0] * len(key)
    for k, x in enumerate(key):
        m = cand[x]
        mask[k] = m if m >= 0 else _fill(x)
    cells = range(size)

    def dfs() -> None:
        stats[1] += 1
        best = -1
        best_mask = 0
        fewest = 10
        for i in cells:
            if val[i]:
                continue
            m = mask[first[i]] & mask[second[i]]
            if not m:
                return
            c = pop[m]
            if c < fewest:
                best, best_mask, fewest = i, m, c
                if c == 1:
                    break
        if best < 0:
            stats[0] += 1
            if out is not None:
                out.append(list(val))
            return
        a = first[best]
        b = second[best]
        ka, kb, ma0, mb0 = key[a], key[b], mask[a], mask[b]
        m = best_mask
        while m:
            low = m & -m
            m ^= low
            d = low.bit_length() - 1
            val[best] = d
            # one digit fewer, sum lower by d, digit used
            x = ka - d * 10240 - 1024 + low
            key[a] = x
            y = cand[x]
            mask[a] = y if y >= 0 else _fill(x)
            x = kb - d * 10240 - 1024 + low
            key[b] = x
            y = cand[x]
            mask[b] = y if y >= 0 else _fill(x)
            dfs()
            val[best] = 0
            if stats[0] >= limit:
                break
        key[a], key[b], mask[a], mask[b] = ka, kb, ma0, mb0

    dfs()
    return stats[0], stats[1]


# log of the number of digit sets of (sum, length), by sum * 10 + length (large where there is none)
_LOG_SETS = [99.0] * 460
for (_t, _k), _sets in COMBOS.items():
    _LOG_SETS[_t * 10 + _k] = math.log(len(_sets))


def random_fill(rng: np.random.Generator, cell_runs, n_runs: int) -> list[int]:
    """A random fill with distinct digits in every run: MRV cell backtracking, random digit order."""
    size = len(cell_runs)
    keys = rng.random((size, 9))
    order = [[int(x) + 1 for x in np.argsort(row, kind="stable")] for row in keys.tolist()]
    used = [0] * n_runs
    val = [0] * size

    def dfs() -> bool:
        best, best_mask, fewest = -1, 0, 10
        for i in range(size):
            if val[i]:
                continue
            a, b = cell_runs[i]
            m = DIGITS & ~used[a] & ~used[b]
            c = m.bit_count()
            if c < fewest:
                best, best_mask, fewest = i, m, c
        if best < 0:
            return True
        a, b = cell_runs[best]
        for d in order[best]:
            if best_mask >> d & 1:
                bit = 1 << d
                val[best] = d
                used[a] |= bit
                used[b] |= bit
                if dfs():
                    return True
                used[a] &= ~bit
                used[b] &= ~bit
                val[best] = 0
        return False

    if not dfs():  # pragma: no cover - runs of at most 9 cells always have a fill
        raise GenerationError("Kakuro: no fill")
    return val


def sharpen(rng: np.random.Generator, values: list[int], cell_runs, segs, steps: int) -> None:
    """Annealing on the fill (in place) towards clues with few digit sets: a step gives one cell another
    digit legal in its runs and is kept when the summed log of the two runs' digit-set counts does not grow
    (a worse step with probability exp(-growth / ANNEAL_TEMP))."""
    size = len(values)
    lens = [len(seg) for seg in segs]
    sums = [sum(values[v] for v in seg) for seg in segs]
    used = [0] * len(segs)
    for k, seg in enumerate(segs):
        for v in seg:
            used[k] |= 1 << values[v]
    logs = _LOG_SETS
    draws = rng.random((steps, 3)).tolist()
    for u, w, z in draws:
        i = int(u * size)
        a, b = cell_runs[i]
        x = values[i]
        opts = values_of(DIGITS & ~used[a] & ~used[b])
        if not opts:
            continue
        d = opts[int(w * len(opts))]
        sa, sb, la, lb = sums[a], sums[b], lens[a], lens[b]
        grow = (logs[(sa - x + d) * 10 + la] + logs[(sb - x + d) * 10 + lb]
                - logs[sa * 10 + la] - logs[sb * 10 + lb])
        if grow <= 0 or z < math.exp(-grow / ANNEAL_TEMP):
            values[i] = d
            sums[a] = sa - x + d
            sums[b] = sb - x + d
            used[a] = used[a] & ~(1 << x) | (1 << d)
            used[b] = used[b] & ~(1 << x) | (1 << d)


# ---------------------------------------------------------------------------------------------------------------
# the task


class Kakuro(SquareStepMixin, Task):
    name = "Kakuro"
    category = "puzzles"
    benchmark_id = "kakuro"
    generator_key = "kakuro"
    score_function = "kakuro_evaluator"
    version = "1"
    answer_format = "space-separated (row,column):value pairs for every white cell, 0-based, e.g. (1,1):5 (1,2):7"
    max_answer_chars = 20_000
    level_sizes = LEVEL_SIZE
    legend_text = "The image shows the current grid: the blue digits are the ones you have written."

    # ----- generation ------------------------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        n = LEVEL_SIZE[level]
        for _ in range(MAX_LAYOUTS):
            white = draw_layout(rng, level)
            if white is None:
                continue
            found = self._unique_fill(rng, white, level)
            if found is not None:
                return {"n": n, "cells": clue_cells(white, found)}, to_grid(found)
        raise GenerationError(f"Kakuro: no unique {n}x{n} puzzle in {MAX_LAYOUTS} layouts")  # pragma: no cover

    def _unique_fill(self, rng: np.random.Generator, white: list[list[bool]], level: int) -> list[list[int]] | None:
        n = len(white)
        whites = [(r, c) for r, row in enumerate(white) for c, w in enumerate(row) if w]
        index = {rc: i for i, rc in enumerate(whites)}
        segs = [[index[rc] for rc in seg] for seg in _segments(white)]
        seg_of: list[list[int]] = [[] for _ in whites]
        for k, seg in enumerate(segs):
            for v in seg:
                seg_of[v].append(k)
        cell_runs = [tuple(x) for x in seg_of]
        values = random_fill(rng, cell_runs, len(segs))
        if ANNEAL_STEPS[level]:
            sharpen(rng, values, cell_runs, segs, ANNEAL_STEPS[level] * len(whites))
        cap = SOLUTION_CAP[level]

        def solutions(vals):
            out: list[list[int]] = []
            count_fills(cell_runs, segs, [sum(vals[v] for v in seg) for seg in segs], cap, out)
            return out

        sols = solutions(values)
        for step in range(MAX_ITERATIONS[level] + 1):
            if len(sols) == 1:
                grid = [[0] * n for _ in range(n)]
                for (r, c), x in zip(whites, values):
                    grid[r][c] = x
                return grid
            if step == MAX_ITERATIONS[level]:
                break
            # a cell where the fill differs from the most other solutions ...
            others = [s for s in sols if s != values]
            differ = [sum(1 for o in others if o[i] != values[i]) for i in range(len(values))]
            options: list[int] = []
            while not options:
                top = max(differ)
                if top <= 0:  # pragma: no cover - no differing cell can change
                    return None
                picks = [i for i in range(len(values)) if differ[i] == top]
                i = picks[int(rng.integers(len(picks)))]
                used = 0
                sums = []
                for k in seg_of[i]:
                    sums.append(sum(values[v] for v in segs[k]) - values[i])
                    for v in segs[k]:
                        if v != i:
                            used |= 1 << values[v]
                options = values_of(DIGITS & ~used & ~(1 << values[i]))
                differ[i] = -1
            # ... gets a digit that leaves its two runs the fewest digit sets
            score = [sum(len(COMBOS.get((t + d, len(segs[k])), ())) for t, k in zip(sums, seg_of[i])) for d in options]
            best = min(score)
            options = [d for d, x in zip(options, score) if x == best]
            trial = list(values)
            trial[i] = options[int(rng.integers(len(options)))]
            new = solutions(trial)
            if len(new) <= len(sols) or rng.random() < WORSE_PROB:
                values, sols = trial, new
        return None

    def csp(self, inst: Instance) -> tuple[CSP, list[Cell], list[Run]]:
        return build_csp(inst.state["cells"])

    def is_black(self, inst: Instance, r: int, c: int) -> bool:
        return not is_white(inst.state["cells"][r][c])

    # ----- solving ---------------------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> Grid:
        csp, whites, _ = self.csp(inst)
        values = solve_values(csp, "Kakuro")
        return self._grid(inst, whites, values)

    def _grid(self, inst: Instance, whites: list[Cell], values) -> Grid:
        n = self.size(inst)
        g = [[0] * n for _ in range(n)]
        for (r, c), x in zip(whites, values):
            g[r][c] = int(x)
        return to_grid(g)

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return " ".join(f"({r},{c}):{solution[r][c]}" for r, c in white_cells(inst.state["cells"]))

    def count(self, inst: Instance, limit: int = 2) -> int:
        return self.csp(inst)[0].count_solutions(limit)

    def stats(self, inst: Instance) -> dict:
        """Solver work: white cells, digit sets of all runs, propagator calls and deductions of the
        uniqueness count, search nodes."""
        csp, whites, runs = self.csp(inst)
        res = csp.search(2)
        log: list = []
        csp.search(1, log=log)
        return {"n": self.size(inst), "white_cells": len(whites), "runs": len(runs),
                "run_options": sum(len(c.combos) for c in csp.constraints),
                "search_nodes": res.nodes, "propagations": res.propagations,
                "deductions": sum(len(ev[2]) for ev in log if ev[0] == "deduce")}

    # ----- verification ----------------------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        entries = parse_entries(bounded(answer, self.max_answer_chars))
        return self.check_entries(inst, entries)

    def check_entries(self, inst: Instance, entries: list[tuple[int, int, int]]) -> Verdict:
        cells = inst.state["cells"]
        n = self.size(inst)
        checks = Checklist()
        values: dict[Cell, int] = {}
        for r, c, v in entries:
            if not (0 <= r < n and 0 <= c < n):
                checks.fail(f"cell ({r},{c}) is outside the {n}x{n} grid")
                continue
            if not is_white(cells[r][c]):
                checks.fail(f"cell ({r},{c}) is a black cell and takes no digit")
                continue
            if (r, c) in values and values[(r, c)] != v:
                checks.fail(f"cell ({r},{c}) is given two values ({values[(r, c)]} and {v})")
                continue
            values[(r, c)] = v
        if checks.problems:
            return checks.verdict(None)
        grid = [[0] * n for _ in range(n)]
        for (r, c), v in values.items():
            grid[r][c] = v if 1 <= v <= 9 else 0
        whites = white_cells(cells)
        missing = [rc for rc in whites if rc not in values]
        for r, c in whites:
            v = values.get((r, c))
            if v is None:
                checks.check(False, f"white cell ({r},{c}) has no value" + (
                    f" ({len(missing)} white cells missing)" if len(missing) > 1 and (r, c) == missing[0] else ""))
            else:
                checks.check(1 <= v <= 9, lambda r=r, c=c, v=v: f"cell ({r},{c}) holds {v}, not a digit 1-9")
        for run in find_runs(cells):
            digits = [grid[r][c] for r, c in run.cells]
            if not all(digits):
                checks.check(False, "")
                continue
            total = sum(digits)
            seen: dict[int, Cell] = {}
            dup = None
            for rc, d in zip(run.cells, digits):
                if d in seen:
                    dup = (d, seen[d], rc)
                    break
                seen[d] = rc
            if dup is not None:
                d, a, b = dup
                checks.check(False, f"{run.label} repeats {d} (cells ({a[0]},{a[1]}) and ({b[0]},{b[1]}))")
            else:
                checks.check(total == run.target, lambda run=run, digits=digits, total=total: (
                    f"{run.label}: {'+'.join(map(str, digits))} = {total}, not {run.target}"))
        return checks.verdict(to_grid(grid), "correct: every clued run has distinct digits with the right sum")

    # ----- presentation ----------------------------------------------------------------------------------------
    def board(self, inst: Instance, play: Any = None) -> Board:
        cells = inst.state["cells"]
        n = self.size(inst)
        fills = {(r, c): DARK for r in range(n) for c in range(n) if not is_white(cells[r][c])}
        values = {}
        if play is not None:
            values = {(r, c): str(play[r][c]) for r in range(n) for c in range(n) if play[r][c]}
        return Board(n, n, fills=fills, values=values, coords=0, cell_color=WHITE_CELL, text_scale=0.6)

    def render(self, inst: Instance, play: Any = None, size: int = 512):
        img, layout = render_board(self.board(inst, play), size)
        from PIL import ImageDraw

        draw = ImageDraw.Draw(img)
        cells = inst.state["cells"]
        cell = layout.cell
        fnt = fit_font("88", cell * 0.42, cell * 0.36, bold=True, start=max(8, round(cell * 0.36)))
        width = max(1, round(cell * 0.025))
        for r, row in enumerate(cells):
            for c, obj in enumerate(row):
                if is_white(obj):
                    continue
                x0, y0, x1, y1 = layout.box(r, c)
                if "right" in obj or "down" in obj:
                    draw.line((x0 + 1, y0 + 1, x1 - 1, y1 - 1), fill=DIAGONAL, width=width)
                if "right" in obj:
                    draw_text(draw, (x0 + (x1 - x0) * 0.70, y0 + (y1 - y0) * 0.28), str(obj["right"]), fnt,
                              fill=CLUE_INK)
                if "down" in obj:
                    draw_text(draw, (x0 + (x1 - x0) * 0.30, y0 + (y1 - y0) * 0.72), str(obj["down"]), fnt,
                              fill=CLUE_INK)
        return img

    def _example(self, inst: Instance) -> str:
        whites = white_cells(inst.state["cells"])[:2]
        return " ".join(f"({r},{c}):{d}" for (r, c), d in zip(whites, (5, 7))) + " ..."

    def _format(self, inst: Instance) -> str:
        return f"{FORMAT_SENTENCE}\nExample: {self._example(inst)}\n{LIST_SENTENCE}"

    def ascii_grid(self, inst: Instance) -> list[str]:
        out = []
        for row in inst.state["cells"]:
            parts = []
            for obj in row:
                if is_white(obj):
                    parts.append("[     ]")
                else:
                    d = str(obj["down"]) if "down" in obj else ""
                    rt = str(obj["right"]) if "right" in obj else ""
                    parts.append(f"[{d:>2}\\{rt:<2}]")
            out.append("".join(parts))
        return out

    def clue_lines(self, inst: Instance) -> list[str]:
        lines = []
        for run in find_runs(inst.state["cells"]):
            r, c = run.clue
            cells = ",".join(f"({a},{b})" for a, b in run.cells)
            k = len(run.cells)
            lines.append(f"Black cell at ({r},{c}): {run.direction} run of {k} cell{'s' if k > 1 else ''} {cells} "
                         f"with sum {run.target}")
        return lines

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        n = self.size(inst)
        whites = " ".join(f"({r},{c})" for r, c in white_cells(inst.state["cells"]))
        head = (f"This is a {n}x{n} Kakuro puzzle. Fill every white cell with a digit from 1 to 9.\n"
                "Rules:\n"
                "1. Each clue is the sum of a run of white cells: a right clue is the sum of the consecutive white "
                "cells immediately to the right of its black cell, a down clue the sum of the consecutive white "
                "cells immediately below it.\n"
                "2. The digits in one run must all be different.\n"
                f"Coordinates are (row,column), 0-based, with (0,0) the top-left cell; rows go 0-{n - 1} top to "
                f"bottom and columns 0-{n - 1} left to right.\n")
        if modality == "image":
            return (head + "In the image, black cells are dark. In a black cell split by a diagonal, the number "
                    "above/right of the diagonal is the sum of the run to its right, and the number below/left of "
                    "the diagonal is the sum of the run below it. Light cells are white cells to fill; the grey "
                    "numbers above and left of the grid are the column and row indices.\n"
                    f"White cells: {whites}\n{self._format(inst)}\n")
        if modality == "text":
            grid = "\n".join(self.ascii_grid(inst))
            return (head + "The grid, row by row: a black cell is written [dd\\rr] with its down sum dd left of "
                    "the backslash and its right sum rr right of it (blank when absent); a white cell is "
                    "[     ].\n" + grid + "\n\nClues:\n" + "\n".join(self.clue_lines(inst))
                    + f"\n\nWhite cells: {whites}\n{self._format(inst)}\n")
        raise ValueError(f"unknown modality {modality!r}; use 'image' or 'text'")

    # ----- trace -----------------------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        csp, whites, runs = self.csp(inst)
        res, log = traced_search(csp, "Kakuro")
        grid = self._grid(inst, whites, res.solutions[0])
        lines = [
            "Every white cell takes a digit 1-9; each clued run must sum to its clue with distinct digits. "
            "Coordinates are (row,column), 0-based.",
            "Runs: " + "; ".join(run.label for run in runs) + ".",
            "For each run, list the sets of distinct digits of its length that make its sum, drop the sets that "
            "contradict digits already placed, and keep in each cell only digits of the remaining sets:",
        ]
        lines += _format_search(csp, log)
        lines.append("Filled grid (# = black):")
        lines += [" ".join("#" if not is_white(obj) else str(grid[r][c]) for c, obj in enumerate(row))
                  for r, row in enumerate(inst.state["cells"])]
        lines.append("Every run has distinct digits with the right sum.")
        lines.append(f"Answer: {self.format_answer(inst, grid)}")
        return "\n".join(lines)

    # ----- reference records -----------------------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record_field(record.get("initial_state"))
        if isinstance(raw, dict):
            raw = raw.get("cells", raw.get("grid"))
        if not isinstance(raw, (list, tuple)) or not raw:
            raise RecordError("initial_state must be a non-empty list of rows of cell objects")
        n = len(raw)
        if not 2 <= n <= 12 or any(not isinstance(row, (list, tuple)) or len(row) != n for row in raw):
            raise RecordError(f"initial_state must be a square grid (got {n} rows)")
        cells = []
        for r, row in enumerate(raw):
            out = []
            for c, obj in enumerate(row):
                if not isinstance(obj, dict) or obj.get("type") not in ("black", "white"):
                    raise RecordError(f"cell ({r},{c}) is not a black/white cell object")
                if obj["type"] == "white":
                    out.append({"type": "white"})
                    continue
                cell: dict = {"type": "black"}
                for key in ("right", "down"):
                    if obj.get(key) is not None:
                        try:
                            val = int(obj[key])
                        except (TypeError, ValueError):
                            raise RecordError(f"cell ({r},{c}) has a bad {key} clue {obj[key]!r}") from None
                        if not 1 <= val <= 45:
                            raise RecordError(f"cell ({r},{c}) has an impossible {key} clue {val}")
                        cell[key] = val
                out.append(cell)
            cells.append(out)
        for run in find_runs(cells):
            if not run.cells:
                raise RecordError(f"the {run.direction} clue at {run.clue} has no white cells after it")
        if not white_cells(cells):
            raise RecordError("the grid has no white cell")
        if build_csp(cells)[0].solve(max_nodes=200_000) is None:
            raise RecordError("the clues admit no solution")
        return {"n": n, "cells": cells}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        n = int(state["n"])
        return n - 2 if 3 <= n <= 7 else None

    record_witness = grid_witness

    # ----- step mode (core.grid_puzzle.SquareStepMixin) -------------------------------------------------------
    def value_codes(self, n: int) -> int:
        return 10

    def play_locked(self, inst: Instance) -> tuple[tuple[bool, ...], ...]:
        return tuple(tuple(not is_white(obj) for obj in row) for row in inst.state["cells"])

    def play_apply(self, inst: Instance, play: Grid, action: Any):
        res = super().play_apply(inst, play, action)
        if not res.legal and "fixed given" in res.reason:
            r, c = int(action[0]), int(action[1])
            return type(res)(play, False, f"cell (row {r}, column {c}) is a black cell and takes no digit")
        return res

    def play_check(self, inst: Instance, play: Grid) -> bool:
        cells = inst.state["cells"]
        entries = [(r, c, play[r][c]) for r, c in white_cells(cells) if play[r][c]]
        return self.check_entries(inst, entries).correct

    def move_help(self, inst: Instance) -> str:
        return move_text(self.size(inst), "value 1-9 writes that digit into a white cell and value 0 erases it",
                         after="Black cells take no digit.")


# ---------------------------------------------------------------------------------------------------------------
# parsing

_ENTRY = re.compile(
    r"(?:[(\[]\s*(\d+)\s*[,;]\s*(\d+)\s*[)\]]|\b[Rr](\d+)\s*[Cc](\d+)\b)\s*(?::|=|->|→)\s*(-?\d+)", re.ASCII)


def parse_entries(text: str, max_entries: int = 1_000) -> list[tuple[int, int, int]]:
    """``(r,c):v`` entries anywhere in the text (lenient separators, ``[r,c]`` / ``R1C2`` coordinates)."""
    out = []
    for m in _ENTRY.finditer(text):
        a, b, c, d, v = m.groups()
        r, col = (int(a), int(b)) if a is not None else (int(c), int(d))
        out.append((r, col, int(v)))
        if len(out) > max_entries:
            raise ParseError(f"too many entries (more than {max_entries})")
    if not out:
        raise ParseError("no (row,column):value entries found")
    return out


def _deduction(csp: CSP, ci: int, changes, before) -> str:
    c = csp.constraints[ci]
    sets = c.alive(before) if isinstance(c, RunSum) else []
    shown = " or ".join("{" + ",".join(map(str, values_of(s))) + "}" for s in sets[:6])
    if len(sets) > 6:
        shown = f"{len(sets)} digit sets"
    parts = []
    for v, _, new in changes:
        x = single(new)
        parts.append(f"{csp.name(v)} = {x}" if x is not None else
                     f"{csp.name(v)} in {{{','.join(map(str, values_of(new)))}}}")
    return f"{c.label}: possible digit sets {shown or 'none'}; so {', '.join(parts)}."


def _format_search(csp: CSP, log: list) -> list[str]:
    return explain_search(
        log, deduce=lambda ci, changes, before: _deduction(csp, ci, changes, before),
        fail=lambda ci, before: f"Contradiction: no set of distinct digits completes {csp.constraints[ci].label}.",
        leaf_fail=lambda ci: f"Contradiction: {csp.constraints[ci].label} does not add up.",
        guess=lambda var, value, cands: f"Suppose {csp.name(var)} = {value} (candidates "
                                        f"{{{','.join(map(str, values_of(cands)))}}}).",
        undo=lambda var, value: f"So {csp.name(var)} is not {value}.",
        stuck="No run forces anything more, so try the candidates of an undecided cell.",
        nested="Every further case inside this one fails as well.", dead_lines=DEAD_BRANCH_LINES)


TASK = Kakuro()

__all__ = ["COMBOS", "LEVEL_SIZE", "TASK", "Kakuro", "RunSum", "build_csp", "clue_cells", "find_runs",
           "parse_entries", "white_cells"]
