"""Calcudoku / KenKen (MM-HELIX ``Calcudoku``): an n×n Latin square split into cages with arithmetic targets.

Generation (spec/tasks/Calcudoku.md): a random Latin square (row by row, each row a random perfect matching
of columns to their missing values, then random row, column and symbol permutations); cells are visited in
a random order and an unassigned cell starts a cage of a target size uniform in the level range, grown by
random free orthogonal neighbours until the size is reached or it is blocked; each cage draws its operator
uniformly among the ones its values allow (``+`` always, ``×`` when the product is below 100, ``−`` and
``÷`` for two cells, ``÷`` only for exact division). A draw that a Latin-preserving swap of the square
keeps satisfied has a second solution and is dropped at once; the rest must be proven unique by the exact
counter (limit 2, a deterministic node budget); otherwise cages are redrawn for the same square (up to 20
times), then a new square is drawn.

Counting during generation uses :func:`count_fast`, a dedicated MRV cell search with the same propagation
as the engine model (rows and columns as incremental value-place masks: naked and hidden singles, a value
with no place fails; cages: arc consistency on their value tuples, with per-cage memo tables shared across
instances). Solving, stats, the trace and ``count`` use the shared CSP engine (rows and columns all
different plus one table constraint per cage); the test suite checks that both counters agree.
"""

from __future__ import annotations

from collections import defaultdict
from operator import itemgetter
from typing import Any

import numpy as np

from ...core import GenerationError, Instance, RecordError, Task, Verdict, record_field
from ...core.csp import CSP, BudgetExceeded, Table, explain_search, format_values, single
from ...core.grid_puzzle import (
    Checklist,
    CSPGridMixin,
    Grid,
    SquareStepMixin,
    cell_name,
    check_latin,
    check_values,
    grid_witness,
    guess_words,
    latin_csp,
    matrix_text,
    move_text,
    parse_grid,
    to_grid,
)
from ...render.puzzle_grid import Board, render_board

# level -> (n, min cage size, max cage size)
LEVEL_PARAMS: dict[int, tuple[int, int, int]] = {
    1: (3, 2, 3),
    2: (4, 2, 4),
    3: (5, 2, 4),
    4: (6, 2, 4),
    5: (8, 2, 4),
}
SIZE_LEVEL = {3: 1, 4: 2, 5: 3, 6: 4, 7: 5, 8: 5}
CAGE_REDRAWS = 20
MAX_SQUARES = 200
NODE_BUDGET = 1_000
PRODUCT_LIMIT = 100
DEAD_BRANCH_LINES = 8
SWAP_CELLS = 8  # early rejection tries the Latin swaps of at most this many cells
MEMO_CAGES = 4_000  # cage keys with generation tables kept per process
MEMO_ENTRIES = 200_000  # memoised cage propagation results kept per process (all cage keys together)
SHOWN = {"+": "+", "*": "×", "-": "−", "÷": "÷"}
OP_ALIASES = {"+": "+", "*": "*", "×": "*", "x": "*", "X": "*", "-": "-", "−": "-", "÷": "÷", "/": "÷"}
OP_WORDS = {"+": "sum", "*": "product", "-": "difference", "÷": "quotient"}
FORMAT_SENTENCE = "Please solve the puzzle and provide the solution as a two-dimensional array."
PASTELS = (
    (255, 236, 204), (214, 234, 255), (220, 245, 214), (245, 222, 245), (255, 250, 205), (222, 240, 240),
    (240, 228, 214),
)

_TUPLES: dict[tuple, tuple[tuple[int, ...], ...]] = {}
_PACKED: dict[tuple, tuple] = {}


class CageTable(Table):
    """A :class:`Table` for one cage, built from cached tuples. Propagation uses per-position bitsets of tuple
    indices (``index[pos][v]``: the tuples with value v at position pos), so one call costs O(cells · n)
    big-int operations instead of a scan of every tuple."""

    __slots__ = ("index", "everything", "unions")

    def __init__(self, vars, key: tuple, tuples: tuple[tuple[int, ...], ...], label: str = ""):
        packing = _PACKED.get(key)
        if packing is None:
            Table.__init__(self, vars, tuples, label)
            index = [[0] * 17 for _ in self.vars]
            for i, t in enumerate(self.tuples):
                for pos, x in enumerate(t):
                    index[pos][x] |= 1 << i
            if len(_PACKED) > 50_000:  # pragma: no cover - bounded per-process cache
                _PACKED.clear()
            packing = _PACKED[key] = (self.tuples, self.packed, self.width, self.field,
                                      tuple(tuple(row) for row in index), (1 << len(self.tuples)) - 1,
                                      tuple({} for _ in self.vars))
        self.vars = tuple(vars)
        self.label = label
        self.tuples, self.packed, self.width, self.field, self.index, self.everything, self.unions = packing

    def propagate(self, dom: list[int]) -> list[int] | None:
        vs = self.vars
        index = self.index
        unions = self.unions
        alive = self.everything
        for pos, v in enumerate(vs):
            m = dom[v]
            cache = unions[pos]
            acc = cache.get(m)
            if acc is None:
                acc = cache[m] = _union(index[pos], m)
            alive &= acc
            if not alive:
                return None
        changed = []
        for pos, v in enumerate(vs):
            m = old = dom[v]
            row = index[pos]
            keep = 0
            while m:
                low = m & -m
                if row[low.bit_length() - 1] & alive:
                    keep |= low
                m ^= low
            if keep != old:
                dom[v] = keep
                changed.append(v)
        return changed


