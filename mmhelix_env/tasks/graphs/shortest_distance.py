"""ShortestDistance: the minimum total weight of a path between two vertices of a weighted king-grid graph.

Generation (spec/tasks/ShortestDistance.md): vertices on a grid with ``cols`` columns (row-major); all
orthogonal neighbour pairs; diagonals from a randomised DFS spanning tree over the 8 king moves plus two
random passes, never both diagonals of one unit cell; integer weights U{1..wmax}. s = 0, t = n − 1. The
instance is kept only if the exact distance reaches the drawn target and the fewest-vertex shortest path has
a vertex count in the level's range (hard constraints; the graph is redrawn otherwise).
"""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np

from ...core import GenerationError, Instance, RecordError, Verdict, level_number
from ...render import WHITE, new_canvas
from ...render.graph import draw_graph
from ._graph_common import (
    GraphTask,
    adjacency_lines,
    diagonal_allowed,
    diagonal_pass,
    grid_cols,
    grid_layout,
    grid_tables,
    initial_state,
    listed_vertices,
    mark_diagonal,
    neighbour_lists,
    node_radius,
    norm,
    number_verdict,
    random_spanning_tree,
    source_target,
    weighted_entries,
)

# level -> (rows, cols, wmax, p_diag, p_adj2, target list, (min, max) vertices on the shortest path)
LEVEL_PARAMS: dict[int, tuple[int, int, int, float, float, tuple[int, ...], tuple[int, int]]] = {
    1: (2, 3, 5, 0.2, 0.06, (3, 7, 4, 5, 6, 8, 4, 5, 6, 9), (2, 5)),
    2: (3, 3, 5, 0.2, 0.06, (3, 7, 4, 5, 6, 8, 4, 5, 6, 9), (3, 6)),
    3: (3, 4, 8, 0.15, 0.045, (8, 12, 10, 9, 11, 15, 8, 9, 10, 13), (4, 7)),
    4: (4, 4, 10, 0.15, 0.045, (12, 15, 13, 14, 16, 18, 15, 17, 19, 16, 18, 20), (5, 10)),
    5: (5, 5, 10, 0.1, 0.03, (15, 20, 18, 16, 19, 25, 15, 22, 20, 17), (6, 15)),
}
MAX_ATTEMPTS = 10_000
FORMAT_SENTENCE = "Answer with a number (can be integer or decimal). The answer is an integer."
MIN_COLS = 3  # a reference graph is drawn on at least 3 columns


# --------------------------------------------------------------------------------------------- builder
def build_graph(rng: np.random.Generator, rows: int, cols: int, wmax: int, p_diag: float,
                p_adj2: float) -> list[tuple[int, int, int]]:
    """One random king-grid graph: sorted ``(u, v, w)`` with u < v."""
    tab = grid_tables(rows * cols, cols)
    diag = [-1] * len(tab.cell_pairs)  # per unit cell: -1 none, 0 '\', 1 '/'
    # 1. randomised DFS spanning tree over the king moves (it contributes the diagonals it uses)
    random_spanning_tree(rng, tab, lambda u, v: diagonal_allowed(tab, diag, norm(u, v)),
                         lambda u, v: mark_diagonal(tab, diag, norm(u, v)))
    # 2./3. each diagonal with p_diag, then each still-missing one with p_adj2; one diagonal per cell
    for p in (p_diag, p_adj2):
        diagonal_pass(rng, tab, diag, p)
    pairs = sorted([*tab.orth, *(tab.cell_pairs[cell][d] for cell, d in enumerate(diag) if d >= 0)])
    weights = rng.integers(1, wmax + 1, size=len(pairs)).tolist()
    return [(u, v, int(w)) for (u, v), w in zip(pairs, weights)]


