"""Shingoki (MM-HELIX ``shingoki``): draw one closed loop through lattice points; every circle lies on it, white
circles go straight, black circles turn, and a circle's number is the sum of the two straight runs leaving it.

Generation (spec/tasks/Shingoki.md): the loop is the boundary of a random polyomino of lattice cells grown one
cell at a time while its boundary stays one simple cycle, until the perimeter reaches a target drawn from
[min, min + 8]; the outer border (and rectangles at level 2, and loops under the level's turn floor) are
rejected. Circles are added in random order until the counter proves the puzzle unique (the shortest such
prefix, found by bisection since adding circles never adds solutions), then removed in random order while it
stays unique and the level's circle floor allows. Solver/counter: segment bitmasks (ON/OFF) with propagation:
per circle the arm configurations still possible (direction pair, arm lengths, the segment past each arm end
absent), point degrees 0 or 2, no premature closed sub-loop; it branches on the segments leaving a path end (or
on a circle's configurations) and stops at the second solution.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ...core import GenerationError, Instance, ParseError, RecordError, StepResult, Task, Verdict, record_field
from ...core.grid_puzzle import SizeCache, SquareSize, bits
from ...core.parsing import bounded
from ...render.canvas import BACKGROUND, INK, MUTED, PALETTE, WHITE, draw_text, fit_font, font, new_canvas

LEVEL_SIZE = {1: 3, 2: 4, 3: 5, 4: 6, 5: 7}
MIN_LEN = {1: 6, 2: 10, 3: 16, 4: 22, 5: 30}
MIN_TURNS = {1: 0, 2: 0, 3: 8, 4: 10, 5: 12}
CIRCLE_FLOOR = {1: 3, 2: 4, 3: 4, 4: 6, 5: 10}
CIRCLE_CAP = {1: 4, 2: 8, 3: 8, 4: 10, 5: 14}
NO_RECTANGLE = {2}
MAX_DRAWS = 300
MAX_NODES = 20_000
DEAD_BRANCH_LINES = 6
DIRS = {"L": (0, -1), "R": (0, 1), "U": (-1, 0), "D": (1, 0)}
LINE = (205, 203, 196)
LOOP = PALETTE[0]
FORMAT_LINES = ("List all segments separated by spaces in one continuous string. Write each segment as "
                "(row1,col1)-(row2,col2) joining two neighbouring points, in loop order, ending back at the start.\n"
                "Example answer format: (0,0)-(0,1) (0,1)-(1,1) (1,1)-(1,0) (1,0)-(0,0)")

Circle = tuple[int, int, str, int]


# ---------------------------------------------------------------------------------------------------------------
# lattice geometry: bit p = horizontal segment (p)-(p+1), bit N + p = vertical segment (p)-(p+n)


class Lattice(SizeCache):
    def __init__(self, n: int):
        self.n = n
        N = self.N = n * n
        self.points = (1 << N) - 1
        col_last = sum(1 << (r * n + n - 1) for r in range(n))
        self.hvalid = self.points & ~col_last
        self.vvalid = self.points & ~(((1 << n) - 1) << (N - n))
        self.all = self.hvalid | (self.vvalid << N)
        self.inc = []
        for p in range(N):
            r, c = divmod(p, n)
            m = 0
            if c > 0:
                m |= 1 << (p - 1)
            if c < n - 1:
                m |= 1 << p
            if r > 0:
                m |= 1 << (N + p - n)
            if r < n - 1:
                m |= 1 << (N + p)
            self.inc.append(m)
        self.ends = {}
        for s in bits(self.all):
            p = s if s < N else s - N
            self.ends[s] = (p, p + 1) if s < N else (p, p + n)

    def seg(self, p: int, q: int) -> int | None:
        """Bit of the segment between points p and q (None if not neighbours)."""
        n = self.n
        a, b = min(p, q), max(p, q)
        if b - a == 1 and a % n != n - 1:
            return a
        if b - a == n:
            return self.N + a
        return None

    def step(self, p: int, d: str) -> int | None:
        r, c = divmod(p, self.n)
        dr, dc = DIRS[d]
        r, c = r + dr, c + dc
        return r * self.n + c if 0 <= r < self.n and 0 <= c < self.n else None

    def point_masks(self, on: int) -> tuple[int, int, int, int]:
        """(right, left, down, up) segment presence per point."""
        N, n = self.N, self.n
        h = on & self.points
        v = on >> N
        return h, h << 1, v, v << n

    def flood(self, seed: int, on: int) -> int:
        N, n = self.N, self.n
        h = on & self.points
        v = on >> N
        reach = seed
        while True:
            nxt = reach | ((reach & h) << 1) | ((reach >> 1) & h) | ((reach & v) << n) | ((reach >> n) & v)
            if nxt == reach:
                return reach
            reach = nxt

    def pname(self, p: int) -> str:
        return f"({p // self.n},{p % self.n})"

    def sname(self, s: int) -> str:
        p, q = self.ends[s]
        return f"{self.pname(p)}-{self.pname(q)}"

    def snames(self, m: int) -> str:
        return ", ".join(self.sname(s) for s in bits(m))


_CONFIGS: dict = {}


def circle_configs(lat: Lattice, p: int, kind: str, value: int) -> tuple[tuple[int, int], ...]:
    key = (lat.n, p, kind, value)
    got = _CONFIGS.get(key)
    if got is None:
        got = _CONFIGS[key] = tuple(_circle_configs(lat, p, kind, value))
    return got


def _circle_configs(lat: Lattice, p: int, kind: str, value: int) -> list[tuple[int, int]]:
    """(on, off) segment masks of every way the loop can pass circle ``p`` meeting its colour and number."""
    pairs = (("L", "R"), ("U", "D")) if kind == "W" else (("L", "U"), ("L", "D"), ("R", "U"), ("R", "D"))
    out = []
    for d1, d2 in pairs:
        for a in range(1, value):
            b = value - a
            on = off = 0
            ok = True
            for d, length in ((d1, a), (d2, b)):
                q = p
                for _ in range(length):
                    nxt = lat.step(q, d)
                    if nxt is None:
                        ok = False
                        break
                    on |= 1 << lat.seg(q, nxt)
                    q = nxt
                if not ok:
                    break
                beyond = lat.step(q, d)
                if beyond is not None:
                    off |= 1 << lat.seg(q, beyond)
            if ok:
                off |= lat.inc[p] & ~on
                out.append((on, off))
    return out


def loop_circles(lat: Lattice, on: int) -> dict[int, tuple[str, int]]:
    """Colour and number of every point of a loop (given as a segment mask)."""
    out = {}
    for p in range(lat.N):
        ds = [d for d in "LRUD" if (q := lat.step(p, d)) is not None and on >> lat.seg(p, q) & 1]
        if len(ds) != 2:
            continue
        total = 0
        for d in ds:
            q = p
            while (nxt := lat.step(q, d)) is not None and on >> lat.seg(q, nxt) & 1:
                total += 1
                q = nxt
        out[p] = ("W" if set(ds) in ({"L", "R"}, {"U", "D"}) else "B", total)
    return out


# ---------------------------------------------------------------------------------------------------------------
# solver / counter


class Solver:
    def __init__(self, n: int, circles):
        self.n = n
        self.lat = lat = Lattice.of(n)
        self.circles = [(int(r), int(c), str(k), int(v)) for r, c, k, v in circles]
        self.cpoints = [r * n + c for r, c, _, _ in self.circles]
        self.cmask = sum(1 << p for p in self.cpoints)
        self.configs0 = [circle_configs(lat, r * n + c, k, v) for r, c, k, v in self.circles]
        self.support = [lat.inc[p] | sum(on | off for on, off in cfg) for p, cfg in zip(self.cpoints, self.configs0)]
        self.nodes = 0
        self.steps = 0
        self.checks = 0

    def propagate(self, ON: int, OFF: int, cfgs: list, log: list | None = None, dirty: int = -1):
        lat = self.lat
        inc = lat.inc
        N = lat.N
        cmask = self.cmask
        ALL = lat.all
        while True:
            while True:
                self.steps += 1
                ON0, OFF0 = ON, OFF
                new = []
                support = self.support
                for j, cand0 in enumerate(cfgs):
                    if not support[j] & dirty:
                        new.append(cand0)
                        continue
                    self.checks += len(cand0)
                    cand = [cf for cf in cand0 if not cf[0] & OFF and not cf[1] & ON]
                    if not cand:
                        if log is not None:
                            r, c, k, v = self.circles[j]
                            log.append(f"Contradiction: the {_colour(k)} circle {v} at ({r},{c}) can no longer be met.")
                        return None
                    a_on = ALL
                    a_off = ALL
                    for on, off in cand:
                        a_on &= on
                        a_off &= off
                    fon = a_on & ~ON
                    foff = a_off & ~OFF
                    if fon or foff:
                        ON |= fon
                        OFF |= foff
                        if log is not None:
                            r, c, k, v = self.circles[j]
                            parts = []
                            if fon:
                                parts.append(f"draw {lat.snames(fon)}")
                            if foff:
                                parts.append(f"leave out {lat.snames(foff)}")
                            log.append(f"{_colour(k).capitalize()} circle {v} at ({r},{c}): {len(cand)} way(s) "
                                       f"to pass it still fit; all {' and '.join(parts)}.")
                    new.append(cand)
                cfgs = new
                if ON & OFF:
                    return None
                changed = ALL if dirty == -1 else dirty | (ON ^ ON0) | (OFF ^ OFF0)
                h = changed & lat.points
                v = changed >> N
                pts = h | (h << 1) | v | (v << lat.n)
                for p in bits(pts):
                    m = inc[p]
                    on = ON & m
                    k = on.bit_count()
                    u = m & ~ON & ~OFF
                    if k > 2:
                        if log is not None:
                            log.append(f"Contradiction: point {lat.pname(p)} has {k} segments.")
                        return None
                    if not u:
                        if k == 1:
                            if log is not None:
                                log.append(f"Contradiction: the line dead-ends at {lat.pname(p)}.")
                            return None
                        if k == 0 and cmask >> p & 1:
                            if log is not None:
                                log.append(f"Contradiction: the circle at {lat.pname(p)} cannot be reached.")
                            return None
                        continue
                    nu = u.bit_count()
                    if k == 2:
                        OFF |= u
                        if log is not None:
                            log.append(f"Point {lat.pname(p)} already has two segments: leave out {lat.snames(u)}.")
                    elif k == 1:
                        if nu == 1:
                            ON |= u
                            if log is not None:
                                log.append(f"The line at {lat.pname(p)} can only continue along {lat.snames(u)}.")
                    elif cmask >> p & 1:
                        if nu < 2:
                            return None
                        if nu == 2:
                            ON |= u
                            if log is not None:
                                log.append(f"The circle at {lat.pname(p)} has only {lat.snames(u)} left: draw both.")
                    elif nu == 1:
                        OFF |= u
                        if log is not None:
                            log.append(f"Point {lat.pname(p)} has one possible segment, so the line cannot pass it: "
                                       f"leave out {lat.snames(u)}.")
                dirty = (ON ^ ON0) | (OFF ^ OFF0)
                if not dirty:
                    break
            # loop structure
            a, b, c, d = lat.point_masks(ON)
            P = a | b | c | d
            if not P:
                return ON, OFF, cfgs
            E1 = a ^ b ^ c ^ d
            reach = lat.flood(E1, ON) if E1 else 0
            closed = P & ~reach
            if closed:
                C = lat.flood(closed & -closed, ON)
                if C != P or cmask & ~C:
                    if log is not None:
                        log.append("Contradiction: a closed loop forms that leaves other lines or circles outside.")
                    return None
                rest = ALL & ~ON & ~OFF
                if rest and log is not None:
                    log.append("The loop is closed; every other segment stays empty.")
                return ON, ALL & ~ON, cfgs
            # no premature closure: joining the two ends of one path closes a loop
            newoff = 0
            seen = 0
            for e in bits(E1):
                if seen >> e & 1:
                    continue
                comp = lat.flood(1 << e, ON)
                seen |= comp
                f = comp & E1 & ~(1 << e)
                if not f:
                    continue
                s = lat.seg(e, f.bit_length() - 1)
                if s is None or not (ALL & ~ON & ~OFF) >> s & 1:
                    continue
                if comp != P or cmask & ~comp:
                    newoff |= 1 << s
                    if log is not None:
                        log.append(f"Joining the ends {lat.pname(e)} and {lat.pname(f.bit_length() - 1)} would close "
                                   f"a loop too early: leave out {lat.sname(s)}.")
            if not newoff:
                return ON, OFF, cfgs
            OFF |= newoff
            dirty = newoff

    def branches(self, ON: int, OFF: int, cfgs: list) -> list[tuple[int, int, str]]:
        """A complete case split: (extra ON, extra OFF, description) per case."""
        lat = self.lat
        a, b, c, d = lat.point_masks(ON)
        E1 = a ^ b ^ c ^ d
        best = None
        for e in bits(E1):
            u = lat.inc[e] & ~ON & ~OFF
            if best is None or u.bit_count() < best[1].bit_count():
                best = (e, u)
                if u.bit_count() <= 2:
                    break
        if best is not None:
            e, u = best
            return [(1 << s, u & ~(1 << s), f"the line at {lat.pname(e)} continues along {lat.sname(s)}")
                    for s in bits(u)]
        open_cfgs = [(len(cand), j) for j, cand in enumerate(cfgs) if len(cand) > 1]
        if open_cfgs:
            _, j = min(open_cfgs)
            r, c, k, v = self.circles[j]
            return [(on, off, f"the loop passes the circle at ({r},{c}) along {lat.snames(on)}")
                    for on, off in cfgs[j]]
        u = lat.all & ~ON & ~OFF
        s = (u & -u).bit_length() - 1
        return [(1 << s, 0, f"{lat.sname(s)} is drawn"), (0, 1 << s, f"{lat.sname(s)} is left out")]

    def search(self, limit: int = 2, max_nodes: int | None = MAX_NODES) -> list[int]:
        out: list[int] = []
        ALL = self.lat.all

        def dfs(ON: int, OFF: int, cfgs: list, dirty: int) -> None:
            self.nodes += 1
            if max_nodes is not None and self.nodes > max_nodes:
                raise GenerationError("Shingoki search budget exhausted")
            res = self.propagate(ON, OFF, cfgs, dirty=dirty)
            if res is None:
                return
            ON, OFF, cfgs = res
            if ON | OFF == ALL:
                if self.valid(ON):
                    out.append(ON)
                return
            for on, off, _ in self.branches(ON, OFF, cfgs):
                if on & OFF or off & ON:
                    continue
                dfs(ON | on, OFF | off, cfgs, on | off)
                if len(out) >= limit:
                    return

        self.nodes = 0
        dfs(0, 0, list(self.configs0), -1)
        return out

    def valid(self, ON: int) -> bool:
        lat = self.lat
        a, b, c, d = lat.point_masks(ON)
        P = a | b | c | d
        if not P or a ^ b ^ c ^ d:
            return False
        return lat.flood(P & -P, ON) == P and not self.cmask & ~P  # circle configs were matched by propagation

    def explain(self) -> tuple[list[str], int | None]:
        lines: list[str] = []
        ALL = self.lat.all

        def dfs(ON: int, OFF: int, cfgs: list, depth: int, dirty: int) -> int | None:
            log: list[str] = []
            res = self.propagate(ON, OFF, cfgs, log, dirty=dirty)
            pad = "  " * depth
            lines.extend(pad + x for x in log)
            if res is None:
                return None
            ON, OFF, cfgs = res
            if ON | OFF == ALL:
                if self.valid(ON):
                    lines.append(pad + "The loop is complete and every circle is satisfied.")
                    return ON
                lines.append(pad + "Contradiction: the drawn lines do not form one loop through every circle.")
                return None
            cases = [x for x in self.branches(ON, OFF, cfgs) if not (x[0] & OFF or x[1] & ON)]
            lines.append(pad + f"No rule forces more; try the {len(cases)} cases in turn.")
            for on, off, what in cases:
                lines.append(pad + f"Suppose {what}.")
                mark = len(lines)
                got = dfs(ON | on, OFF | off, cfgs, depth + 1, on | off)
                if got is not None:
                    return got
                if len(lines) - mark > DEAD_BRANCH_LINES:
                    lines[mark:] = lines[mark: mark + DEAD_BRANCH_LINES - 1] + [
                        pad + f"  ... ({len(lines) - mark - DEAD_BRANCH_LINES} more steps) ...", lines[-1]]
                lines.append(pad + "That fails.")
            return None

        return lines, dfs(0, 0, list(self.configs0), 0, -1)


def _colour(k: str) -> str:
    return "white" if k == "W" else "black"


# ---------------------------------------------------------------------------------------------------------------
# generation helpers


def grow_loop(rng: np.random.Generator, n: int, target: int) -> int | None:
    """Segment mask of the boundary of a random polyomino of (n-1)x(n-1) cells with a simple boundary (cells
    are bits of a padded (n+1)x(n+1) board; the padding is always outside)."""
    m = n - 1
    w = m + 2
    inner = sum(1 << ((i + 1) * w + j + 1) for i in range(m) for j in range(m))
    board = (1 << (w * w)) - 1
    start = (int(rng.integers(m)) + 1) * w + int(rng.integers(m)) + 1
    cells = 1 << start
    per = 4
    size = 1
    while per < target and size + 1 < m * m:
        spread = ((cells << 1) | (cells >> 1) | (cells << w) | (cells >> w)) & inner & ~cells
        cands = []
        for x in bits(spread):
            new = cells | 1 << x
            if _pinched(new, x, w):
                continue
            # with one orthogonal neighbour in the polyomino and no pinch, the free cells around x stay one arc,
            # so no hole can appear; otherwise flood the free cells
            if sum(cells >> y & 1 for y in (x - 1, x + 1, x - w, x + w)) > 1 and _holed(new, board, w):
                continue
            cands.append(x)
        if not cands:
            break
        x = cands[int(rng.integers(len(cands)))]
        shared = sum(1 for y in (x - 1, x + 1, x - w, x + w) if cells >> y & 1)
        per += 4 - 2 * shared
        cells |= 1 << x
        size += 1
    return _boundary(Lattice.of(n), {((x // w) - 1, (x % w) - 1) for x in bits(cells)})


def _pinched(cells: int, x: int, w: int) -> bool:
    """Two cells meeting only at a corner of cell ``x``."""
    for tl in (x - w - 1, x - w, x - 1, x):  # top-left cells of the four 2x2 windows holding x
        a, b, c, d = cells >> tl & 1, cells >> (tl + 1) & 1, cells >> (tl + w) & 1, cells >> (tl + w + 1) & 1
        if (a and d and not b and not c) or (b and c and not a and not d):
            return True
    return False


def _holed(cells: int, board: int, w: int) -> bool:
    """Some outside cell is enclosed (the complement is not one region touching the padding)."""
    free = board & ~cells
    reach = 1
    while True:
        nxt = (reach | (reach << 1) | (reach >> 1) | (reach << w) | (reach >> w)) & free
        if nxt == reach:
            return reach != free
        reach = nxt


def _boundary(lat: Lattice, cells) -> int:
    n = lat.n
    on = 0
    for i, j in cells:
        p = i * n + j
        for s, other in ((p, (i - 1, j)), (p + n, (i + 1, j)), (lat.N + p, (i, j - 1)), (lat.N + p + 1, (i, j + 1))):
            if other not in cells:
                on ^= 1 << s
    return on


def loop_order(lat: Lattice, on: int) -> list[int]:
    """The loop's points in order, from the smallest point, first step towards the smaller neighbour."""
    start = min(p for s in bits(on) for p in lat.ends[s])
    nbrs = sorted(q for s in bits(on & lat.inc[start]) for q in lat.ends[s] if q != start)
    order = [start]
    prev, cur = start, nbrs[0]
    while cur != start:
        order.append(cur)
        nxt = [q for s in bits(on & lat.inc[cur]) for q in lat.ends[s] if q != cur and q != prev]
        prev, cur = cur, nxt[0]
    return order


