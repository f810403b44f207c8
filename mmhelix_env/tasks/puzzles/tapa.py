"""Tapa (MM-HELIX ``tapa``): shade cells so that the black cells form one orthogonally connected group without an
all-black 2x2 block, and every clue cell sees, among its up to 8 neighbours, exactly one group of black cells
(cells touching by side or corner) of exactly the clue's size (the benchmark's single-number variant).

Generation (spec/tasks/Tapa.md): a black set grown from a random cell by random orthogonal neighbours that never
complete a 2x2 block; eligible clues are white cells whose black neighbours form one consecutive run around the
ring (so the clue reads the same under standard Tapa rules); clues are added in random order until the counter
proves the puzzle unique, then removed in random order while it stays unique (a minimal puzzle within the level's
clue cap). Solver/counter: bitmask propagation (per clue the neighbour patterns still possible, the 2x2 rule,
black connectivity: cells that cannot reach the black cells turn white) with depth-first branching on a neighbour
of the tightest clue; it stops at the second solution.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import numpy as np

from ...core import GenerationError, Instance, ParseError, RecordError, Task, Verdict
from ...core.grid_puzzle import BitGrid, Grid, ShadeStepMixin, bits, record_grid, tuple_witness
from ...core.parsing import bounded
from ...render.puzzle_grid import Board, render_board, shade_marks

LEVEL_SIZE = {1: 3, 2: 4, 3: 5, 4: 6, 5: 7}
LEVEL_BLACK = {1: (2, 5), 2: (4, 6), 3: (7, 10), 4: (12, 16), 5: (19, 24)}
LEVEL_CLUES = {1: 5, 2: 7, 3: 8, 4: 10, 5: 12}
MAX_DRAWS = 400
MAX_NODES = 20_000
DEAD_BRANCH_LINES = 6
CLUE_TINT = (226, 222, 246)
BLACK = (28, 28, 34)
DOT = (90, 90, 105)
RING = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1))  # NW N NE E SE S SW W
FORMAT_LINES = ("Provide your answer as a list of the black cells only, each written as (row,column) with "
                "zero-based indices, (0,0) being the top-left cell. Separate multiple coordinates with commas.\n"
                "Example answer format: (0,1), (1,2), (2,0), (2,1)")

Cells = tuple[tuple[int, int], ...]


# ---------------------------------------------------------------------------------------------------------------
# geometry and clue patterns


def _ring_adjacent(a: int, b: int) -> bool:
    (ra, ca), (rb, cb) = RING[a], RING[b]
    return a != b and abs(ra - rb) <= 1 and abs(ca - cb) <= 1


def _one_group(sub: int) -> bool:
    """Whether the ring positions in ``sub`` (8-bit) touch each other (side or corner) as one group."""
    if not sub:
        return False
    start = (sub & -sub).bit_length() - 1
    seen = 1 << start
    stack = [start]
    while stack:
        a = stack.pop()
        for b in range(8):
            if sub >> b & 1 and not seen >> b & 1 and _ring_adjacent(a, b):
                seen |= 1 << b
                stack.append(b)
    return seen == sub


@cache
def ring_patterns(inside: int, k: int) -> tuple[int, ...]:
    """8-bit subsets of the in-grid ring positions ``inside`` forming one group of exactly ``k`` cells."""
    if k == 0:
        return (0,)
    return tuple(s for s in range(256) if s & ~inside == 0 and s.bit_count() == k and _one_group(s))


def consecutive_run(ring_black: list[bool]) -> int:
    """Length of the single consecutive black run around the ring, 0 if none or if there are several runs."""
    k = sum(ring_black)
    if k == 0:
        return 0
    if k == 8:
        return 8
    starts = sum(1 for p in range(8) if ring_black[p] and not ring_black[p - 1])
    return k if starts == 1 else 0


class Geometry(BitGrid):
    """Bit ``r * n + c`` per cell; ring neighbours, orthogonal flood fill and 2x2 blocks."""

    def __init__(self, n: int):
        super().__init__(n)
        self.ring: list[tuple[int, ...]] = []
        for r in range(n):
            for c in range(n):
                self.ring.append(tuple((r + dr) * n + c + dc if 0 <= r + dr < n and 0 <= c + dc < n else -1
                                       for dr, dc in RING))
        self.anchors = sum(1 << (r * n + c) for r in range(n - 1) for c in range(n - 1))
        self.blocks = tuple(sum(1 << ((r + a) * n + c + b) for a in (0, 1) for b in (0, 1))
                            for r in range(n - 1) for c in range(n - 1))
        self.cell_blocks = tuple(tuple(q for q in self.blocks if q >> i & 1) for i in range(n * n))
        self._pats: dict[tuple[int, int], tuple[int, ...]] = {}

    def nbmask(self, i: int) -> int:
        return sum(1 << j for j in self.ring[i] if j >= 0)

    def patterns(self, i: int, k: int) -> tuple[int, ...]:
        """Grid masks of the black neighbour sets of cell ``i`` that satisfy clue ``k``."""
        key = (i, k)
        got = self._pats.get(key)
        if got is None:
            ring = self.ring[i]
            inside = sum(1 << p for p in range(8) if ring[p] >= 0)
            got = tuple(sum(1 << ring[p] for p in range(8) if s >> p & 1) for s in ring_patterns(inside, k))
            self._pats[key] = got
        return got

    def name(self, i: int) -> str:
        return f"({i // self.n},{i % self.n})"

    def names(self, m: int) -> str:
        return ", ".join(self.name(i) for i in bits(m))


def clue_group_sizes(geo: Geometry, i: int, black: int) -> list[int]:
    """Sizes of the groups (touching by side or corner) of black cells among cell ``i``'s neighbours."""
    ring = geo.ring[i]
    sub = sum(1 << p for p in range(8) if ring[p] >= 0 and black >> ring[p] & 1)
    sizes = []
    while sub:
        start = (sub & -sub).bit_length() - 1
        seen = 1 << start
        stack = [start]
        while stack:
            a = stack.pop()
            for b in range(8):
                if sub >> b & 1 and not seen >> b & 1 and _ring_adjacent(a, b):
                    seen |= 1 << b
                    stack.append(b)
        sizes.append(seen.bit_count())
        sub &= ~seen
    return sizes