# ------------------------------------------------------------------------------------------- Dijkstra
def dijkstra(n: int, edges, source: int, target: int, log: list | None = None) -> dict[str, Any]:
    """Exact Dijkstra with a hop-count tie-break (key = (distance, edges used, vertex)); stops when the
    target is settled. ``log`` (optional) receives one entry per settled vertex: ``(vertex, distance,
    [(neighbour, candidate distance, previous tentative distance or None, improved?), ...])`` in adjacency
    order (settled neighbours left out).
    Returns distance (None if unreachable), path, pops, relaxations (improvements)."""
    adj = neighbour_lists(n, edges)
    best: list[tuple[int, int] | None] = [None] * n
    pred = [-1] * n
    best[source] = (0, 0)
    heap = [(0, 0, source)]
    done = [False] * n
    pops = relaxations = 0
    while heap:
        d, h, u = heapq.heappop(heap)
        if done[u]:
            continue
        done[u] = True
        pops += 1
        relaxed = []
        if u != target:
            for v, w in adj[u]:
                if done[v]:
                    continue
                key = (d + w, h + 1)
                old = best[v]
                if old is None or key < old:
                    best[v] = key
                    pred[v] = u
                    heapq.heappush(heap, (d + w, h + 1, v))
                    relaxations += 1
                    relaxed.append((v, d + w, None if old is None else old[0], True))
                else:
                    relaxed.append((v, d + w, old[0], False))
        if log is not None:
            log.append((u, d, relaxed))
        if u == target:
            break
    if best[target] is None or not done[target]:
        return {"distance": None, "path": [], "pops": pops, "relaxations": relaxations}
    path = [target]
    while path[-1] != source:
        path.append(pred[path[-1]])
    path.reverse()
    return {"distance": best[target][0], "path": path, "pops": pops, "relaxations": relaxations}


