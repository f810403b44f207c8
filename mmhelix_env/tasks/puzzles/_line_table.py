"""A fast table constraint for whole grid lines (private helper of Skyscrapers and Nonogram).

:class:`LineTable` is a :class:`~mmhelix_env.core.csp.Table` whose options (the allowed tuples of one line) are
compiled once per key (e.g. ``("sky", n, front, back)``) and shared by every instance: for each position and
value a bit set over the options, so generalised arc consistency costs about 2·len·|values| big-int operations
instead of a scan over all options (or, when at most ``FEW`` options are left, the union of their values), plus
a bounded cache from the line's domains to the narrowed domains (repeated counts from the same clues revisit the
same line states; the bound is per key, ``CACHE_LIMIT`` unless the key's owner asks for more).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter

from ...core.csp import Constraint, Table

CACHE_LIMIT = 500  # cached line states per key by default (cleared when full)
FEW = 8  # at most this many options alive: narrow by their union instead of per-value support tests


class Compiled:
    """The options of one line kind, with per-(position, value) option bit sets."""

    __slots__ = ("tuples", "packed", "index", "memo", "results", "all", "values", "width", "field", "full",
                 "limit")

    def __init__(self, tuples: Sequence[Sequence[int]], values: Sequence[int], limit: int = CACHE_LIMIT):
        self.limit = limit
        self.tuples = tuple(sorted({tuple(int(x) for x in t) for t in tuples}))
        self.values = tuple(sorted(int(v) for v in values))
        self.width = max(self.values) + 1
        self.field = (1 << self.width) - 1
        self.full = sum(1 << v for v in self.values)
        length = len(self.tuples[0]) if self.tuples else 0
        w = self.width
        self.packed = tuple(sum(1 << (x + i * w) for i, x in enumerate(t)) for t in self.tuples)
        index = [[0] * self.width for _ in range(length)]
        for k, t in enumerate(self.tuples):
            bit = 1 << k
            for i, x in enumerate(t):
                index[i][x] |= bit
        self.index = tuple(tuple(row) for row in index)
        self.memo: tuple[dict[int, int], ...] = tuple({} for _ in range(length))
        self.results: dict[tuple[int, ...], tuple[int, ...] | None] = {}
        self.all = (1 << len(self.tuples)) - 1


_COMPILED: dict[object, Compiled] = {}


def compiled(key: object, options: Callable[[], Sequence[Sequence[int]]], values: Sequence[int],
             limit: int = CACHE_LIMIT) -> Compiled:
    """The shared compiled options for ``key`` (``options()`` is called only the first time; ``limit``: cached
    line states kept for it)."""
    got = _COMPILED.get(key)
    if got is None:
        got = _COMPILED[key] = Compiled(options(), values, limit)
    return got


def _key_getter(vs: list[int]) -> Callable[[Sequence[int]], tuple[int, ...]]:
    if len(vs) > 1:
        return itemgetter(*vs)
    return lambda dom: tuple(dom[v] for v in vs)


class LineTable(Table):
    """The line's variables take one of the compiled options (GAC). ``satisfied`` checks option membership
    through the index (subclasses may override with a direct rule check)."""

    def __init__(self, vars: Sequence[int], comp: Compiled, label: str = ""):
        Constraint.__init__(self, vars, label)
        if comp.tuples and len(comp.tuples[0]) != len(self.vars):
            raise ValueError(f"options of length {len(comp.tuples[0])} for {len(self.vars)} variables")
        self.comp = comp
        self._key = _key_getter(list(self.vars))  # the line's domains as a tuple (the cache key)
        self.tuples, self.packed = comp.tuples, comp.packed
        self.width, self.field = comp.width, comp.field

    def propagate(self, dom: list[int]) -> list[int] | None:
        vs = self.vars
        key = self._key(dom)
        comp = self.comp
        cache = comp.results
        out = cache.get(key, 0)
        if out == 0:
            out = self.narrow(key)
            if len(cache) > comp.limit:
                cache.clear()
            cache[key] = out
        if out is None:
            return None
        if out == key:
            return []
        changed = []
        for v, m, new in zip(vs, key, out):
            if m != new:
                dom[v] = new
                changed.append(v)
        return changed

    def alive_bits(self, doms: Sequence[int]) -> int:
        """The bit set of options compatible with the line's domains."""
        comp = self.comp
        index, memo, full, values = comp.index, comp.memo, comp.full, comp.values
        alive = comp.all
        for i, m in enumerate(doms):
            m &= full
            if m != full:
                s = memo[i].get(m)
                if s is None:
                    row = index[i]
                    s = 0
                    for x in values:
                        if m >> x & 1:
                            s |= row[x]
                    memo[i][m] = s
                alive &= s
                if not alive:
                    return 0
        return alive

    def narrow(self, doms: tuple[int, ...]) -> tuple[int, ...] | None:
        """The line's domains narrowed to the options still alive (None: none is)."""
        comp = self.comp
        index, memo, full = comp.index, comp.memo, comp.full
        alive = comp.all
        for i, m in enumerate(doms):
            m &= full
            if m != full:
                s = memo[i].get(m)
                if s is None:
                    row = index[i]
                    s = 0
                    mm = m
                    while mm:
                        low = mm & -mm
                        s |= row[low.bit_length() - 1]
                        mm ^= low
                    memo[i][m] = s
                alive &= s
                if not alive:
                    return None
        if alive.bit_count() <= FEW:  # few options left: the union of their values, position by position
            packed = comp.packed
            u = 0
            while alive:
                low = alive & -alive
                u |= packed[low.bit_length() - 1]
                alive ^= low
            w, field = comp.width, comp.field
            return tuple([(u >> (i * w)) & field for i in range(len(doms))])
        out = []
        for i, m in enumerate(doms):
            if m & (m - 1):
                row = index[i]
                new = 0
                mm = m & full
                while mm:
                    low = mm & -mm
                    if alive & row[low.bit_length() - 1]:
                        new |= low
                    mm ^= low
                m = new
            out.append(m)
        return tuple(out)

    def count_alive(self, dom: Sequence[int]) -> int:
        """How many options fit the current domains (for traces)."""
        return self.alive_bits([dom[v] for v in self.vars]).bit_count()

    def satisfied(self, values: Sequence[int]) -> bool:
        return self.alive_bits([1 << values[v] for v in self.vars]) != 0


__all__ = ["CACHE_LIMIT", "FEW", "Compiled", "LineTable", "compiled"]