# ---------------------------------------------------------------------------------------------------------------
# solver / counter


class Solver:
    """Black mask ``B`` and white mask ``W``; per clue the tuple of neighbour patterns still possible."""

    def __init__(self, n: int, clues):
        self.n = n
        self.geo = geo = Geometry.of(n)
        self.clues = [(int(r), int(c), int(k)) for r, c, k in clues]
        self.cell = [r * n + c for r, c, _ in self.clues]
        self.nbm = [geo.nbmask(i) for i in self.cell]
        self.pats0 = [geo.patterns(i, k) for i, (_, _, k) in zip(self.cell, self.clues)]
        self.white0 = sum(1 << i for i in self.cell)
        self.nodes = 0
        self.steps = 0

    def propagate(self, B: int, W: int, pats: list, log: list | None = None, dirty: int = -1):
        """The fixed point from (B, W), or None on a contradiction. ``dirty``: cells changed since ``pats`` was
        last filtered (clues away from them are skipped)."""
        geo = self.geo
        full = geo.full
        nbm = self.nbm
        n = self.n
        anchors = geo.anchors
        flood_due = True
        while True:
            self.steps += 1
            B0, W0 = B, W
            new = []
            for j, cand0 in enumerate(pats):
                nb = nbm[j]
                if not nb & dirty:
                    new.append(cand0)
                    continue
                bn = B & nb
                cand = [p for p in cand0 if not p & W and not bn & ~p]
                if not cand:
                    if log is not None:
                        r, c, k = self.clues[j]
                        log.append(f"Contradiction: clue {k} at ({r},{c}) can no longer be met.")
                    return None
                a = nb
                o = 0
                for p in cand:
                    a &= p
                    o |= p
                fb = a & ~B
                fw = nb & ~o & ~W
                if fb or fw:
                    B |= fb
                    W |= fw
                    if log is not None:
                        r, c, k = self.clues[j]
                        parts = []
                        if fb:
                            parts.append(f"{geo.names(fb)} black")
                        if fw:
                            parts.append(f"{geo.names(fw)} white")
                        log.append(f"Clue {k} at ({r},{c}): {len(cand)} neighbour pattern(s) still fit, "
                                   f"all making {' and '.join(parts)}.")
                new.append(cand)
            pats = new
            # 2x2 rule, bit-parallel over block anchors (top-left cells)
            b1 = B >> 1
            b2 = B >> n
            b3 = B >> (n + 1)
            if B & b1 & b2 & b3 & anchors:
                if log is not None:
                    q = B & b1 & b2 & b3 & anchors
                    i = (q & -q).bit_length() - 1
                    log.append(f"Contradiction: the 2x2 block at {geo.name(i)} is all black.")
                return None
            U = full & ~B & ~W
            fw = ((U & b1 & b2 & b3 & anchors) | (((U >> 1) & B & b2 & b3 & anchors) << 1)
                  | (((U >> n) & B & b1 & b3 & anchors) << n) | (((U >> (n + 1)) & B & b1 & b2 & anchors) << (n + 1)))
            if fw:
                W |= fw
                if log is not None:
                    log.append(f"2x2 rule: {geo.names(fw)} would complete an all-black 2x2 block, so white.")
            if B and (flood_due or W != W0):
                flood_due = False
                reach = geo.flood(B & -B, full & ~W)
                if B & ~reach:
                    if log is not None:
                        log.append("Contradiction: the white cells cut the black cells into separate groups.")
                    return None
                dead = full & ~W & ~reach
                if dead:
                    W |= dead
                    if log is not None:
                        log.append(f"Connectivity: {geo.names(dead)} cannot join the black group, so white.")
            dirty = (B ^ B0) | (W ^ W0)
            if not dirty and log is not None and B:
                # (trace only) an open cell that is the only link between black cells must be black
                for i in bits(full & ~B & ~W):
                    cut = geo.flood(B & -B, full & ~W & ~(1 << i))
                    if B & ~cut:
                        B |= 1 << i
                        log.append(f"Connectivity: without {geo.name(i)} the black cells would split into "
                                   "separate groups, so it is black.")
                        dirty = 1 << i
                        break
            if not dirty:
                return B, W, pats

    def choose(self, B: int, W: int, pats: list) -> int:
        """An undecided cell: a neighbour of the clue with the fewest patterns left, else the first open cell."""
        best = -1
        fewest = 1 << 30
        for j, cand in enumerate(pats):
            if 1 < len(cand) < fewest:
                openn = self.nbm[j] & ~B & ~W
                if openn:
                    fewest = len(cand)
                    best = (openn & -openn).bit_length() - 1
        if best >= 0:
            return best
        open_ = self.geo.full & ~B & ~W
        near = open_ & self.geo.spread(B) if B else 0  # next to black first
        m = near or open_
        return (m & -m).bit_length() - 1

    def search(self, limit: int = 2, max_nodes: int | None = MAX_NODES, prefer: int | None = None,
               extra_white: int = 0) -> list[int]:
        """Black masks of up to ``limit`` solutions. ``prefer``: a black mask whose opposite is tried first."""
        out: list[int] = []
        full = self.geo.full

        def dfs(B: int, W: int, pats: list, dirty: int) -> None:
            self.nodes += 1
            if max_nodes is not None and self.nodes > max_nodes:
                raise GenerationError("Tapa search budget exhausted")
            res = self.propagate(B, W, pats, dirty=dirty)
            if res is None:
                return
            B, W, pats = res
            if B | W == full:
                out.append(B)
                return
            v = self.choose(B, W, pats)
            bit = 1 << v
            order = (False, True) if prefer is not None and prefer & bit else (True, False)
            for black in order:
                dfs(B | bit, W, pats, bit) if black else dfs(B, W | bit, pats, bit)
                if len(out) >= limit:
                    return

        self.nodes = 0
        dfs(0, self.white0 | extra_white, list(self.pats0), -1)
        return out

    def explain(self) -> tuple[list[str], int | None]:
        """Trace lines of a solve and the black mask found (None if unsolvable)."""
        lines: list[str] = []
        geo = self.geo
        full = geo.full

        def dfs(B: int, W: int, pats: list, depth: int) -> int | None:
            log: list[str] = []
            res = self.propagate(B, W, pats, log)
            pad = "  " * depth
            lines.extend(pad + x for x in log)
            if res is None:
                return None
            B, W, pats = res
            if B | W == full:
                lines.append(pad + "Every cell is decided and all rules hold.")
                return B
            v = self.choose(B, W, pats)
            lines.append(pad + f"No rule forces more; suppose {geo.name(v)} is black.")
            mark = len(lines)
            got = dfs(B | 1 << v, W, pats, depth + 1)
            if got is not None:
                return got
            if len(lines) - mark > DEAD_BRANCH_LINES:
                lines[mark:] = lines[mark: mark + DEAD_BRANCH_LINES - 1] + [
                    pad + f"  ... ({len(lines) - mark - DEAD_BRANCH_LINES} more steps) ...", lines[-1]]
            lines.append(pad + f"That fails, so {geo.name(v)} is white.")
            return dfs(B, W | 1 << v, pats, depth)

        return lines, dfs(0, self.white0, list(self.pats0), 0)