# ---------------------------------------------------------------------------------------------- task
class ShortestDistance(GraphTask):
    name = "ShortestDistance"
    benchmark_id = "shortest_distance_weighted"
    generator_key = "shortest_path"
    score_function = "simple_str_match"
    answer_format = "a single number: the minimum total edge weight of a path from s to t, e.g. 14"
    max_answer_chars = 2_000

    # ----- generation ---------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        rows, cols, wmax, p_diag, p_adj2, targets, (lo, hi) = LEVEL_PARAMS[level_number(level)]
        pool = sorted(targets)
        target_min = int(pool[int(rng.integers(len(pool)))])
        n = rows * cols
        s, t = 0, n - 1
        for _ in range(MAX_ATTEMPTS):
            edges = build_graph(rng, rows, cols, wmax, p_diag, p_adj2)
            res = dijkstra(n, edges, s, t)
            if res["distance"] is not None and res["distance"] >= target_min and lo <= len(res["path"]) <= hi:
                state = {"n": n, "cols": cols, "source": s, "target": t, "edges": [list(e) for e in edges]}
                return state, {"distance": res["distance"], "path": tuple(res["path"])}
        raise GenerationError(f"ShortestDistance level {level}: no graph met distance >= {target_min} "
                              f"and {lo}..{hi} path vertices in {MAX_ATTEMPTS} draws")

    # ----- solving ------------------------------------------------------------------------------
    @staticmethod
    def _graph(inst: Instance) -> tuple[int, list[tuple[int, int, int]], int, int]:
        st = inst.state
        return int(st["n"]), [tuple(e) for e in st["edges"]], int(st["source"]), int(st["target"])

    def solve(self, inst: Instance) -> dict:
        n, edges, s, t = self._graph(inst)
        res = dijkstra(n, edges, s, t)
        if res["distance"] is None:
            raise ValueError(f"node {t} is unreachable from node {s}")
        return {"distance": res["distance"], "path": tuple(res["path"])}

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return str(int(solution["distance"]))

    def stats(self, inst: Instance) -> dict:
        n, edges, s, t = self._graph(inst)
        res = dijkstra(n, edges, s, t)
        return {"nodes": n, "edges": len(edges), "dijkstra_pops": res["pops"],
                "relaxations": res["relaxations"], "distance": res["distance"],
                "path_vertices": len(res["path"])}

    # ----- verification -------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        st = inst.state
        s, t = int(st["source"]), int(st["target"])

        def why(value, best, shown) -> str:
            if value < best:
                return f"no path from node {s} to node {t} has total weight {shown} or less"
            return f"a path from node {s} to node {t} with total weight less than {shown} exists"

        return number_verdict(answer, lambda: self.solution(inst)["distance"], max_chars=self.max_answer_chars,
                              hint="answer with the single number that is the shortest distance",
                              what=f"the shortest distance from node {s} to node {t}", label="distance", why=why)

    # ----- presentation -------------------------------------------------------------------------
    def drawing(self, inst: Instance, size: int = 512):
        """The image and the :class:`~mmhelix_env.render.graph.GraphDrawing` (label boxes, colours)."""
        n, edges, _, _ = self._graph(inst)
        cols = int(inst.state.get("cols") or grid_cols(n, MIN_COLS))
        k = size / 512
        pos, step = grid_layout(n, cols, size, 40)
        radius = node_radius(step, 0.18, size)
        img, draw = new_canvas(size, WHITE)
        drawn = draw_graph(draw, pos, [(u, v) for u, v, _ in edges], weights=[w for _, _, w in edges],
                           node_radius=radius, node_font_size=max(8, round(max(14 * k, 0.9 * radius))),
                           weight_font_size=max(8, round(min(max(0.14 * step, 13 * k), 18 * k))),
                           edge_width=max(1, round(3 * k)))
        return img, drawn

    def _adjacency_text(self, inst: Instance) -> str:
        n, edges, _, _ = self._graph(inst)
        return "\n".join(adjacency_lines(neighbour_lists(n, edges), lambda vw: f"({vw[0]}, {vw[1]})"))

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        st = inst.state
        s, t = int(st["source"]), int(st["target"])
        rules = ("The graph is undirected, so every edge can be used in both directions; the length of a path "
                 "is the sum of the weights of its edges, and the shortest distance is the smallest length of "
                 f"any path from node {s} to node {t}.")
        if modality == "image":
            return (f"Given a weighted undirected graph shown in the image, what is the shortest distance from "
                    f"node {s} to node {t}? Each circle is a node labelled with its number; each line is an edge, "
                    f"and the number in the box on it is its weight. {rules} {FORMAT_SENTENCE}")
        if modality == "text":
            return ("Given a weighted undirected graph with adjacency list below (format: node: [(neighbor, "
                    f"weight), ...]), what is the shortest distance from node {s} to node {t}? {rules} "
                    f"{FORMAT_SENTENCE}\n{self._adjacency_text(inst)}")
        raise ValueError(f"modality must be 'image' or 'text', got {modality!r}")

    def trace(self, inst: Instance) -> str:
        n, edges, s, t = self._graph(inst)
        log: list = []
        res = dijkstra(n, edges, s, t, log)
        d = res["distance"]
        lines = [f"We need the minimum total weight of a path from node {s} to node {t}. All weights are "
                 "positive, so Dijkstra's algorithm is exact: repeatedly settle the unsettled node with the "
                 "smallest tentative distance and relax its edges.",
                 f"Start: dist({s}) = 0; every other node is at infinity."]
        tentative: dict[int, int] = {s: 0}
        settled: set[int] = set()
        for step, (u, du, relaxed) in enumerate(log, 1):
            settled.add(u)
            tentative.pop(u, None)
            if u == t:
                lines.append(f"Step {step}: settle node {u} with distance {du}. It is the target, so its "
                             "distance is final.")
                break
            parts = []
            for v, nd, old, improved in relaxed:
                if not improved:
                    parts.append(f"{v}: {du}+{nd - du} = {nd} (not better than {old})")
                    continue
                if old is None:
                    parts.append(f"{v}: {du}+{nd - du} = {nd} (was infinity, update)")
                elif nd == old:
                    parts.append(f"{v}: {du}+{nd - du} = {nd} (ties {old} with fewer edges, update)")
                else:
                    parts.append(f"{v}: {du}+{nd - du} = {nd} (was {old}, update)")
                tentative[v] = nd
            relax = "; ".join(parts) if parts else "no unsettled neighbours"
            frontier = ", ".join(f"{v}={dv}" for v, dv in sorted(tentative.items(), key=lambda kv: (kv[1], kv[0])))
            lines.append(f"Step {step}: settle node {u} with distance {du}. Relax: {relax}. "
                         f"Tentative: {frontier or 'none'}.")
        path = res["path"]
        weight = {norm(a, b): w for a, b, w in edges}
        ws = [weight[norm(a, b)] for a, b in zip(path, path[1:])]
        lines.append(f"Shortest path (following predecessors back from node {t}): " + " -> ".join(map(str, path)))
        lines.append("Its weight: " + " + ".join(map(str, ws)) + f" = {sum(ws)}.")
        lines.append(f"So the shortest distance from node {s} to node {t} is {d}.")
        lines.append(f"Answer: {d}")
        return "\n".join(lines)

    # ----- reference records --------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        state = self._state_from_initial(initial_state(record))
        if state is None:
            state = self._state_from_text(record)
        res = dijkstra(state["n"], [tuple(e) for e in state["edges"]], state["source"], state["target"])
        if res["distance"] is None:
            raise RecordError(f"node {state['target']} is unreachable from node {state['source']}")
        return state

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        return next((lv for lv, p in LEVEL_PARAMS.items() if p[0] * p[1] == state["n"]), None)

    @staticmethod
    def _state_from_initial(data: Any) -> dict | None:
        if not isinstance(data, dict) or "edges" not in data:
            return None
        try:
            edges = [(int(u), int(v), int(w)) for u, v, w in data["edges"]]
            n = int(data.get("n", 1 + max(max(u, v) for u, v, _ in edges)))
            s, t = int(data.get("source", 0)), int(data.get("target", n - 1))
        except (TypeError, ValueError) as err:
            raise RecordError(f"initial_state is malformed: {err}") from None
        return _make_state(n, edges, s, t, data.get("cols"))

    @staticmethod
    def _state_from_text(record: dict) -> dict:
        s, t, body = source_target(record)
        weights: dict[tuple[int, int], int] = {}
        for u, v, w in weighted_entries(body):
            if u == v:
                raise RecordError(f"self-loop at node {u}")
            key = norm(u, v)
            if weights.setdefault(key, w) != w:
                raise RecordError(f"edge {key[0]}-{key[1]} has two weights ({weights[key]} and {w})")
        if not weights:
            raise RecordError("no adjacency list 'u: [(v, w), ...]' found in question_language/question_text")
        n = 1 + max(max(max(k) for k in weights), max(listed_vertices(body)), s, t)
        return _make_state(n, [(u, v, w) for (u, v), w in sorted(weights.items())], s, t, None)


def _make_state(n: int, edges: list[tuple[int, int, int]], s: int, t: int, cols: Any) -> dict:
    if not 2 <= n <= 400:
        raise RecordError(f"unsupported node count {n}")
    for u, v, w in edges:
        if not (0 <= u < n and 0 <= v < n) or u == v:
            raise RecordError(f"bad edge {u}-{v}")
        if w <= 0:
            raise RecordError(f"edge {u}-{v} has non-positive weight {w}")
    if not (0 <= s < n and 0 <= t < n):
        raise RecordError(f"source {s} or target {t} is not a node")
    uniq = sorted({norm(u, v): w for u, v, w in edges}.items())
    cols = int(cols) if isinstance(cols, int) and cols > 0 else grid_cols(n, MIN_COLS)
    return {"n": n, "cols": cols, "source": s, "target": t, "edges": [[u, v, w] for (u, v), w in uniq]}


TASK = ShortestDistance()
