"""Tapa (MM-HELIX ``tapa``): shade cells so that the black cells form one orthogonally connected group without an
all-black 2x2 block, and every clue cell sees, among its up to 8 neighbours, exactly one group of black cells
(cells touching by side or corner) of exactly the clue's size (the benchmark's single-number variant).

Generation (spec/tasks/Tapa.md): a black set grown from a random cell by random orthogonal neighbours that never
complete a 2x2 block; eligible clues are white cells whose black neighbours form one consecutive run around the
ring (so the clue reads the same under standard Tapa rules); clues are added in random order until the counter
proves the puzzle unique, then removed in random order while it stays unique (a minimal puzzle within the level's
clue cap). Solver/counter: the shared CSP engine (core.csp) with one 0/1 variable per cell (1 = black): per clue a
``Table`` of its allowed neighbour patterns, per 2x2 block a ``Count`` (at most 3 black) and the task's bitset
constraint :class:`Connected` (cells the black cells cannot reach turn white); the engine branches cell by cell
and stops at the second solution. The trace is the engine's search log in words.
"""

from __future__ import annotations

import copy
import re
from functools import cache, lru_cache
from operator import itemgetter
from typing import Any

import numpy as np

from ...core import GenerationError, Instance, ParseError, RecordError, Task, Verdict
from ...core.csp import CSP, Constraint, SearchResult, Table, explain_search
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
# the rules as constraints of the shared CSP engine: one variable per cell, value 0 white, 1 black. Variables are
# numbered tightest clue's neighbours first (the engine branches on the lowest open variable), so ``perm[var]`` is
# the cell (bit r * n + c) of a variable and the bitset constraints read the domains through a cell-order getter.

WHITE, BLACKV = 1, 2  # the domains {0} and {1} as bit sets; 3 = undecided
_IS_BLACK = bytes(49 if b == BLACKV else 48 for b in range(256))
_IS_WHITE = bytes(49 if b == WHITE else 48 for b in range(256))


class CellOrder:
    """Variable numbering of one model: ``perm[var]`` = cell, ``pos[cell]`` = var, and ``masks(dom)`` = the
    (black, white) cells as bitmasks (domains gathered in reversed cell order as bytes, mapped to "0"/"1"
    digits, read in base 2)."""

    __slots__ = ("perm", "pos", "get")

    def __init__(self, perm: list[int]):
        self.perm = perm
        self.pos = pos = [0] * len(perm)
        for v, cell in enumerate(perm):
            pos[cell] = v
        self.get = itemgetter(*reversed(pos)) if len(pos) > 1 else (lambda dom: (dom[pos[0]],))

    def masks(self, dom) -> tuple[int, int]:
        raw = bytes(self.get(dom))
        return int(raw.translate(_IS_BLACK), 2), int(raw.translate(_IS_WHITE), 2)

    def cells(self, m: int) -> int:
        """A bitmask of variables as a bitmask of cells."""
        perm = self.perm
        return sum(1 << perm[v] for v in bits(m))


class Connected(Constraint):
    """Rule 1, the black cells form one orthogonally connected group, as one bitset propagator: black cells
    the first black cell cannot reach through non-white cells are a contradiction; open cells it cannot reach
    turn white. Reachability is memoised per set of non-white cells."""

    __slots__ = ("geo", "order", "memo")

    def __init__(self, n: int, order: CellOrder, label: str = "connectivity"):
        super().__init__(range(n * n), label)
        self.geo = Geometry.of(n)
        self.order = order
        self.memo: dict[tuple[int, int], int] = {}

    def propagate(self, dom: list[int]) -> list[int] | None:
        black, white = self.order.masks(dom)
        if not black:
            return []
        geo = self.geo
        free = geo.full & ~white
        first = black & -black
        key = (first, free)
        reach = self.memo.get(key)
        if reach is None:
            reach = self.memo[key] = geo.flood(first, free)
        if black & ~reach:
            return None
        pos = self.order.pos
        out = [pos[i] for i in bits(free & ~reach)]
        for v in out:
            dom[v] = WHITE
        return out

    def satisfied(self, values) -> bool:
        perm = self.order.perm
        m = 0
        for v, x in enumerate(values):
            if x == 1:
                m |= 1 << perm[v]
        return not m or self.geo.connected(m)


