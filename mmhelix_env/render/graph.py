"""Graph drawing kit: layouts, edge colouring, nodes, straight edges and arrows, edge labels.

Task-agnostic and deterministic (no randomness anywhere). Pieces:

- layouts, all returning pixel centres ``[(x, y), ...]`` on a ``size``×``size`` canvas:
  :func:`grid_positions` (row-major grid, vertex i at row i // cols), :func:`circular_layout`,
  :func:`spring_layout` (Fruchterman–Reingold from a fixed circle or a caller's start, then a separation
  pass that keeps centres apart), :func:`layered_layout` with :func:`longest_path_layers` (DAGs, flows);
- :func:`greedy_edge_colors`: edges sharing a vertex get different colours (a Kempe-chain repair when
  greedy runs out), crossing edges differ where the palette allows;
- :func:`place_edge_labels`: label boxes slid along their own edge (nearest free spot to the midpoint,
  most-constrained edge first, with backtracking) so that no box overlaps another box, a node circle or
  the canvas border; foreign edges are avoided when possible;
- :func:`draw_graph`: everything above in one call; returns a :class:`GraphDrawing` with the label
  boxes so callers and tests can check them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .canvas import INK, WHITE, font

Pos = tuple[float, float]
Color = tuple[int, int, int]
Box = tuple[int, int, int, int]

#: Dark, mutually distinct edge colours (all readable as text on white).
EDGE_COLORS: tuple[Color, ...] = (
    (31, 92, 160), (196, 32, 38), (28, 128, 48), (118, 64, 170), (186, 96, 16), (0, 122, 128),
    (176, 36, 132), (104, 72, 52), (72, 76, 88), (122, 120, 0), (20, 36, 110), (150, 40, 80),
)
NODE_FILL: Color = (173, 216, 230)
NODE_OUTLINE: Color = (16, 32, 110)


# ----------------------------------------------------------------------------------------------- layouts
def grid_spacing(n: int, cols: int, size: int = 512, margin: float = 40.0) -> float:
    """Centre-to-centre spacing of :func:`grid_positions`: ``(size − 2·margin) / (cols − 1)``, shrunk
    when the grid has more rows than columns."""
    cols = max(1, int(cols))
    rows = max(1, -(-int(n) // cols))
    span = max(cols, rows) - 1
    return (size - 2 * margin) / span if span > 0 else 0.0


def grid_positions(n: int, cols: int, size: int = 512, margin: float = 40.0) -> list[Pos]:
    """Vertex i at row ``i // cols``, column ``i % cols`` (row 0 on top); spacing from
    :func:`grid_spacing`; the grid is centred (a short grid vertically, a narrow one horizontally)."""
    cols = max(1, int(cols))
    rows = max(1, -(-int(n) // cols))
    step = grid_spacing(n, cols, size, margin)
    x0 = (size - (cols - 1) * step) / 2
    y0 = (size - (rows - 1) * step) / 2
    return [(x0 + (i % cols) * step, y0 + (i // cols) * step) for i in range(n)]


def circular_layout(n: int, size: int = 512, margin: float = 40.0, start_angle: float = -90.0) -> list[Pos]:
    """Vertices evenly on a circle, vertex 0 at ``start_angle`` degrees (−90 = top), clockwise."""
    c = size / 2
    radius = size / 2 - margin
    if n == 1:
        return [(c, c)]
    out = []
    for i in range(n):
        a = math.radians(start_angle + 360.0 * i / n)
        out.append((c + radius * math.cos(a), c + radius * math.sin(a)))
    return out


def fit_to_canvas(points: Sequence[Pos], size: int = 512, margin: float = 40.0) -> list[Pos]:
    """Scale and centre arbitrary coordinates into the canvas, keeping the aspect ratio."""
    if not len(points):
        return []
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    extent = float(max(hi[0] - lo[0], hi[1] - lo[1]))
    avail = size - 2 * margin
    scale = avail / extent if extent > 1e-12 else 0.0
    mid = (lo + hi) / 2
    out = (pts - mid) * scale + size / 2
    return [(float(x), float(y)) for x, y in out]


def spring_layout(n: int, edges: Sequence[tuple[int, int]], *, size: int = 512, margin: float = 40.0,
                  initial: Sequence[Pos] | None = None, iterations: int = 200,
                  min_separation: float | None = None) -> list[Pos]:
    """Fruchterman–Reingold force-directed layout, deterministic: it starts from ``initial`` (any
    coordinates) or from the circle of :func:`circular_layout`, cools linearly, is fitted to the canvas,
    and a separation pass then pushes apart centres closer than ``min_separation`` px (default: half
    the even spacing ``(size − 2·margin) / sqrt(n)``)."""
    if n <= 0:
        return []
    if n == 1:
        return [(size / 2, size / 2)]
    if initial is None:
        pos = np.asarray(circular_layout(n, 2, 0.0), dtype=float) - 1.0
    else:
        pos = np.asarray(fit_to_canvas(initial, 2, 0.0), dtype=float) - 1.0
    und = sorted({(min(u, v), max(u, v)) for u, v in edges if u != v})
    adj = np.zeros((n, n))
    for u, v in und:
        adj[u, v] = adj[v, u] = 1.0
    k = math.sqrt(4.0 / n)
    temp = 0.2
    cool = temp / (iterations + 1)
    eye = np.eye(n, dtype=bool)
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.sqrt((delta ** 2).sum(axis=2))
        dist[eye] = 1.0
        np.maximum(dist, 1e-3, out=dist)
        force = k * k / dist ** 2 - adj * dist / k
        force[eye] = 0.0
        disp = (delta * force[:, :, None]).sum(axis=1)
        length = np.sqrt((disp ** 2).sum(axis=1))
        length[length < 1e-9] = 1e-9
        pos += disp / length[:, None] * np.minimum(length, temp)[:, None]
        temp -= cool
    out = fit_to_canvas([tuple(p) for p in pos], size, margin)
    if min_separation is None:
        min_separation = 0.5 * (size - 2 * margin) / math.sqrt(n)
    return separate_nodes(out, min_separation, size=size, margin=margin)


def separate_nodes(points: Sequence[Pos], min_separation: float, *, size: int = 512, margin: float = 40.0,
                   rounds: int = 100) -> list[Pos]:
    """Push apart pairs of centres closer than ``min_separation`` (deterministic), staying inside the
    canvas margin."""
    pts = np.asarray(points, dtype=float).reshape(-1, 2).copy()
    n = len(pts)
    if n < 2:
        return [tuple(map(float, p)) for p in pts]
    iu, ju = np.triu_indices(n, 1)
    for _ in range(rounds):
        d = pts[ju] - pts[iu]
        dist = np.sqrt((d ** 2).sum(axis=1))
        close = dist < min_separation - 1e-6
        if not close.any():
            break
        d = d[close]
        dist = dist[close]
        degenerate = dist < 1e-9
        d[degenerate] = (1.0, 0.0)
        dist[degenerate] = 1.0
        push = ((min_separation - dist) / 2 + 0.01)[:, None] * d / dist[:, None]
        move = np.zeros_like(pts)
        np.add.at(move, iu[close], -push)
        np.add.at(move, ju[close], push)
        pts += move
        np.clip(pts, margin, size - margin, out=pts)
    return [(float(x), float(y)) for x, y in pts]


def longest_path_layers(n: int, edges: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Layer of each vertex = length of the longest directed path ending at it (Kahn order); each layer
    sorted ascending. Raises ValueError on a cycle."""
    succ: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n
    for u, v in edges:
        succ[u].append(v)
        indeg[v] += 1
    layer = [0] * n
    ready = sorted(v for v in range(n) if indeg[v] == 0)
    seen = 0
    while ready:
        u = ready.pop(0)
        seen += 1
        for v in succ[u]:
            layer[v] = max(layer[v], layer[u] + 1)
            indeg[v] -= 1
            if indeg[v] == 0:
                ready.append(v)
        ready.sort()
    if seen != n:
        raise ValueError("graph has a directed cycle; no layering")
    out: list[list[int]] = [[] for _ in range(max(layer, default=-1) + 1)]
    for v in range(n):
        out[layer[v]].append(v)
    return out