def cage_label(cage) -> str:
    """``12+``, ``6×``, ``2−``, ``3÷``; a one-cell cage shows only its number."""
    if len(cage["cells"]) == 1:
        return str(cage["target"])
    return f"{cage['target']}{SHOWN[cage['op']]}"


def cage_value(op: str, values) -> int | None:
    """The cage's result on these values (None: the operator does not apply, e.g. inexact division)."""
    if op == "+":
        return sum(values)
    if op == "*":
        p = 1
        for v in values:
            p *= v
        return p
    if len(values) != 2:
        return None
    a, b = min(values), max(values)
    if op == "-":
        return b - a
    if a and b % a == 0:
        return b // a
    return None


def cage_ok(cage, values) -> bool:
    """Whether the values meet the cage's operation (``÷`` exact: max = target · min)."""
    op, target = cage["op"], int(cage["target"])
    if op == "÷":
        return len(values) == 2 and min(values) * target == max(values)
    return cage_value(op, values) == target


def _distinct_pairs(cells) -> tuple[tuple[int, int], ...]:
    return tuple((i, j) for i in range(len(cells)) for j in range(i + 1, len(cells))
                 if cells[i][0] == cells[j][0] or cells[i][1] == cells[j][1])


def cage_key(n: int, op: str, target: int, cells) -> tuple:
    return (n, op, target, len(cells), _distinct_pairs(cells))


_BUCKETS: dict[tuple, tuple[dict, dict]] = {}


def _buckets(n: int, k: int, pairs) -> tuple[dict, dict]:
    """Every tuple of k values 1..n with the paired positions distinct, bucketed by sum and by product
    (computed once per cage shape and n)."""
    key = (n, k, pairs)
    hit = _BUCKETS.get(key)
    if hit is not None:
        return hit
    sums: dict[int, list] = {}
    products: dict[int, list] = {}
    parts: list[tuple[int, ...]] = [()]
    for pos in range(k):  # extend lexicographically, skipping a value equal to a paired earlier position
        before = [i for i, j in pairs if j == pos]
        parts = [t + (v,) for t in parts for v in range(1, n + 1) if all(t[i] != v for i in before)]
    for t in parts:
        sums.setdefault(sum(t), []).append(t)
        p = 1
        for x in t:
            p *= x
        products.setdefault(p, []).append(t)
    _BUCKETS[key] = (sums, products)
    return sums, products


def cage_tuples(n: int, op: str, target: int, cells, key: tuple | None = None) -> tuple[tuple[int, ...], ...]:
    """Every value tuple (values 1..n) of the cage's cells meeting its operation, cells of one line distinct
    (cached by n, operator, target and the cage's line-sharing pattern; ``key`` is :func:`cage_key`'s, when the
    caller has it)."""
    if key is None:
        key = cage_key(n, op, target, cells)
    pairs = key[4]
    k = len(cells)
    hit = _TUPLES.get(key)
    if hit is not None:
        return hit
    if op in "-÷" and k != 2:
        out: list[tuple[int, ...]] = []
    elif op == "-":
        out = [(a, b) for a in range(1, n + 1) for b in range(1, n + 1) if abs(a - b) == target and target > 0]
    elif op == "÷":
        out = [(a, b) for a in range(1, n + 1) for b in range(1, n + 1)
               if (a == b * target or b == a * target) and target > 1]
    else:
        sums, products = _buckets(n, k, pairs)
        out = list((sums if op == "+" else products).get(target, ()))
    result = tuple(out)
    if len(_TUPLES) > 50_000:  # pragma: no cover - bounded per-process cache
        _TUPLES.clear()
    _TUPLES[key] = result
    return result


def build_csp(n: int, cages) -> CSP:
    """Rows and columns all different (cells named 1-based ``(r,c)``) plus one table per cage."""
    csp = latin_csp(n, base=1)
    csp.names = [cell_name(r, c, 1) for r in range(n) for c in range(n)]
    for cage in cages:
        cells = [(int(r), int(c)) for r, c in cage["cells"]]
        op, target = cage["op"], int(cage["target"])
        tuples = cage_tuples(n, op, target, cells)
        label = f"cage {cage_label(cage)} at " + ", ".join(cell_name(r, c, 1) for r, c in cells)
        csp.add(CageTable([r * n + c for r, c in cells], cage_key(n, op, target, cells), tuples, label=label))
    return csp


