"""ShortestDistance: generator levels, exact Dijkstra, lenient verification, importer, image, prompts, trace."""

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

from mmhelix_env.core import Instance, RecordError, extract_answer, instance_rng
from mmhelix_env.render import boxes_overlap
from mmhelix_env.tasks.graphs.shortest_distance import LEVEL_PARAMS, TASK, build_graph, dijkstra
from tests import helpers_graphs as hg

FIXTURES = Path("/work/shared/fixtures/reference_sample")
SEEDS = range(40)


def _instances(level, seeds=SEEDS):
    return [TASK.instance(level, s) for s in seeds]


def _brute_force(n, edges, s, t):
    """Bellman-Ford as an independent check of the distance."""
    dist = [float("inf")] * n
    dist[s] = 0
    for _ in range(n):
        for u, v, w in edges:
            dist[v] = min(dist[v], dist[u] + w)
            dist[u] = min(dist[u], dist[v] + w)
    return dist[t]


# ---------------------------------------------------------------------------------------------- basics
def test_discovered_and_metadata():
    hg.assert_graph_metadata(TASK, "ShortestDistance", "shortest_distance_weighted", "shortest_path")


# ------------------------------------------------------------------------------------------- generator
@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_generator_respects_level_parameters(level):
    rows, cols, wmax, _, _, targets, (lo, hi) = LEVEL_PARAMS[level]
    n = rows * cols
    for seed in SEEDS:
        inst = TASK.instance(level, seed)
        st_ = inst.state
        assert (st_["n"], st_["cols"], st_["source"], st_["target"]) == (n, cols, 0, n - 1)
        edges = [tuple(e) for e in st_["edges"]]
        assert edges == sorted(edges) and len(set((u, v) for u, v, _ in edges)) == len(edges)
        pairs = {(u, v) for u, v, _ in edges}
        diag_cells = []
        for u, v, w in edges:
            assert 0 <= u < v < n and 1 <= w <= wmax
            (ru, cu), (rv, cv) = divmod(u, cols), divmod(v, cols)
            assert max(abs(ru - rv), abs(cu - cv)) == 1  # king-adjacent only
            if ru != rv and cu != cv:
                diag_cells.append((min(ru, rv), min(cu, cv)))
        assert len(diag_cells) == len(set(diag_cells)), "two diagonals in one unit cell"
        for v in range(n):  # every orthogonal pair present
            r, c = divmod(v, cols)
            if c + 1 < cols:
                assert (v, v + 1) in pairs
            if r + 1 < rows:
                assert (v, v + cols) in pairs
        # the hard constraints with the target drawn from this instance's stream
        pool = sorted(targets)
        target_min = pool[int(instance_rng(TASK.name, level, seed).integers(len(pool)))]
        sol = TASK.solution(inst)
        assert sol["distance"] >= target_min
        assert lo <= len(sol["path"]) <= hi
        assert sol["path"][0] == 0 and sol["path"][-1] == n - 1