def layered_layout(layers: Sequence[Sequence[int]], size: int = 512, margin_x: float = 24.0,
                   margin_y: float = 34.0, stagger: bool = False) -> list[Pos]:
    """Layers left → right at ``x = margin_x + (size − 2·margin_x)·i/(L − 1)``; in a layer the vertices in
    the given order top → bottom with step ``(size − 2·margin_y) / max layer size`` around the centre line.
    ``stagger`` shifts even layers up and odd layers down by a quarter step (one-vertex layers stay
    centred), which breaks symmetric crossings that would put several edge midpoints on one point."""
    n = sum(len(layer) for layer in layers)
    out: list[Pos | None] = [None] * n
    count = len(layers)
    widest = max((len(layer) for layer in layers), default=1) or 1
    step = (size - 2 * margin_y) / widest
    for i, layer in enumerate(layers):
        x = size / 2 if count == 1 else margin_x + (size - 2 * margin_x) * i / (count - 1)
        m = len(layer)
        shift = 0.0
        if stagger and m > 1:
            shift = -step / 4 if i % 2 == 0 else step / 4
        for j, v in enumerate(layer):
            out[v] = (x, size / 2 + (j - (m - 1) / 2) * step + shift)
    if any(p is None for p in out):
        raise ValueError("layers must list every vertex 0..n-1 exactly once")
    return out  # type: ignore[return-value]


# -------------------------------------------------------------------------------------------- geometry
def _orient(a: Pos, b: Pos, c: Pos) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def segments_cross(p1: Pos, p2: Pos, p3: Pos, p4: Pos) -> bool:
    """Proper crossing of two segments (touching at an endpoint does not count)."""
    d1, d2 = _orient(p3, p4, p1), _orient(p3, p4, p2)
    d3, d4 = _orient(p1, p2, p3), _orient(p1, p2, p4)
    return ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4))