_PAIR: dict[tuple, tuple[dict, dict, dict, dict]] = {}
_GROUP: dict[tuple, tuple] = {}


def _pair_tables(key: tuple, tuples) -> tuple[dict, dict, dict, dict]:
    """A two-cell cage as support tables: ``first[b]`` (``second[a]``) is the set of values of the first
    (second) cell that some tuple pairs with value b (a), 0 for none; ``up_a``/``up_b`` cache unions over domains."""
    hit = _PAIR.get(key)
    if hit is None:
        first: defaultdict[int, int] = defaultdict(int)
        second: defaultdict[int, int] = defaultdict(int)
        for a, b in tuples:
            first[b] |= 1 << a
            second[a] |= 1 << b
        if len(_PAIR) > 50_000:  # pragma: no cover - bounded per-process cache
            _PAIR.clear()
        hit = _PAIR[key] = (first, second, {}, {})
    return hit


def _group_tables(key: tuple, tuples) -> tuple:
    """A cage of three or more cells: ``index[pos][v]`` is the bit set of tuples with value v at pos, ``every``
    all tuples, ``cache[pos]`` memoises the union over a domain, ``memo`` the cage's result per tuple of its
    domains (MEMO_ENTRIES results over all keys, a few tens of MB at worst)."""
    hit = _GROUP.get(key)
    if hit is None:
        k = len(tuples[0])
        index = [[0] * 17 for _ in range(k)]
        for i, t in enumerate(tuples):
            for pos, x in enumerate(t):
                index[pos][x] |= 1 << i
        if len(_GROUP) >= MEMO_CAGES:  # pragma: no cover - bounded per-process cache
            _clear_memos()
            _GROUP.clear()
        hit = _GROUP[key] = (tuple(tuple(row) for row in index), (1 << len(tuples)) - 1,
                             tuple({} for _ in range(k)), {})
    return hit


_MEMO_USED = [0]


def _clear_memos() -> None:
    for entry in _GROUP.values():
        entry[3].clear()
    _MEMO_USED[0] = 0


def _union(row, mask: int) -> int:
    acc = 0
    while mask:
        low = mask & -mask
        acc |= row[low.bit_length() - 1]
        mask ^= low
    return acc


def count_fast(n: int, cages, limit: int = 2, max_nodes: int | None = None) -> int | None:
    """Exact solution count (stopping at ``limit``) of a Calcudoku by MRV cell backtracking with the same
    propagation as :func:`build_csp` (rows and columns: naked and hidden singles, pigeonhole; cages: arc
    consistency on their value tuples), inlined for generation speed. None when more than ``max_nodes``
    search nodes are needed (a deterministic budget)."""
    return _count(n, [(tuple(int(r) * n + int(c) for r, c in cage["cells"]), cage["op"], int(cage["target"]))
                      for cage in cages], limit, max_nodes)


_GEOMETRY: dict[int, tuple] = {}


def _geometry(n: int) -> tuple:
    """Per cell: the offsets of its row's and column's value-place masks, the masks clearing its place in them,
    its peers, the first cell of its row and its column."""
    hit = _GEOMETRY.get(n)
    if hit is None:
        w = n + 1
        cells = []
        for r in range(n):
            for c in range(n):
                peers = tuple([r * n + j for j in range(n) if j != c] + [i * n + c for i in range(n) if i != r])
                cells.append((r * w, (n + c) * w, ~(1 << c), ~(1 << r), peers, r * n, c))
        hit = _GEOMETRY[n] = tuple(cells)
    return hit


_SHAPES: dict[tuple, tuple] = {}


