"""HamiltonianPath: builder with degree cap, start vertex, exact decision against a subset DP, verification
(start enforced, second valid paths), importer (start from the question or the index), image legend, trace."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import statistics
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.render.graph import box_circle_distance, min_edge_vertex_clearance
from mmhelix_env.tasks import discover
from mmhelix_env.tasks.graphs._graph_common import adjacency_masks
from mmhelix_env.tasks.graphs._hamiltonian import START_FILL, build_graph, components, grid_cols
from mmhelix_env.tasks.graphs.hamiltonian_path import FORMAT_SENTENCE, TASK
from tests import helpers_graphs as hg

FIXTURES = Path("/work/shared/fixtures/reference_sample")
SIZES = {1: 5, 2: 6, 3: 8, 4: 12, 5: 16}
SEEDS = range(40)


def _adj(inst):
    n = inst.state["n"]
    return n, adjacency_masks(n, inst.state["edges"])


def dp_has_path(n: int, adj: list[int], s: int) -> bool:
    """Independent check: subset DP over paths from s (reachable masks only)."""
    reach = {1 << s: 1 << s}
    for _ in range(1, n):
        nxt: dict[int, int] = {}
        for mask, ends in reach.items():
            e = ends
            while e:
                low = e & -e
                e ^= low
                w = adj[low.bit_length() - 1] & ~mask
                while w:
                    lw = w & -w
                    w ^= lw
                    nxt[mask | lw] = nxt.get(mask | lw, 0) | lw
        reach = nxt
    return bool(reach)


def all_paths(n: int, adj: list[int], s: int, limit: int = 500) -> list[list[int]]:
    return hg.hamiltonian_paths(n, adj, [s], limit)


def show(ids) -> str:
    return "[" + ", ".join(map(str, ids)) + "]"


def trivial(adj, n, s) -> bool:
    full = (1 << n) - 1
    if sum(1 for v in range(n) if v != s and adj[v].bit_count() == 1) >= 2:
        return True
    if len(components(adj, full & ~(1 << s))) > 1:
        return True
    for v in range(n):
        if v != s and sum(1 for p in components(adj, full & ~(1 << v)) if not p >> s & 1) >= 2:
            return True
    return False


# ---------------------------------------------------------------------------------------------- basics
def test_discovered_and_metadata():
    assert discover()["HamiltonianPath"] is TASK
    assert (TASK.category, TASK.benchmark_id, TASK.generator_key) == ("graphs", "hamiltonian_path",
                                                                       "hamiltonian_path")
    assert TASK.score_function == "hamiltonian_path_evaluator"
    assert not TASK.step_mode


# ------------------------------------------------------------------------------------------- generator
@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_generator_respects_level_parameters(level):
    n = SIZES[level]
    labels, starts = [], set()
    for seed in SEEDS:
        inst = TASK.instance(level, seed)
        st_ = inst.state
        assert set(st_) == {"n", "cols", "edges", "start"}
        assert st_["n"] == n and st_["cols"] == grid_cols(n) == (3 if n <= 9 else 4)
        assert 0 <= st_["start"] < n
        starts.add(st_["start"])
        edges = [tuple(e) for e in st_["edges"]]
        assert edges == sorted(edges) and len(set(edges)) == len(edges)
        deg = [0] * n
        cells = []
        for u, v in edges:
            assert 0 <= u < v < n
            (ru, cu), (rv, cv) = divmod(u, st_["cols"]), divmod(v, st_["cols"])
            pair = tuple(sorted((abs(ru - rv), abs(cu - cv))))
            assert pair in {(0, 1), (1, 1), (1, 2), (1, 3), (2, 3)}
            if pair == (1, 1):
                cells.append((min(ru, rv), min(cu, cv)))
            deg[u] += 1
            deg[v] += 1
        assert max(deg) <= 3 and len(cells) == len(set(cells))
        _, adj = _adj(inst)
        assert len(components(adj, (1 << n) - 1)) == 1
        sol = TASK.solution(inst)
        labels.append(sol["exists"])
        if not sol["exists"] and level >= 2:
            assert not trivial(adj, n, st_["start"]), seed
    assert 0.15 <= labels.count(False) / len(labels) <= 0.55
    assert len(starts) >= min(n, 4)


def test_level_one_has_five_vertices_on_two_rows():
    inst = TASK.instance(1, 0)
    assert inst.state["n"] == 5 and inst.state["cols"] == 3


def test_builder_degree_cap_and_variety():
    rng = np.random.default_rng(3)
    shapes = set()
    for _ in range(200):
        edges = build_graph(rng, 16, 4, TASK.PARAMS)
        if edges is None:
            continue
        deg = np.bincount(np.asarray(edges).ravel(), minlength=16)
        assert deg.max() <= 3
        shapes.add(tuple(edges))
    assert len(shapes) > 150


def test_determinism_state_prompt_image():
    for level in (1, 5):
        a, b = TASK.instance(level, 5), TASK.instance(level, 5)
        assert a.to_json() == b.to_json()
        assert TASK.prompt(a) == TASK.prompt(b) and TASK.prompt(a, "text") == TASK.prompt(b, "text")
        assert hashlib.sha256(TASK.render(a).tobytes()).digest() == hashlib.sha256(TASK.render(b).tobytes()).digest()


def test_solver_without_witness_matches():
    for seed in range(10):
        inst = TASK.instance(5, seed)
        fresh = Instance.from_json(inst.to_json())
        assert fresh._witness is None and TASK.solve(fresh) == TASK.solution(inst)


# --------------------------------------------------------------------------------------------- solving
@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_decision_matches_subset_dp(level):
    for seed in range(25 if level < 5 else 8):
        inst = TASK.instance(level, seed)
        n, adj = _adj(inst)
        assert TASK.solve(inst)["exists"] == dp_has_path(n, adj, inst.state["start"]), seed


def test_decision_matches_dp_for_every_start_on_random_graphs():
    rng = np.random.default_rng(9)
    for n in (5, 8, 12):
        for _ in range(15):
            edges = build_graph(rng, n, grid_cols(n), TASK.PARAMS)
            if edges is None:
                continue
            adj = adjacency_masks(n, edges)
            for s in range(n):
                assert TASK.decide(n, adj, s).exists == dp_has_path(n, adj, s)


def test_round_trip_and_stats_grow():
    for level in range(1, 6):
        for seed in range(20):
            inst = TASK.instance(level, seed)
            answer = TASK.expert_answer(inst)
            assert TASK.verify(inst, answer).correct
            if answer != "No":
                assert int(re.findall(r"\d+", answer)[0]) == inst.state["start"]
    med = {lv: statistics.median(TASK.stats(TASK.instance(lv, s))["search_nodes"] for s in range(40))
           for lv in range(1, 6)}
    assert all(med[lv] < med[lv + 1] for lv in range(1, 5)), med


# ---------------------------------------------------------------------------------------- verification
def _inst(level, exists):
    for seed in range(300):
        inst = TASK.instance(level, seed)
        if TASK.solution(inst)["exists"] == exists:
            return inst
    raise AssertionError


def test_second_valid_path_accepted_and_all_paths_agree():
    found = 0
    for seed in range(40):
        inst = TASK.instance(3, seed)
        n, adj = _adj(inst)
        s = inst.state["start"]
        paths = all_paths(n, adj, s)
        assert bool(paths) == TASK.solution(inst)["exists"]
        expert = list(TASK.solution(inst)["order"] or [])
        for p in paths:
            assert TASK.verify(inst, show(p)).correct
            if p != expert:
                found += 1
    assert found >= 5


def test_exhaustive_small_instance():
    inst = _inst(2, True)
    n, adj = _adj(inst)
    s = inst.state["start"]
    valid = {tuple(p) for p in all_paths(n, adj, s)}
    for perm in itertools.permutations(range(n)):
        assert TASK.verify(inst, show(perm)).correct == (perm in valid)


def test_start_is_enforced():
    inst = _inst(4, True)
    path = list(TASK.solution(inst)["order"])
    s = inst.state["start"]
    v = TASK.verify(inst, show(path[::-1]))
    assert not v.correct and f"must start at vertex {s}" in v.reason and v.score == 0


def test_rule_violations_and_partial_scores():
    inst = _inst(5, True)
    n, adj = _adj(inst)
    path = list(TASK.solution(inst)["order"])
    v = TASK.verify(inst, show(path[:-1]))
    assert not v.correct and "visits 15 of 16" in v.reason and f"({path[-1]})" in v.reason
    assert v.score == pytest.approx(15 / 16)
    v = TASK.verify(inst, show(path[:4] + [16] + path[5:]))
    assert not v.correct and "entry 5 (16) is not a vertex" in v.reason and v.score == pytest.approx(4 / 16)
    v = TASK.verify(inst, show(path[:4] + [path[2]] + path[5:]))
    assert not v.correct and f"vertex {path[2]} is visited twice (entries 3 and 5)" in v.reason
    if found := hg.first_non_edge_swap(path, adj, n):
        i, sw = found
        v = TASK.verify(inst, show(sw))
        assert not v.correct and f"no edge {sw[i - 1]}-{sw[i]}" in v.reason and v.score == pytest.approx(i / n)
    v = TASK.verify(inst, "No")
    assert not v.correct and "exists" in v.reason and v.score == 0


def test_no_answers_and_lenient_forms():
    no = _inst(5, False)
    for text in ("No", "no.", "'No'", "NO", "\\text{No}"):
        assert TASK.verify(no, text).correct, text
    n = no.state["n"]
    s = no.state["start"]
    assert not TASK.verify(no, show([s] + [v for v in range(n) if v != s])).correct
    yes = _inst(4, True)
    path = list(TASK.solution(yes)["order"])
    for text in (show(path), " ".join(map(str, path)), " -> ".join(map(str, path)), "→".join(map(str, path)),
                 "(" + ",".join(map(str, path)) + ")", "[" + ", ".join(f"'{v}'" for v in path) + "]",
                 f"**{show(path)}**", show(path) + "."):
        assert TASK.verify(yes, text).correct, text
    assert TASK.verify_response(yes, f"... \\boxed{{{show(path)}}}")[1].correct
    for text in ("Yes", show(path + [path[0]]), "[" + ", ".join(map(str, path)) + ", -1]", "x" * 1001):
        assert not TASK.verify(yes, text).correct


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text):
    inst = TASK.instance(2, 1)
    v = TASK.verify(inst, text)
    assert isinstance(v.correct, bool) and v.reason


# ------------------------------------------------------------------------------------------------ image
@pytest.mark.parametrize("level", [1, 3, 4, 5])
def test_render_start_marked_and_legend_clear(level):
    for seed in range(15):
        inst = TASK.instance(level, seed)
        img, drawn, legend = TASK.drawing(inst)
        assert img.size == (512, 512)
        s = inst.state["start"]
        x, y = drawn.positions[s]
        assert drawn.radii[s] > max(r for i, r in enumerate(drawn.radii) if i != s)
        # the start's fill is red: sample a pixel inside the circle beside the id
        px = img.getpixel((round(x - 0.7 * drawn.radii[s]), round(y)))
        assert px == START_FILL
        assert legend is not None and 0 <= legend[0] and legend[2] <= 511 and 0 <= legend[1] and legend[3] <= 511
        for p, r in zip(drawn.positions, drawn.radii):
            assert box_circle_distance(legend, p) > r
        ys = [p[1] for p in drawn.positions]
        assert legend[3] < min(ys) or legend[1] > max(ys)  # above or below every edge
        edges = [tuple(e) for e in inst.state["edges"]]
        assert min_edge_vertex_clearance(drawn.positions, edges) > max(drawn.radii)
        for i, j in itertools.combinations(range(len(edges)), 2):
            if set(edges[i]) & set(edges[j]):
                assert drawn.edge_colors[i] != drawn.edge_colors[j]


# ---------------------------------------------------------------------------------------------- prompts
def test_prompts():
    inst = TASK.instance(5, 2)
    s = inst.state["start"]
    text, image = TASK.prompt(inst, "text"), TASK.prompt(inst, "image")
    assert f"starting from vertex {s} (marked in red)" in image
    assert f"starting from vertex {s} exists" in text and "red" not in text
    for p in (text, image):
        assert FORMAT_SENTENCE in p and "\\boxed" not in p
    head, *lines = text.split("\n")
    assert len(lines) == 16 and all(re.fullmatch(r"\d+: \[[\d, ]*\]", line) for line in lines)
    assert "image" not in text.lower()
    allowed = set(map(chr, range(32, 127))) | set("\n×÷−–—→←↑↓·…’“”≤≥≠█")
    assert set(text) <= allowed and set(image) <= allowed


# ------------------------------------------------------------------------------------------------ trace
def test_trace():
    saw_dead = False
    for level in range(1, 6):
        for seed in range(15):
            inst = TASK.instance(level, seed)
            trace = TASK.trace(inst)
            answer = extract_answer(trace)
            assert answer == TASK.expert_answer(inst) and TASK.verify(inst, answer).correct
            assert trace.rstrip().splitlines()[-1] == f"Answer: {answer}"
            assert len(trace.splitlines()) <= 140
            saw_dead |= "dead end" in trace
    assert saw_dead


def test_trace_certificate_at_level_one():
    for seed in range(200):
        inst = TASK.instance(1, seed)
        if TASK.stats(inst)["certificates"]:
            trace = TASK.trace(inst)
            assert "Answer: No" in trace and "Quick checks" in trace
            return
    raise AssertionError


# ---------------------------------------------------------------------------------------------- importer
def _fixture(level):
    return json.loads((FIXTURES / f"d{level}" / "hamiltonian_path" / "annotations.json").read_text())[0]


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_importer_on_reference_fixtures(level):
    rec = _fixture(level)
    inst = TASK.from_record(rec)
    s = int(re.search(r"start(\d+)$", rec["index"]).group(1))
    assert inst.task == "HamiltonianPath" and inst.level == level and inst.state["start"] == s
    n = len(rec["initial_state"])
    assert inst.state["n"] == n and inst.state["cols"] == grid_cols(n)
    assert TASK.verify(inst, rec["answer"]).correct
    assert inst._witness is not None
    _, adj = _adj(inst)
    assert TASK.solve(inst)["exists"] == dp_has_path(n, adj, s) == (rec["answer"] != "No")
    ours = TASK.prompt(inst, "text").split("\n", 1)[1]
    assert ours.strip() == rec["question_language"].split("'No'.", 1)[1].strip()
    assert TASK.render(inst).size == (512, 512)


def test_importer_start_from_index_only_and_published_row():
    rec = _fixture(3)
    no_q = {**rec, "question": "", "question_language": ""}
    assert TASK.from_record(no_q).state["start"] == TASK.from_record(rec).state["start"]
    row = {"id": "hamiltonian_path_3", "category": "hamiltonian_path", "images": [],
           "question": rec["question"], "question_text": rec["question_language"].replace("\n", "\\n"),
           "answer": rec["answer"], "difficulty": 3, "initial_state": json.dumps(rec["initial_state"])}
    assert TASK.from_record(row).fingerprint == TASK.from_record(rec).fingerprint
    text_only = {**row, "initial_state": None}
    assert TASK.from_record(text_only).fingerprint == TASK.from_record(rec).fingerprint


def test_importer_errors():
    rec = _fixture(2)
    with pytest.raises(RecordError, match="no start vertex"):
        TASK.from_record({**rec, "question": "", "question_language": "", "index": "x"})
    with pytest.raises(RecordError, match="not a vertex"):
        TASK.from_record({**rec, "question": rec["question"].replace("vertex 5", "vertex 9")})
    with pytest.raises(RecordError):
        TASK.from_record({**rec, "category": "hamiltonian_cycle"})


def test_importer_own_state_and_wrong_stored_answer():
    inst = TASK.instance(4, 6)
    row = {"answer": "[0, 1, 2]", "initial_state": dict(inst.state), "difficulty": 4}
    imported = TASK.from_record(row)
    assert imported.fingerprint == inst.fingerprint and imported._witness is None
    assert TASK.verify(imported, TASK.expert_answer(inst)).correct