def crossing_pairs(positions: Sequence[Pos], edges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Index pairs (i, j), i < j, of edges that cross properly (edges sharing a vertex never do)."""
    m = len(edges)
    if m < 2:
        return []
    e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    p = np.asarray(positions, dtype=float).reshape(-1, 2)
    a, b = p[e[:, 0]], p[e[:, 1]]

    def orient(o, q, r):  # sign of (q - o) x (r - o), o/q per row i, r per column j
        return np.sign((q[:, None, 0] - o[:, None, 0]) * (r[None, :, 1] - o[:, None, 1])
                       - (q[:, None, 1] - o[:, None, 1]) * (r[None, :, 0] - o[:, None, 0]))

    d1, d2 = orient(a, b, a), orient(a, b, b)   # [i, j]: ends of edge j against line of edge i
    cross = (d1 * d2 < 0) & (d1.T * d2.T < 0)
    share = ((e[:, None, 0] == e[None, :, 0]) | (e[:, None, 0] == e[None, :, 1])
             | (e[:, None, 1] == e[None, :, 0]) | (e[:, None, 1] == e[None, :, 1]))
    cross &= ~share
    i, j = np.nonzero(np.triu(cross, 1))
    return [(int(x), int(y)) for x, y in zip(i, j)]


def count_crossings(positions: Sequence[Pos], edges: Sequence[tuple[int, int]]) -> int:
    return len(crossing_pairs(positions, edges))


def point_segment_distance(p: Pos, a: Pos, b: Pos) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def min_edge_vertex_clearance(positions: Sequence[Pos], edges: Sequence[tuple[int, int]]) -> float:
    """Smallest distance from an edge to a vertex centre it does not touch (inf when none)."""
    best = math.inf
    for u, v in edges:
        for w, p in enumerate(positions):
            if w != u and w != v:
                best = min(best, point_segment_distance(p, positions[u], positions[v]))
    return best


# ------------------------------------------------------------------------------------------ edge colours
def greedy_edge_colors(positions: Sequence[Pos] | None, edges: Sequence[tuple[int, int]],
                       palette: Sequence[Color] = EDGE_COLORS, avoid_crossings: bool = True) -> list[Color]:
    """One colour per edge: edges sharing a vertex always differ when the palette has more colours
    than the maximum degree (greedy, then a Kempe-chain swap where greedy is stuck); crossing edges
    (given ``positions``) differ where a free colour allows. Lowest palette index first."""
    colors = _edge_color_indices(positions, edges, len(palette), avoid_crossings)
    return [tuple(palette[c]) for c in colors]  # type: ignore[misc]


def _edge_color_indices(positions, edges, k: int, avoid_crossings: bool) -> list[int]:
    m = len(edges)
    at: dict[int, dict[int, int]] = {}  # vertex -> colour -> edge index
    color = [-1] * m
    crossing: list[set[int]] = [set() for _ in range(m)]
    if avoid_crossings and positions is not None:
        for i, j in crossing_pairs(positions, edges):
            crossing[i].add(j)
            crossing[j].add(i)

    def used(v: int) -> dict[int, int]:
        return at.setdefault(v, {})

    def assign(e: int, c: int) -> None:
        color[e] = c
        u, v = edges[e]
        used(u)[c] = e
        used(v)[c] = e

    for e, (u, v) in enumerate(edges):
        busy = set(used(u)) | set(used(v))
        soft = {color[j] for j in crossing[e] if color[j] >= 0}
        free = [c for c in range(k) if c not in busy]
        pick = next((c for c in free if c not in soft), None)
        if pick is None and free:
            pick = free[0]
        if pick is None:
            pick = _kempe_free(edges, used, u, v, k, assign, color)
        if pick is None:  # palette too small for this degree: least clash
            clash = {c: 0 for c in range(k)}
            for c in busy:
                clash[c] += 1
            pick = min(range(k), key=lambda c: (clash[c], c))
            color[e] = pick
            continue
        assign(e, pick)
    return color


def _kempe_free(edges, used, u: int, v: int, k: int, assign, color) -> int | None:
    """Make a colour free at both u and v by swapping one (a, b) Kempe chain starting at v."""
    free_u = [c for c in range(k) if c not in used(u)]
    free_v = [c for c in range(k) if c not in used(v)]
    for a in free_u:
        for b in free_v:
            if a == b:
                return a
            # the chain from v: an a-edge, then a b-edge, ... ; swapping it frees a at v
            path = []
            x, want = v, a
            while want in used(x):
                e = used(x)[want]
                path.append(e)
                p, q = edges[e]
                x = q if p == x else p
                want = b if want == a else a
            if x == u or any(u in edges[e] for e in path):
                continue
            for e in path:
                p, q = edges[e]
                for w in (p, q):
                    if used(w).get(color[e]) == e:
                        del used(w)[color[e]]
            for e in path:
                assign(e, b if color[e] == a else a)
            if a not in used(u) and a not in used(v):
                return a
    return None


# ------------------------------------------------------------------------------------------ edge labels
def label_box(center: Pos, text: str, fnt: ImageFont.FreeTypeFont, pad: int = 3) -> tuple[Box, tuple[int, int]]:
    """The box of a label whose ink is centred on ``center``, and the text origin for ``anchor="mm"``."""
    left, top, right, bottom = fnt.getbbox(text, anchor="mm")
    ox = round(center[0] - (left + right) / 2)
    oy = round(center[1] - (top + bottom) / 2)
    return (ox + left - pad, oy + top - pad, ox + right + pad, oy + bottom + pad), (ox, oy)


def box_circle_distance(box: Box, center: Pos) -> float:
    dx = max(box[0] - center[0], 0.0, center[0] - box[2])
    dy = max(box[1] - center[1], 0.0, center[1] - box[3])
    return math.hypot(dx, dy)


def _t_candidates(t_range: tuple[float, float], step: float) -> list[float]:
    lo, hi = t_range
    out = [0.5]
    i = 1
    while True:
        added = False
        for t in (0.5 - i * step, 0.5 + i * step):
            if lo - 1e-9 <= t <= hi + 1e-9:
                out.append(round(t, 6))
                added = True
        if not added:
            return out
        i += 1


def _segments_hit_boxes(boxes: np.ndarray, seg: np.ndarray, margin: float) -> np.ndarray:
    """(K, E) bool: does segment j pass through box k grown by ``margin`` (Liang–Barsky)."""
    x0 = seg[None, :, 0]
    y0 = seg[None, :, 1]
    dx = seg[None, :, 2] - x0
    dy = seg[None, :, 3] - y0
    xmin = boxes[:, None, 0] - margin
    ymin = boxes[:, None, 1] - margin
    xmax = boxes[:, None, 2] + margin
    ymax = boxes[:, None, 3] + margin
    t0 = np.zeros(np.broadcast_shapes(xmin.shape, x0.shape))
    t1 = np.ones_like(t0)
    ok = np.ones_like(t0, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, x0 - xmin), (dx, xmax - x0), (-dy, y0 - ymin), (dy, ymax - y0)):
            p = np.broadcast_to(p, t0.shape)
            q = np.broadcast_to(q, t0.shape)
            r = q / p
            ok &= ~((p == 0) & (q < 0))
            t0 = np.where(p < 0, np.maximum(t0, r), t0)
            t1 = np.where(p > 0, np.minimum(t1, r), t1)
    return ok & (t0 <= t1)


def _point_segment_distances(points: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """(K, E) distances from points (K, 2) to segments (E, 4)."""
    ax, ay = seg[None, :, 0], seg[None, :, 1]
    dx, dy = seg[None, :, 2] - ax, seg[None, :, 3] - ay
    px, py = points[:, None, 0], points[:, None, 1]
    length2 = dx * dx + dy * dy
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(length2 > 0, ((px - ax) * dx + (py - ay) * dy) / length2, 0.0)
    t = np.clip(t, 0.0, 1.0)
    return np.hypot(px - ax - t * dx, py - ay - t * dy)


@dataclass(frozen=True)
class _Candidates:
    boxes: list[np.ndarray]     # per edge: (K, 4) int boxes in preference order
    origins: list[np.ndarray]   # per edge: (K, 2) text origins
    where: list[np.ndarray]     # per edge: (K, 2) (t, normal offset)


def _label_candidates(positions: np.ndarray, segs: np.ndarray, radii: np.ndarray, edge_ends: list[tuple[int, int]],
                      texts: list[str | None], fnt, pad: int, ts: list[float], offsets: list[float],
                      size: tuple[int, int], gap: int, foreign: str | None) -> _Candidates:
    """Valid label spots of every labelled edge, in preference order (vectorised over edges × spots)."""
    m = len(texts)
    need = [i for i, t in enumerate(texts) if t is not None]
    empty = _Candidates([np.zeros((0, 4), np.int64)] * m, [np.zeros((0, 2), np.int64)] * m, [np.zeros((0, 2))] * m)
    if not need:
        return empty
    idx = np.asarray(need, dtype=np.int64)
    bbox = np.asarray([fnt.getbbox(texts[i], anchor="mm") for i in need], dtype=float)  # (E, 4) l t r b
    seg = segs[idx]
    x0, y0 = seg[:, 0:1], seg[:, 1:2]
    dx, dy = seg[:, 2:3] - x0, seg[:, 3:4] - y0
    length = np.hypot(dx, dy)
    length[length == 0] = 1.0
    nx, ny = -dy / length, dx / length
    tt = np.tile(np.asarray(ts, dtype=float), len(offsets))[None, :]            # (1, C)
    oo = np.repeat(np.asarray(offsets, dtype=float), len(ts))[None, :]          # (1, C)
    cx = x0 + tt * dx + oo * nx
    cy = y0 + tt * dy + oo * ny
    ox = np.rint(cx - (bbox[:, 0:1] + bbox[:, 2:3]) / 2)
    oy = np.rint(cy - (bbox[:, 1:2] + bbox[:, 3:4]) / 2)
    bx0 = ox + bbox[:, 0:1] - pad
    by0 = oy + bbox[:, 1:2] - pad
    bx1 = ox + bbox[:, 2:3] + pad
    by1 = oy + bbox[:, 3:4] + pad
    keep = (bx0 >= 0) & (by0 >= 0) & (bx1 <= size[0] - 1) & (by1 <= size[1] - 1)      # (E, C)
    px, py = positions[:, 0], positions[:, 1]
    ddx = np.maximum(np.maximum(bx0[..., None] - px, 0.0), px - bx1[..., None])      # (E, C, N)
    ddy = np.maximum(np.maximum(by0[..., None] - py, 0.0), py - by1[..., None])
    keep &= (ddx * ddx + ddy * ddy >= (radii + gap) ** 2).all(axis=2)
    if foreign is not None and len(segs) > 1:
        ends = [frozenset(e) for e in edge_ends]
        own = np.asarray([[ends[j] == ends[i] for j in range(len(segs))] for i in need])  # (E, M) self/twin
        flat = np.stack([bx0, by0, bx1, by1], axis=2).reshape(-1, 4)
        if foreign == "box":
            hit = _segments_hit_boxes(flat, segs, 1.0).reshape(len(need), -1, len(segs))
        else:  # "center": no foreign edge within half the box height of the centre
            centers = np.stack([(flat[:, 0] + flat[:, 2]) / 2, (flat[:, 1] + flat[:, 3]) / 2], axis=1)
            dist = _point_segment_distances(centers, segs)
            hit = (dist < ((flat[:, 3] - flat[:, 1]) / 2)[:, None]).reshape(len(need), -1, len(segs))
        hit &= ~own[:, None, :]
        keep &= ~hit.any(axis=2)
    boxes, origins, where = list(empty.boxes), list(empty.origins), list(empty.where)
    all_boxes = np.stack([bx0, by0, bx1, by1], axis=2).astype(np.int64)
    all_origins = np.stack([ox, oy], axis=2).astype(np.int64)
    all_where = np.stack([np.broadcast_to(tt, ox.shape), np.broadcast_to(oo, ox.shape)], axis=2)
    for k, i in enumerate(need):
        sel = keep[k]
        boxes[i] = all_boxes[k][sel]
        origins[i] = all_origins[k][sel]
        where[i] = all_where[k][sel]
    return _Candidates(boxes, origins, where)


def _overlapping_pairs(boxes: list[np.ndarray], gap: int) -> list[tuple[int, int]]:
    if len(boxes) < 2:
        return []
    b = np.stack(boxes)
    over = ((b[:, None, 0] <= b[None, :, 2] + gap) & (b[None, :, 0] <= b[:, None, 2] + gap)
            & (b[:, None, 1] <= b[None, :, 3] + gap) & (b[None, :, 1] <= b[:, None, 3] + gap))
    i, j = np.nonzero(np.triu(over, 1))
    return [(int(x), int(y)) for x, y in zip(i, j)]


def _pairwise_clear(boxes: list[np.ndarray], gap: int) -> bool:
    b = np.stack(boxes)
    over = ((b[:, None, 0] <= b[None, :, 2] + gap) & (b[None, :, 0] <= b[:, None, 2] + gap)
            & (b[:, None, 1] <= b[None, :, 3] + gap) & (b[None, :, 1] <= b[:, None, 3] + gap))
    np.fill_diagonal(over, False)
    return not over.any()


class _Budget(Exception):
    pass


def _assign_labels(cands: _Candidates, need: list[int], gap: int, budget: int) -> dict[int, int] | None:
    """Pick one candidate per edge in ``need`` with no two boxes within ``gap`` px: most-constrained edge
    first, candidates in preference order, backtracking within ``budget`` tries."""
    if not need:
        return {}
    if any(len(cands.boxes[i]) == 0 for i in need):
        return None
    if _pairwise_clear([cands.boxes[i][0] for i in need], gap):  # every edge's first choice
        return {i: 0 for i in need}

    allb = np.concatenate([cands.boxes[i] for i in need])
    owner = np.concatenate([np.full(len(cands.boxes[i]), k) for k, i in enumerate(need)])
    starts = np.concatenate([[0], np.cumsum([len(cands.boxes[i]) for i in need])[:-1]]).astype(np.int64)
    alive = np.ones(len(allb), dtype=bool)
    chosen: dict[int, int] = {}
    left = [budget]

    def conflicts(box: np.ndarray) -> np.ndarray:
        return ((allb[:, 0] <= box[2] + gap) & (box[0] <= allb[:, 2] + gap)
                & (allb[:, 1] <= box[3] + gap) & (box[1] <= allb[:, 3] + gap))

    def search(alive: np.ndarray) -> bool:
        if len(chosen) == len(need):
            return True
        counts = np.add.reduceat(alive.astype(np.int64), starts)
        for k in chosen:
            counts[k] = np.iinfo(np.int64).max
        k = int(np.argmin(counts))
        if counts[k] == 0:
            return False
        lo = starts[k]
        for idx in np.flatnonzero(alive[lo:lo + len(cands.boxes[need[k]])]):
            left[0] -= 1
            if left[0] < 0:
                raise _Budget
            nxt = alive & ~conflicts(allb[lo + idx])
            nxt[owner == k] = False
            chosen[k] = int(idx)
            if search(nxt):
                return True
            del chosen[k]
        return False

    try:
        ok = search(alive)
    except _Budget:
        return None
    return {need[k]: c for k, c in chosen.items()} if ok else None


@dataclass(frozen=True)
class LabelPlacement:
    boxes: list[Box | None]             # per edge; None for unlabelled edges
    origins: list[tuple[int, int] | None]
    t: list[float | None]               # position along the edge (0 = first end)
    offset: list[float | None]          # px along the edge normal (0 = on the edge)
    stage: str                          # which rule set succeeded (see place_edge_labels)
    overlap_free: bool


def place_edge_labels(positions: Sequence[Pos], edges: Sequence[tuple[int, int]], texts: Sequence[str | None],
                      fnt: ImageFont.FreeTypeFont, radii: float | Sequence[float], *, size: int | tuple[int, int] = 512,
                      segments: Sequence[tuple[float, float, float, float]] | None = None, pad: int = 3, gap: int = 2,
                      t_range: tuple[float, float] = (0.12, 0.88), t_step: float = 0.025,
                      budget: int = 2_000) -> LabelPlacement:
    """Boxes for edge labels that never overlap each other, a node circle (radius + ``gap``) or the canvas
    edge. Each label sits on its own edge at the free spot nearest the midpoint. Rule sets, tried in
    order until one admits an assignment: ``"clear"`` (the box touches no other edge), ``"center"``
    (no other edge within half the box height of its centre), ``"slide"`` (boxes and nodes only),
    ``"beside"`` (also spots beside the edge, along its normal). If even that fails the labels stay at
    their preferred spots and ``overlap_free`` is False (never seen in tests)."""
    wh = (size, size) if isinstance(size, int) else tuple(size)
    pts = np.asarray(positions, dtype=float).reshape(-1, 2)
    rad = np.broadcast_to(np.asarray(radii, dtype=float), (len(pts),)).astype(float)
    ends = [(int(u), int(v)) for u, v in edges]
    if segments is None:
        segments = [(*positions[u], *positions[v]) for u, v in ends]
    segs = np.asarray(segments, dtype=float).reshape(-1, 4)
    txt = [None if t is None else str(t) for t in texts]
    need = [i for i, t in enumerate(txt) if t is not None]
    ts = _t_candidates(t_range, t_step)
    side = [float(s * d) for d in range(6, 61, 6) for s in (1, -1)]
    stages = (("clear", "box", [0.0]), ("center", "center", [0.0]), ("slide", None, [0.0]),
              ("beside", None, [0.0, *side]))
    # fast path: every label at its midpoint, clear of other edges, nodes and labels
    mid = _label_candidates(pts, segs, rad, ends, txt, fnt, pad, [0.5], [0.0], wh, gap, "box")
    if not need or (all(len(mid.boxes[i]) for i in need)
                    and _pairwise_clear([mid.boxes[i][0] for i in need], gap)):
        return _placement(mid, {i: 0 for i in need}, len(txt), "clear", True)
    # the labels in trouble: no valid midpoint, or a midpoint box overlapping another one
    trouble = {i for i in need if not len(mid.boxes[i])}
    placed = [i for i in need if i not in trouble]
    for a, b in _overlapping_pairs([mid.boxes[i][0] for i in placed], gap):
        trouble.update((placed[a], placed[b]))
    for name, foreign, offsets in stages:
        # first slide only the labels in trouble (the others stay at their midpoints), then all of them
        for subset in (trouble, set(need)):
            sub = [t if i in subset else None for i, t in enumerate(txt)]
            cands = _label_candidates(pts, segs, rad, ends, sub, fnt, pad, ts, offsets, wh, gap, foreign)
            merged = _Candidates(
                [cands.boxes[i] if i in subset else mid.boxes[i] for i in range(len(txt))],
                [cands.origins[i] if i in subset else mid.origins[i] for i in range(len(txt))],
                [cands.where[i] if i in subset else mid.where[i] for i in range(len(txt))])
            pick = _assign_labels(merged, need, gap, budget)
            if pick is not None:
                return _placement(merged, pick, len(txt), name, True)
            if len(subset) == len(need):
                break
    cands = _label_candidates(pts, segs, np.zeros_like(rad), ends, txt, fnt, pad, ts, [0.0], (10**6, 10**6), 0,
                              None)
    return _placement(cands, {i: 0 for i in need if len(cands.boxes[i])}, len(txt), "none", False)


def _placement(cands: _Candidates, pick: dict[int, int], m: int, stage: str, ok: bool) -> LabelPlacement:
    boxes: list[Box | None] = [None] * m
    origins: list[tuple[int, int] | None] = [None] * m
    ts: list[float | None] = [None] * m
    offs: list[float | None] = [None] * m
    for i, c in pick.items():
        boxes[i] = tuple(int(x) for x in cands.boxes[i][c])  # type: ignore[assignment]
        origins[i] = (int(cands.origins[i][c][0]), int(cands.origins[i][c][1]))
        ts[i] = float(cands.where[i][c][0])
        offs[i] = float(cands.where[i][c][1])
    return LabelPlacement(boxes, origins, ts, offs, stage, ok)


# ------------------------------------------------------------------------------------------------ drawing
@dataclass(frozen=True)
class GraphDrawing:
    """What :func:`draw_graph` drew: per-edge colours, segments and label boxes, per-node radii."""

    positions: list[Pos]
    radii: list[float]
    edge_colors: list[Color]
    segments: list[tuple[float, float, float, float]]
    labels: LabelPlacement

    @property
    def label_boxes(self) -> list[Box | None]:
        return self.labels.boxes


def _edge_segments(positions: Sequence[Pos], edges: Sequence[tuple[int, int]],
                   parallel_offset: float) -> list[tuple[float, float, float, float]]:
    """Straight segments between centres; a pair of opposite directed edges is drawn side by side."""
    present = {(int(u), int(v)) for u, v in edges}
    out = []
    for u, v in edges:
        (x0, y0), (x1, y1) = positions[u], positions[v]
        if (v, u) in present and u != v:
            a, b = (u, v) if u < v else (v, u)
            (ax, ay), (bx, by) = positions[a], positions[b]
            length = math.hypot(bx - ax, by - ay) or 1.0
            nx, ny = -(by - ay) / length, (bx - ax) / length
            s = parallel_offset if u < v else -parallel_offset
            x0, y0, x1, y1 = x0 + s * nx, y0 + s * ny, x1 + s * nx, y1 + s * ny
        out.append((x0, y0, x1, y1))
    return out


def _trim(seg, r0: float, r1: float):
    x0, y0, x1, y1 = seg
    length = math.hypot(x1 - x0, y1 - y0)
    if length <= r0 + r1 + 1e-6:
        return None
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    return (x0 + ux * r0, y0 + uy * r0, x1 - ux * r1, y1 - uy * r1), (ux, uy)


def draw_segment(draw: ImageDraw.ImageDraw, start: Pos, end: Pos, color, width: int = 3) -> None:
    """A straight line of even thickness at any angle (a filled quad; Pillow's wide lines look thinner on
    some slopes)."""
    length = math.hypot(end[0] - start[0], end[1] - start[1])
    if width <= 1 or length < 1e-6:
        draw.line([(round(start[0]), round(start[1])), (round(end[0]), round(end[1]))], fill=color, width=width)
        return
    hw = (width - 1) / 2
    nx, ny = -(end[1] - start[1]) / length * hw, (end[0] - start[0]) / length * hw
    draw.polygon([(round(start[0] + nx), round(start[1] + ny)), (round(end[0] + nx), round(end[1] + ny)),
                  (round(end[0] - nx), round(end[1] - ny)), (round(start[0] - nx), round(start[1] - ny))],
                 fill=color, outline=color)


def draw_arrow(draw: ImageDraw.ImageDraw, start: Pos, tip: Pos, color, width: int = 3,
               head_length: float = 12.0, head_width: float = 10.0) -> None:
    """A straight arrow whose head ends exactly at ``tip``."""
    length = math.hypot(tip[0] - start[0], tip[1] - start[1])
    if length < 1e-6:
        return
    ux, uy = (tip[0] - start[0]) / length, (tip[1] - start[1]) / length
    head_length = min(head_length, length)
    bx, by = tip[0] - ux * head_length, tip[1] - uy * head_length
    if length > head_length + 0.5:
        draw_segment(draw, start, (bx + ux, by + uy), color, width)
    hw = head_width / 2
    draw.polygon([(round(tip[0]), round(tip[1])), (round(bx - uy * hw), round(by + ux * hw)),
                  (round(bx + uy * hw), round(by - ux * hw))], fill=color, outline=color)


def draw_graph(target: Image.Image | ImageDraw.ImageDraw, positions: Sequence[Pos],
               edges: Sequence[tuple[int, int]], *, directed: bool = False,
               weights: Sequence[Any] | Mapping[tuple[int, int], Any] | None = None,
               node_labels: Sequence[str] | Mapping[int, str] | None = None, node_radius: float = 18.0,
               node_font_size: int | None = None, weight_font_size: int = 14,
               edge_colors: Sequence[Color] | Color | None = None, edge_width: int = 3,
               node_fill: Color = NODE_FILL, node_outline: Color = NODE_OUTLINE, node_outline_width: int = 2,
               node_text: Color = INK, node_styles: Mapping[int, Mapping[str, Any]] | None = None,
               arrow_length: float | None = None, arrow_width: float | None = None, parallel_offset: float = 5.0,
               label_pad: int = 3, label_gap: int = 2, label_t_range: tuple[float, float] = (0.12, 0.88),
               label_t_step: float = 0.025, avoid_crossing_colors: bool = True) -> GraphDrawing:
    """Draw a graph: straight edges (arrows ending at the target circle when ``directed``) under the
    nodes, then weight labels (white boxes, border and digits in the edge colour, no overlaps; see
    :func:`place_edge_labels`), then the nodes (filled circles with a bold id). ``edge_colors``: None
    for :func:`greedy_edge_colors`, one colour for all, or one per edge. ``node_styles`` overrides
    ``fill``, ``outline``, ``outline_width``, ``radius``, ``text`` per node. Returns what was drawn."""
    draw = ImageDraw.Draw(target) if isinstance(target, Image.Image) else target
    size = draw.im.size
    n = len(positions)
    edges = [(int(u), int(v)) for u, v in edges]
    styles = node_styles or {}
    radii = [float(styles.get(i, {}).get("radius", node_radius)) for i in range(n)]

    if edge_colors is None:
        colors = greedy_edge_colors(positions, edges, avoid_crossings=avoid_crossing_colors)
    elif len(edge_colors) == 3 and all(isinstance(c, (int, np.integer)) for c in edge_colors):
        colors = [tuple(edge_colors)] * len(edges)  # type: ignore[list-item]
    else:
        colors = [tuple(c) for c in edge_colors]  # type: ignore[union-attr]
        if len(colors) != len(edges):
            raise ValueError("edge_colors needs one colour per edge")

    if weights is None:
        texts: list[str | None] = [None] * len(edges)
    elif isinstance(weights, Mapping):
        texts = []
        for u, v in edges:
            w = weights.get((u, v))
            if w is None and not directed:
                w = weights.get((v, u))
            texts.append(None if w is None else str(w))
    else:
        texts = [None if w is None else str(w) for w in weights]
        if len(texts) != len(edges):
            raise ValueError("weights needs one value per edge")

    segs = _edge_segments(positions, edges, parallel_offset)
    head_len = arrow_length if arrow_length is not None else max(10.0, 3.5 * edge_width)
    head_w = arrow_width if arrow_width is not None else head_len * 0.85
    for (u, v), seg, col in zip(edges, segs, colors):
        if u == v:
            continue
        trimmed = _trim(seg, radii[u] if directed else 0.0, radii[v] if directed else 0.0)
        if trimmed is None:
            continue
        (x0, y0, x1, y1), _ = trimmed
        if directed:
            draw_arrow(draw, (x0, y0), (x1, y1), col, edge_width, head_len, head_w)
        else:
            draw_segment(draw, (x0, y0), (x1, y1), col, edge_width)

    placement = LabelPlacement([None] * len(edges), [None] * len(edges), [None] * len(edges),
                               [None] * len(edges), "clear", True)
    if any(t is not None for t in texts):
        wfont = font(weight_font_size, bold=True)
        placement = place_edge_labels(positions, edges, texts, wfont, radii, size=size, segments=segs,
                                      pad=label_pad, gap=label_gap, t_range=label_t_range, t_step=label_t_step)
        for text, box, origin, col in zip(texts, placement.boxes, placement.origins, colors):
            if text is None or box is None or origin is None:
                continue
            draw.rectangle(box, fill=WHITE, outline=col, width=1)
            draw.text(origin, text, font=wfont, fill=col, anchor="mm")

    if node_labels is None:
        labels = [str(i) for i in range(n)]
    elif isinstance(node_labels, Mapping):
        labels = [str(node_labels.get(i, i)) for i in range(n)]
    else:
        labels = [str(x) for x in node_labels]
    for i, (x, y) in enumerate(positions):
        st = styles.get(i, {})
        r = radii[i]
        draw.ellipse((round(x - r), round(y - r), round(x + r), round(y + r)), fill=st.get("fill", node_fill),
                     outline=st.get("outline", node_outline), width=int(st.get("outline_width", node_outline_width)))
        size_px = node_font_size or max(14, round(r * 0.95))
        nfont = font(size_px, bold=True)
        left, top, right, bottom = nfont.getbbox(labels[i], anchor="mm")
        while right - left > 1.7 * r and size_px > 8:
            size_px -= 1
            nfont = font(size_px, bold=True)
            left, top, right, bottom = nfont.getbbox(labels[i], anchor="mm")
        draw.text((round(x - (left + right) / 2), round(y - (top + bottom) / 2)), labels[i], font=nfont,
                  fill=st.get("text", node_text), anchor="mm")
    return GraphDrawing(list(map(tuple, positions)), radii, colors, segs, placement)  # type: ignore[arg-type]
