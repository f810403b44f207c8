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
import math
import re
from typing import Any

import numpy as np

from ...core import (
    GenerationError,
    Instance,
    ParseError,
    RecordError,
    Task,
    Verdict,
    bounded,
    clean_markup,
    level_number,
    record_field,
)
from ...render import WHITE, new_canvas
from ...render.graph import draw_graph, grid_positions, grid_spacing

# level -> (vertices n, columns, max extra "far" edges)
LEVEL_PARAMS: dict[int, tuple[int, int, int]] = {1: (6, 3, 3), 2: (9, 3, 3), 3: (12, 4, 3), 4: (16, 4, 2),
                                                 5: (25, 5, 2)}
P_ORTHOGONAL = 0.75
P_DIAGONAL = 0.5
FAR_OFFSETS = ((1, 2), (1, 3), (2, 3))
MAX_ATTEMPTS = 1_000
MAX_RECORD_VERTICES = 100
FORMAT_SENTENCE = "Answer with a list of numbers ONLY. For example: [0, 1, 2, 3]."
_SPLIT = re.compile(r"\s*(?:,|->|\u2192|>)\s*|\s+")
_INT = re.compile(r"\d+", re.ASCII)
_QUOTES = "\"'"
_ENTRY = re.compile(r"(\d+)\s*:\s*\[([^\[\]]*)\]", re.ASCII)


def grid_cols(n: int) -> int:
    """Columns of the grid a graph of n vertices is drawn on (3 up to 9, 4 up to 16, 5 up to 25)."""
    if n <= 9:
        return 3
    if n <= 16:
        return 4
    if n <= 25:
        return 5
    return math.isqrt(n - 1) + 1


# ------------------------------------------------------------------------------------------- generation
def _diagonal_cell(u: int, v: int, cols: int) -> int | None:
    """The unit cell (top-left index in cell numbering) a king-diagonal pair lies in; None otherwise."""
    (ru, cu), (rv, cv) = divmod(u, cols), divmod(v, cols)
    if abs(ru - rv) != 1 or abs(cu - cv) != 1:
        return None
    return min(ru, rv) * (cols - 1) + min(cu, cv)


