"""Shingoki (MM-HELIX ``shingoki``): draw one closed loop through lattice points; every circle lies on it, white
circles go straight, black circles turn, and a circle's number is the sum of the two straight runs leaving it.

Generation (spec/tasks/Shingoki.md): the loop is the boundary of a random polyomino of lattice cells grown one
cell at a time while its boundary stays one simple cycle, until the perimeter reaches a target drawn from
[min, min + 8]; the outer border (and rectangles at level 2, and loops under the level's turn floor) are
rejected. Circles are added in random order until the counter proves the puzzle unique (the shortest such
prefix, found by bisection since adding circles never adds solutions), then removed in random order while it
stays unique and the level's circle floor allows. Solver/counter: the shared core.csp engine (:class:`Model`):
one 0/1 variable per lattice segment and one "way to pass it" variable per circle (direction pair, arm lengths,
the segment past each arm end absent), with the task's constraints :class:`Degree` (every point 0 or 2
segments, a circle 2; one bit-sliced propagator), :class:`CircleWay` (a circle's remaining ways, channelled to
the segments) and :class:`SingleLoop` (no premature closed sub-loop; a closed loop must carry everything; run
inside the degree propagator's call); the engine propagates, branches and stops at the second solution.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np

from ...core import GenerationError, Instance, ParseError, RecordError, StepResult, Task, Verdict, record_field
from ...core.csp import CSP, Constraint, explain_search
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
# solver / counter: a core.csp model


OFF_V, ON_V = 1, 2  # domains of a segment variable: bit 0 = absent, bit 1 = drawn


class CircleWay(Constraint):
    """One circle: a configuration variable (which way the loop passes it: direction pair and arm lengths)
    channelled to the segments those ways touch (segment variable = lattice segment bit). Ways that clash with
    decided segments are dropped; segments on which every remaining way agrees are decided."""

    __slots__ = ("cfg", "off", "width", "ons", "offs", "support", "memo")

    def __init__(self, cfg_var: int, off: int, width: int, seg_vars: list[int], configs, memo: dict,
                 label: str = ""):
        super().__init__([cfg_var, *(off + v for v in seg_vars)], label)
        self.cfg, self.off, self.width = cfg_var, off, width
        self.ons = tuple(on for on, _ in configs)
        self.offs = tuple(off for _, off in configs)
        self.support = sum(1 << v for v in seg_vars)
        self.memo = memo  # (drawn, absent within the support, ways left) -> (ways kept, all-on, all-off)

    def propagate(self, dom: list[int]) -> list[int] | None:
        off = self.off
        raw = bytes(dom[off: off + self.width])[::-1]
        sup = self.support
        ON = int(raw.translate(_IS_ON), 2) & sup
        OFF = int(raw.translate(_IS_OFF), 2) & sup
        cv = self.cfg
        cm = dom[cv]
        key = (ON, OFF, cm)
        got = self.memo.get(key)
        if got is None:
            keep = 0
            a_on = a_off = -1
            ons, offs = self.ons, self.offs
            j = 0
            m = cm
            while m:
                if m & 1:
                    on, no = ons[j], offs[j]
                    if not (on & OFF or no & ON):
                        keep |= 1 << j
                        a_on &= on
                        a_off &= no
                m >>= 1
                j += 1
            got = self.memo[key] = (keep, a_on & ~ON, a_off & ~OFF)
        keep, fon, foff = got
        if not keep:
            return None
        changed = []
        if keep != cm:
            dom[cv] = keep
            changed.append(cv)
        for v in bits(fon):
            dom[off + v] = ON_V
            changed.append(off + v)
        for v in bits(foff):
            dom[off + v] = OFF_V
            changed.append(off + v)
        return changed

    def satisfied(self, values) -> bool:
        j = values[self.cfg]
        on = sum(1 << (v - self.off) for v in self.vars[1:] if values[v])
        return on & self.ons[j] == self.ons[j] and not on & self.offs[j]


_IS_ON = bytes(49 if b == ON_V else 48 for b in range(256))
_IS_OFF = bytes(49 if b == OFF_V else 48 for b in range(256))
_IS_OPEN = bytes(49 if b == OFF_V | ON_V else 48 for b in range(256))


class SingleLoop(Constraint):
    """The drawn segments form one closed loop carrying every circle: a closed cycle among the drawn segments
    must be everything drawn and hold every circle (then every other segment is absent); the segment that
    would join the two ends of one path is absent unless that path already is everything and holds every
    circle. Variables are the segment variables (variable = lattice segment bit); the segments it forbids are
    memoised by the drawn set."""

    __slots__ = ("lat", "cmask", "off")

    def __init__(self, lat: Lattice, cmask: int, off: int = 0, label: str = "one loop"):
        super().__init__(range(off, off + 2 * lat.N), label)
        self.lat, self.cmask, self.off = lat, cmask, off

    def forbidden(self, ON: int) -> int | None:
        """The segments the drawn set ``ON`` forbids (None: a contradiction)."""
        cmask = self.cmask
        shape = _loop_shape(self.lat, ON)
        if shape is None:
            return 0
        if shape[0] == "closed":
            _, C, P = shape
            return None if C != P or cmask & ~C else self.lat.all & ~ON
        out = 0
        P = shape[1]
        for s, comp in shape[2]:
            if comp != P or cmask & ~comp:
                out |= 1 << s
        return out

    def propagate(self, dom: list[int]) -> list[int] | None:
        off = self.off
        raw = bytes(dom[off: off + 2 * self.lat.N])[::-1]
        ON = int(raw.translate(_IS_ON), 2)
        bad = self.forbidden(ON)
        if bad is None:
            return None
        bad &= ~int(raw.translate(_IS_OFF), 2)
        out = [off + v for v in bits(bad)]
        for v in out:
            dom[v] = OFF_V
        return out

    def satisfied(self, values) -> bool:
        lat = self.lat
        on = sum(1 << v for v in range(2 * lat.N) if values[self.off + v])
        a, b, c, d = lat.point_masks(on)
        P = a | b | c | d
        return bool(P) and not a ^ b ^ c ^ d and lat.flood(P & -P, on) == P and not self.cmask & ~P


def _counts(a: int, b: int, c: int, d: int) -> tuple[int, int, int, int]:
    """Bit-sliced count of four point sets: (points in none, in exactly one, in exactly two, in three or more)."""
    any_ = a | b | c | d
    s1, c1, s2, c2 = a ^ b, a & b, c ^ d, c & d
    ge2 = c1 | c2 | (s1 & s2)
    ge3 = (c1 & (c | d)) | (c2 & (a | b))
    return ~any_, any_ & ~ge2, ge2 & ~ge3, ge3


class Degree(Constraint):
    """Every point has 0 or 2 segments, a circle's point exactly 2: one bitset propagator over the whole lattice
    (bit-sliced counts of drawn and open segments per point) instead of one table per point. At its fixed point it
    also applies ``loop`` (a :class:`SingleLoop`, which watches the same variables) so that the two run as one
    engine call."""

    __slots__ = ("lat", "cmask", "loop", "off")

    def __init__(self, lat: Lattice, cmask: int, loop: SingleLoop | None = None, off: int = 0,
                 label: str = "degree"):
        super().__init__(range(off, off + 2 * lat.N), label)
        self.lat, self.cmask, self.loop, self.off = lat, cmask, loop, off

    def propagate(self, dom: list[int]) -> list[int] | None:
        lat = self.lat
        N, n = lat.N, lat.n
        off = self.off
        raw = bytes(dom[off: off + 2 * N])[::-1]
        ON = int(raw.translate(_IS_ON), 2)
        UNK = int(raw.translate(_IS_OPEN), 2)
        circ = self.cmask
        hv, vv = lat.hvalid, lat.vvalid
        pts = lat.points
        out = []
        while True:
            a = ON & pts  # bit-sliced counts of drawn (k) and open (u) segments per point, see _counts
            b = a << 1
            c = ON >> N
            d = c << n
            any_ = a | b | c | d
            s1, c1, s2, c2 = a ^ b, a & b, c ^ d, c & d
            ge2 = c1 | c2 | (s1 & s2)
            ge3 = (c1 & (c | d)) | (c2 & (a | b))
            k0, k1, k2 = ~any_, any_ & ~ge2, ge2 & ~ge3
            a = UNK & pts
            b = a << 1
            c = UNK >> N
            d = c << n
            uany = a | b | c | d
            s1, c1, s2, c2 = a ^ b, a & b, c ^ d, c & d
            uge2 = c1 | c2 | (s1 & s2)
            u0, u1, u2 = ~uany, uany & ~uge2, uge2 & ~((c1 & (c | d)) | (c2 & (a | b)))
            if ge3 & pts or k1 & u0 & pts or k0 & circ & (u0 | u1):
                return None
            off_pts = (k2 | (k0 & u1 & ~circ)) & pts
            on_pts = ((k1 & u1) | (k0 & circ & u2)) & pts
            offs = (((off_pts | (off_pts >> 1)) & hv) | (((off_pts | (off_pts >> n)) & vv) << N)) & UNK
            ons = (((on_pts | (on_pts >> 1)) & hv) | (((on_pts | (on_pts >> n)) & vv) << N)) & UNK
            if offs & ons:
                return None
            if not offs and not ons:
                if self.loop is None:
                    return out
                bad = self.loop.forbidden(ON)
                if bad is None:
                    return None
                offs = bad & UNK
                if not offs:
                    return out
            for v in bits(offs):
                dom[off + v] = OFF_V
                out.append(off + v)
            for v in bits(ons):
                dom[off + v] = ON_V
                out.append(off + v)
            ON |= ons
            UNK &= ~(ons | offs)

    def satisfied(self, values) -> bool:
        lat = self.lat
        on = sum(1 << v for v in range(2 * lat.N) if values[self.off + v])
        _, k1, k2, k3 = _counts(*lat.point_masks(on))
        ok = not (k1 | k3) & lat.points and not self.cmask & ~k2
        return ok and (self.loop is None or self.loop.satisfied(values))


@lru_cache(maxsize=256)
def _degree(n: int, cmask: int, off: int) -> Degree:
    return Degree(Lattice.of(n), cmask, SingleLoop(Lattice.of(n), cmask, off), off, label="degree and one loop")


_WAY_MEMO: dict = {}


@lru_cache(maxsize=4096)
def _way_static(n: int, circle: tuple) -> tuple:
    """The position-independent part of a circle's :class:`CircleWay`: ways, support bits, memo, label."""
    lat = Lattice.of(n)
    r, c, kd, v = circle
    cf = circle_configs(lat, r * n + c, kd, v)
    support = lat.inc[r * n + c]
    for on, no in cf:
        support |= on | no
    memo = _WAY_MEMO.setdefault((n, circle), {})
    if len(memo) > 20_000:
        memo.clear()
    return (tuple(on for on, _ in cf), tuple(no for _, no in cf), support, tuple(bits(support)), memo,
            f"{_colour(kd)} circle {v} at ({r},{c})")


