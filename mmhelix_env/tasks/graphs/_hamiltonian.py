"""Shared machinery of HamiltonianCycle and HamiltonianPath (spec/tasks/Hamiltonian*.md).

- :func:`build_graph`: the grid king-graph builder (randomised DFS spanning tree over the 8 king moves from a
  random root, then orthogonal/diagonal and king/far passes, at most one diagonal per unit cell, optional
  degree cap), on the grid tables of :mod:`._graph_common`;
- :func:`decide`: the exact decision. Certificates first (a vertex of degree <= 1, a cut vertex, unequal
  bipartite sides for cycles; two leaves besides s, s a cut vertex, a vertex splitting off two parts for paths),
  then a depth-first search over bitmasks that extends one path and prunes a move when an unvisited vertex is
  left with too few usable neighbours (degree-2 forcing), when the unvisited vertices come apart from the path
  end, or (cycles) when no neighbour of the start is left to close through. The search can keep a log tree
  that the reasoning trace replays;
- the lenient answer parser and the rule checkers (partial scores as the spec defines them);
- rendering (render.graph), adjacency text, trace writing and the reference-record importer;
- :class:`HamiltonianTask`, the base class both tasks derive from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

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
    unescape,
)
from ...render import INK, WHITE, draw_text, font, new_canvas, text_size
from ...render.graph import box_circle_distance, draw_graph
from ._graph_common import (
    GraphTask,
    adjacency_lines,
    adjacency_masks,
    bits,
    brace_set,
    clipped,
    diagonal_allowed,
    grid_cols,
    grid_layout,
    grid_tables,
    initial_state,
    mark_diagonal,
    node_radius,
    norm,
    per_vertex,
    random_spanning_tree,
    reach,
)

MAX_ATTEMPTS = 20_000
MAX_VERTICES = 25


# ------------------------------------------------------------------------------------------------ builder
@dataclass(frozen=True)
class BuilderParams:
    p_orth: float
    p_diag: float
    p_adj2: float
    p_far: float
    cap: int | None  # maximum degree (None: no cap)


def build_graph(rng: np.random.Generator, n: int, cols: int, params: BuilderParams) -> list[tuple[int, int]] | None:
    """One random grid king-graph: sorted edges (u, v) with u < v, or None when the capped spanning tree
    could not reach every vertex (the caller redraws)."""
    tab = grid_tables(n, cols)
    cap = params.cap if params.cap is not None else n
    deg = [0] * n
    edges: set[tuple[int, int]] = set()
    diag = [-1] * len(tab.cell_pairs)  # per unit cell: -1 none, 0 '\', 1 '/'

    def can_add(u: int, v: int) -> bool:
        if deg[u] >= cap or deg[v] >= cap:
            return False
        key = norm(u, v)
        return key not in edges and diagonal_allowed(tab, diag, key)

    def add(u: int, v: int) -> None:
        key = norm(u, v)
        edges.add(key)
        deg[u] += 1
        deg[v] += 1
        mark_diagonal(tab, diag, key)

    # 1. randomised DFS spanning tree over the king moves (shuffled order per vertex, degree cap respected)
    if random_spanning_tree(rng, tab, can_add, add) < n:
        return None
    # 2./3. orthogonal pairs with p_orth and diagonal pairs with p_diag; then king pairs with p_adj2 and far
    # pairs with p_far. Candidates are visited in a random order so the cap and the one-diagonal-per-cell
    # rule favour no direction.
    first = [(u, v, params.p_orth) for u, v in tab.orth] + [(u, v, params.p_diag) for u, v in tab.diag]
    second = [(u, v, params.p_adj2) for u, v in tab.orth + tab.diag] + [(u, v, params.p_far) for u, v in tab.far]
    for cands in (first, second):
        draws = rng.random(len(cands))
        for i in rng.permutation(len(cands)).tolist():
            u, v, p = cands[i]
            if draws[i] < p and can_add(u, v):
                add(u, v)
    return sorted(edges)


# -------------------------------------------------------------------------------------------- graph utils
def components(adj: list[int], allowed: int) -> list[int]:
    out = []
    left = allowed
    while left:
        v = (left & -left).bit_length() - 1
        comp = reach(adj, v, allowed)
        out.append(comp)
        left &= ~comp
    return out


def cut_vertices(adj: list[int], n: int) -> list[int]:
    full = (1 << n) - 1
    return [v for v in range(n) if len(components(adj, full & ~(1 << v))) > 1]


def bipartition(adj: list[int], n: int) -> tuple[list[int], list[int]] | None:
    """The two colour classes of a connected bipartite graph, None if it has an odd cycle."""
    colour = [-1] * n
    colour[0] = 0
    queue = [0]
    for u in queue:
        for v in bits(adj[u]):
            if colour[v] < 0:
                colour[v] = 1 - colour[u]
                queue.append(v)
            elif colour[v] == colour[u]:
                return None
    return [v for v in range(n) if colour[v] == 0], [v for v in range(n) if colour[v] == 1]


# ----------------------------------------------------------------------------------------- certificates
@dataclass(frozen=True)
class Certificate:
    kind: str        # "disconnected" | "leaf" | "cut" | "bipartite" | "two_leaves" | "start_cut" | "splitter"
    text: str        # a sentence that proves "No"


def _parts(parts: list[int]) -> str:
    return " and ".join(brace_set(bits(p)) for p in parts)


def _disconnected(adj: list[int], full: int) -> list[Certificate]:
    """The certificate of a graph that falls into several parts (then the only one listed), else none."""
    comps = components(adj, full)
    if len(comps) > 1:
        return [Certificate("disconnected", f"the graph falls into {len(comps)} separate parts")]
    return []


def cycle_certificates(adj: list[int], n: int) -> list[Certificate]:
    """Every quick proof that no Hamiltonian cycle exists (empty when none applies)."""
    full = (1 << n) - 1
    out = _disconnected(adj, full)
    if out:
        return out
    low = [v for v in range(n) if adj[v].bit_count() <= 1]
    if low:
        v = low[0]
        out.append(Certificate("leaf", f"vertex {v} has only {adj[v].bit_count()} neighbour, but a cycle needs "
                                       "two edges at every vertex"))
    cuts = cut_vertices(adj, n)
    if cuts:
        v = cuts[0]
        parts = components(adj, full & ~(1 << v))
        out.append(Certificate("cut", f"removing vertex {v} splits the graph into {len(parts)} parts "
                                      f"({_parts(parts)}), but a cycle "
                                      f"passes through {v} only once and cannot visit both sides"))
    sides = bipartition(adj, n)
    if sides is not None and len(sides[0]) != len(sides[1]):
        a, b = sides
        out.append(Certificate("bipartite", f"the graph is bipartite with sides of {len(a)} ({', '.join(map(str, a))}) "
                                            f"and {len(b)} ({', '.join(map(str, b))}) vertices; a cycle alternates "
                                            "sides, so the sides would have to be equal"))
    return out


def path_certificates(adj: list[int], n: int, s: int) -> list[Certificate]:
    """Every quick proof that no Hamiltonian path from ``s`` exists (empty when none applies)."""
    full = (1 << n) - 1
    out = _disconnected(adj, full)
    if out:
        return out
    leaves = [v for v in range(n) if v != s and adj[v].bit_count() == 1]
    if len(leaves) >= 2:
        out.append(Certificate("two_leaves", f"vertices {leaves[0]} and {leaves[1]} both have a single neighbour, "
                                             "so each would have to be the last vertex of the path"))
    if n > 1:
        parts = components(adj, full & ~(1 << s))
        if len(parts) > 1:
            out.append(Certificate("start_cut", f"removing the start {s} splits the rest into {len(parts)} parts "
                                                f"({_parts(parts)}); the "
                                                f"path leaves {s} once and cannot come back"))
    for v in range(n):
        if v == s:
            continue
        parts = components(adj, full & ~(1 << v))
        away = [p for p in parts if not p >> s & 1]
        if len(away) >= 2:
            out.append(Certificate("splitter", f"removing vertex {v} leaves {len(away)} parts without the start "
                                               f"({_parts(away)}); the "
                                               f"path passes {v} once and can enter only one of them afterwards"))
            break
    return out


# ------------------------------------------------------------------------------------------------ search
@dataclass
class Node:
    """One partial path the search expanded (log mode)."""

    path: tuple[int, ...]
    options: list[tuple[int, tuple | None]] = field(default_factory=list)  # (vertex, failure or None), in order
    children: list[Node] = field(default_factory=list)                      # viable options explored, in order
    success: bool = False
    size: int = 1          # nodes in this subtree
    dead_ends: int = 0     # nodes in this subtree with no viable move


@dataclass
class SearchResult:
    order: tuple[int, ...] | None   # the path / cycle (open) found, None if none exists
    nodes: int                      # partial paths expanded
    checks: int                     # candidate moves tested
    dead_ends: int
    root: Node | None = None        # log tree (log mode)
    closers_first: int | None = None  # cycle: the first neighbour of the start the search fixed


class _Search:
    def __init__(self, adj: list[int], n: int, log: bool):
        self.adj = adj
        self.n = n
        self.adjbit = {1 << i: adj[i] for i in range(n)}
        self.log = log
        self.nodes = 0
        self.checks = 0
        self.dead_ends = 0

    def check(self, w: int, left: int, closers: int | None) -> tuple | None:
        """Why the partial path that now ends at ``w`` with unvisited set ``left`` cannot be completed
        (None when it may). ``closers``: cycle mode, the neighbours of the start the cycle may return through."""
        self.checks += 1
        adjbit = self.adjbit
        wbit = 1 << w
        if closers is not None:
            if not left:
                return None if closers & wbit else ("close", w)
            if not closers & left:
                return ("noreturn",)
            avail = left | wbit
            m = left
            while m:
                low = m & -m
                m ^= low
                d = (adjbit[low] & avail).bit_count() + (1 if closers & low else 0)
                if d < 2:
                    return ("stranded", low.bit_length() - 1, d)
        else:
            if not left:
                return None
            avail = left | wbit
            leaf = -1
            m = left
            while m:
                low = m & -m
                m ^= low
                d = (adjbit[low] & avail).bit_count()
                if d < 2:
                    x = low.bit_length() - 1
                    if d == 0:
                        return ("isolated", x)
                    if leaf >= 0:
                        return ("two_leaves", leaf, x)
                    leaf = x
        allowed = left | wbit
        reached = reach(self.adj, w, allowed)
        if reached != allowed:
            return ("split", tuple(bits(allowed & ~reached)))
        return None

    def expand(self, path: list[int], left: int, closers: int | None, node: Node | None) -> bool:
        """Depth-first extension of ``path`` (which already passed :meth:`check`)."""
        self.nodes += 1
        e = path[-1]
        adjbit = self.adjbit
        cands = bits(self.adj[e] & left)
        if len(cands) > 1:  # fewest onward options first (Warnsdorff), then the smaller id
            cands.sort(key=lambda c: ((adjbit[1 << c] & left).bit_count(), c))
        viable = []
        for c in cands:
            why = self.check(c, left & ~(1 << c), closers)
            if node is not None:
                node.options.append((c, why))
            if why is None:
                viable.append(c)
        if not viable:
            self.dead_ends += 1
            if node is not None:
                node.dead_ends = 1
            return False
        for c in viable:
            path.append(c)
            rest = left & ~(1 << c)
            child = Node(tuple(path)) if node is not None else None
            if node is not None:
                node.children.append(child)
            if not rest:
                self.nodes += 1
                if child is not None:
                    child.success = True
                    node.success = True
                    node.size += 1
                return True
            ok = self.expand(path, rest, closers, child)
            if child is not None:
                node.size += child.size
                node.dead_ends += child.dead_ends
            if ok:
                if node is not None:
                    node.success = True
                return True
            path.pop()
        return False


def search_path(adj: list[int], n: int, s: int, log: bool = False) -> SearchResult:
    """Exact depth-first search for a Hamiltonian path starting at ``s``."""
    srch = _Search(adj, n, log)
    full = (1 << n) - 1
    left = full & ~(1 << s)
    root = Node((s,)) if log else None
    found = None
    why = srch.check(s, left, None)
    if why is None:
        path = [s]
        if not left:
            found = (s,)
            srch.nodes += 1
        elif srch.expand(path, left, None, root):
            found = tuple(path)
    else:
        srch.dead_ends += 1
        if root is not None:
            root.dead_ends = 1
            root.options = [(s, why)]
    return SearchResult(found, srch.nodes, srch.checks, srch.dead_ends, root)


def cycle_start(adj: list[int], n: int) -> int:
    """The vertex the cycle search starts from: fewest neighbours, then smallest id."""
    return min(range(n), key=lambda v: (adj[v].bit_count(), v))


def search_cycle(adj: list[int], n: int, log: bool = False) -> SearchResult:
    """Exact depth-first search for a Hamiltonian cycle. It starts at :func:`cycle_start` r; each cycle is met
    once: it leaves r through a neighbour a and must return through a larger neighbour (``closers``)."""
    srch = _Search(adj, n, log)
    full = (1 << n) - 1
    r = cycle_start(adj, n)
    left0 = full & ~(1 << r)
    root = Node((r,)) if log else None
    srch.nodes += 1
    found = None
    first = None
    nbrs = bits(adj[r])
    viable = []
    for a in nbrs[:-1]:
        closers = adj[r] & ~((2 << a) - 1)
        why = srch.check(a, left0 & ~(1 << a), closers)
        if root is not None:
            root.options.append((a, why))
        if why is None:
            viable.append((a, closers))
    if root is not None and nbrs:
        root.options.append((nbrs[-1], ("largest",)))
    if not viable:
        srch.dead_ends += 1
        if root is not None:
            root.dead_ends = 1
    for a, closers in viable:
        path = [r, a]
        child = Node((r, a)) if log else None
        if root is not None:
            root.children.append(child)
        ok = srch.expand(path, left0 & ~(1 << a), closers, child) if left0 & ~(1 << a) else True
        if root is not None:
            root.size += child.size
            root.dead_ends += child.dead_ends
        if ok:
            found, first = tuple(path), a
            if root is not None:
                root.success = child.success = True
            break
    return SearchResult(found, srch.nodes, srch.checks, srch.dead_ends, root, first)


@dataclass(frozen=True)
class Decision:
    exists: bool
    order: tuple[int, ...] | None
    certificates: tuple[Certificate, ...]
    search: SearchResult | None  # None when a certificate settled it


def decide_cycle(adj: list[int], n: int, log: bool = False) -> Decision:
    certs = cycle_certificates(adj, n)
    if certs:
        return Decision(False, None, tuple(certs), None)
    res = search_cycle(adj, n, log)
    return Decision(res.order is not None, res.order, (), res)


def decide_path(adj: list[int], n: int, s: int, log: bool = False) -> Decision:
    certs = path_certificates(adj, n, s)
    if certs:
        return Decision(False, None, tuple(certs), None)
    res = search_path(adj, n, s, log)
    return Decision(res.order is not None, res.order, (), res)


# ----------------------------------------------------------------------------------------------- parsing
_NO = re.compile(r"""^(['"]?)no\1\s*\.?$""", re.I)
_SEP = re.compile(r"\s*(?:->|→|[-–—,])\s*|\s+")
_ID = re.compile(r"""^(['"]?)([0-9]+)\1$""", re.ASCII)
_BRACKETS = {"[": "]", "(": ")"}
FORMAT_HINT = "write the vertex ids as a list like [0, 1, 2, 3], or No"


def parse_answer(text: str, max_chars: int = 1_000) -> tuple[int, ...] | None:
    """``None`` for a No answer, else the vertex ids in order. Raises ParseError with the reason."""
    body = clean_markup(bounded(text, max_chars)).strip()
    if _NO.match(body):
        return None
    if body.endswith("."):
        body = body[:-1].rstrip()
    if body[:1] in _BRACKETS or body[-1:] in ")]":
        if body[:1] not in _BRACKETS or body[-1:] != _BRACKETS[body[:1]]:
            raise ParseError(f"unbalanced brackets; {FORMAT_HINT}")
        body = body[1:-1].strip()
    if not body:
        raise ParseError(f"empty list; {FORMAT_HINT}")
    out = []
    for pos, tok in enumerate(_SEP.split(body), 1):
        m = _ID.match(tok)
        if m is None:
            if not tok:
                raise ParseError(f"empty or negative entry at position {pos}; {FORMAT_HINT}")
            shown = tok if len(tok) <= 20 else tok[:20] + "..."
            raise ParseError(f"entry {pos} ({shown!r}) is not a vertex id; {FORMAT_HINT}")
        if len(m.group(2)) > 6:
            raise ParseError(f"entry {pos} is not a vertex id (number too long)")
        out.append(int(m.group(2)))
    return tuple(out)


# -------------------------------------------------------------------------------------------- verification
def _prefix(ids: tuple[int, ...], n: int, adj: list[int]) -> tuple[int, str | None]:
    """Length of the longest prefix of valid, distinct ids joined by edges, and what broke it."""
    seen: dict[int, int] = {}
    for i, v in enumerate(ids):
        if not 0 <= v < n:
            return i, f"entry {i + 1} ({v}) is not a vertex (the ids are 0..{n - 1})"
        if v in seen:
            return i, f"vertex {v} is visited twice (entries {seen[v] + 1} and {i + 1})"
        if i and not adj[ids[i - 1]] >> v & 1:
            return i, f"there is no edge {ids[i - 1]}-{v} (entries {i} and {i + 1})"
        seen[v] = i
    return len(ids), None


def _missing(ids, n: int) -> str:
    miss = sorted(set(range(n)) - set(ids))
    return f"{len(miss)} vertex{'es' if len(miss) != 1 else ''} never visited ({clipped(miss, 8, count=False)})"


def check_cycle(n: int, adj: list[int], parsed: tuple[int, ...] | None, exists) -> Verdict:
    """Rule check of a cycle answer; ``exists`` is a callable giving the exact flag (used for No only)."""
    if parsed is None:
        if exists():
            return Verdict.fail("wrong: a Hamiltonian cycle exists, so 'No' is incorrect", 0.0, "No")
        return Verdict.ok("No", "correct: the graph has no Hamiltonian cycle")
    ids = parsed
    closed = len(ids) >= 2 and ids[0] == ids[-1]
    if closed:
        ids = ids[:-1]
    good, why = _prefix(ids, n, adj)
    edges = max(good - 1, 0)
    listed = list(parsed)
    if why is not None:
        return Verdict.fail(f"not a Hamiltonian cycle: {why}", edges / n, listed)
    if len(ids) < n:
        what = "the cycle closes" if closed else "the list ends"
        return Verdict.fail(f"not a Hamiltonian cycle: {what} after {len(ids)} of {n} vertices; "
                            f"{_missing(ids, n)}", edges / n, listed)
    if not adj[ids[-1]] >> ids[0] & 1:
        return Verdict.fail(f"not a Hamiltonian cycle: the closing edge {ids[-1]}-{ids[0]} (last vertex back to "
                            "the first) does not exist", edges / n, listed)
    return Verdict.ok(listed, f"correct: a Hamiltonian cycle through all {n} vertices")


def check_path(n: int, adj: list[int], s: int, parsed: tuple[int, ...] | None, exists) -> Verdict:
    if parsed is None:
        if exists():
            return Verdict.fail(f"wrong: a Hamiltonian path starting at vertex {s} exists, so 'No' is incorrect",
                                0.0, "No")
        return Verdict.ok("No", f"correct: no Hamiltonian path starts at vertex {s}")
    ids = parsed
    listed = list(ids)
    if ids[0] != s:
        return Verdict.fail(f"not a valid answer: the path must start at vertex {s}, but it starts at {ids[0]}",
                            0.0, listed)
    good, why = _prefix(ids, n, adj)
    if why is not None:
        return Verdict.fail(f"not a Hamiltonian path: {why}", good / n, listed)
    if len(ids) < n:
        return Verdict.fail(f"not a Hamiltonian path: it visits {len(ids)} of {n} vertices; {_missing(ids, n)}",
                            good / n, listed)
    return Verdict.ok(listed, f"correct: a Hamiltonian path from vertex {s} through all {n} vertices")


# ------------------------------------------------------------------------------------------------- trace
def reason_text(why: tuple, start: int | None = None) -> str:
    kind = why[0]
    if kind == "stranded":
        x, d = why[1], why[2]
        return f"vertex {x} would keep only {d} usable neighbour{'s' if d != 1 else ''}"
    if kind == "isolated":
        return f"vertex {why[1]} would have no usable neighbour"
    if kind == "two_leaves":
        return (f"vertices {why[1]} and {why[2]} would each keep a single usable neighbour, but only one of them "
                "can be the last vertex")
    if kind == "split":
        cut = why[1]
        shown = clipped(cut, 4, count=False)
        return f"unvisited vert{'ices' if len(cut) > 1 else 'ex'} {shown} would be cut off from the path end"
    if kind == "noreturn":
        return f"no neighbour of the start {start} would be left to return through"
    if kind == "close":
        return f"{why[1]} is not joined to the start {start}"
    if kind == "largest":
        return "its largest neighbour is kept for the way back"
    return str(why)


class TraceWriter:
    def __init__(self, start: int | None, budget: int = 48):
        self.lines: list[str] = []
        self.start = start
        self.budget = budget  # lines for failed branches
        self.used = 0

    @staticmethod
    def path_text(path) -> str:
        return "-".join(map(str, path))

    def node_line(self, node: Node) -> str:
        p = self.path_text(node.path)
        ruled = [(c, why) for c, why in node.options if why is not None and why[0] != "largest"]
        ok = [c for c, why in node.options if why is None]
        parts = [f"{c} ruled out ({reason_text(why, self.start)})" for c, why in ruled]
        if not ok:
            if not node.options:
                desc = "no unvisited neighbour left"
            else:
                desc = "; ".join(parts)
            return f"{p}: {desc} -> dead end, back up."
        head = f"{p}: " + ("; ".join(parts) + "; " if parts else "")
        if len(ok) == 1:
            return head + f"only {ok[0]} is possible -> forced move to {ok[0]}."
        return head + f"options {', '.join(map(str, ok))} -> try {ok[0]} first (fewest onward neighbours)."

    def summary(self, child: Node) -> str:
        return (f"{self.path_text(child.path)}: this branch fails (summarised: {child.size} partial paths "
                f"explored, {child.dead_ends} dead ends) -> back up.")

    def render(self, node: Node) -> None:
        if len(node.path) > 0 and node.success and not node.children:
            return
        self.lines.append(self.node_line(node))
        if not node.success:
            self.used += 1
        for i, child in enumerate(node.children):
            if i:
                self.lines.append(f"Back at {self.path_text(node.path)}: try the next option {child.path[-1]}.")
                if not node.success:
                    self.used += 1
            if child.success:
                self.render(child)
            elif self.used + 2 * child.size <= self.budget or (self.used < self.budget // 2 and child.children):
                self.render(child)
            else:
                self.lines.append(self.summary(child))
                self.used += 1


# ------------------------------------------------------------------------------------------------ images
START_FILL = (232, 76, 76)
START_OUTLINE = (110, 0, 0)


def draw_instance(n: int, cols: int, edges, start: int | None, size: int = 512):
    """The image: vertex i at its grid position, greedy-coloured straight edges (render.graph), the start vertex
    (paths) red and slightly larger with a small legend outside the graph."""
    k = size / 512
    pos, step = grid_layout(n, cols, size, 48)
    radius = node_radius(step, 0.2, size)
    styles = {}
    if start is not None:
        styles[start] = {"fill": START_FILL, "outline": START_OUTLINE, "outline_width": max(2, round(4 * k)),
                         "radius": radius * 1.18}
    img, draw = new_canvas(size, WHITE)
    drawn = draw_graph(draw, pos, [tuple(e) for e in edges], node_radius=radius,
                       node_font_size=max(8, round(max(14 * k, 0.9 * radius))), edge_width=max(2, round(3 * k)),
                       node_styles=styles)
    legend = None
    if start is not None:
        legend = _draw_legend(draw, pos, drawn.radii, size)
    return img, drawn, legend


def _draw_legend(draw, pos, radii, size: int):
    """A "red = start" key in a free spot above or below the grid (no edge goes there: every edge joins two
    vertex centres); returns its box."""
    k = size / 512
    fnt = font(max(8, round(14 * k)))
    text = "red = start"
    tw, th = text_size(text, fnt)
    dot = max(4, round(6 * k))
    pad = max(2, round(3 * k))
    w = 2 * dot + round(6 * k) + tw + 2 * pad
    h = max(2 * dot, th) + 2 * pad
    xs = sorted({round(p[0], 3) for p in pos})
    ys = [p[1] for p in pos]
    top, bottom = min(ys), max(ys)
    gaps = [(xs[i] + xs[i + 1]) / 2 for i in range(len(xs) - 1)] or [size / 2]
    xcands = [gaps[0], gaps[-1], *gaps[1:-1], size / 2, w / 2 + 4 * k, size - w / 2 - 4 * k]
    ycands = [max(h / 2 + 2 * k, (top - min(radii)) / 2), min(size - h / 2 - 2 * k, (bottom + min(radii) + size) / 2)]
    cands = [(cx, cy) for cy in ycands for cx in xcands]
    for cx, cy in cands:
        box = (round(cx - w / 2), round(cy - h / 2), round(cx + w / 2), round(cy + h / 2))
        if box[0] < 0 or box[1] < 0 or box[2] > size - 1 or box[3] > size - 1:
            continue
        if box[3] >= top and box[1] <= bottom:
            continue
        if all(box_circle_distance(box, p) > r + 2 * k for p, r in zip(pos, radii)):
            break
    else:  # never seen: fall back to the top-left corner
        box = (0, 0, w, h)
    x0, y0 = box[0] + pad, (box[1] + box[3]) / 2
    draw.ellipse((x0, round(y0 - dot), x0 + 2 * dot, round(y0 + dot)), fill=START_FILL, outline=START_OUTLINE,
                 width=max(1, round(2 * k)))
    draw_text(draw, (x0 + 2 * dot + round(6 * k), y0), text, fnt, fill=INK, anchor="lm")
    return box


# ------------------------------------------------------------------------------------------------ import
_ENTRY = re.compile(r"(\d+)\s*:\s*\[([0-9,\s]*)\]", re.ASCII)


def adjacency_from_record(record: dict) -> tuple[int, list[tuple[int, int]], int | None, dict | None]:
    """(n, edges, cols or None, our own state dict or None) from ``initial_state`` (adjacency dict, possibly
    serialised; or a state dict of ours) or else the adjacency lines of the question text."""
    data = initial_state(record)
    if isinstance(data, dict) and "edges" in data:
        try:
            n = int(data["n"])
            edges = [(int(u), int(v)) for u, v in data["edges"]]
            cols = int(data["cols"]) if data.get("cols") is not None else None
        except (TypeError, ValueError, KeyError) as err:
            raise RecordError(f"initial_state is malformed: {err}") from None
        return n, _clean_edges(n, edges), cols, data
    table: dict[int, list[int]] = {}
    if isinstance(data, dict) and data:
        try:
            for key, value in data.items():
                nbrs = record_field(value) if isinstance(value, str) else value
                table[int(str(key).strip())] = [int(v) for v in nbrs]
        except (TypeError, ValueError) as err:
            raise RecordError(f"initial_state is not an adjacency dict: {err}") from None
    else:
        text = ""
        for key in ("question_language", "question_text", "question"):
            value = record.get(key)
            if isinstance(value, str) and _ENTRY.search(value):
                text = unescape(value)
                break
        for m in _ENTRY.finditer(text):
            u = int(m.group(1))
            if u in table:
                raise RecordError(f"vertex {u} is listed twice in the adjacency list")
            table[u] = [int(v) for v in re.findall(r"\d+", m.group(2), re.ASCII)]
        if not table:
            raise RecordError("no adjacency list found (initial_state or 'u: [v, ...]' lines in the question)")
    n = len(table)
    if sorted(table) != list(range(n)):
        raise RecordError(f"adjacency keys are not 0..{n - 1}: {sorted(table)[:10]}")
    edges = set()
    for u, nbrs in table.items():
        for v in nbrs:
            if not 0 <= v < n:
                raise RecordError(f"vertex {u} lists neighbour {v}, which is not a vertex")
            if v == u:
                raise RecordError(f"self-loop at vertex {u}")
            if u not in table[v]:
                raise RecordError(f"adjacency is not symmetric: {v} is listed at {u} but not {u} at {v}")
            edges.add(norm(u, v))
    return n, _clean_edges(n, sorted(edges)), None, None


def _clean_edges(n: int, edges) -> list[tuple[int, int]]:
    if not 2 <= n <= MAX_VERTICES:
        raise RecordError(f"unsupported vertex count {n} (2..{MAX_VERTICES})")
    out = set()
    for u, v in edges:
        if not (0 <= u < n and 0 <= v < n) or u == v:
            raise RecordError(f"bad edge {u}-{v}")
        out.add(norm(u, v))
    return sorted(out)


# ------------------------------------------------------------------------------------------------ task
class HamiltonianTask(GraphTask):
    """What the two Hamiltonian tasks share; subclasses set the class attributes and the hooks below."""

    max_answer_chars = 1_000
    LEVEL_N: ClassVar[dict[int, int]] = {}
    PARAMS: ClassVar[BuilderParams]
    P_NO: ClassVar[float] = 1 / 3
    has_start: ClassVar[bool] = False

    # ----- helpers ------------------------------------------------------------------------------
    @staticmethod
    def graph(inst: Instance) -> tuple[int, list[int]]:
        st = inst.state
        n = int(st["n"])
        return n, adjacency_masks(n, st["edges"])

    def decide(self, n: int, adj: list[int], start: int | None, log: bool = False) -> Decision:
        raise NotImplementedError

    def trivial_ok(self, level: int, certs: tuple[Certificate, ...]) -> bool:
        """Whether a No-instance settled by these certificates is acceptable at ``level``."""
        raise NotImplementedError

    def make_state(self, n: int, cols: int, edges, start: int | None) -> dict:
        state = {"n": n, "cols": cols, "edges": [list(e) for e in edges]}
        if self.has_start:
            state["start"] = int(start)
        return state

    # ----- generation ---------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        level = level_number(level)
        n = self.LEVEL_N[level]
        cols = grid_cols(n)
        want = bool(rng.random() >= self.P_NO)
        for _ in range(MAX_ATTEMPTS):
            edges = build_graph(rng, n, cols, self.PARAMS)
            if edges is None:
                continue
            start = int(rng.integers(n)) if self.has_start else None
            adj = adjacency_masks(n, edges)
            dec = self.decide(n, adj, start)
            if dec.exists != want:
                continue
            if not want and dec.certificates and not self.trivial_ok(level, dec.certificates):
                continue
            return self.make_state(n, cols, edges, start), {"exists": dec.exists, "order": dec.order}
        raise GenerationError(f"{self.name} level {level}: no {'Yes' if want else 'No'} instance in "
                              f"{MAX_ATTEMPTS} draws")

    # ----- solving ------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> dict:
        n, adj = self.graph(inst)
        dec = self.decide(n, adj, inst.state.get("start"))
        return {"exists": dec.exists, "order": dec.order}

    def stats(self, inst: Instance) -> dict:
        n, adj = self.graph(inst)
        dec = self.decide(n, adj, inst.state.get("start"))
        res = dec.search
        return {"vertices": n, "edges": len(inst.state["edges"]), "exists": int(dec.exists),
                "certificates": len(dec.certificates), "search_nodes": res.nodes if res else 0,
                "checks": res.checks if res else 0, "dead_ends": res.dead_ends if res else 0}

    # ----- verification -------------------------------------------------------------------------
    def exists(self, inst: Instance) -> bool:
        return bool(self.solution(inst)["exists"])

    # ----- presentation -------------------------------------------------------------------------
    def drawing(self, inst: Instance, size: int = 512):
        """(image, GraphDrawing, legend box or None)."""
        st = inst.state
        n = int(st["n"])
        cols = int(st.get("cols") or grid_cols(n))
        return draw_instance(n, cols, st["edges"], st.get("start") if self.has_start else None, size)

    def adjacency_text(self, inst: Instance) -> str:
        return "\n".join(adjacency_lines(map(bits, self.graph(inst)[1])))

    def trace_opening(self, adj: list[int], dec: Decision, goal: str, absent: str, verdict: str) -> list[str]:
        """The first lines of both reasoning traces: we need ``goal`` or a proof that none exists, the neighbour
        lists, the degrees and the quick checks (each would prove ``absent``); with a certificate the whole trace,
        ending in "So <verdict>." and "Answer: No"."""
        lines = [f"We need {goal}, or a proof that none exists. Reading the graph, the neighbours of each vertex are:"]
        lines += adjacency_lines(map(bits, adj))
        lines.append("Degrees: " + per_vertex(m.bit_count() for m in adj) + ".")
        lines.append(f"Quick checks (each one alone would prove that {absent}):")
        if dec.certificates:
            cert = dec.certificates[0]
            lines += [f"- {cert.text[0].upper()}{cert.text[1:]}.", f"So {verdict}.", "Answer: No"]
        return lines

    @staticmethod
    def search_failed(start: int, res: SearchResult, verdict: str) -> str:
        """The trace's conclusion when every branch of the search failed."""
        return (f"Every branch from vertex {start} failed ({res.nodes} partial paths examined, {res.dead_ends} "
                f"dead ends), so {verdict}.")

    # ----- reference records --------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        n, edges, cols, ours = adjacency_from_record(record)
        start = None
        if self.has_start:
            start = self.record_start(record, ours)
            if not 0 <= start < n:
                raise RecordError(f"start vertex {start} is not a vertex (0..{n - 1})")
        return self.make_state(n, cols or grid_cols(n), edges, start)

    def record_start(self, record: dict, ours: dict | None) -> int:
        raise NotImplementedError

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        n = int(state["n"])
        return next((lv for lv, m in self.LEVEL_N.items() if m == n), None)

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> Any:
        if verdict.parsed == "No":
            return self.solution(inst)
        order = tuple(int(v) for v in verdict.parsed)
        if len(order) == int(inst.state["n"]) + 1:
            order = order[:-1]
        return {"exists": True, "order": order}
