"""HamiltonianCycle: does an undirected grid king-graph have a cycle through every vertex exactly once?

Generation (spec/tasks/HamiltonianCycle.md): n = 6, 9, 12, 14, 16 vertices on a 3- or 4-column grid; the
builder of :mod:`._hamiltonian` (random-root DFS spanning tree, p_orth 0.2, p_diag 0.14, p_adj2 0.06, p_far
0.2, no degree cap, one diagonal per unit cell). The label is drawn first (No with probability 1/3) and graphs
are redrawn until the exact decision matches it; a No-instance never has a vertex of degree <= 1, and from
level 2 on it is 2-connected and not bipartite with unequal sides. The decision is exact (certificates, then a
pruned depth-first search); the answer is a concrete cycle or "No".
"""

from __future__ import annotations

from typing import Any

from ...core import Instance, Verdict
from ._graph_common import bits, format_vertex_list
from ._hamiltonian import (
    BuilderParams,
    Certificate,
    Decision,
    HamiltonianTask,
    TraceWriter,
    bipartition,
    check_cycle,
    decide_cycle,
    parse_answer,
    reason_text,
)

FORMAT_SENTENCE = "If it exists, output the cycle as a list (e.g., [0,1,2,3]). If not, output 'No'."
CLARIFY = "Repeating the first vertex at the end of the list is optional."
RULES = ("A Hamiltonian cycle visits every vertex exactly once, moving only along edges, and finally returns "
         "along an edge to the vertex it started from; it may start at any vertex and go in either direction.")


class HamiltonianCycle(HamiltonianTask):
    name = "HamiltonianCycle"
    benchmark_id = "hamiltonian_cycle"
    generator_key = "hamiltonian_cycle"
    score_function = "hamiltonian_cycle_evaluator"
    answer_format = "the cycle as a list of vertex ids, e.g. [0, 1, 4, 3, 0] (closing repeat optional), or No"
    LEVEL_N = {1: 6, 2: 9, 3: 12, 4: 14, 5: 16}
    PARAMS = BuilderParams(p_orth=0.2, p_diag=0.14, p_adj2=0.06, p_far=0.2, cap=None)

    def decide(self, n: int, adj: list[int], start: int | None, log: bool = False) -> Decision:
        return decide_cycle(adj, n, log)

    def trivial_ok(self, level: int, certs: tuple[Certificate, ...]) -> bool:
        # level 1 forbids only a vertex of degree <= 1; from level 2 on no certificate at all
        return level == 1 and all(c.kind in ("cut", "bipartite") for c in certs)

    # ----- answers ------------------------------------------------------------------------------
    def format_answer(self, inst: Instance, solution: Any) -> str:
        if not solution["exists"]:
            return "No"
        order = list(solution["order"])
        k = order.index(0)
        rot = order[k:] + order[:k]
        return format_vertex_list(rot + [rot[0]])

    def check(self, inst: Instance, answer: str) -> Verdict:
        parsed = parse_answer(answer, self.max_answer_chars)
        n, adj = self.graph(inst)
        return check_cycle(n, adj, parsed, lambda: self.exists(inst))

    # ----- prompts ------------------------------------------------------------------------------
    def prompt(self, inst: Instance, modality: str = "image") -> str:
        if modality == "image":
            return ("Given the undirected, connected graph shown in the image, determine if there is a Hamiltonian "
                    "cycle. Each circle is a vertex labelled with its id; each straight line is an edge (the "
                    f"colours only help to tell crossing lines apart). {RULES} {FORMAT_SENTENCE} {CLARIFY}")
        if modality == "text":
            return ("Given the undirected, connected graph below in adjacency-list form, determine if there is a "
                    f"Hamiltonian cycle. {RULES} {FORMAT_SENTENCE} {CLARIFY}\n{self.adjacency_text(inst)}")
        raise ValueError(f"modality must be 'image' or 'text', got {modality!r}")

    # ----- trace --------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        n, adj = self.graph(inst)
        dec = decide_cycle(adj, n, log=True)
        verdict = "the graph has no Hamiltonian cycle"
        lines = self.trace_opening(adj, dec, f"a cycle that visits all {n} vertices exactly once and returns to its "
                                   "start", "no cycle exists", verdict)
        if dec.certificates:
            return "\n".join(lines)
        lines.append("- every vertex has at least 2 neighbours, so each can have its two cycle edges;")
        lines.append("- removing any single vertex leaves the rest connected (no cut vertex);")
        sides = bipartition(adj, n)
        if sides is None:
            lines.append("- the graph has an odd cycle, so it is not bipartite and colour counting gives nothing.")
        else:
            lines.append(f"- the graph is bipartite with equal sides ({len(sides[0])} and {len(sides[1])}), which "
                         "does not rule a cycle out.")
        two = [v for v in range(n) if adj[v].bit_count() == 2]
        if two:
            forced = ", ".join(f"{v} (edges {v}-{bits(adj[v])[0]} and {v}-{bits(adj[v])[1]})" for v in two[:10])
            more = f" and {len(two) - 10} more" if len(two) > 10 else ""
            lines.append(f"Vertices with exactly two neighbours must use both of their edges: {forced}{more}.")
        res = dec.search
        root = res.root
        r = root.path[0]
        nbrs = bits(adj[r])
        lines.append("No shortcut applies, so search depth-first, extending one path a vertex at a time. A move is "
                     "ruled out when it would leave an unvisited vertex with fewer than 2 usable neighbours (its two "
                     "cycle edges must go to unvisited vertices, the path end or the start), when it would cut "
                     "unvisited vertices off from the path end, or when no neighbour of the start would be left to "
                     "return through. Among the remaining moves, the vertex with the fewest onward neighbours goes "
                     "first.")
        lines.append(f"Start at vertex {r}, which has the fewest neighbours ({', '.join(map(str, nbrs))}). A cycle "
                     f"can be walked in either direction, so we leave {r} towards a smaller neighbour than the one "
                     "we come back from.")
        writer = TraceWriter(r)
        parts = []
        for a, why in root.options:
            if why is None:
                back = [b for b in nbrs if b > a]
                parts.append(f"{r}-{a} (return through {', '.join(map(str, back))}) possible")
            elif why[0] == "largest":
                parts.append(f"{a} is the largest neighbour, kept for the way back")
            else:
                parts.append(f"{r}-{a} ruled out ({reason_text(why, r)})")
        lines.append(f"First move from {r}: " + "; ".join(parts) + ".")
        for i, child in enumerate(root.children):
            if i:
                lines.append(f"Back at {r}: leave towards the next neighbour {child.path[-1]}.")
            if child.success or writer.used + 2 * child.size <= writer.budget or writer.used < writer.budget // 2:
                writer.lines = []
                writer.render(child)
                lines += writer.lines
            else:
                lines.append(writer.summary(child))
                writer.used += 1
        if dec.exists:
            order = list(dec.order)
            lines.append(f"All {n} vertices are on the path {'-'.join(map(str, order))}, and the edge "
                         f"{order[-1]}-{order[0]} closes the cycle.")
            answer = self.format_answer(inst, {"exists": True, "order": dec.order})
            lines.append(f"Written from vertex 0 and closed: {answer}.")
        else:
            lines.append(self.search_failed(r, res, verdict))
            answer = "No"
        lines.append(f"Answer: {answer}")
        return "\n".join(lines)


TASK = HamiltonianCycle()