def _circle_way(n: int, cfg_var: int, off: int, circle: tuple) -> CircleWay:
    ons, offs, support, seg_bits, memo, label = _way_static(n, circle)
    way = CircleWay.__new__(CircleWay)
    way.vars = (cfg_var, *(off + b for b in seg_bits))
    way.label = label
    way.cfg, way.off, way.width = cfg_var, off, 2 * n * n
    way.ons, way.offs, way.support, way.memo = ons, offs, support, memo
    return way


_SHAPES: dict = {}


def _loop_shape(lat: Lattice, ON: int):
    """The structure of the drawn segments ``ON`` (memoised per lattice, shared by every circle set): None (nothing
    drawn), ("closed", component of a closed cycle, all drawn points) or ("open", all drawn points, [(segment
    joining the two ends of a path, that path's points), ...])."""
    key = (lat.n, ON)
    got = _SHAPES.get(key, 0)
    if got != 0:
        return got
    if len(_SHAPES) > 200_000:
        _SHAPES.clear()
    a, b, c, d = lat.point_masks(ON)
    P = a | b | c | d
    if not P:
        shape = None
    else:
        E1 = a ^ b ^ c ^ d
        reach = lat.flood(E1, ON) if E1 else 0
        closed = P & ~reach
        if closed:
            shape = ("closed", lat.flood(closed & -closed, ON), P)
        else:
            joins = []
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
                if s is not None and not ON >> s & 1:
                    joins.append((s, comp))
            shape = ("open", P, tuple(joins))
    _SHAPES[key] = shape
    return shape


