"""Exact 15-puzzle search for SlidingPuzzle: a breadth-first table of every board within 13 moves of the goal,
and IDA* beyond it with the table as a perimeter.

Boards are packed into one int, 4 bits per cell, cell 0 (top left) in the most significant nibble, so integer
order is the row-major lexicographic order of the boards. Moves use the benchmark's tile convention: the word
names the direction in which a tile slides into the empty cell (the blank moves the opposite way).

The table (about 31k boards, built once per process in ~0.1 s) stores each board's exact distance d* <= 13 and
the first move of an optimal path (from the breadth-first parents). Beyond it, IDA* uses the lower bound

    h(s) = d*(s)                                   if s is in the table (exact)
    h(s) = max(MD + LC, 14 or 15 by parity)        otherwise (every board outside has d* >= 14)

where MD is the Manhattan distance and LC the linear conflict, counted per row and column as 2 x (tiles in their
goal line - longest run already in goal order), i.e. 2 x the fewest tiles to take out of the line: never 2 per
conflicting pair, which overestimates. d* has the parity of MD, so the 14/15 floor is admissible too. A node in
the table ends the branch: g + d*(s) <= bound is a solution (the rest of the path comes from the table).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from ...core.directions import MOVES  # noqa: F401  (re-exported: moves are indexed in this order)

SIDE = 4
CELLS = 16
TABLE_DEPTH = 13
# blank offset for each move: "up" = the tile below the blank slides up, so the blank goes down (+4)
BLANK_STEP = {0: 4, 1: -4, 2: 1, 3: -1}
GOAL_TUPLE = tuple(list(range(1, 16)) + [0])
SHIFT = tuple(4 * (CELLS - 1 - i) for i in range(CELLS))


def pack(cells) -> int:
    key = 0
    for i, t in enumerate(cells):
        key |= int(t) << SHIFT[i]
    return key


def unpack(key: int) -> tuple[int, ...]:
    return tuple((key >> SHIFT[i]) & 15 for i in range(CELLS))


GOAL = pack(GOAL_TUPLE)


def _neighbours() -> tuple[tuple[tuple[int, int], ...], ...]:
    """For each blank cell: (move index, the cell the blank goes to), in move order."""
    out = []
    for b in range(CELLS):
        r, c = divmod(b, SIDE)
        opts = []
        for m, step in BLANK_STEP.items():
            q = b + step
            if step in (1, -1):
                if not 0 <= c + step < SIDE:
                    continue
            elif not 0 <= q < CELLS:
                continue
            opts.append((m, q))
        out.append(tuple(opts))
    return tuple(out)


NEIGHBOURS = _neighbours()
# Manhattan distance of tile t at cell p
MD = tuple(tuple(0 if t == 0 else abs(p // 4 - (t - 1) // 4) + abs(p % 4 - (t - 1) % 4) for p in range(CELLS))
           for t in range(CELLS))


def move_of(blank: int, target: int) -> int:
    """The move index that sends the blank from ``blank`` to ``target`` (the tile moves the other way)."""
    for m, q in NEIGHBOURS[blank]:
        if q == target:
            return m
    raise ValueError("cells are not adjacent")


def manhattan(cells) -> int:
    return sum(MD[t][p] for p, t in enumerate(cells))


@lru_cache(maxsize=65536)
def _line_conflict(kind: int, index: int, tiles: tuple[int, ...]) -> int:
    """2 x the fewest tiles to remove from a row (kind 0) or column (kind 1) so that the tiles that belong to
    this line appear in goal order."""
    goals = []
    for t in tiles:
        if t == 0:
            continue
        gr, gc = divmod(t - 1, SIDE)
        if kind == 0 and gr == index:
            goals.append(gc)
        elif kind == 1 and gc == index:
            goals.append(gr)
    if len(goals) < 2:
        return 0
    best = [1] * len(goals)  # longest increasing subsequence, O(k^2) for k <= 4
    for i in range(len(goals)):
        for j in range(i):
            if goals[j] < goals[i] and best[j] + 1 > best[i]:
                best[i] = best[j] + 1
    return 2 * (len(goals) - max(best))


def linear_conflict(cells) -> int:
    total = 0
    for r in range(SIDE):
        total += _line_conflict(0, r, tuple(cells[r * SIDE:(r + 1) * SIDE]))
    for c in range(SIDE):
        total += _line_conflict(1, c, tuple(cells[c::SIDE]))
    return total


def inversions(cells) -> int:
    tiles = [t for t in cells if t]
    return sum(1 for i in range(len(tiles)) for j in range(i + 1, len(tiles)) if tiles[i] > tiles[j])


def solvable(cells) -> bool:
    """Reachable from the goal iff inversions + blank row counted from the bottom (1-based) is odd."""
    blank = list(cells).index(0)
    return (inversions(cells) + (SIDE - blank // SIDE)) % 2 == 1


# ---------------------------------------------------------------------------------------------- the table
_TABLE: dict[int, int] = {}  # key -> depth << 2 | first move of an optimal path (goal: 0)
_BY_DEPTH: list[list[int]] = []


def table() -> dict[int, int]:
    """Breadth-first search from the goal to depth 13, built once per process (deterministic order)."""
    if _TABLE:
        return _TABLE
    tab = {GOAL: 0}
    by_depth = [[GOAL]]
    frontier = [(GOAL, CELLS - 1)]
    for depth in range(1, TABLE_DEPTH + 1):
        nxt = []
        layer = []
        tag = depth << 2
        for key, b in frontier:
            sb = SHIFT[b]
            for _, q in NEIGHBOURS[b]:
                sq = SHIFT[q]
                t = (key >> sq) & 15
                new = key + (t << sb) - (t << sq)
                if new not in tab:
                    # in ``new`` the blank is at q and tile t at b; sliding t back from b into q leads to ``key``
                    tab[new] = tag | move_of(q, b)
                    nxt.append((new, q))
                    layer.append(new)
        frontier = nxt
        by_depth.append(layer)
    _BY_DEPTH[:] = by_depth
    _TABLE.update(tab)
    return _TABLE


def boards_at(depth: int) -> list[int]:
    table()
    return _BY_DEPTH[depth]


@lru_cache(maxsize=16)
def band(lo: int, hi: int) -> tuple[int, ...]:
    """Every board with lo <= d* <= hi (hi <= 13), in canonical (row-major lexicographic) order."""
    if hi > TABLE_DEPTH:
        raise ValueError("band beyond the table")
    return tuple(sorted(k for d in range(lo, hi + 1) for k in boards_at(d)))


def table_path(key: int) -> list[int]:
    """Optimal move indices from a board in the table to the goal."""
    tab = table()
    cells = list(unpack(key))
    blank = cells.index(0)
    moves = []
    while key != GOAL:
        m = tab[key] & 3
        q = blank + BLANK_STEP[m]
        t = cells[q]
        cells[blank], cells[q] = t, 0
        key += (t << SHIFT[blank]) - (t << SHIFT[q])
        blank = q
        moves.append(m)
    return moves


# ---------------------------------------------------------------------------------------------- IDA*
@dataclass
class Search:
    moves: list[int]
    nodes: int  # nodes generated (the root included), plus the steps walked down the table
    bounds: list[int] = field(default_factory=list)  # IDA* bounds tried (empty: the board was in the table)
    in_table: bool = False
    h0: int = 0


def solve(cells, max_nodes: int = 5_000_000, max_cost: int | None = None) -> Search | None:
    """An optimal move list for a solvable board (see the module doc); None when ``max_cost`` is given and
    the board needs more moves than that."""
    cells = list(cells)
    tab = table()
    key = pack(cells)
    md0 = manhattan(cells)
    h_plain = md0 + linear_conflict(cells)
    if key in tab:
        path = table_path(key)
        if max_cost is not None and len(path) > max_cost:
            return None
        return Search(path, len(path) + 1, [], True, h_plain)
    if not solvable(cells):
        raise ValueError("board is not solvable")
    floor = 14 if md0 % 2 == 0 else 15
    blank0 = cells.index(0)
    rows = [_line_conflict(0, r, tuple(cells[r * 4:r * 4 + 4])) for r in range(4)]
    cols = [_line_conflict(1, c, tuple(cells[c::4])) for c in range(4)]
    path: list[int] = []
    nodes = 1
    bounds: list[int] = []
    found_tail: list[int] = []
    lc = _line_conflict
    md_t = MD
    shift = SHIFT
    neigh = NEIGHBOURS

    def dfs(key: int, blank: int, g: int, md: int, lcsum: int, bound: int, back: int) -> int:
        """Returns -1 when solved, else the smallest f above the bound seen below this node."""
        nonlocal nodes
        best = 1 << 30
        for m, q in neigh[blank]:
            if q == back:
                continue
            nodes += 1
            t = cells[q]
            nmd = md + md_t[t][blank] - md_t[t][q]
            cells[blank] = t
            cells[q] = 0
            nkey = key + (t << shift[blank]) - (t << shift[q])
            # the move changes the lines of the tile: a vertical move two rows, a horizontal move two columns
            if m < 2:
                rb, rq = blank >> 2, q >> 2
                old_rb, old_rq = rows[rb], rows[rq]
                rows[rb] = lc(0, rb, tuple(cells[rb * 4:rb * 4 + 4]))
                rows[rq] = lc(0, rq, tuple(cells[rq * 4:rq * 4 + 4]))
                nlc = lcsum - old_rb - old_rq + rows[rb] + rows[rq]
            else:
                cb, cq = blank & 3, q & 3
                old_cb, old_cq = cols[cb], cols[cq]
                cols[cb] = lc(1, cb, tuple(cells[cb::4]))
                cols[cq] = lc(1, cq, tuple(cells[cq::4]))
                nlc = lcsum - old_cb - old_cq + cols[cb] + cols[cq]
            exact = tab.get(nkey)
            if exact is not None:
                f = g + 1 + (exact >> 2)
                if f <= bound:
                    path.append(m)
                    found_tail.extend(table_path(nkey))
                    return -1
            else:
                h = nmd + nlc
                if h < 14:
                    h = 14 if nmd % 2 == 0 else 15
                f = g + 1 + h
                if f <= bound and nodes < max_nodes:
                    path.append(m)
                    r = dfs(nkey, q, g + 1, nmd, nlc, bound, blank)
                    if r < 0:
                        return -1
                    path.pop()
                    f = r
            # undo
            cells[q] = t
            cells[blank] = 0
            if m < 2:
                rows[rb], rows[rq] = old_rb, old_rq
            else:
                cols[cb], cols[cq] = old_cb, old_cq
            if f < best:
                best = f
        return best

    lc0 = sum(rows) + sum(cols)
    bound = max(md0 + lc0, floor)
    while True:
        if max_cost is not None and bound > max_cost:
            return None
        bounds.append(bound)
        r = dfs(key, blank0, 0, md0, lc0, bound, -1)
        if r < 0:
            return Search(path + found_tail, nodes + len(found_tail), bounds, False, h_plain)
        if nodes >= max_nodes:
            raise ValueError(f"search budget of {max_nodes} nodes exhausted")
        bound = r


def apply_moves(cells, moves) -> tuple[int, ...]:
    cells = list(cells)
    blank = cells.index(0)
    for m in moves:
        q = blank + BLANK_STEP[m]
        cells[blank], cells[q] = cells[q], 0
        blank = q
    return tuple(cells)