class NoBlock(Constraint):
    """Rule 2, no all-black 2x2 block, as one bit-parallel propagator over the whole grid (one ``Count`` per
    block would do the same with (n-1)² constraints and more queue work): a block with three black cells makes
    its fourth cell white; a fully black block is a contradiction."""

    __slots__ = ("geo", "order")

    def __init__(self, n: int, order: CellOrder, label: str = "2x2 rule"):
        super().__init__(range(n * n), label)
        self.geo = Geometry.of(n)
        self.order = order

    def propagate(self, dom: list[int]) -> list[int] | None:
        black, white = self.order.masks(dom)
        geo = self.geo
        n = geo.n
        anchors = geo.anchors
        b1 = black >> 1
        b2 = black >> n
        b3 = black >> (n + 1)
        if black & b1 & b2 & b3 & anchors:
            return None
        u = geo.full & ~black & ~white
        fw = ((u & b1 & b2 & b3 & anchors) | (((u >> 1) & black & b2 & b3 & anchors) << 1)
              | (((u >> n) & black & b1 & b3 & anchors) << n)
              | (((u >> (n + 1)) & black & b1 & b2 & anchors) << (n + 1)))
        pos = self.order.pos
        out = [pos[i] for i in bits(fw)]
        for v in out:
            dom[v] = WHITE
        return out

    def satisfied(self, values) -> bool:
        perm = self.order.perm
        m = 0
        for v, x in enumerate(values):
            if x == 1:
                m |= 1 << perm[v]
        return not any(q & m == q for q in self.geo.blocks)


@lru_cache(maxsize=16)
def _names(n: int) -> list[str]:
    return [f"({i // n},{i % n})" for i in range(n * n)]


@cache
def _clue_table(n: int, i: int, k: int) -> Table:
    """The ``Table`` of clue ``k`` at cell ``i`` over its in-grid neighbours' cells (benchmark reading);
    :func:`_table_on` puts a copy on the model's variables."""
    geo = Geometry.of(n)
    nb = tuple(j for j in geo.ring[i] if j >= 0)
    return Table(nb, (tuple(p >> j & 1 for j in nb) for p in geo.patterns(i, k)),
                 label=f"clue {k} at ({i // n},{i % n})")


def _table_on(table: Table, pos: list[int]) -> Table:
    """A copy of a cell-indexed ``table`` on the variables ``pos[cell]`` (the packed tuples are shared)."""
    out = copy.copy(table)
    out.vars = tuple(pos[c] for c in table.vars)
    return out


class Model:
    """The CSP of one clue set: clue cells fixed white; per clue a ``Table`` of its allowed neighbour patterns
    (rule 3); :class:`NoBlock` (rule 2); :class:`Connected` (rule 1). ``kinds[ci]`` describes constraint ``ci``
    for the trace: ("clue", r, c, k), ("block",) or ("conn",). Variables: the neighbours of the clues with the
    fewest patterns first, so the engine branches next to the tightest clues."""

    def __init__(self, n: int, clues):
        self.n = n
        self.geo = geo = Geometry.of(n)
        self.clues = [(int(r), int(c), int(k)) for r, c, k in clues]
        tables = [_clue_table(n, r * n + c, k) for r, c, k in self.clues]
        perm: list[int] = []
        seen = 0
        for r, c, _ in self.clues:
            seen |= 1 << (r * n + c)
        for t in sorted(tables, key=lambda t: (len(t.tuples), t.vars)):
            for cell in t.vars:
                if not seen >> cell & 1:
                    seen |= 1 << cell
                    perm.append(cell)
        perm += [i for i in range(n * n) if not seen >> i & 1]
        perm += [r * n + c for r, c, _ in self.clues]
        self.order = order = CellOrder(perm)
        pos = order.pos
        names = _names(n)
        domains = [WHITE | BLACKV] * (n * n)
        for r, c, _ in self.clues:
            domains[pos[r * n + c]] = WHITE
        self.csp = csp = CSP(domains, names=[names[cell] for cell in perm])
        self.kinds: list[tuple] = []
        for (r, c, k), t in zip(self.clues, tables):
            csp.add(_table_on(t, pos))
            self.kinds.append(("clue", r, c, k))
        csp.add(NoBlock(n, order))
        self.kinds.append(("block",))
        csp.add(Connected(n, order))
        self.kinds.append(("conn",))
        self.geo = geo

    def masks(self, res: SearchResult) -> list[int]:
        perm = self.order.perm
        return [sum(1 << perm[v] for v, x in enumerate(vals) if x == 1) for vals in res.solutions]

    def search(self, limit: int = 2, prefer: int | None = None, max_nodes: int | None = MAX_NODES,
               log: list | None = None) -> SearchResult:
        """The engine's search; ``prefer``: a black mask whose opposite value is tried first in every cell (so a
        rival solution turns up fast)."""
        order = None
        if prefer is not None:
            order = [(0, 1) if prefer >> cell & 1 else (1, 0) for cell in self.order.perm]
        return self.csp.search(limit, value_order=order, max_nodes=max_nodes, log=log)

    def solutions(self, limit: int = 2, prefer: int | None = None, max_nodes: int | None = MAX_NODES) -> list[int]:
        """Black masks of up to ``limit`` solutions; raises GenerationError past the node budget."""
        res = self.search(limit, prefer, max_nodes)
        if not res.complete:
            raise GenerationError("Tapa search budget exhausted")
        return self.masks(res)

    # ----- trace wording of the engine's log events -----------------------------------------------------------
    def deduce(self, ci: int, changes, before) -> str:
        kind = self.kinds[ci]
        geo = self.geo
        perm = self.order.perm
        fb = sum(1 << perm[v] for v, _, after in changes if after == BLACKV)
        fw = sum(1 << perm[v] for v, _, after in changes if after == WHITE)
        if kind[0] == "clue":
            _, r, c, k = kind
            parts = []
            if fb:
                parts.append(f"{geo.names(fb)} black")
            if fw:
                parts.append(f"{geo.names(fw)} white")
            alive = len(self.csp.constraints[ci].alive(before))
            return (f"Clue {k} at ({r},{c}): {alive} neighbour pattern(s) still fit, all making "
                    f"{' and '.join(parts)}.")
        if kind[0] == "block":
            return f"2x2 rule: {geo.names(fw)} would complete an all-black 2x2 block, so white."
        return f"Connectivity: {geo.names(fw)} cannot join the black group, so white."

    def fail(self, ci: int, before) -> str:
        kind = self.kinds[ci]
        if kind[0] == "clue":
            _, r, c, k = kind
            return f"Contradiction: clue {k} at ({r},{c}) can no longer be met."
        if kind[0] == "block":
            black, _ = self.order.masks(before)
            q = next(q for q in self.geo.blocks if q & black == q)
            return f"Contradiction: the 2x2 block {self.geo.names(q)} is all black."
        return "Contradiction: the white cells cut the black cells into separate groups."

    def explain(self, log: list) -> list[str]:
        name = self.csp.name
        return explain_search(
            log, deduce=self.deduce, fail=self.fail,
            leaf_fail=lambda ci: "Contradiction: " + ("the black cells are not one connected group."
                                                       if self.kinds[ci][0] == "conn" else "a rule is broken."),
            guess=lambda var, value, cands: f"Suppose {name(var)} is {'black' if value else 'white'}.",
            undo=lambda var, value: f"That fails, so {name(var)} is {'white' if value else 'black'}.",
            stuck="No rule forces more, so guess an undecided cell (next to the tightest clue first) and follow it.",
            dead_lines=DEAD_BRANCH_LINES)


