"""Sokoban engine: board tables, exact move-optimal A* over push states, reverse-play generation.

Cells are flat indices into the grid padded with one ring of virtual wall, so a neighbour is
``cell + offset`` without bounds checks; the virtual ring stands for "outside the grid".
Pure Python; no randomness except through the numpy ``Generator`` passed to :func:`generate_level`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from heapq import heappop, heappush

import numpy as np

from ...core.directions import MOVES  # noqa: F401  (re-exported: moves are indexed in this order)

INF = 1 << 20

# XSB symbols: (is wall, is goal, has box, has player)
SYMBOLS = {
    "#": (True, False, False, False),
    " ": (False, False, False, False),
    ".": (False, True, False, False),
    "$": (False, False, True, False),
    "@": (False, False, False, True),
    "*": (False, True, True, False),
    "+": (False, True, False, True),
}


class Board:
    """Static part of a level: walls, goals and the tables the solver needs."""

    __slots__ = ("H", "W", "Wp", "N", "wall", "outside", "goals", "goalset", "offs", "nbrs", "push_dist",
                 "dead", "floor")

    def __init__(self, H: int, W: int, walls, goals):
        self.H, self.W = H, W
        Wp = W + 2
        self.Wp = Wp
        self.N = N = (H + 2) * Wp
        wall = bytearray(b"\x01") * N
        outside = bytearray(b"\x01") * N
        for r in range(H):
            base = (r + 1) * Wp + 1
            for c in range(W):
                outside[base + c] = 0
                wall[base + c] = 0
        for r, c in walls:
            wall[(r + 1) * Wp + c + 1] = 1
        self.wall = bytes(wall)
        self.outside = bytes(outside)
        self.goals = tuple(sorted((r + 1) * Wp + c + 1 for r, c in goals))
        self.goalset = frozenset(self.goals)
        self.offs = offs = (-Wp, Wp, -1, 1)
        self.floor = tuple(i for i in range(N) if not wall[i])
        nbrs = [()] * N
        for i in self.floor:
            nbrs[i] = tuple(i + o for o in offs if not wall[i + o])
        self.nbrs = tuple(nbrs)
        # push distance from every cell to each goal, ignoring the other boxes (reverse BFS over pulls)
        pdist = []
        for g in self.goals:
            dist = [INF] * N
            dist[g] = 0
            queue = [g]
            for y in queue:
                nd = dist[y] + 1
                for o in offs:
                    x = y - o
                    if not wall[x] and not wall[x - o] and dist[x] == INF:
                        dist[x] = nd
                        queue.append(x)
            pdist.append(tuple(dist))
        self.push_dist = tuple(pdist)
        self.dead = bytes(1 if m >= INF else 0 for m in map(min, *pdist)) if len(pdist) > 1 else \
            bytes(1 if m >= INF else 0 for m in pdist[0])

    # -- coordinates ---------------------------------------------------------------------------
    def idx(self, r: int, c: int) -> int:
        return (r + 1) * self.Wp + c + 1

    def rc(self, i: int) -> tuple[int, int]:
        r, c = divmod(i, self.Wp)
        return r - 1, c - 1

    def rows(self, boxes, player) -> list[str]:
        """XSB rows of a position."""
        bset = set(boxes)
        out = []
        for r in range(self.H):
            line = []
            for c in range(self.W):
                i = self.idx(r, c)
                if self.wall[i]:
                    line.append("#")
                    continue
                g = i in self.goalset
                if i in bset:
                    line.append("*" if g else "$")
                elif i == player:
                    line.append("+" if g else "@")
                else:
                    line.append("." if g else " ")
            out.append("".join(line))
        return out

    # -- heuristic -----------------------------------------------------------------------------
    def heuristic(self, boxes) -> int:
        pd = self.push_dist
        k = len(boxes)
        if k == 1:
            return pd[0][boxes[0]]
        if k == 2:
            a, b = boxes
            p0, p1 = pd
            return min(p0[a] + p1[b], p0[b] + p1[a])
        if k == 3:
            a, b, c = boxes
            p0, p1, p2 = pd
            return min(p0[a] + p1[b] + p2[c], p0[a] + p1[c] + p2[b], p0[b] + p1[a] + p2[c],
                       p0[b] + p1[c] + p2[a], p0[c] + p1[a] + p2[b], p0[c] + p1[b] + p2[a])
        return _assignment(pd, boxes)

    # -- walking -------------------------------------------------------------------------------
    def walk(self, boxes, start: int, target: int) -> list[int] | None:
        """Shortest walk (directions 0..3) from start to target, boxes block; BFS in the fixed order
        up, down, left, right, so the route is deterministic."""
        if start == target:
            return []
        prev = {start: -1}
        bset = set(boxes)
        queue = [start]
        offs = self.offs
        wall = self.wall
        for cell in queue:
            for d in range(4):
                n = cell + offs[d]
                if wall[n] or n in bset or n in prev:
                    continue
                prev[n] = cell
                if n == target:
                    path = []
                    while n != start:
                        p = prev[n]
                        path.append(offs.index(n - p))
                        n = p
                    path.reverse()
                    return path
                queue.append(n)
        return None


def _assignment(pd, boxes) -> int:
    """Minimum-cost box→goal assignment by DP over goal subsets (k > 3; imported levels only)."""
    k = len(boxes)
    best = {0: 0}
    for b in boxes:
        nxt: dict[int, int] = {}
        for mask, cost in best.items():
            for j in range(k):
                if not mask >> j & 1:
                    m2 = mask | 1 << j
                    v = cost + pd[j][b]
                    if v < nxt.get(m2, INF * 8):
                        nxt[m2] = v
        best = nxt
    return min(best.get((1 << k) - 1, INF), INF)


@dataclass
class SolveResult:
    status: str  # "solved" | "too_long" | "unsolvable" | "cap"
    cost: int = -1
    pushes: list = field(default_factory=list)  # [(box cell, direction)]
    expanded: int = 0
    generated: int = 0


def astar(board: Board, boxes, player: int, max_cost: int = INF, max_states: int = 300_000) -> SolveResult:
    """Move-optimal A* over push states (box set, player cell).

    Edge = one push; cost = BFS walk to the pushing cell + 1. Heuristic = minimum push-distance
    assignment (admissible and consistent), so the first goal state popped is optimal. The only
    pruning is the sound dead-cell test. Stops with ``too_long`` once the smallest f exceeds
    ``max_cost`` and with ``cap`` after ``max_states`` expansions. A state is keyed by one int:
    the player cell and the sorted box cells packed in base N."""
    boxes = tuple(sorted(boxes))
    k = len(boxes)
    N = board.N
    offs = board.offs
    nbrs = board.nbrs
    wall = board.wall
    dead = board.dead
    pd = board.push_dist
    heur = board.heuristic
    h0 = heur(boxes)
    if h0 >= INF:
        return SolveResult("unsolvable")
    start = _key(boxes, player, N)
    best_g = {start: 0}
    parent: dict = {start: None}
    heap = [(h0, h0, 0, start, boxes, player)]
    counter = 0
    expanded = 0
    blank = [-1] * N
    p0 = p1 = p2 = pd[0]
    if k == 2:
        p0, p1 = pd
    elif k == 3:
        p0, p1, p2 = pd
    N2 = N * N
    while heap:
        f, h, _, key, bx, pl = heappop(heap)
        g = f - h
        if best_g[key] < g:
            continue
        if f > max_cost:
            return SolveResult("too_long", -1, [], expanded, counter)
        if h == 0:
            return SolveResult("solved", g, _pushes(parent, key), expanded, counter)
        if expanded >= max_states:
            return SolveResult("cap", -1, [], expanded, counter)
        expanded += 1
        dist = blank[:]
        for b in bx:
            dist[b] = -2
        dist[pl] = 0
        queue = [pl]
        for cell in queue:
            nd = dist[cell] + 1
            for n in nbrs[cell]:
                if dist[n] == -1:
                    dist[n] = nd
                    queue.append(n)
        for i in range(k):
            b = bx[i]
            for d in range(4):
                o = offs[d]
                dp = dist[b - o]
                if dp < 0:
                    continue
                t = b + o
                if wall[t] or dead[t] or dist[t] == -2:
                    continue
                if k == 1:
                    nb = (t,)
                    h2 = p0[t]
                    child = b + N * t
                elif k == 2:
                    x = bx[1 - i]
                    if t < x:
                        nb = (t, x)
                        child = b + N * t + N2 * x
                    else:
                        nb = (x, t)
                        child = b + N * x + N2 * t
                    u = p0[t] + p1[x]
                    v = p0[x] + p1[t]
                    h2 = u if u < v else v
                else:
                    lst = list(bx)
                    lst[i] = t
                    lst.sort()
                    nb = tuple(lst)
                    if k == 3:
                        a, bb, c = nb
                        child = b + N * a + N2 * bb + N2 * N * c
                        h2 = min(p0[a] + p1[bb] + p2[c], p0[a] + p1[c] + p2[bb], p0[bb] + p1[a] + p2[c],
                                 p0[bb] + p1[c] + p2[a], p0[c] + p1[a] + p2[bb], p0[c] + p1[bb] + p2[a])
                    else:
                        child = _key(nb, b, N)
                        h2 = heur(nb)
                if h2 >= INF:
                    continue
                g2 = g + dp + 1
                old = best_g.get(child)
                if old is not None and old <= g2:
                    continue
                best_g[child] = g2
                parent[child] = (key, b, d)
                counter += 1
                heappush(heap, (g2 + h2, h2, counter, child, nb, b))
    return SolveResult("unsolvable", -1, [], expanded, counter)


def _key(boxes, player: int, N: int) -> int:
    key = player
    m = N
    for b in boxes:
        key += b * m
        m *= N
    return key


def _pushes(parent: dict, state) -> list:
    out = []
    while parent[state] is not None:
        state, b, d = parent[state]
        out.append((b, d))
    out.reverse()
    return out


def pushes_to_moves(board: Board, boxes, player: int, pushes) -> list[int]:
    """Expand a push plan into moves (0 up, 1 down, 2 left, 3 right) with deterministic BFS walks."""
    bset = set(boxes)
    moves: list[int] = []
    for b, d in pushes:
        o = board.offs[d]
        walk = board.walk(bset, player, b - o)
        if walk is None or b not in bset:
            raise ValueError("push plan does not replay")
        moves.extend(walk)
        moves.append(d)
        bset.discard(b)
        bset.add(b + o)
        player = b
    return moves


# ------------------------------------------------------------------------------------------------
# parsing XSB rows


def parse_rows(rows) -> tuple[int, int, list, list, list, list]:
    """(H, W, walls, goals, boxes, players) from XSB rows; short rows are padded with wall and
    unknown characters read as floor (as the official scorer does)."""
    rows = [r.rstrip("\r") for r in rows]
    H = len(rows)
    W = max((len(r) for r in rows), default=0)
    walls, goals, boxes, players = [], [], [], []
    for r, line in enumerate(rows):
        for c in range(W):
            ch = line[c] if c < len(line) else "#"
            is_wall, is_goal, is_box, is_player = SYMBOLS.get(ch, (False, False, False, False))
            if is_wall:
                walls.append((r, c))
            if is_goal:
                goals.append((r, c))
            if is_box:
                boxes.append((r, c))
            if is_player:
                players.append((r, c))
    return H, W, walls, goals, boxes, players


@dataclass(frozen=True)
class Level:
    board: Board
    boxes: tuple
    player: int


_LEVELS: dict[tuple, Level] = {}
_LEVELS_MAX = 1024


def remember(rows: tuple, level: Level) -> Level:
    """Cache a parsed level under its XSB rows (bounded; oldest entries go first)."""
    if len(_LEVELS) >= _LEVELS_MAX:
        for key in list(_LEVELS)[: _LEVELS_MAX // 4]:
            del _LEVELS[key]
    _LEVELS[rows] = level
    return level


def level_from_rows(rows) -> Level:
    """Parse (and cache) XSB rows; ValueError unless one player and as many boxes as goals (>= 1)."""
    rows = tuple(rows)
    cached = _LEVELS.get(rows)
    if cached is not None:
        return cached
    H, W, walls, goals, boxes, players = parse_rows(rows)
    if len(players) != 1:
        raise ValueError(f"expected exactly one player, found {len(players)}")
    if not boxes or len(boxes) != len(goals):
        raise ValueError(f"expected as many boxes as goals (at least one), found {len(boxes)} boxes and "
                         f"{len(goals)} goals")
    board = Board(H, W, walls, goals)
    level = Level(board, tuple(sorted(board.idx(r, c) for r, c in boxes)), board.idx(*players[0]))
    return remember(rows, level)


# ------------------------------------------------------------------------------------------------
# generation by reverse play


@dataclass(frozen=True)
class LevelParams:
    w_range: tuple[int, int]
    boxes: int
    min_moves: int
    max_moves: int
    density: float
    segment_p: float


LEVEL_PARAMS = {
    1: LevelParams((5, 7), 1, 4, 15, 0.10, 0.0),
    2: LevelParams((7, 9), 1, 8, 25, 0.15, 0.2),
    3: LevelParams((7, 9), 2, 12, 40, 0.20, 0.3),
    4: LevelParams((11, 13), 2, 18, 50, 0.25, 0.4),
    5: LevelParams((11, 13), 3, 24, 60, 0.30, 0.5),
}


def _flood(seed: int, free: int, W: int) -> int:
    r = seed
    while True:
        n = (r | (r << 1) | (r >> 1) | (r << W) | (r >> W)) & free
        if n == r:
            return r
        r = n


def _bits(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def _locally_simple(floor: int, cell: int, ring) -> bool:
    """True if the floor neighbours of ``cell`` stay 4-connected through its 8-neighbour ring, so
    turning ``cell`` into wall cannot disconnect the floor (otherwise a flood fill decides)."""
    bits = [floor >> (cell + o) & 1 for o in ring]
    if not (bits[0] or bits[2] or bits[4] or bits[6]):
        return False
    if 0 not in bits:
        return True
    start = bits.index(0)
    run = 0
    runs_with_orth = set()
    for j in range(1, 9):
        pos = (start + j) % 8
        if bits[pos]:
            if not bits[pos - 1]:
                run += 1
            if not pos & 1:
                runs_with_orth.add(run)
    return len(runs_with_orth) == 1


def make_walls(rng: np.random.Generator, H: int, W: int, density: float, segment_p: float) -> int:
    """Floor bitmask (padded indexing) with interior walls added up to ``density`` while the floor
    stays 4-connected."""
    Wp = W + 2
    floor = 0
    interior = []
    for r in range(1, H - 1):
        for c in range(1, W - 1):
            i = (r + 1) * Wp + c + 1
            interior.append(i)
            floor |= 1 << i
    target = int(round(density * len(interior)))
    placed = 0
    offs = (-Wp, Wp, -1, 1)
    ring = (-Wp, -Wp + 1, 1, Wp + 1, Wp, Wp - 1, -1, -Wp - 1)  # N NE E SE S SW W NW
    n = len(interior)
    order = rng.permutation(n).tolist()
    seg_u = rng.random(n).tolist()
    seg_dir = rng.integers(0, 4, n).tolist()
    seg_len = rng.integers(2, 4, n).tolist()  # segment of 2 or 3 cells
    for j, pick in enumerate(order):
        if placed >= target:
            break
        i = interior[pick]
        if not floor >> i & 1:
            continue
        cells = [i]
        if seg_u[j] < segment_p:
            o = offs[seg_dir[j]]
            cells.extend(i + o * step for step in range(1, seg_len[j]))
        for cell in cells:
            if placed >= target or not floor >> cell & 1:
                break
            trial = floor & ~(1 << cell)
            if not _locally_simple(floor, cell, ring):
                low = trial & -trial
                if _flood(low, trial, Wp) != trial:
                    break
            floor = trial
            placed += 1
    return floor


def reverse_play(rng: np.random.Generator, H: int, W: int, floor: int, k: int):
    """Goals, boxes pulled off them, and the player; None if the attempt is rejected."""
    Wp = W + 2
    cells = _bits(floor)
    if len(cells) < 2 * k + 2:
        return None
    pick = rng.choice(len(cells), size=k + 1, replace=False)
    goals = sorted(cells[j] for j in pick[:k])
    player = cells[int(pick[k])]
    boxes = list(goals)
    offs = (-Wp, Wp, -1, 1)
    pulls = int(rng.integers(3 * k, 10 * k + 1))
    for _ in range(pulls):
        bmask = 0
        for b in boxes:
            bmask |= 1 << b
        free = floor & ~bmask
        reach = _flood(1 << player, free, Wp)
        options = []
        for bi in range(k):
            b = boxes[bi]
            for o in offs:
                p = b + o
                if reach >> p & 1 and free >> (p + o) & 1:
                    options.append((bi, o))
        if not options:
            break
        bi, o = options[int(rng.integers(len(options)))]
        boxes[bi] += o
        player = boxes[bi] + o
    goalset = set(goals)
    if any(b in goalset for b in boxes):
        return None
    bmask = 0
    for b in boxes:
        bmask |= 1 << b
    region = [c for c in _bits(_flood(1 << player, floor & ~bmask, Wp)) if c not in goalset]
    if not region:
        return None
    player = region[int(rng.integers(len(region)))]
    return goals, sorted(boxes), player


GEN_STATE_CAP = 5_000
GEN_MAX_ATTEMPTS = 2_000


def generate_level(rng: np.random.Generator, level: int):
    """(board, boxes, player, SolveResult) of an accepted attempt, or None if the budget runs out."""
    params = LEVEL_PARAMS[level]
    lo, hi = params.w_range
    for _ in range(GEN_MAX_ATTEMPTS):
        W = int(rng.integers(lo, hi + 1))
        H = int(rng.integers(lo, hi + 1))
        floor = make_walls(rng, H, W, params.density, params.segment_p)
        drawn = reverse_play(rng, H, W, floor, params.boxes)
        if drawn is None:
            continue
        goals, boxes, player = drawn
        Wp = W + 2
        walls = [(r, c) for r in range(H) for c in range(W) if not floor >> ((r + 1) * Wp + c + 1) & 1]
        board = Board(H, W, walls, [(g // Wp - 1, g % Wp - 1) for g in goals])
        result = astar(board, boxes, player, max_cost=params.max_moves, max_states=GEN_STATE_CAP)
        if result.status == "solved" and params.min_moves <= result.cost <= params.max_moves:
            return board, tuple(boxes), player, result
    return None
