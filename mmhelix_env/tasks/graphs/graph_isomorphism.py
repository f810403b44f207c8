"""GraphIsomorphism: are two connected undirected graphs on the same vertex count isomorphic? (Yes / No)

Generation (spec/tasks/GraphIsomorphism.md): the label is drawn first (Yes / No with probability 1/2
each) and guaranteed. G1 is a random spanning tree with degree cap 3 plus random non-edges between
vertices of degree < 3 until it has m edges. Yes: G2 is G1 under a uniformly random permutation that is
not a labelled automorphism. No: level 1 moves one edge; levels >= 2 apply 1-2 degree-preserving double
edge swaps (same degree sequence; levels >= 3 also the same (degree, neighbour degrees) signature). Every
No partner is certified non-isomorphic by the exact test and then randomly relabelled.

Exact test: colour refinement (1-WL) on the disjoint union of both graphs, then backtracking over vertex
maps restricted to equal stable colours with adjacency checked against every mapped vertex (bitmasks).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import Any

import numpy as np

from ...core import GenerationError, Instance, RecordError, Verdict, canonical_json, derived_rng, level_number
from ...render import INK, MUTED, WHITE, font, new_canvas
from ...render.graph import count_crossings, draw_graph, min_edge_vertex_clearance, spring_layout
from ._graph_common import (
    ADJ_ENTRY,
    GraphTask,
    adjacency_entries,
    adjacency_lines,
    adjacency_masks,
    bits,
    brace_set,
    id_items,
    norm,
    parse_yes_no,
    per_vertex,
    reach,
    record_texts,
)

# level -> (vertices n, edges m)
LEVEL_PARAMS: dict[int, tuple[int, int]] = {1: (6, 6), 2: (7, 7), 3: (8, 9), 4: (9, 11), 5: (10, 13)}
MAX_DEGREE = 3
G1_ATTEMPTS = 2_000
PARTNER_ATTEMPTS = 12
SEARCH_BUDGET = 2_000_000
MAX_RECORD_VERTICES = 40
LAYOUT_RESTARTS = 5
EDGE_INK = (60, 60, 72)
LAYOUT_ITERATIONS = 30
FORMAT_SENTENCE = "Answer with 'Yes' or 'No'."
DEFINITION = ("Two graphs are isomorphic if the vertices of G1 can be matched one-to-one with the vertices of G2 so "
              "that two vertices of G1 are joined by an edge exactly when the matched vertices of G2 are; the vertex "
              "numbers themselves do not matter.")
_BLOCK = re.compile(r"\bG([12])\s*:", re.ASCII)


# --------------------------------------------------------------------------------------------- graphs
def edges_from_masks(masks: list[int]) -> list[tuple[int, int]]:
    return [(u, v) for u, m in enumerate(masks) for v in bits(m) if u < v]


def is_connected(masks: list[int]) -> bool:
    return not masks or reach(masks, 0) == (1 << len(masks)) - 1


def degree_sequence(masks: list[int]) -> list[int]:
    return sorted((m.bit_count() for m in masks), reverse=True)


def signatures(masks: list[int]) -> list[tuple[int, tuple[int, ...]]]:
    """Per vertex: (degree, sorted degrees of its neighbours)."""
    deg = [m.bit_count() for m in masks]
    return [(deg[v], tuple(sorted(deg[u] for u in bits(masks[v])))) for v in range(len(masks))]


def permute(masks: list[int], perm: list[int]) -> list[int]:
    """The graph with vertex v renamed perm[v]."""
    out = [0] * len(masks)
    for v, m in enumerate(masks):
        img = 0
        for u in bits(m):
            img |= 1 << perm[u]
        out[perm[v]] = img
    return out


# ------------------------------------------------------------------------------------ exact isomorphism
def refine(masks1: list[int], masks2: list[int]) -> tuple[list[list[tuple]], int | None]:
    """Colour refinement on the disjoint union (G1 = 0..n-1, G2 = n..2n-1).

    Returns (rounds, first round whose colour histograms differ between G1 and G2 or None). Each round is a
    list of class keys per vertex: round 0 the degree, round k (old class index, sorted neighbour class
    indices). Class indices of a round are the ranks of its sorted distinct keys."""
    n = len(masks1)
    nbrs = [bits(m) for m in masks1] + [[n + u for u in bits(m)] for m in masks2]
    keys: list[tuple] = [(len(x),) for x in nbrs]
    rounds = [keys]
    while True:
        order = {k: i for i, k in enumerate(sorted(set(keys)))}
        col = [order[k] for k in keys]
        if Counter(col[:n]) != Counter(col[n:]):
            return rounds, len(rounds) - 1
        new = [(col[v], tuple(sorted(col[u] for u in nbrs[v]))) for v in range(2 * n)]
        if len(set(new)) == len(order):
            return rounds, None
        keys = new
        rounds.append(keys)


def _stable_colours(rounds: list[list[tuple]]) -> list[int]:
    keys = rounds[-1]
    order = {k: i for i, k in enumerate(sorted(set(keys)))}
    return [order[k] for k in keys]


def search_mapping(masks1: list[int], masks2: list[int], colour: list[int], log: list | None = None,
                   budget: int = SEARCH_BUDGET) -> tuple[list[int] | None, int]:
    """Backtracking over maps G1 -> G2 that keep colours and adjacency to every mapped vertex.

    Returns (mapping or None, search nodes). ``log`` receives ("cands", v, [w...]), ("map", v, w) and
    ("undo", v, w) events in search order."""
    n = len(masks1)
    c1, c2 = colour[:n], colour[n:]
    size = Counter(c1)
    by_colour: dict[int, list[int]] = {}
    for w in range(n):
        by_colour.setdefault(c2[w], []).append(w)
    # static order: most already-ordered neighbours first, then the smallest colour class, then the id
    order: list[int] = []
    placed = 0
    rest = set(range(n))
    while rest:
        v = min(rest, key=lambda x: (-(masks1[x] & placed).bit_count(), size[c1[x]], x))
        order.append(v)
        placed |= 1 << v
        rest.discard(v)
    mapping = [-1] * n
    state = {"used": 0, "mapped": 0, "nodes": 0}

    def dfs(i: int) -> bool:
        if i == n:
            return True
        v = order[i]
        img = 0
        for u in bits(masks1[v] & state["mapped"]):
            img |= 1 << mapping[u]
        used = state["used"]
        cands = [w for w in by_colour.get(c1[v], ()) if not (used >> w) & 1 and masks2[w] & used == img]
        if log is not None:
            log.append(("cands", v, cands))
        for w in cands:
            state["nodes"] += 1
            if state["nodes"] > budget:
                raise GenerationError(f"isomorphism search exceeded {budget} nodes")
            mapping[v] = w
            state["used"] |= 1 << w
            state["mapped"] |= 1 << v
            if log is not None:
                log.append(("map", v, w))
            if dfs(i + 1):
                return True
            if log is not None:
                log.append(("undo", v, w))
            mapping[v] = -1
            state["used"] &= ~(1 << w)
            state["mapped"] &= ~(1 << v)
        return False

    found = dfs(0)
    return (list(mapping) if found else None), state["nodes"]


def decide(masks1: list[int], masks2: list[int], log: list | None = None) -> dict[str, Any]:
    """The exact answer with its evidence: label, mapping (Yes), the invariant that separates them (No)."""
    n = len(masks1)
    out: dict[str, Any] = {"label": "No", "mapping": None, "evidence": "", "rounds": 0, "search_nodes": 0,
                           "refined_classes": 0}
    if len(masks2) != n:
        out["evidence"] = "the graphs have different numbers of vertices"
        return out
    m1, m2 = sum(x.bit_count() for x in masks1) // 2, sum(x.bit_count() for x in masks2) // 2
    if m1 != m2:
        out["evidence"] = f"G1 has {m1} edges but G2 has {m2}"
        return out
    rounds, differ = refine(masks1, masks2)
    out["rounds"] = len(rounds)
    if differ is not None:
        out["evidence"] = ("the degree sequences differ" if differ == 0 else
                           "the (degree, neighbour degrees) signatures differ" if differ == 1 else
                           f"colour refinement separates them after {differ} rounds")
        return out
    colour = _stable_colours(rounds)
    out["refined_classes"] = len(set(colour[:n]))
    mapping, nodes = search_mapping(masks1, masks2, colour, log)
    out["search_nodes"] = nodes
    if mapping is None:
        out["evidence"] = "an exhaustive search over colour-preserving vertex maps finds no isomorphism"
        return out
    out["label"] = "Yes"
    out["mapping"] = tuple(mapping)
    out["evidence"] = "a vertex bijection maps the edges of G1 exactly onto the edges of G2"
    return out


def isomorphic(masks1: list[int], masks2: list[int]) -> bool:
    return decide(masks1, masks2)["label"] == "Yes"


# ------------------------------------------------------------------------------------------ generation
def _random_g1(rng: np.random.Generator, n: int, m: int) -> list[int] | None:
    order = rng.permutation(n).tolist()
    masks = [0] * n
    for i in range(1, n):
        v = order[i]
        cands = sorted(u for u in order[:i] if masks[u].bit_count() < MAX_DEGREE)
        u = cands[int(rng.integers(len(cands)))]
        masks[u] |= 1 << v
        masks[v] |= 1 << u
    for _ in range(m - (n - 1)):
        cands = [(a, b) for a in range(n) for b in range(a + 1, n)
                 if not (masks[a] >> b) & 1 and masks[a].bit_count() < MAX_DEGREE
                 and masks[b].bit_count() < MAX_DEGREE]
        if not cands:
            return None
        a, b = cands[int(rng.integers(len(cands)))]
        masks[a] |= 1 << b
        masks[b] |= 1 << a
    return masks


def _moved_edge_partners(rng: np.random.Generator, g1: list[int]) -> list[int] | None:
    """Level 1: remove one edge and add one non-edge (connected, max degree 3, not isomorphic)."""
    n = len(g1)
    edges = edges_from_masks(g1)
    non_edges = [(a, b) for a in range(n) for b in range(a + 1, n) if not (g1[a] >> b) & 1]
    moves = [(e, f) for e in edges for f in non_edges]
    for k in rng.permutation(len(moves)).tolist():
        (a, b), (c, d) = moves[k]
        g = list(g1)
        g[a] &= ~(1 << b)
        g[b] &= ~(1 << a)
        g[c] |= 1 << d
        g[d] |= 1 << c
        if max(x.bit_count() for x in g) > MAX_DEGREE or not is_connected(g):
            continue
        if not isomorphic(g1, g):
            return g
    return None


def _swaps(masks: list[int]) -> list[tuple[int, int, int, int]]:
    """Every degree-preserving double-edge swap u-v, x-y -> u-x, v-y that keeps the graph simple."""
    edges = edges_from_masks(masks)
    out = []
    for i, (a, b) in enumerate(edges):
        for c, d in edges[i + 1:]:
            if len({a, b, c, d}) < 4:
                continue
            for p, q, r, s in ((a, b, c, d), (a, b, d, c)):  # p-q, r-s -> p-r, q-s
                if not (masks[p] >> r) & 1 and not (masks[q] >> s) & 1:
                    out.append((p, q, r, s))
    return out


def _apply_swap(masks: list[int], swap: tuple[int, int, int, int]) -> list[int]:
    p, q, r, s = swap
    g = list(masks)
    for x, y in ((p, q), (r, s)):
        g[x] &= ~(1 << y)
        g[y] &= ~(1 << x)
    for x, y in ((p, r), (q, s)):
        g[x] |= 1 << y
        g[y] |= 1 << x
    return g


def _swap_partner(rng: np.random.Generator, g1: list[int], same_signature: bool) -> list[int] | None:
    """Levels >= 2: 1-2 random double-edge swaps; connected, not isomorphic, signature kept if asked."""
    target = Counter(signatures(g1)) if same_signature else None
    single_failed = False  # no single swap of G1 qualifies (a deterministic fact: do not rescan)
    for _ in range(PARTNER_ATTEMPTS):
        g = g1
        extra = int(rng.integers(1, 3)) - 1
        if not extra and single_failed:
            continue
        for _ in range(extra):  # all swaps but the last: uniformly random
            swaps = _swaps(g)
            if swaps:
                g = _apply_swap(g, swaps[int(rng.integers(len(swaps)))])
        swaps = _swaps(g)  # the last swap: the first one in random order that meets every condition
        for k in rng.permutation(len(swaps)).tolist():
            h = _apply_swap(g, swaps[k])
            if h == g1 or not is_connected(h):
                continue
            if target is not None and Counter(signatures(h)) != target:
                continue
            if not isomorphic(g1, h):
                return h
        single_failed = single_failed or g is g1
    return None


def generate_pair(rng: np.random.Generator, level: int) -> tuple[str, list[int], list[int], list[int] | None]:
    """(label, G1, G2, mapping G1 -> G2 for Yes) for one level."""
    n, m = LEVEL_PARAMS[level]
    label = "Yes" if rng.random() < 0.5 else "No"
    for _ in range(G1_ATTEMPTS):
        g1 = _random_g1(rng, n, m)
        if g1 is None:
            continue
        if label == "Yes":
            for _ in range(1000):
                perm = rng.permutation(n).tolist()
                g2 = permute(g1, perm)
                if g2 != g1:
                    return label, g1, g2, perm
            continue  # (only the empty or complete graph has every permutation as an automorphism)
        partner = _moved_edge_partners(rng, g1) if level == 1 else _swap_partner(rng, g1, level >= 3)
        if partner is None:
            continue
        return label, g1, permute(partner, rng.permutation(n).tolist()), None
    raise GenerationError(f"GraphIsomorphism level {level}: no {label} pair in {G1_ATTEMPTS} draws")


# ---------------------------------------------------------------------------------------------- task
class GraphIsomorphism(GraphTask):
    name = "GraphIsomorphism"
    benchmark_id = "graph_isomorphism"
    generator_key = "isomorphism"
    score_function = "simple_str_match"
    answer_format = "Yes or No: whether G1 and G2 are isomorphic"
    max_answer_chars = 2_000

    # ----- generation ---------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        level = level_number(level)
        label, g1, g2, mapping = generate_pair(rng, level)
        state = {"n": len(g1), "g1": [list(e) for e in edges_from_masks(g1)],
                 "g2": [list(e) for e in edges_from_masks(g2)]}
        if label == "No":
            return state, {"label": "No", "mapping": None, "evidence": decide(g1, g2)["evidence"]}
        return state, {"label": "Yes", "mapping": tuple(mapping),  # type: ignore[arg-type]
                       "evidence": "a vertex bijection maps the edges of G1 exactly onto the edges of G2"}

    # ----- solving ------------------------------------------------------------------------------
    @staticmethod
    def _masks(inst: Instance) -> tuple[list[int], list[int]]:
        n = int(inst.state["n"])
        return adjacency_masks(n, inst.state["g1"]), adjacency_masks(n, inst.state["g2"])

    def solve(self, inst: Instance) -> dict:
        res = decide(*self._masks(inst))
        return {"label": res["label"], "mapping": res["mapping"], "evidence": res["evidence"]}

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return str(solution["label"])

    def stats(self, inst: Instance) -> dict:
        g1, g2 = self._masks(inst)
        res = decide(g1, g2)
        n = len(g1)
        # refinement touches every vertex of both graphs once per round
        return {"nodes": n, "edges": len(inst.state["g1"]), "refinement_rounds": res["rounds"],
                "refined_classes": res["refined_classes"], "search_nodes": res["search_nodes"],
                "solver_work": 2 * n * res["rounds"] + res["search_nodes"], "label": res["label"]}

    def pair_key(self, inst: Instance) -> str:
        """The benchmark's pair grouping key: rows with the same question text (the same two adjacency lists)
        form one pair; the imported copies of both rows of a pair share this key (and the fingerprint)."""
        return hashlib.sha256(canonical_json([inst.state["g1"], inst.state["g2"]]).encode()).hexdigest()[:20]

    # ----- verification -------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        said = parse_yes_no(answer, self.max_answer_chars)
        try:
            sol = self.solution(inst)
        except GenerationError as err:  # only a hand-made state far beyond the levels can get here
            raise ValueError(f"this instance cannot be decided within the search budget ({err})") from None
        truth = sol["label"]
        if said == truth:
            if truth == "Yes":
                return Verdict.ok(said, "correct: G1 and G2 are isomorphic")
            return Verdict.ok(said, f"correct: G1 and G2 are not isomorphic ({sol['evidence'] or 'exact test'})")
        if truth == "Yes":
            mapping = sol.get("mapping") or decide(*self._masks(inst))["mapping"]
            pairs = ", ".join(f"{v}->{w}" for v, w in enumerate(mapping))
            return Verdict.fail(f"wrong: G1 and G2 are isomorphic (the bijection {pairs} maps every edge of G1 onto "
                                "an edge of G2)", parsed=said)
        evidence = sol.get("evidence") or decide(*self._masks(inst))["evidence"]
        return Verdict.fail(f"wrong: G1 and G2 are not isomorphic ({evidence})", parsed=said)

    # ----- presentation -------------------------------------------------------------------------
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        k = size / 512
        img, draw = new_canvas(size, WHITE)
        half = size / 2
        top = 44 * k
        draw.line([(round(half), round(10 * k)), (round(half), round(size - 10 * k))], fill=MUTED,
                  width=max(1, round(2 * k)))
        cap = font(max(8, round(22 * k)), bold=True)
        radius = 14 * k
        n = int(inst.state["n"])
        for panel, key in enumerate(("g1", "g2")):
            x0 = panel * half
            draw.text((round(x0 + half / 2), round(22 * k)), key.upper(), font=cap, fill=INK, anchor="mm")
            rect = (x0 + 10 * k + radius, top + radius, x0 + half - 10 * k - radius, size - 10 * k - radius)
            edges = [tuple(e) for e in inst.state[key]]
            pos = self._layout(inst, panel, n, edges, rect, radius)
            draw_graph(draw, pos, edges, node_radius=radius, node_font_size=max(8, round(15 * k)),
                       edge_colors=EDGE_INK, edge_width=max(1, round(3 * k)))
        return img

    def _layout(self, inst: Instance, panel: int, n: int, edges: list[tuple[int, int]],
                rect: tuple[float, float, float, float], radius: float) -> list[tuple[float, float]]:
        """Force-directed restarts from the render stream (never the instance stream), each rotated so that
        its principal axis runs along the tall panel and stretched to fill it; best = vertex centres >= 3r
        apart and edges >= r + 4 px from other centres, then fewest crossings, then the widest clearance."""
        rng = derived_rng("render-layout", self.name, inst.fingerprint, panel)
        best_key, best = None, None
        for _ in range(LAYOUT_RESTARTS):
            start = [tuple(p) for p in rng.random((n, 2)).tolist()]
            raw = spring_layout(n, edges, size=1000, margin=0, initial=start, iterations=LAYOUT_ITERATIONS,
                                min_separation=0)
            pos = _fit_tall(np.asarray(raw, dtype=float), rect)
            d = pts_min_distance(pos)
            clearance = min_edge_vertex_clearance(pos, edges)
            bad = int(d < 3 * radius) + int(clearance < radius + 4)
            crossings = count_crossings(pos, edges)
            key = (bad, crossings, -min(d / 3, clearance))
            if best_key is None or key < best_key:
                best_key, best = key, pos
            if bad == 0 and crossings == 0:
                break
        return best  # type: ignore[return-value]

    @staticmethod
    def _adjacency_text(n: int, edges) -> str:
        return "\n".join(adjacency_lines(map(bits, adjacency_masks(n, edges))))

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        n = int(inst.state["n"])
        if modality == "image":
            return ("The image shows two connected undirected graphs, G1 on the left and G2 on the right. Each circle "
                    "is a vertex labelled with its number and each line is an edge. Determine whether G1 and G2 are "
                    f"isomorphic. {DEFINITION} {FORMAT_SENTENCE}")
        if modality == "text":
            return ("Given two connected undirected graphs G1 and G2 with the adjacency lists below (format: vertex: "
                    f"[neighbours]), determine whether they are isomorphic. {DEFINITION} {FORMAT_SENTENCE}\n"
                    f"G1:\n{self._adjacency_text(n, inst.state['g1'])}\n\n"
                    f"G2:\n{self._adjacency_text(n, inst.state['g2'])}")
        raise ValueError(f"modality must be 'image' or 'text', got {modality!r}")

    def trace(self, inst: Instance) -> str:
        g1, g2 = self._masks(inst)
        n = len(g1)
        m1, m2 = len(inst.state["g1"]), len(inst.state["g2"])
        lines = [f"G1 and G2 both have {n} vertices; G1 has {m1} edges and G2 has {m2} edges."]
        answer = None
        if m1 != m2:
            lines.append("The edge counts differ, so no bijection can map the edges of G1 onto those of G2.")
            answer = "No"
        if answer is None:
            answer = self._trace_refinement(g1, g2, lines)
        lines.append(f"Answer: {answer}")
        return "\n".join(lines)

    def _trace_refinement(self, g1: list[int], g2: list[int], lines: list[str]) -> str:
        n = len(g1)
        deg1 = [m.bit_count() for m in g1]
        deg2 = [m.bit_count() for m in g2]
        lines.append("Degrees in G1: " + per_vertex(deg1) + ".")
        lines.append("Degrees in G2: " + per_vertex(deg2) + ".")
        lines.append(f"Sorted degree sequences: G1 {sorted(deg1, reverse=True)}, G2 {sorted(deg2, reverse=True)}.")
        rounds, differ = refine(g1, g2)
        if differ == 0:
            lines.append("The degree sequences differ, and an isomorphism preserves degrees, so the graphs are not "
                         "isomorphic.")
            return "No"
        lines.append("The degree sequences agree. Refine colours: start with colour = degree; in each round a vertex's "
                     "new colour is its old colour together with the multiset of its neighbours' colours. An "
                     "isomorphism maps each colour class of G1 onto the class of the same colour in G2.")
        for r in range(1, len(rounds)):
            keys = rounds[r]
            order = {k: i for i, k in enumerate(sorted(set(keys)))}
            prev = {k: i for i, k in enumerate(sorted(set(rounds[r - 1])))}
            names = {i: f"c{r}.{i}" for i in order.values()}
            prev_names = {i: (f"deg {k[0]}" if r == 1 else f"c{r - 1}.{i}") for k, i in prev.items()}
            parts = []
            for key, idx in sorted(order.items(), key=lambda kv: kv[1]):
                old = prev_names[key[0]]
                nb = ", ".join(prev_names[c] for c in key[1]) or "none"
                in1 = [v for v in range(n) if keys[v] == key]
                in2 = [v for v in range(n) if keys[n + v] == key]
                parts.append(f"{names[idx]} = ({old}; neighbours {nb}): G1 {brace_set(in1)}, G2 {brace_set(in2)}")
            lines.append(f"Round {r}: " + "; ".join(parts) + ".")
            if differ == r:
                bad = next(idx for key, idx in sorted(order.items(), key=lambda kv: kv[1])
                           if sum(k == key for k in keys[:n]) != sum(k == key for k in keys[n:]))
                c1 = sum(1 for k in keys[:n] if order[k] == bad)
                c2 = sum(1 for k in keys[n:] if order[k] == bad)
                what = "(degree, neighbour degrees) signatures" if r == 1 else "refined colours"
                lines.append(f"Class {names[bad]} has {_count(c1, 'vertex', 'vertices')} in G1 but {c2} in G2: the "
                             f"{what} differ, so the graphs are not isomorphic.")
                return "No"
        colour = _stable_colours(rounds)
        lines.append(f"Round {len(rounds)}: no class splits any further, so the colouring is stable with "
                     f"{len(set(colour[:n]))} classes and equal class sizes in G1 and G2.")
        lines.append("Backtracking: map the vertices of G1 one at a time (next: the vertex with the most mapped "
                     "neighbours, then the smallest class) to unused vertices of G2 with the same colour that are "
                     "adjacent exactly to the images of its mapped neighbours.")
        log: list = []
        mapping, _ = search_mapping(g1, g2, colour, log)
        depth = 0
        for event in log:
            kind, v = event[0], event[1]
            pad = "  " * min(depth, 10)
            if kind == "cands":
                if event[2]:
                    lines.append(f"{pad}Vertex {v}: candidates {brace_set(event[2])}.")
                else:
                    lines.append(f"{pad}Vertex {v}: no consistent candidate; backtrack.")
            elif kind == "map":
                lines.append(f"{pad}Try {v} -> {event[2]}.")
                depth += 1
            else:
                depth -= 1
                lines.append(f"{'  ' * min(depth, 10)}Undo {v} -> {event[2]}.")
        if mapping is None:
            lines.append("Every branch fails, so no bijection preserves adjacency: the graphs are not isomorphic.")
            return "No"
        lines.append("Mapping found: " + ", ".join(f"{v}->{w}" for v, w in enumerate(mapping)) + ".")
        checks = []
        for u, v in edges_from_masks(g1):
            a, b = sorted((mapping[u], mapping[v]))
            checks.append(f"{u}-{v} -> {a}-{b}")
        lines.append("Check: every edge of G1 maps onto an edge of G2: " + ", ".join(checks) + "; the edge counts are "
                     "equal, so non-edges map onto non-edges. The graphs are isomorphic.")
        return "Yes"

    # ----- reference records --------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        text = next((raw for raw in record_texts(record, ("question_text", "question_language", "question"))
                     if _BLOCK.search(raw) and ADJ_ENTRY.search(raw)), None)
        if text is None:
            raise RecordError("no 'G1:' / 'G2:' adjacency lists in question_text / question_language")
        heads = {int(m.group(1)): m for m in _BLOCK.finditer(text)}
        if set(heads) != {1, 2}:
            raise RecordError("the question must hold one 'G1:' and one 'G2:' adjacency block")
        h1, h2 = heads[1], heads[2]
        if h1.start() > h2.start():
            raise RecordError("the 'G1:' block must come before the 'G2:' block")
        blocks = [_parse_block(text[h1.end():h2.start()], "G1"), _parse_block(text[h2.end():], "G2")]
        n = 1 + max(max([u, *vs]) for block in blocks for u, vs in block.items())
        if not 2 <= n <= MAX_RECORD_VERTICES:
            raise RecordError(f"unsupported vertex count {n}")
        g1, g2 = sorted(_edges_of(blocks[0], "G1")), sorted(_edges_of(blocks[1], "G2"))
        try:
            decide(adjacency_masks(n, g1), adjacency_masks(n, g2))
        except GenerationError as err:
            raise RecordError(f"the exact isomorphism test is too expensive for this record ({err})") from None
        return {"n": n, "g1": [list(e) for e in g1], "g2": [list(e) for e in g2]}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        return next((lv for lv, (n, _) in LEVEL_PARAMS.items() if n == state["n"]), None)


def _parse_block(body: str, name: str) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for key, inside in adjacency_entries(body):
        u = int(key)
        ids = id_items(inside)
        if ids is None:
            raise RecordError(f"{name}: bad neighbour list for vertex {u}: [{inside}]")
        out[u] = ids
    if not out:
        raise RecordError(f"{name}: empty adjacency block")
    return out


def _edges_of(block: dict[int, list[int]], name: str) -> set[tuple[int, int]]:
    edges = set()
    for u, vs in block.items():
        for v in vs:
            if u == v:
                raise RecordError(f"{name}: self-loop at vertex {u}")
            edges.add(norm(u, v))
    return edges


def _fit_tall(pts: np.ndarray, rect: tuple[float, float, float, float]) -> list[tuple[float, float]]:
    """Rotate the principal axis of ``pts`` to vertical, then stretch into ``rect`` (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = rect
    centred = pts - pts.mean(axis=0)
    _, vecs = np.linalg.eigh(centred.T @ centred)
    angle = float(np.arctan2(vecs[0, 1], vecs[1, 1]))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    p = centred @ rot.T
    lo, hi = p.min(axis=0), p.max(axis=0)
    span = np.maximum(hi - lo, 1e-9)
    return [(float(x0 + (x - lo[0]) / span[0] * (x1 - x0)), float(y0 + (y - lo[1]) / span[1] * (y1 - y0)))
            for x, y in p]


def pts_min_distance(pos: list[tuple[float, float]]) -> float:
    p = np.asarray(pos, dtype=float)
    if len(p) < 2:
        return float("inf")
    d = np.sqrt(((p[:, None, :] - p[None, :, :]) ** 2).sum(axis=2))
    d[np.diag_indices(len(p))] = np.inf
    return float(d.min())


def _count(k: int, one: str, many: str) -> str:
    return f"{k} {one if k == 1 else many}"


TASK = GraphIsomorphism()
