"""EulerianCycle (and the shared _eulerian machinery): generator levels, parity repair, Hierholzer, lenient
parsing, rule verification, importer, image, prompts, trace."""

from __future__ import annotations

import hashlib
import itertools
import json
import statistics
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhelix_env.core import Instance, ParseError, RecordError, extract_answer
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.render.graph import grid_spacing, min_edge_vertex_clearance
from mmhelix_env.tasks import discover
from mmhelix_env.tasks.graphs._eulerian import (
    build_graph,
    graph_facts,
    grid_cols,
    grid_tables,
    hierholzer,
    repair_parity,
    state_facts,
)
from mmhelix_env.tasks.graphs._graph_common import FAR_OFFSETS, format_vertex_list, parse_vertex_list
from mmhelix_env.tasks.graphs.eulerian_cycle import TASK
from tests import helpers_puzzle as hp

FIXTURES = Path("/work/shared/fixtures/reference_sample")
LEVELS = (1, 2, 3, 4, 5)
SEEDS = range(60)


def _instances(level, seeds=SEEDS):
    return [TASK.instance(level, s) for s in seeds]


def _edges(inst):
    return [tuple(e) for e in inst.state["edges"]]


def brute_force_euler(n, edges, closed):
    """Independent check: is there a trail through every edge (closed if asked)? Memoised DFS over
    (vertex, used-edge mask); fine for the small graphs of levels 1-2."""
    m = len(edges)
    inc = [[] for _ in range(n)]
    for i, (u, v) in enumerate(edges):
        inc[u].append((v, i))
        inc[v].append((u, i))
    full = (1 << m) - 1

    for start in range(n):
        if not inc[start]:
            continue

        @cache
        def go(v, used, start=start):
            if used == full:
                return not closed or v == start
            return any(go(w, used | 1 << i) for w, i in inc[v] if not used >> i & 1)

        if go(start, 0):
            return True
    return False


def alt_walk(n, edges, start, closed):
    """A second Euler walk: Hierholzer with the largest neighbour first (relabel vertices v -> n-1-v)."""
    flip = [(n - 1 - u, n - 1 - v) for u, v in edges]
    run = hierholzer(n, flip, n - 1 - start)
    return [n - 1 - v for v in run.walk]


# ---------------------------------------------------------------------------------------------- basics
def test_discovered_and_metadata():
    assert discover()["EulerianCycle"] is TASK
    assert (TASK.category, TASK.benchmark_id, TASK.generator_key) == ("graphs", "eulerian_cycle", "eulerian_cycle")
    assert TASK.score_function == "eulerian_cycle_evaluator" and TASK.version == "1"
    assert not TASK.step_mode and TASK.answer_format


def test_grid_cols_and_tables():
    assert [grid_cols(n) for n in (3, 4, 5, 9, 10, 16, 17, 25, 26)] == [2, 2, 3, 3, 4, 4, 5, 5, 6]
    tab = grid_tables(14, 4)  # last row has 2 vertices
    assert all(v < 14 for pair in tab.allowed for v in pair)
    assert (12, 13) in tab.orth and (9, 12) in tab.diag_of and (8, 13) in tab.diag_of
    assert all((u, v) not in tab.diag_of for u, v in [(10, 15), (11, 14)])
    for u, v in tab.far:
        (ru, cu), (rv, cv) = divmod(u, 4), divmod(v, 4)
        assert (abs(ru - rv), abs(cu - cv)) in FAR_OFFSETS


# ------------------------------------------------------------------------------------------- generator
@pytest.mark.parametrize("level", LEVELS)
def test_generator_respects_level_parameters(level):
    n, p = TASK.level_params[level]
    assert p == 0.2
    cols = grid_cols(n)
    tab = grid_tables(n, cols)
    odd_counts = set()
    for inst in _instances(level):
        st_ = inst.state
        assert set(st_) == {"n", "cols", "edges"} and (st_["n"], st_["cols"]) == (n, cols)
        edges = _edges(inst)
        assert edges == sorted(set(edges))
        assert all((u, v) in tab.allowed for u, v in edges), "an edge joins neither king nor far neighbours"
        cells = [tab.diag_of[e][0] for e in edges if e in tab.diag_of]
        assert len(cells) == len(set(cells)), "two diagonals in one unit cell"
        facts = graph_facts(n, edges)
        assert facts.connected
        k = len(facts.odd)
        assert k == 0 or k in TASK.no_odd_counts[level]
        odd_counts.add(k)
    assert 0 in odd_counts
    if level <= 2:
        assert {2, 4} <= odd_counts  # No-instances with 2 or 4 odd vertices
    else:
        assert odd_counts == {0, 2}  # near misses only: an open Euler trail exists, no circuit


