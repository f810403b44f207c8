"""TopologicalSort: list one order of the vertices of a DAG in which every edge points forward.

Generation (spec/tasks/TopologicalSort.md): vertices on a grid (row-major, ``cols`` columns); a hidden
random permutation orients every edge (acyclic by construction). Orthogonal neighbours are joined with
probability 0.75, each unit cell gets at most one diagonal (probability 0.5), up to ``max_extra`` "far" pairs
with offsets (1,2), (1,3), (2,3) are added, then king-adjacent non-edges join weak components until the
graph is weakly connected. Draws where the ascending order 0..n-1 is already valid are rejected.

Any valid order is accepted; the stored answer is Kahn's algorithm with the smallest available id first.
"""

from __future__ import annotations

import heapq
import re
from typing import Any

import numpy as np

from ...core import (
    GenerationError,
    Instance,
    ParseError,
    RecordError,
    Verdict,
    bounded,
    clean_markup,
    level_number,
    record_field,
)
from ...render import WHITE, new_canvas
from ...render.graph import draw_graph
from ._graph_common import (
    GraphTask,
    adjacency_entries,
    adjacency_lines,
    brace_set,
    clipped,
    diagonal_allowed,
    format_vertex_list,
    grid_cols,
    grid_layout,
    grid_tables,
    id_items,
    initial_state,
    mark_diagonal,
    neighbour_lists,
    node_radius,
    per_vertex,
    record_texts,
)

# level -> (vertices n, columns, max extra "far" edges)
LEVEL_PARAMS: dict[int, tuple[int, int, int]] = {1: (6, 3, 3), 2: (9, 3, 3), 3: (12, 4, 3), 4: (16, 4, 2),
                                                 5: (25, 5, 2)}
P_ORTHOGONAL = 0.75
P_DIAGONAL = 0.5
MAX_ATTEMPTS = 1_000
MAX_RECORD_VERTICES = 100
FORMAT_SENTENCE = "Answer with a list of numbers ONLY. For example: [0, 1, 2, 3]."
_SPLIT = re.compile(r"\s*(?:,|->|\u2192|>)\s*|\s+")
_INT = re.compile(r"\d+", re.ASCII)
_QUOTES = "\"'"
MIN_COLS = 3  # the drawing grid has at least 3 columns


# ------------------------------------------------------------------------------------------- generation
def build_dag(rng: np.random.Generator, n: int, cols: int, max_extra: int) -> list[tuple[int, int]]:
    """One draw: sorted directed edges (u, v), oriented by a hidden random order (acyclic)."""
    tab = grid_tables(n, cols)
    rank = [0] * n
    for i, v in enumerate(rng.permutation(n).tolist()):
        rank[v] = i
    pairs: set[tuple[int, int]] = set()
    draws = rng.random(len(tab.orth))
    pairs.update(p for p, x in zip(tab.orth, draws) if x < P_ORTHOGONAL)
    cell_draws = rng.random((len(tab.cell_pairs), 2))
    diag = [-1] * len(tab.cell_pairs)  # per unit cell: -1 none, 0 '\', 1 '/'
    for cell, options in enumerate(tab.cell_pairs):
        if cell_draws[cell, 0] < P_DIAGONAL:
            pair = options[0 if cell_draws[cell, 1] < 0.5 else 1]
            if pair is not None:
                pairs.add(pair)
                mark_diagonal(tab, diag, pair)
    far = tab.far
    k = min(max_extra, len(far))  # "up to": a 2x3 grid has only two far pairs
    if k:
        pairs.update(far[i] for i in sorted(rng.choice(len(far), size=k, replace=False).tolist()))
    # weak connectivity: join components with king-adjacent non-edges (one diagonal per cell)
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for u, v in pairs:
        parent[find(u)] = find(v)
    king = sorted(tab.orth + tab.diag)
    while len({find(x) for x in range(n)}) > 1:
        cands = [(u, v) for u, v in king if (u, v) not in pairs and find(u) != find(v)
                 and diagonal_allowed(tab, diag, (u, v))]
        u, v = cands[int(rng.integers(len(cands)))]
        pairs.add((u, v))
        mark_diagonal(tab, diag, (u, v))
        parent[find(u)] = find(v)
    return sorted((u, v) if rank[u] < rank[v] else (v, u) for u, v in pairs)


