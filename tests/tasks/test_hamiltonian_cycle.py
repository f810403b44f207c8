"""HamiltonianCycle: builder, exact decision against an independent subset DP, lenient rule verification,
second valid cycles, importer, image, prompts, trace. Also covers the shared module (_hamiltonian)."""

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

from mmhelix_env.core import Instance, ParseError, RecordError, extract_answer
from mmhelix_env.tasks import discover
from mmhelix_env.tasks.graphs._graph_common import adjacency_masks
from mmhelix_env.tasks.graphs._hamiltonian import (
    BuilderParams,
    bipartition,
    build_graph,
    components,
    cut_vertices,
    grid_cols,
    parse_answer,
)
from mmhelix_env.tasks.graphs.hamiltonian_cycle import CLARIFY, FORMAT_SENTENCE, TASK
from tests import helpers_graphs as hg

FIXTURES = Path("/work/shared/fixtures/reference_sample")
SIZES = {1: 6, 2: 9, 3: 12, 4: 14, 5: 16}
SEEDS = range(40)


def _adj(inst):
    n = inst.state["n"]
    return n, adjacency_masks(n, inst.state["edges"])


def dp_has_cycle(n: int, adj: list[int]) -> bool:
    """Independent check: subset DP over paths from vertex 0 (reachable masks only)."""
    reach = {1: 1}  # mask -> bitmask of path ends
    full = (1 << n) - 1
    for _ in range(1, n):
        nxt: dict[int, int] = {}
        for mask, ends in reach.items():
            e = ends
            while e:
                low = e & -e
                e ^= low
                v = low.bit_length() - 1
                w = adj[v] & ~mask
                while w:
                    lw = w & -w
                    w ^= lw
                    nxt[mask | lw] = nxt.get(mask | lw, 0) | lw
        reach = nxt
    return bool(reach.get(full, 0) & adj[0])


def all_cycles(n: int, adj: list[int], limit: int = 200) -> list[tuple[int, ...]]:
    """Hamiltonian cycles from vertex 0 (both directions), by plain DFS."""
    out = []

    def dfs(path, used):
        if len(out) >= limit:
            return
        if len(path) == n:
            if adj[path[-1]] >> 0 & 1:
                out.append(tuple(path))
            return
        for w in range(n):
            if adj[path[-1]] >> w & 1 and not used >> w & 1:
                path.append(w)
                dfs(path, used | 1 << w)
                path.pop()

    dfs([0], 1)
    return out


def show(ids) -> str:
    return "[" + ", ".join(map(str, ids)) + "]"


# ---------------------------------------------------------------------------------------------- basics
def test_discovered_and_metadata():
    assert discover()["HamiltonianCycle"] is TASK
    assert (TASK.category, TASK.benchmark_id, TASK.generator_key) == ("graphs", "hamiltonian_cycle",
                                                                       "hamiltonian_cycle")
    assert TASK.score_function == "hamiltonian_cycle_evaluator"
    assert not TASK.step_mode and TASK.version == "1"


# ------------------------------------------------------------------------------------------- generator
def _check_geometry(n, cols, edges, cap=None):
    assert edges == sorted(edges) and len(set(map(tuple, edges))) == len(edges)
    cells = []
    deg = [0] * n
    for u, v in edges:
        assert 0 <= u < v < n
        (ru, cu), (rv, cv) = divmod(u, cols), divmod(v, cols)
        dr, dc = abs(ru - rv), abs(cu - cv)
        pair = (min(dr, dc), max(dr, dc))
        assert pair in {(0, 1), (1, 1), (1, 2), (1, 3), (2, 3)}, (u, v)
        if pair == (1, 1):
            cells.append((min(ru, rv), min(cu, cv)))
        deg[u] += 1
        deg[v] += 1
    assert len(cells) == len(set(cells)), "two diagonals in one unit cell"
    if cap is not None:
        assert max(deg) <= cap
    adj = adjacency_masks(n, edges)
    assert len(components(adj, (1 << n) - 1)) == 1


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_generator_respects_level_parameters(level):
    n = SIZES[level]
    labels = []
    for seed in SEEDS:
        inst = TASK.instance(level, seed)
        st_ = inst.state
        assert set(st_) == {"n", "cols", "edges"}
        assert st_["n"] == n and st_["cols"] == grid_cols(n) == (3 if n <= 9 else 4)
        edges = [tuple(e) for e in st_["edges"]]
        _check_geometry(n, st_["cols"], edges)
        _, adj = _adj(inst)
        sol = TASK.solution(inst)
        labels.append(sol["exists"])
        if not sol["exists"]:  # a No-instance never has a trivial certificate beyond what the level allows
            assert min(a.bit_count() for a in adj) >= 2
            if level >= 2:
                assert not cut_vertices(adj, n)
                sides = bipartition(adj, n)
                assert sides is None or len(sides[0]) == len(sides[1])
    assert 0.15 <= labels.count(False) / len(labels) <= 0.55  # P(No) = 1/3