def far_pairs(n: int, cols: int) -> list[tuple[int, int]]:
    """Unordered pairs (u < v) whose row/column offsets are (1,2), (1,3) or (2,3) in either order."""
    rows = -(-n // cols)
    offsets = {(a, b) for p, q in FAR_OFFSETS for a, b in ((p, q), (q, p))}
    out = set()
    for u in range(n):
        r, c = divmod(u, cols)
        for dr, dc in offsets:
            for sc in (1, -1):
                r2, c2 = r + dr, c + sc * dc
                v = r2 * cols + c2
                if 0 <= r2 < rows and 0 <= c2 < cols and v < n:
                    out.add((min(u, v), max(u, v)))
    return sorted(out)


def build_dag(rng: np.random.Generator, n: int, cols: int, max_extra: int) -> list[tuple[int, int]]:
    """One draw: sorted directed edges (u, v), oriented by a hidden random order (acyclic)."""
    rows = -(-n // cols)
    rank = [0] * n
    for i, v in enumerate(rng.permutation(n).tolist()):
        rank[v] = i
    pairs: set[tuple[int, int]] = set()
    orth = []
    for v in range(n):
        r, c = divmod(v, cols)
        if c + 1 < cols and v + 1 < n:
            orth.append((v, v + 1))
        if r + 1 < rows and v + cols < n:
            orth.append((v, v + cols))
    draws = rng.random(len(orth))
    pairs.update(p for p, x in zip(orth, draws) if x < P_ORTHOGONAL)
    ncell = (rows - 1) * (cols - 1)
    cell_draws = rng.random((ncell, 2))
    diag = [False] * ncell
    for cell in range(ncell):
        if cell_draws[cell, 0] < P_DIAGONAL:
            r, c = divmod(cell, cols - 1)
            tl = r * cols + c
            pair = (tl, tl + cols + 1) if cell_draws[cell, 1] < 0.5 else (tl + 1, tl + cols)
            if max(pair) < n:
                pairs.add(pair)
                diag[cell] = True
    far = far_pairs(n, cols)
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
    king = []
    for u in range(n):
        r, c = divmod(u, cols)
        for dr, dc in ((0, 1), (1, -1), (1, 0), (1, 1)):
            r2, c2 = r + dr, c + dc
            v = r2 * cols + c2
            if 0 <= r2 < rows and 0 <= c2 < cols and v < n:
                king.append((min(u, v), max(u, v)))
    king.sort()
    while len({find(x) for x in range(n)}) > 1:
        cands = [(u, v) for u, v in king if (u, v) not in pairs and find(u) != find(v)
                 and (_diagonal_cell(u, v, cols) is None or not diag[_diagonal_cell(u, v, cols)])]  # type: ignore
        u, v = cands[int(rng.integers(len(cands)))]
        pairs.add((u, v))
        cell = _diagonal_cell(u, v, cols)
        if cell is not None:
            diag[cell] = True
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


def _ids(items) -> str:
    items = list(items)
    shown = ", ".join(map(str, items[:10]))
    return shown + (f", ... ({len(items)} in all)" if len(items) > 10 else "")


# ---------------------------------------------------------------------------------------------- task
class TopologicalSort(Task):
    name = "TopologicalSort"
    category = "graphs"
    benchmark_id = "topological_sort"
    generator_key = "topological_sort"
    score_function = "topological_sort_evaluator"
    version = "1"
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
        return "[" + ", ".join(str(int(v)) for v in solution) + "]"

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
            problems.append(f"unknown vertex id(s) {_ids(unknown)} (vertices are 0..{n - 1})")
        if dups:
            problems.append(f"vertex id(s) {_ids(dups)} listed more than once")
        if missing:
            problems.append(f"vertex id(s) {_ids(missing)} missing")
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
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        return self.drawing(inst, size)[0]

    def drawing(self, inst: Instance, size: int = 512):
        """The image and the :class:`~mmhelix_env.render.graph.GraphDrawing` (edge colours, segments)."""
        n, edges = self._graph(inst)
        cols = int(inst.state.get("cols") or grid_cols(n))
        k = size / 512
        margin = 40 * k
        pos = grid_positions(n, cols, size, margin)
        step = grid_spacing(n, cols, size, margin)
        radius = min(max(0.18 * step, 16 * k), 30 * k)
        img, draw = new_canvas(size, WHITE)
        drawn = draw_graph(draw, pos, edges, directed=True, node_radius=radius,
                           node_font_size=max(8, round(max(14 * k, 0.9 * radius))), edge_width=max(1, round(3 * k)),
                           arrow_length=max(6.0, 13 * k), arrow_width=max(5.0, 11 * k))
        return img, drawn

    @staticmethod
    def _adjacency_text(n: int, edges) -> str:
        succ: list[list[int]] = [[] for _ in range(n)]
        for u, v in edges:
            succ[u].append(v)
        return "\n".join(f"{u}: [" + ", ".join(map(str, sorted(succ[u]))) + "]" for u in range(n))

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
                 "In-degrees: " + ", ".join(f"{v}:{d}" for v, d in enumerate(indeg)) + ".",
                 "Initially available (in-degree 0): " + _set([v for v in range(n) if indeg[v] == 0]) + "."]
        placed: list[int] = []
        for step, (u, before, changes) in enumerate(log, 1):
            placed.append(u)
            parts = []
            for v, old, new in changes:
                parts.append(f"{u}->{v} (in-degree of {v}: {old} -> {new}" + (", now available)" if new == 0 else ")"))
            removed = ("Remove its edges: " + "; ".join(parts)) if parts else "It has no outgoing edges"
            avail = sorted(set(before) - {u} | {v for v, _, new in changes if new == 0})
            lines.append(f"Step {step}: available {_set(before)}; take {u}. {removed}. "
                         f"Available now {_set(avail)}. Order so far: [{', '.join(map(str, placed))}].")
        lines.append(f"All {n} vertices are placed, so every edge points forward in this order.")
        lines.append(f"Answer: {self.format_answer(inst, order)}")
        return "\n".join(lines)

    # ----- reference records --------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        adjacency = self._adjacency_from_initial(record.get("initial_state"))
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
        return {"n": n, "cols": grid_cols(n), "edges": [list(e) for e in sorted(edges)]}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        return next((lv for lv, (n, _, _) in LEVEL_PARAMS.items() if n == state["n"]), None)

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> tuple[int, ...]:
        return self.solve(inst)  # the stored answer verified; the expert answer stays smallest-first Kahn

    @staticmethod
    def _adjacency_from_initial(raw: Any) -> dict[int, list[int]] | None:
        data = record_field(raw) if raw is not None else None
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
        for field in ("question_text", "question_language"):
            text = record_field(record.get(field))
            if isinstance(text, (list, tuple)):  # the reference's one-element list
                text = "\n".join(str(x) for x in text)
            if not isinstance(text, str):
                continue
            marker = text.find("[0, 1, 2, 3]")
            body = text[marker + len("[0, 1, 2, 3]"):] if marker >= 0 else text
            out: dict[int, list[int]] = {}
            for entry in _ENTRY.finditer(body):
                items = [x.strip() for x in entry.group(2).split(",") if x.strip()]
                if not all(x.isdigit() for x in items):
                    raise RecordError(f"bad successor list for vertex {entry.group(1)}: [{entry.group(2)}]")
                out[int(entry.group(1))] = [int(x) for x in items]
            if out:
                return out
        raise RecordError("no initial_state and no adjacency list 'u: [v, ...]' in question_text/question_language")


def _set(items) -> str:
    return "{" + ", ".join(map(str, items)) + "}"


TASK = TopologicalSort()