# ---------------------------------------------------------------------------------------------- Kahn
def kahn(n: int, edges, log: list | None = None) -> list[int] | None:
    """Smallest-available-first topological order (the lexicographically smallest one); None on a cycle.
    ``log`` receives (vertex, available before, [(successor, in-degree before, after), ...]) per step."""
    succ: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n
    for u, v in edges:
        succ[u].append(v)
        indeg[v] += 1
    for row in succ:
        row.sort()
    heap = [v for v in range(n) if indeg[v] == 0]
    heapq.heapify(heap)
    order = []
    while heap:
        before = sorted(heap) if log is not None else None
        u = heapq.heappop(heap)
        order.append(u)
        changes = []
        for v in succ[u]:
            indeg[v] -= 1
            changes.append((v, indeg[v] + 1, indeg[v]))
            if indeg[v] == 0:
                heapq.heappush(heap, v)
        if log is not None:
            log.append((u, before, changes))
    return order if len(order) == n else None


def longest_path_vertices(n: int, edges, order: list[int]) -> int:
    pred: list[list[int]] = [[] for _ in range(n)]
    for u, v in edges:
        pred[v].append(u)
    depth = [1] * n
    for v in order:
        for u in pred[v]:
            depth[v] = max(depth[v], depth[u] + 1)
    return max(depth, default=0)


# ---------------------------------------------------------------------------------------------- parsing
def parse_order(text: str, max_chars: int = 2_000) -> list[int]:
    """A list of vertex ids: brackets [] or () optional; separators comma, whitespace, ->, → or >; ids may be
    quoted. Words, signs and non-integers are refused."""
    t = clean_markup(bounded(text, max_chars)).strip().rstrip(".").strip()
    if len(t) >= 2 and (t[0], t[-1]) in (("[", "]"), ("(", ")")):
        t = t[1:-1].strip()
    ids = []
    for tok in _SPLIT.split(t):
        if not tok:
            continue
        if len(tok) >= 2 and tok[0] == tok[-1] and tok[0] in _QUOTES:
            tok = tok[1:-1]
        if not _INT.fullmatch(tok):
            raise ParseError(f"unexpected item {tok[:30]!r}: answer with a list of vertex numbers like [2, 0, 1]")
        ids.append(int(tok))
    if not ids:
        raise ParseError("no vertex numbers found; answer with a list like [2, 0, 1]")
    return ids