def test_builder_never_puts_two_diagonals_in_a_cell_even_with_dense_passes():
    rng = np.random.default_rng(0)
    for _ in range(200):
        edges = build_graph(rng, 5, 5, 10, 0.9, 0.9)
        cells = [(min(u, v) // 5, min(u % 5, v % 5)) for u, v, _ in edges if u // 5 != v // 5 and u % 5 != v % 5]
        assert len(cells) == len(set(cells))
        assert len(cells) >= 14  # with p = 0.9 twice nearly every cell gets its one diagonal


def test_stats_grow_with_level():
    med = {lv: statistics.median(TASK.stats(i)["relaxations"] for i in _instances(lv, range(30))) for lv in range(1, 6)}
    edges = {lv: statistics.median(TASK.stats(i)["edges"] for i in _instances(lv, range(30))) for lv in range(1, 6)}
    assert [med[lv] for lv in range(1, 6)] == sorted(med.values()) and med[5] > med[1]
    assert all(edges[lv] < edges[lv + 1] for lv in range(1, 5))
    dist = {lv: statistics.median(TASK.solution(i)["distance"] for i in _instances(lv, range(30))) for lv in (1, 3, 5)}
    assert dist[1] < dist[3] < dist[5]


def test_determinism_state_prompt_image():
    for level in (1, 5):
        a, b = TASK.instance(level, 123), TASK.instance(level, 123)
        assert a.to_json() == b.to_json() and a.fingerprint == b.fingerprint
        assert TASK.prompt(a, "text") == TASK.prompt(b, "text")
        ha = hashlib.sha256(TASK.render(a).tobytes()).hexdigest()
        hb = hashlib.sha256(TASK.render(b).tobytes()).hexdigest()
        assert ha == hb
        assert TASK.instance(level, 124).fingerprint != a.fingerprint


def test_state_has_no_solution():
    inst = TASK.instance(3, 5)
    assert set(inst.state) == {"n", "cols", "source", "target", "edges"}
    fresh = Instance.from_json(inst.to_json())
    assert fresh._witness is None
    assert TASK.solve(fresh) == TASK.solution(inst)


# --------------------------------------------------------------------------------------------- solving
def test_solver_matches_bellman_ford_and_path_weight():
    for level in range(1, 6):
        for inst in _instances(level, range(15)):
            n, edges = inst.state["n"], [tuple(e) for e in inst.state["edges"]]
            sol = TASK.solve(inst)
            assert sol["distance"] == _brute_force(n, edges, 0, n - 1)
            weight = {(u, v): w for u, v, w in edges}
            path = sol["path"]
            assert sum(weight[(min(a, b), max(a, b))] for a, b in zip(path, path[1:])) == sol["distance"]


def test_hop_count_tie_break():
    # two shortest paths of weight 4: 0-1-2-3 (3 edges) and 0-3 (1 edge); the fewest-vertex one wins
    edges = [(0, 1, 1), (1, 2, 1), (2, 3, 2), (0, 3, 4)]
    res = dijkstra(4, edges, 0, 3)
    assert res["distance"] == 4 and res["path"] == [0, 3]


def test_round_trip_expert_answer_verifies():
    hg.assert_integer_round_trip(TASK, _instances)


# ---------------------------------------------------------------------------------------- verification
@pytest.fixture(scope="module")
def inst5():
    return TASK.instance(5, 7)


def test_lenient_formats_accepted(inst5):
    d = TASK.solution(inst5)["distance"]
    hg.assert_lenient_integer_formats(TASK, inst5, d, "The shortest distance is {}.")


def test_wrong_numbers_rejected_with_reasons(inst5):
    d = TASK.solution(inst5)["distance"]
    high = TASK.verify(inst5, str(d + 1))
    assert not high.correct and "wrong distance" in high.reason and "less than" in high.reason
    assert 0 < high.score < 0.5
    low = TASK.verify(inst5, str(d - 1))
    assert not low.correct and "no path" in low.reason
    assert not TASK.verify(inst5, f"{d}.5").correct
    zero = TASK.verify(inst5, "0")
    assert not zero.correct and zero.score == 0
    assert TASK.verify(inst5, str(3 * d)).score == 0
    assert not TASK.verify(inst5, f"-{d}").correct


def test_ambiguous_and_unreadable_rejected(inst5):
    d = TASK.solution(inst5)["distance"]
    hg.assert_ambiguous_and_unreadable_rejected(
        TASK, inst5, [f"0-1-4: {d}", f"{d} {d}", f"{d} or {d + 1}", "[0, 5, 6, 24]"])


def test_garbage_is_fast(inst5):
    hg.assert_garbage_rejected_fast(TASK, inst5)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text):
    inst = TASK.instance(2, 0)
    v = TASK.verify(inst, text)
    assert isinstance(v.correct, bool) and v.reason
    if v.correct:
        assert v.parsed == TASK.solution(inst)["distance"]


# ------------------------------------------------------------------------------------------------ image
@pytest.mark.parametrize("level", [1, 3, 5])
def test_render_size_and_labels_clear(level):
    for inst in _instances(level, range(15)):
        img, drawn = TASK.drawing(inst)
        assert img.size == (512, 512) and img.mode == "RGB"
        boxes = [b for b in drawn.label_boxes if b is not None]
        assert len(boxes) == len(inst.state["edges"])
        assert drawn.labels.stage == "clear"  # midpoints never collide on our graphs
        for a, b in itertools.combinations(boxes, 2):
            assert not boxes_overlap(a, b)
        for i, j in itertools.combinations(range(len(inst.state["edges"])), 2):
            ei, ej = inst.state["edges"][i], inst.state["edges"][j]
            if {ei[0], ei[1]} & {ej[0], ej[1]}:
                assert drawn.edge_colors[i] != drawn.edge_colors[j]
    assert TASK.render(TASK.instance(level, 0), size=300).size == (300, 300)


# ---------------------------------------------------------------------------------------------- prompts
def test_prompts():
    inst = TASK.instance(4, 3)
    text = TASK.prompt(inst, "text")
    image = TASK.prompt(inst, "image")
    assert "from node 0 to node 15" in text and "from node 0 to node 15" in image
    assert "Answer with a number (can be integer or decimal). The answer is an integer." in text
    head, *lines = text.split("\n")
    assert head.endswith("The answer is an integer.")
    assert len(lines) == 16 and lines[0].startswith("0: [(")
    for u, line in enumerate(lines):
        m = re.fullmatch(r"(\d+): \[(.*)\]", line)
        assert m and int(m.group(1)) == u
        nbrs = [int(v) for v, _ in re.findall(r"\((\d+), (\d+)\)", m.group(2))]
        assert nbrs == sorted(nbrs)
    assert "image" not in text.lower()
    assert "image" in image and "0: [(" not in image
    allowed = set(map(chr, range(32, 127))) | set("\n×÷−–—→←↑↓·…’“”≤≥≠█")
    assert set(text) <= allowed and set(image) <= allowed
    assert "\\boxed" not in text
    with pytest.raises(ValueError):
        TASK.prompt(inst, "audio")


# ------------------------------------------------------------------------------------------------ trace
def test_trace_ends_in_verifying_answer():
    for level in range(1, 6):
        inst = TASK.instance(level, 11)
        trace = TASK.trace(inst)
        answer = extract_answer(trace)
        assert answer == TASK.expert_answer(inst)
        assert TASK.verify(inst, answer).correct
        assert trace.rstrip().splitlines()[-1] == f"Answer: {answer}"
        assert "Step 1: settle node 0 with distance 0" in trace
        assert "Shortest path" in trace
        assert trace.count("settle node") == TASK.stats(inst)["dijkstra_pops"]


# ---------------------------------------------------------------------------------------------- importer
def _fixture(level):
    path = FIXTURES / f"d{level}" / "shortest_path" / "annotations.json"
    return json.loads(path.read_text())[0]


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_importer_on_reference_fixtures(level):
    rec = _fixture(level)
    inst = TASK.from_record(rec)
    assert inst.task == "ShortestDistance" and inst.level == level and inst.source == "reference"
    n = LEVEL_PARAMS[level][0] * LEVEL_PARAMS[level][1]
    assert inst.state["n"] == n and inst.state["source"] == 0 and inst.state["target"] == n - 1
    assert TASK.verify(inst, rec["answer"]).correct
    assert inst._witness is not None and inst._witness["distance"] == int(rec["answer"])
    # the adjacency list round-trips through our text prompt
    ours = TASK.prompt(inst, "text").split("\n", 1)[1]
    theirs = rec["question_language"].split("decimal).", 1)[1]
    assert ours.strip() == theirs.strip()
    assert TASK.render(inst).size == (512, 512)


def test_importer_first_entry_glued_to_sentence():
    inst = TASK.from_record(_fixture(1))
    edges = {(u, v): w for u, v, w in inst.state["edges"]}
    assert edges[(0, 1)] == 2 and edges[(0, 3)] == 3


def test_importer_published_row_layout():
    rec = _fixture(4)
    row = {"id": 17, "category": rec["category"], "images": [], "question": rec["question"],
           "question_text": rec["question_language"].replace("\n", "\\n"), "answer": rec["answer"],
           "difficulty": 4, "metric_info": "{'score_function': 'simple_str_match'}", "initial_state": ""}
    a, b = TASK.from_record(rec), TASK.from_record(row)
    assert a.fingerprint == b.fingerprint and b.level == 4


def test_importer_own_initial_state_and_wrong_stored_answer():
    inst = TASK.instance(3, 9)
    row = {"difficulty": 3, "answer": "999", "initial_state": json.dumps(dict(inst.state)), "question": ""}
    imported = TASK.from_record(row)
    assert imported.fingerprint == inst.fingerprint
    assert imported._witness is None  # the stored answer is wrong: kept only if it verifies
    assert TASK.verify(imported, TASK.expert_answer(inst)).correct


def test_importer_rejects_broken_records():
    rec = _fixture(2)
    with pytest.raises(RecordError):
        TASK.from_record({**rec, "question_language": "nothing here", "question": "nothing"})
    with pytest.raises(RecordError):
        TASK.from_record({**rec, "question_language": rec["question_language"].split("decimal).")[0]})
    bad = rec["question_language"].replace("0: [(1, 4)", "0: [(1, 7)")
    with pytest.raises(RecordError, match="two weights"):
        TASK.from_record({**rec, "question_language": bad})
    cut = "from node 0 to node 8? x 0: [(1, 4)]\n1: [(0, 4)]\n8: [(7, 2)]\n7: [(8, 2)]"
    with pytest.raises(RecordError, match="unreachable"):
        TASK.from_record({**rec, "question_language": cut})
    with pytest.raises(RecordError):
        TASK.from_record("not a dict")  # type: ignore[arg-type]


def test_importer_level_from_node_count_when_difficulty_missing():
    rec = dict(_fixture(3))
    rec.pop("difficulty")
    assert TASK.from_record(rec).level == 3
