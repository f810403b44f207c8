"""TopologicalSort: generator levels (acyclic, connected, grid geometry), Kahn solver, rule verifier that accepts
every valid order, importer, image, prompts, trace."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import statistics
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhelix_env.core import Instance, ParseError, RecordError, extract_answer
from mmhelix_env.render.graph import point_segment_distance
from mmhelix_env.tasks import discover
from mmhelix_env.tasks.graphs._graph_common import grid_tables
from mmhelix_env.tasks.graphs.topological_sort import LEVEL_PARAMS, TASK, kahn, parse_order

FIXTURES = Path("/work/shared/fixtures/reference_sample")
SEEDS = range(60)
SPEC_EDGE_MEDIANS = {1: 8, 2: 14, 3: 19, 4: 25, 5: 40}


def _edges(inst):
    return [tuple(e) for e in inst.state["edges"]]


def _valid(order, edges) -> bool:
    pos = {v: i for i, v in enumerate(order)}
    return all(pos[u] < pos[v] for u, v in edges)


def _weakly_connected(n, edges) -> bool:
    adj = {v: set() for v in range(n)}
    for u, v in edges:
        adj[u].add(v)
        adj[v].add(u)
    seen, stack = {0}, [0]
    while stack:
        for w in adj[stack.pop()] - seen:
            seen.add(w)
            stack.append(w)
    return len(seen) == n


def _fmt(order) -> str:
    return "[" + ", ".join(map(str, order)) + "]"


# ---------------------------------------------------------------------------------------------- basics
def test_discovered_and_metadata():
    assert discover()["TopologicalSort"] is TASK
    assert (TASK.category, TASK.benchmark_id, TASK.generator_key) == ("graphs", "topological_sort", "topological_sort")
    assert TASK.score_function == "topological_sort_evaluator" and not TASK.step_mode


# ------------------------------------------------------------------------------------------- generator
@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_generator_respects_level_parameters(level):
    n, cols, max_extra = LEVEL_PARAMS[level]
    rows = n // cols
    far = set(grid_tables(n, cols).far)
    counts = []
    for seed in SEEDS:
        inst = TASK.instance(level, seed)
        assert set(inst.state) == {"n", "cols", "edges"} and (inst.state["n"], inst.state["cols"]) == (n, cols)
        edges = _edges(inst)
        assert edges == sorted(set(edges)) and all(0 <= u < n and 0 <= v < n and u != v for u, v in edges)
        assert len({frozenset(e) for e in edges}) == len(edges)  # no antiparallel pairs
        assert kahn(n, edges) is not None  # acyclic
        assert _weakly_connected(n, edges)
        assert not all(u < v for u, v in edges)  # the ascending order is never valid
        diag_cells, n_far = [], 0
        for u, v in edges:
            (ru, cu), (rv, cv) = divmod(u, cols), divmod(v, cols)
            dr, dc = abs(ru - rv), abs(cu - cv)
            if max(dr, dc) == 1:
                if dr and dc:
                    diag_cells.append((min(ru, rv), min(cu, cv)))
            else:
                assert (min(u, v), max(u, v)) in far and sorted((dr, dc)) in ([1, 2], [1, 3], [2, 3])
                n_far += 1
        assert len(diag_cells) == len(set(diag_cells)), "two diagonals in one unit cell"
        assert n_far == min(max_extra, len(far))
        assert rows * cols == n
        counts.append(len(edges))
    assert abs(statistics.median(counts) - SPEC_EDGE_MEDIANS[level]) <= 1.5, statistics.median(counts)


def test_no_edge_passes_near_another_vertex():
    for level in (3, 5):
        n, cols, _ = LEVEL_PARAMS[level]
        centres = [(v % cols, v // cols) for v in range(n)]
        for seed in range(30):
            for u, v in _edges(TASK.instance(level, seed)):
                for w in range(n):
                    if w not in (u, v):
                        assert point_segment_distance(centres[w], centres[u], centres[v]) >= 0.27


def test_orientation_is_not_reading_order_biased():
    forward = total = 0
    for seed in range(40):
        for u, v in _edges(TASK.instance(5, seed)):
            forward += u < v
            total += 1
    assert 0.35 <= forward / total <= 0.65


def test_stats_grow_with_level():
    med = {lv: statistics.median(TASK.stats(TASK.instance(lv, s))["solver_work"] for s in range(30))
           for lv in range(1, 6)}
    assert all(med[lv] < med[lv + 1] for lv in range(1, 5)), med


def test_determinism_state_prompt_image():
    for level in (1, 5):
        a, b = TASK.instance(level, 99), TASK.instance(level, 99)
        assert a.to_json() == b.to_json()
        assert TASK.prompt(a, "text") == TASK.prompt(b, "text")
        assert hashlib.sha256(TASK.render(a).tobytes()).digest() == hashlib.sha256(TASK.render(b).tobytes()).digest()
        assert TASK.instance(level, 100).fingerprint != a.fingerprint


# --------------------------------------------------------------------------------------------- solving
def test_kahn_is_the_lexicographically_smallest_order_and_verifier_matches_brute_force():
    for seed in range(6):
        inst = TASK.instance(1, seed)
        edges = _edges(inst)
        valid = [p for p in itertools.permutations(range(6)) if _valid(p, edges)]
        assert TASK.solve(inst) == min(valid)
        for p in itertools.permutations(range(6)):  # every valid order passes, every other one fails
            assert TASK.verify(inst, _fmt(p)).correct == (p in set(valid))


def test_round_trip_and_second_valid_order():
    for level in range(1, 6):
        for seed in range(20):
            inst = TASK.instance(level, seed)
            answer = TASK.expert_answer(inst)
            v = TASK.verify(inst, answer)
            assert v.correct and v.parsed == list(TASK.solution(inst))
            # a different valid order: Kahn taking the largest available vertex first
            n, edges = inst.state["n"], _edges(inst)
            indeg = [0] * n
            for _, b in edges:
                indeg[b] += 1
            avail = [x for x in range(n) if indeg[x] == 0]
            other = []
            while avail:
                x = max(avail)
                avail.remove(x)
                other.append(x)
                for a, b in edges:
                    if a == x:
                        indeg[b] -= 1
                        if indeg[b] == 0:
                            avail.append(b)
            if tuple(other) != TASK.solution(inst):
                assert TASK.verify(inst, _fmt(other)).correct


# ---------------------------------------------------------------------------------------- verification
@pytest.fixture(scope="module")
def inst3():
    return TASK.instance(3, 4)


def test_lenient_formats_accepted(inst3):
    order = list(TASK.solution(inst3))
    body = ", ".join(map(str, order))
    for text in (f"[{body}]", body, f"({body})", " ".join(map(str, order)), " -> ".join(map(str, order)),
                 " → ".join(map(str, order)), " > ".join(map(str, order)),
                 "[" + ", ".join(f"'{v}'" for v in order) + "]",
                 "[" + ", ".join(f'"{v}"' for v in order) + "]", f"[{body}].", f"**[{body}]**", f"$[{body}]$",
                 ",".join(map(str, order)), f"[{body},]"):
        v = TASK.verify(inst3, text)
        assert v.correct, (text, v)
    assert TASK.verify_response(inst3, f"thinking\n\\boxed{{[{body}]}}")[1].correct
    assert TASK.verify_response(inst3, f"so\nAnswer: [{body}]")[1].correct


def test_rule_violations_rejected_with_reasons(inst3):
    order = list(TASK.solution(inst3))
    n, edges = inst3.state["n"], _edges(inst3)
    v = TASK.verify(inst3, _fmt(order[:-1]))
    assert not v.correct and "missing" in v.reason and str(order[-1]) in v.reason and v.score == 0
    v = TASK.verify(inst3, _fmt(order + [order[0]]))
    assert not v.correct and "more than once" in v.reason
    v = TASK.verify(inst3, _fmt(order[:-1] + [n + 5]))
    assert not v.correct and "unknown" in v.reason and str(n + 5) in v.reason
    u, w = edges[0]
    swapped = list(order)
    i, j = swapped.index(u), swapped.index(w)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    v = TASK.verify(inst3, _fmt(swapped))
    assert not v.correct and "violated" in v.reason and 0 < v.score < 1
    assert re.search(r"edge \d+ -> \d+ is violated", v.reason)
    v = TASK.verify(inst3, _fmt(order[::-1]))
    assert not v.correct and v.score == 0.0 and f"{len(edges)} of {len(edges)} edges" in v.reason


def test_unreadable_rejected(inst3):
    order = list(TASK.solution(inst3))
    for text in ("", "no idea", f"The order is {_fmt(order)}", _fmt(order) + " done", "[0.5, 1]",
                 "[-1, 0]", "١٢٣", "２４", "{" * 10_000, "1 " * 1500, "[a, b]", "{0, 1, 2}"):
        v = TASK.verify(inst3, text)
        assert not v.correct and v.reason, text
    with pytest.raises(ParseError):
        parse_order("words only")


def test_garbage_is_fast(inst3):
    import time

    rng = np.random.default_rng(0)
    for text in (bytes(rng.integers(0, 256, 5000, dtype=np.uint8)).decode("latin-1"), "[" * 10_000,
                 "9" * 1_000_000, "1, " * 600):
        t0 = time.perf_counter()
        v = TASK.verify(inst3, text)
        assert not v.correct and v.reason and time.perf_counter() - t0 < 0.05


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text):
    inst = TASK.instance(1, 0)
    v = TASK.verify(inst, text)
    assert isinstance(v.correct, bool) and v.reason


@settings(max_examples=200, deadline=None)
@given(st.permutations(list(range(9))))
def test_any_permutation_judged_by_the_rule(perm):
    inst = TASK.instance(2, 5)
    assert TASK.verify(inst, _fmt(perm)).correct == _valid(perm, _edges(inst))


# ------------------------------------------------------------------------------------------------ image
@pytest.mark.parametrize("level", [1, 3, 5])
def test_render_grid_positions_and_edge_colours(level):
    for seed in range(8):
        inst = TASK.instance(level, seed)
        img, drawn = TASK.drawing(inst)
        assert img.size == (512, 512) and img.mode == "RGB"
        n, cols, _ = LEVEL_PARAMS[level]
        step = (512 - 80) / (max(cols, n // cols) - 1)
        assert math.isclose(drawn.positions[1][0] - drawn.positions[0][0], step)
        assert 16 <= drawn.radii[0] <= 30
        ys = sorted({round(y) for _, y in drawn.positions})
        assert abs((ys[0] + ys[-1]) / 2 - 256) <= 1  # short grids centred vertically
        edges = _edges(inst)
        for a, b in itertools.combinations(range(len(edges)), 2):
            if set(edges[a]) & set(edges[b]):
                assert drawn.edge_colors[a] != drawn.edge_colors[b]
    assert TASK.render(TASK.instance(level, 0), size=300).size == (300, 300)


# ---------------------------------------------------------------------------------------------- prompts
def test_prompts():
    inst = TASK.instance(4, 2)
    text, image = TASK.prompt(inst, "text"), TASK.prompt(inst, "image")
    sentence = "Answer with a list of numbers ONLY. For example: [0, 1, 2, 3]."
    assert sentence in text and sentence in image
    head, *lines = text.split("\n")
    assert head.endswith(sentence) and head.startswith("Given the following adjacency list of a connected DAG")
    assert len(lines) == 16
    edges = set()
    for u, line in enumerate(lines):
        m = re.fullmatch(r"(\d+): \[(.*)\]", line)
        assert m and int(m.group(1)) == u
        succ = [int(x) for x in m.group(2).split(", ") if x]
        assert succ == sorted(succ)
        edges |= {(u, v) for v in succ}
    assert sorted(edges) == _edges(inst)
    assert "image" not in text.lower() and "image" in image and "0: [" not in image
    allowed = set(map(chr, range(32, 127))) | set("\n×÷−–—→←↑↓·…’“”≤≥≠█")
    assert set(text) <= allowed and set(image) <= allowed and "\\boxed" not in text
    with pytest.raises(ValueError):
        TASK.prompt(inst, "video")


# ------------------------------------------------------------------------------------------------ trace
def test_trace_is_kahn_step_by_step():
    for level in range(1, 6):
        inst = TASK.instance(level, 12)
        trace = TASK.trace(inst)
        answer = extract_answer(trace)
        assert answer == TASK.expert_answer(inst) and TASK.verify(inst, answer).correct
        assert trace.rstrip().splitlines()[-1] == f"Answer: {answer}"
        assert "In-degrees:" in trace and "Initially available" in trace
        assert trace.count("Step ") == inst.state["n"]
        assert "in-degree of" in trace


# ---------------------------------------------------------------------------------------------- importer
def _fixture(level):
    return json.loads((FIXTURES / f"d{level}" / "topological_sort" / "annotations.json").read_text())[0]


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_importer_on_reference_fixtures(level):
    rec = _fixture(level)
    assert isinstance(rec["difficulty"], str) and isinstance(rec["question_language"], list)
    inst = TASK.from_record(rec)
    assert inst.task == "TopologicalSort" and inst.level == level and inst.source == "reference"
    assert inst.state["n"] == LEVEL_PARAMS[level][0] and inst.state["cols"] == LEVEL_PARAMS[level][1]
    assert TASK.verify(inst, _fmt(rec["answer"])).correct
    assert inst._witness is not None  # the stored answer verified
    # the adjacency list round-trips through our text prompt
    ours = TASK.prompt(inst, "text").split("[0, 1, 2, 3].\n", 1)[1]
    theirs = rec["question_language"][0].split("[0, 1, 2, 3].", 1)[1]
    assert ours.strip() == theirs.strip()
    # text-only record (no initial_state) gives the same instance
    text_only = {k: v for k, v in rec.items() if k != "initial_state"}
    assert TASK.from_record(text_only).fingerprint == inst.fingerprint
    assert TASK.render(inst).size == (512, 512)


def test_importer_published_row_layout():
    rec = _fixture(3)
    row = {"id": 9, "category": "topological_sort", "images": [], "question": rec["question"],
           "question_text": rec["question_language"][0].replace("\n", "\\n"), "answer": json.dumps(rec["answer"]),
           "difficulty": 3, "metric_info": "{'score_function': 'topological_sort_evaluator'}",
           "initial_state": json.dumps(rec["initial_state"])}
    a, b = TASK.from_record(rec), TASK.from_record(row)
    assert a.fingerprint == b.fingerprint and b.level == 3 and b._witness is not None
    c = TASK.from_record(dict(row, initial_state=""))
    assert c.fingerprint == a.fingerprint


def test_importer_own_instance_round_trip_and_wrong_answer():
    inst = TASK.instance(2, 8)
    adjacency = {str(u): [] for u in range(inst.state["n"])}
    for u, v in _edges(inst):
        adjacency[str(u)].append(v)
    imported = TASK.from_record({"difficulty": "2", "initial_state": adjacency, "answer": list(range(9))})
    assert imported.state["edges"] == inst.state["edges"] and imported._witness is None
    assert TASK.verify(imported, TASK.expert_answer(inst)).correct


def test_importer_rejects_broken_records():
    rec = _fixture(1)
    cyclic = dict(rec["initial_state"])
    cyclic["0"] = [3]  # 3 -> 0 exists: a 2-cycle
    with pytest.raises(RecordError, match="cycle"):
        TASK.from_record(dict(rec, initial_state=cyclic))
    with pytest.raises(RecordError):
        TASK.from_record({"difficulty": 1, "question_language": ["nothing"], "answer": [0]})
    with pytest.raises(RecordError, match="self-loop"):
        TASK.from_record(dict(rec, initial_state={"0": [0], "1": [0]}))
    with pytest.raises(RecordError):
        TASK.from_record(dict(rec, initial_state={"0": "x", "1": [0]}))
    with pytest.raises(RecordError):
        TASK.from_record(dict(rec, category="graph_isomorphism"))


def test_instance_json_round_trip():
    inst = TASK.instance(5, 1)
    back = Instance.from_json(inst.to_json())
    assert back == inst and back._witness is None and TASK.solve(back) == TASK.solution(inst)