def _count(n: int, specs, limit: int, max_nodes: int | None) -> int | None:
    """:func:`count_fast` on cages given as (cell indices ``r * n + c``, op, target).

    Rows and columns are kept as value-place masks (``place[line * (n + 1) + v]``: where value v can still go
    in that line), updated as values leave cells: a value with no place fails, a value with one place is a
    hidden single, and a fixed cell leaves its peers (naked single) -- the all-different reasoning of
    :class:`~mmhelix_env.core.csp.AllDifferent` on a Latin line, done incrementally. Cages are queued when one of
    their cells narrows and keep the values some surviving tuple uses."""
    size = n * n
    full = ((1 << n) - 1) << 1
    geo = _geometry(n)
    w = n + 1
    all_places = (1 << n) - 1
    place = [all_places] * (2 * n * w)
    dom = [full] * size
    cage_of = [-1] * size
    units: list[tuple] = []  # (kind, cells, data): 1 pair cage, 2 group cage
    start: list[tuple[int, int]] = []
    shapes = _SHAPES
    for vs, op, target in specs:
        shape = shapes.get((n, vs))
        if shape is None:
            cells = [divmod(i, n) for i in vs]
            if len(shapes) > 100_000:  # pragma: no cover - bounded per-process cache
                shapes.clear()
            shape = shapes[(n, vs)] = (cells, _distinct_pairs(cells))
        cells, pairs = shape
        key = (n, op, target, len(vs), pairs)
        tuples = _TUPLES.get(key)
        if tuples is None:
            tuples = cage_tuples(n, op, target, cells, key)
        if not tuples:
            return 0
        if len(vs) == 1:
            m = 0
            for (x,) in tuples:
                m |= 1 << x
            start.append((vs[0], m))
            continue
        for v in vs:
            cage_of[v] = len(units)
        if len(vs) == 2:
            units.append((1, vs, _pair_tables(key, tuples)))
        else:
            units.append((2, vs, (itemgetter(*vs), *_group_tables(key, tuples))))
    nunits = len(units)
    memo_used = _MEMO_USED
    found = 0
    nodes = 0

    def fix(dom: list[int], place: list[int], work: list[tuple[int, int]], queue: list[int]) -> bool:
        inq = bytearray(nunits)
        for u in queue:
            inq[u] = 1
        while True:
            while work:
                x, keep = work.pop()
                old = dom[x]
                new = old & keep
                if new == old:
                    continue
                if not new:
                    return False
                dom[x] = new
                rb, cb, nbc, nbr, peers, row0, col = geo[x]
                gone = old ^ new
                while gone:
                    low = gone & -gone
                    gone ^= low
                    v = low.bit_length() - 1
                    i = rb + v
                    p = place[i] & nbc
                    if not p:
                        return False
                    place[i] = p
                    if not p & (p - 1):
                        work.append((row0 + p.bit_length() - 1, low))
                    i = cb + v
                    p = place[i] & nbr
                    if not p:
                        return False
                    place[i] = p
                    if not p & (p - 1):
                        work.append(((p.bit_length() - 1) * n + col, low))
                if not new & (new - 1):
                    drop = ~new
                    for y in peers:
                        if dom[y] & new:
                            work.append((y, drop))
                u = cage_of[x]
                if u >= 0 and not inq[u]:
                    inq[u] = 1
                    queue.append(u)
            if not queue:
                return True
            u = queue.pop()
            inq[u] = 0
            kind, vs, data = units[u]
            if kind == 1:
                a, b = vs
                first, second, up_a, up_b = data
                da = dom[a]
                db = dom[b]
                s = up_a.get(db)
                if s is None:
                    s = up_a[db] = _union(first, db)
                na = da & s
                if not na:
                    return False
                s = up_b.get(na)
                if s is None:
                    s = up_b[na] = _union(second, na)
                nb = db & s
                if not nb:
                    return False
                if na != da:
                    work.append((a, na))
                if nb != db:
                    work.append((b, nb))
            else:
                get, index, alive, caches, memo = data
                now = get(dom)
                out = memo.get(now)
                if out is None:
                    for pos, m in enumerate(now):
                        cache = caches[pos]
                        acc = cache.get(m)
                        if acc is None:
                            acc = cache[m] = _union(index[pos], m)
                        alive &= acc
                        if not alive:
                            break
                    if alive:
                        out = []
                        for pos, m in enumerate(now):
                            row = index[pos]
                            keep = 0
                            while m:
                                low = m & -m
                                if row[low.bit_length() - 1] & alive:
                                    keep |= low
                                m ^= low
                            out.append(keep)
                        out = tuple(out)
                    else:
                        out = ()
                    if memo_used[0] >= MEMO_ENTRIES:  # pragma: no cover - bounded per-process memo
                        _clear_memos()
                    memo_used[0] += 1
                    memo[now] = out
                if not out:
                    return False
                if out != now:
                    for v, old, new in zip(vs, now, out):
                        if new != old:
                            work.append((v, new))

    def dfs(dom: list[int], place: list[int], work: list[tuple[int, int]], queue: list[int]) -> None:
        nonlocal found, nodes
        nodes += 1
        if max_nodes is not None and nodes > max_nodes:
            raise BudgetExceeded(f"more than {max_nodes} search nodes")
        if not fix(dom, place, work, queue):
            return
        best = -1
        fewest = 99
        for v, m in enumerate(dom):
            if m & (m - 1):
                c = m.bit_count()
                if c < fewest:
                    best = v
                    fewest = c
                    if c == 2:
                        break
        if best < 0:
            found += 1
            return
        m = dom[best]
        while m:
            low = m & -m
            m ^= low
            dfs(dom[:], place[:], [(best, low)], [])
            if found >= limit:
                return

    try:
        dfs(dom, place, start, list(range(nunits - 1, -1, -1)))
    except BudgetExceeded:
        return None
    return found


def cage_grid(n: int, cages) -> list[list[int]]:
    """Cage id per cell (-1 where no cage covers it)."""
    ids = [[-1] * n for _ in range(n)]
    for k, cage in enumerate(cages):
        for r, c in cage["cells"]:
            ids[int(r)][int(c)] = k
    return ids


_NEIGHBOURS: dict[int, tuple[tuple[int, ...], ...]] = {}