def test_label_balance_over_many_seeds():
    no = sum(not TASK.solution(TASK.instance(3, s))["exists"] for s in range(150))
    assert 30 <= no <= 70


def test_builder_no_crossing_diagonals_even_when_dense():
    rng = np.random.default_rng(1)
    for _ in range(100):
        edges = build_graph(rng, 16, 4, BuilderParams(0.9, 0.9, 0.9, 0.9, None))
        _check_geometry(16, 4, edges)
        assert sum(1 for u, v in edges if abs(u // 4 - v // 4) == 1 and abs(u % 4 - v % 4) == 1) == 9


def test_builder_spanning_tree_root_varies():
    # the reference always grew its tree from vertex 0 in a fixed order; ours differs between draws
    rng = np.random.default_rng(2)
    shapes = {tuple(build_graph(rng, 9, 3, BuilderParams(0, 0, 0, 0, None))) for _ in range(50)}
    assert len(shapes) > 10


def test_determinism_state_prompt_image():
    for level in (1, 5):
        a, b = TASK.instance(level, 77), TASK.instance(level, 77)
        assert a.to_json() == b.to_json()
        assert TASK.prompt(a, "text") == TASK.prompt(b, "text") and TASK.prompt(a) == TASK.prompt(b)
        assert hashlib.sha256(TASK.render(a).tobytes()).digest() == hashlib.sha256(TASK.render(b).tobytes()).digest()
    assert TASK.instance(5, 78).fingerprint != TASK.instance(5, 77).fingerprint


def test_state_has_no_solution_and_solver_matches_witness():
    for seed in range(10):
        inst = TASK.instance(4, seed)
        fresh = Instance.from_json(inst.to_json())
        assert fresh._witness is None
        assert TASK.solve(fresh) == TASK.solution(inst)


# --------------------------------------------------------------------------------------------- solving
@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_decision_matches_subset_dp(level):
    for seed in range(25 if level < 4 else 10):
        inst = TASK.instance(level, seed)
        n, adj = _adj(inst)
        assert TASK.solve(inst)["exists"] == dp_has_cycle(n, adj), seed


def test_decision_matches_subset_dp_on_random_builder_graphs():
    rng = np.random.default_rng(5)
    for n in (6, 9, 12):
        for _ in range(40):
            edges = build_graph(rng, n, grid_cols(n), TASK.PARAMS)
            adj = adjacency_masks(n, edges)
            dec = TASK.decide(n, adj, None)
            assert dec.exists == dp_has_cycle(n, adj)


def test_round_trip_expert_answer_verifies_and_is_closed():
    for level in range(1, 6):
        for seed in range(20):
            inst = TASK.instance(level, seed)
            answer = TASK.expert_answer(inst)
            v = TASK.verify(inst, answer)
            assert v.correct and v.score == 1.0, (level, seed, v)
            if answer != "No":
                ids = [int(x) for x in re.findall(r"\d+", answer)]
                assert len(ids) == inst.state["n"] + 1 and ids[0] == ids[-1] == 0


def test_stats_grow_with_level():
    med = {lv: statistics.median(TASK.stats(TASK.instance(lv, s))["search_nodes"] for s in range(40))
           for lv in range(1, 6)}
    assert all(med[lv] < med[lv + 1] for lv in range(1, 5)), med
    checks = {lv: statistics.median(TASK.stats(TASK.instance(lv, s))["checks"] for s in range(40))
              for lv in range(1, 6)}
    assert all(checks[lv] < checks[lv + 1] for lv in range(1, 5)), checks


# ---------------------------------------------------------------------------------------- verification
def _yes_instance(level, start=0):
    for seed in range(start, start + 200):
        inst = TASK.instance(level, seed)
        if TASK.solution(inst)["exists"]:
            return inst
    raise AssertionError


def _no_instance(level):
    for seed in range(200):
        inst = TASK.instance(level, seed)
        if not TASK.solution(inst)["exists"]:
            return inst
    raise AssertionError


def test_every_rotation_direction_and_form_accepted():
    inst = _yes_instance(4)
    cyc = list(TASK.solution(inst)["order"])
    n = len(cyc)
    for k in range(n):
        rot = cyc[k:] + cyc[:k]
        for ids in (rot, rot[::-1]):
            assert TASK.verify(inst, show(ids)).correct
            assert TASK.verify(inst, show(ids + [ids[0]])).correct


def test_second_valid_cycle_accepted():
    found = 0
    for seed in range(60):
        inst = TASK.instance(2, seed)
        n, adj = _adj(inst)
        if not TASK.solution(inst)["exists"]:
            continue
        expert = TASK.solution(inst)["order"]
        canon = {frozenset(frozenset(p) for p in zip(c, c[1:] + c[:1])) for c in [expert]}
        others = [c for c in all_cycles(n, adj)
                  if frozenset(frozenset(p) for p in zip(c, c[1:] + c[:1])) not in canon]
        for c in others[:5]:
            assert TASK.verify(inst, show(c)).correct
            assert TASK.verify(inst, show(list(c) + [c[0]])).correct
            found += 1
    assert found >= 5  # several instances admit a genuinely different cycle


def test_every_cycle_of_small_instances_accepted_and_only_those():
    inst = _yes_instance(1)
    n, adj = _adj(inst)
    cycles = set(all_cycles(n, adj, limit=10_000))
    for perm in itertools.permutations(range(1, n)):
        ids = (0, *perm)
        assert TASK.verify(inst, show(ids)).correct == (ids in cycles)


def test_lenient_formats():
    inst = _yes_instance(3)
    cyc = list(TASK.solution(inst)["order"])
    closed = cyc + [cyc[0]]
    forms = [show(closed), show(cyc), " ".join(map(str, cyc)), " -> ".join(map(str, closed)),
             "→".join(map(str, cyc)), "-".join(map(str, cyc)), "(" + ", ".join(map(str, cyc)) + ")",
             "[" + ", ".join(f"'{v}'" for v in cyc) + "]", "[" + ",".join(f'"{v}"' for v in cyc) + "]",
             f"**{show(cyc)}**", f"${show(cyc)}$", show(cyc) + "."]
    for text in forms:
        v = TASK.verify(inst, text)
        assert v.correct, (text, v)
    assert TASK.verify_response(inst, f"so the cycle is \\boxed{{{show(closed)}}}")[1].correct
    assert TASK.verify_response(inst, f"thinking\nAnswer: {show(cyc)}")[1].correct


def test_no_answers():
    no = _no_instance(5)
    for text in ("No", "no", "NO.", "'No'", '"no"', "\\text{No}", "**No**"):
        v = TASK.verify(no, text)
        assert v.correct and v.parsed == "No", text
    yes = _yes_instance(5)
    v = TASK.verify(yes, "No")
    assert not v.correct and v.score == 0 and "cycle exists" in v.reason
    for text in ("No, there is none", "Yes", "None", "Nope"):
        assert not TASK.verify(no, text).correct


def test_rule_violations_named_with_partial_scores():
    inst = _yes_instance(5)
    n, adj = _adj(inst)
    cyc = list(TASK.solution(inst)["order"])
    v = TASK.verify(inst, show(cyc[:-1]))
    assert not v.correct and "after 15 of 16 vertices" in v.reason and f"({cyc[-1]})" in v.reason
    assert v.score == pytest.approx(14 / 16)
    v = TASK.verify(inst, show(cyc[:5] + [cyc[0]]))
    assert not v.correct and "the cycle closes after 5 of 16" in v.reason
    v = TASK.verify(inst, show(cyc[:3] + [99] + cyc[4:]))
    assert not v.correct and "entry 4 (99) is not a vertex" in v.reason and v.score == pytest.approx(2 / 16)
    v = TASK.verify(inst, show(cyc[:3] + [cyc[1]] + cyc[4:]))
    assert not v.correct and f"vertex {cyc[1]} is visited twice (entries 2 and 4)" in v.reason
    # a non-edge: find two vertices of the cycle that are not adjacent and put them next to each other
    if found := hg.first_non_edge_swap(cyc, adj, n):
        i, swapped = found
        v = TASK.verify(inst, show(swapped))
        assert not v.correct and f"no edge {swapped[i - 1]}-{swapped[i]} (entries {i} and {i + 1})" in v.reason
        assert v.score == pytest.approx((i - 1) / 16)


def _ham_paths(n, adj, limit=500):
    return hg.hamiltonian_paths(n, adj, range(n), limit)


def test_missing_closing_edge_named():
    for seed in range(60):
        inst = TASK.instance(3, seed)
        n, adj = _adj(inst)
        for path in _ham_paths(n, adj):
            if not adj[path[-1]] >> path[0] & 1:
                v = TASK.verify(inst, show(path))
                assert not v.correct and f"closing edge {path[-1]}-{path[0]}" in v.reason
                assert v.score == pytest.approx((n - 1) / n)
                return
    raise AssertionError("no open Hamiltonian path found")


def test_list_for_a_no_instance_is_rejected_by_the_rules():
    inst = _no_instance(4)
    n, _ = _adj(inst)
    v = TASK.verify(inst, show(range(n)))
    assert not v.correct and "not a Hamiltonian cycle" in v.reason


def test_parser_rejects_junk_with_reasons():
    for text in ("[0, 1, 2", "[[0, 1]]", "[0,,1]", "[0, -1, 2]", "[0, 1.5]", "١٢٣", "[0, ２]", "Yes [0, 1]",
                 "[]", "0;1;2", "{0, 1}", "1e3"):
        with pytest.raises(ParseError):
            parse_answer(text)
    inst = TASK.instance(2, 0)
    for text in ("", "   ", "x" * 1_000_000, "[" * 10_000, "١٢٣", "２４", "\x00\x01", "[0, 1, 2" + ", 3" * 400):
        v = TASK.verify(inst, text)
        assert not v.correct and v.reason


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text):
    inst = TASK.instance(1, 0)
    v = TASK.verify(inst, text)
    assert isinstance(v.correct, bool) and v.reason


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 20), max_size=20))
def test_arbitrary_lists_verdict_matches_the_rules(ids):
    inst = TASK.instance(1, 3)
    n, adj = _adj(inst)
    v = TASK.verify(inst, show(ids) if ids else "[]")
    body = ids[:-1] if len(ids) == n + 1 and ids[0] == ids[-1] else ids
    ok = (len(body) == n and sorted(body) == list(range(n))
          and all(adj[a] >> b & 1 for a, b in zip(body, body[1:] + body[:1])))
    assert v.correct == ok