# ---------------------------------------------------------------------------------------------------------------
# generation helpers


def grow_black(rng: np.random.Generator, n: int, count: int) -> int | None:
    geo = Geometry.of(n)
    start = int(rng.integers(n * n))
    black = 1 << start
    for _ in range(count - 1):
        touch = geo.spread(black) & ~black
        cands = [i for i in bits(touch) if not any(q & ~black == 1 << i for q in geo.cell_blocks[i])]
        if not cands:
            return None
        black |= 1 << cands[int(rng.integers(len(cands)))]
    return black


def eligible_clues(n: int, black: int) -> list[tuple[int, int, int]]:
    geo = Geometry.of(n)
    out = []
    for i in range(n * n):
        if black >> i & 1:
            continue
        ring = geo.ring[i]
        k = consecutive_run([j >= 0 and bool(black >> j & 1) for j in ring])
        if k:
            out.append((i // n, i % n, k))
    return out


def mask_cells(mask: int, n: int) -> Cells:
    return tuple(divmod(i, n) for i in bits(mask))


def answer_text(cells) -> str:
    return ", ".join(f"({r},{c})" for r, c in sorted(cells))


# ---------------------------------------------------------------------------------------------------------------
# parsing

_PAIR = re.compile(r"[(\[]\s*(-?\d+)\s*[,;]\s*(-?\d+)\s*[)\]]", re.ASCII)
_EMPTY = re.compile(r"^\s*(?:[\[({]\s*[\])}]|none|nothing|no (?:black )?cells?|set\(\s*\))\s*\.?\s*$", re.I)
_GRID_LINE = re.compile(r"^[\s,|]*(?:[BW#.■□\d][\s,|]*)+$", re.ASCII)
BLACK_SYMBOLS = "B#■"
WHITE_SYMBOLS = "W.□"


def parse_answer(text: str, n: int, clue_at: dict, max_chars: int) -> Cells:
    text = bounded(text, max_chars)
    if _EMPTY.match(text):
        return ()
    pairs = _PAIR.findall(text)
    if pairs:
        if len(pairs) > 5_000:
            raise ParseError(f"too many coordinates ({len(pairs)})")
        return tuple(sorted({(int(a), int(b)) for a, b in pairs}))
    grid = _parse_symbol_grid(text, n)
    if grid is None:
        raise ParseError("no black cells like (row,column) found, and no grid of B/W symbols either")
    out = []
    for r, row in enumerate(grid):
        for c, s in enumerate(row):
            if s.isdigit():
                if clue_at.get((r, c)) != int(s):
                    raise ParseError(f"the grid shows {s} at ({r},{c}), which is not that cell's clue")
            elif s in BLACK_SYMBOLS:
                out.append((r, c))
    return tuple(out)


def _parse_symbol_grid(text: str, n: int) -> list[list[str]] | None:
    rows: list[list[str]] = []
    found = None
    for line in text.splitlines():
        stripped = line.strip()
        toks = [t for t in re.split(r"[\s,|]+", stripped) if t] if stripped else []
        if len(toks) == 1 and len(toks[0]) == n:
            toks = list(toks[0])
        if toks and len(toks) == n and all(len(t) == 1 and (t in BLACK_SYMBOLS + WHITE_SYMBOLS or t in "012345678")
                                           for t in toks):
            rows.append(toks)
            if len(rows) == n:
                found = rows
                rows = []
        else:
            rows = []
    return found


# ---------------------------------------------------------------------------------------------------------------
# the task


class Tapa(ShadeStepMixin, Task):
    name = "Tapa"
    category = "puzzles"
    benchmark_id = "tapa"
    generator_key = "tapa"
    score_function = "tapa_evaluator"
    version = "1"
    answer_format = "black cells (row,column), 0-based, separated by commas: (0,1), (1,2), ..."
    max_answer_chars = 20_000
    code_text = {1: "#", 2: "o"}
    level_sizes = LEVEL_SIZE
    shade_text = "makes the cell black"
    mark_text = "marks it white (a note only)"
    move_after = "Unmarked cells count as white; clue cells cannot be changed."
    legend_text = ("The image shows the current grid: clue cells are tinted, black cells are filled, cells you marked "
                   "white show a small dot.")

    # ----- generation ------------------------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        n = LEVEL_SIZE[level]
        lo, hi = LEVEL_BLACK[level]
        cap = LEVEL_CLUES[level]
        for _ in range(MAX_DRAWS):
            count = int(rng.integers(lo, hi + 1))
            black = grow_black(rng, n, count)
            if black is None:
                continue
            elig = eligible_clues(n, black)
            if not elig:
                continue
            order = [elig[int(i)] for i in rng.permutation(len(elig))]
            try:
                clues = self._unique_prefix(n, order, black)
                if clues is None:
                    continue
                # remove clues in random order while the puzzle stays unique
                for cand in [clues[i] for i in rng.permutation(len(clues)).tolist()]:
                    rest = [c for c in clues if c != cand]
                    if rest and self._unique(n, rest, black):
                        clues = rest
            except GenerationError:  # node budget exhausted: discard this draw
                continue
            if len(clues) > cap:
                continue
            state = {"n": n, "clues": [list(c) for c in sorted(clues)]}
            return state, mask_cells(black, n)
        raise GenerationError(f"Tapa: no unique {n}x{n} puzzle in {MAX_DRAWS} draws")  # pragma: no cover

    @staticmethod
    def _unique(n: int, clues, black: int) -> bool:
        sols = Solver(n, clues).search(2, prefer=black)
        return len(sols) == 1

    @staticmethod
    def _unique_prefix(n: int, order, black: int):
        """The shortest prefix of ``order`` with a unique solution, i.e. what adding the clues one by one until
        the counter says 1 gives (None if all of them leave two solutions). Adding clues never adds solutions,
        so the prefix length is found by bisection; a rival solution found for a prefix also rules out every
        longer prefix whose extra clues it satisfies."""
        geo = Geometry.of(n)
        lo, hi = 0, len(order)  # prefix lo is ambiguous (or empty), prefix hi is unique once checked
        if len(Solver(n, order).search(2, prefer=black)) != 1:
            return None
        while hi - lo > 1:
            mid = (lo + hi) // 2
            sols = Solver(n, order[:mid]).search(2, prefer=black)
            if len(sols) == 1:
                hi = mid
                continue
            rival = next(s for s in sols if s != black)
            lo = mid
            while lo < hi - 1:  # the rival also satisfies the next clues: those prefixes stay ambiguous
                r, c, v = order[lo]
                i = r * n + c
                if rival >> i & 1 or clue_group_sizes(geo, i, rival) != [v]:
                    break
                lo += 1
        return order[:hi]

    def solver(self, inst: Instance) -> Solver:
        return Solver(self.size(inst), inst.state["clues"])

    # ----- solving ---------------------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> Cells:
        sols = self.solver(inst).search(1, max_nodes=None)
        if not sols:
            raise ValueError("this Tapa has no solution")
        return mask_cells(sols[0], self.size(inst))

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return answer_text(solution)

    def count(self, inst: Instance, limit: int = 2) -> int:
        return len(self.solver(inst).search(limit, max_nodes=None))

    def stats(self, inst: Instance) -> dict:
        s = self.solver(inst)
        s.search(2, max_nodes=None)
        return {"n": self.size(inst), "clues": len(inst.state["clues"]), "black_cells": len(self.solution(inst)),
                "search_nodes": s.nodes, "propagation_rounds": s.steps}

    # ----- verification ----------------------------------------------------------------------------------------
    def clue_map(self, inst: Instance) -> dict:
        return {(int(r), int(c)): int(k) for r, c, k in inst.state["clues"]}

    def check(self, inst: Instance, answer: str) -> Verdict:
        n = self.size(inst)
        cells = parse_answer(answer, n, self.clue_map(inst), self.max_answer_chars)
        return self.check_cells(inst, cells)

    def check_cells(self, inst: Instance, cells) -> Verdict:
        n = self.size(inst)
        geo = Geometry.of(n)
        clue_at = self.clue_map(inst)
        cells = tuple(sorted(set(cells)))
        outside = [(r, c) for r, c in cells if not (0 <= r < n and 0 <= c < n)]
        if outside:
            return Verdict.fail(f"cell ({outside[0][0]},{outside[0][1]}) is outside the {n}x{n} grid (rows and "
                                f"columns 0-{n - 1})", 0.0, cells)
        on_clue = [rc for rc in cells if rc in clue_at]
        if on_clue:
            r, c = on_clue[0]
            return Verdict.fail(f"cell ({r},{c}) holds the clue {clue_at[(r, c)]} and must stay white", 0.0, cells)
        black = sum(1 << (r * n + c) for r, c in cells)
        problems = []
        connected = True
        if black:
            reach = geo.flood(black & -black, black)
            if black & ~reach:
                connected = False
                problems.append(f"the black cells are not one connected group ({geo.names(reach)} are cut off "
                                f"from {geo.names(black & ~reach)})"[:400])
        elif any(k for k in clue_at.values()):
            connected = False
            problems.append("no cell is black")
        full_blocks = [q for q in geo.blocks if q & black == q]
        if full_blocks:
            problems.append(f"the 2x2 block {geo.names(full_blocks[0])} is all black")
        satisfied = 0
        bad = []
        for (r, c), k in sorted(clue_at.items()):
            sizes = clue_group_sizes(geo, r * n + c, black)
            if (k == 0 and not sizes) or sizes == [k]:
                satisfied += 1
            else:
                bad.append(f"clue {k} at ({r},{c}) sees black groups of size {sizes or [0]}")
        problems += bad[:2] + ([f"(and {len(bad) - 2} more unmet clues)"] if len(bad) > 2 else [])
        if not problems:
            return Verdict.ok(cells, "correct: the black cells are connected, contain no 2x2 block and meet every "
                                     "clue")
        score = 0.5 * satisfied / max(1, len(clue_at)) + 0.25 * connected + 0.25 * (not full_blocks)
        return Verdict.fail("; ".join(problems), score, cells)

    # ----- presentation ----------------------------------------------------------------------------------------
    def board(self, inst: Instance, play: Any = None) -> Board:
        n = self.size(inst)
        clue_at = self.clue_map(inst)
        fills, dots = shade_marks(play, BLACK, DOT, fills={rc: CLUE_TINT for rc in clue_at}, skip=clue_at)
        return Board(n, n, values={rc: str(k) for rc, k in clue_at.items()}, given=set(clue_at), fills=fills,
                     dots=dots, text_scale=0.55, coords=0)

    def render(self, inst: Instance, play: Any = None, size: int = 512):
        return render_board(self.board(inst, play), size)[0]

    def rules(self, n: int) -> str:
        return (f"This is a {n}x{n} Tapa puzzle. Some cells hold a number clue; shade (blacken) some of the other "
                "cells so that:\n"
                "1. All black cells form one group connected through shared sides (up, down, left, right).\n"
                "2. No 2x2 block of cells is entirely black.\n"
                "3. For each clue cell, look at its up to 8 neighbours (including diagonal ones): the black cells "
                "among them, grouped by touching each other by side or corner, must form exactly one group of "
                "exactly as many cells as the clue says.\n"
                "Clue cells always stay white. White cells need not be connected. Rows and columns are numbered "
                f"0 to {n - 1}; cell (row,column) = (0,0) is the top-left cell.\n")

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        n = self.size(inst)
        if modality == "image":
            return (self.rules(n) + "In the image, clue cells are tinted and show their number; the small numbers "
                    "above and left of the grid are the column and row indices.\n" + FORMAT_LINES + "\n")
        if modality == "text":
            clue_at = self.clue_map(inst)
            grid = "\n".join("".join(str(clue_at[(r, c)]) if (r, c) in clue_at else "." for c in range(n))
                             for r in range(n))
            clues = "\n".join(f"Cell ({r},{c}) has clue {k}" for (r, c), k in sorted(clue_at.items()))
            return (self.rules(n) + f"\nThe grid ({n} rows of {n} characters; '.' = plain cell, a digit = clue "
                    f"cell):\n{grid}\n\nClues:\n{clues}\n\n" + FORMAT_LINES + "\n")
        raise ValueError(f"unknown modality {modality!r}; use 'image' or 'text'")

    # ----- trace -----------------------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        n = self.size(inst)
        solver = self.solver(inst)
        body, black = solver.explain()
        if black is None:
            raise ValueError("this Tapa has no solution")
        clue_at = self.clue_map(inst)
        cells = mask_cells(black, n)
        grid = ["".join(str(clue_at[(r, c)]) if (r, c) in clue_at else ("#" if black >> (r * n + c) & 1 else ".")
                        for c in range(n)) for r in range(n)]
        lines = [f"The {n}x{n} grid has clues " + ", ".join(f"{k} at ({r},{c})" for (r, c), k in
                                                           sorted(clue_at.items())) + ".",
                 "Clue cells are white. For each clue, list the ways its neighbours can hold one touching group of "
                 "that many black cells, drop the ways that contradict decided cells, and fix the cells all "
                 "remaining ways agree on; use the 2x2 rule and the connectivity of the black cells:",
                 *body,
                 "Final grid (# = black, . = white, digits = clues):", *grid,
                 "The black cells are connected, no 2x2 block is black and every clue sees one group of its size.",
                 f"Answer: {answer_text(cells)}"]
        return "\n".join(lines)

    # ----- reference records -----------------------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record_grid(record)
        if isinstance(raw, str):
            rows = [line.strip() for line in raw.replace("\\n", "\n").strip().splitlines() if line.strip()]
        elif isinstance(raw, (list, tuple)):
            rows = ["".join(str(x) if x not in (None, 0, "0", "") or x == "0" else "." for x in row)
                    if not isinstance(row, str) else row for row in raw]
        else:
            raise RecordError("initial_state must be n lines of n characters ('.' or a digit)")
        n = len(rows)
        if not 2 <= n <= 12 or any(len(row) != n for row in rows):
            raise RecordError("initial_state must be a square grid of size 2..12")
        clues = []
        for r, row in enumerate(rows):
            for c, ch in enumerate(row):
                if ch == ".":
                    continue
                if ch not in "012345678":
                    raise RecordError(f"unexpected character {ch!r} at ({r},{c})")
                clues.append([r, c, int(ch)])
        state: dict = {"n": n, "clues": clues}
        try:
            if not Solver(n, clues).search(1, max_nodes=50_000):
                state["unsolvable"] = True
        except GenerationError:
            pass
        return state

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        n = int(state["n"])
        return n - 2 if 3 <= n <= 7 else None

    record_witness = tuple_witness

    # ----- step mode (core.grid_puzzle.ShadeStepMixin) --------------------------------------------------------
    def play_locked(self, inst: Instance) -> tuple[tuple[bool, ...], ...]:
        n = self.size(inst)
        clue_at = self.clue_map(inst)
        return tuple(tuple((r, c) in clue_at for c in range(n)) for r in range(n))

    def play_text(self, inst: Instance, play: Grid) -> list[str]:
        clue_at = self.clue_map(inst)
        return ["".join(str(clue_at[(r, c)]) if (r, c) in clue_at else {1: "#", 2: "o"}.get(v, ".")
                        for c, v in enumerate(row)) for r, row in enumerate(play)]


TASK = Tapa()

__all__ = ["LEVEL_BLACK", "LEVEL_CLUES", "LEVEL_SIZE", "TASK", "Geometry", "Solver", "Tapa", "clue_group_sizes",
           "consecutive_run", "eligible_clues", "parse_answer"]
