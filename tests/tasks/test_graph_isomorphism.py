"""GraphIsomorphism: generator levels and labels, exact test, lenient Yes/No parsing, importer, image, prompts,
trace."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import statistics
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhelix_env.core import Instance, ParseError, RecordError, extract_answer
from mmhelix_env.render.graph import min_edge_vertex_clearance
from mmhelix_env.tasks import discover
from mmhelix_env.tasks.graphs import graph_isomorphism as gi
from mmhelix_env.tasks.graphs._graph_common import adjacency_masks
from mmhelix_env.tasks.graphs.graph_isomorphism import (
    LEVEL_PARAMS,
    TASK,
    decide,
    is_connected,
    parse_yes_no,
    permute,
    signatures,
)

FIXTURES = Path("/work/shared/fixtures/reference_sample")
SEEDS = range(60)


def _masks(inst):
    n = inst.state["n"]
    return adjacency_masks(n, inst.state["g1"]), adjacency_masks(n, inst.state["g2"])


def _brute_isomorphic(n, edges1, edges2) -> bool:
    e1 = {frozenset(e) for e in edges1}
    e2 = {frozenset(e) for e in edges2}
    if len(e1) != len(e2):
        return False
    return any({frozenset((p[u], p[v])) for u, v in map(tuple, e1)} == e2 for p in itertools.permutations(range(n)))


def _inst_with_label(level: int, label: str, start: int = 0) -> Instance:
    for seed in range(start, start + 200):
        inst = TASK.instance(level, seed)
        if TASK.solution(inst)["label"] == label:
            return inst
    raise AssertionError("no instance with that label")


# ---------------------------------------------------------------------------------------------- basics
def test_discovered_and_metadata():
    assert discover()["GraphIsomorphism"] is TASK
    assert (TASK.category, TASK.benchmark_id, TASK.generator_key) == ("graphs", "graph_isomorphism", "isomorphism")
    assert TASK.score_function == "simple_str_match" and TASK.version == "1"
    assert not TASK.step_mode


# ------------------------------------------------------------------------------------------- generator
@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_generator_respects_level_parameters(level):
    n, m = LEVEL_PARAMS[level]
    labels = Counter()
    for seed in SEEDS:
        inst = TASK.instance(level, seed)
        assert set(inst.state) == {"n", "g1", "g2"} and inst.state["n"] == n
        g1, g2 = _masks(inst)
        for key, g in (("g1", g1), ("g2", g2)):
            edges = [tuple(e) for e in inst.state[key]]
            assert len(edges) == m and edges == sorted(set(edges)) and all(0 <= u < v < n for u, v in edges)
            assert max(x.bit_count() for x in g) <= 3 and is_connected(g)
        sol = TASK.solution(inst)
        labels[sol["label"]] += 1
        assert g1 != g2  # never the same labelled graph (Yes partners are not labelled automorphisms)
        if sol["label"] == "Yes":
            mapping = sol["mapping"]
            assert sorted(mapping) == list(range(n)) and permute(g1, list(mapping)) == g2
        else:
            if level >= 2:
                assert sorted(x.bit_count() for x in g1) == sorted(x.bit_count() for x in g2)
            if level >= 3:
                assert Counter(signatures(g1)) == Counter(signatures(g2))
        assert decide(g1, g2)["label"] == sol["label"]
    assert 0.3 <= labels["Yes"] / len(SEEDS) <= 0.7, labels


def test_labels_balanced_over_many_seeds():
    labels = Counter(TASK.solution(TASK.instance(lv, s))["label"] for lv in (1, 5) for s in range(200))
    assert 0.42 <= labels["Yes"] / 400 <= 0.58, labels


def test_no_partners_are_hard_at_high_levels():
    """At levels >= 3 the degree sequence and signature never give a No away; some need refinement rounds >= 2
    or the search."""
    deep = 0
    for seed in range(80):
        inst = TASK.instance(5, seed)
        if TASK.solution(inst)["label"] == "No":
            res = decide(*_masks(inst))
            assert "degree" not in res["evidence"] and "signature" not in res["evidence"]
            deep += 1
    assert deep > 20


def test_stats_grow_with_level():
    med = {lv: statistics.median(TASK.stats(TASK.instance(lv, s))["solver_work"] for s in range(40))
           for lv in range(1, 6)}
    assert all(med[lv] < med[lv + 1] for lv in range(1, 5)), med


def test_determinism_state_prompt_image():
    for level in (1, 5):
        a, b = TASK.instance(level, 77), TASK.instance(level, 77)
        assert a.to_json() == b.to_json()
        assert TASK.prompt(a, "text") == TASK.prompt(b, "text") and TASK.prompt(a) == TASK.prompt(b)
        assert hashlib.sha256(TASK.render(a).tobytes()).digest() == hashlib.sha256(TASK.render(b).tobytes()).digest()
        assert TASK.instance(level, 78).fingerprint != a.fingerprint


def test_state_has_no_solution_and_solver_works_without_witness():
    inst = TASK.instance(4, 3)
    fresh = Instance.from_json(inst.to_json())
    assert fresh._witness is None
    assert TASK.solve(fresh)["label"] == TASK.solution(inst)["label"]


# --------------------------------------------------------------------------------------------- solving
def test_exact_test_matches_brute_force():
    for level in (1, 2):
        for seed in range(25):
            inst = TASK.instance(level, seed)
            n = inst.state["n"]
            assert (TASK.solve(inst)["label"] == "Yes") == _brute_isomorphic(n, inst.state["g1"], inst.state["g2"])


def test_exact_test_on_refinement_blind_pairs():
    """1-WL cannot tell a 6-cycle from two triangles, or the 3-prism from K3,3: the search must."""
    cycle6 = adjacency_masks(6, [(i, (i + 1) % 6) for i in range(6)])
    triangles = adjacency_masks(6, [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)])
    res = decide(cycle6, triangles)
    assert res["label"] == "No" and "exhaustive" in res["evidence"] and res["search_nodes"] > 0
    prism = adjacency_masks(6, [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (0, 3), (1, 4), (2, 5)])
    k33 = adjacency_masks(6, [(a, b) for a in range(3) for b in range(3, 6)])
    assert decide(prism, k33)["label"] == "No"
    shuffled = permute(k33, [4, 0, 5, 2, 1, 3])
    res = decide(k33, shuffled)
    assert res["label"] == "Yes" and permute(k33, list(res["mapping"])) == shuffled
    rng = np.random.default_rng(3)
    for _ in range(20):  # random graphs against random relabellings and against brute force
        n = 7
        edges = [(a, b) for a in range(n) for b in range(a + 1, n) if rng.random() < 0.4]
        other = [(a, b) for a in range(n) for b in range(a + 1, n) if rng.random() < 0.4]
        g = adjacency_masks(n, edges)
        assert decide(g, permute(g, rng.permutation(n).tolist()))["label"] == "Yes"
        assert (decide(g, adjacency_masks(n, other))["label"] == "Yes") == _brute_isomorphic(n, edges, other)


def test_round_trip_expert_answer_verifies():
    for level in range(1, 6):
        for seed in range(20):
            inst = TASK.instance(level, seed)
            answer = TASK.expert_answer(inst)
            assert answer in ("Yes", "No")
            v = TASK.verify(inst, answer)
            assert v.correct and v.score == 1.0 and v.parsed == answer


# ---------------------------------------------------------------------------------------- verification
@pytest.fixture(scope="module")
def yes_inst():
    return _inst_with_label(4, "Yes")


@pytest.fixture(scope="module")
def no_inst():
    return _inst_with_label(4, "No")


def test_lenient_formats_accepted(yes_inst, no_inst):
    for inst, word in ((yes_inst, "Yes"), (no_inst, "No")):
        for text in (word, word.lower(), word.upper(), f"{word}.", f" {word} ", f"'{word}'", f'"{word}"',
                     f"**{word}**", f"\\text{{{word}}}", f"*{word}*", f"{word}!", f"{word}, the degrees match.",
                     f"{word}. Both graphs have the same signature.", f"\u201c{word}\u201d"):
            v = TASK.verify(inst, text)
            assert v.correct and v.parsed == word, (text, v)
        assert TASK.verify_response(inst, f"reasoning\n\\boxed{{{word}}}")[1].correct
        assert TASK.verify_response(inst, f"so\nAnswer: {word}")[1].correct
        assert TASK.verify_response(inst, f"<answer>{word.lower()}</answer>")[1].correct


def test_wrong_label_rejected_with_reason(yes_inst, no_inst):
    v = TASK.verify(yes_inst, "No")
    assert not v.correct and v.score == 0 and "are isomorphic" in v.reason and "->" in v.reason
    v = TASK.verify(no_inst, "Yes")
    assert not v.correct and v.score == 0 and "not isomorphic" in v.reason


def test_ambiguous_and_unreadable_rejected(yes_inst):
    for text in ("Yes and no", "No, yes", "Yes, G2 has no triangle", "maybe", "The answer is Yes", "Y", "yess",
                 "", "   ", "١٢٣", "２４", "{" * 10_000, "x" * 1_000_000, "YesNo", "Yes Yes"):
        v = TASK.verify(yes_inst, text)
        assert not v.correct and v.reason, text
    assert "both yes and no" in TASK.verify(yes_inst, "Yes, no").reason
    assert "start with" in TASK.verify(yes_inst, "The answer is Yes").reason
    with pytest.raises(ParseError):
        parse_yes_no("nothing")


def test_garbage_is_fast(yes_inst):
    import time

    rng = np.random.default_rng(0)
    junk = [bytes(rng.integers(0, 256, 5000, dtype=np.uint8)).decode("latin-1"), "{" * 10_000 + "}" * 10_000,
            "yes " * 50_000, "\\boxed{" * 3000]
    for text in junk:
        t0 = time.perf_counter()
        v = TASK.verify(yes_inst, text)
        assert not v.correct and v.reason and time.perf_counter() - t0 < 0.05


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text):
    inst = TASK.instance(2, 0)
    v = TASK.verify(inst, text)
    assert isinstance(v.correct, bool) and v.reason
    if v.correct:
        assert v.parsed == TASK.solution(inst)["label"]


# ------------------------------------------------------------------------------------------------ image
@pytest.mark.parametrize("level", [1, 3, 5])
def test_render_two_panels_and_layout_quality(level):
    ok = total = 0
    for seed in range(12):
        inst = TASK.instance(level, seed)
        img = TASK.render(inst)
        assert img.size == (512, 512) and img.mode == "RGB"
        n = inst.state["n"]
        layouts = []
        for panel, key in enumerate(("g1", "g2")):
            edges = [tuple(e) for e in inst.state[key]]
            rect = (24.0 + panel * 256, 58.0, 232.0 + panel * 256, 488.0)
            pos = TASK._layout(inst, panel, n, edges, rect, 14.0)
            assert all(rect[0] - 1e-6 <= x <= rect[2] + 1e-6 and rect[1] - 1e-6 <= y <= rect[3] + 1e-6 for x, y in pos)
            layouts.append(pos)
            total += 1
            ok += gi.pts_min_distance(pos) >= 42 and min_edge_vertex_clearance(pos, edges) >= 18
        # G2 never reuses G1's coordinates (relative to its panel)
        assert [(round(x), round(y)) for x, y in layouts[0]] != [(round(x - 256), round(y)) for x, y in layouts[1]]
    assert ok / total >= 0.9, (ok, total)
    assert TASK.render(TASK.instance(level, 0), size=300).size == (300, 300)


def test_panels_show_captions_and_divider():
    img = np.asarray(TASK.render(TASK.instance(3, 1)))
    assert (img[100:400, 255:258] < 200).any()  # the divider line
    assert (img[10:35, 100:160] < 100).any() and (img[10:35, 356:416] < 100).any()  # "G1", "G2" captions


# ---------------------------------------------------------------------------------------------- prompts
def test_prompts():
    inst = TASK.instance(5, 3)
    text, image = TASK.prompt(inst, "text"), TASK.prompt(inst, "image")
    for p in (text, image):
        assert "Answer with 'Yes' or 'No'." in p and "isomorphic" in p
        assert "planar" not in p and "triangles" not in p and "\\boxed" not in p
        allowed = set(map(chr, range(32, 127))) | set("\n×÷−–—→←↑↓·…’“”≤≥≠█")
        assert set(p) <= allowed
    assert "left" in image and "right" in image and "image" in image and "G1:" not in image
    assert "image" not in text.lower()
    head, rest = text.split("\nG1:\n")
    assert head.endswith("Answer with 'Yes' or 'No'.")
    block1, block2 = rest.split("\n\nG2:\n")
    for block, key in ((block1, "g1"), (block2, "g2")):
        lines = block.split("\n")
        assert len(lines) == 10
        edges = set()
        for u, line in enumerate(lines):
            m = re.fullmatch(r"(\d+): \[(.*)\]", line)
            assert m and int(m.group(1)) == u
            nbrs = [int(x) for x in m.group(2).split(", ") if x]
            assert nbrs == sorted(nbrs)
            edges |= {(min(u, v), max(u, v)) for v in nbrs}
        assert sorted(edges) == [tuple(e) for e in inst.state[key]]
    with pytest.raises(ValueError):
        TASK.prompt(inst, "audio")


# ------------------------------------------------------------------------------------------------ trace
def test_trace_ends_in_verifying_answer_and_shows_work():
    for level in range(1, 6):
        for seed in range(6):
            inst = TASK.instance(level, seed)
            trace = TASK.trace(inst)
            answer = extract_answer(trace)
            assert answer == TASK.expert_answer(inst) and TASK.verify(inst, answer).correct
            assert trace.rstrip().splitlines()[-1] == f"Answer: {answer}"
            assert "Degrees in G1" in trace
            if answer == "Yes":
                assert "Mapping found" in trace and "candidates" in trace and "Round 1" in trace
    cycle6 = [[i, (i + 1) % 6] for i in range(6)]
    triangles = [[0, 1], [1, 2], [0, 2], [3, 4], [4, 5], [3, 5]]
    inst = Instance("GraphIsomorphism", 1, None, "1", {"n": 6, "g1": sorted(sorted(e) for e in cycle6),
                                                         "g2": triangles})
    trace = TASK.trace(inst)
    assert "Every branch fails" in trace and "backtrack" in trace and trace.endswith("Answer: No")


# ---------------------------------------------------------------------------------------------- importer
def _fixture(level):
    return json.loads((FIXTURES / f"d{level}" / "isomorphism" / "annotations.json").read_text())[0]


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_importer_on_reference_fixtures(level):
    rec = _fixture(level)
    inst = TASK.from_record(rec)
    assert inst.task == "GraphIsomorphism" and inst.level == level and inst.source == "reference"
    assert inst.state["n"] == LEVEL_PARAMS[level][0]
    assert TASK.verify(inst, rec["answer"]).correct
    assert inst._witness is not None and inst._witness["label"] == rec["answer"]
    # our text prompt carries the same adjacency lists
    ours = TASK.prompt(inst, "text").split("\nG1:\n", 1)[1]
    theirs = rec["question_language"].split("G1:\n", 1)[1]
    assert ours.strip() == theirs.strip()
    assert TASK.render(inst).size == (512, 512)
    assert extract_answer(TASK.trace(inst)) == rec["answer"]


def test_importer_published_row_layout_and_pair_key():
    rec = _fixture(5)
    row = {"id": 3, "category": "graph_isomorphism", "images": [], "question": rec["question"],
           "question_text": rec["question_language"].replace("\n", "\\n"), "answer": rec["answer"], "difficulty": 5,
           "metric_info": "{'score_function': 'simple_str_match'}", "initial_state": ""}
    a, b = TASK.from_record(rec), TASK.from_record(row)
    twin = TASK.from_record(dict(row, id=4))  # the pair's other row has the same question text
    assert a.fingerprint == b.fingerprint == twin.fingerprint
    assert TASK.pair_key(a) == TASK.pair_key(twin) != TASK.pair_key(TASK.from_record(_fixture(4)))


def test_importer_wrong_stored_answer_and_missing_difficulty():
    rec = dict(_fixture(1))
    imported = TASK.from_record(dict(rec, answer="No"))
    assert imported._witness is None and TASK.verify(imported, "Yes").correct
    rec.pop("difficulty")
    assert TASK.from_record(rec).level == 1


def test_importer_rejects_broken_records():
    rec = _fixture(2)
    with pytest.raises(RecordError):
        TASK.from_record(dict(rec, question_language="no lists", question="none"))
    with pytest.raises(RecordError):
        TASK.from_record(dict(rec, question_language=rec["question_language"].split("G2:")[0]))
    with pytest.raises(RecordError, match="self-loop"):
        TASK.from_record(dict(rec, question_language=rec["question_language"].replace("0: [", "0: [0, ", 1)))
    with pytest.raises(RecordError):
        TASK.from_record(dict(rec, category="topological_sort"))