# ------------------------------------------------------------------------------------------------ image
@pytest.mark.parametrize("level", [1, 2, 5])
def test_render(level):
    from mmhelix_env.render.graph import min_edge_vertex_clearance

    for seed in range(12):
        inst = TASK.instance(level, seed)
        img, drawn, legend = TASK.drawing(inst)
        assert img.size == (512, 512) and img.mode == "RGB" and legend is None
        n = inst.state["n"]
        step = drawn.positions[1][0] - drawn.positions[0][0]
        assert all(16 <= r <= 30 for r in drawn.radii)
        edges = [tuple(e) for e in inst.state["edges"]]
        for i, j in itertools.combinations(range(len(edges)), 2):
            if set(edges[i]) & set(edges[j]):
                assert drawn.edge_colors[i] != drawn.edge_colors[j]
        clear = min_edge_vertex_clearance(drawn.positions, edges)
        assert clear >= 0.27 * step - 1 > max(drawn.radii)  # no edge passes under a vertex it does not touch
        assert n == len(drawn.positions)
    assert TASK.render(TASK.instance(level, 0), size=300).size == (300, 300)


# ---------------------------------------------------------------------------------------------- prompts
def test_prompts():
    inst = TASK.instance(4, 3)
    text, image = TASK.prompt(inst, "text"), TASK.prompt(inst, "image")
    for p in (text, image):
        assert FORMAT_SENTENCE in p and CLARIFY in p and "Hamiltonian cycle" in p
        assert "\\boxed" not in p
    head, *lines = text.split("\n")
    assert "adjacency-list form" in head and len(lines) == 14
    n, adj = _adj(inst)
    for u, line in enumerate(lines):
        m = re.fullmatch(r"(\d+): \[(.*)\]", line)
        assert m and int(m.group(1)) == u
        nbrs = [int(x) for x in re.findall(r"\d+", m.group(2))]
        assert nbrs == sorted(nbrs) and adjacency_masks(n, [(u, x) for x in nbrs])[u] == adj[u]
    assert "image" not in text.lower() and "image" in image and "0: [" not in image
    allowed = set(map(chr, range(32, 127))) | set("\n×÷−–—→←↑↓·…’“”≤≥≠█")
    assert set(text) <= allowed and set(image) <= allowed
    with pytest.raises(ValueError):
        TASK.prompt(inst, "audio")


