"""MaxFlow: generator levels, exact Edmonds-Karp, lenient verification, importer, image, prompts, trace."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.render import boxes_overlap
from mmhelix_env.render.graph import box_circle_distance
from mmhelix_env.tasks.graphs.max_flow import LAYER_SIZES, TASK, build_graph, edmonds_karp, min_cut_edges
from tests import helpers_graphs as hg

FIXTURES = Path("/work/shared/fixtures/reference_sample")
SEEDS = range(40)


def _instances(level, seeds=SEEDS):
    return [TASK.instance(level, s) for s in seeds]


def _edges(inst):
    return [tuple(e) for e in inst.state["edges"]]


def _min_cut_brute_force(n, edges, s, t):
    """Minimum s-t cut capacity by enumerating every vertex subset containing s and not t (max-flow min-cut)."""
    others = [v for v in range(n) if v not in (s, t)]
    e = np.asarray(edges, dtype=np.int64).reshape(-1, 3)
    masks = np.arange(1 << len(others), dtype=np.int64)
    side = np.zeros((len(masks), n), dtype=bool)
    side[:, s] = True
    for k, v in enumerate(others):
        side[:, v] = (masks >> k) & 1
    crossing = side[:, e[:, 0]] & ~side[:, e[:, 1]]
    return int((crossing * e[:, 2]).sum(axis=1).min())


# ---------------------------------------------------------------------------------------------- basics
def test_discovered_and_metadata():
    hg.assert_graph_metadata(TASK, "MaxFlow", "max_flow", "max_flow")


# ------------------------------------------------------------------------------------------- generator
@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_generator_respects_level_parameters(level):
    sizes = LAYER_SIZES[level]
    n = sum(sizes)
    for inst in _instances(level, range(60)):
        st_ = inst.state
        assert (st_["n"], st_["source"], st_["sink"]) == (n, 0, n - 1)
        layers = [list(x) for x in st_["layers"]]
        assert [len(x) for x in layers] == list(sizes)
        assert sum(layers, []) == list(range(n))  # consecutive ids layer by layer
        layer_of = {v: i for i, layer in enumerate(layers) for v in layer}
        edges = _edges(inst)
        assert edges == sorted(edges) and len({(u, v) for u, v, _ in edges}) == len(edges)
        for u, v, c in edges:
            assert layer_of[v] == layer_of[u] + 1, "edges only join consecutive layers"
            assert 1 <= c <= 10
        for v in range(n):  # every vertex lies on an s-t path
            if v != 0:
                assert any(b == v for _, b, _ in edges)
            if v != n - 1:
                assert any(a == v for a, _, _ in edges)
        # no trivial cut: the answer is not readable from the source or the sink alone
        value = TASK.solution(inst)["value"]
        assert value != sum(c for u, _, c in edges if u == 0)
        assert value != sum(c for _, v, c in edges if v == n - 1)
        assert value >= 1


def test_level_one_formula():
    for inst in _instances(1, range(50)):
        cap = {(u, v): c for u, v, c in _edges(inst)}
        assert set(cap) == {(0, 1), (0, 2), (1, 3), (2, 3)}  # all four edges forced
        expected = min(cap[(0, 1)], cap[(1, 3)]) + min(cap[(0, 2)], cap[(2, 3)])
        assert TASK.solution(inst)["value"] == expected


def test_structure_and_capacity_distribution():
    rng = np.random.default_rng(5)
    means = []
    for level in range(1, 6):
        counts = [len(build_graph(rng, LAYER_SIZES[level])) for _ in range(400)]
        means.append(statistics.mean(counts))
    for got, want in zip(means, (4, 6.6, 11.8, 15.6, 26.4)):
        assert abs(got - want) < 0.6, means
    caps = [c for inst in _instances(5, range(100)) for _, _, c in _edges(inst)]
    freq = np.bincount(caps, minlength=11)[1:] / len(caps)
    assert freq.max() < 0.14 and freq.min() > 0.06  # i.i.d. uniform, no clamping at 10


def test_stats_grow_with_level():
    med = {lv: statistics.median(TASK.stats(i)["bfs_visits"] for i in _instances(lv, range(40))) for lv in range(1, 6)}
    assert all(med[lv] < med[lv + 1] for lv in range(1, 5)), med
    path_edges = {lv: statistics.median(TASK.stats(i)["path_edges"] for i in _instances(lv, range(40)))
                  for lv in range(1, 6)}
    assert all(path_edges[lv] < path_edges[lv + 1] for lv in range(1, 5)), path_edges
    edges = {lv: statistics.median(TASK.stats(i)["edges"] for i in _instances(lv, range(40))) for lv in range(1, 6)}
    assert all(edges[lv] < edges[lv + 1] for lv in range(1, 5))


def test_determinism_state_prompt_image():
    for level in (1, 5):
        a, b = TASK.instance(level, 123), TASK.instance(level, 123)
        assert a.to_json() == b.to_json() and a.fingerprint == b.fingerprint
        assert TASK.prompt(a, "text") == TASK.prompt(b, "text")
        assert TASK.render(a).tobytes() == TASK.render(b).tobytes()
        assert TASK.instance(level, 124).fingerprint != a.fingerprint


def test_determinism_in_a_fresh_process():
    script = ("import hashlib\nfrom mmhelix_env.tasks.graphs.max_flow import TASK\n"
              "i = TASK.instance(5, 77)\n"
              "print(hashlib.sha256(TASK.render(i).tobytes() + TASK.prompt(i, 'image').encode()).hexdigest())")
    inst = TASK.instance(5, 77)
    here = hashlib.sha256(TASK.render(inst).tobytes() + TASK.prompt(inst, "image").encode()).hexdigest()
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120,
                         env={"PYTHONHASHSEED": "3", "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == here


def test_state_has_no_solution():
    inst = TASK.instance(3, 5)
    assert set(inst.state) == {"n", "source", "sink", "layers", "edges"}
    fresh = Instance.from_json(inst.to_json())
    assert fresh._witness is None
    assert TASK.solve(fresh) == TASK.solution(inst)


# --------------------------------------------------------------------------------------------- solving
@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_solver_matches_min_cut_enumeration(level):
    for inst in _instances(level, range(12 if level == 5 else 30)):
        n, edges = inst.state["n"], _edges(inst)
        res = edmonds_karp(n, edges, 0, n - 1)
        assert res["value"] == _min_cut_brute_force(n, edges, 0, n - 1)
        # the flow is feasible: capacities, conservation, value
        flow = res["flow"]
        for (u, v), f in flow.items():
            assert 0 <= f <= dict(((a, b), c) for a, b, c in edges)[(u, v)]
        for x in range(1, n - 1):
            assert sum(f for (u, _), f in flow.items() if u == x) == sum(f for (_, v), f in flow.items() if v == x)
        assert sum(f for (u, _), f in flow.items() if u == 0) == res["value"]
        # the certificate: the reached set's cut is saturated and has the flow's value
        cut = min_cut_edges(edges, res["source_side"])
        assert 0 in res["source_side"] and n - 1 not in res["source_side"]
        assert sum(c for _, _, c in cut) == res["value"]
        assert all(flow[(u, v)] == c for u, v, c in cut)


def test_solver_handles_reverse_steps_and_zero_flow():
    # the first BFS path 0-1-3-5 blocks 0-2-3 unless flow on 1-3 is cancelled via 3->1
    edges = [(0, 1, 1), (0, 2, 1), (1, 3, 1), (1, 4, 1), (2, 3, 1), (3, 5, 1), (4, 5, 1)]
    res = edmonds_karp(6, edges, 0, 5)
    assert res["value"] == 2
    assert edmonds_karp(3, [(0, 1, 4)], 0, 2)["value"] == 0


def test_round_trip_expert_answer_verifies():
    hg.assert_integer_round_trip(TASK, _instances)


# ---------------------------------------------------------------------------------------- verification
@pytest.fixture(scope="module")
def inst5():
    return TASK.instance(5, 7)


def test_lenient_formats_accepted(inst5):
    a = TASK.solution(inst5)["value"]
    hg.assert_lenient_integer_formats(TASK, inst5, a, "The maximum flow is {}.", extra=[f"*{a}*"],
                                   responses=[f"<answer>{a}</answer>"])


def test_wrong_numbers_rejected_with_reasons(inst5):
    a = TASK.solution(inst5)["value"]
    high = TASK.verify(inst5, str(a + 1))
    assert not high.correct and "wrong maximum flow" in high.reason and "cut" in high.reason
    assert 0 < high.score < 0.5
    low = TASK.verify(inst5, str(a - 1))
    assert not low.correct and "larger flow" in low.reason
    for v in (low, high):  # the reasons do not give the answer away: only the guess and the node ids appear
        assert {int(x) for x in re.findall(r"\d+", v.reason)} <= {v.parsed, 0, 15}
    frac = TASK.verify(inst5, f"{a}.5")
    assert not frac.correct and "integer" in frac.reason
    zero = TASK.verify(inst5, "0")
    assert not zero.correct and zero.score == 0
    assert TASK.verify(inst5, str(3 * a)).score == 0
    neg = TASK.verify(inst5, f"-{a}")
    assert not neg.correct and "negative" in neg.reason


def test_trivial_cut_answers_rejected():
    for inst in _instances(4, range(10)):
        edges = _edges(inst)
        n = inst.state["n"]
        for wrong in (sum(c for u, _, c in edges if u == 0), sum(c for _, v, c in edges if v == n - 1)):
            assert not TASK.verify(inst, str(wrong)).correct


def test_ambiguous_and_unreadable_rejected(inst5):
    a = TASK.solution(inst5)["value"]
    hg.assert_ambiguous_and_unreadable_rejected(
        TASK, inst5, [f"0->15: {a}", f"{a} {a}", f"{a} or {a + 1}", "[0, 3, 15]"], ["\\boxed{}"])
    flagged = TASK.verify(inst5, f"(VerificationFailed) - {a}")
    assert not flagged.correct and "VerificationFailed" in flagged.reason


def test_garbage_is_fast(inst5):
    hg.assert_garbage_rejected_fast(TASK, inst5, ["١٢٣", "２４"], seconds=0.05)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text):
    inst = TASK.instance(2, 0)
    v = TASK.verify(inst, text)
    assert isinstance(v.correct, bool) and v.reason
    if v.correct:
        assert v.parsed == TASK.solution(inst)["value"]


# ------------------------------------------------------------------------------------------------ image
@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_render_layout_and_labels(level):
    sizes = LAYER_SIZES[level]
    for inst in _instances(level, range(60)):
        img, drawn = TASK.drawing(inst)
        assert img.size == (512, 512) and img.mode == "RGB"
        edges = _edges(inst)
        # the spec's layered layout: layer i at x = 24 + 464 i / (L - 1), staggered by a quarter step
        step = (512 - 68) / max(sizes)
        for i, layer in enumerate(inst.state["layers"]):
            for j, v in enumerate(layer):
                x, y = drawn.positions[v]
                assert x == pytest.approx(24 + 464 * i / (len(sizes) - 1))
                shift = 0 if len(layer) == 1 else (-step / 4 if i % 2 == 0 else step / 4)
                assert y == pytest.approx(256 + (j - (len(layer) - 1) / 2) * step + shift)
        # every capacity labelled, on its own edge, clear of circles, no overlaps, no foreign edge at its centre
        assert drawn.labels.overlap_free and drawn.labels.stage in ("clear", "center"), drawn.labels.stage
        boxes = drawn.label_boxes
        assert all(b is not None for b in boxes) and len(boxes) == len(edges)
        for k, box in enumerate(boxes):
            assert 0.12 - 1e-9 <= drawn.labels.t[k] <= 0.88 + 1e-9 and drawn.labels.offset[k] == 0
            for p, r in zip(drawn.positions, drawn.radii):
                assert box_circle_distance(box, p) >= r + 2
        for a, b in itertools.combinations(boxes, 2):
            assert not boxes_overlap(a, b)
        # colour by source vertex
        for (u, _, _), col in zip(edges, drawn.edge_colors):
            assert col == drawn.edge_colors[next(k for k, e in enumerate(edges) if e[0] == u)]
    assert TASK.render(TASK.instance(level, 0), size=300).size == (300, 300)


def test_image_pixels_show_capacity_digits():
    inst = TASK.instance(3, 1)
    img, drawn = TASK.drawing(inst)
    arr = np.asarray(img)
    for (x0, y0, x1, y1), col in zip(drawn.label_boxes, drawn.edge_colors):
        inside = arr[y0 + 2:y1 - 1, x0 + 2:x1 - 1].reshape(-1, 3)
        assert (np.abs(inside.astype(int) - np.asarray(col)).sum(axis=1) < 60).any()  # digits in the edge colour


# ---------------------------------------------------------------------------------------------- prompts
def test_prompts():
    inst = TASK.instance(5, 3)
    text = TASK.prompt(inst, "text")
    image = TASK.prompt(inst, "image")
    for p in (text, image):
        assert "Compute the maximum flow from node 0 to node 15." in p
        assert "Answer with the maximum flow value (an integer)." in p
    assert image.startswith("Below is a layered directed acyclic graph (DAG) with capacities on each edge.")
    assert text.startswith("Below is a layered directed acyclic graph (DAG) adjacency list (with capacities).")
    head, body = text.split("\n\n", 1)
    assert head.endswith("Answer with the maximum flow value (an integer).")
    lines = body.split("\n")
    assert len(lines) == 16 and lines[-1] == "15: []"
    edges = []
    for u, line in enumerate(lines):
        m = re.fullmatch(r"(\d+): \[(.*)\]", line)
        assert m and int(m.group(1)) == u
        edges += [(u, int(v), int(c)) for v, c in re.findall(r"\((\d+),(\d+)\)", m.group(2))]
    assert edges == _edges(inst)
    assert "image" not in text.lower() and "0: [(" not in image
    allowed = set(map(chr, range(32, 127))) | set("\n×÷−–—→←↑↓·…’“”≤≥≠█")
    assert set(text) <= allowed and set(image) <= allowed
    assert "\\boxed" not in text
    with pytest.raises(ValueError):
        TASK.prompt(inst, "audio")


# ------------------------------------------------------------------------------------------------ trace
def test_trace_ends_in_verifying_answer():
    for level in range(1, 6):
        for seed in (11, 12):
            inst = TASK.instance(level, seed)
            trace = TASK.trace(inst)
            answer = extract_answer(trace)
            assert answer == TASK.expert_answer(inst)
            assert TASK.verify(inst, answer).correct
            assert trace.rstrip().splitlines()[-1] == f"Answer: {answer}"
            assert len(re.findall(r"^Path \d+: ", trace, re.M)) == TASK.stats(inst)["augmenting_paths"]
            totals = [int(x) for x in re.findall(r"Total flow = (\d+)\.", trace)]
            assert totals == sorted(totals) and totals[-1] == int(answer)
            assert "minimum cut" in trace
    # a reverse (cancelling) step is explained where Edmonds-Karp uses one
    found = any("reverse step" in TASK.trace(i) for i in _instances(5, range(30)))
    assert found


# ---------------------------------------------------------------------------------------------- importer
def _fixture(level):
    path = FIXTURES / f"d{level}" / "max_flow" / "annotations.json"
    return json.loads(path.read_text())[0]


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_importer_on_reference_fixtures(level):
    rec = _fixture(level)
    inst = TASK.from_record(rec)
    assert inst.task == "MaxFlow" and inst.level == level and inst.source == "reference"
    n = sum(LAYER_SIZES[level])
    assert inst.state["n"] == n and inst.state["source"] == 0 and inst.state["sink"] == n - 1
    assert [len(x) for x in inst.state["layers"]] == list(LAYER_SIZES[level])  # recovered layer structure
    assert TASK.verify(inst, rec["answer"]).correct
    assert inst._witness is not None and inst._witness["value"] == int(rec["answer"])
    # the adjacency list round-trips through our text prompt
    ours = TASK.prompt(inst, "text").split("\n\n", 1)[1]
    theirs = rec["question_language"].split("(an integer).", 1)[1]
    assert ours.strip() == theirs.strip()
    assert TASK.render(inst).size == (512, 512)
    assert extract_answer(TASK.trace(inst)) == rec["answer"]


def test_importer_published_row_layout():
    rec = _fixture(4)
    row = {"id": 17, "category": rec["category"], "images": [], "question": rec["question"],
           "question_text": rec["question_language"].replace("\n", "\\n"), "answer": rec["answer"],
           "difficulty": 4, "metric_info": "{'score_function': 'simple_str_match'}", "initial_state": ""}
    a, b = TASK.from_record(rec), TASK.from_record(row)
    assert a.fingerprint == b.fingerprint and b.level == 4


def test_importer_of_our_own_text_prompt():
    inst = TASK.instance(5, 21)
    rec = {"category": "max_flow", "difficulty": 5, "question_language": TASK.prompt(inst, "text"),
           "answer": TASK.expert_answer(inst)}
    imported = TASK.from_record(rec)
    assert imported.fingerprint == inst.fingerprint and imported._witness is not None


def test_importer_flags_verification_failed():
    rec = _fixture(3)
    flagged = {**rec, "answer": f"(VerificationFailed) - {rec['answer']}"}
    inst = TASK.from_record(flagged)
    assert inst._witness is None  # the flagged stored answer is not trusted
    v = TASK.verify(inst, flagged["answer"])
    assert not v.correct and "VerificationFailed" in v.reason
    assert TASK.verify(inst, rec["answer"]).correct


def test_importer_wrong_stored_answer_kept_out():
    rec = _fixture(2)
    inst = TASK.from_record({**rec, "answer": str(int(rec["answer"]) + 1)})
    assert inst._witness is None
    assert TASK.verify(inst, rec["answer"]).correct


def test_importer_rejects_broken_records():
    rec = _fixture(2)
    with pytest.raises(RecordError):
        TASK.from_record({**rec, "question_language": "nothing here", "question": "nothing"})
    with pytest.raises(RecordError):
        TASK.from_record({**rec, "question_language": rec["question_language"].split("(an integer).")[0]})
    bad = rec["question_language"].replace("1: [(3,10)]", "1: [(3,10), (3,4)]")
    with pytest.raises(RecordError, match="two capacities"):
        TASK.from_record({**rec, "question_language": bad})
    cyc = rec["question_language"].replace("3: [(5,10)]", "3: [(5,10), (1,2)]")
    with pytest.raises(RecordError, match="cycle"):
        TASK.from_record({**rec, "question_language": cyc})
    with pytest.raises(RecordError):
        TASK.from_record({**rec, "category": "shortest_path"})
    with pytest.raises(RecordError):
        TASK.from_record("not a dict")  # type: ignore[arg-type]


def test_importer_level_from_layers_when_difficulty_missing():
    for level in range(1, 6):
        rec = dict(_fixture(level))
        rec.pop("difficulty")
        assert TASK.from_record(rec).level == level
