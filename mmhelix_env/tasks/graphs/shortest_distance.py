"""ShortestDistance: the minimum total weight of a path between two vertices of a weighted king-grid graph.

Generation (spec/tasks/ShortestDistance.md): vertices on a grid with ``cols`` columns (row-major); all
orthogonal neighbour pairs; diagonals from a randomised DFS spanning tree over the 8 king moves plus two
random passes, never both diagonals of one unit cell; integer weights U{1..wmax}. s = 0, t = n − 1. The
instance is kept only if the exact distance reaches the drawn target and the fewest-vertex shortest path has
a vertex count in the level's range (hard constraints; the graph is redrawn otherwise).
"""

from __future__ import annotations

import heapq
import math
import re
from fractions import Fraction
from typing import Any

import numpy as np

from ...core import (
    GenerationError,
    Instance,
    ParseError,
    RecordError,
    Task,
    Verdict,
    level_number,
    parse_number,
    record_field,
)
from ...render import WHITE, new_canvas
from ...render.graph import draw_graph, grid_positions, grid_spacing

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
_FROM_TO = re.compile(r"from node (\d+) to node (\d+)", re.ASCII)
_ENTRY = re.compile(r"(\d+)\s*:\s*\[([^\[\]]*)\]", re.ASCII)
_PAIR = re.compile(r"\(\s*(\d+)\s*,\s*(\d+)\s*\)", re.ASCII)


def grid_cols(n: int) -> int:
    """Columns of the grid a reference graph of n vertices was drawn on."""
    if n <= 9:
        return 3
    if n <= 16:
        return 4
    if n <= 25:
        return 5
    return math.isqrt(n - 1) + 1


# --------------------------------------------------------------------------------------------- builder
_KING = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


def _king_neighbours(rows: int, cols: int, n: int) -> list[list[int]]:
    out = []
    for v in range(n):
        r, c = divmod(v, cols)
        out.append(sorted((r + dr) * cols + c + dc for dr, dc in _KING
                          if 0 <= r + dr < rows and 0 <= c + dc < cols and (r + dr) * cols + c + dc < n))
    return out


def _diagonal_cell(u: int, v: int, cols: int) -> tuple[int, int] | None:
    """(cell index, 0 for '\\' or 1 for '/') of a diagonal pair, None for an orthogonal pair."""
    (ru, cu), (rv, cv) = divmod(u, cols), divmod(v, cols)
    if ru == rv or cu == cv:
        return None
    top, left = min(ru, rv), min(cu, cv)
    slash = (ru < rv) != (cu < cv)
    return top * (cols - 1) + left, 1 if slash else 0


def build_graph(rng: np.random.Generator, rows: int, cols: int, wmax: int, p_diag: float,
                p_adj2: float) -> list[tuple[int, int, int]]:
    """One random king-grid graph: sorted ``(u, v, w)`` with u < v."""
    n = rows * cols
    nbrs = _king_neighbours(rows, cols, n)
    ncell = (rows - 1) * (cols - 1)
    diag = [-1] * ncell  # per unit cell: -1 none, 0 '\', 1 '/'
    # 1. randomised DFS spanning tree over the king moves (it contributes the diagonals it uses)
    visited = [False] * n
    root = int(rng.integers(n))
    visited[root] = True
    stack = [(root, iter(rng.permutation(len(nbrs[root])).tolist()))]
    while stack:
        u, order = stack[-1]
        for k in order:
            v = nbrs[u][k]
            if visited[v]:
                continue
            cell = _diagonal_cell(u, v, cols)
            if cell is not None:
                if diag[cell[0]] not in (-1, cell[1]):
                    continue  # the crossing diagonal is already there
                diag[cell[0]] = cell[1]
            visited[v] = True
            stack.append((v, iter(rng.permutation(len(nbrs[v])).tolist())))
            break
        else:
            stack.pop()
    # 2./3. each diagonal with p_diag, then each still-missing one with p_adj2; one diagonal per cell
    for p in (p_diag, p_adj2):
        draws = rng.random((ncell, 3))
        for cell in range(ncell):
            if diag[cell] != -1:
                continue
            hit = [d for d in (0, 1) if draws[cell, d] < p]
            if len(hit) == 2:
                hit = [0 if draws[cell, 2] < 0.5 else 1]
            if hit:
                diag[cell] = hit[0]
    pairs = []
    for v in range(n):
        r, c = divmod(v, cols)
        if c + 1 < cols:
            pairs.append((v, v + 1))
        if r + 1 < rows:
            pairs.append((v, v + cols))
    for cell, d in enumerate(diag):
        if d < 0:
            continue
        r, c = divmod(cell, cols - 1)
        tl = r * cols + c
        pairs.append((tl, tl + cols + 1) if d == 0 else (tl + 1, tl + cols))
    pairs.sort()
    weights = rng.integers(1, wmax + 1, size=len(pairs)).tolist()
    return [(u, v, int(w)) for (u, v), w in zip(pairs, weights)]


# ------------------------------------------------------------------------------------------- Dijkstra
def adjacency(n: int, edges) -> list[list[tuple[int, int]]]:
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for u, v, w in edges:
        adj[u].append((v, w))
        adj[v].append((u, w))
    for row in adj:
        row.sort()
    return adj