def test_label_probability_is_about_one_third():
    no = sum(not TASK.solution(i)["exists"] for lv in LEVELS for i in _instances(lv, range(120)))
    assert 0.25 < no / 600 < 0.42


def test_parity_repair_reaches_every_target():
    rng = np.random.default_rng(5)
    tab = grid_tables(16, 4)
    for k in (0, 2, 4, 6, 8):
        ok = 0
        for _ in range(40):
            edges, diag = build_graph(rng, tab, 0.2, 0.14, 0.06, 0.4)
            if repair_parity(rng, tab, edges, diag, k):
                ok += 1
                facts = graph_facts(16, edges)
                assert len(facts.odd) == k and facts.connected
                cells = [tab.diag_of[e][0] for e in edges if e in tab.diag_of]
                assert len(cells) == len(set(cells))
                assert all(diag[c] == tab.diag_of[e][1] for e in edges if e in tab.diag_of for c in [tab.diag_of[e][0]])
        assert ok >= 20, (k, ok)


def test_builder_spanning_tree_is_random():
    roots = set()
    tab = grid_tables(12, 4)
    for seed in range(30):
        edges, _ = build_graph(np.random.default_rng(seed), tab, 0.0, 0.0, 0.0, 0.0)
        assert len(edges) == 11 and graph_facts(12, edges).connected  # the bare tree
        roots.add(tuple(sorted(edges)))
    assert len(roots) > 20


def test_stats_grow_with_level():
    med = {lv: {key: statistics.median(TASK.stats(i)[key] for i in _instances(lv, range(40)))
                for key in ("edges", "solver_steps")} for lv in LEVELS}
    for key in ("edges", "solver_steps"):
        assert all(med[lv][key] < med[lv + 1][key] for lv in range(1, 5)), (key, med)
    assert 9 <= med[1]["edges"] <= 13 and 34 <= med[5]["edges"] <= 42  # spec: medians 11 ... 38


def test_determinism_state_prompt_image():
    for level in (1, 5):
        a, b = TASK.instance(level, 77), TASK.instance(level, 77)
        assert a.to_json() == b.to_json() and a.fingerprint == b.fingerprint
        assert TASK.prompt(a, "text") == TASK.prompt(b, "text") and TASK.prompt(a, "image") == TASK.prompt(b, "image")
        assert hashlib.sha256(TASK.render(a).tobytes()).digest() == hashlib.sha256(TASK.render(b).tobytes()).digest()
        assert TASK.instance(level, 78).fingerprint != a.fingerprint


# --------------------------------------------------------------------------------------------- solving
def test_label_matches_brute_force_on_small_graphs():
    for inst in _instances(1, range(40)):
        assert TASK.solve(inst)["exists"] == brute_force_euler(inst.state["n"], _edges(inst), closed=True)


@pytest.mark.parametrize("level", LEVELS)
def test_solver_round_trip(level):
    for inst in _instances(level, range(30)):
        fresh = Instance.from_json(inst.to_json())
        assert fresh._witness is None and TASK.solve(fresh) == TASK.solution(inst)
        sol = TASK.solution(inst)
        answer = TASK.expert_answer(inst)
        v = TASK.verify(inst, answer)
        assert v.correct and v.score == 1.0, v.reason
        if sol["exists"]:
            walk = sol["walk"]
            assert walk[0] == walk[-1] == 0 and len(walk) == len(inst.state["edges"]) + 1
            assert v.parsed == list(walk)
        else:
            assert answer == "No" and v.parsed == "No"


def test_hierholzer_splices_subtours():
    # two triangles sharing vertex 0 plus a triangle at 2: the first walk closes early, then splices
    edges = [(0, 1), (1, 2), (0, 2), (0, 3), (3, 4), (0, 4), (2, 5), (5, 6), (2, 6)]
    run = hierholzer(7, edges, 0)
    assert run.walk[0] == run.walk[-1] == 0 and len(run.walk) == 10
    assert len(run.steps) >= 2 and run.traversals == 9
    used = {tuple(sorted(p)) for p in zip(run.walk, run.walk[1:])}
    assert used == {tuple(sorted(e)) for e in edges}


# ------------------------------------------------------------------------------------------ verification
@pytest.fixture(scope="module")
def yes_inst():
    return next(i for i in _instances(5) if TASK.solution(i)["exists"])


@pytest.fixture(scope="module")
def no_inst():
    return next(i for i in _instances(4) if not TASK.solution(i)["exists"])