# ------------------------------------------------------------------------------------------------ trace
def test_trace_ends_in_expert_answer_and_is_bounded():
    for level in range(1, 6):
        for seed in range(15):
            inst = TASK.instance(level, seed)
            trace = TASK.trace(inst)
            answer = extract_answer(trace)
            assert answer == TASK.expert_answer(inst)
            assert TASK.verify(inst, answer).correct
            assert trace.rstrip().splitlines()[-1] == f"Answer: {answer}"
            assert len(trace.splitlines()) <= 140 and len(trace) <= 20_000


def test_trace_shows_forcing_dead_ends_and_summaries():
    big = max((TASK.instance(5, s) for s in range(60)), key=lambda i: TASK.stats(i)["search_nodes"])
    trace = TASK.trace(big)
    assert TASK.stats(big)["search_nodes"] > 100
    assert "forced move" in trace and "dead end, back up" in trace and "summarised:" in trace
    assert "Back at" in trace and "would keep only" in trace
    yes = _yes_instance(5)
    trace = TASK.trace(yes)
    assert "closes the cycle" in trace and "Written from vertex 0 and closed" in trace


def test_trace_of_a_certificate_no_instance():
    # level 1 admits a No settled by a cut vertex or by unequal bipartite sides
    for seed in range(300):
        inst = TASK.instance(1, seed)
        if TASK.stats(inst)["certificates"]:
            trace = TASK.trace(inst)
            assert "Answer: No" in trace and ("splits the graph" in trace or "bipartite" in trace)
            return
    raise AssertionError("no certificate instance at level 1")


