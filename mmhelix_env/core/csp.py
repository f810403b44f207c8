"""A small, fast, deterministic finite-domain CSP engine for the grid puzzles.

Variables are ``0 .. n-1``; a domain is a Python int used as a bit set (bit ``v`` set = value ``v``
allowed; values are small non-negative ints). A :class:`Constraint` narrows domains in
``propagate(dom)`` and checks a full assignment in ``satisfied(values)``. :class:`CSP` runs propagation
to a fixed point (a queue of the constraints watching changed variables), branches on the variable with
the fewest values (lowest index on ties; values ascending unless a ``value_order`` is given), copies the
domain list on each branch, and counts nodes and propagator calls.

    csp = CSP([mask_of(range(1, 5))] * 16, names=[...])
    csp.add(AllDifferent(row_vars, label="row 0"))
    csp.add(Less(a, b))
    res = csp.search(limit=2)            # SearchResult(count, solutions, nodes, propagations, complete)
    csp.count_solutions(limit=2)         # -> 0, 1 or 2
    csp.solve()                          # -> values list or None
    csp.find_other(solution, free_vars)  # a solution that differs from ``solution`` on free_vars, or None

Built-in constraints: :class:`AllDifferent` (naked and hidden singles, pigeonhole), :class:`Less`,
:class:`Sum` (weights, optional all-different; compiled to a table when small, else bounds),
:class:`Count` (how many variables take values in a set), :class:`Table` (allowed tuples, packed
bit sets), :class:`Predicate` (any Python test, forward checking), and :func:`arithmetic` (KenKen cage as a
table). Search domains must be subsets of the domains the CSP was built with (tables are compiled from
those). Nothing here is random: a seeded ``value_order`` is how generators draw random solutions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# ---------------------------------------------------------------------------------------------------------------
# bit-set helpers


def mask_of(values: Iterable[int]) -> int:
    """The domain holding exactly ``values``."""
    m = 0
    for v in values:
        m |= 1 << int(v)
    return m


def _small_values() -> tuple[tuple[int, ...], ...]:
    table: list[tuple[int, ...]] = [()]
    for m in range(1, 1 << 10):
        low = m & -m
        table.append((low.bit_length() - 1,) + table[m ^ low])
    return tuple(table)


_SMALL_VALUES = _small_values()  # the values of every domain within 0..9 (digit puzzles)


def values_of(mask: int) -> list[int]:
    """The values of a domain, ascending (a table for values below 10, else one step per value, so that a wide
    sparse domain such as a set of grid cells costs as little as a narrow one)."""
    if mask < 1024:
        return list(_SMALL_VALUES[mask])
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def single(mask: int) -> int | None:
    """The value of a one-value domain, else None."""
    if mask and not mask & (mask - 1):
        return mask.bit_length() - 1
    return None


def format_values(mask: int) -> str:
    """``{1,3,4}`` (the values of a domain)."""
    return "{" + ",".join(map(str, values_of(mask))) + "}"


# ---------------------------------------------------------------------------------------------------------------
# constraints


class Constraint:
    """Base class. ``vars`` are the variables it watches; ``label`` names it in traces ("row 3").

    ``propagate(dom)`` narrows ``dom`` (a list of domains) in place and returns the variables it
    narrowed (``[]`` when nothing changed) or ``None`` on a contradiction. It must be sound: it never
    removes a value that some solution within the current domains uses. ``satisfied(values)`` checks a
    complete assignment (``values[var]``); the engine checks every constraint at each leaf, so a weak
    propagator costs search nodes, never correctness. ``prepare(domains)`` is called once when the
    constraint is added, with the CSP's initial domains.
    """

    __slots__ = ("vars", "label")

    def __init__(self, vars: Sequence[int], label: str = ""):
        self.vars = tuple(int(v) for v in vars)
        self.label = label

    def prepare(self, domains: Sequence[int]) -> None:
        pass

    def propagate(self, dom: list[int]) -> list[int] | None:
        return []

    def satisfied(self, values: Sequence[int]) -> bool:
        raise NotImplementedError

    def why(self, var: int, before: int, after: int, dom: Sequence[int], name: Callable[[int], str]) -> str:
        """A short human-readable reason for narrowing ``var`` from ``before`` to ``after`` (``dom``
        is the domain list before this propagator call)."""
        removed = values_of(before & ~after)
        what = f"{name(var)} = {single(after)}" if single(after) is not None else \
            f"{name(var)} is not {_or_list(removed)}"
        return f"{self.label or type(self).__name__}: {what}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.label or self.vars})"


def _or_list(values: list[int]) -> str:
    if len(values) <= 1:
        return "".join(map(str, values))
    return ", ".join(map(str, values[:-1])) + " or " + str(values[-1])


class AllDifferent(Constraint):
    """Pairwise different values. Naked singles (a fixed value leaves the others), hidden singles (when
    the variables' values are exactly as many as the variables, a value with one place goes there) and
    the pigeonhole test (fewer values than variables is a contradiction)."""

    __slots__ = ()

    def propagate(self, dom: list[int]) -> list[int] | None:
        vs = self.vars
        changed: list[int] = []
        while True:
            fixed = once = twice = 0
            open_vars = 0
            for v in vs:
                m = dom[v]
                if m & (m - 1):
                    twice |= once & m
                    once |= m
                    open_vars += 1
                elif fixed & m or not m:
                    return None
                else:
                    fixed |= m
            if once & fixed:  # naked singles: placed values leave the open cells
                again = False
                for v in vs:
                    m = dom[v]
                    if m & fixed and m & (m - 1):
                        m &= ~fixed
                        if not m:
                            return None
                        dom[v] = m
                        changed.append(v)
                        if not m & (m - 1):
                            again = True
                if again:
                    continue
                once &= ~fixed
                twice &= ~fixed
            count = once.bit_count()
            if count < open_vars:  # pigeonhole
                return None
            if count == open_vars:  # every open value is needed: hidden singles
                hidden = once & ~twice
                if hidden:
                    again = False
                    for v in vs:
                        m = dom[v]
                        h = m & hidden
                        if h:
                            if h & (h - 1):
                                return None
                            if h != m:
                                dom[v] = h
                                changed.append(v)
                                again = True
                    if again:
                        continue
            return changed

    def satisfied(self, values: Sequence[int]) -> bool:
        seen = [values[v] for v in self.vars]
        return len(set(seen)) == len(seen)

    def why(self, var, before, after, dom, name):
        label = self.label or "all different"
        value = single(after)
        removed = before & ~after
        placed = {single(dom[v]): v for v in self.vars if v != var and single(dom[v]) is not None}
        if value is not None and not all(x in placed for x in values_of(removed)):
            return f"{label}: {value} has no other place, so {name(var)} = {value} (hidden single)"
        names = ", ".join(f"{x} at {name(placed[x])}" for x in values_of(removed) if x in placed)
        tail = f" so {name(var)} = {value}" if value is not None else f" leaving {format_values(after)}"
        return f"{label}: already has {names};{tail}"


class Less(Constraint):
    """``x[a] < x[b]`` (bounds consistency, which is arc consistency here)."""

    __slots__ = ()

    def __init__(self, a: int, b: int, label: str = ""):
        super().__init__((a, b), label)

    def propagate(self, dom: list[int]) -> list[int] | None:
        a, b = self.vars
        da = dom[a]
        db = dom[b]
        na = da & ((1 << (db.bit_length() - 1)) - 1) if db else 0
        if not na:
            return None
        low = (na & -na).bit_length()  # min(a) + 1
        nb = db & ~((1 << low) - 1)
        if not nb:
            return None
        changed = []
        if na != da:
            dom[a] = na
            changed.append(a)
        if nb != db:
            dom[b] = nb
            changed.append(b)
        return changed

    def satisfied(self, values: Sequence[int]) -> bool:
        return values[self.vars[0]] < values[self.vars[1]]

    def why(self, var, before, after, dom, name):
        a, b = self.vars
        label = self.label or f"{name(a)} < {name(b)}"
        if var == a:
            top = dom[b].bit_length() - 1
            reason = f"{name(a)} must be below {name(b)}, which is at most {top}"
        else:
            low = (dom[a] & -dom[a]).bit_length() - 1
            reason = f"{name(b)} must be above {name(a)}, which is at least {low}"
        value = single(after)
        result = f"{name(var)} = {value}" if value is not None else f"{name(var)} in {format_values(after)}"
        return f"{label}: {reason}, so {result}"


class Table(Constraint):
    """The variables' values form one of the allowed ``tuples`` (generalised arc consistency).

    Each tuple is packed into one int (one bit per variable field), so a tuple is alive iff
    ``popcount(tuple & packed domains) == arity``."""

    __slots__ = ("tuples", "packed", "width", "field")

    def __init__(self, vars: Sequence[int], tuples: Iterable[Sequence[int]], label: str = ""):
        super().__init__(vars, label)
        self.tuples = tuple(sorted({tuple(int(x) for x in t) for t in tuples}))
        for t in self.tuples:
            if len(t) != len(self.vars):
                raise ValueError(f"tuple {t} does not match {len(self.vars)} variables")
        top = max((x for t in self.tuples for x in t), default=0)
        self.width = top + 1
        self.field = (1 << self.width) - 1
        w = self.width
        self.packed = tuple(sum(1 << (x + i * w) for i, x in enumerate(t)) for t in self.tuples)

    @classmethod
    def from_predicate(cls, vars: Sequence[int], domains: Sequence[int], test: Callable[[tuple], bool],
                       label: str = "", max_tuples: int = 100_000) -> Table:
        """Every tuple of the variables' domains that passes ``test``."""
        vars = tuple(vars)
        out: list[tuple] = []
        options = [values_of(domains[v]) for v in vars]

        def rec(i: int, acc: list[int]) -> None:
            if i == len(vars):
                t = tuple(acc)
                if test(t):
                    out.append(t)
                    if len(out) > max_tuples:
                        raise ValueError(f"more than {max_tuples} tuples")
                return
            for x in options[i]:
                acc.append(x)
                rec(i + 1, acc)
                acc.pop()

        rec(0, [])
        return cls(vars, out, label)

    def propagate(self, dom: list[int]) -> list[int] | None:
        vs = self.vars
        w = self.width
        fmask = self.field
        packed_dom = 0
        shift = 0
        for v in vs:
            packed_dom |= (dom[v] & fmask) << shift
            shift += w
        k = len(vs)
        support = 0
        for t in self.packed:
            if (t & packed_dom).bit_count() == k:
                support |= t
        if not support:
            return None
        changed = []
        shift = 0
        for v in vs:
            m = (support >> shift) & fmask
            if m != dom[v]:
                dom[v] = m
                changed.append(v)
            shift += w
        return changed

    def satisfied(self, values: Sequence[int]) -> bool:
        return tuple(values[v] for v in self.vars) in set(self.tuples)

    def alive(self, dom: Sequence[int]) -> list[tuple[int, ...]]:
        """The tuples still possible under ``dom`` (for traces)."""
        return [t for t in self.tuples if all(dom[v] >> x & 1 for v, x in zip(self.vars, t))]

    def why(self, var, before, after, dom, name):
        label = self.label or "table"
        alive = self.alive(dom)
        value = single(after)
        result = f"{name(var)} = {value}" if value is not None else f"{name(var)} in {format_values(after)}"
        return f"{label}: {len(alive)} option(s) still fit and all give {result}"


class Sum(Constraint):
    """``sum(w_i * x_i) == target`` (weights default to 1), optionally with all values different.

    When the tuples allowed by the initial domains are few (``max_tuples``), the constraint is compiled
    into a :class:`Table` (full arc consistency; cached across instances); otherwise it propagates bounds
    (plus naked singles when ``distinct``)."""

    __slots__ = ("weights", "target", "distinct", "table", "max_tuples")

    def __init__(self, vars: Sequence[int], target: int, weights: Sequence[int] | None = None, *,
                 distinct: bool = False, label: str = "", max_tuples: int = 2_000):
        super().__init__(vars, label)
        self.weights = tuple(int(w) for w in weights) if weights is not None else (1,) * len(self.vars)
        if len(self.weights) != len(self.vars):
            raise ValueError("one weight per variable")
        self.target = int(target)
        self.distinct = bool(distinct)
        self.max_tuples = max_tuples
        self.table: Table | None = None

    def prepare(self, domains: Sequence[int]) -> None:
        tuples = _sum_tuples(self.weights, self.target, tuple(domains[v] for v in self.vars), self.distinct,
                             self.max_tuples)
        if tuples is not None:
            self.table = Table(self.vars, tuples, self.label)

    def propagate(self, dom: list[int]) -> list[int] | None:
        if self.table is not None:
            return self.table.propagate(dom)
        return self._bounds(dom)

    def _bounds(self, dom: list[int]) -> list[int] | None:
        vs = self.vars
        ws = self.weights
        changed: list[int] = []
        while True:
            lo = hi = 0
            lows = []
            highs = []
            fixed = 0
            for v, w in zip(vs, ws):
                m = dom[v]
                if not m:
                    return None
                a = (m & -m).bit_length() - 1
                b = m.bit_length() - 1
                x, y = (w * a, w * b) if w >= 0 else (w * b, w * a)
                lows.append(x)
                highs.append(y)
                lo += x
                hi += y
                if self.distinct and not m & (m - 1):
                    if fixed & m:
                        return None
                    fixed |= m
            if lo > self.target or hi < self.target:
                return None
            again = False
            for i, (v, w) in enumerate(zip(vs, ws)):
                m = dom[v]
                keep = m
                if self.distinct and m & (m - 1):
                    keep &= ~fixed
                if w and m & (m - 1):
                    top = self.target - (lo - lows[i])   # w*x <= top
                    bottom = self.target - (hi - highs[i])  # w*x >= bottom
                    bits = keep
                    keep = 0
                    while bits:
                        b = bits & -bits
                        bits ^= b
                        x = w * (b.bit_length() - 1)
                        if bottom <= x <= top:
                            keep |= b
                if keep != m:
                    if not keep:
                        return None
                    dom[v] = keep
                    changed.append(v)
                    again = True
            if not again:
                return changed

    def satisfied(self, values: Sequence[int]) -> bool:
        xs = [values[v] for v in self.vars]
        if self.distinct and len(set(xs)) != len(xs):
            return False
        return sum(w * x for w, x in zip(self.weights, xs)) == self.target

    def alive(self, dom: Sequence[int]) -> list[tuple[int, ...]]:
        """The allowed tuples still possible under ``dom`` (compiled sums only)."""
        return self.table.alive(dom) if self.table is not None else []

    def why(self, var, before, after, dom, name):
        label = self.label or f"sum = {self.target}"
        value = single(after)
        result = f"{name(var)} = {value}" if value is not None else f"{name(var)} in {format_values(after)}"
        if self.table is not None:
            return f"{label}: {len(self.alive(dom))} way(s) to make {self.target} still fit and all give {result}"
        return f"{label}: the other cells can make only a limited range, so {result}"


@lru_cache(maxsize=4096)
def _sum_tuples(weights: tuple[int, ...], target: int, domains: tuple[int, ...], distinct: bool,
                max_tuples: int) -> tuple[tuple[int, ...], ...] | None:
    """Every tuple within ``domains`` meeting the weighted sum (None when more than ``max_tuples``)."""
    k = len(weights)
    options = [values_of(m) for m in domains]
    contrib = [sorted(w * x for x in opts) for w, opts in zip(weights, options)]
    rest_lo = [0] * (k + 1)
    rest_hi = [0] * (k + 1)
    for i in range(k - 1, -1, -1):
        if not contrib[i]:
            return ()
        rest_lo[i] = rest_lo[i + 1] + contrib[i][0]
        rest_hi[i] = rest_hi[i + 1] + contrib[i][-1]
    out: list[tuple[int, ...]] = []
    acc: list[int] = []

    def rec(i: int, total: int, used: int) -> bool:
        if i == k:
            if total == target:
                out.append(tuple(acc))
                return len(out) <= max_tuples
            return True
        need = target - total
        if need < rest_lo[i] or need > rest_hi[i]:
            return True
        w = weights[i]
        for x in options[i]:
            if distinct and used >> x & 1:
                continue
            acc.append(x)
            ok = rec(i + 1, total + w * x, used | (1 << x))
            acc.pop()
            if not ok:
                return False
        return True

    if not rec(0, 0, 0):
        return None
    return tuple(out)


class Count(Constraint):
    """Between ``lo`` and ``hi`` of the variables take a value in ``values`` (a bit set); ``hi``
    defaults to ``lo`` (exactly k). E.g. exactly n/2 ones in a Binairo row: ``Count(row, mask_of([1]), n // 2)``."""

    __slots__ = ("values", "lo", "hi")

    def __init__(self, vars: Sequence[int], values: int, lo: int, hi: int | None = None, label: str = ""):
        super().__init__(vars, label)
        self.values = int(values)
        self.lo = int(lo)
        self.hi = int(lo if hi is None else hi)

    def propagate(self, dom: list[int]) -> list[int] | None:
        sel = self.values
        must = can = 0
        for v in self.vars:
            m = dom[v]
            if m & sel:
                can += 1
                if not m & ~sel:
                    must += 1
        if must > self.hi or can < self.lo:
            return None
        changed = []
        if must == self.hi and can > must:
            for v in self.vars:
                m = dom[v]
                if m & sel and m & ~sel:
                    dom[v] = m & ~sel
                    changed.append(v)
        elif can == self.lo and can > must:
            for v in self.vars:
                m = dom[v]
                if m & sel and m & ~sel:
                    dom[v] = m & sel
                    changed.append(v)
        return changed

    def satisfied(self, values: Sequence[int]) -> bool:
        k = sum(1 for v in self.vars if self.values >> values[v] & 1)
        return self.lo <= k <= self.hi

    def why(self, var, before, after, dom, name):
        label = self.label or "count"
        value = single(after)
        result = f"{name(var)} = {value}" if value is not None else f"{name(var)} in {format_values(after)}"
        inside = bool(after & self.values)
        need = f"exactly {self.lo}" if self.lo == self.hi else f"{self.lo}..{self.hi}"
        how = "every remaining candidate is needed" if inside else "the quota is already full"
        return f"{label}: needs {need}; {how}, so {result}"


class Predicate(Constraint):
    """Any rule given as ``test(values_tuple) -> bool`` over the variables (in ``vars`` order). It
    prunes by forward checking: once a single variable is open, its values that fail are removed."""

    __slots__ = ("test",)

    def __init__(self, vars: Sequence[int], test: Callable[[tuple], bool], label: str = ""):
        super().__init__(vars, label)
        self.test = test

    def propagate(self, dom: list[int]) -> list[int] | None:
        open_i = -1
        vals = []
        for i, v in enumerate(self.vars):
            m = dom[v]
            if m & (m - 1):
                if open_i >= 0:
                    return []
                open_i = i
                vals.append(0)
            else:
                vals.append(m.bit_length() - 1)
        if open_i < 0:
            return [] if self.test(tuple(vals)) else None
        v = self.vars[open_i]
        m = dom[v]
        keep = 0
        for x in values_of(m):
            vals[open_i] = x
            if self.test(tuple(vals)):
                keep |= 1 << x
        if not keep:
            return None
        if keep != m:
            dom[v] = keep
            return [v]
        return []

    def satisfied(self, values: Sequence[int]) -> bool:
        return bool(self.test(tuple(values[v] for v in self.vars)))


ARITHMETIC_OPS = {"+": "+", "-": "-", "−": "-", "*": "*", "×": "*", "x": "*", "/": "/", "÷": "/"}


def arithmetic(vars: Sequence[int], op: str, target: int, domains: Sequence[int], *,
               distinct_pairs: Iterable[tuple[int, int]] = (), label: str = "") -> Table:
    """A KenKen/Calcudoku cage as a :class:`Table`: ``+`` sum, ``*`` product, ``-`` |a-b| (two cells),
    ``/`` max = target * min exactly (two cells). ``distinct_pairs`` are index pairs (into ``vars``) of
    cells that share a row or column and so must differ."""
    kind = ARITHMETIC_OPS.get(op)
    if kind is None:
        raise ValueError(f"unknown operator {op!r}")
    if kind in "-/" and len(vars) != 2:
        raise ValueError(f"operator {op!r} needs exactly two cells")
    pairs = tuple(distinct_pairs)

    def test(t: tuple) -> bool:
        if any(t[i] == t[j] for i, j in pairs):
            return False
        if kind == "+":
            return sum(t) == target
        if kind == "*":
            p = 1
            for x in t:
                p *= x
            return p == target
        a, b = min(t), max(t)
        if kind == "-":
            return b - a == target
        return a != 0 and b == target * a

    return Table.from_predicate(vars, domains, test, label=label or f"{target}{op}")


# ---------------------------------------------------------------------------------------------------------------
# search


class BudgetExceeded(RuntimeError):
    """A search ran past its node budget (the result is then unknown)."""


@dataclass
class SearchResult:
    """``count`` solutions found (stops at the limit), the solutions as value lists, and the work done.
    ``complete`` is False when the node budget ran out first (``count`` is then a lower bound)."""

    count: int
    solutions: list[list[int]] = field(default_factory=list)
    nodes: int = 0
    propagations: int = 0
    complete: bool = True


class CSP:
    """Variables with bit-set domains plus constraints; propagation, counting and solving."""

    def __init__(self, domains: Sequence[int], names: Sequence[str] | None = None):
        self.domains = [int(m) for m in domains]
        self.names = list(names) if names is not None else None
        self.constraints: list[Constraint] = []
        self._watch: list[list[int]] = [[] for _ in self.domains]
        self.nodes = 0
        self.propagations = 0

    def __len__(self) -> int:
        return len(self.domains)

    def name(self, var: int) -> str:
        return self.names[var] if self.names is not None else f"x{var}"

    def add(self, constraint: Constraint) -> Constraint:
        """Add a constraint (its ``prepare`` sees the initial domains); returns it."""
        constraint.prepare(self.domains)
        index = len(self.constraints)
        self.constraints.append(constraint)
        for v in dict.fromkeys(constraint.vars):
            self._watch[v].append(index)
        return constraint

    def fixed(self, assignment: dict[int, int] | Sequence[int | None], domains: Sequence[int] | None = None
              ) -> list[int]:
        """A copy of the domains with some variables fixed: ``{var: value}``, or a list of values by
        variable where ``None`` leaves the variable open."""
        dom = list(self.domains if domains is None else domains)
        items = assignment.items() if isinstance(assignment, dict) else enumerate(assignment)
        for v, x in items:
            if x is not None:
                dom[v] &= 1 << int(x)
        return dom

    # ----- propagation --------------------------------------------------------------------------------------
    def _fix(self, dom: list[int], queue: list[int]) -> bool:
        cons = self.constraints
        watch = self._watch
        inq = bytearray(len(cons))
        for ci in queue:
            inq[ci] = 1
        calls = 0
        while queue:
            ci = queue.pop()
            inq[ci] = 0
            calls += 1
            changed = cons[ci].propagate(dom)
            if changed is None:
                self.propagations += calls
                return False
            for v in changed:
                for cj in watch[v]:
                    if not inq[cj] and cj != ci:
                        inq[cj] = 1
                        queue.append(cj)
        self.propagations += calls
        return True

    def _fix_logged(self, dom: list[int], queue: list[int], log: list) -> bool:
        cons = self.constraints
        watch = self._watch
        inq = bytearray(len(cons))
        for ci in queue:
            inq[ci] = 1
        while queue:
            ci = queue.pop()
            inq[ci] = 0
            self.propagations += 1
            c = cons[ci]
            before = list(dom)
            changed = c.propagate(dom)
            if changed is None:
                log.append(("fail", ci, before))
                return False
            if changed:
                changes = [(v, before[v], dom[v]) for v in dict.fromkeys(changed) if before[v] != dom[v]]
                if changes:
                    log.append(("deduce", ci, changes, before))
            for v in changed:
                for cj in watch[v]:
                    if not inq[cj] and cj != ci:
                        inq[cj] = 1
                        queue.append(cj)
        return True

    def propagate(self, domains: Sequence[int] | None = None, log: list | None = None) -> list[int] | None:
        """The fixed point of every propagator from ``domains`` (default: the initial ones), or None."""
        dom = list(self.domains if domains is None else domains)
        if any(not m for m in dom):
            return None
        queue = list(range(len(self.constraints)))
        queue.reverse()
        ok = self._fix_logged(dom, queue, log) if log is not None else self._fix(dom, queue)
        return dom if ok else None

    # ----- search -------------------------------------------------------------------------------------------
    def search(self, limit: int = 2, *, domains: Sequence[int] | None = None, max_nodes: int | None = None,
               value_order: Sequence[Sequence[int]] | None = None, log: list | None = None) -> SearchResult:
        """Depth-first search with propagation; stops after ``limit`` solutions or ``max_nodes`` nodes.

        ``value_order[var]`` (optional) lists values in the order to try them (a seeded permutation draws
        random solutions). ``log`` (optional list) receives trace events: ``("deduce", ci, [(var, before,
        after), ...], dom_before)``, ``("fail", ci, dom_before)``, ``("branch", var, value, depth, dom)``,
        ``("leaf_fail", ci)``, ``("solution", values)``, ``("exhausted", var, depth)``."""
        dom = list(self.domains if domains is None else domains)
        nodes0, props0 = self.nodes, self.propagations
        sols: list[list[int]] = []
        complete = True
        if all(dom):
            order = None if value_order is None else [[int(x) for x in vals] for vals in value_order]
            state = _State(limit, max_nodes, order, log, sols)
            state.start = self.nodes
            queue = list(range(len(self.constraints)))
            queue.reverse()
            try:
                self._dfs(dom, queue, state, 0)
            except BudgetExceeded:
                complete = False
        else:
            self.nodes += 1
        return SearchResult(len(sols), sols, self.nodes - nodes0, self.propagations - props0, complete)

    def _dfs(self, dom: list[int], queue: list[int], st: _State, depth: int) -> None:
        self.nodes += 1
        if st.max_nodes is not None and self.nodes - st.start > st.max_nodes:
            raise BudgetExceeded(f"more than {st.max_nodes} search nodes")
        log = st.log
        if not (self._fix(dom, queue) if log is None else self._fix_logged(dom, queue, log)):
            return
        best = -1
        fewest = 1 << 30
        for v, m in enumerate(dom):
            if m & (m - 1):
                c = m.bit_count()
                if c < fewest:
                    best = v
                    fewest = c
                    if c == 2:
                        break
        if best < 0:
            values = [m.bit_length() - 1 for m in dom]
            for ci, c in enumerate(self.constraints):
                if not c.satisfied(values):
                    if log is not None:
                        log.append(("leaf_fail", ci))
                    return
            st.solutions.append(values)
            if log is not None:
                log.append(("solution", values))
            return
        m = dom[best]
        if st.order is not None:
            options = [x for x in st.order[best] if m >> x & 1]
        else:
            options = values_of(m)
        watch = self._watch[best]
        for x in options:
            child = dom[:]
            child[best] = 1 << x
            if log is not None:
                log.append(("branch", best, x, depth, dom))
            self._dfs(child, list(watch), st, depth + 1)
            if len(st.solutions) >= st.limit:
                return
        if log is not None:
            log.append(("exhausted", best, depth))

    def count_solutions(self, limit: int = 2, **kwargs: Any) -> int:
        """How many solutions, stopping at ``limit``; raises :class:`BudgetExceeded` past ``max_nodes``."""
        res = self.search(limit, **kwargs)
        if not res.complete:
            raise BudgetExceeded(f"no answer within {kwargs.get('max_nodes')} search nodes")
        return res.count

    def solve(self, **kwargs: Any) -> list[int] | None:
        """One solution (values by variable), or None; raises :class:`BudgetExceeded` past ``max_nodes``."""
        res = self.search(1, **kwargs)
        if not res.complete:
            raise BudgetExceeded(f"no answer within {kwargs.get('max_nodes')} search nodes")
        return res.solutions[0] if res.solutions else None

    def find_other(self, solution: Sequence[int], free: Sequence[int], domains: Sequence[int] | None = None,
                   max_nodes: int | None = None) -> list[int] | None:
        """A solution within ``domains`` that differs from ``solution`` on some variable of ``free``, or None.

        Exact and cheap uniqueness test for carving: if the puzzle with the ``free`` variables fixed to
        ``solution`` is unique, the puzzle without them is unique iff this returns None. The space is
        split by the first differing variable, so each sub-search excludes one value."""
        base = list(self.domains if domains is None else domains)
        for j, var in enumerate(free):
            dom = list(base)
            for prev in free[:j]:
                dom[prev] &= 1 << solution[prev]
            dom[var] &= ~(1 << solution[var])
            if not dom[var]:
                continue
            res = self.search(1, domains=dom, max_nodes=max_nodes)
            if not res.complete:
                raise BudgetExceeded(f"no answer within {max_nodes} search nodes")
            if res.solutions:
                return res.solutions[0]
        return None

    def carve(self, solution: Sequence[int], order: Sequence[int], target: int, *,
              domains: Sequence[int] | None = None, keep: Iterable[int] = (), max_nodes: int | None = None
              ) -> list[int]:
        """Greedy given removal: start with every variable fixed to ``solution``, visit ``order`` and
        free a variable when the puzzle stays unique (:meth:`find_other`), until only ``target`` variables
        are fixed. ``keep`` variables are never freed. Returns the still-fixed variables, ascending."""
        base = list(self.domains if domains is None else domains)
        given = [True] * len(base)
        count = len(base)
        kept = set(keep)
        for var in order:
            if count <= target:
                break
            if var in kept or not given[var]:
                continue
            dom = [m if not given[v] else m & (1 << solution[v]) for v, m in enumerate(base)]
            dom[var] = base[var]
            if self.find_other(solution, (var,), dom, max_nodes) is None:
                given[var] = False
                count -= 1
        return [v for v in range(len(base)) if given[v]]


# ---------------------------------------------------------------------------------------------------------------
# traces


def explain_search(log: list, *, deduce: Callable[[int, list, list], str], fail: Callable[[int, list], str],
                   leaf_fail: Callable[[int], str], guess: Callable[[int, int, int], str],
                   undo: Callable[[int, int], str], stuck: str = "", nested: str = "Every further guess inside "
                   "this branch fails as well.", dead_lines: int = 8, indent: str = "  ") -> list[str]:
    """Turn a search ``log`` (:meth:`CSP.search`) into trace lines: the root deductions, then every guess
    with its deductions, indented by depth. Branches on the way to the solution are shown in full; dead
    branches show at most ``dead_lines`` lines (and the contradiction), then ``undo``. The callbacks word
    the events: ``deduce(ci, changes, dom_before)``, ``fail(ci, dom_before)``, ``leaf_fail(ci)``,
    ``guess(var, value, candidates_mask)``, ``undo(var, value)``; ``stuck`` precedes the first guess."""
    root: dict = {"lines": [], "kids": [], "ok": False}
    stack = [root]
    for ev in log:
        kind = ev[0]
        if kind == "branch":
            _, var, value, depth, dom = ev
            del stack[depth + 1:]
            node = {"var": var, "value": value, "cands": dom[var], "lines": [], "kids": [], "ok": False}
            stack[depth]["kids"].append(node)
            stack.append(node)
        elif kind == "deduce":
            stack[-1]["lines"].append(deduce(ev[1], ev[2], ev[3]))
        elif kind == "fail":
            stack[-1]["lines"].append(fail(ev[1], ev[2]))
        elif kind == "leaf_fail":
            stack[-1]["lines"].append(leaf_fail(ev[1]))
        elif kind == "solution":
            for node in stack:
                node["ok"] = True
    out = list(root["lines"])
    if root["kids"] and stuck:
        out.append(stuck)

    def emit(node: dict, depth: int) -> None:
        pad = indent * depth
        for kid in node["kids"]:
            out.append(pad + guess(kid["var"], kid["value"], kid["cands"]))
            lines = kid["lines"]
            if not kid["ok"] and len(lines) > dead_lines:
                lines = lines[: dead_lines - 1] + [f"... ({len(lines) - dead_lines} more deductions) ...", lines[-1]]
            out.extend(pad + indent + line for line in lines)
            if kid["ok"]:
                emit(kid, depth + 1)
            else:
                if kid["kids"]:
                    out.append(pad + indent + nested)
                out.append(pad + undo(kid["var"], kid["value"]))

    emit(root, 0)
    return out


class _State:
    __slots__ = ("limit", "max_nodes", "order", "log", "solutions", "start")

    def __init__(self, limit, max_nodes, order, log, solutions):
        self.limit = limit
        self.max_nodes = max_nodes
        self.order = order
        self.log = log
        self.solutions = solutions
        self.start = 0


__all__ = [
    "ARITHMETIC_OPS", "AllDifferent", "BudgetExceeded", "CSP", "Constraint", "Count", "Less", "Predicate",
    "SearchResult", "Sum", "Table", "arithmetic", "explain_search", "format_values", "mask_of", "single", "values_of",
]