def test_other_valid_cycles_accepted(yes_inst):
    walk = list(TASK.solution(yes_inst)["walk"])
    n, edges = yes_inst.state["n"], _edges(yes_inst)
    second = alt_walk(n, edges, 5, closed=True)
    assert second != walk and second[0] == second[-1] == 5
    rotated = walk[7:-1] + walk[:7] + [walk[7]]
    for other in (second, walk[::-1], rotated, second[::-1]):
        v = TASK.verify(yes_inst, format_vertex_list(other))
        assert v.correct, (other, v.reason)
    # the open form of |E| entries: the step back to the start is implied
    assert TASK.verify(yes_inst, format_vertex_list(walk[:-1])).correct
    assert TASK.verify(yes_inst, format_vertex_list(second[:-1])).correct


def test_lenient_formats_accepted(yes_inst, no_inst):
    walk = TASK.solution(yes_inst)["walk"]
    body = [str(v) for v in walk]
    listed = format_vertex_list(walk)
    for text in (", ".join(body), " ".join(body), " -> ".join(body), " → ".join(body), "-".join(body),
                 "(" + ", ".join(body) + ")", "[" + ", ".join(f"'{v}'" for v in body) + "]",
                 "[" + ",".join(f'"{v}"' for v in body) + "]", listed + ".", "**" + listed + "**",
                 "$" + listed + "$", "[" + ",\n".join(body) + ",]", "\\text{" + listed + "}"):
        v = TASK.verify(yes_inst, text)
        assert v.correct, (text, v.reason)
    for text in ("No", "no", "NO", "'No'", '"No"', "No.", "  No  ", "\\text{No}", "**No**", "‘No’"):
        v = TASK.verify(no_inst, text)
        assert v.correct and v.parsed == "No", (text, v.reason)
    assert TASK.verify_response(no_inst, "The degrees of 3 and 7 are odd.\n\\boxed{No}")[1].correct
    assert TASK.verify_response(yes_inst, f"so\nAnswer: {format_vertex_list(walk)}")[1].correct


def test_rule_violations_named(yes_inst, no_inst):
    walk = list(TASK.solution(yes_inst)["walk"])
    n = yes_inst.state["n"]
    m = len(yes_inst.state["edges"])
    edge_set = {tuple(e) for e in yes_inst.state["edges"]}
    # a vertex that does not exist
    v = TASK.verify(yes_inst, format_vertex_list(walk[:3] + [n] + walk[4:]))
    assert not v.correct and f"vertex {n} does not exist" in v.reason
    # a non-edge step
    a = walk[0]
    b = next(x for x in range(n) if x != a and (min(a, x), max(a, x)) not in edge_set)
    v = TASK.verify(yes_inst, format_vertex_list([a, b] + walk[1:]))
    assert not v.correct and f"step 1 ({a} -> {b})" in v.reason and "not an edge" in v.reason and v.score == 0
    # an edge used twice
    v = TASK.verify(yes_inst, format_vertex_list(walk[:3] + walk[1:]))
    assert not v.correct and "used a second time" in v.reason and "first used at step 2" in v.reason
    assert 0 < v.score < 1
    # a prefix: partial credit = valid edges / |E|
    v = TASK.verify(yes_inst, format_vertex_list(walk[:11]))
    assert not v.correct and 0 < v.score <= 11 / m
    # edges left out: a closed trail that misses a triangle
    small = Instance("EulerianCycle", 1, None, "1", {"n": 5, "cols": 3,
                                                     "edges": [[0, 1], [0, 2], [0, 3], [0, 4], [1, 2], [3, 4]]})
    v = TASK.verify(small, "[0, 1, 2, 0]")
    assert not v.correct and "uses only 3 of the 6 edges; never used: 0-3, 0-4, 3-4" in v.reason
    assert v.score == pytest.approx(0.5)
    assert TASK.verify(small, "[0, 3, 4, 0, 2, 1, 0]").correct
    # No on a Yes instance, a list on a No instance
    v = TASK.verify(yes_inst, "No")
    assert not v.correct and "even degree" in v.reason and v.score == 0
    v = TASK.verify(no_inst, format_vertex_list([0, 1, 0]))
    assert not v.correct
    v = TASK.verify(yes_inst, "[0, 1]")
    assert not v.correct and "at least 3 entries" in v.reason