def dijkstra(n: int, edges, source: int, target: int, log: list | None = None) -> dict[str, Any]:
    """Exact Dijkstra with a hop-count tie-break (key = (distance, edges used, vertex)); stops when the
    target is settled. ``log`` (optional) receives one entry per settled vertex: ``(vertex, distance,
    [(neighbour, candidate distance, previous tentative distance or None, improved?), ...])`` in adjacency
    order (settled neighbours left out).
    Returns distance (None if unreachable), path, pops, relaxations (improvements)."""
    adj = adjacency(n, edges)
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
class ShortestDistance(Task):
    name = "ShortestDistance"
    category = "graphs"
    benchmark_id = "shortest_distance_weighted"
    generator_key = "shortest_path"
    score_function = "simple_str_match"
    version = "1"
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
        try:
            value = parse_number(answer, max_chars=self.max_answer_chars)
        except ParseError as err:
            raise ParseError(f"{err}: answer with the single number that is the shortest distance") from None
        st = inst.state
        s, t = int(st["source"]), int(st["target"])
        best = Fraction(int(self.solution(inst)["distance"]))
        parsed: int | float = int(value) if value.denominator == 1 else float(value)
        if value == best:
            return Verdict.ok(parsed, f"correct: the shortest distance from node {s} to node {t} is {parsed}")
        score = 0.5 * max(0.0, 1.0 - float(abs(value - best) / best)) if best > 0 else 0.0
        if value < best:
            why = f"no path from node {s} to node {t} has total weight {parsed} or less"
        else:
            why = f"a path from node {s} to node {t} with total weight less than {parsed} exists"
        return Verdict.fail(f"wrong distance {parsed}: {why}", score=score, parsed=parsed)

    # ----- presentation -------------------------------------------------------------------------
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        return self.drawing(inst, size)[0]

    def drawing(self, inst: Instance, size: int = 512):
        """The image and the :class:`~mmhelix_env.render.graph.GraphDrawing` (label boxes, colours)."""
        n, edges, _, _ = self._graph(inst)
        cols = int(inst.state.get("cols") or grid_cols(n))
        k = size / 512
        margin = 40 * k
        pos = grid_positions(n, cols, size, margin)
        step = grid_spacing(n, cols, size, margin)
        radius = min(max(0.18 * step, 16 * k), 30 * k)
        img, draw = new_canvas(size, WHITE)
        drawn = draw_graph(draw, pos, [(u, v) for u, v, _ in edges], weights=[w for _, _, w in edges],
                           node_radius=radius, node_font_size=max(8, round(max(14 * k, 0.9 * radius))),
                           weight_font_size=max(8, round(min(max(0.14 * step, 13 * k), 18 * k))),
                           edge_width=max(1, round(3 * k)))
        return img, drawn

    def _adjacency_text(self, inst: Instance) -> str:
        n, edges, _, _ = self._graph(inst)
        adj = adjacency(n, edges)
        return "\n".join(f"{u}: [" + ", ".join(f"({v}, {w})" for v, w in adj[u]) + "]" for u in range(n))

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
        weight = {(min(a, b), max(a, b)): w for a, b, w in edges}
        ws = [weight[(min(a, b), max(a, b))] for a, b in zip(path, path[1:])]
        lines.append(f"Shortest path (following predecessors back from node {t}): " + " -> ".join(map(str, path)))
        lines.append("Its weight: " + " + ".join(map(str, ws)) + f" = {sum(ws)}.")
        lines.append(f"So the shortest distance from node {s} to node {t} is {d}.")
        lines.append(f"Answer: {d}")
        return "\n".join(lines)

    # ----- reference records --------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        state = self._state_from_initial(record.get("initial_state"))
        if state is None:
            state = self._state_from_text(record)
        res = dijkstra(state["n"], [tuple(e) for e in state["edges"]], state["source"], state["target"])
        if res["distance"] is None:
            raise RecordError(f"node {state['target']} is unreachable from node {state['source']}")
        return state

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        return next((lv for lv, p in LEVEL_PARAMS.items() if p[0] * p[1] == state["n"]), None)

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> dict:
        return self.solution(inst)

    @staticmethod
    def _state_from_initial(raw: Any) -> dict | None:
        data = record_field(raw) if raw is not None else None
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
        text = record_field(record.get("question_language") or record.get("question_text") or "")
        if not isinstance(text, str):
            text = str(text)
        question = record_field(record.get("question") or "")
        m = _FROM_TO.search(text) or (_FROM_TO.search(question) if isinstance(question, str) else None)
        if m is None:
            raise RecordError("no 'from node s to node t' in the question")
        s, t = int(m.group(1)), int(m.group(2))
        body = text[m.end():] if _FROM_TO.search(text) else text
        weights: dict[tuple[int, int], int] = {}
        seen_nodes: set[int] = set()
        for entry in _ENTRY.finditer(body):
            u = int(entry.group(1))
            seen_nodes.add(u)
            for vs, ws in _PAIR.findall(entry.group(2)):
                v, w = int(vs), int(ws)
                if u == v:
                    raise RecordError(f"self-loop at node {u}")
                key = (min(u, v), max(u, v))
                if weights.setdefault(key, w) != w:
                    raise RecordError(f"edge {key[0]}-{key[1]} has two weights ({weights[key]} and {w})")
        if not weights:
            raise RecordError("no adjacency list 'u: [(v, w), ...]' found in question_language/question_text")
        n = 1 + max(max(max(k) for k in weights), max(seen_nodes), s, t)
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
    uniq = sorted({(min(u, v), max(u, v)): w for u, v, w in edges}.items())
    cols = int(cols) if isinstance(cols, int) and cols > 0 else grid_cols(n)
    return {"n": n, "cols": cols, "source": s, "target": t, "edges": [[u, v, w] for (u, v), w in uniq]}


TASK = ShortestDistance()
