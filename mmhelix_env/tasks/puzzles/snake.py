"""Snake (MM-HELIX ``snake``): the path-drawing logic puzzle (not the Nibbles arcade game).

Draw a snake of orthogonally connected cells from S to E whose row and column cell counts match the clues,
and which never touches itself: cells two or more apart along the snake are never orthogonal neighbours,
cells three or more apart are never diagonal neighbours (spec/tasks/Snake.md).

Generation: the size and a target length from the level's ranges, S uniformly, then a randomized DFS that
adds a cell only when it keeps the no-touching rule; paths below the level's turn or detour floor are
redrawn; the counts come from the path, and the instance is kept only when the solution counter proves it
unique. Counter / solver / trace: the shared core.csp engine (:class:`Model`): one variable per snake position
and a :class:`SnakePath` constraint that grows the snake from both ends (forced steps, no touching, full rows and
columns, a walled-in head, and a travel and reach bound towards the other head); the engine branches on the head
with fewer candidate cells, and the trace is the engine's search log in words.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np

from ...core import GenerationError, Instance, ParseError, RecordError, Task, Verdict, record_field
from ...core.csp import CSP, Constraint, SearchResult, explain_search, values_of
from ...core.grid_puzzle import CellStepMixin, Grid, to_grid
from ...core.parsing import parse_coords
from ...render.canvas import WHITE
from ...render.puzzle_grid import Board, render_board

# level -> (sizes, (min cells, max cells), min turns, min detour)
LEVEL_PARAMS: dict[int, tuple[tuple[int, int], tuple[int, int], int, int]] = {
    1: ((5, 6), (7, 10), 2, 2),
    2: ((6, 7), (11, 16), 4, 2),
    3: ((8, 9), (18, 28), 7, 4),
    4: ((10, 11), (28, 42), 11, 6),
    5: ((12, 13), (40, 60), 16, 8),
}
MAX_DRAWS = 400
GROW_BUDGET = 4_000
COUNT_BUDGET = 150  # engine search nodes for the generator's uniqueness count
START_FILL = (44, 160, 44)
END_FILL = (214, 39, 40)
SNAKE_FILL = (120, 170, 230)
MARK = (150, 150, 160)
FORMAT_SENTENCE = ("Your answer should be a sequence of coordinates in the format (row,column) representing the path "
                   "from start to end.")
FORMAT_EXAMPLE = "(row1,col1) (row2,col2) (row3,col3) ..."

Cell = tuple[int, int]
_NOT_BARE = re.compile(r"[^0-9\s,]")
_INT = re.compile(r"\d+", re.ASCII)


@lru_cache(maxsize=32)
def geometry(n: int):
    """(orthogonal neighbour masks, diagonal neighbour masks, orthogonal neighbour lists, row masks, column masks)."""
    orth, diag, lists = [], [], []
    for i in range(n * n):
        r, c = divmod(i, n)
        nb = [(r + dr) * n + c + dc for dr, dc in ((-1, 0), (0, -1), (0, 1), (1, 0)) if 0 <= r + dr < n and
              0 <= c + dc < n]
        dg = [(r + dr) * n + c + dc for dr, dc in ((-1, -1), (-1, 1), (1, -1), (1, 1)) if 0 <= r + dr < n and
              0 <= c + dc < n]
        lists.append(tuple(nb))
        orth.append(sum(1 << j for j in nb))
        diag.append(sum(1 << j for j in dg))
    rows = tuple(sum(1 << (r * n + c) for c in range(n)) for r in range(n))
    cols = tuple(sum(1 << (r * n + c) for r in range(n)) for c in range(n))
    return tuple(orth), tuple(diag), tuple(lists), rows, cols


def turns_of(path: list[int], n: int) -> int:
    dirs = [b - a for a, b in zip(path, path[1:])]
    return sum(1 for a, b in zip(dirs, dirs[1:]) if a != b)


def detour_of(path: list[int], n: int) -> int:
    (r0, c0), (r1, c1) = divmod(path[0], n), divmod(path[-1], n)
    return len(path) - 1 - abs(r0 - r1) - abs(c0 - c1)


def counts_of(path, n: int) -> tuple[list[int], list[int]]:
    rows, cols = [0] * n, [0] * n
    for i in path:
        rows[i // n] += 1
        cols[i % n] += 1
    return rows, cols


@lru_cache(maxsize=32)
def balls(n: int) -> tuple[tuple[int, ...], ...]:
    """balls[c][t]: the cells within Manhattan distance t of cell c (t = 0 .. 2n - 2)."""
    out = []
    for i in range(n * n):
        r, c = divmod(i, n)
        dist = [abs(r - j // n) + abs(c - j % n) for j in range(n * n)]
        out.append(tuple(sum(1 << j for j in range(n * n) if dist[j] <= t) for t in range(2 * n - 1)))
    return tuple(out)


# ---------------------------------------------------------------------------------------------------------------
# generation


def grow(rng: np.random.Generator, n: int, length: int) -> list[int] | None:
    """A random non-touching path of ``length`` cells (randomized DFS with backtracking), or None."""
    orth, diag, lists, _, _ = geometry(n)
    start = int(rng.integers(n * n))
    keys = rng.random(GROW_BUDGET * 4).tolist()
    k = 0
    path = [start]
    forbid = [1 << start]  # forbid[L]: cells the next cell may not take when the path has L+1 cells
    options: list[list[int]] = []
    nodes = 0

    def choices() -> list[int]:
        nonlocal k
        end = path[-1]
        f = forbid[-1]
        cand = [x for x in lists[end] if not f >> x & 1]
        if len(cand) > 1:
            w = keys[k:k + len(cand)]
            k += len(cand)
            cand = [x for _, x in sorted(zip(w, cand))]
        return cand

    options.append(choices())
    while path:
        nodes += 1
        if nodes > GROW_BUDGET or k + 4 > len(keys):
            return None
        if len(path) == length:
            return path
        if not options[-1]:
            options.pop()
            forbid.pop()
            path.pop()
            continue
        x = options[-1].pop()
        f = forbid[-1] | (1 << x) | orth[path[-1]]
        if len(path) >= 2:
            f |= diag[path[-2]]
        path.append(x)
        forbid.append(f)
        options.append(choices())
    return None



# ---------------------------------------------------------------------------------------------------------------
# solver / counter: a core.csp model


@lru_cache(maxsize=32)
def _edge_masks(n: int) -> tuple[int, int, int]:
    """(all cells, cells not in column 0, cells not in column n-1): the masks for shifting cell sets sideways."""
    _, _, _, _, colm = geometry(n)
    full = (1 << (n * n)) - 1
    return full, full & ~colm[0], full & ~colm[n - 1]


def _orth_of(m: int, n: int, not_first: int, not_last: int, full: int) -> int:
    """The orthogonal neighbours of a set of cells (the set itself not included unless neighbouring)."""
    return (((m << 1) & not_first) | ((m >> 1) & not_last) | (m << n) | (m >> n)) & full


def _diag_of(m: int, n: int, not_first: int, not_last: int, full: int) -> int:
    side = ((m << 1) & not_first) | ((m >> 1) & not_last)
    return ((side << n) | (side >> n)) & full


def _travel(n: int, x: int, t: int, left: int, rneed: int, cneed: int) -> bool:
    """From x, ``left`` steps can end at t (distance and parity) after visiting every row in ``rneed`` and every
    column in ``cneed`` (bit sets of the rows and columns that still need cells)."""
    xr, xc = divmod(x, n)
    er, ec = divmod(t, n)
    d = abs(xr - er) + abs(xc - ec)
    if d > left or (left - d) & 1:
        return False
    if rneed:
        lo, hi = (rneed & -rneed).bit_length() - 1, rneed.bit_length() - 1
        v = hi - lo + min(abs(xr - lo) + abs(hi - er), abs(xr - hi) + abs(lo - er))
    else:
        v = abs(xr - er)
    if cneed:
        lo, hi = (cneed & -cneed).bit_length() - 1, cneed.bit_length() - 1
        h = hi - lo + min(abs(xc - lo) + abs(hi - ec), abs(xc - hi) + abs(lo - ec))
    else:
        h = abs(xc - ec)
    return v + h <= left


def _reachable(x: int, target: int, avail: int, left: int, ball: tuple[int, ...], n: int, not_first: int,
               not_last: int, rneed: int, cneed: int, rowm, colm, rows, cols) -> bool:
    """From x, a BFS through ``avail`` within ``left`` steps, keeping a cell at depth k only if it lies within
    left - k steps of ``target`` (``ball[t]``); the target and at least ``left`` cells must be usable, and so must
    the cells every still-needy row and column (``rneed``/``cneed`` bit sets, remaining counts ``rows``/``cols``)
    requires."""
    frontier = 1 << x
    usable = 0
    for t in range(left - 1, -1, -1):
        frontier = (((frontier << 1) & not_first) | ((frontier >> 1) & not_last) | (frontier << n)
                    | (frontier >> n)) & avail
        if not frontier:
            break
        avail ^= frontier
        usable |= frontier & ball[t]
    if not usable >> target & 1 or usable.bit_count() < left:
        return False
    m = rneed
    while m:
        b = m & -m
        m ^= b
        r = b.bit_length() - 1
        if (usable & rowm[r]).bit_count() < rows[r]:
            return False
    m = cneed
    while m:
        b = m & -m
        m ^= b
        c = b.bit_length() - 1
        if (usable & colm[c]).bit_count() < cols[c]:
            return False
    return True


@lru_cache(maxsize=32)
def padded_balls(n: int) -> tuple[tuple[int, ...], ...]:
    """padded_balls(n)[c][t]: the cells within Manhattan distance t of cell c, for t = 0 .. n * n."""
    return tuple(b + (b[-1],) * (n * n + 1 - len(b)) for b in balls(n))


def is_snake(path: list[int], n: int, rows0: list[int], cols0: list[int]) -> bool:
    """Every rule at once: distinct orthogonally adjacent cells, no touching, every count met."""
    orth, diag, _, _, _ = geometry(n)
    if len(set(path)) != len(path) or counts_of(path, n) != (rows0, cols0):
        return False
    near = far = 0  # the cells two and three or more steps back
    for i, c in enumerate(path):
        if i and not orth[path[i - 1]] >> c & 1:
            return False
        if orth[c] & near or diag[c] & far:
            return False
        if i >= 1:
            near |= 1 << path[i - 1]
        if i >= 2:
            far |= 1 << path[i - 2]
    return True


def feasible(n: int, start: int, end: int, rows, cols) -> bool:
    """The counts fit the grid and leave room for S and E (a cheap check before any search)."""
    if len(rows) != n or len(cols) != n or any(x < 0 or x > n for x in list(rows) + list(cols)):
        return False
    sr, sc = divmod(start, n)
    er, ec = divmod(end, n)
    return sum(rows) == sum(cols) >= 2 and start != end and bool(rows[sr] and cols[sc] and rows[er] and cols[ec])


class SnakePath(Constraint):
    """The snake rules over the position variables (variable k: the k-th snake cell, a bit set of cells; S is
    variable 0, E variable L-1). The fixed variables form a piece grown from S and one grown from E; each call
    extends them while only one cell can come next. A next cell must keep the no-touching rule with its own
    piece, stay clear (orthogonally and diagonally) of the other piece while at least two more cells are to
    come between the heads, keep every row and column within its count, and leave the other head reachable in
    exactly the remaining number of steps (distance and parity, through every row and column that still needs
    cells, and by a BFS in the free cells that must find enough cells for each of them). Of the two heads, the
    one with fewer candidate cells (S's on ties) gets this full test; the engine then branches on it, since its
    domain is the smallest. With two or fewer cells left the candidates are just the free common neighbours,
    and a finished snake is checked against every rule."""

    __slots__ = ("n", "rows0", "cols0", "length", "notes")

    def __init__(self, n: int, rows0, cols0, label: str = "snake"):
        length = sum(rows0)
        super().__init__(range(length), label)
        self.n = n
        self.rows0 = [int(x) for x in rows0]
        self.cols0 = [int(x) for x in cols0]
        self.length = length
        self.notes: list | None = None  # set to a list to record why candidates go (traces)

    def satisfied(self, values) -> bool:
        return is_snake(list(values), self.n, self.rows0, self.cols0)

    def _note(self, *item) -> None:
        if self.notes is not None:
            self.notes.append(item)

    def _done(self, dom: list[int], changed: list[int]) -> list[int] | None:
        if is_snake([m.bit_length() - 1 for m in dom], self.n, self.rows0, self.cols0):
            return changed
        self._note("broken")
        return None

    def propagate(self, dom: list[int]) -> list[int] | None:
        size = self.length
        n = self.n
        try:
            fixed = bytes(map(int.bit_count, dom))
        except ValueError:  # more than 255 values: only "one or more" matters here
            fixed = bytes(min(m.bit_count(), 2) for m in dom)
        a = size - len(fixed.lstrip(b"\x01")) - 1  # the head of the piece from S is variable a
        b = len(fixed.rstrip(b"\x01"))  # the head of the piece from E is variable b
        if a >= size - 1:
            return self._done(dom, [])
        orth, diag, _, rowm, colm = geometry(n)
        full, not_first, not_last = _edge_masks(n)
        piece_a = piece_b = 0
        for m in dom[:a + 1]:
            piece_a |= m
        for m in dom[b:]:
            piece_b |= m
        used = piece_a | piece_b
        if used.bit_count() != a + 1 + size - b:
            self._note("repeat")
            return None
        rows = [self.rows0[r] - (used & rowm[r]).bit_count() for r in range(n)]
        cols = [self.cols0[c] - (used & colm[c]).bit_count() for c in range(n)]
        if min(rows) < 0 or min(cols) < 0:
            self._note("overfull")
            return None
        allowed = full & ~used
        rneed = cneed = 0
        for r in range(n):
            if rows[r]:
                rneed |= 1 << r
            else:
                allowed &= ~rowm[r]
        for c in range(n):
            if cols[c]:
                cneed |= 1 << c
            else:
                allowed &= ~colm[c]
        head_a = dom[a].bit_length() - 1
        head_b = dom[b].bit_length() - 1
        prev_a = dom[a - 1].bit_length() - 1 if a >= 1 else -1
        prev_b = dom[b + 1].bit_length() - 1 if b + 1 < size else -1
        # forbidden for the next cell of a piece: its cells, the orthogonal neighbours of all but its head and the
        # diagonal neighbours of all but its last two cells; clear: the piece with all its neighbours
        body = piece_a & ~(1 << head_a)
        older = body & ~(1 << prev_a) if prev_a >= 0 else body
        forbid_a = piece_a | _orth_of(body, n, not_first, not_last, full) | _diag_of(older, n, not_first, not_last,
                                                                                      full)
        body = piece_b & ~(1 << head_b)
        older = body & ~(1 << prev_b) if prev_b >= 0 else body
        forbid_b = piece_b | _orth_of(body, n, not_first, not_last, full) | _diag_of(older, n, not_first, not_last,
                                                                                      full)
        near_a = piece_a | _orth_of(piece_a, n, not_first, not_last, full) | _diag_of(piece_a, n, not_first,
                                                                                       not_last, full)
        near_b = piece_b | _orth_of(piece_b, n, not_first, not_last, full) | _diag_of(piece_b, n, not_first,
                                                                                       not_last, full)
        balls_ = padded_balls(n)
        notes = self.notes
        changed: list[int] = []
        while True:
            left = b - a - 1  # cells still to place between the heads
            if left <= 2:
                return self._endgame(dom, changed, a, b, head_a, head_b, allowed)
            cand_a = orth[head_a] & ~forbid_a & ~near_b & allowed & dom[a + 1]
            cand_b = orth[head_b] & ~forbid_b & ~near_a & allowed & dom[b - 1]
            if notes is not None:
                self._note_blocked(a + 1, head_a, cand_a, forbid_a, near_b, allowed, used, rows, cols)
                self._note_blocked(b - 1, head_b, cand_b, forbid_b, near_a, allowed, used, rows, cols)
            if not cand_a or not cand_b:
                self._note("stuck", a + 1 if not cand_a else b - 1)
                return None
            from_s = cand_a.bit_count() <= cand_b.bit_count()
            if from_s:
                var, cand, own, cur, prev, other, other_var = a + 1, cand_a, forbid_a, head_a, prev_a, head_b, b - 1
                other_forbid, other_cand = forbid_b, cand_b
            else:
                var, cand, own, cur, prev, other, other_var = b - 1, cand_b, forbid_b, head_b, prev_b, head_a, a + 1
                other_forbid, other_cand = forbid_a, cand_a
            if other_cand != dom[other_var]:
                dom[other_var] = other_cand
                changed.append(other_var)
            base = own | orth[cur] | diag[prev] if prev >= 0 else own | orth[cur]
            keep = 0
            m = cand
            while m:
                bx = m & -m
                m ^= bx
                x = bx.bit_length() - 1
                nf = base | bx
                if nf >> other & 1:
                    if notes is not None:
                        notes.append(("walls", var, x, other))
                    continue
                xr, xc = divmod(x, n)
                rows[xr] -= 1
                cols[xc] -= 1
                na, nr, nc = allowed, rneed, cneed
                if rows[xr] == 0:
                    na &= ~rowm[xr]
                    nr &= ~(1 << xr)
                if cols[xc] == 0:
                    na &= ~colm[xc]
                    nc &= ~(1 << xc)
                if not _travel(n, x, other, left, nr, nc):
                    if notes is not None:
                        notes.append(("far", var, x, other, left))
                elif not _reachable(x, other, ((na & ~nf & ~other_forbid) | 1 << other) & ~bx, left, balls_[other],
                                    n, not_first, not_last, nr, nc, rowm, colm, rows, cols):
                    if notes is not None:
                        notes.append(("cut", var, x, other, left))
                else:
                    keep |= bx
                rows[xr] += 1
                cols[xc] += 1
            if not keep:
                self._note("stuck", var)
                return None
            if keep != dom[var]:
                dom[var] = keep
                changed.append(var)
            if keep & (keep - 1):
                return changed
            x = keep.bit_length() - 1  # one way on: extend the piece
            if notes is not None:
                notes.append(("forced", var, x))
            xr, xc = divmod(x, n)
            rows[xr] -= 1
            cols[xc] -= 1
            if rows[xr] == 0:
                allowed &= ~rowm[xr]
                rneed &= ~(1 << xr)
            if cols[xc] == 0:
                allowed &= ~colm[xc]
                cneed &= ~(1 << xc)
            allowed &= ~keep
            used |= keep
            around = keep | orth[x] | diag[x]
            if from_s:
                forbid_a = base | keep
                near_a |= around
                prev_a, head_a, a = head_a, x, a + 1
            else:
                forbid_b = base | keep
                near_b |= around
                prev_b, head_b, b = head_b, x, b - 1

    def _endgame(self, dom: list[int], changed: list[int], a: int, b: int, head_a: int, head_b: int,
                 allowed: int) -> list[int] | None:
        """One or two cells left between the heads: free cells next to the heads (and to each other)."""
        orth = geometry(self.n)[0]
        if b - a - 1 <= 0:
            return self._done(dom, changed)
        cand_a = dom[a + 1] & orth[head_a] & allowed
        if b - a - 1 == 1:
            cand_a &= orth[head_b]
            cand_b = cand_a
        else:
            full, not_first, not_last = _edge_masks(self.n)
            cand_b = dom[b - 1] & orth[head_b] & allowed
            cand_a, cand_b = (cand_a & _orth_of(cand_b, self.n, not_first, not_last, full),
                              cand_b & _orth_of(cand_a, self.n, not_first, not_last, full))
        if not cand_a or not cand_b:
            self._note("stuck", a + 1 if not cand_a else b - 1)
            return None
        for var, cand in ((a + 1, cand_a), (b - 1, cand_b)):
            if cand != dom[var]:
                dom[var] = cand
                changed.append(var)
        if not cand_a & (cand_a - 1) and not cand_b & (cand_b - 1):
            return self._done(dom, changed)
        return changed

    def _note_blocked(self, var: int, head: int, cand: int, forbid: int, near_other: int, allowed: int, used: int,
                      rows: list[int], cols: list[int]) -> None:
        """Trace notes: why the head's other neighbours cannot come next."""
        n = self.n
        for y in geometry(n)[2][head]:
            if cand >> y & 1 or used >> y & 1:
                continue
            yr, yc = divmod(y, n)
            if not rows[yr]:
                self.notes.append(("row", var, y, yr))
            elif not cols[yc]:
                self.notes.append(("col", var, y, yc))
            elif forbid >> y & 1:
                self.notes.append(("touch", var, y))
            elif near_other >> y & 1:
                self.notes.append(("near", var, y))


class Model:
    """A Snake puzzle as a core.csp CSP: variable k is the k-th cell of the snake (S is 0, E is L - 1, L = the sum
    of the row counts), every middle variable starting with the cells of the rows and columns whose count is not
    0; one :class:`SnakePath` constraint. The engine's fewest-values branching then picks the head (of the pieces
    grown from S and from E) with fewer candidate cells, S's on ties, since a head has at most four candidates and
    a middle variable keeps at least L - 2 cells. (On a snake of six cells or fewer the engine may pick a middle
    variable; the constraint only narrows next to the two pieces and checks the finished snake, so it stays
    exact.)"""

    def __init__(self, n: int, start: int, end: int, rows, cols):
        self.n = n
        self.start = start
        self.end = end
        self.rows = [int(x) for x in rows]
        self.cols = [int(x) for x in cols]
        self.ok = feasible(n, start, end, self.rows, self.cols)
        self.length = sum(self.rows) if self.ok else 0
        _, _, _, rowm, colm = geometry(n)
        area = sum(rowm[r] for r in range(n) if self.rows[r] > 0) if self.ok else 0
        area &= sum(colm[c] for c in range(n) if self.cols[c] > 0) if self.ok else 0
        middle = area & ~(1 << start) & ~(1 << end)
        self.csp = CSP([1 << start] + [middle] * (self.length - 2) + [1 << end] if self.ok else [],
                       names=[f"snake cell {k}" for k in range(self.length)])
        self.path = self.csp.add(SnakePath(n, self.rows, self.cols)) if self.ok else None
        self.result = SearchResult(0)

    def search(self, limit: int = 2, max_nodes: int | None = COUNT_BUDGET, log: list | None = None
               ) -> tuple[list[list[int]], bool]:
        """(up to ``limit`` snakes as cell-index lists, complete?)."""
        if not self.ok:
            self.result = SearchResult(0)
            return [], True
        self.result = self.csp.search(limit, max_nodes=max_nodes, log=log)
        return self.result.solutions, self.result.complete

    # ----- trace --------------------------------------------------------------------------------------------
    def explain(self) -> tuple[list[str], list[int] | None]:
        """The search for one snake, in words (from the engine's search log), and the snake."""
        log: list = []
        sols, _ = self.search(1, max_nodes=None, log=log)
        if self.path is None:
            return ["The counts do not fit the grid, S and E."], None
        n, path = self.n, self.path

        def cell(x: int) -> str:
            return fmt(divmod(x, n))

        def which(var: int) -> str:
            return f"cell {var}"

        def notes_of(before) -> list:
            path.notes = []
            try:
                path.propagate(list(before))
                return path.notes
            finally:
                path.notes = None

        def words(notes, changes) -> list[str]:
            out, reasons = [], {}
            forced = {item[1] for item in notes if item[0] == "forced"}
            for item in notes:
                kind, var = item[0], item[1] if len(item) > 1 else None
                if kind in ("row", "col"):
                    line = f"{cell(item[2])} is in {'row' if kind == 'row' else 'column'} {item[3]}, which is full"
                elif kind == "touch":
                    line = f"{cell(item[2])} would touch the snake"
                elif kind == "near":
                    line = f"{cell(item[2])} would touch the other end's piece"
                elif kind == "walls":
                    line = f"{cell(item[2])} would touch the other head {cell(item[3])}"
                elif kind == "far":
                    line = (f"{cell(item[2])} leaves {item[4]} steps to {cell(item[3])}, too few (or the wrong parity) "
                            "to pass every row and column that still needs cells")
                elif kind == "cut":
                    line = (f"{cell(item[2])} cuts off {cell(item[3])} or cells that some row or column still needs "
                            f"within {item[4]} steps")
                elif kind == "forced":
                    reasons.setdefault(var, [])
                    why = "; ".join(dict.fromkeys(reasons.pop(var)))
                    out.append(f"{which(var).capitalize()} must be {cell(item[2])}" + (f" ({why})" if why else "")
                               + ".")
                    continue
                else:
                    continue
                reasons.setdefault(var, []).append(line)
            for var, _, after in changes:
                if after & (after - 1):
                    why = "; ".join(dict.fromkeys(reasons.pop(var, [])))
                    out.append(f"{which(var).capitalize()} is one of {_cells(after, n)}" + (f" ({why})" if why else "")
                               + ".")
                elif var not in forced:
                    out.append(f"{which(var).capitalize()} must be {cell(after.bit_length() - 1)}, next to both "
                               "heads.")
            return out

        def deduce(ci: int, changes, before) -> str:
            return " ".join(words(notes_of(before), changes)) or "Nothing new."

        def fail(ci: int, before) -> str:
            notes = notes_of(before)
            text = " ".join(words(notes, []))
            last = notes[-1] if notes else ("broken",)
            if last[0] == "stuck":
                end = f"Contradiction: no cell can be {which(last[1])}."
            elif last[0] == "overfull":
                end = "Contradiction: a row or column has more snake cells than its count."
            else:
                end = "Contradiction: the finished snake breaks a rule."
            return f"{text} {end}".strip()

        def guess(var: int, value: int, cands: int) -> str:
            return f"Try {which(var)} = {cell(value)} (of {_cells(cands, n)})."

        def undo(var: int, value: int) -> str:
            return f"That fails, so {which(var)} is not {cell(value)}."

        lines = explain_search(log, deduce=deduce, fail=fail,
                               leaf_fail=lambda ci: "Contradiction: the finished snake breaks a rule.",
                               guess=guess, undo=undo,
                               stuck="No cell is forced at either end; try the candidates of the end with fewer.")
        return lines, (sols[0] if sols else None)


def _cells(mask: int, n: int) -> str:
    return ", ".join(fmt(divmod(x, n)) for x in values_of(mask))


# ---------------------------------------------------------------------------------------------------------------
# checking


def snake_problems(path: list[Cell], n: int, start: Cell, end: Cell) -> tuple[list[bool], list[str]]:
    """(passed flags for: endpoints, distinct, connected, no touching; reasons of the failed ones)."""
    reasons: list[str] = []
    ends_ok = path[0] == start and path[-1] == end
    if not ends_ok:
        reasons.append(f"the snake must run from S {fmt(start)} to E {fmt(end)}, but runs from {fmt(path[0])} to "
                       f"{fmt(path[-1])}")
    pos: dict[Cell, int] = {}
    dup = None
    for i, cell in enumerate(path):
        if cell in pos and dup is None:
            dup = (cell, pos[cell], i)
        pos.setdefault(cell, i)
    if dup:
        reasons.append(f"cell {fmt(dup[0])} is used twice (steps {dup[1] + 1} and {dup[2] + 1})")
    gap = next((i for i in range(len(path) - 1)
                if abs(path[i][0] - path[i + 1][0]) + abs(path[i][1] - path[i + 1][1]) != 1), None)
    if gap is not None:
        reasons.append(f"{fmt(path[gap])} and {fmt(path[gap + 1])} (steps {gap + 1} and {gap + 2}) are not "
                       "orthogonal neighbours")
    touch = None
    for i, (r, c) in enumerate(path):
        for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
            j = pos.get((r + dr, c + dc))
            if j is None:
                continue
            far = 2 if dr == 0 or dc == 0 else 3
            if abs(i - j) >= far:
                touch = ((r, c), (r + dr, c + dc), "orthogonally" if far == 2 else "diagonally")
                break
        if touch:
            break
    if touch:
        reasons.append(f"the snake touches itself {touch[2]} at {fmt(touch[0])} and {fmt(touch[1])}")
    return [ends_ok, dup is None, gap is None, touch is None], reasons


def fmt(cell: Cell) -> str:
    return f"({cell[0]},{cell[1]})"


def path_text(path) -> str:
    return " ".join(fmt(c) for c in path)


class Snake(CellStepMixin, Task):
    name = "Snake"
    category = "puzzles"
    benchmark_id = "snake"
    generator_key = "snake"
    score_function = "snake_evaluator"
    version = "2"  # 2: uniqueness counted by core.csp (node budget in engine nodes)
    answer_format = "the path as (row,column) cells from S to E separated by spaces, e.g. (0,1) (1,1) (2,1)"
    max_answer_chars = 20_000
    code_text = {1: "#", 2: "x"}

    # ----- generation ------------------------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        sizes, (lo, hi), min_turns, min_detour = LEVEL_PARAMS[level]
        for _ in range(MAX_DRAWS):
            n = int(sizes[int(rng.integers(2))])
            length = int(rng.integers(lo, hi + 1))
            path = grow(rng, n, length)
            if path is None or turns_of(path, n) < min_turns or detour_of(path, n) < min_detour:
                continue
            rows, cols = counts_of(path, n)
            sols, done = Model(n, path[0], path[-1], rows, cols).search(2)
            if not done or len(sols) != 1:
                continue
            state = {"n": n, "start": list(divmod(path[0], n)), "end": list(divmod(path[-1], n)),
                     "row_counts": rows, "col_counts": cols}
            return state, tuple(divmod(i, n) for i in path)
        raise GenerationError(f"Snake: no unique puzzle at level {level}")  # pragma: no cover

    # ----- helpers ---------------------------------------------------------------------------------------------
    @staticmethod
    def size(inst: Instance) -> int:
        return int(inst.state["n"])

    @staticmethod
    def ends(inst: Instance) -> tuple[Cell, Cell]:
        s, e = inst.state["start"], inst.state["end"]
        return (int(s[0]), int(s[1])), (int(e[0]), int(e[1]))

    def model(self, inst: Instance) -> Model:
        n = self.size(inst)
        (sr, sc), (er, ec) = self.ends(inst)
        return Model(n, sr * n + sc, er * n + ec, inst.state["row_counts"], inst.state["col_counts"])

    # ----- solving ---------------------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> tuple[Cell, ...]:
        sols, _ = self.model(inst).search(1, max_nodes=None)
        if not sols:
            raise ValueError("this Snake puzzle has no solution")
        n = self.size(inst)
        return tuple(divmod(i, n) for i in sols[0])

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return path_text(solution)

    def count(self, inst: Instance, limit: int = 2) -> int:
        return len(self.model(inst).search(limit, max_nodes=None)[0])

    def stats(self, inst: Instance) -> dict:
        """Solver work (the engine's uniqueness count, limit 2: search nodes and propagator calls) and the snake's
        size and shape."""
        n = self.size(inst)
        model = self.model(inst)
        model.search(2, max_nodes=None)
        path = [r * n + col for r, col in self.solution(inst)]
        return {"n": n, "cells": len(path), "turns": turns_of(path, n), "detour": detour_of(path, n),
                "search_nodes": model.result.nodes, "propagations": model.result.propagations}

    # ----- verification ----------------------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        try:
            path = parse_coords(answer, max_chars=self.max_answer_chars, max_items=2_000)
        except ParseError:
            # a bare run of integers "r0 c0 r1 c1 ..." (how a stored [[r, c], ...] list is flattened)
            if "(" in answer or "[" in answer or _NOT_BARE.search(answer):
                raise
            nums = [int(x) for x in _INT.findall(answer)]
            if len(nums) % 2 or len(nums) > 4_000:
                raise ParseError(f"expected (row,column) pairs; found {len(nums)} bare integers") from None
            path = list(zip(nums[::2], nums[1::2]))
        if len(path) < 2:
            raise ParseError(f"a snake needs at least two cells; found {len(path)}")
        return self.check_path(inst, [tuple(p) for p in path])

    def check_path(self, inst: Instance, path: list[Cell]) -> Verdict:
        n = self.size(inst)
        start, end = self.ends(inst)
        outside = next((p for p in path if not (0 <= p[0] < n and 0 <= p[1] < n)), None)
        if outside is not None:
            return Verdict.fail(f"cell {fmt(outside)} is outside the {n}x{n} grid (rows and columns 0-{n - 1})",
                                0.0, path)
        if path[0] == end and path[-1] == start:
            path = path[::-1]
        flags, reasons = snake_problems(path, n, start, end)
        rows, cols = counts_of([r * n + c for r, c in set(path)], n)
        want_r = [int(x) for x in inst.state["row_counts"]]
        want_c = [int(x) for x in inst.state["col_counts"]]
        bad_r = [i for i in range(n) if rows[i] != want_r[i]]
        bad_c = [i for i in range(n) if cols[i] != want_c[i]]
        for i in bad_r[:2]:
            reasons.append(f"row {i} has {rows[i]} snake cells, its count is {want_r[i]}")
        for i in bad_c[:2]:
            reasons.append(f"column {i} has {cols[i]} snake cells, its count is {want_c[i]}")
        if len(bad_r) + len(bad_c) > 4:
            reasons.append(f"{len(bad_r) + len(bad_c)} count lines wrong in all")
        score = 0.125 * sum(flags) + 0.5 * (2 * n - len(bad_r) - len(bad_c)) / (2 * n)
        if not reasons:
            return Verdict.ok(tuple(path), "correct: a non-touching snake from S to E matching every row and column "
                                           "count")
        return Verdict.fail("; ".join(reasons), score, tuple(path))  # Verdict keeps a wrong score below 1

    # ----- presentation ----------------------------------------------------------------------------------------
    def board(self, inst: Instance, play: Any = None) -> Board:
        n = self.size(inst)
        start, end = self.ends(inst)
        fills, dots = {}, {}
        if play is not None:
            for r in range(n):
                for c in range(n):
                    if play[r][c] == 1:
                        fills[(r, c)] = SNAKE_FILL
                    elif play[r][c] == 2:
                        dots[(r, c)] = MARK
        fills[start] = START_FILL
        fills[end] = END_FILL
        return Board(n, n, values={start: "S", end: "E"}, given={start, end}, colors={start: WHITE, end: WHITE},
                     fills=fills, dots=dots, text_scale=0.55,
                     clues={"right": [str(x) for x in inst.state["row_counts"]],
                            "bottom": [str(x) for x in inst.state["col_counts"]]},
                     coords=0, coord_sides=("top", "left"))

    def render(self, inst: Instance, play: Any = None, size: int = 512):
        return render_board(self.board(inst, play), size)[0]

    RULES = ("### Rules:\n"
             "1. Draw a single snake: a sequence of cells from the start cell S to the end cell E in which each "
             "cell is orthogonally adjacent (up, down, left or right) to the next one; no cell is used twice.\n"
             "2. The snake never touches itself: two snake cells that are not consecutive along the snake may not "
             "share a side, and they may not touch diagonally either, except for the two cells on either side of "
             "a turn (which always touch at a corner).\n"
             "3. The count for each row is the number of snake cells in that row, and the count for each column "
             "is the number of snake cells in that column (S and E included).\n")

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        fmt_part = (f"### Answer format:\n{FORMAT_SENTENCE}\nFor example: {FORMAT_EXAMPLE}\n"
                    "Rows and columns are numbered from 0, with (0,0) the top-left cell.\n")
        if modality == "image":
            return ("You are given an image of a Snake puzzle grid. The green cell marked S is the start and the red "
                    "cell marked E is the end. The number to the right of each row is that row's count and the "
                    "number below each column is that column's count. The small numbers above the grid and to its "
                    "left are the column and row indices (zero-based, (0,0) is the top-left cell).\n\n"
                    f"{self.RULES}\n{fmt_part}")
        if modality == "text":
            n = self.size(inst)
            start, end = self.ends(inst)
            grid = []
            for r in range(n):
                grid.append(" ".join("S" if (r, c) == start else "E" if (r, c) == end else "." for c in range(n)))
            rows = ", ".join(str(x) for x in inst.state["row_counts"])
            cols = ", ".join(str(x) for x in inst.state["col_counts"])
            return (f"You are given a Snake puzzle on a {n}x{n} grid.\n\n{self.RULES}\n### Puzzle:\n"
                    f"Start S: {fmt(start)}\nEnd E: {fmt(end)}\n"
                    f"Row counts (row 0 to row {n - 1}): {rows}\n"
                    f"Column counts (column 0 to column {n - 1}): {cols}\n"
                    "Grid (S = start, E = end, . = empty):\n" + "\n".join(grid) + f"\n\n{fmt_part}")
        raise ValueError(f"unknown modality {modality!r}; use 'image' or 'text'")

    # ----- trace -----------------------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        n = self.size(inst)
        start, end = self.ends(inst)
        rows = [int(x) for x in inst.state["row_counts"]]
        cols = [int(x) for x in inst.state["col_counts"]]
        body, cells = self.model(inst).explain()
        if cells is None:
            raise ValueError("this Snake puzzle has no solution")
        sol = [divmod(x, n) for x in cells]
        zr = [i for i in range(n) if rows[i] == 0]
        zc = [i for i in range(n) if cols[i] == 0]
        lines = [
            f"Snake on a {n}x{n} grid from S {fmt(start)} to E {fmt(end)}. Row counts: {rows}; column counts: "
            f"{cols}. The snake has {sum(rows)} cells: cell 0 is S, cell {sum(rows) - 1} is E.",
            "Rows with count 0 (no snake cell): " + (", ".join(map(str, zr)) or "none") + "; columns with count 0: "
            + (", ".join(map(str, zc)) or "none") + ".",
            "Grow the snake from both ends. A cell cannot come next when it is in a full row or column, touches the "
            "snake, touches the piece grown from the other end, or leaves too few steps (or the wrong parity) to "
            "pass every row and column that still needs cells and meet the other end. When one cell is left it is "
            "forced; otherwise try the candidates of the end with fewer:",
            *body,
            f"The snake is complete with every count met and no self-contact ({len(sol)} cells).",
        ]
        return "\n".join(lines) + "\nAnswer: " + path_text(sol)

    # ----- reference records -----------------------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        size = record_field(record.get("grid_size"))
        init = record_field(record.get("initial_state"))
        n = None
        if isinstance(size, dict):
            try:
                n = int(size.get("rows", size.get("n")))
                if int(size.get("cols", n)) != n:
                    raise RecordError("only square grids are supported")
            except (TypeError, ValueError):
                n = None
        if n is None and isinstance(init, (list, tuple)):
            n = len(init)
        if n is None or not 3 <= n <= 20:
            raise RecordError("no grid size (grid_size or initial_state)")
        start, end = _cell_field(record.get("start")), _cell_field(record.get("end"))
        if (start is None or end is None) and isinstance(init, (list, tuple)):
            for r, row in enumerate(init):
                for c, v in enumerate(row if isinstance(row, (list, tuple)) else ()):
                    if v == "S" and start is None:
                        start = (r, c)
                    elif v == "E" and end is None:
                        end = (r, c)
        if start is None or end is None:
            raise RecordError("no start / end (start, end or S/E in initial_state)")
        if not all(0 <= x < n for x in start + end) or start == end:
            raise RecordError(f"start {start} / end {end} is not a pair of distinct cells in the {n}x{n} grid")
        rows, cols = record_field(record.get("row_counts")), record_field(record.get("col_counts"))
        if rows is None or cols is None:
            path = self._record_path(record)
            if path is None:
                raise RecordError("no row_counts / col_counts and no stored path to recompute them from")
            if any(not (0 <= r < n and 0 <= c < n) for r, c in path) or len(set(path)) != len(path):
                raise RecordError("the stored path leaves the grid or repeats a cell")
            rows, cols = counts_of([r * n + c for r, c in path], n)
        try:
            rows = [int(x) for x in rows]
            cols = [int(x) for x in cols]
        except (TypeError, ValueError) as err:
            raise RecordError(f"bad counts: {err}") from None
        state = {"n": n, "start": list(start), "end": list(end), "row_counts": rows, "col_counts": cols}
        model = Model(n, start[0] * n + start[1], end[0] * n + end[1], rows, cols)
        if not model.ok:
            raise RecordError("the counts do not fit the grid, S and E")
        sols, done = model.search(1, max_nodes=20_000)
        if done and not sols:
            raise RecordError("no snake meets these counts")
        return state

    @staticmethod
    def _record_path(record: dict) -> list[Cell] | None:
        for key in ("answer", "answer_str"):
            value = record_field(record.get(key))
            if isinstance(value, (list, tuple)):
                try:
                    return [(int(p[0]), int(p[1])) for p in value]
                except (TypeError, ValueError, IndexError):
                    continue
            if isinstance(value, str):
                try:
                    return parse_coords(value)
                except ParseError:
                    continue
        return None

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        return {5: 1, 6: 1, 7: 2, 8: 3, 9: 3, 10: 4, 11: 4, 12: 5, 13: 5}.get(int(state["n"]))

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> tuple[Cell, ...]:
        return tuple(verdict.parsed)

    # ----- step mode -------------------------------------------------------------------------------------------
    def board_shape(self, inst: Instance) -> tuple[int, int]:
        n = self.size(inst)
        return (n, n)

    def step_codes(self, inst: Instance) -> int:
        return 3

    def level_board(self, level: int) -> tuple[int, int, int]:
        n = max(LEVEL_PARAMS[level][0])
        return (n, n, 3)

    def play_givens(self, inst: Instance) -> Grid:
        n = self.size(inst)
        start, end = self.ends(inst)
        return to_grid([[1 if (r, c) in (start, end) else 0 for c in range(n)] for r in range(n)])

    def play_check(self, inst: Instance, play: Grid) -> bool:
        path = snake_from_cells(play, self.ends(inst)[0])
        return path is not None and self.check_path(inst, path).correct

    def solution_codes(self, inst: Instance) -> Grid:
        n = self.size(inst)
        cells = set(self.solution(inst))
        return to_grid([[1 if (r, c) in cells else 0 for c in range(n)] for r in range(n)])

    def move_help(self, inst: Instance) -> str:
        n = self.size(inst)
        return (f"Each move is (row, column, value) with rows and columns 0-{n - 1} counted from the top-left cell: "
                "value 1 puts the cell on the snake, value 2 marks it as empty (a note only) and value 0 clears it. "
                "S and E are fixed.")

    def play_legend(self, inst: Instance) -> str:
        return ("The image shows the current grid: cells you put on the snake are blue, cells marked empty carry a "
                "grey dot.")


def snake_from_cells(play: Grid, start: Cell) -> list[Cell] | None:
    """The order of the marked cells (code 1) walking from S, or None when they do not form one simple chain
    from S that uses every marked cell."""
    cells = {(r, c) for r, row in enumerate(play) for c, v in enumerate(row) if v == 1}
    if start not in cells:
        return None
    path = [start]
    seen = {start}
    while True:
        r, c = path[-1]
        nxt = [x for x in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)) if x in cells and x not in seen]
        if not nxt:
            break
        if len(nxt) > 1:
            return None
        path.append(nxt[0])
        seen.add(nxt[0])
    return path if len(path) == len(cells) and len(path) >= 2 else None


def _cell_field(value: Any) -> Cell | None:
    value = record_field(value)
    try:
        if isinstance(value, dict):
            return (int(value["row"]), int(value["col"]))
        if isinstance(value, (list, tuple)) and len(value) == 2:
            return (int(value[0]), int(value[1]))
    except (KeyError, TypeError, ValueError):
        return None
    return None


TASK = Snake()

__all__ = ["LEVEL_PARAMS", "TASK", "Model", "Snake", "SnakePath", "grow", "is_snake", "path_text",
           "snake_from_cells"]