def test_open_euler_trail_is_not_a_cycle(no_inst):
    facts = state_facts(no_inst)
    assert len(facts.odd) == 2  # level 4: a near miss
    trail = hierholzer(facts.n, facts.edges, facts.odd[0]).walk
    assert len(trail) == facts.m + 1 and trail[-1] == facts.odd[1]
    v = TASK.verify(no_inst, format_vertex_list(trail))
    assert not v.correct and "Eulerian path" in v.reason and "not a cycle" in v.reason
    v = TASK.verify(no_inst, "No")
    assert v.correct and f"{facts.odd[0]} (degree {facts.degree[facts.odd[0]]})" in v.reason


def test_unreadable_answers_rejected_with_reason(yes_inst):
    for text in ("Yes", "[0, -1, 2, 0]", "[0,,1,0]", "[[0, 1], [1, 2]]", "0 1 2 ->", "[0, 1, 2, 0",
                 "١٢٣", "２ ４ ２", "No, maybe 0 1 2", "x", "[]", "None", "0 1 2 a 0", "9" * 50):
        v = TASK.verify(yes_inst, text)
        assert not v.correct and v.reason, text
    with pytest.raises(ParseError, match="negative"):
        parse_vertex_list("[0, -1, 2]", 100)
    with pytest.raises(ParseError, match="nested bracket"):
        parse_vertex_list("[[0, 1]]", 100)
    with pytest.raises(ParseError, match="too long"):
        parse_vertex_list("1 " * 2000, 2000)
    assert parse_vertex_list("'3' -> '4'", 100).nodes == (3, 4)
    assert parse_vertex_list('"1""2"', 100).nodes == (1, 2)


def test_garbage_is_fast(yes_inst):
    import time
    rng = np.random.default_rng(0)
    junk = [bytes(rng.integers(0, 256, 5000, dtype=np.uint8)).decode("latin-1"), "[" * 10_000 + "]" * 10_000,
            "{" * 10_000, "1 " * 9_000, "0 -> " * 3_000, "x" * 1_000_000, "١٢٣", "２４"]
    for text in junk:
        t0 = time.perf_counter()
        v = TASK.verify(yes_inst, text)
        assert not v.correct and v.reason and time.perf_counter() - t0 < 0.05


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789 ,-[]()'\">→NnoO.x\n")) | st.characters(), max_size=300))
def test_arbitrary_text_never_raises(text):
    inst = TASK.instance(2, 0)
    v = TASK.verify(inst, text)
    assert isinstance(v.correct, bool) and v.reason


def test_verify_is_fast(yes_inst):
    hp.assert_verify_fast(TASK, yes_inst, repeats=200)


# ------------------------------------------------------------------------------------------------ image
@pytest.mark.parametrize("level", [1, 3, 5])
def test_render_size_colours_and_clearance(level):
    for inst in _instances(level, range(12)):
        img, drawn = TASK.drawing(inst)
        assert img.size == (512, 512) and img.mode == "RGB"
        edges = _edges(inst)
        n, cols = inst.state["n"], inst.state["cols"]
        step = grid_spacing(n, cols, 512, 48)
        assert 16 <= drawn.radii[0] <= 30
        assert min_edge_vertex_clearance(drawn.positions, edges) >= 0.27 * step
        for i, j in itertools.combinations(range(len(edges)), 2):
            if set(edges[i]) & set(edges[j]):
                assert drawn.edge_colors[i] != drawn.edge_colors[j]
    assert TASK.render(TASK.instance(level, 0), size=300).size == (300, 300)


# ---------------------------------------------------------------------------------------------- prompts
def test_prompts():
    inst = TASK.instance(5, 3)
    text, image = TASK.prompt(inst, "text"), TASK.prompt(inst, "image")
    sentence = "If it exists, output the cycle as a list (e.g., [0,1,2,3,0]). If not, output 'No'."
    head, *lines = text.split("\n")
    assert head.endswith(sentence) and sentence in image
    assert "adjacency-list form" in head and "Eulerian cycle" in head
    assert len(lines) == 16
    adj = {u: set() for u in range(16)}
    for u, v in _edges(inst):
        adj[u].add(v)
        adj[v].add(u)
    for u, line in enumerate(lines):
        assert line == f"{u}: [" + ", ".join(map(str, sorted(adj[u]))) + "]"
    assert "image" not in text.lower() and "image" in image and "0: [" not in image
    assert set(text) <= CHARSET and set(image) <= CHARSET
    assert "\\boxed" not in text + image
    with pytest.raises(ValueError):
        TASK.prompt(inst, "audio")