class Model:
    """The puzzle as a core.csp CSP: first one configuration variable per circle (variable j: the ways the loop
    can pass circle j), then one 0/1 variable per lattice segment bit (variable m + s for segment bit s: the
    horizontal segment of point p is bit p, the vertical one N + p; the bits past the right and bottom edge are
    fixed absent); constraints: one :class:`Degree` (0 or 2 segments per point, exactly 2 at a circle; it also
    applies :class:`SingleLoop`) and a :class:`CircleWay` per circle. The engine branches on a circle with two
    ways left, else on the first open segment (row by row, horizontal ones first)."""

    def __init__(self, n: int, circles):
        self.n = n
        self.lat = lat = Lattice.of(n)
        self.circles = [(int(r), int(c), str(k), int(v)) for r, c, k, v in circles]
        k = 2 * lat.N
        m = self.m = len(self.circles)
        cpoints = {r * n + c for r, c, _, _ in self.circles}
        self.cmask = sum(1 << p for p in cpoints)
        configs = [circle_configs(lat, r * n + c, kd, v) for r, c, kd, v in self.circles]
        doms = [OFF_V | ON_V if lat.all >> s & 1 else OFF_V for s in range(k)]
        self.csp = csp = CSP([(1 << len(cf)) - 1 for cf in configs] + doms)
        csp.add(_degree(n, self.cmask, m))
        for j, circle in enumerate(self.circles):
            csp.add(_circle_way(n, j, m, circle))
        self.result = None

    def loop_of(self, values) -> int:
        m = self.m
        return sum(1 << s for s in range(2 * self.lat.N) if values[m + s])

    def search(self, limit: int = 2, max_nodes: int | None = MAX_NODES, log: list | None = None) -> list[int]:
        res = self.csp.search(limit, max_nodes=max_nodes, log=log)
        self.result = res
        if not res.complete:
            raise GenerationError("Shingoki search budget exhausted")
        return [self.loop_of(vals) for vals in res.solutions]

    def explain(self) -> tuple[list[str], int | None]:
        log: list = []
        sols = self.search(1, max_nodes=None, log=log)
        lat = self.lat
        m = self.m
        cons = self.csp.constraints

        def acts(changes) -> str:
            return "; ".join(("draw " if after == ON_V else "leave out ") + lat.sname(var - m)
                             for var, _, after in changes if var >= m)

        def deduce(ci: int, changes, before) -> str:
            c = cons[ci]
            what = acts(changes)
            if isinstance(c, CircleWay):
                ways = before[c.vars[0]].bit_count()
                head = f"{c.label.capitalize()}: of its {ways} remaining way(s) to pass it, those that fit"
                return f"{head} all {what}." if what else f"{head} are fewer."
            return (f"Every point needs 0 or 2 segments (2 at a circle) and no loop may close early: {what}.")

        def fail(ci: int, before) -> str:
            c = cons[ci]
            if isinstance(c, CircleWay):
                return f"Contradiction: the {c.label} can no longer be met."
            return ("Contradiction: some point cannot get 0 or 2 segments (2 at a circle), or a closed loop forms "
                    "that leaves other lines or circles outside.")

        def guess(var: int, value: int, cands: int) -> str:
            if var >= m:
                return f"Suppose {lat.sname(var - m)} is {'drawn' if value else 'left out'}."
            r, c, kd, v = self.circles[var]
            on, _ = circle_configs(lat, r * self.n + c, kd, v)[value]
            return f"Suppose the loop passes the circle at ({r},{c}) along {lat.snames(on)}."

        def undo(var: int, value: int) -> str:
            if var >= m:
                return f"That fails, so {lat.sname(var - m)} is {'left out' if value else 'drawn'}."
            return "That fails; drop that way."

        lines = explain_search(log, deduce=deduce, fail=fail,
                               leaf_fail=lambda ci: "Contradiction: the drawn lines do not form one loop through "
                                                    "every circle.",
                               guess=guess, undo=undo, stuck="No rule forces more; try the first open choice.",
                               dead_lines=DEAD_BRANCH_LINES)
        if sols:
            lines.append("The loop is complete and every circle is satisfied.")
        return lines, (sols[0] if sols else None)


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
                    if len(Model(n, rest).search(2)) == 1:
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
        if len(Model(n, order).search(2)) != 1:
            return None
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if len(Model(n, order[:mid]).search(2)) == 1:
                hi = mid
            else:
                lo = mid
        return order[:max(hi, min(floor, len(order)))]

    def solver(self, inst: Instance) -> Model:
        return Model(self.size(inst), inst.state["circles"])

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
                "loop_length": int(self.solution(inst)).bit_count(), "search_nodes": s.result.nodes,
                "propagations": s.result.propagations}

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

__all__ = ["LEVEL_SIZE", "TASK", "Lattice", "Model", "Shingoki", "answer_text", "circle_configs", "loop_circles",
           "parse_segments"]