# ---------------------------------------------------------------------------------------------- task
class TopologicalSort(GraphTask):
    name = "TopologicalSort"
    benchmark_id = "topological_sort"
    generator_key = "topological_sort"
    score_function = "topological_sort_evaluator"
    answer_format = "one valid topological order of all vertices as a list, e.g. [2, 0, 1, 5, 3, 4]"
    max_answer_chars = 2_000

    # ----- generation ---------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        n, cols, max_extra = LEVEL_PARAMS[level_number(level)]
        for _ in range(MAX_ATTEMPTS):
            edges = build_dag(rng, n, cols, max_extra)
            if all(u < v for u, v in edges):
                continue  # the ascending order would be valid
            order = kahn(n, edges)
            if order is None:  # impossible: oriented by a total order
                raise GenerationError("TopologicalSort: the oriented graph has a cycle")
            return {"n": n, "cols": cols, "edges": [list(e) for e in edges]}, tuple(order)
        raise GenerationError(f"TopologicalSort level {level}: every draw was ascending-order valid")

    # ----- solving ------------------------------------------------------------------------------
    @staticmethod
    def _graph(inst: Instance) -> tuple[int, list[tuple[int, int]]]:
        return int(inst.state["n"]), [(int(u), int(v)) for u, v in inst.state["edges"]]

    def solve(self, inst: Instance) -> tuple[int, ...]:
        n, edges = self._graph(inst)
        order = kahn(n, edges)
        if order is None:
            raise ValueError("the graph has a directed cycle")
        return tuple(order)

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return format_vertex_list(solution)

    def stats(self, inst: Instance) -> dict:
        n, edges = self._graph(inst)
        log: list = []
        order = kahn(n, edges, log) or []
        return {"nodes": n, "edges": len(edges), "kahn_steps": len(log), "indegree_updates": len(edges),
                "max_available": max((len(b) for _, b, _ in log), default=0),
                "longest_path_vertices": longest_path_vertices(n, edges, order), "solver_work": n + len(edges)}

    # ----- verification -------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        ids = parse_order(answer, self.max_answer_chars)
        n, edges = self._graph(inst)
        unknown = [v for v in ids if v >= n]
        seen: set[int] = set()
        dups = []
        for v in ids:
            if v in seen and v not in dups:
                dups.append(v)
            seen.add(v)
        missing = [v for v in range(n) if v not in seen]
        problems = []
        if unknown:
            problems.append(f"unknown vertex id(s) {clipped(unknown, 10)} (vertices are 0..{n - 1})")
        if dups:
            problems.append(f"vertex id(s) {clipped(dups, 10)} listed more than once")
        if missing:
            problems.append(f"vertex id(s) {clipped(missing, 10)} missing")
        if problems:
            return Verdict.fail(f"not an ordering of all {n} vertices: " + "; ".join(problems), parsed=ids)
        pos = {v: i for i, v in enumerate(ids)}
        violated = [(u, v) for u, v in edges if pos[u] > pos[v]]
        if not violated:
            return Verdict.ok(ids, f"correct: all {len(edges)} edges point forward in the order")
        u, v = min(violated, key=lambda e: (pos[e[1]], pos[e[0]]))
        return Verdict.fail(f"edge {u} -> {v} is violated: {v} comes before {u} (position {pos[v] + 1} vs "
                            f"{pos[u] + 1}); {len(violated)} of {len(edges)} edges point backwards",
                            score=(len(edges) - len(violated)) / len(edges), parsed=ids)

    # ----- presentation -------------------------------------------------------------------------
    def drawing(self, inst: Instance, size: int = 512):
        """The image and the :class:`~mmhelix_env.render.graph.GraphDrawing` (edge colours, segments)."""
        n, edges = self._graph(inst)
        cols = int(inst.state.get("cols") or grid_cols(n, MIN_COLS))
        k = size / 512
        pos, step = grid_layout(n, cols, size, 40)
        radius = node_radius(step, 0.18, size)
        img, draw = new_canvas(size, WHITE)
        drawn = draw_graph(draw, pos, edges, directed=True, node_radius=radius,
                           node_font_size=max(8, round(max(14 * k, 0.9 * radius))), edge_width=max(1, round(3 * k)),
                           arrow_length=max(6.0, 13 * k), arrow_width=max(5.0, 11 * k))
        return img, drawn

    @staticmethod
    def _adjacency_text(n: int, edges) -> str:
        return "\n".join(adjacency_lines(neighbour_lists(n, edges, directed=True)))

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        n, edges = self._graph(inst)
        rule = (f"A topological order lists all {n} vertices (0 to {n - 1}) exactly once so that for every directed "
                "edge u -> v, vertex u comes before vertex v.")
        if modality == "image":
            return ("Given the directed acyclic graph (DAG) shown in the image, please list ONE possible valid "
                    "topological order. Each circle is a vertex labelled with its number, and each arrow is a "
                    f"directed edge pointing from a vertex to its successor. {rule} {FORMAT_SENTENCE}")
        if modality == "text":
            return ("Given the following adjacency list of a connected DAG (u: [successors]), please list ONE "
                    f"possible valid topological order. {rule} {FORMAT_SENTENCE}\n{self._adjacency_text(n, edges)}")
        raise ValueError(f"modality must be 'image' or 'text', got {modality!r}")

    def trace(self, inst: Instance) -> str:
        n, edges = self._graph(inst)
        log: list = []
        order = kahn(n, edges, log)
        if order is None:
            raise ValueError("the graph has a directed cycle")
        indeg = [0] * n
        for _, v in edges:
            indeg[v] += 1
        lines = [f"The DAG has {n} vertices and {len(edges)} edges. Use Kahn's algorithm: a vertex can be placed "
                 "once all of its predecessors are placed (in-degree 0 among the unplaced vertices); place the "
                 "smallest such vertex, remove its outgoing edges, and repeat.",
                 "In-degrees: " + per_vertex(indeg) + ".",
                 "Initially available (in-degree 0): " + brace_set([v for v in range(n) if indeg[v] == 0]) + "."]
        placed: list[int] = []
        for step, (u, before, changes) in enumerate(log, 1):
            placed.append(u)
            parts = []
            for v, old, new in changes:
                parts.append(f"{u}->{v} (in-degree of {v}: {old} -> {new}" + (", now available)" if new == 0 else ")"))
            removed = ("Remove its edges: " + "; ".join(parts)) if parts else "It has no outgoing edges"
            avail = sorted(set(before) - {u} | {v for v, _, new in changes if new == 0})
            lines.append(f"Step {step}: available {brace_set(before)}; take {u}. {removed}. "
                         f"Available now {brace_set(avail)}. Order so far: [{', '.join(map(str, placed))}].")
        lines.append(f"All {n} vertices are placed, so every edge points forward in this order.")
        lines.append(f"Answer: {self.format_answer(inst, order)}")
        return "\n".join(lines)

    # ----- reference records --------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        adjacency = self._adjacency_from_initial(initial_state(record))
        if adjacency is None:
            adjacency = self._adjacency_from_text(record)
        n = 1 + max(max([u, *vs]) for u, vs in adjacency.items())
        if not 2 <= n <= MAX_RECORD_VERTICES:
            raise RecordError(f"unsupported vertex count {n}")
        edges = set()
        for u, vs in adjacency.items():
            for v in vs:
                if u == v:
                    raise RecordError(f"self-loop at vertex {u}")
                edges.add((u, v))
        if kahn(n, sorted(edges)) is None:
            raise RecordError("the graph has a directed cycle, so no topological order exists")
        return {"n": n, "cols": grid_cols(n, MIN_COLS), "edges": [list(e) for e in sorted(edges)]}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        return next((lv for lv, (n, _, _) in LEVEL_PARAMS.items() if n == state["n"]), None)

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> tuple[int, ...]:
        return self.solve(inst)  # the stored answer verified; the expert answer stays smallest-first Kahn

    @staticmethod
    def _adjacency_from_initial(data: Any) -> dict[int, list[int]] | None:
        if not isinstance(data, dict) or not data:
            return None
        out: dict[int, list[int]] = {}
        try:
            for key, vs in data.items():
                vs = record_field(vs)
                if not isinstance(vs, (list, tuple)):
                    raise TypeError(f"successors of {key!r} are not a list")
                out[int(str(key).strip())] = [int(v) for v in vs]
        except (TypeError, ValueError) as err:
            raise RecordError(f"initial_state is malformed: {err}") from None
        if any(u < 0 or any(v < 0 for v in vs) for u, vs in out.items()):
            raise RecordError("initial_state has negative vertex ids")
        return out

    @staticmethod
    def _adjacency_from_text(record: dict) -> dict[int, list[int]]:
        for text in record_texts(record, ("question_text", "question_language")):
            marker = text.find("[0, 1, 2, 3]")
            body = text[marker + len("[0, 1, 2, 3]"):] if marker >= 0 else text
            out: dict[int, list[int]] = {}
            for key, inside in adjacency_entries(body):
                ids = id_items(inside)
                if ids is None:
                    raise RecordError(f"bad successor list for vertex {key}: [{inside}]")
                out[int(key)] = ids
            if out:
                return out
        raise RecordError("no initial_state and no adjacency list 'u: [v, ...]' in question_text/question_language")


TASK = TopologicalSort()