# ------------------------------------------------------------------------------------------------ trace
@pytest.mark.parametrize("level", LEVELS)
def test_trace_ends_in_verifying_answer(level):
    for inst in _instances(level, range(6)):
        trace = TASK.trace(inst)
        answer = extract_answer(trace)
        assert answer == TASK.expert_answer(inst)
        assert TASK.verify(inst, answer).correct
        assert trace.rstrip().splitlines()[-1] == f"Answer: {answer}"
        assert "Degrees" in trace
        stats = TASK.stats(inst)
        if stats["exists"]:
            assert "Hierholzer" in trace and trace.count("Sub-tour:") == stats["subtours"]
        else:
            assert "odd degree" in trace and answer == "No"


# ---------------------------------------------------------------------------------------------- importer
def _fixture(level, key="eulerian_cycle"):
    return json.loads((FIXTURES / f"d{level}" / key / "annotations.json").read_text())[0]


@pytest.mark.parametrize("level", LEVELS)
def test_importer_on_reference_fixtures(level):
    rec = _fixture(level)
    inst = TASK.from_record(rec)
    assert inst.task == "EulerianCycle" and inst.level == level and inst.source == "reference"
    assert inst.state["n"] == TASK.level_params[level][0]
    v = TASK.verify(inst, rec["answer"])
    assert v.correct, v.reason
    assert inst._witness is not None and TASK.expert_answer(inst) == rec["answer"]
    facts = state_facts(inst)
    assert (rec["answer"] == "No") == bool(facts.odd)  # the label recomputed from degrees
    ours = TASK.prompt(inst, "text").split("\n", 1)[1]
    theirs = rec["question_language"].split("'No'.", 1)[1]
    assert ours.strip() == theirs.strip()
    assert TASK.render(inst).size == (512, 512)
    assert TASK.verify(inst, TASK.trace(inst).rsplit("Answer:", 1)[1]).correct


def test_importer_published_row_and_text_fallback():
    rec = _fixture(3)
    row = {"id": 3, "category": "eulerian_cycle", "images": [], "question": rec["question"],
           "question_text": rec["question_language"].replace("\n", "\\n"), "answer": rec["answer"], "difficulty": 3,
           "metric_info": "{'score_function': 'eulerian_cycle_evaluator'}", "initial_state": ""}
    a, b = TASK.from_record(rec), TASK.from_record(row)
    assert a.fingerprint == b.fingerprint and b.level == 3 and b._witness is not None
    c = TASK.from_record({**row, "initial_state": json.dumps(rec["initial_state"])})
    assert c.fingerprint == a.fingerprint
    no_level = dict(rec)
    no_level.pop("difficulty")
    assert TASK.from_record(no_level).level == 3


def test_importer_own_state_and_wrong_stored_answer():
    inst = TASK.instance(3, 9)
    row = {"difficulty": 3, "answer": "[0, 1, 0]", "initial_state": json.dumps(dict(inst.state)), "question": ""}
    imported = TASK.from_record(row)
    assert imported.fingerprint == inst.fingerprint and imported._witness is None
    assert TASK.verify(imported, TASK.expert_answer(inst)).correct


def test_importer_rejects_broken_records():
    rec = _fixture(2)
    with pytest.raises(RecordError):
        TASK.from_record({**rec, "initial_state": "", "question_language": "nothing here"})
    with pytest.raises(RecordError, match="not symmetric"):
        TASK.from_record({**rec, "initial_state": {"0": [1, 2], "1": [0], "2": []}})
    with pytest.raises(RecordError, match="self-loop"):
        TASK.from_record({**rec, "initial_state": {"0": [0, 1], "1": [0]}})
    with pytest.raises(RecordError, match="not connected"):
        TASK.from_record({**rec, "initial_state": {"0": [1], "1": [0], "2": [3], "3": [2]}})
    with pytest.raises(RecordError, match="not eulerian_cycle|is not EulerianCycle"):
        TASK.from_record({**rec, "category": "eulerian_path"})
    with pytest.raises(RecordError):
        TASK.from_record("not a dict")  # type: ignore[arg-type]


def test_imported_non_grid_graph_uses_a_clear_layout():
    # edges 0-2 and 0-8 would pass straight under vertices 1 and 4 on the 3x3 grid
    adj = {0: [1, 2, 8], 1: [0, 2], 2: [0, 1], 3: [4], 4: [3, 8], 5: [8], 6: [8], 7: [8], 8: [0, 4, 5, 6, 7]}
    inst = TASK.from_record({"difficulty": 1, "initial_state": {str(k): v for k, v in adj.items()}, "answer": "No"})
    _, drawn = TASK.drawing(inst)
    assert min_edge_vertex_clearance(drawn.positions, _edges(inst)) > 30