# ---------------------------------------------------------------------------------------------- importer
def _fixture(level):
    return json.loads((FIXTURES / f"d{level}" / "hamiltonian_cycle" / "annotations.json").read_text())[0]


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_importer_on_reference_fixtures(level):
    rec = _fixture(level)
    inst = TASK.from_record(rec)
    assert inst.task == "HamiltonianCycle" and inst.level == level and inst.source == "reference"
    assert inst.state["n"] == SIZES[level] and inst.state["cols"] == grid_cols(SIZES[level])
    v = TASK.verify(inst, rec["answer"])
    assert v.correct
    assert inst._witness is not None and inst._witness["exists"] == (rec["answer"] != "No")
    n, adj = _adj(inst)
    assert TASK.solve(inst)["exists"] == dp_has_cycle(n, adj)
    ours = TASK.prompt(inst, "text").split("\n", 1)[1]
    assert ours.strip() == rec["question_language"].split("'No'.", 1)[1].strip()
    assert TASK.render(inst).size == (512, 512)
    assert TASK.verify(inst, TASK.expert_answer(inst)).correct


def test_importer_published_row_without_initial_state():
    rec = _fixture(3)
    row = {"id": 5, "category": "hamiltonian_cycle", "images": [], "question": rec["question"],
           "question_text": rec["question_language"].replace("\n", "\\n"), "answer": rec["answer"],
           "difficulty": "3", "metric_info": {"score_function": "hamiltonian_cycle_evaluator"}, "initial_state": ""}
    a, b = TASK.from_record(rec), TASK.from_record(row)
    assert a.fingerprint == b.fingerprint and b.level == 3
    row2 = dict(row, initial_state=json.dumps(rec["initial_state"]))
    assert TASK.from_record(row2).fingerprint == a.fingerprint


def test_importer_own_state_wrong_answer_and_missing_difficulty():
    inst = TASK.instance(2, 4)
    row = {"answer": "[0, 1]", "initial_state": json.dumps(dict(inst.state)), "difficulty": 2}
    imported = TASK.from_record(row)
    assert imported.fingerprint == inst.fingerprint and imported._witness is None
    rec = dict(_fixture(4))
    rec.pop("difficulty")
    assert TASK.from_record(rec).level == 4


def test_importer_rejects_broken_records():
    rec = _fixture(2)
    with pytest.raises(RecordError):
        TASK.from_record({**rec, "category": "hamiltonian_path"})
    bad = dict(rec["initial_state"])
    bad["0"] = [1, 3, 8]  # 8 does not list 0
    with pytest.raises(RecordError, match="not symmetric"):
        TASK.from_record({**rec, "initial_state": bad})
    with pytest.raises(RecordError, match="self-loop"):
        TASK.from_record({**rec, "initial_state": {**rec["initial_state"], "0": [0, 1, 3]}})
    with pytest.raises(RecordError):
        TASK.from_record({**rec, "initial_state": None, "question_language": "nothing", "question": "nothing"})
    with pytest.raises(RecordError):
        TASK.from_record([rec])  # type: ignore[arg-type]
