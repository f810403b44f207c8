"""Shared machinery of EulerianCycle and EulerianPath (spec/tasks/EulerianCycle.md, EulerianPath.md).

- king-grid graph builder (grid tables, spanning tree and diagonal passes from :mod:`._graph_common`): a
  randomised DFS spanning tree over the 8 king moves, orthogonal / diagonal pairs with p_orth / p_diag, a second
  pass of still-missing king pairs (p_adj2) and "far" pairs with offsets (1,2), (1,3), (2,3) up to order and
  sign (p_far); never both diagonals of one unit cell;
- parity repair (instead of the reference's rejection sampling): toggle edges between two vertices whose
  parity must change until exactly k vertices have odd degree, keeping the graph connected;
- Hierholzer's algorithm with a log of the walk and the spliced sub-tours (solver and reasoning trace);
- the rule check of a walk (answers are read by :func:`._graph_common.parse_vertex_list`);
- :class:`EulerianTask`, the task both modules subclass (generation, verification, image, prompts, trace,
  reference import). A subclass sets ``closed`` (cycle or path), the level table and the wording.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ...core import GenerationError, Instance, RecordError, Verdict, level_number
from ...render import WHITE, new_canvas
from ...render.graph import circular_layout, draw_graph
from ._graph_common import (
    Edge,
    GraphTask,
    GridTables,
    adjacency_entries,
    adjacency_lines,
    adjacency_masks,
    clipped,
    diagonal_allowed,
    diagonal_pass,
    format_vertex_list,
    grid_cols,
    grid_layout,
    grid_tables,
    initial_state,
    mark_diagonal,
    neighbour_lists,
    node_radius,
    norm,
    parse_vertex_list,
    per_vertex,
    question_text,
    random_spanning_tree,
    reach,
)

MAX_DRAWS = 500          # graph draws per instance (a draw fails when parity repair gets stuck)
MAX_REPAIR_STEPS = 300   # edge toggles per draw


def grid_layout_is_clear(n: int, cols: int, edges) -> bool:
    """True when every edge joins king-adjacent or far grid positions (then no edge passes under a vertex)."""
    allowed = grid_tables(n, cols).allowed if n <= 400 else frozenset()
    return all(norm(int(u), int(v)) in allowed for u, v in edges)


# ---------------------------------------------------------------------------------------------- builder
def build_graph(rng: np.random.Generator, tab: GridTables, p_orth: float, p_diag: float, p_adj2: float,
                p_far: float) -> tuple[set[Edge], list[int]]:
    """One random king-grid graph (connected, no isolated vertex): (edge set, diagonal per unit cell)."""
    edges: set[Edge] = set()
    diag = [-1] * len(tab.cell_pairs)   # -1 none, 0 '\', 1 '/'

    def add(u: int, v: int) -> None:
        pair = norm(u, v)
        mark_diagonal(tab, diag, pair)
        edges.add(pair)

    # 1. spanning tree: DFS over the king moves from a random root, shuffled neighbour order
    random_spanning_tree(rng, tab, lambda u, v: diagonal_allowed(tab, diag, norm(u, v)), add)
    # 2. missing orthogonal pairs with p_orth, diagonals with p_diag
    for pair, x in zip(tab.orth, rng.random(len(tab.orth)).tolist()):
        if x < p_orth:
            edges.add(pair)
    edges.update(diagonal_pass(rng, tab, diag, p_diag))
    # 3. second pass: still-missing king pairs with p_adj2, far pairs with p_far
    for pair, x in zip(tab.orth, rng.random(len(tab.orth)).tolist()):
        if x < p_adj2:
            edges.add(pair)
    edges.update(diagonal_pass(rng, tab, diag, p_adj2))
    for pair, x in zip(tab.far, rng.random(len(tab.far)).tolist()):
        if x < p_far:
            edges.add(pair)
    return edges, diag


def repair_parity(rng: np.random.Generator, tab: GridTables, edges: set[Edge], diag: list[int], k: int,
                  max_steps: int = MAX_REPAIR_STEPS) -> bool:
    """Toggle edges (in place) until exactly ``k`` vertices have odd degree. Each step takes two vertices
    whose parity must change (two odd ones if there are too many, two even ones if too few), in random
    order, and toggles the first pair that may be toggled: remove a present edge that is no bridge and
    leaves no vertex isolated, or add an absent allowed one (diagonal rule kept). False when stuck."""
    n = tab.n
    adj = adjacency_masks(n, edges)
    deg = [m.bit_count() for m in adj]
    for _ in range(max_steps):
        odd = [v for v in range(n) if deg[v] & 1]
        if len(odd) == k:
            return True
        group = odd if len(odd) > k else [v for v in range(n) if not deg[v] & 1]
        pairs = [(group[i], group[j]) for i in range(len(group)) for j in range(i + 1, len(group))]
        for idx in rng.permutation(len(pairs)).tolist():
            u, v = pairs[idx]
            if adj[u] >> v & 1:
                if deg[u] < 2 or deg[v] < 2 or not _reaches(adj, u, v, skip=(u, v)):
                    continue
                edges.discard((u, v))
                mark_diagonal(tab, diag, (u, v), present=False)
                adj[u] &= ~(1 << v)
                adj[v] &= ~(1 << u)
                deg[u] -= 1
                deg[v] -= 1
                break
            if (u, v) not in tab.allowed or not diagonal_allowed(tab, diag, (u, v)):
                continue
            mark_diagonal(tab, diag, (u, v))
            edges.add((u, v))
            adj[u] |= 1 << v
            adj[v] |= 1 << u
            deg[u] += 1
            deg[v] += 1
            break
        else:
            return False
    return False


def _reaches(adj: list[int], s: int, t: int, skip: Edge) -> bool:
    """Whether t is reachable from s without the edge ``skip`` (bitmask BFS)."""
    a, b = skip
    seen = 1 << s
    frontier = seen
    while frontier:
        nxt = 0
        while frontier:
            low = frontier & -frontier
            x = low.bit_length() - 1
            frontier ^= low
            nb = adj[x]
            if x == a:
                nb &= ~(1 << b)
            elif x == b:
                nb &= ~(1 << a)
            nxt |= nb
        frontier = nxt & ~seen
        seen |= frontier
        if seen >> t & 1:
            return True
    return False


# ---------------------------------------------------------------------------------------------- analysis
@dataclass(frozen=True)
class GraphFacts:
    n: int
    edges: tuple[Edge, ...]          # sorted, u < v
    degree: tuple[int, ...]
    odd: tuple[int, ...]             # vertices of odd degree, ascending
    connected: bool                  # all edges in one component and no isolated vertex

    @property
    def m(self) -> int:
        return len(self.edges)


def graph_facts(n: int, edges) -> GraphFacts:
    es = tuple(sorted(norm(int(u), int(v)) for u, v in edges))
    deg = [0] * n
    for u, v in es:
        deg[u] += 1
        deg[v] += 1
    odd = tuple(v for v in range(n) if deg[v] & 1)
    connected = n > 0 and all(deg) and reach(adjacency_masks(n, es), 0) == (1 << n) - 1
    return GraphFacts(n, es, tuple(deg), odd, connected)


def state_facts(inst: Instance) -> GraphFacts:
    st = inst.state
    return graph_facts(int(st["n"]), st["edges"])


# ---------------------------------------------------------------------------------------------- Hierholzer
@dataclass(frozen=True)
class HierholzerRun:
    walk: tuple[int, ...]
    steps: tuple[tuple[int | None, tuple[int, ...]], ...]   # (splice position or None for the first walk, walk)
    traversals: int                                          # edges walked
    scans: int                                               # tour positions inspected for unused edges


def hierholzer(n: int, edges, start: int) -> HierholzerRun:
    """Hierholzer's algorithm: walk from ``start`` along unused edges (smallest neighbour first) until stuck,
    then repeatedly take the first tour vertex that still has unused edges, walk a closed sub-tour from it
    and splice it in. With 0 odd vertices (start anywhere) or 2 (start at one of them) and connected edges,
    the result is an Euler circuit / trail."""
    edges = [tuple(e) for e in edges]
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for i, (u, v) in enumerate(edges):
        adj[u].append((v, i))
        adj[v].append((u, i))
    for row in adj:
        row.sort()
    used = [False] * len(edges)
    ptr = [0] * n

    def free(v: int) -> bool:
        a, p = adj[v], ptr[v]
        while p < len(a) and used[a[p][1]]:
            p += 1
        ptr[v] = p
        return p < len(a)

    def walk(v: int) -> list[int]:
        path = [v]
        while free(v):
            w, i = adj[v][ptr[v]]
            used[i] = True
            v = w
            path.append(w)
        return path

    tour = walk(start)
    steps: list[tuple[int | None, tuple[int, ...]]] = [(None, tuple(tour))]
    traversals = len(tour) - 1
    scans = 0
    pos = 0
    while traversals < len(edges):
        while pos < len(tour) and not free(tour[pos]):
            pos += 1
            scans += 1
        if pos == len(tour):
            break  # edges outside the start's component: no Euler walk
        sub = walk(tour[pos])
        traversals += len(sub) - 1
        tour[pos:pos + 1] = sub
        steps.append((pos, tuple(sub)))
    return HierholzerRun(tuple(tour), tuple(steps), traversals, scans)


# ---------------------------------------------------------------------------------------------- answers
@dataclass(frozen=True)
class WalkCheck:
    valid_edges: int          # edges in the longest valid prefix (real edges, none repeated)
    error: str | None         # the first rule broken, or None
    unused: tuple[Edge, ...]  # edges the walk never uses (when no error)


def check_walk(facts: GraphFacts, nodes, closing: bool = False) -> WalkCheck:
    """Rule check of a walk: ids in range, consecutive pairs are edges, no edge twice. ``closing``: the last
    step was appended to close an open-form cycle (the reason then says so)."""
    n = facts.n
    edge_set = set(facts.edges)
    first_use: dict[Edge, int] = {}
    for i, v in enumerate(nodes):
        if not 0 <= v < n:
            return WalkCheck(len(first_use), f"entry {i + 1}: vertex {v} does not exist (vertices are 0..{n - 1})",
                             ())
    last = len(nodes) - 1
    for i in range(last):
        a, b = nodes[i], nodes[i + 1]
        e = norm(a, b)
        where = f"step {i + 1} ({a} -> {b})"
        if closing and i == last - 1:
            where = f"closing step {i + 1} ({a} -> back to the start {b})"
        if e not in edge_set:
            return WalkCheck(len(first_use), f"{where}: {a}-{b} is not an edge of the graph", ())
        if e in first_use:
            return WalkCheck(len(first_use), f"{where}: edge {e[0]}-{e[1]} is used a second time (first used "
                                             f"at step {first_use[e]})", ())
        first_use[e] = i + 1
    return WalkCheck(len(first_use), None, tuple(e for e in facts.edges if e not in first_use))


# ---------------------------------------------------------------------------------------------- the task
class EulerianTask(GraphTask):
    """Generation, verification, image, prompts, trace and import shared by both Eulerian tasks."""

    max_answer_chars = 20_000

    closed: ClassVar[bool]                                   # True: cycle, False: path
    kind: ClassVar[str]                                      # "cycle" | "path"
    #: level -> (n, p); builder probabilities p_orth = p, p_diag = 0.7p, p_adj2 = 0.3p, p_far = 2p
    level_params: ClassVar[dict[int, tuple[int, float]]]
    no_odd_counts: ClassVar[dict[int, tuple[int, ...]]]     # level -> odd-vertex counts of No-instances
    yes_odd_counts: ClassVar[tuple[tuple[int, float], ...]]  # (odd-vertex count, probability) of Yes-instances
    p_no: ClassVar[float] = 1 / 3
    format_sentence: ClassVar[str]
    definition: ClassVar[str]

    # ----- generation ---------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        level = level_number(level)
        n, p = self.level_params[level]
        cols = grid_cols(n)
        tab = grid_tables(n, cols)
        if rng.random() < self.p_no:
            counts = self.no_odd_counts[level]
            k = counts[int(rng.integers(len(counts)))]
        else:
            x, k = rng.random(), self.yes_odd_counts[-1][0]
            for count, prob in self.yes_odd_counts:
                if x < prob:
                    k = count
                    break
                x -= prob
        for _ in range(MAX_DRAWS):
            edges, diag = build_graph(rng, tab, p, 0.7 * p, 0.3 * p, 2 * p)
            if repair_parity(rng, tab, edges, diag, k):
                state = {"n": n, "cols": cols, "edges": [list(e) for e in sorted(edges)]}
                return state, self._solve_facts(graph_facts(n, edges))
        raise GenerationError(f"{self.name} level {level}: parity repair to {k} odd vertices failed "
                              f"{MAX_DRAWS} times")

    # ----- solving ------------------------------------------------------------------------------
    def exists(self, facts: GraphFacts) -> bool:
        if not facts.connected:
            return False
        return len(facts.odd) == 0 if self.closed else len(facts.odd) in (0, 2)

    def start_vertex(self, facts: GraphFacts) -> int:
        return facts.odd[0] if facts.odd else 0

    def _run(self, facts: GraphFacts) -> HierholzerRun | None:
        if not self.exists(facts):
            return None
        return hierholzer(facts.n, facts.edges, self.start_vertex(facts))

    def _solve_facts(self, facts: GraphFacts) -> dict:
        run = self._run(facts)
        return {"exists": run is not None, "walk": run.walk if run is not None else ()}

    def solve(self, inst: Instance) -> dict:
        return self._solve_facts(state_facts(inst))

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return format_vertex_list(solution["walk"]) if solution["exists"] else "No"

    def stats(self, inst: Instance) -> dict:
        facts = state_facts(inst)
        run = self._run(facts)
        # solver work: read the adjacency lists (2m entries) and test n degrees, then Hierholzer's edge
        # traversals and tour scans (Yes-instances only)
        work = 2 * facts.m + facts.n + (run.traversals + run.scans if run else 0)
        return {"nodes": facts.n, "edges": facts.m, "odd_vertices": len(facts.odd), "exists": run is not None,
                "subtours": len(run.steps) - 1 if run else 0, "walk_length": len(run.walk) if run else 0,
                "solver_steps": work}

    # ----- verification -------------------------------------------------------------------------
    def answer_limit(self, facts: GraphFacts) -> int:
        return max(2_000, 12 * (facts.m + 1))

    def check(self, inst: Instance, answer: str) -> Verdict:
        facts = state_facts(inst)
        parsed = parse_vertex_list(answer, self.answer_limit(facts))
        if parsed.says_no:
            return self._check_no(facts)
        nodes = parsed.nodes
        if self.closed:
            if len(nodes) < 3:
                return Verdict.fail(f"a cycle needs at least 3 entries (start, ..., start), got {len(nodes)}",
                                    parsed=list(nodes))
            if nodes[0] != nodes[-1]:
                res = check_walk(facts, nodes)
                if res.error is None and not res.unused:
                    return Verdict.fail(f"{format_vertex_list(nodes)} is an Eulerian path from {nodes[0]} to "
                                        f"{nodes[-1]}, not a cycle: it does not return to its start",
                                        score=res.valid_edges / facts.m, parsed=list(nodes))
                nodes = (*nodes, nodes[0])  # open form: the closing step back to the start is implied
                res = check_walk(facts, nodes, closing=True)
            else:
                res = check_walk(facts, nodes)
        else:
            res = check_walk(facts, nodes)
        score = res.valid_edges / facts.m if facts.m else 0.0
        if res.error is not None:
            return Verdict.fail(res.error, score=score, parsed=list(nodes))
        if res.unused:
            unused = clipped(res.unused, 6, lambda e: f"{e[0]}-{e[1]}")
            return Verdict.fail(f"the {self.kind} uses only {facts.m - len(res.unused)} of the {facts.m} edges; "
                                f"never used: {unused}", score=score, parsed=list(nodes))
        what = f"closed trail from {nodes[0]}" if self.closed else f"trail from {nodes[0]} to {nodes[-1]}"
        return Verdict.ok(list(nodes), f"correct: a {what} using each of the {facts.m} edges exactly once")

    def _check_no(self, facts: GraphFacts) -> Verdict:
        odd = facts.odd
        if self.exists(facts):
            if self.closed:
                why = "every vertex has even degree, so an Eulerian cycle exists"
            elif odd:
                why = f"exactly two vertices ({odd[0]} and {odd[1]}) have odd degree, so an Eulerian path exists"
            else:
                why = "every vertex has even degree, so an Eulerian path (even a closed one) exists"
            return Verdict.fail(f"wrong answer 'No': the graph is connected and {why}", parsed="No")
        if not facts.connected:
            return Verdict.ok("No", f"correct: the edges do not form one connected graph, so no Eulerian "
                                    f"{self.kind} exists")
        listing = ", ".join(f"{v} (degree {facts.degree[v]})" for v in odd)
        need = "every vertex must have even degree" if self.closed else "at most two vertices may have odd degree"
        return Verdict.ok("No", f"correct: {len(odd)} vertices have odd degree ({listing}); {need}, so no "
                                f"Eulerian {self.kind} exists")

    # ----- presentation -------------------------------------------------------------------------
    def drawing(self, inst: Instance, size: int = 512):
        """The image and the :class:`~mmhelix_env.render.graph.GraphDrawing` (edge colours, segments)."""
        st = inst.state
        n = int(st["n"])
        edges = [(int(u), int(v)) for u, v in st["edges"]]
        cols = int(st.get("cols") or grid_cols(n))
        k = size / 512
        if grid_layout_is_clear(n, cols, edges):
            pos, step = grid_layout(n, cols, size, 48)
        else:  # an imported graph whose edges would pass under grid vertices
            margin = 48 * k
            pos = circular_layout(n, size, margin)
            step = 2 * math.pi * (size / 2 - margin) / max(n, 1)
        radius = node_radius(step, 0.2, size)
        img, draw = new_canvas(size, WHITE)
        drawn = draw_graph(draw, pos, edges, node_radius=radius,
                           node_font_size=max(8, round(max(14 * k, 0.85 * radius))),
                           edge_width=max(1, round(3 * k)))
        return img, drawn

    def adjacency_text(self, inst: Instance) -> str:
        return "\n".join(adjacency_lines(neighbour_lists(int(inst.state["n"]), inst.state["edges"])))

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        question = f"determine if there is an Eulerian {self.kind}."
        if modality == "image":
            return (f"Given the undirected, connected graph shown in the image, {question} Each circle is a vertex "
                    "labelled with its id, and each straight line is an edge between the two circles it joins "
                    "(lines may cross without meeting; their colours only help to tell crossing lines apart). "
                    f"{self.definition} {self.format_sentence}")
        if modality == "text":
            return (f"Given the undirected, connected graph below in adjacency-list form, {question} Each line "
                    "'u: [v1, v2, ...]' lists the neighbours of vertex u. "
                    f"{self.definition} {self.format_sentence}\n{self.adjacency_text(inst)}")
        raise ValueError(f"modality must be 'image' or 'text', got {modality!r}")

    def trace(self, inst: Instance) -> str:
        facts = state_facts(inst)
        lines = [self.trace_intro(),
                 f"The graph has {facts.n} vertices and {facts.m} edges. Degrees (number of neighbours): "
                 + per_vertex(facts.degree) + f" (they sum to {2 * facts.m}).",
                 "Odd-degree vertices: " + (", ".join(map(str, facts.odd)) if facts.odd else "none") + "."]
        run = self._run(facts)
        if run is None:
            if not facts.connected:
                lines.append(f"The edges do not form one connected graph, so no Eulerian {self.kind} exists.")
            elif self.closed:
                lines.append(f"{len(facts.odd)} vertices have odd degree, but a closed trail enters and leaves every "
                             "vertex equally often, so every degree would have to be even. No Eulerian cycle "
                             "exists.")
            else:
                lines.append(f"{len(facts.odd)} vertices have odd degree, but a trail can only start or end at an odd "
                             "vertex, so at most two may be odd. No Eulerian path exists.")
            lines.append("Answer: No")
            return "\n".join(lines)
        start = self.start_vertex(facts)
        if self.closed:
            lines.append(f"Every degree is even and the graph is connected, so an Eulerian cycle exists. Build it "
                         f"with Hierholzer's algorithm from vertex {start}, always taking the smallest unused "
                         "neighbour.")
        elif facts.odd:
            lines.append(f"Exactly two vertices, {facts.odd[0]} and {facts.odd[1]}, have odd degree and the graph is "
                         f"connected, so an Eulerian path exists and runs between them. Build it with Hierholzer's "
                         f"algorithm from vertex {start}, always taking the smallest unused neighbour.")
        else:
            lines.append(f"No vertex has odd degree and the graph is connected, so an Eulerian path exists (it will "
                         f"be closed). Build it with Hierholzer's algorithm from vertex {start}, always taking the "
                         "smallest unused neighbour.")
        tour: list[int] = []
        used = 0
        for pos, sub in run.steps:
            used += len(sub) - 1
            if pos is None:
                tour = list(sub)
                end = "back at the start" if sub[-1] == start else f"stuck at {sub[-1]}, the other odd vertex"
                lines.append(f"Walk from {start} until stuck: {' -> '.join(map(str, sub))} ({end}; {used} of "
                             f"{facts.m} edges used).")
            else:
                tour[pos:pos + 1] = sub
                lines.append(f"Vertex {sub[0]} (entry {pos + 1} of the tour) still has unused edges. Sub-tour: "
                             f"{' -> '.join(map(str, sub))}; splice it in there.")
                lines.append(f"Tour: {format_vertex_list(tour)} ({used} of {facts.m} edges used).")
        close = f"it returns to {start}" if self.closed else f"it ends at {run.walk[-1]}"
        lines.append(f"All {facts.m} edges are used exactly once and {close}.")
        lines.append(f"Answer: {format_vertex_list(run.walk)}")
        return "\n".join(lines)

    def trace_intro(self) -> str:
        if self.closed:
            return ("An Eulerian cycle is a closed trail through every edge exactly once. In a connected graph it "
                    "exists exactly when every vertex has even degree (each visit enters and leaves a vertex).")
        return ("An Eulerian path is a trail through every edge exactly once. In a connected graph it exists "
                "exactly when 0 or 2 vertices have odd degree (with 2, it runs from one odd vertex to the other).")

    # ----- reference records --------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        data = initial_state(record)
        if isinstance(data, dict) and "edges" in data:
            try:
                n = int(data["n"])
                edges = {norm(int(u), int(v)) for u, v in data["edges"]}
            except (TypeError, ValueError, KeyError) as err:
                raise RecordError(f"initial_state is malformed: {err}") from None
            return make_state(n, edges)
        if isinstance(data, dict) and data:
            return state_from_adjacency(data)
        adj = _adjacency_from_text(question_text(record))
        if not adj:
            raise RecordError("no adjacency list in initial_state, question_language or question_text")
        return state_from_adjacency(adj)

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        return next((lv for lv, (n, _) in self.level_params.items() if n == state["n"]), None)

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> dict:
        if verdict.parsed == "No":
            return {"exists": False, "walk": ()}
        walk = tuple(verdict.parsed)
        if self.closed and walk[0] != walk[-1]:
            walk = (*walk, walk[0])
        return {"exists": True, "walk": walk}


def _adjacency_from_text(text: str) -> dict:
    adj: dict[int, list[int]] = {}
    for key, inside in adjacency_entries(text):
        u = int(key)
        if u in adj:
            raise RecordError(f"vertex {u} has two adjacency lines")
        adj[u] = [int(x) for x in re.findall(r"-?\d+", inside, re.ASCII)]
    return adj


def state_from_adjacency(adj: dict) -> dict:
    try:
        table = {int(k): [int(x) for x in v] for k, v in adj.items()}
    except (TypeError, ValueError) as err:
        raise RecordError(f"adjacency lists are malformed: {err}") from None
    if not table:
        raise RecordError("empty adjacency list")
    n = 1 + max(max(table), max((x for v in table.values() for x in v), default=0))
    edges: set[Edge] = set()
    for u, nbrs in table.items():
        for v in nbrs:
            if u == v:
                raise RecordError(f"self-loop at vertex {u}")
            if u not in table.get(v, ()):
                raise RecordError(f"adjacency is not symmetric: {u} lists {v} but {v} does not list {u}")
            edges.add(norm(u, v))
    return make_state(n, edges)


def make_state(n: int, edges: set[Edge]) -> dict:
    if not 2 <= n <= 400:
        raise RecordError(f"unsupported vertex count {n}")
    for u, v in edges:
        if not (0 <= u < n and 0 <= v < n) or u == v:
            raise RecordError(f"bad edge {u}-{v}")
    facts = graph_facts(n, edges)
    if not facts.connected:
        raise RecordError("the graph is not connected (or has an isolated vertex)")
    return {"n": n, "cols": grid_cols(n), "edges": [list(e) for e in facts.edges]}
