"""EulerianPath: generator levels, labels, exact solver, rule verification of every valid trail, importer, image,
prompts, trace. The shared machinery (parser, builder, Hierholzer) is tested in test_eulerian_cycle.py."""

from __future__ import annotations

import hashlib
import itertools
import json
import statistics
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhelix_env.core import Instance, extract_answer
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.render.graph import grid_spacing, min_edge_vertex_clearance
from mmhelix_env.tasks import discover
from mmhelix_env.tasks.graphs._eulerian import graph_facts, grid_cols, grid_tables, hierholzer, state_facts
from mmhelix_env.tasks.graphs._graph_common import format_vertex_list
from mmhelix_env.tasks.graphs.eulerian_path import TASK
from tests.tasks.test_eulerian_cycle import alt_walk, brute_force_euler

FIXTURES = Path("/work/shared/fixtures/reference_sample")
LEVELS = (1, 2, 3, 4, 5)
SEEDS = range(60)
PARAMS = {1: (6, 3, 0.25), 2: (8, 3, 0.25), 3: (10, 4, 0.15), 4: (12, 4, 0.2), 5: (16, 4, 0.2)}


def _instances(level, seeds=SEEDS):
    return [TASK.instance(level, s) for s in seeds]


def _edges(inst):
    return [tuple(e) for e in inst.state["edges"]]


def _find(level, pred, seeds=range(200)):
    return next(i for i in _instances(level, seeds) if pred(state_facts(i)))


def test_discovered_and_metadata():
    assert discover()["EulerianPath"] is TASK
    assert (TASK.category, TASK.benchmark_id, TASK.generator_key) == ("graphs", "eulerian_path", "eulerian_path")
    assert TASK.score_function == "eulerian_path_evaluator" and not TASK.step_mode


# ------------------------------------------------------------------------------------------- generator
@pytest.mark.parametrize("level", LEVELS)
def test_generator_respects_level_parameters(level):
    n, cols, p = PARAMS[level]
    assert TASK.level_params[level] == (n, p) and grid_cols(n) == cols
    tab = grid_tables(n, cols)
    odd_counts = set()
    for inst in _instances(level):
        assert (inst.state["n"], inst.state["cols"]) == (n, cols)
        edges = _edges(inst)
        assert edges == sorted(set(edges)) and all(e in tab.allowed for e in edges)
        cells = [tab.diag_of[e][0] for e in edges if e in tab.diag_of]
        assert len(cells) == len(set(cells))
        facts = graph_facts(n, edges)
        assert facts.connected
        odd_counts.add(len(facts.odd))
    if level <= 2:
        assert odd_counts == {0, 2, 4, 6}
    else:
        assert odd_counts == {0, 2, 4}  # No-instances are near misses with exactly 4 odd vertices


def test_label_and_odd_count_frequencies():
    counts = {0: 0, 2: 0, "no": 0}
    for lv in LEVELS:
        for inst in _instances(lv, range(120)):
            k = len(state_facts(inst).odd)
            counts[k if k in (0, 2) else "no"] += 1
    assert 0.25 < counts["no"] / 600 < 0.42
    assert 0.1 < counts[0] / (counts[0] + counts[2]) < 0.3  # Yes: 0 odd vertices with probability 0.2


def test_stats_grow_with_level():
    med = {lv: {key: statistics.median(TASK.stats(i)[key] for i in _instances(lv, range(40)))
                for key in ("edges", "solver_steps")} for lv in LEVELS}
    for key in ("edges", "solver_steps"):
        assert all(med[lv][key] < med[lv + 1][key] for lv in range(1, 5)), (key, med)


def test_determinism():
    for level in (1, 5):
        a, b = TASK.instance(level, 5), TASK.instance(level, 5)
        assert a.to_json() == b.to_json()
        assert TASK.prompt(a, "image") == TASK.prompt(b, "image") and TASK.prompt(a, "text") == TASK.prompt(b, "text")
        assert hashlib.sha256(TASK.render(a).tobytes()).digest() == hashlib.sha256(TASK.render(b).tobytes()).digest()


# --------------------------------------------------------------------------------------------- solving
@pytest.mark.parametrize("level", [1, 2])
def test_label_matches_brute_force(level):
    for inst in _instances(level, range(40)):
        assert TASK.solve(inst)["exists"] == brute_force_euler(inst.state["n"], _edges(inst), closed=False)


