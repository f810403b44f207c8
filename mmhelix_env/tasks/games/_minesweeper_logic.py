"""Minesweeper logic: neighbour tables, the exact solution counter, the unique-cover generator and the
rule-based deducer behind the trace.

A board is ``n`` and a flat row-major list ``values`` of n*n ints: -1 = covered, 0..8 = a revealed count.
Variables are the covered cells (or, under the reference's blank rule, the 8-connected regions of covered
cells: a safe blank has no mine neighbour, so adjacent blanks are both mines or both safe). Each revealed
cell with covered neighbours gives one constraint ``sum(weight * x) = count``.

The counter is a depth-first search with propagation (a constraint whose remaining need is 0 clears its
unassigned cells, one whose need equals its free weight fills them; weighted constraints force single
cells the same way), split into independent components, stopping at ``limit`` solutions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

# level -> (n, mines, covered safe cells)
LEVEL_PARAMS: dict[int, tuple[int, int, int]] = {
    1: (5, 3, 10),
    2: (6, 4, 14),
    3: (7, 5, 20),
    4: (8, 7, 26),
    5: (9, 9, 32),
}
MAX_BOARDS = 200
COVERED = -1


@lru_cache(maxsize=64)
def neighbours(n: int) -> tuple[tuple[int, ...], ...]:
    """Row-major neighbour lists (up to 8 cells) of an n x n board."""
    out = []
    for i in range(n * n):
        r, c = divmod(i, n)
        out.append(tuple((r + dr) * n + c + dc for dr in (-1, 0, 1) for dc in (-1, 0, 1)
                         if (dr or dc) and 0 <= r + dr < n and 0 <= c + dc < n))
    return tuple(out)


def counts_of(n: int, mines) -> list[int]:
    """The true count of every cell for a mine set (mines themselves get -1)."""
    nb = neighbours(n)
    mine = [False] * (n * n)
    for m in mines:
        mine[m] = True
    return [-1 if mine[i] else sum(1 for j in nb[i] if mine[j]) for i in range(n * n)]


@dataclass
class Work:
    """Counter effort: search nodes (branchings + 1 per component) and propagated assignments."""

    nodes: int = 0
    assignments: int = 0


# --------------------------------------------------------------------------------------------- counter
@dataclass
class System:
    groups: list[tuple[int, ...]]           # variable -> its cells
    cons_vars: list[list[int]]              # constraint -> variables
    cons_w: list[list[int]]                 # constraint -> weights (all 1 without the blank rule)
    cons_k: list[int]                       # constraint -> count
    cons_cell: list[int]                    # constraint -> the revealed cell
    infeasible: bool = False
    weighted: bool = False
    var_cons: list[list[tuple[int, int]]] = field(default_factory=list)


def build_system(n: int, values, blank_rule: bool = False, start=None) -> System:
    """Constraints of a board; with ``start`` (cells) only the components that reach those cells."""
    nb = neighbours(n)
    N = n * n
    gid = [-1] * N
    groups: list[tuple[int, ...]] = []
    if blank_rule:
        for i in range(N):
            if values[i] < 0 and gid[i] < 0:
                g = len(groups)
                gid[i] = g
                stack, cells = [i], [i]
                while stack:
                    u = stack.pop()
                    for v in nb[u]:
                        if values[v] < 0 and gid[v] < 0:
                            gid[v] = g
                            stack.append(v)
                            cells.append(v)
                groups.append(tuple(sorted(cells)))
    cons_vars: list[list[int]] = []
    cons_w: list[list[int]] = []
    cons_k: list[int] = []
    cons_cell: list[int] = []
    infeasible = False
    if start is None:
        if not blank_rule:
            for i in range(N):
                if values[i] < 0:
                    gid[i] = len(groups)
                    groups.append((i,))
        for r in range(N):
            k = values[r]
            if k < 0:
                continue
            ws: dict[int, int] = {}
            for v in nb[r]:
                if values[v] < 0:
                    g = gid[v]
                    ws[g] = ws.get(g, 0) + 1
            if not ws:
                if k:
                    infeasible = True
                continue
            cons_vars.append(list(ws))
            cons_w.append(list(ws.values()))
            cons_k.append(k)
            cons_cell.append(r)
    else:  # unit weights only: the component(s) around ``start``
        seen_con = set()
        stack = []
        for s in start:
            if gid[s] < 0:
                gid[s] = len(groups)
                groups.append((s,))
                stack.append(s)
        while stack:
            u = stack.pop()
            for r in nb[u]:
                if values[r] < 0 or r in seen_con:
                    continue
                seen_con.add(r)
                vs = []
                for v in nb[r]:
                    if values[v] < 0:
                        if gid[v] < 0:
                            gid[v] = len(groups)
                            groups.append((v,))
                            stack.append(v)
                        vs.append(gid[v])
                cons_vars.append(vs)
                cons_w.append([1] * len(vs))
                cons_k.append(values[r])
                cons_cell.append(r)
    var_cons: list[list[tuple[int, int]]] = [[] for _ in groups]
    for ci, (vs, ws) in enumerate(zip(cons_vars, cons_w)):
        for v, w in zip(vs, ws):
            var_cons[v].append((ci, w))
    weighted = any(w != 1 for ws in cons_w for w in ws)
    return System(groups, cons_vars, cons_w, cons_k, cons_cell, infeasible, weighted, var_cons)


def _assign(sysm: System, v: int, x: int, val: list[int], need: list[int], free: list[int], queue: list[int],
            work: Work) -> bool:
    val[v] = x
    work.assignments += 1
    for ci, w in sysm.var_cons[v]:
        f = free[ci] - w
        free[ci] = f
        nd = need[ci]
        if x:
            nd -= w
            need[ci] = nd
        if nd < 0 or nd > f:
            return False
        queue.append(ci)
    return True


def _propagate(sysm: System, val: list[int], need: list[int], free: list[int], queue: list[int],
               work: Work) -> bool:
    cons_vars, cons_w, weighted = sysm.cons_vars, sysm.cons_w, sysm.weighted
    while queue:
        ci = queue.pop()
        f = free[ci]
        if not f:
            continue
        nd = need[ci]
        if nd == 0:
            x = 0
        elif nd == f:
            x = 1
        elif weighted:
            for v, w in zip(cons_vars[ci], cons_w[ci]):
                if val[v] < 0 and (w > nd or f - w < nd):
                    if not _assign(sysm, v, 0 if w > nd else 1, val, need, free, queue, work):
                        return False
                    queue.append(ci)
                    break
            continue
        else:
            continue
        for v in cons_vars[ci]:
            if val[v] < 0 and not _assign(sysm, v, x, val, need, free, queue, work):
                return False
    return True


def _dfs(sysm: System, val, need, free, limit: int, sols: list, work: Work) -> int:
    work.nodes += 1
    best, best_f = -1, 1 << 30
    for ci, f in enumerate(free):
        if 0 < f < best_f:
            best, best_f = ci, f
            if f <= 2:
                break
    if best < 0:
        if len(sols) < 1:
            sols.append(val[:])
        return 1
    v = next(u for u in sysm.cons_vars[best] if val[u] < 0)
    total = 0
    for x in (1, 0):
        val2, need2, free2 = val[:], need[:], free[:]
        queue: list[int] = []
        if _assign(sysm, v, x, val2, need2, free2, queue, work) and _propagate(sysm, val2, need2, free2, queue, work):
            total += _dfs(sysm, val2, need2, free2, limit - total, sols, work)
            if total >= limit:
                return total
    return total


def count_system(sysm: System, limit: int = 2, work: Work | None = None) -> tuple[int, list[int] | None]:
    """(number of solutions capped at ``limit``, one solution as a 0/1 list per variable or None)."""
    work = work if work is not None else Work()
    if sysm.infeasible:
        return 0, None
    nv = len(sysm.groups)
    val = [-1] * nv
    need = list(sysm.cons_k)
    free = [sum(ws) for ws in sysm.cons_w]
    for ci in range(len(need)):
        if need[ci] < 0 or need[ci] > free[ci]:
            return 0, None
    queue = list(range(len(need)))
    work.nodes += 1
    if not _propagate(sysm, val, need, free, queue, work):
        return 0, None
    n_free = sum(1 for v in range(nv) if not sysm.var_cons[v])
    sols: list = []
    total = _dfs(sysm, val, need, free, limit, sols, work)
    if not total:
        return 0, None
    sol = [max(x, 0) for x in sols[0]]  # unconstrained variables: safe in the reported solution
    if n_free:
        total = min(limit, total * 2 ** min(n_free, 8))
    return min(total, limit), sol


def count_solutions(n: int, values, blank_rule: bool = False, limit: int = 2,
                    work: Work | None = None) -> tuple[int, tuple[int, ...] | None]:
    """(consistent mine sets capped at ``limit``, one of them as sorted cells or None)."""
    sysm = build_system(n, values, blank_rule)
    total, sol = count_system(sysm, limit, work)
    if sol is None:
        return total, None
    cells = sorted(c for g, x in zip(sysm.groups, sol) if x for c in g)
    return total, tuple(cells)


def _unique_around(n: int, values, cells, work: Work) -> bool:
    """Whether the components touching ``cells`` (covered) have exactly one solution (generation only:
    the true mine set is always one, so 'at most one' is checked)."""
    sysm = build_system(n, values, False, start=cells)
    if any(not vc for vc in sysm.var_cons):
        return False  # a covered cell with no revealed neighbour is free
    return count_system(sysm, 2, work)[0] == 1


# ------------------------------------------------------------------------------------------- generator
def generate_board(rng: np.random.Generator, level: int) -> tuple[list[int], tuple[int, ...], Work, int]:
    """(values, mines, counter work, boards drawn): ``level``'s mines uniformly placed, then safe cells
    covered greedily in an rng order while the mine set stays the only consistent one."""
    n, m, target = LEVEL_PARAMS[level]
    N = n * n
    nb = neighbours(n)
    work = Work()
    for attempt in range(1, MAX_BOARDS + 1):
        mines = tuple(sorted(int(x) for x in rng.choice(N, size=m, replace=False)))
        values = counts_of(n, mines)
        safe = [i for i in range(N) if values[i] >= 0]
        order = [safe[int(j)] for j in rng.permutation(len(safe))]
        if not _unique_around(n, values, mines, work):
            continue  # a mine walled in by mines (no revealed neighbour): never unique
        covered = 0
        for c in order:
            if covered == target:
                break
            k = values[c]
            values[c] = COVERED
            # c must keep a revealed neighbour, and so must each covered neighbour of c
            ok = any(values[j] >= 0 for j in nb[c]) and all(
                values[j] >= 0 or any(values[t] >= 0 for t in nb[j]) for j in nb[c])
            if ok:
                touched = [c] + [j for j in nb[c] if values[j] < 0]
                ok = _unique_around(n, values, touched, work)
            if ok:
                covered += 1
            else:
                values[c] = k
        if covered == target:
            return values, mines, work, attempt
    raise RuntimeError(f"Minesweeper level {level}: no unique cover in {MAX_BOARDS} boards")


# --------------------------------------------------------------------------------------------- deducer
def cell_text(n: int, i: int) -> str:
    return f"({i // n},{i % n})"


def cells_text(n: int, cells) -> str:
    return ", ".join(cell_text(n, i) for i in sorted(cells))


def _plural(k: int, word: str) -> str:
    return f"{k} {word}" if k == 1 else f"{k} {word}s"


class Contradiction(Exception):
    def __init__(self, line: str):
        super().__init__(line)
        self.line = line


class Deducer:
    """Human-style deductions on one board: single-number rules, the two-number (pair) rule, the blank rule
    for imported records, and case analysis by contradiction. ``known`` maps covered cells to 1 (mine) or
    0 (safe)."""

    def __init__(self, n: int, values, blank_rule: bool = False):
        self.n = n
        self.values = list(values)
        self.blank_rule = blank_rule
        nb = neighbours(n)
        self.nb = nb
        self.covered = [i for i in range(n * n) if values[i] < 0]
        cons = []
        for r in range(n * n):
            if values[r] >= 0:
                U = tuple(j for j in nb[r] if values[j] < 0)
                if U:
                    cons.append((r, values[r], U))
        self.cons = cons
        self.cons_of: dict[int, list[int]] = {i: [] for i in self.covered}
        for ci, (_, _, U) in enumerate(cons):
            for u in U:
                self.cons_of[u].append(ci)
        # constraints that can share a covered cell (centres within two steps)
        self.partners = []
        for ci, (r, _, _) in enumerate(cons):
            rr, rc = divmod(r, n)
            self.partners.append([cj for cj, (s, _, _) in enumerate(cons)
                                  if cj != ci and abs(s // n - rr) <= 2 and abs(s % n - rc) <= 2])
        self.lines: list[str] = []
        self.singles = 0
        self.pairs = 0
        self.blank_steps = 0
        self.cases = 0
        self.case_depth = 0

    # ----- helpers
    def c(self, i: int) -> str:
        return cell_text(self.n, i)

    def cs(self, cells) -> str:
        return cells_text(self.n, cells)

    def status(self, ci: int, known: dict) -> tuple[int, list[int], list[int]]:
        """(mines still needed, unknown cells, known mines) of constraint ``ci``."""
        _, k, U = self.cons[ci]
        mines = [u for u in U if known.get(u) == 1]
        unknown = [u for u in U if u not in known]
        return k - len(mines), unknown, mines

    def _check(self, ci: int, known: dict) -> None:
        r, k, U = self.cons[ci]
        rem, unknown, mines = self.status(ci, known)
        if rem < 0:
            raise Contradiction(f"then {self.c(r)} would have {len(mines)} neighbouring mines "
                                f"({self.cs(mines)}) but it shows {k}")
        if rem > len(unknown):
            raise Contradiction(f"then {self.c(r)} could have at most {k - rem + len(unknown)} neighbouring mines "
                                f"but it shows {k}")

    def _set(self, known: dict, cells, x: int) -> None:
        for u in cells:
            known[u] = x
        touched = {ci for u in cells for ci in self.cons_of[u]}
        for ci in sorted(touched):
            self._check(ci, known)
        if self.blank_rule:
            for u in cells:
                for j in self.nb[u]:
                    if self.values[j] < 0 and known.get(j, x) != x:
                        raise Contradiction(f"then the blank {self.c(u)} and its blank neighbour {self.c(j)} "
                                            "would differ, which the blank rule forbids")

    # ----- rules
    def _are(self, cells, safe: bool) -> str:
        cells = sorted(cells)
        if len(cells) == 1:
            return f"{self.c(cells[0])} is {'safe' if safe else 'a mine'}"
        return f"{self.cs(cells)} are {'all safe' if safe else 'all mines'}"

    def single(self, ci: int, known: dict) -> tuple[list[int], int, str] | None:
        """The single-number rule on constraint ``ci``: (cells, value, line) or None."""
        r, k, _ = self.cons[ci]
        rem, unknown, mines = self.status(ci, known)
        if not unknown:
            return None
        if rem == 0:
            if not mines:
                return unknown, 0, f"{self.c(r)} shows 0, so {self._are(unknown, True)}."
            have = (f"the known mine {self.c(mines[0])}" if len(mines) == 1
                    else f"the known mines {self.cs(mines)}")
            other = "neighbour" if len(unknown) == 1 else "neighbours"
            return unknown, 0, (f"{self.c(r)} shows {k} and already touches {have}, so its other covered {other} "
                                f"{self._are(unknown, True)}.")
        if rem == len(unknown):
            extra = f" besides the known mine{'s' if len(mines) > 1 else ''} {self.cs(mines)}" if mines else ""
            left = ("exactly 1 undecided covered neighbour" if len(unknown) == 1
                    else f"exactly {len(unknown)} undecided covered neighbours")
            return unknown, 1, (f"{self.c(r)} shows {k} and needs {_plural(rem, 'more mine')}{extra}; it has {left}, "
                                f"so {self._are(unknown, False)}.")
        return None

    def pair_rule(self, known: dict) -> tuple[list[int], int, str, list[int], int] | None:
        """The first two-number deduction: (cells, value, line, other cells, other value)."""
        for ci, (ra, _, _) in enumerate(self.cons):
            a, UA, _ = self.status(ci, known)
            if not UA:
                continue
            sa = set(UA)
            for cj in self.partners[ci]:
                b, UB, _ = self.status(cj, known)
                if not UB:
                    continue
                inter = sa.intersection(UB)
                if not inter:
                    continue
                rb = self.cons[cj][0]
                Ao = sorted(sa - inter)
                Bo = sorted(set(UB) - inter)
                lo = max(0, a - len(Ao), b - len(Bo))
                hi = min(len(inter), a, b)
                if lo > hi:
                    continue
                # B-only cells get b - x mines, x in [lo, hi]
                if Bo and (b - lo == 0 or b - hi == len(Bo)):
                    x = 0 if b - lo == 0 else 1
                    shared = self.cs(sorted(inter))
                    head = f"{self.c(ra)} needs {_plural(a, 'more mine')} among {self.cs(UA)}"
                    if x == 0:
                        outside = (f"only {self.cs(Ao)} of them {'is' if len(Ao) == 1 else 'are'} not next to "
                                   f"{self.c(rb)}" if Ao else f"all of them are next to {self.c(rb)} too")
                        why = (f"{head}; {outside}, so the shared cells {shared} hold at least {lo}. {self.c(rb)} "
                               f"needs only {b} more, so {self._are(Bo, True)}.")
                    else:
                        why = (f"{head}, so the shared cells {shared} hold at most {hi}. {self.c(rb)} needs "
                               f"{_plural(b, 'more mine')} among {self.cs(UB)}, so its other cells {self.cs(Bo)} hold "
                               f"at least {b - hi}: {self._are(Bo, False)}.")
                    return Bo, x, why, [], 0
        return None

    def blank_rule_step(self, known: dict) -> tuple[list[int], int, str] | None:
        if not self.blank_rule:
            return None
        for u in self.covered:
            if u in known:
                x = known[u]
                todo = [j for j in self.nb[u] if self.values[j] < 0 and j not in known]
                if todo:
                    what = "a mine" if x else "safe (a true zero)"
                    nbr = "neighbour" if len(todo) == 1 else "neighbours"
                    return todo, x, (f"Blank {self.c(u)} is {what}, so its blank {nbr} {self._are(todo, not x)} "
                                     "too (a safe blank has no neighbouring mine).")
        return None

    def propagate(self, known: dict, lines: list[str], count: bool = False) -> None:
        """Apply the rules to a fixpoint (single-number sweeps first, then the blank rule, then the pair
        rule); raises Contradiction."""
        cons = range(len(self.cons))
        while True:
            fired = True
            any_single = False
            while fired:
                fired = False
                for ci in cons:
                    step = self.single(ci, known)
                    if step:
                        cells, x, line = step
                        lines.append(line)
                        if count:
                            self.singles += 1
                        self._set(known, cells, x)
                        fired = any_single = True
            step = self.blank_rule_step(known)
            if step:
                cells, x, line = step
                lines.append(line)
                if count:
                    self.blank_steps += 1
                self._set(known, cells, x)
                continue
            pair = self.pair_rule(known)
            if pair:
                cells, x, line, _, _ = pair
                lines.append(line)
                if count:
                    self.pairs += 1
                self._set(known, cells, x)
                continue
            if not any_single:
                return

    def refute(self, known: dict, cell: int, x: int, depth: int) -> list[str] | None:
        """Lines proving that ``cell`` = ``x`` leads to a contradiction (case splits up to ``depth``)."""
        trial = dict(known)
        lines: list[str] = []
        try:
            self._set(trial, [cell], x)
            self.propagate(trial, lines)
        except Contradiction as err:
            return lines + [f"But {err.line}. Contradiction."]
        if depth <= 0:
            return None
        for y in self._candidates(trial):
            sub = []
            for v in (1, 0):
                proof = self.refute(trial, y, v, depth - 1)
                if proof is None:
                    break
                sub.append((v, proof))
            else:
                out = list(lines)
                for v, proof in sub:
                    out.append(f"Sub-case {self.c(y)} {'is a mine' if v else 'is safe'}:")
                    out.extend("  " + ln for ln in proof)
                out.append(f"Both sub-cases for {self.c(y)} fail.")
                return out
        return None

    def _candidates(self, known: dict) -> list[int]:
        cands = [u for u in self.covered if u not in known and self.cons_of[u]]
        cands.sort(key=lambda u: (-len(self.cons_of[u]), u))
        return cands

    def solve(self, solution=None) -> dict:
        """Deduce every covered cell; returns known (cell -> 0/1). Lines go to ``self.lines``."""
        known: dict[int, int] = {}
        lines = self.lines
        while True:
            self.propagate(known, lines, count=True)
            left = [u for u in self.covered if u not in known]
            if not left:
                return known
            step = None
            for depth in range(0, 3):
                for u in self._candidates(known):
                    for x in (1, 0):
                        proof = self.refute(known, u, x, depth)
                        if proof is not None:
                            step = (u, x, proof, depth)
                            break
                    if step:
                        break
                if step:
                    break
            if step is None:  # last resort (not met in practice): the exhaustive counter decides one cell
                if solution is None:
                    total, found = count_solutions(self.n, self.values, self.blank_rule, limit=1)
                    if not total:
                        raise ValueError("the board has no consistent mine set")
                    solution = found
                sol = set(solution)
                u = left[0]
                x = 0 if u in sol else 1
                lines.append(f"Case analysis on {self.c(u)}: checking every arrangement of the remaining covered "
                             f"cells {self.cs(left)} against all numbers, none has {self.c(u)} "
                             f"{'safe' if x == 0 else 'a mine'}, so {self.c(u)} is "
                             f"{'a mine' if x == 0 else 'safe'}.")
                self.cases += 1
                self.case_depth = max(self.case_depth, 3)
                self._set(known, [u], 1 - x)
                continue
            u, x, proof, depth = step
            self.cases += 1
            self.case_depth = max(self.case_depth, depth)
            lines.append(f"No single number or pair of numbers decides more, so try a case: suppose {self.c(u)} is "
                         f"{'a mine' if x else 'safe'}.")
            lines.extend("  " + ln for ln in proof)
            lines.append(f"So {self.c(u)} is {'safe' if x else 'a mine'}.")
            self._set(known, [u], 1 - x)
