"""Test code shared by the single-integer graph task tests (tests/tasks/test_{max_flow,shortest_distance}.py).

Each helper holds one check that used to be copy-pasted across the task test files; the task files call it with
their own task, instance and parameters and keep their task-specific assertions.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable

import numpy as np

from mmhelix_env.tasks import discover


def assert_integer_round_trip(task, instances: Callable, levels: Iterable[int] = range(1, 6),
                              seeds: Iterable[int] = range(20)) -> None:
    """Every expert answer is a bare integer that verifies with full score and parses to itself."""
    seeds = list(seeds)
    for level in levels:
        for inst in instances(level, seeds):
            answer = task.expert_answer(inst)
            assert re.fullmatch(r"\d+", answer)
            v = task.verify(inst, answer)
            assert v.correct and v.score == 1.0 and v.parsed == int(answer)


def assert_lenient_integer_formats(task, inst, value: int, sentence: str, extra: Iterable[str] = (),
                                   responses: Iterable[str] = ()) -> None:
    """The usual spellings of the right integer are accepted (``sentence`` a phrase with ``{}`` for the value),
    and so are the boxed and ``Answer:`` forms of a whole response."""
    v_ = value
    for text in (f"{v_}", f" {v_} ", f"{v_}.0", f"{v_} units", f"**{v_}**", f"${v_}$", f"\\text{{{v_}}}",
                 f"\\mathbf{{{v_}}}", f"{v_}.", sentence.format(v_), f"{v_}.00", f"+{v_}", *extra):
        v = task.verify(inst, text)
        assert v.correct, (text, v)
    for response in (f"thinking ... \\boxed{{{v_}}}", f"so\nAnswer: {v_}", *responses):
        assert task.verify_response(inst, response)[1].correct


def assert_ambiguous_and_unreadable_rejected(task, inst, ambiguous: Iterable[str], unreadable: Iterable[str] = ()
                                             ) -> None:
    """Texts with several numbers name 'exactly one number' as the reason; unreadable texts are rejected."""
    for text in ambiguous:
        v = task.verify(inst, text)
        assert not v.correct and "exactly one number" in v.reason, (text, v)
    for text in ("", "   ", "no idea", "١٢٣", "２４", "{" * 10_000, "x" * 1_000_000, "1e3", *unreadable):
        v = task.verify(inst, text)
        assert not v.correct and v.reason, text


def assert_garbage_rejected_fast(task, inst, extra: Iterable[str] = (), seconds: float | None = None) -> None:
    """Random bytes, deep braces and huge inputs are rejected with a reason (within ``seconds`` each if given)."""
    rng = np.random.default_rng(0)
    junk = [bytes(rng.integers(0, 256, 5000, dtype=np.uint8)).decode("latin-1"), "{" * 10_000 + "}" * 10_000,
            "9" * 1_000_000, "1 " * 50_000, "\\boxed{" * 3000, *extra]
    for text in junk:
        t0 = time.perf_counter()
        v = task.verify(inst, text)
        if seconds is not None:
            assert time.perf_counter() - t0 < seconds
        assert not v.correct and v.reason


def hamiltonian_paths(n: int, adj: list[int], starts: Iterable[int], limit: int = 500) -> list[list[int]]:
    """Up to ``limit`` Hamiltonian paths of the graph with adjacency bit masks ``adj``, by depth-first search from
    each of ``starts`` in turn."""
    out: list[list[int]] = []

    def dfs(path, used):
        if len(out) >= limit:
            return
        if len(path) == n:
            out.append(list(path))
            return
        for w in range(n):
            if adj[path[-1]] >> w & 1 and not used >> w & 1:
                path.append(w)
                dfs(path, used | 1 << w)
                path.pop()

    for s in starts:
        dfs([s], 1 << s)
    return out


def assert_graph_metadata(task, name: str, benchmark_id: str, generator_key: str) -> None:
    """The task is discovered under ``name`` as a single-answer graph task with these benchmark keys."""
    assert discover()[name] is task
    assert task.category == "graphs"
    assert task.benchmark_id == benchmark_id
    assert task.generator_key == generator_key
    assert task.score_function == "simple_str_match"
    assert not task.step_mode


def first_non_edge_swap(order: list[int], adj: list[int], n: int) -> tuple[int, list[int]] | None:
    """The first i in 1..n-2 where swapping entries i and i+1 of ``order`` puts two non-adjacent vertices next to
    each other (entries i-1 and i), with the swapped order; None if there is none."""
    for i in range(1, n - 1):
        swapped = order[:i] + [order[i + 1], order[i]] + order[i + 2:]
        if not adj[swapped[i - 1]] >> swapped[i] & 1:
            return i, swapped
    return None