def _neighbours(n: int) -> tuple[tuple[int, ...], ...]:
    hit = _NEIGHBOURS.get(n)
    if hit is None:
        hit = _NEIGHBOURS[n] = tuple(
            tuple(rr * n + cc for rr, cc in ((r - 1, c), (r, c - 1), (r, c + 1), (r + 1, c))
                  if 0 <= rr < n and 0 <= cc < n)
            for r in range(n) for c in range(n))
    return hit


def _augment(c: int, seen: set[int], vals: list[int], owner: dict[int, int], missing: list[int]) -> bool:
    """Kuhn's augmenting path from column c (values tried in the order ``vals``; ``missing[c]``: the values
    column c may still take; ``owner``: value -> column of the matching so far)."""
    free = missing[c]
    for v in vals:
        if free >> v & 1 and v not in seen:
            seen.add(v)
            if v not in owner or _augment(owner[v], seen, vals, owner, missing):
                owner[v] = c
                return True
    return False


def latin_square(rng: np.random.Generator, n: int) -> Grid:
    """A random Latin square of order n, row by row: each row is a perfect matching of columns to the values
    their columns still miss (Kuhn's augmenting paths in a random column and value order; a Latin rectangle
    always extends, so there is no backtracking), then a random permutation of rows, columns and symbols."""
    orders = np.argsort(rng.random((2 * n, n)), axis=1).tolist()
    missing = [((1 << n) - 1) << 1] * n  # per column: values not used yet
    rows = []
    for r in range(n):
        cols = orders[r]
        vals = [v + 1 for v in orders[n + r]]
        owner: dict[int, int] = {}  # value -> column
        for c in cols:
            _augment(c, set(), vals, owner, missing)
        row = [0] * n
        for v, c in owner.items():
            row[c] = v
            missing[c] &= ~(1 << v)
        rows.append(row)
    perm_rows = rng.permutation(n).tolist()
    perm_cols = rng.permutation(n).tolist()
    relabel = (rng.permutation(n) + 1).tolist()
    return tuple(tuple(relabel[rows[perm_rows[r]][perm_cols[c]] - 1] for c in range(n)) for r in range(n))


def draw_cages(rng: np.random.Generator, n: int, lo: int, hi: int) -> list[list[int]]:
    """Cells in random order; an unassigned cell starts a cage of target size uniform in lo..hi, grown by a
    random free orthogonal neighbour of the cage (uniform among them, in row-major order) until the size is
    reached or it is blocked. Cells as ``r * n + c``; one batch of uniforms serves every draw."""
    size = n * n
    near = _neighbours(n)
    taken = [False] * size
    cages: list[list[int]] = []
    order = rng.permutation(size).tolist()
    coins = rng.random(2 * size).tolist()
    k = 0
    span = hi - lo + 1
    for idx in order:
        if taken[idx]:
            continue
        taken[idx] = True
        cage = [idx]
        want = lo + int(coins[k] * span)
        k += 1
        while len(cage) < want:
            free = sorted({j for i in cage for j in near[i] if not taken[j]})
            if not free:
                break
            j = free[int(coins[k] * len(free))]
            k += 1
            taken[j] = True
            cage.append(j)
        cages.append(cage)
    return cages