@pytest.mark.parametrize("level", LEVELS)
def test_solver_round_trip(level):
    for inst in _instances(level, range(30)):
        facts = state_facts(inst)
        sol = TASK.solution(inst)
        assert TASK.solve(Instance.from_json(inst.to_json())) == sol
        v = TASK.verify(inst, TASK.expert_answer(inst))
        assert v.correct, v.reason
        assert sol["exists"] == (len(facts.odd) in (0, 2))
        if sol["exists"]:
            walk = sol["walk"]
            assert len(walk) == facts.m + 1
            if facts.odd:
                assert (walk[0], walk[-1]) == facts.odd  # from the smaller odd vertex to the other
            else:
                assert walk[0] == walk[-1] == 0


# ------------------------------------------------------------------------------------------ verification
def test_other_valid_trails_accepted():
    inst = _find(5, lambda f: len(f.odd) == 2)
    facts = state_facts(inst)
    walk = list(TASK.solution(inst)["walk"])
    second = alt_walk(facts.n, facts.edges, facts.odd[0], closed=False)
    assert second != walk
    for other in (second, walk[::-1], second[::-1]):
        v = TASK.verify(inst, format_vertex_list(other))
        assert v.correct, v.reason
    assert TASK.verify(inst, " -> ".join(map(str, walk[::-1]))).correct


def test_closed_trail_counts_when_no_vertex_is_odd():
    inst = _find(4, lambda f: not f.odd)
    facts = state_facts(inst)
    walk = list(TASK.solution(inst)["walk"])
    assert walk[0] == walk[-1]
    other = alt_walk(facts.n, facts.edges, 5, closed=True)  # another start, another order
    assert other[0] == other[-1] == 5
    assert TASK.verify(inst, format_vertex_list(other)).correct
    assert TASK.verify(inst, format_vertex_list(walk[3:-1] + walk[:4])).correct  # rotated
    v = TASK.verify(inst, "No")
    assert not v.correct and "even degree" in v.reason


def test_no_answers():
    four = _find(3, lambda f: len(f.odd) == 4)
    facts = state_facts(four)
    v = TASK.verify(four, "no.")
    assert v.correct and "4 vertices have odd degree" in v.reason and "at most two" in v.reason
    six = _find(1, lambda f: len(f.odd) == 6)
    assert TASK.verify(six, "'No'").correct
    two = _find(3, lambda f: len(f.odd) == 2)
    v = TASK.verify(two, "No")
    assert not v.correct and "exactly two vertices" in v.reason and v.score == 0
    # any list on a No-instance fails, with the rule it breaks
    for start in facts.odd:
        v = TASK.verify(four, format_vertex_list(hierholzer(facts.n, facts.edges, start).walk))
        assert not v.correct and v.reason


def test_rule_violations_named():
    inst = _find(5, lambda f: len(f.odd) == 2)
    walk = list(TASK.solution(inst)["walk"])
    m = len(inst.state["edges"])
    v = TASK.verify(inst, format_vertex_list(walk[:-1]))
    assert not v.correct and f"uses only {m - 1} of the {m} edges" in v.reason
    assert v.score == pytest.approx((m - 1) / m)
    v = TASK.verify(inst, format_vertex_list(walk + [walk[-2]]))
    assert not v.correct and "used a second time" in v.reason and f"step {m + 1}" in v.reason
    v = TASK.verify(inst, format_vertex_list([99] + walk))
    assert not v.correct and "vertex 99 does not exist (vertices are 0..15)" in v.reason
    mid = len(walk) // 2
    v = TASK.verify(inst, format_vertex_list(walk[:mid] + walk[mid + 1:]))
    assert not v.correct and v.score < 1
    for text in ("[0, 1, 2", "Yes", "[0; 1; 2]", "1 2 3 ->", "No path here 1 2"):
        v = TASK.verify(inst, text)
        assert not v.correct and v.reason, text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-2, 17), max_size=40))
