"""MaxFlow: the value of a maximum flow from node 0 to the last node of a layered DAG with capacities.

Generation (spec/tasks/MaxFlow.md): vertices numbered layer by layer with the level's layer sizes; between
consecutive layers (A, B) every vertex of B gets a parent from a shuffled A (round robin), every childless
vertex of A gets a uniformly chosen child, and every other pair is added with probability 0.3. Capacities are
i.i.d. U{1..10}. The exact value comes from Edmonds–Karp on integers; instances whose answer is readable
from one vertex (max flow = total out-capacity of the source or total in-capacity of the sink) are redrawn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...core import GenerationError, Instance, ParseError, RecordError, Verdict, level_number
from ...render import WHITE, new_canvas
from ...render.graph import EDGE_COLORS, draw_graph, layered_layout, longest_path_layers
from ._graph_common import (
    GraphTask,
    adjacency_lines,
    listed_vertices,
    neighbour_lists,
    number_verdict,
    source_target,
    weighted_entries,
)

# level -> vertices per layer (the reference's structure, kept)
LAYER_SIZES: dict[int, tuple[int, ...]] = {
    1: (1, 2, 1),
    2: (1, 2, 2, 1),
    3: (1, 2, 3, 2, 1),
    4: (1, 3, 3, 3, 1),
    5: (1, 3, 4, 4, 3, 1),
}
P_EXTRA = 0.3
CAP_MAX = 10
MAX_ATTEMPTS = 10_000
MAX_RECORD_NODES = 60
FORMAT_SENTENCE = "Answer with the maximum flow value (an integer)."
_FAILED = re.compile(r"verification\s*failed", re.I)


# --------------------------------------------------------------------------------------------- builder
def layer_ids(sizes: Sequence[int]) -> list[list[int]]:
    """Consecutive vertex ids layer by layer."""
    out, nxt = [], 0
    for m in sizes:
        out.append(list(range(nxt, nxt + m)))
        nxt += m
    return out


def build_graph(rng: np.random.Generator, sizes: Sequence[int]) -> list[tuple[int, int, int]]:
    """One random layered DAG with capacities: sorted ``(u, v, capacity)``."""
    layers = layer_ids(sizes)
    pairs: set[tuple[int, int]] = set()
    for a_layer, b_layer in zip(layers, layers[1:]):
        shuffled = [a_layer[i] for i in rng.permutation(len(a_layer)).tolist()]
        has_child: set[int] = set()
        for j, b in enumerate(b_layer):
            a = shuffled[j % len(shuffled)]
            pairs.add((a, b))
            has_child.add(a)
        for a in a_layer:
            if a not in has_child:
                pairs.add((a, b_layer[int(rng.integers(len(b_layer)))]))
        draws = rng.random((len(a_layer), len(b_layer)))
        for i, a in enumerate(a_layer):
            for j, b in enumerate(b_layer):
                if (a, b) not in pairs and draws[i, j] < P_EXTRA:
                    pairs.add((a, b))
    ordered = sorted(pairs)
    caps = rng.integers(1, CAP_MAX + 1, size=len(ordered)).tolist()
    return [(u, v, int(c)) for (u, v), c in zip(ordered, caps)]


# -------------------------------------------------------------------------------------- Edmonds–Karp
def edmonds_karp(n: int, edges: Sequence[Sequence[int]], s: int, t: int) -> dict[str, Any]:
    """Exact maximum flow by shortest augmenting paths (BFS, neighbours in ascending id order).

    Returns ``value``; ``paths``: per augmentation ``(steps, bottleneck)`` with ``steps`` a list of
    ``(u, v, forward, residual before)`` (``forward`` False = cancelling flow on the edge v→u);
    ``flow``: {(u, v): flow} on every edge; ``source_side``: the vertices the last BFS reached (the
    s side of a minimum cut); ``bfs_visits``: vertices dequeued over all searches."""
    res = [[0] * n for _ in range(n)]
    nbrs: list[set[int]] = [set() for _ in range(n)]
    for u, v, c in edges:
        res[u][v] += int(c)
        nbrs[u].add(v)
        nbrs[v].add(u)
    order = [sorted(x) for x in nbrs]
    forward_cap = {(int(u), int(v)): int(c) for u, v, c in edges}
    total = visits = 0
    paths: list[tuple[list[tuple[int, int, bool, int]], int]] = []
    while True:
        parent = [-1] * n
        parent[s] = s
        queue = [s]
        head = 0
        while head < len(queue):
            u = queue[head]
            head += 1
            visits += 1
            if u == t:
                break
            row = res[u]
            for v in order[u]:
                if parent[v] < 0 and row[v] > 0:
                    parent[v] = u
                    queue.append(v)
        if s == t or parent[t] < 0:
            break
        path = [t]
        while path[-1] != s:
            path.append(parent[path[-1]])
        path.reverse()
        hops = list(zip(path, path[1:]))
        bottleneck = min(res[u][v] for u, v in hops)
        steps = [(u, v, (u, v) in forward_cap, res[u][v]) for u, v in hops]
        for u, v in hops:
            res[u][v] -= bottleneck
            res[v][u] += bottleneck
        total += bottleneck
        paths.append((steps, bottleneck))
    flow = {(u, v): c - res[u][v] for (u, v), c in forward_cap.items()}
    source_side = tuple(v for v in range(n) if parent[v] >= 0)
    return {"value": total, "paths": paths, "flow": flow, "source_side": source_side, "bfs_visits": visits}


def min_cut_edges(edges: Sequence[Sequence[int]], source_side: Sequence[int]) -> list[tuple[int, int, int]]:
    side = set(source_side)
    return [(int(u), int(v), int(c)) for u, v, c in edges if u in side and v not in side]


# ---------------------------------------------------------------------------------------------- task
class MaxFlow(GraphTask):
    name = "MaxFlow"
    benchmark_id = "max_flow"
    generator_key = "max_flow"
    score_function = "simple_str_match"
    answer_format = "a single integer: the value of a maximum flow from the source to the sink, e.g. 13"
    max_answer_chars = 2_000

    # ----- generation ---------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        sizes = LAYER_SIZES[level_number(level)]
        layers = layer_ids(sizes)
        n = sum(sizes)
        s, t = 0, n - 1
        for _ in range(MAX_ATTEMPTS):
            edges = build_graph(rng, sizes)
            res = edmonds_karp(n, edges, s, t)
            out_s = sum(c for u, _, c in edges if u == s)
            in_t = sum(c for _, v, c in edges if v == t)
            if res["value"] not in (out_s, in_t):
                state = {"n": n, "source": s, "sink": t, "layers": layers, "edges": [list(e) for e in edges]}
                return state, _solution(res)
        raise GenerationError(f"MaxFlow level {level}: every one of {MAX_ATTEMPTS} draws had a trivial cut")

    # ----- solving ------------------------------------------------------------------------------
    @staticmethod
    def _graph(inst: Instance) -> tuple[int, list[tuple[int, int, int]], int, int]:
        st = inst.state
        return int(st["n"]), [tuple(e) for e in st["edges"]], int(st["source"]), int(st["sink"])

    def solve(self, inst: Instance) -> dict:
        n, edges, s, t = self._graph(inst)
        return _solution(edmonds_karp(n, edges, s, t))

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return str(int(solution["value"]))

    def stats(self, inst: Instance) -> dict:
        n, edges, s, t = self._graph(inst)
        res = edmonds_karp(n, edges, s, t)
        return {"nodes": n, "edges": len(edges), "augmenting_paths": len(res["paths"]),
                "path_edges": sum(len(steps) for steps, _ in res["paths"]), "bfs_visits": res["bfs_visits"],
                "cut_edges": len(min_cut_edges(edges, res["source_side"])), "max_flow": res["value"]}

    # ----- verification -------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        if _FAILED.search(answer):
            raise ParseError("the answer is marked '(VerificationFailed)' (the reference generator's self-check "
                             "failed): not a plain flow value")
        st = inst.state
        s, t = int(st["source"]), int(st["sink"])

        def why(value, best, shown) -> str:
            if value.denominator != 1:
                return "a maximum flow value with integer capacities is an integer"
            if value < 0:
                return "a flow value is never negative"
            if value > best:
                return (f"no flow from node {s} to node {t} is that large: some cut separating them has a smaller "
                        "total capacity")
            return f"a larger flow from node {s} to node {t} exists (an augmenting path is still open)"

        return number_verdict(answer, lambda: self.solution(inst)["value"], max_chars=self.max_answer_chars,
                              hint="answer with the single integer that is the maximum flow value",
                              what=f"the maximum flow from node {s} to node {t}", label="maximum flow", why=why)

    # ----- presentation -------------------------------------------------------------------------
    def drawing(self, inst: Instance, size: int = 512):
        """The image and the :class:`~mmhelix_env.render.graph.GraphDrawing` (label boxes, colours)."""
        _, edges, _, _ = self._graph(inst)
        layers = [list(layer) for layer in inst.state["layers"]]
        k = size / 512
        pos = layered_layout(layers, size, margin_x=24 * k, margin_y=34 * k, stagger=True)
        img, draw = new_canvas(size, WHITE)
        colors = [EDGE_COLORS[u % len(EDGE_COLORS)] for u, _, _ in edges]  # colour by source vertex
        drawn = draw_graph(draw, pos, [(u, v) for u, v, _ in edges], directed=True,
                           weights=[c for _, _, c in edges], edge_colors=colors,
                           node_radius=13 * k, node_font_size=max(8, round(13 * k)),
                           weight_font_size=max(8, round(11 * k)), edge_width=max(1, round(3 * k)),
                           arrow_length=10 * k, arrow_width=9 * k, label_pad=max(1, round(2 * k)))
        return img, drawn

    def _adjacency_text(self, inst: Instance) -> str:
        n, edges, _, _ = self._graph(inst)
        succ = neighbour_lists(n, edges, directed=True)
        return "\n".join(adjacency_lines(succ, lambda vc: f"({vc[0]},{vc[1]})"))

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        st = inst.state
        s, t = int(st["source"]), int(st["sink"])
        rules = (f"A flow sends an amount along each directed edge that is between 0 and the edge's capacity, and "
                 f"every node other than {s} and {t} sends out exactly as much as it receives; the value of the "
                 f"flow is the total amount leaving node {s}, which equals the total arriving at node {t}.")
        if modality == "image":
            return ("Below is a layered directed acyclic graph (DAG) with capacities on each edge. Compute the "
                    f"maximum flow from node {s} to node {t}. The circles are the nodes, labelled with their ids and "
                    "arranged in layers from left to right; each arrow is a directed edge, and the number in the box "
                    f"on it is its capacity. {rules} {FORMAT_SENTENCE}")
        if modality == "text":
            return ("Below is a layered directed acyclic graph (DAG) adjacency list (with capacities). Compute the "
                    f"maximum flow from node {s} to node {t}. Each line u: [(v,cap), ...] lists the directed edges "
                    f"u -> v with their capacities. {rules} {FORMAT_SENTENCE}\n\n{self._adjacency_text(inst)}")
        raise ValueError(f"modality must be 'image' or 'text', got {modality!r}")

    def trace(self, inst: Instance) -> str:
        n, edges, s, t = self._graph(inst)
        res = edmonds_karp(n, edges, s, t)
        value = res["value"]
        cap = {(u, v): c for u, v, c in edges}
        out_s = [(v, c) for u, v, c in edges if u == s]
        in_t = [(u, c) for u, v, c in edges if v == t]
        lines = [f"We need the value of a maximum flow from node {s} to node {t}.",
                 f"Upper bounds first: the edges out of node {s} have total capacity "
                 f"{_sum_text([c for _, c in out_s])}, and the edges into node {t} have total capacity "
                 f"{_sum_text([c for _, c in in_t])}. The answer can be smaller than both, so we compute it exactly.",
                 "Method (Edmonds-Karp): repeatedly find a shortest path from the source to the sink in the residual "
                 "graph (an edge u→v with capacity left, or a reverse step v→u that cancels flow already sent on "
                 "u→v), push its bottleneck amount along it, and stop when no such path exists."]
        flow = {e: 0 for e in cap}
        running = 0
        for k, (steps, b) in enumerate(res["paths"], 1):
            hops = []
            updates = []
            for u, v, forward, left in steps:
                if forward:
                    hops.append(f"{u}→{v} ({left} left)")
                    flow[(u, v)] += b
                    f = flow[(u, v)]
                    updates.append(f"{u}→{v} {f}/{cap[(u, v)]}" + (" (saturated)" if f == cap[(u, v)] else ""))
                else:
                    hops.append(f"{u}→{v} (reverse step: cancel up to {left} on {v}→{u})")
                    flow[(v, u)] -= b
                    updates.append(f"{v}→{u} {flow[(v, u)]}/{cap[(v, u)]} (reduced)")
            running += b
            nodes = [steps[0][0]] + [v for _, v, _, _ in steps]
            lines.append(f"Path {k}: " + " → ".join(map(str, nodes)) + ". Along it: " + ", ".join(hops)
                         + f". Bottleneck = {b}. Push {b}: " + ", ".join(updates) + f". Total flow = {running}.")
        side = list(res["source_side"])
        if not res["paths"]:
            lines.append(f"No path from node {s} reaches node {t} at all.")
        reached = "{" + ", ".join(map(str, side)) + "}"
        lines.append(f"No augmenting path is left: in the residual graph node {s} reaches only {reached}, "
                     f"and node {t} is not among them.")
        used = [f"{u}→{v} {f}/{cap[(u, v)]}" for (u, v), f in sorted(flow.items()) if f > 0]
        if used:
            lines.append("Final flow on the edges that carry flow: " + ", ".join(used) + ".")
        cut = min_cut_edges(edges, side)
        if cut:
            lines.append(f"Certificate (minimum cut): the edges leaving {reached} are "
                         + ", ".join(f"{u}→{v} (capacity {c})" for u, v, c in cut)
                         + f"; all of them are saturated and their capacities add up to "
                         f"{_sum_text([c for _, _, c in cut])}. Every flow from node {s} to node {t} must cross "
                         f"this cut, so no flow exceeds {value}, and the flow above reaches it.")
        else:
            lines.append(f"No edge leaves {reached}, so nothing can reach node {t}: the maximum flow is 0.")
        lines.append(f"So the maximum flow from node {s} to node {t} is {value}.")
        lines.append(f"Answer: {value}")
        return "\n".join(lines)

    # ----- reference records --------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        s, t, body = source_target(record, coerce_question=True)
        caps: dict[tuple[int, int], int] = {}
        for u, v, c in weighted_entries(body):
            if caps.setdefault((u, v), c) != c:
                raise RecordError(f"edge {u}->{v} has two capacities ({caps[(u, v)]} and {c})")
        if not caps:
            raise RecordError("no adjacency list 'u: [(v,cap), ...]' found in question_language/question_text")
        n = 1 + max(max(max(e) for e in caps), max(listed_vertices(body)), s, t)
        return make_state(n, [(u, v, c) for (u, v), c in sorted(caps.items())], s, t)

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        sizes = tuple(len(layer) for layer in state["layers"])
        exact = next((lv for lv, p in LAYER_SIZES.items() if p == sizes), None)
        return exact or next((lv for lv, p in LAYER_SIZES.items() if sum(p) == state["n"]), None)


def _solution(res: dict) -> dict:
    return {"value": int(res["value"]), "source_side": tuple(res["source_side"])}


def _sum_text(values: Sequence[int]) -> str:
    if len(values) <= 1:
        return str(sum(values))
    return " + ".join(map(str, values)) + f" = {sum(values)}"


def make_state(n: int, edges: Sequence[tuple[int, int, int]], s: int, t: int) -> dict:
    """A validated state from an edge list (layers = longest-path distance from the sources)."""
    if not 2 <= n <= MAX_RECORD_NODES:
        raise RecordError(f"unsupported node count {n} (2..{MAX_RECORD_NODES})")
    if not (0 <= s < n and 0 <= t < n) or s == t:
        raise RecordError(f"source {s} and sink {t} must be two different nodes")
    for u, v, c in edges:
        if not (0 <= u < n and 0 <= v < n) or u == v:
            raise RecordError(f"bad edge {u}->{v}")
        if not 1 <= c <= 10**6:
            raise RecordError(f"edge {u}->{v} has capacity {c} (expected a positive integer)")
    try:
        layers = longest_path_layers(n, [(u, v) for u, v, _ in edges])
    except ValueError:
        raise RecordError("the graph has a directed cycle; it is not a DAG") from None
    return {"n": n, "source": s, "sink": t, "layers": layers, "edges": [[u, v, c] for u, v, c in sorted(edges)]}


TASK = MaxFlow()