def choose_ops(rng: np.random.Generator, flat: list[int], cages: list[list[int]]) -> list[tuple[str, int]]:
    """(op, target) per cage: uniform among ``+``, ``×`` (product below the limit), ``−`` and ``÷`` (two cells,
    exact division) as the cage's values allow; a one-cell cage is ``+`` with its value."""
    out = []
    coins = rng.random(len(cages)).tolist()
    for cells, coin in zip(cages, coins):
        if len(cells) == 1:
            out.append(("+", flat[cells[0]]))
            continue
        total = 0
        product = 1
        for i in cells:
            v = flat[i]
            total += v
            product *= v
        ops = [("+", total)]
        if product < PRODUCT_LIMIT:
            ops.append(("*", product))
        if len(cells) == 2:
            a, b = flat[cells[0]], flat[cells[1]]
            if a > b:
                a, b = b, a
            ops.append(("-", b - a))
            if b % a == 0:
                ops.append(("÷", b // a))
        out.append(ops[int(coin * len(ops))])
    return out


def flat_swaps(square: Grid, most: int | None = None) -> list[dict[int, int]]:
    """The changes of :func:`line_swaps` with cells as ``r * n + c`` (only those of at most ``most`` cells when
    given)."""
    n = len(square)
    longest = n if most is None else most // 2
    rows = [list(row) for row in square]
    cols = [[square[r][c] for r in range(n)] for c in range(n)]
    out = []
    for lines, step, stride in ((rows, n, 1), (cols, 1, n)):  # cell (i, j) of a line family: i*step + j*stride
        where = []
        for line in lines:
            at = [0] * (n + 1)
            for j, v in enumerate(line):
                at[v] = j
            where.append(at)
        for i1 in range(n):
            one = lines[i1]
            at = where[i1]
            base1 = i1 * step
            for i2 in range(i1 + 1, n):
                two = lines[i2]
                base2 = i2 * step
                seen = [False] * n
                for start in range(n):
                    if seen[start]:
                        continue
                    cycle = []
                    j = start
                    while not seen[j]:
                        seen[j] = True
                        cycle.append(j)
                        j = at[two[j]]
                    if len(cycle) <= longest:
                        change = {}
                        for j in cycle:
                            change[base1 + j * stride] = two[j]
                            change[base2 + j * stride] = one[j]
                        out.append(change)
    return out


def quick_swaps(square: Grid, most: int = SWAP_CELLS) -> list[dict[int, int]]:
    """The :func:`flat_swaps` of at most ``most`` cells, smallest first: the ones that catch nearly every
    second solution a swap can show (longer cycles rarely keep all their cages; the counter sees the rest)."""
    return sorted(flat_swaps(square, most), key=len)


def swap_survives(flat: list[int], cages: list[list[int]], ops: list[tuple[str, int]], ids: list[int],
                   swaps: list[dict[int, int]]) -> bool:
    """Whether one of the Latin-preserving ``swaps`` (:func:`flat_swaps`) keeps every cage it touches satisfied
    (cages as cell lists with their (op, target), ``ids``: cage per cell): then the puzzle has a second
    solution -- an exact, cheap rejection before the counter."""
    for change in swaps:
        seen = set()
        for i in change:  # fail fast: most swaps break the first cage they touch
            k = ids[i]
            if k in seen:
                continue
            seen.add(k)
            op, target = ops[k]
            values = [change.get(j, flat[j]) for j in cages[k]]
            if op == "+":
                if sum(values) != target:
                    break
            elif op == "*":
                p = 1
                for v in values:
                    p *= v
                if p != target:
                    break
            elif op == "-":
                if abs(values[0] - values[1]) != target:
                    break
            elif min(values) * target != max(values):
                break
        else:
            return True
    return False


def line_swaps(square: Grid) -> list[dict[tuple[int, int], int]]:
    """Latin-preserving changes of the square: for two rows (or two columns), a cycle of the permutation
    between them whose cells exchange their values (2-cycles are the intercalates a b / b a). Each is a
    map cell -> new value."""
    n = len(square)
    return [{divmod(i, n): v for i, v in change.items()} for change in flat_swaps(square)]


class Calcudoku(SquareStepMixin, CSPGridMixin, Task):
    name = "Calcudoku"
    category = "puzzles"
    benchmark_id = "Calcudoku"
    generator_key = "calcudoku"
    score_function = "calcudoku_evaluator"
    version = "1"
    answer_format = "an n x n list of integers [[1, 2, ...], [2, 1, ...], ...]"
    max_answer_chars = 20_000
    solve_what = "Calcudoku"
    level_sizes = LEVEL_PARAMS
    legend_text = "The image shows the current grid: the numbers you have written are shown large in the cells."

    # ----- generation ------------------------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        n, lo, hi = LEVEL_PARAMS[level]
        ids = [0] * (n * n)
        for _ in range(MAX_SQUARES):
            square = latin_square(rng, n)
            flat = [v for row in square for v in row]
            swaps = quick_swaps(square)
            for _ in range(CAGE_REDRAWS):
                cells = draw_cages(rng, n, lo, hi)
                ops = choose_ops(rng, flat, cells)
                for k, cage in enumerate(cells):
                    for i in cage:
                        ids[i] = k
                if swap_survives(flat, cells, ops, ids, swaps):  # a second solution by a Latin swap
                    continue
                specs = [(tuple(cage), op, target) for cage, (op, target) in zip(cells, ops)]
                if _count(n, specs, 2, NODE_BUDGET) == 1:  # None: a budget overrun counts as a rejection
                    cages = [{"cells": [list(divmod(i, n)) for i in cage], "op": op, "target": target}
                             for cage, (op, target) in zip(cells, ops)]
                    return {"n": n, "cages": cages}, to_grid(square)
        raise GenerationError(f"Calcudoku: no unique {n}x{n} puzzle")  # pragma: no cover

    def csp(self, inst: Instance) -> CSP:
        return build_csp(self.size(inst), inst.state["cages"])

    # ----- solving (solve, count: core.grid_puzzle.CSPGridMixin) -----------------------------------------------
    def stats(self, inst: Instance) -> dict:
        """Solver work: cage options, propagator calls and nodes of the uniqueness count, single-cell
        deductions of the traced solve."""
        csp = self.csp(inst)
        res = csp.search(2)
        log: list = []
        csp.search(1, log=log)
        cages = inst.state["cages"]
        return {"n": self.size(inst), "cages": len(cages),
                "single_cages": sum(1 for cg in cages if len(cg["cells"]) == 1),
                "cage_options": sum(len(c.tuples) for c in csp.constraints if isinstance(c, Table)),
                "propagations": res.propagations, "search_nodes": res.nodes,
                "guesses": sum(1 for ev in log if ev[0] == "branch"),
                "deductions": sum(len(ev[2]) for ev in log if ev[0] == "deduce")}

    # ----- verification ----------------------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        n = self.size(inst)
        grid = parse_grid(answer, n, n, max_chars=self.max_answer_chars)
        return self.check_grid(inst, grid)

    def check_grid(self, inst: Instance, grid) -> Verdict:
        n = self.size(inst)
        checks = Checklist()
        if not check_values(grid, range(1, n + 1), checks, base=1):
            return checks.verdict(grid)
        check_latin(grid, checks, base=1)
        for cage in inst.state["cages"]:
            values = [grid[int(r)][int(c)] for r, c in cage["cells"]]
            checks.check(cage_ok(cage, values), lambda cage=cage, values=values: _cage_problem(cage, values))
        return checks.verdict(grid, f"correct: every row and column holds 1-{n} once and every cage meets its "
                                    "target")

    # ----- presentation ----------------------------------------------------------------------------------------
    def board(self, inst: Instance, play: Any = None) -> Board:
        n = self.size(inst)
        cages = inst.state["cages"]
        ids = cage_grid(n, cages)
        labels = {}
        for cage in cages:
            r, c = min((int(r), int(c)) for r, c in cage["cells"])
            labels[(r, c)] = cage_label(cage)
        values = {}
        if play is not None:
            values = {(r, c): str(play[r][c]) for r in range(n) for c in range(n) if play[r][c]}
        return Board(n, n, values=values, regions=ids, region_fills=_cage_colours(n, ids, len(cages)),
                     corner_labels=labels, text_scale=0.5)

    def render(self, inst: Instance, play: Any = None, size: int = 512):
        return render_board(self.board(inst, play), size)[0]

    def _example(self, inst: Instance) -> str:
        n = self.size(inst)
        solution = to_grid(self.solution(inst))
        for shift in range(1, n):
            ex = tuple(tuple((r * shift + c) % n + 1 for c in range(n)) for r in range(n))
            if len({row[0] for row in ex}) == n and ex != solution:
                return matrix_text(ex)
        ex = tuple(tuple((c - r) % n + 1 for c in range(n)) for r in range(n))
        return matrix_text(ex if ex != solution else ex[::-1])

    def rules(self, n: int) -> str:
        return (f"This is a {n}x{n} Calcudoku puzzle. Each row and column must contain the numbers 1 to {n} "
                "exactly once.\n"
                "The grid is divided into regions (cages), each with a target number and a specified operation.\n"
                "The numbers within each region must be combined using the given operation to achieve the target "
                "number:\n"
                "- '+': the numbers of the region add up to the target.\n"
                "- '×': the numbers of the region multiply to the target.\n"
                "- '−': a two-cell region; the difference of its two numbers (larger minus smaller, in either "
                "order) is the target.\n"
                "- '÷': a two-cell region; the larger number divided by the smaller one is exactly the target.\n"
                "- A one-cell region just shows its number: write that number in the cell.\n"
                "A number may repeat inside a region as long as the repeats are in different rows and columns.\n")

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        n = self.size(inst)
        fmt = f"{FORMAT_SENTENCE}\nExample answer format (for a {n}x{n} grid, not the solution): {self._example(inst)}."
        if modality == "image":
            return (self.rules(n) + "In the image, thick lines mark the region borders and each region's target "
                    "and operation are written in the top-left corner of its top-left cell.\n" + fmt + "\n")
        if modality == "text":
            lines = []
            for cage in inst.state["cages"]:
                cells = ", ".join(cell_name(int(r), int(c), 1) for r, c in cage["cells"])
                lines.append(f"Region at {cells}: {cage['target']}{SHOWN[cage['op']]}")
            return (self.rules(n) + "\nCells are written (row, column), 1-based, with (1,1) the top-left cell. "
                    "The regions:\n" + "\n".join(lines) + "\n\n" + fmt + "\n")
        raise ValueError(f"unknown modality {modality!r}; use 'image' or 'text'")

    # ----- trace -----------------------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        n = self.size(inst)
        csp, grid, log = self.traced_grid(inst)
        lines = [f"Fill the {n}x{n} grid with 1-{n} so that every row and column holds each number once and every "
                 "cage meets its target. Cells are (row, column), 1-based.",
                 "Cages and the value combinations that meet them (cells of one row or column distinct):"]
        for c in csp.constraints:
            if isinstance(c, Table):
                shown = c.tuples[:6]
                more = f" and {len(c.tuples) - 6} more" if len(c.tuples) > 6 else ""
                lines.append(f"- {c.label}: {len(c.tuples)} option(s), e.g. "
                             + ", ".join("(" + ",".join(map(str, t)) + ")" for t in shown) + more)
        lines.append("Apply the rules until nothing changes (a cage keeps only the options that fit the cells' "
                     "candidates; a number placed in a row or column leaves the other cells of that line; a number "
                     "with one possible cell in a line goes there):")
        lines += explain_search(
            log, deduce=lambda ci, changes, before: _deduction(csp, ci, changes, before),
            fail=lambda ci, before: f"Contradiction: {csp.constraints[ci].label} can no longer be satisfied.",
            dead_lines=DEAD_BRANCH_LINES, **guess_words(csp))
        lines += ["Every cell is now determined; all rows, columns and cages check out:",
                  *(" ".join(map(str, row)) for row in grid), f"Answer: {matrix_text(grid)}"]
        return "\n".join(lines)

    # ----- reference records -----------------------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record_field(record.get("initial_state"))
        if not isinstance(raw, dict):
            raise RecordError("initial_state must be an object with size and regions")
        try:
            n = int(raw.get("size", raw.get("n", 0)))
            regions = raw.get("regions", raw.get("cages"))
            if not isinstance(regions, (list, tuple)):
                raise TypeError("regions must be a list")
            if not 3 <= n <= 9:
                raise ValueError(f"size {n} is out of range")
            base = 1 if "regions" in raw else 0
            cages = []
            for reg in regions:
                cells = [[int(r) - base, int(c) - base] for r, c in reg["cells"]]
                op = OP_ALIASES.get(str(reg.get("operator", reg.get("op", ""))).strip())
                target = int(reg["target"])
                if op is None:
                    raise ValueError(f"unknown operator {reg.get('operator')!r}")
                cages.append({"cells": cells, "op": op, "target": target})
        except (KeyError, TypeError, ValueError) as err:
            raise RecordError(f"initial_state is malformed: {err}") from None
        seen = set()
        for cage in cages:
            cells = cage["cells"]
            if not cells or (cage["op"] in "-÷" and len(cells) != 2):
                raise RecordError(f"cage {cage_label(cage)} has {len(cells)} cells for its operator")
            for r, c in cells:
                if not (0 <= r < n and 0 <= c < n) or (r, c) in seen:
                    raise RecordError(f"cage cell ({r + 1},{c + 1}) is outside the grid or in two cages")
                seen.add((r, c))
        if len(seen) != n * n:
            raise RecordError(f"the cages cover {len(seen)} of {n * n} cells")
        try:
            if build_csp(n, cages).solve(max_nodes=NODE_BUDGET) is None:
                raise RecordError("the puzzle has no solution")
        except BudgetExceeded:
            raise RecordError("the puzzle could not be solved within the node budget") from None
        return {"n": n, "cages": cages}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        return SIZE_LEVEL.get(int(state["n"]))

    record_witness = grid_witness

    # ----- step mode (core.grid_puzzle.SquareStepMixin) -------------------------------------------------------
    def move_help(self, inst: Instance) -> str:
        n = self.size(inst)
        return move_text(n, f"value 1-{n} writes that number into the cell and value 0 erases it",
                         where=" (0-based, unlike the 1-based cell names above)",
                         after="Every cell, one-cell regions included, must be filled.")


def _cage_problem(cage, values) -> str:
    cells = ", ".join(cell_name(int(r), int(c), 1) for r, c in cage["cells"])
    got = cage_value(cage["op"], values)
    if cage["op"] == "÷" and (got is None or min(values) * int(cage["target"]) != max(values)):
        return f"cage {cage_label(cage)} at {cells} holds {values}: {max(values)} / {min(values)} is not exactly " \
               f"{cage['target']}"
    return f"cage {cage_label(cage)} at {cells} holds {values}: the {OP_WORDS[cage['op']]} is {got}, not " \
           f"{cage['target']}"


def _cage_colours(n: int, ids, count: int) -> dict[int, tuple]:
    """A pastel per cage, greedy in cage order so that touching cages differ."""
    adjacent: list[set[int]] = [set() for _ in range(count)]
    for r in range(n):
        for c in range(n):
            a = ids[r][c]
            for rr, cc in ((r + 1, c), (r, c + 1)):
                if rr < n and cc < n:
                    b = ids[rr][cc]
                    if a != b and a >= 0 and b >= 0:
                        adjacent[a].add(b)
                        adjacent[b].add(a)
    colour: dict[int, int] = {}
    for k in range(count):
        used = {colour[j] for j in adjacent[k] if j in colour}
        colour[k] = next(i for i in range(len(PASTELS) + count) if i not in used)
    return {k: PASTELS[i % len(PASTELS)] for k, i in colour.items()}


def _deduction(csp: CSP, ci: int, changes, before) -> str:
    c = csp.constraints[ci]
    name = csp.name
    if isinstance(c, Table):
        parts = []
        for var, _, new in changes:
            value = single(new)
            parts.append(f"{name(var)} = {value}" if value is not None else f"{name(var)} in {format_values(new)}")
        after = list(before)
        for var, _, new in changes:
            after[var] = new
        alive = len(c.alive(after))
        return f"{c.label}: {alive} option(s) still fit, so " + ", ".join(parts) + "."
    return "; ".join(c.why(var, old, new, before, name) for var, old, new in changes) + "."


TASK = Calcudoku()

__all__ = ["LEVEL_PARAMS", "TASK", "Calcudoku", "build_csp", "cage_ok", "cage_tuples", "cage_value"]