def test_random_lists_verdicts_are_consistent(nodes):
    inst = TASK.instance(5, 1)
    v = TASK.verify(inst, format_vertex_list(nodes) if nodes else "[]")
    assert isinstance(v.correct, bool) and v.reason
    if v.correct:
        facts = state_facts(inst)
        used = [tuple(sorted(p)) for p in zip(nodes, nodes[1:])]
        assert sorted(used) == sorted(facts.edges)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text):
    v = TASK.verify(TASK.instance(1, 0), text)
    assert isinstance(v.correct, bool) and v.reason


# ------------------------------------------------------------------------------------------- image/prompt
@pytest.mark.parametrize("level", [1, 2, 5])
def test_render(level):
    for inst in _instances(level, range(10)):
        img, drawn = TASK.drawing(inst)
        assert img.size == (512, 512)
        n, cols = inst.state["n"], inst.state["cols"]
        assert min_edge_vertex_clearance(drawn.positions, _edges(inst)) >= 0.27 * grid_spacing(n, cols, 512, 48)
        edges = _edges(inst)
        for i, j in itertools.combinations(range(len(edges)), 2):
            if set(edges[i]) & set(edges[j]):
                assert drawn.edge_colors[i] != drawn.edge_colors[j]
    if level == 1:  # a 2-row grid is centred vertically
        ys = sorted({round(y) for _, y in TASK.drawing(TASK.instance(1, 0))[1].positions})
        assert len(ys) == 2 and abs((ys[0] + ys[1]) / 2 - 256) <= 1


def test_prompts():
    inst = TASK.instance(3, 2)
    text, image = TASK.prompt(inst, "text"), TASK.prompt(inst, "image")
    sentence = "If it exists, output the path as a list (e.g., [0,1,2,3]). If not, output 'No'."
    head, *lines = text.split("\n")
    assert head.endswith(sentence) and sentence in image and "Eulerian path" in head
    assert len(lines) == 10 and all(line.startswith(f"{u}: [") for u, line in enumerate(lines))
    assert "image" not in text.lower() and "image" in image
    assert set(text) <= CHARSET and set(image) <= CHARSET


@pytest.mark.parametrize("level", LEVELS)
def test_trace_ends_in_verifying_answer(level):
    for inst in _instances(level, range(6)):
        trace = TASK.trace(inst)
        answer = extract_answer(trace)
        assert answer == TASK.expert_answer(inst) and TASK.verify(inst, answer).correct
        assert trace.rstrip().splitlines()[-1] == f"Answer: {answer}"
        facts = state_facts(inst)
        if len(facts.odd) == 2:
            assert f"Walk from {facts.odd[0]} until stuck" in trace and "the other odd vertex" in trace


# ---------------------------------------------------------------------------------------------- importer
def _fixture(level):
    return json.loads((FIXTURES / f"d{level}" / "eulerian_path" / "annotations.json").read_text())[0]


@pytest.mark.parametrize("level", LEVELS)
def test_importer_on_reference_fixtures(level):
    rec = _fixture(level)
    inst = TASK.from_record(rec)
    assert inst.task == "EulerianPath" and inst.level == level and inst.source == "reference"
    assert inst.state["n"] == PARAMS[level][0] and inst.state["cols"] == PARAMS[level][1]
    assert TASK.verify(inst, rec["answer"]).correct
    assert inst._witness is not None and TASK.expert_answer(inst) == rec["answer"]
    facts = state_facts(inst)
    assert (rec["answer"] == "No") == (len(facts.odd) not in (0, 2))
    assert TASK.prompt(inst, "text").split("\n", 1)[1].strip() == rec["question_language"].split("'No'.", 1)[1].strip()
    assert TASK.verify(inst, TASK.trace(inst).rsplit("Answer:", 1)[1]).correct


def test_importer_published_row_without_initial_state():
    rec = _fixture(5)
    row = {"id": 9, "category": "eulerian_path", "images": [], "question": rec["question"],
           "question_text": rec["question_language"].replace("\n", "\\n"), "answer": rec["answer"], "difficulty": 5,
           "metric_info": {"score_function": "eulerian_path_evaluator"}, "initial_state": None}
    assert TASK.from_record(row).fingerprint == TASK.from_record(rec).fingerprint
    rec2 = dict(rec)
    rec2.pop("difficulty")
    assert TASK.from_record(rec2).level == 5
