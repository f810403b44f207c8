"""Snake (MM-HELIX ``snake``): the path-drawing logic puzzle (not the Nibbles arcade game).

Draw a snake of orthogonally connected cells from S to E whose row and column cell counts match the clues,
and which never touches itself: cells two or more apart along the snake are never orthogonal neighbours,
cells three or more apart are never diagonal neighbours (spec/tasks/Snake.md).

Generation: the size and a target length from the level's ranges, S uniformly, then a randomized DFS that
adds a cell only when it keeps the no-touching rule; paths below the level's turn or detour floor are
redrawn; the counts come from the path, and the instance is kept only when the solution counter proves it
unique. Counter / solver: a DFS from S under the no-touching rule (an incremental bit set of forbidden
cells), pruning full rows and columns, an E that gets walled in, and a travel bound (the rows and columns
that still need cells, then E, must be reachable in exactly the remaining number of steps, with parity).
The generator's uniqueness proof (``count_both_ends``, limit 2, node budget) runs the same pruning but
grows the snake from both ends at once, always extending the end with fewer candidate cells, and checks
every completed snake against all the rules; it finds exactly the solutions ``Counter`` finds.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np

from ...core import GenerationError, Instance, ParseError, RecordError, Task, Verdict, record_field
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
COUNT_BUDGET = 500
START_FILL = (44, 160, 44)
END_FILL = (214, 39, 40)
SNAKE_FILL = (120, 170, 230)
MARK = (150, 150, 160)
FORMAT_SENTENCE = ("Your answer should be a sequence of coordinates in the format (row,column) representing the path "
                   "from start to end.")
FORMAT_EXAMPLE = "(row1,col1) (row2,col2) (row3,col3) ..."
TRACE_REJECT_LINES = 60

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
# counter / solver


class _Budget(Exception):
    pass


class Counter:
    """DFS from S for snakes that end exactly at E and meet every count (see module doc)."""

    def __init__(self, n: int, start: int, end: int, row_counts, col_counts):
        self.n = n
        self.start = start
        self.end = end
        self.rows0 = [int(x) for x in row_counts]
        self.cols0 = [int(x) for x in col_counts]
        self.nodes = 0

    def feasible(self) -> bool:
        n = self.n
        rows, cols = self.rows0, self.cols0
        if len(rows) != n or len(cols) != n or any(x < 0 or x > n for x in rows + cols):
            return False
        sr, sc = divmod(self.start, n)
        er, ec = divmod(self.end, n)
        return (sum(rows) == sum(cols) and self.start != self.end and rows[sr] and cols[sc] and rows[er]
                and cols[ec])

    def search(self, limit: int = 2, max_nodes: int | None = COUNT_BUDGET, explain: bool = False
               ) -> tuple[list[list[int]], bool]:
        """(up to ``limit`` solutions as cell lists, complete?)."""
        self.nodes = 0
        if not self.feasible():
            return [], True
        n = self.n
        orth, diag, _, rowm, colm = geometry(n)
        rows, cols = self.rows0[:], self.cols0[:]
        end, start = self.end, self.start
        er, ec = divmod(end, n)
        sr, sc = divmod(start, n)
        rows[sr] -= 1
        cols[sc] -= 1
        allowed = (1 << (n * n)) - 1
        for r in range(n):
            if rows[r] == 0:
                allowed &= ~rowm[r]
        for c in range(n):
            if cols[c] == 0:
                allowed &= ~colm[c]
        remaining = sum(rows)
        sols: list[list[int]] = []
        path = [start]
        if remaining == 0:
            return [], True
        rneed = sum(1 << r for r in range(n) if rows[r])
        cneed = sum(1 << c for c in range(n) if cols[c])

        def travel(x: int, left: int, rneed: int, cneed: int) -> bool:
            xr, xc = divmod(x, n)
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

        full = (1 << (n * n)) - 1
        col0 = colm[0]
        not_first = full & ~col0
        not_last = full & ~colm[n - 1]

        ball_e = padded_balls(n)[end]

        def reach(x: int, free: int, left: int, rneed: int, cneed: int) -> bool:
            """E and enough cells of every row and column that still needs some are reachable from x: a BFS in
            the free cells; a cell at BFS depth k counts only if it lies within left - k steps of E."""
            return _reachable(x, end, free & ~(1 << x), left, ball_e, n, not_first, not_last, rneed, cneed,
                              rowm, colm, rows, cols)

        def dfs(prev: int, cur: int, forbid: int, allowed: int, left: int, rneed: int, cneed: int) -> None:
            self.nodes += 1
            if max_nodes is not None and self.nodes > max_nodes:
                raise _Budget
            cand = orth[cur] & ~forbid & allowed
            base = forbid | orth[cur] | diag[prev] if prev >= 0 else forbid | orth[cur]
            while cand:
                b = cand & -cand
                cand ^= b
                x = b.bit_length() - 1
                if x == end:
                    if left == 1:
                        sols.append(path + [x])
                        if len(sols) >= limit:
                            return
                    continue
                if left <= 1:
                    continue
                xr, xc = divmod(x, n)
                nf = base | b
                if nf >> end & 1:
                    continue  # E walled in: it touches the body behind the new end
                if (xr == er and rows[xr] == 1) or (xc == ec and cols[xc] == 1):
                    continue  # the last free place in E's row or column must be E itself
                rows[xr] -= 1
                cols[xc] -= 1
                na, nr, nc = allowed, rneed, cneed
                if rows[xr] == 0:
                    na &= ~rowm[xr]
                    nr &= ~(1 << xr)
                if cols[xc] == 0:
                    na &= ~colm[xc]
                    nc &= ~(1 << xc)
                d = abs(xr - er) + abs(xc - ec)
                if d < left and not (left - 1 - d) & 1 and travel(x, left - 1, nr, nc) and \
                        reach(x, na & ~nf, left - 1, nr, nc):
                    path.append(x)
                    dfs(cur, x, nf, na, left - 1, nr, nc)
                    path.pop()
                rows[xr] += 1
                cols[xc] += 1
                if len(sols) >= limit:
                    return

        try:
            dfs(-1, start, 1 << start, allowed, remaining, rneed, cneed)
        except _Budget:
            return sols, False
        return sols, True


# ---------------------------------------------------------------------------------------------------------------
# uniqueness counter for generation: the snake is grown from both ends


def _reachable(x: int, target: int, avail: int, left: int, ball: tuple[int, ...], n: int, not_first: int,
               not_last: int, rneed: int, cneed: int, rowm, colm, rows, cols) -> bool:
    """Pruning test shared by both counters: from x, a BFS through ``avail`` within ``left`` steps, keeping a cell
    at depth k only if it lies within left - k steps of ``target`` (``ball[t]``); the target and at least
    ``left`` cells must be usable, and so must the cells every still-needy row and column (``rneed``/``cneed``
    bitmasks, remaining counts ``rows``/``cols``) require."""
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


def count_both_ends(n: int, start: int, end: int, row_counts, col_counts, limit: int = 2,
                    max_nodes: int | None = COUNT_BUDGET) -> tuple[list[list[int]], bool, int]:
    """(up to ``limit`` snakes from S to E meeting the counts, complete?, nodes): a DFS that extends, at every
    node, whichever end of the snake (the piece grown from S or the one grown from E) has fewer candidate
    cells. A new cell must keep the no-touching rule with its own piece, stay clear (orthogonally and
    diagonally) of the other piece while at least two more cells are to come between the two heads, and keep
    the travel and reach bounds of ``Counter`` towards the other head; the last two cells are enumerated and
    every completed snake is checked against all the rules (``is_snake``)."""
    rows0, cols0 = [int(x) for x in row_counts], [int(x) for x in col_counts]
    if not Counter(n, start, end, rows0, cols0).feasible():
        return [], True, 0
    orth, diag, _, rowm, colm = geometry(n)
    pb = padded_balls(n)
    rows, cols = rows0[:], cols0[:]
    for c in (start, end):
        rows[c // n] -= 1
        cols[c % n] -= 1
    if min(rows) < 0 or min(cols) < 0:
        return [], True, 0
    full = (1 << (n * n)) - 1
    allowed = full
    for r in range(n):
        if rows[r] == 0:
            allowed &= ~rowm[r]
    for c in range(n):
        if cols[c] == 0:
            allowed &= ~colm[c]
    not_first = full & ~colm[0]
    not_last = full & ~colm[n - 1]
    sols: list[list[int]] = []
    nodes = 0
    pieces = ([start], [end])

    def travel(x: int, t: int, left: int, rneed: int, cneed: int) -> bool:
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

    def reach(x: int, t: int, free: int, left: int, rneed: int, cneed: int) -> bool:
        """As ``Counter``'s reach, towards the other head t in ``left`` steps (t itself counted as a cell)."""
        return _reachable(x, t, (free | 1 << t) & ~(1 << x), left, pb[t], n, not_first, not_last, rneed, cneed,
                          rowm, colm, rows, cols)

    def finish(middle: list[int]) -> None:
        path = pieces[0] + middle + pieces[1][::-1]
        if is_snake(path, n, rows0, cols0):
            sols.append(path)

    def tail(left: int, allowed: int) -> None:
        """At most two cells remain between the heads: try them all."""
        a, b = pieces[0][-1], pieces[1][-1]
        used = 0
        for c in pieces[0] + pieces[1]:
            used |= 1 << c
        if left == 0:
            if orth[a] >> b & 1:
                finish([])
            return
        if left == 1:
            m = orth[a] & orth[b] & allowed & ~used
            while m and len(sols) < limit:
                x = m & -m
                m ^= x
                finish([x.bit_length() - 1])
            return
        m = orth[a] & allowed & ~used
        while m and len(sols) < limit:
            xb = m & -m
            m ^= xb
            x = xb.bit_length() - 1
            m2 = orth[x] & orth[b] & allowed & ~used & ~xb
            while m2 and len(sols) < limit:
                y = m2 & -m2
                m2 ^= y
                finish([x, y.bit_length() - 1])

    def dfs(fa: int, ga: int, fb: int, gb: int, allowed: int, left: int, rneed: int, cneed: int) -> None:
        """fa / fb: cells a later cell of the snake may not take because of piece A / B (its own no-touching
        rule); ga / gb: the cells of the piece and all their orthogonal and diagonal neighbours."""
        nonlocal nodes
        nodes += 1
        if max_nodes is not None and nodes > max_nodes:
            raise _Budget
        if left <= 2:
            tail(left, allowed)
            return
        pa, pbk = pieces
        ca = orth[pa[-1]] & ~fa & ~gb & allowed
        cb = orth[pbk[-1]] & ~fb & ~ga & allowed
        if not ca or not cb:
            return
        side = 0 if ca.bit_count() <= cb.bit_count() else 1
        own, cand = (pa, ca) if side == 0 else (pbk, cb)
        f, g, fo = (fa, ga, fb) if side == 0 else (fb, gb, fa)
        cur = own[-1]
        prev = own[-2] if len(own) >= 2 else -1
        base = f | orth[cur] | diag[prev] if prev >= 0 else f | orth[cur]
        other = pieces[1 - side][-1]
        while cand:
            bx = cand & -cand
            cand ^= bx
            x = bx.bit_length() - 1
            nf = base | bx
            if nf >> other & 1:
                continue  # the other head touches this piece's body
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
            if travel(x, other, left, nr, nc) and reach(x, other, na & ~nf & ~fo, left, nr, nc):
                ng = g | bx | orth[x] | diag[x]
                own.append(x)
                if side == 0:
                    dfs(nf, ng, fb, gb, na, left - 1, nr, nc)
                else:
                    dfs(fa, ga, nf, ng, na, left - 1, nr, nc)
                own.pop()
            rows[xr] += 1
            cols[xc] += 1
            if len(sols) >= limit:
                return

    rneed = sum(1 << r for r in range(n) if rows[r])
    cneed = sum(1 << c for c in range(n) if cols[c])
    ga = (1 << start) | orth[start] | diag[start]
    gb = (1 << end) | orth[end] | diag[end]
    try:
        dfs(1 << start, ga, 1 << end, gb, allowed, sum(rows), rneed, cneed)
    except _Budget:
        return sols, False, nodes
    return sols[:limit], True, nodes


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
    version = "1"
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
            sols, done, _ = count_both_ends(n, path[0], path[-1], rows, cols, 2)
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

    def counter(self, inst: Instance) -> Counter:
        n = self.size(inst)
        (sr, sc), (er, ec) = self.ends(inst)
        return Counter(n, sr * n + sc, er * n + ec, inst.state["row_counts"], inst.state["col_counts"])

    # ----- solving ---------------------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> tuple[Cell, ...]:
        sols, _ = self.counter(inst).search(1, max_nodes=None)
        if not sols:
            raise ValueError("this Snake puzzle has no solution")
        n = self.size(inst)
        return tuple(divmod(i, n) for i in sols[0])

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return path_text(solution)

    def count(self, inst: Instance, limit: int = 2) -> int:
        return len(self.counter(inst).search(limit, max_nodes=None)[0])

    def stats(self, inst: Instance) -> dict:
        """Solver work (nodes of the uniqueness proof the generator ran) and the snake's size and shape."""
        n = self.size(inst)
        (sr, sc), (er, ec) = self.ends(inst)
        rows, cols = inst.state["row_counts"], inst.state["col_counts"]
        nodes = count_both_ends(n, sr * n + sc, er * n + ec, rows, cols, 2, max_nodes=None)[2]
        path = [r * n + col for r, col in self.solution(inst)]
        return {"n": n, "cells": len(path), "turns": turns_of(path, n), "detour": detour_of(path, n),
                "search_nodes": nodes}

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
        sol = list(self.solution(inst))
        rows = [int(x) for x in inst.state["row_counts"]]
        cols = [int(x) for x in inst.state["col_counts"]]
        zr = [i for i in range(n) if rows[i] == 0]
        zc = [i for i in range(n) if cols[i] == 0]
        lines = [
            f"Snake on a {n}x{n} grid from S {fmt(start)} to E {fmt(end)}. Row counts: {rows}; column counts: "
            f"{cols}. The snake has {sum(rows)} cells.",
            "Rows with count 0 (no snake cell): " + (", ".join(map(str, zr)) or "none") + "; columns with count 0: "
            + (", ".join(map(str, zc)) or "none") + ".",
            "Walk from S, one cell at a time. A step is ruled out when it enters a full row or column, touches an "
            "earlier part of the snake, walls E in, or leaves too few cells to visit every row and column that "
            "still needs cells and reach E (the number of steps left must cover that distance, with the same "
            "parity).",
        ]
        counter = self.counter(inst)
        left_r, left_c = rows[:], cols[:]
        left_r[start[0]] -= 1
        left_c[start[1]] -= 1
        shown = 0
        for k in range(1, len(sol)):
            prefix = sol[:k]
            nxt = sol[k]
            alts = []
            cur = prefix[-1]
            for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                x = (cur[0] + dr, cur[1] + dc)
                if x == nxt or not (0 <= x[0] < n and 0 <= x[1] < n) or x in prefix:
                    continue
                why = self._reject(prefix, x, left_r, left_c, counter)
                if why:
                    alts.append(f"{fmt(x)} {why}")
            left_r[nxt[0]] -= 1
            left_c[nxt[1]] -= 1
            note = f" (rejected: {'; '.join(alts)})" if alts and shown < TRACE_REJECT_LINES else ""
            if alts:
                shown += 1
            lines.append(f"Step {k}: {fmt(cur)} -> {fmt(nxt)}; row {nxt[0]} needs {left_r[nxt[0]]} more, "
                         f"column {nxt[1]} needs {left_c[nxt[1]]} more{note}.")
        lines.append(f"The snake reaches E with every count met and no self-contact ({len(sol)} cells).")
        return "\n".join(lines) + "\nAnswer: " + path_text(sol)

    def _reject(self, prefix: list[Cell], x: Cell, left_r: list[int], left_c: list[int], counter: Counter) -> str:
        """Why stepping from the end of ``prefix`` to ``x`` fails (the rule it breaks, or a dead end)."""
        n = len(left_r)
        end = divmod(counter.end, n)
        if left_r[x[0]] == 0:
            return f"is in row {x[0]}, which is full"
        if left_c[x[1]] == 0:
            return f"is in column {x[1]}, which is full"
        pos = {c: i for i, c in enumerate(prefix)}
        i = len(prefix)
        for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)):
            j = pos.get((x[0] + dr, x[1] + dc))
            if j is not None and i - j >= (2 if dr == 0 or dc == 0 else 3):
                return f"would touch the snake at {fmt(prefix[j])}"
        if x == end:
            return "is E, but cells are still needed"
        if (x[0] == end[0] and left_r[x[0]] == 1) or (x[1] == end[1] and left_c[x[1]] == 1):
            return "would take the last place in E's row or column"
        left = sum(left_r) - 1
        d = abs(x[0] - end[0]) + abs(x[1] - end[1])
        if d > left or (left - d) % 2:
            return f"leaves {left} steps, which cannot end exactly at E (distance {d})"
        return "leads to a dead end: no way on from there meets the counts"

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
        counter = Counter(n, start[0] * n + start[1], end[0] * n + end[1], rows, cols)
        if not counter.feasible():
            raise RecordError("the counts do not fit the grid, S and E")
        sols, done = counter.search(1, max_nodes=20_000)
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

__all__ = ["LEVEL_PARAMS", "TASK", "Counter", "Snake", "count_both_ends", "grow", "is_snake", "path_text",
           "snake_from_cells"]
