"""HamiltonianPath: is there a path from a given start vertex that visits every vertex exactly once?

Generation (spec/tasks/HamiltonianPath.md): n = 5, 6, 8, 12, 16 vertices on a 3- or 4-column grid; the builder
of :mod:`._hamiltonian` (random-root DFS spanning tree, p_orth 0.2, p_diag 0.14, p_adj2 0.06, p_far 0.4, degree
cap 3, one diagonal per unit cell) and a uniform start vertex s. The label is drawn first (No with probability
1/3) and graph and s are redrawn until the exact decision matches it; from level 2 on a No-instance has no
trivial certificate (two leaves besides s, s a cut vertex, a vertex whose removal leaves two parts without s).
The answer is a concrete path from s or "No"; the verifier insists on the start (the official scorer does not).
"""

from __future__ import annotations

import re
from typing import Any

from ...core import Instance, RecordError, Verdict, record_field
from ._graph_common import format_vertex_list
from ._hamiltonian import (
    BuilderParams,
    Certificate,
    Decision,
    HamiltonianTask,
    TraceWriter,
    check_path,
    decide_path,
    parse_answer,
)

FORMAT_SENTENCE = "If it exists, output the path as a list (e.g., [0,1,2,3]). If not, output 'No'."
_START_TEXT = re.compile(r"starting (?:from|at) vertex (\d+)", re.ASCII | re.I)
_START_INDEX = re.compile(r"start(\d+)\s*$", re.ASCII)


def _rules(s: int) -> str:
    return (f"A Hamiltonian path starting from vertex {s} begins at vertex {s}, moves only along edges and visits "
            "every vertex of the graph exactly once (it may end anywhere); the list must begin with "
            f"{s}.")


class HamiltonianPath(HamiltonianTask):
    name = "HamiltonianPath"
    benchmark_id = "hamiltonian_path"
    generator_key = "hamiltonian_path"
    score_function = "hamiltonian_path_evaluator"
    answer_format = "the path as a list of vertex ids beginning with the start vertex, e.g. [3, 0, 1, 4, 2], or No"
    LEVEL_N = {1: 5, 2: 6, 3: 8, 4: 12, 5: 16}
    PARAMS = BuilderParams(p_orth=0.2, p_diag=0.14, p_adj2=0.06, p_far=0.4, cap=3)
    has_start = True

    def decide(self, n: int, adj: list[int], start: int | None, log: bool = False) -> Decision:
        return decide_path(adj, n, int(start), log)

    def trivial_ok(self, level: int, certs: tuple[Certificate, ...]) -> bool:
        return level == 1  # level 1 allows No-instances settled by leaf counting or a cut vertex

    # ----- answers ------------------------------------------------------------------------------
    def format_answer(self, inst: Instance, solution: Any) -> str:
        return format_vertex_list(solution["order"]) if solution["exists"] else "No"

    def check(self, inst: Instance, answer: str) -> Verdict:
        parsed = parse_answer(answer, self.max_answer_chars)
        n, adj = self.graph(inst)
        return check_path(n, adj, int(inst.state["start"]), parsed, lambda: self.exists(inst))

    # ----- prompts ------------------------------------------------------------------------------
    def prompt(self, inst: Instance, modality: str = "image") -> str:
        s = int(inst.state["start"])
        if modality == "image":
            return (f"Given an undirected graph shown in the image, determine whether a Hamiltonian path starting "
                    f"from vertex {s} (marked in red) exists. Each circle is a vertex labelled with its id; each "
                    "straight line is an edge (the colours only help to tell crossing lines apart). "
                    f"{_rules(s)} {FORMAT_SENTENCE}")
        if modality == "text":
            return (f"Given an undirected graph with adjacency list below, determine whether a Hamiltonian path "
                    f"starting from vertex {s} exists. {_rules(s)} {FORMAT_SENTENCE}\n{self.adjacency_text(inst)}")
        raise ValueError(f"modality must be 'image' or 'text', got {modality!r}")

    # ----- trace --------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        n, adj = self.graph(inst)
        s = int(inst.state["start"])
        dec = decide_path(adj, n, s, log=True)
        verdict = f"there is no Hamiltonian path starting from vertex {s}"
        lines = self.trace_opening(adj, dec, f"a path that starts at vertex {s} and visits all {n} vertices exactly "
                                   "once", "no such path exists", verdict)
        if dec.certificates:
            return "\n".join(lines)
        leaves = [v for v in range(n) if v != s and adj[v].bit_count() == 1]
        if leaves:
            lines.append(f"- vertex {leaves[0]} is the only vertex besides {s} with a single neighbour, so it must be "
                         "the last vertex of the path (allowed: a path has one free end);")
        else:
            lines.append(f"- no vertex besides {s} has a single neighbour;")
        lines.append(f"- removing {s} leaves the other vertices connected;")
        lines.append("- no other vertex splits off two parts that do not contain the start.")
        lines.append("No shortcut applies, so search depth-first from the start, extending the path a vertex at a "
                     "time. A move is ruled out when it would leave an unvisited vertex with no usable neighbour, "
                     "two unvisited vertices with a single usable neighbour each (only one can be the last vertex), "
                     "or unvisited vertices cut off from the path end. Among the remaining moves, the vertex with the "
                     "fewest onward neighbours goes first.")
        writer = TraceWriter(s)
        writer.render(dec.search.root)
        lines += writer.lines
        res = dec.search
        if dec.exists:
            lines.append(f"All {n} vertices are visited: {'-'.join(map(str, dec.order))}.")
            answer = format_vertex_list(dec.order)
        else:
            lines.append(self.search_failed(s, res, verdict))
            answer = "No"
        lines.append(f"Answer: {answer}")
        return "\n".join(lines)

    # ----- reference records --------------------------------------------------------------------
    def record_start(self, record: dict, ours: dict | None) -> int:
        if ours is not None and ours.get("start") is not None:
            try:
                return int(ours["start"])
            except (TypeError, ValueError):
                raise RecordError(f"bad start vertex {ours['start']!r}") from None
        for key in ("question", "question_language", "question_text"):
            value = record.get(key)
            text = record_field(value) if isinstance(value, str) else None
            if isinstance(text, str):
                m = _START_TEXT.search(text)
                if m:
                    return int(m.group(1))
        for key in ("index", "id"):
            value = record.get(key)
            if isinstance(value, str):
                m = _START_INDEX.search(value)
                if m:
                    return int(m.group(1))
        raise RecordError("no start vertex: neither 'starting from vertex s' in the question nor 'start<s>' "
                          "in the index")


TASK = HamiltonianPath()