def solutions(n: int, clues, limit: int = 2, max_nodes: int | None = None) -> list[int]:
    """Black masks of up to ``limit`` solutions of a clue set (the engine's search)."""
    return Model(n, clues).solutions(limit, max_nodes=max_nodes)


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
        sols = Model(n, clues).solutions(2, prefer=black)
        return len(sols) == 1

    @staticmethod
    def _unique_prefix(n: int, order, black: int):
        """The shortest prefix of ``order`` with a unique solution, i.e. what adding the clues one by one until
        the counter says 1 gives (None if all of them leave two solutions). Adding clues never adds solutions,
        so the prefix length is found by bisection; a rival solution found for a prefix also rules out every
        longer prefix whose extra clues it satisfies."""
        geo = Geometry.of(n)
        lo, hi = 0, len(order)  # prefix lo is ambiguous (or empty), prefix hi is unique once checked
        if len(Model(n, order).solutions(2, prefer=black)) != 1:
            return None
        while hi - lo > 1:
            mid = (lo + hi) // 2
            sols = Model(n, order[:mid]).solutions(2, prefer=black)
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

    def model(self, inst: Instance) -> Model:
        return Model(self.size(inst), inst.state["clues"])

    # ----- solving ---------------------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> Cells:
        sols = self.model(inst).solutions(1, max_nodes=None)
        if not sols:
            raise ValueError("this Tapa has no solution")
        return mask_cells(sols[0], self.size(inst))

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return answer_text(solution)

    def count(self, inst: Instance, limit: int = 2) -> int:
        return self.model(inst).csp.count_solutions(limit)

    def stats(self, inst: Instance) -> dict:
        model = self.model(inst)
        res = model.search(2, max_nodes=None)
        log: list = []
        model.search(1, max_nodes=None, log=log)
        return {"n": self.size(inst), "clues": len(inst.state["clues"]), "black_cells": len(self.solution(inst)),
                "search_nodes": res.nodes, "propagations": res.propagations,
                "guesses": sum(1 for ev in log if ev[0] == "branch"),
                "deductions": sum(len(ev[2]) for ev in log if ev[0] == "deduce")}

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
        model = self.model(inst)
        log: list = []
        res = model.search(1, max_nodes=None, log=log)
        if not res.solutions:
            raise ValueError("this Tapa has no solution")
        black = model.masks(res)[0]
        body = model.explain(log) + ["Every cell is decided and all rules hold."]
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
            if not Model(n, clues).solutions(1, max_nodes=50_000):
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

__all__ = ["LEVEL_BLACK", "LEVEL_CLUES", "LEVEL_SIZE", "TASK", "Geometry", "Model", "Tapa", "clue_group_sizes",
           "solutions",
           "consecutive_run", "eligible_clues", "parse_answer"]
