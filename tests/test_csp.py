"""The CSP engine: counts equal brute force on random small CSPs, propagation is sound, search is
deterministic, and the carving / uniqueness helpers are exact."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from mmhelix_env.core.csp import (
    CSP,
    AllDifferent,
    BudgetExceeded,
    Count,
    Less,
    Predicate,
    Sum,
    Table,
    arithmetic,
    explain_search,
    format_values,
    mask_of,
    single,
    values_of,
)
from mmhelix_env.core.grid_puzzle import latin_csp


def brute_force(csp: CSP) -> list[tuple[int, ...]]:
    options = [values_of(m) for m in csp.domains]
    out = []
    for values in itertools.product(*options):
        if all(c.satisfied(values) for c in csp.constraints):
            out.append(values)
    return out


def random_csp(rng: np.random.Generator) -> CSP:
    n = int(rng.integers(2, 6))
    domains = []
    for _ in range(n):
        m = int(rng.integers(1, 32))  # values 0..4
        domains.append(m)
    csp = CSP(domains)
    for _ in range(int(rng.integers(1, 5))):
        kind = int(rng.integers(0, 7))
        k = int(rng.integers(2, n + 1))
        vs = sorted(rng.choice(n, size=k, replace=False).tolist())
        if kind == 0:
            csp.add(AllDifferent(vs))
        elif kind == 1:
            csp.add(Less(vs[0], vs[1]))
        elif kind == 2:
            weights = rng.integers(-2, 4, size=k).tolist()
            target = int(rng.integers(-3, 12))
            csp.add(Sum(vs, target, weights, distinct=bool(rng.integers(0, 2)),
                        max_tuples=int(rng.choice([0, 2_000]))))
        elif kind == 3:
            csp.add(Count(vs, int(rng.integers(1, 32)), int(rng.integers(0, k + 1)), None))
        elif kind == 4:
            tuples = [tuple(int(x) for x in rng.integers(0, 5, size=k)) for _ in range(int(rng.integers(0, 12)))]
            csp.add(Table(vs, tuples))
        elif kind == 5:
            csp.add(Predicate(vs, lambda t: sum(t) % 2 == 0))
        else:
            lo = int(rng.integers(0, k + 1))
            csp.add(Count(vs, int(rng.integers(1, 32)), lo, int(rng.integers(lo, k + 1))))
    return csp


def test_counts_equal_brute_force_and_propagation_is_sound():
    rng = np.random.default_rng(2024)
    for _ in range(400):
        csp = random_csp(rng)
        sols = brute_force(csp)
        res = csp.search(limit=10_000)
        assert res.complete and res.count == len(sols)
        assert sorted(map(tuple, res.solutions)) == sorted(sols)
        assert csp.count_solutions(2) == min(2, len(sols))
        root = csp.propagate()
        if sols:
            assert root is not None
            for values in sols:  # nothing a solution uses is pruned
                assert all(root[v] >> x & 1 for v, x in enumerate(values))
        # propagation from a partial assignment is sound too
        for values in sols[:3]:
            dom = csp.fixed({0: values[0]})
            fixed = csp.propagate(dom)
            assert fixed is not None and all(fixed[v] >> x & 1 for v, x in enumerate(values))


def test_search_is_deterministic_and_limited():
    csp = latin_csp(4)
    a = csp.search(limit=5)
    b = csp.search(limit=5)
    assert a.count == 5 and a.solutions == b.solutions and a.nodes == b.nodes
    assert latin_csp(3).count_solutions(100) == 12
    assert latin_csp(4).count_solutions(1000) == 576
    order = [[4, 3, 2, 1]] * 16
    first = csp.solve(value_order=order)
    assert first[0] == 4 and first != csp.solve()


def test_budget():
    csp = latin_csp(5)
    res = csp.search(limit=10_000, max_nodes=50)
    assert not res.complete and res.nodes <= 51
    with pytest.raises(BudgetExceeded):
        csp.count_solutions(10_000, max_nodes=50)
    assert csp.count_solutions(2, max_nodes=1_000) == 2


def test_find_other_and_carve_are_exact():
    rng = np.random.default_rng(3)
    csp = latin_csp(4)
    sol = csp.solve(value_order=[list(rng.permutation(4) + 1) for _ in range(16)])
    # with every other cell given, cell 0 is forced
    assert csp.find_other(sol, [0], csp.fixed({v: sol[v] for v in range(1, 16)})) is None
    for target in (6, 8, 10):
        kept = csp.carve(sol, rng.permutation(16).tolist(), target)
        dom = csp.fixed({v: sol[v] for v in kept})
        assert csp.count_solutions(2, domains=dom) == 1
        assert len(kept) >= target
        # minimal with respect to the visit order: freeing any kept cell (when above target) breaks uniqueness
        if len(kept) > target:
            for v in kept:
                rest = csp.fixed({u: sol[u] for u in kept if u != v})
                assert csp.count_solutions(2, domains=rest) == 2
    # keep: never freed
    kept = csp.carve(sol, list(range(16)), 0, keep=[0, 5])
    assert 0 in kept and 5 in kept


def test_less_and_alldifferent_propagation():
    csp = CSP([mask_of(range(1, 4))] * 3)
    csp.add(Less(0, 1))
    csp.add(Less(1, 2))
    dom = csp.propagate()
    assert [single(m) for m in dom] == [1, 2, 3]
    csp = CSP([mask_of([1, 2]), mask_of([1, 2]), mask_of([1, 2, 3])])
    csp.add(AllDifferent([0, 1, 2]))
    assert single(csp.propagate()[2]) == 3  # naked pair via pigeonhole + hidden single
    csp = CSP([mask_of([1, 2])] * 3)
    csp.add(AllDifferent([0, 1, 2]))
    assert csp.propagate() is None and csp.count_solutions() == 0


def test_sum_compiles_to_table_and_bounds_mode_agrees():
    doms = [mask_of([0, 1])] * 5
    for target in range(0, 16):
        a = CSP(doms)
        a.add(Sum(range(5), target, [1, 2, 3, 4, 5]))
        b = CSP(doms)
        b.add(Sum(range(5), target, [1, 2, 3, 4, 5], max_tuples=0))
        assert a.constraints[0].table is not None and b.constraints[0].table is None
        assert a.count_solutions(100) == b.count_solutions(100) == len(brute_force(a))
    kakuro = CSP([mask_of(range(1, 10))] * 3)
    kakuro.add(Sum(range(3), 7, distinct=True))  # {1,2,4} only
    root = kakuro.propagate()
    assert all(m == mask_of([1, 2, 4]) for m in root)
    assert kakuro.count_solutions(100) == 6


def test_count_and_arithmetic():
    csp = CSP([mask_of([0, 1])] * 4)
    csp.add(Count(range(4), mask_of([1]), 2))
    assert csp.count_solutions(100) == 6
    dom = csp.propagate(csp.fixed({0: 1, 1: 1}))
    assert [single(m) for m in dom] == [1, 1, 0, 0]
    doms = [mask_of(range(1, 7))] * 2
    for op, target, pairs in (("+", 7, {(1, 6), (2, 5), (3, 4)}), ("×", 6, {(1, 6), (2, 3)}),
                              ("−", 4, {(1, 5), (2, 6)}), ("÷", 3, {(1, 3), (2, 6)})):
        table = arithmetic([0, 1], op, target, doms, distinct_pairs=[(0, 1)])
        assert {tuple(sorted(t)) for t in table.tuples} == pairs
    # floor division is not exact division: {2, 5} does not make 2÷
    assert (2, 5) not in arithmetic([0, 1], "÷", 2, doms).tuples
    with pytest.raises(ValueError):
        arithmetic([0, 1, 2], "-", 1, [mask_of(range(1, 4))] * 3)


def test_log_and_explanations():
    csp = latin_csp(4)
    dom = csp.fixed({0: 1, 5: 2})
    log: list = []
    res = csp.search(1, domains=dom, log=log)
    assert res.count == 1
    kinds = {ev[0] for ev in log}
    assert {"deduce", "branch", "solution"} <= kinds
    lines = explain_search(
        log, deduce=lambda ci, ch, before: "; ".join(csp.constraints[ci].why(v, a, b, before, csp.name)
                                                   for v, a, b in ch),
        fail=lambda ci, before: "fail", leaf_fail=lambda ci: "leaf", guess=lambda v, x, m: f"guess {v}={x}",
        undo=lambda v, x: "undo", stuck="stuck")
    assert "stuck" in lines and any(line.startswith("guess") for line in lines)
    assert any("row 0" in line or "column 0" in line for line in lines)
    assert format_values(mask_of([1, 3])) == "{1,3}"


def test_values_of_matches_bit_scan_on_wide_masks():
    rng = np.random.default_rng(3)
    for _ in range(300):
        width = int(rng.integers(1, 200))
        m = int(rng.integers(0, 2, size=width) @ (1 << np.arange(width, dtype=object))) if width else 0
        assert values_of(m) == [i for i in range(width) if m >> i & 1]
        assert mask_of(values_of(m)) == m


def test_branch_variable_is_fewest_values_lowest_index():
    """The engine branches on the open variable with the fewest values, the lowest index on ties (the rule the
    tasks' search-node counts and traces rely on), and tries its values ascending."""
    rng = np.random.default_rng(11)
    branches = 0
    for _ in range(60):
        csp = random_csp(rng)
        log: list = []
        csp.search(3, log=log)
        for ev in log:
            if ev[0] == "branch":
                _, var, value, _, dom = ev
                open_counts = [(m.bit_count(), v) for v, m in enumerate(dom) if m & (m - 1)]
                assert (dom[var].bit_count(), var) == min(open_counts)
                assert dom[var] >> value & 1
                branches += 1
    assert branches >= 30