def answer_text(lat: Lattice, on: int) -> str:
    pts = loop_order(lat, on)
    return " ".join(f"{lat.pname(p)}-{lat.pname(q)}" for p, q in zip(pts, pts[1:] + pts[:1]))


# ---------------------------------------------------------------------------------------------------------------
# parsing

_POINT = r"[(\[]\s*(-?\d+)\s*,\s*(-?\d+)\s*[)\]]"
_SEGMENT = re.compile(_POINT + r"\s*(?:->|→|-|–|—|to)\s*" + _POINT, re.ASCII | re.I)
_POINT_RE = re.compile(_POINT, re.ASCII)


def parse_segments(text: str, max_chars: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    text = bounded(text, max_chars)
    segs = [((int(a), int(b)), (int(c), int(d))) for a, b, c, d in _SEGMENT.findall(text)]
    if segs:
        if len(segs) > 5_000:
            raise ParseError(f"too many segments ({len(segs)})")
        return segs
    pts = [(int(a), int(b)) for a, b in _POINT_RE.findall(text)]
    if len(pts) < 2:
        raise ParseError("no segments like (r1,c1)-(r2,c2) and no point sequence found")
    if len(pts) > 5_000:
        raise ParseError(f"too many points ({len(pts)})")
    if pts[-1] == pts[0]:
        pts = pts[:-1]
    return list(zip(pts, pts[1:] + pts[:1]))


# ---------------------------------------------------------------------------------------------------------------
# the task


class Shingoki(SquareSize, Task):
    name = "Shingoki"
    category = "puzzles"
    benchmark_id = "shingoki"
    generator_key = "shingoki"
    score_function = "shingoki_evaluator"
    version = "1"
    answer_format = "loop segments (r1,c1)-(r2,c2) separated by spaces, in loop order"
    max_answer_chars = 20_000
    step_mode = True

    # ----- generation ------------------------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        n = LEVEL_SIZE[level]
        lat = Lattice.of(n)
        border = _boundary(lat, {(i, j) for i in range(n - 1) for j in range(n - 1)})
        for _ in range(MAX_DRAWS):
            target = int(rng.integers(MIN_LEN[level], MIN_LEN[level] + 9))
            loop = grow_loop(rng, n, target)
            if loop is None or loop == border or loop.bit_count() < MIN_LEN[level]:
                continue
            info = loop_circles(lat, loop)
            turns = sum(1 for k, _ in info.values() if k == "B")
            if turns < MIN_TURNS[level] or (level in NO_RECTANGLE and turns == 4):
                continue
            pts = sorted(info)
            order = [(p // n, p % n, *info[p]) for p in (pts[int(i)] for i in rng.permutation(len(pts)))]
            try:
                circles = self._unique_prefix(n, order, loop, CIRCLE_FLOOR[level])
                if circles is None:
                    continue
                for cand in [circles[i] for i in rng.permutation(len(circles)).tolist()]:
                    if len(circles) <= CIRCLE_FLOOR[level]:
                        break
                    rest = [c for c in circles if c != cand]
                    if len(Solver(n, rest).search(2)) == 1:
                        circles = rest
            except GenerationError:
                continue
            if len(circles) > CIRCLE_CAP[level]:
                continue
            state = {"n": n, "circles": [list(c) for c in sorted(circles)]}
            return state, loop
        raise GenerationError(f"Shingoki: no unique {n}x{n} puzzle in {MAX_DRAWS} draws")  # pragma: no cover

    @staticmethod
    def _unique_prefix(n: int, order, loop: int, floor: int):
        lo, hi = 0, len(order)
        if len(Solver(n, order).search(2)) != 1:
            return None
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if len(Solver(n, order[:mid]).search(2)) == 1:
                hi = mid
            else:
                lo = mid
        return order[:max(hi, min(floor, len(order)))]

    def solver(self, inst: Instance) -> Solver:
        return Solver(self.size(inst), inst.state["circles"])

    # ----- solving ---------------------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> int:
        sols = self.solver(inst).search(1, max_nodes=None)
        if not sols:
            raise ValueError("this Shingoki has no solution")
        return sols[0]

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return answer_text(Lattice.of(self.size(inst)), int(solution))

    def count(self, inst: Instance, limit: int = 2) -> int:
        return len(self.solver(inst).search(limit, max_nodes=None))

    def stats(self, inst: Instance) -> dict:
        s = self.solver(inst)
        s.search(2, max_nodes=None)
        return {"n": self.size(inst), "circles": len(inst.state["circles"]),
                "loop_length": int(self.solution(inst)).bit_count(), "search_nodes": s.nodes,
                "propagation_rounds": s.steps, "config_checks": s.checks}

    # ----- verification ----------------------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        n = self.size(inst)
        segs = parse_segments(answer, self.max_answer_chars)
        lat = Lattice.of(n)
        on = 0
        for (r1, c1), (r2, c2) in segs:
            if not all(0 <= x < n for x in (r1, c1, r2, c2)):
                return Verdict.fail(f"segment ({r1},{c1})-({r2},{c2}) leaves the {n}x{n} lattice (rows and columns "
                                    f"0-{n - 1})", 0.0, None)
            s = lat.seg(r1 * n + c1, r2 * n + c2)
            if s is None:
                return Verdict.fail(f"({r1},{c1})-({r2},{c2}) does not join two neighbouring points", 0.0, None)
            on |= 1 << s
        return self.check_mask(inst, on)

    def check_mask(self, inst: Instance, on: int) -> Verdict:
        n = self.size(inst)
        lat = Lattice.of(n)
        problems = []
        a, b, c, d = lat.point_masks(on)
        P = a | b | c | d
        loop_ok = True
        if not P:
            loop_ok = False
            problems.append("no segments drawn")
        else:
            for p in bits(P):
                k = (on & lat.inc[p]).bit_count()
                if k != 2:
                    loop_ok = False
                    problems.append(f"point {lat.pname(p)} has {k} segment{'s' if k != 1 else ''}, not 2")
                    break
            if loop_ok and lat.flood(P & -P, on) != P:
                loop_ok = False
                problems.append("the segments form more than one loop")
        info = loop_circles(lat, on) if loop_ok else {}
        good = 0
        bad = []
        for r, c, k, v in inst.state["circles"]:
            p = r * n + c
            if not P >> p & 1:
                bad.append(f"the {_colour(k)} circle at ({r},{c}) is not on the loop")
            elif not loop_ok:
                bad.append("")
            elif info[p][0] != k:
                how = "turns" if k == "W" else "goes straight"
                bad.append(f"the loop {how} at the {_colour(k)} circle at ({r},{c})")
            elif info[p][1] != v:
                bad.append(f"the {_colour(k)} circle at ({r},{c}) has arms summing to {info[p][1]}, not {v}")
            else:
                good += 1
        shown = [x for x in bad if x]
        problems += shown[:2] + ([f"(and {len(shown) - 2} more unmet circles)"] if len(shown) > 2 else [])
        if loop_ok and not bad:
            return Verdict.ok(on, "correct: one closed loop through every circle, with every colour and number met")
        total = max(1, len(inst.state["circles"]))
        score = 0.5 * loop_ok + 0.5 * good / total
        return Verdict.fail("; ".join(problems) or "circles not met", score, on)

    # ----- presentation ----------------------------------------------------------------------------------------
    def layout(self, n: int, size: int) -> tuple[float, float, float, float]:
        """(point spacing, x of column 0, y of row 0, centre offset of the index labels)."""
        margin = size * 0.03
        band = size * 0.055
        sp = (size - 2 * margin - band) / (n - 1 + 0.8)
        x0 = margin + band + 0.4 * sp
        return sp, x0, x0, margin + band / 2

    def render(self, inst: Instance, play: Any = None, size: int = 512):
        n = self.size(inst)
        lat = Lattice.of(n)
        img, draw = new_canvas(size, BACKGROUND)
        sp, x0, y0, lab_at = self.layout(n, size)

        def xy(p: int) -> tuple[float, float]:
            return (x0 + (p % n) * sp, y0 + (p // n) * sp)

        for s in bits(lat.all):
            p, q = lat.ends[s]
            draw.line([xy(p), xy(q)], fill=LINE, width=max(1, round(size / 400)))
        if play is not None:
            for i, v in enumerate(play):
                if v:
                    p, q = lat.ends[_action_segment(n, i)]
                    draw.line([xy(p), xy(q)], fill=LOOP, width=max(3, round(sp * 0.09)))
        dot = max(2, sp * 0.05)
        for p in range(lat.N):
            x, y = xy(p)
            draw.ellipse([x - dot, y - dot, x + dot, y + dot], fill=MUTED)
        lab = font(max(10, round(min(sp * 0.32, size * 0.04))))
        for i in range(n):
            draw_text(draw, (x0 + i * sp, lab_at), str(i), lab, fill=MUTED)
            draw_text(draw, (lab_at, y0 + i * sp), str(i), lab, fill=MUTED)
        rad = sp * 0.33
        num_font = fit_font("12", rad * 1.45, rad * 1.0, bold=True)
        for r, c, k, v in inst.state["circles"]:
            x, y = xy(r * n + c)
            box = [x - rad, y - rad, x + rad, y + rad]
            if k == "W":
                draw.ellipse(box, fill=WHITE, outline=INK, width=max(2, round(rad * 0.1)))
                draw_text(draw, (x, y), str(v), num_font, fill=INK)
            else:
                draw.ellipse(box, fill=INK, outline=INK)
                draw_text(draw, (x, y), str(v), num_font, fill=WHITE)
        return img

    def rules(self, n: int) -> str:
        return (f"This is a Shingoki puzzle on a lattice of {n}x{n} points. Points are named (row,column) with "
                f"rows and columns numbered 0 to {n - 1}; (0,0) is the top-left point, rows grow downward and columns "
                "to the right. A segment joins two horizontally or vertically neighbouring points.\n"
                "Rules:\n"
                "1. Draw exactly one closed loop of segments: every point on the loop has exactly two segments, no "
                "branches or crossings. The loop need not visit every point.\n"
                "2. Every circle lies on the loop.\n"
                "3. At a white circle the loop goes straight through; at a black circle it turns 90 degrees.\n"
                "4. A circle's number is the sum of the lengths (in segments) of the two straight runs leaving the "
                "circle along the loop (for a white circle: the whole straight run through it).\n")

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        n = self.size(inst)
        if modality == "image":
            return (self.rules(n) + "The picture shows the points as dots with their row and column indices; white "
                    "circles are drawn white with a dark number, black circles filled black with a white number.\n"
                    + FORMAT_LINES + "\n")
        if modality == "text":
            tok = {(r, c): f"{k}{v}" for r, c, k, v in inst.state["circles"]}
            grid = ["    " + " ".join(f"{c:>3}" for c in range(n))]
            grid += [f"{r:>3} " + " ".join(f"{tok.get((r, c), '.'):>3}" for c in range(n)) for r in range(n)]
            return (self.rules(n) + "\nThe points (W<v> = white circle with number v, B<v> = black circle with number "
                    "v, . = plain point; the header gives column indices, each line starts with its row index):\n"
                    + "\n".join(grid) + "\n\n" + FORMAT_LINES + "\n")
        raise ValueError(f"unknown modality {modality!r}; use 'image' or 'text'")

    # ----- trace -----------------------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        n = self.size(inst)
        lat = Lattice.of(n)
        body, on = self.solver(inst).explain()
        if on is None:
            raise ValueError("this Shingoki has no solution")
        circles = ", ".join(f"{_colour(k)} {v} at ({r},{c})" for r, c, k, v in inst.state["circles"])
        lines = [f"The {n}x{n} lattice has circles: {circles}.",
                 "For each circle, list the ways the loop can pass it (white: straight, black: a turn; arm lengths "
                 "adding up to its number, the line stopping right after each arm), keep the ways that fit the "
                 "segments decided so far and draw or exclude what they all share; every point has 0 or 2 "
                 "segments, and no smaller loop may close early:",
                 *body,
                 f"Loop in order: {' -> '.join(lat.pname(p) for p in loop_order(lat, on))}.",
                 f"Answer: {answer_text(lat, on)}"]
        return "\n".join(lines)

    # ----- reference records -----------------------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record_field(record.get("initial_state"))
        for _ in range(2):
            if isinstance(raw, str):
                raw = record_field(raw)
        if isinstance(raw, dict):
            raw = raw.get("grid", raw.get("initial_state"))
        if not isinstance(raw, (list, tuple)) or not raw:
            raise RecordError("initial_state must be an n x n list of '.', 'W<v>' or 'B<v>'")
        n = len(raw)
        if not 2 <= n <= 12 or any(not isinstance(row, (list, tuple)) or len(row) != n for row in raw):
            raise RecordError("initial_state must be a square grid of size 2..12")
        circles = []
        for r, row in enumerate(raw):
            for c, tok in enumerate(row):
                tok = str(tok).strip()
                if tok in (".", "", "0"):
                    continue
                m = re.fullmatch(r"([WB])(\d{1,2})", tok, re.ASCII)
                if not m or not 2 <= int(m.group(2)) <= 2 * (n - 1):
                    raise RecordError(f"bad point token {tok!r} at ({r},{c})")
                circles.append([r, c, m.group(1), int(m.group(2))])
        return {"n": n, "circles": circles}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        n = int(state["n"])
        return n - 2 if 3 <= n <= 7 else None

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> int:
        return int(verdict.parsed)

    # ----- step mode -------------------------------------------------------------------------------------------
    def action_shape(self, inst: Instance) -> tuple[int, ...]:
        n = self.size(inst)
        return (2 * n * (n - 1),)

    def level_action_shape(self, level: int) -> tuple[int, ...]:
        n = LEVEL_SIZE[level]
        return (2 * n * (n - 1),)

    def play_init(self, inst: Instance) -> tuple[int, ...]:
        return (0,) * self.action_shape(inst)[0]

    def play_apply(self, inst: Instance, play: Any, action: Any) -> StepResult:
        k = self.action_shape(inst)[0]
        try:
            i = int(np.asarray(action).reshape(-1)[0]) if not isinstance(action, (int, np.integer)) else int(action)
        except (TypeError, ValueError, IndexError):
            return StepResult(play, False, f"an action is a segment index 0-{k - 1}, got {action!r}")
        if not 0 <= i < k:
            return StepResult(play, False, f"action {i} is outside 0-{k - 1}")
        n = self.size(inst)
        new = play[:i] + (1 - play[i],) + play[i + 1:]
        name = Lattice.of(n).sname(_action_segment(n, i))
        return StepResult(new, True, f"{'drew' if new[i] else 'erased'} segment {name}")

    def play_mask(self, inst: Instance, play: Any) -> np.ndarray:
        return np.ones(self.action_shape(inst), dtype=bool)

    def play_on(self, inst: Instance, play: Any) -> int:
        n = self.size(inst)
        return sum(1 << _action_segment(n, i) for i, v in enumerate(play) if v)

    def play_solved(self, inst: Instance, play: Any) -> bool:
        return self.check_mask(inst, self.play_on(inst, play)).correct

    def step_limit(self, inst: Instance) -> int:
        return 4 * self.action_shape(inst)[0]

    def expert_actions(self, inst: Instance) -> list[int]:
        n = self.size(inst)
        on = int(self.solution(inst))
        return [i for i in range(self.action_shape(inst)[0]) if on >> _action_segment(n, i) & 1]

    def play_prompt(self, inst: Instance, play: Any, modality: str = "image") -> str:
        n = self.size(inst)
        play = play if play is not None else self.play_init(inst)
        base = self.prompt(inst, modality).rstrip()
        lat = Lattice.of(n)
        drawn = [lat.sname(_action_segment(n, i)) for i, v in enumerate(play) if v]
        k = self.action_shape(inst)[0]
        h = n * (n - 1)
        if modality == "image":
            current = "The image shows the segments drawn so far as thick coloured lines."
        else:
            current = "Segments drawn so far: " + (" ".join(drawn) if drawn else "none") + "."
        return (f"{base}\n\nYou draw the loop one move at a time. {current} {len(drawn)} segments are drawn. Each "
                f"move is one segment index 0-{k - 1} and toggles that segment: indices 0-{h - 1} are the horizontal "
                f"segments row by row ((r,c)-(r,c+1) is index r*{n - 1}+c), indices {h}-{k - 1} the vertical ones "
                f"((r,c)-(r+1,c) is index {h}+r*{n}+c). The puzzle is solved as soon as the drawn segments satisfy "
                "every rule.")


def _action_segment(n: int, i: int) -> int:
    """Lattice segment bit of step-mode action ``i`` (horizontal row-major, then vertical)."""
    h = n * (n - 1)
    if i < h:
        r, c = divmod(i, n - 1)
        return r * n + c
    return n * n + (i - h)


TASK = Shingoki()

__all__ = ["LEVEL_SIZE", "TASK", "Lattice", "Shingoki", "Solver", "answer_text", "circle_configs", "loop_circles",
           "parse_segments"]
