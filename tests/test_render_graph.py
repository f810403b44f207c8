"""The shared graph drawing kit: layouts, edge colours, arrows and overlap-free weight labels."""

from __future__ import annotations

import hashlib
import itertools
import math

import numpy as np
import pytest
from PIL import Image

from mmhelix_env.render import WHITE, boxes_overlap, new_canvas
from mmhelix_env.render.graph import (
    EDGE_COLORS,
    NODE_FILL,
    circular_layout,
    count_crossings,
    crossing_pairs,
    draw_graph,
    fit_to_canvas,
    greedy_edge_colors,
    grid_positions,
    grid_spacing,
    layered_layout,
    longest_path_layers,
    min_edge_vertex_clearance,
    place_edge_labels,
    segments_cross,
    spring_layout,
)


def _king_graph(rng: np.random.Generator, rows: int, cols: int, p: float, both: bool) -> list[tuple[int, int]]:
    edges = []
    for v in range(rows * cols):
        r, c = divmod(v, cols)
        if c + 1 < cols:
            edges.append((v, v + 1))
        if r + 1 < rows:
            edges.append((v, v + cols))
        if r + 1 < rows and c + 1 < cols:
            main, anti = rng.random() < p, rng.random() < p
            if main:
                edges.append((v, v + cols + 1))
            if anti and (both or not main):
                edges.append((v + 1, v + cols))
    return edges


def _random_graph(rng: np.random.Generator, n: int, m: int) -> list[tuple[int, int]]:
    pairs = sorted(itertools.combinations(range(n), 2))
    pick = rng.choice(len(pairs), size=m, replace=False)
    return sorted(pairs[int(i)] for i in pick)


def _assert_labels_clear(drawing, positions, radii, size=512):
    boxes = [b for b in drawing.label_boxes if b is not None]
    assert drawing.labels.overlap_free
    for a, b in itertools.combinations(boxes, 2):
        assert not boxes_overlap(a, b), (a, b)
    for box in boxes:
        assert 0 <= box[0] and 0 <= box[1] and box[2] < size and box[3] < size
        for (x, y), r in zip(positions, radii):
            dx = max(box[0] - x, 0, x - box[2])
            dy = max(box[1] - y, 0, y - box[3])
            assert math.hypot(dx, dy) >= r, (box, (x, y), r)


def _digest(img: Image.Image) -> str:
    return hashlib.sha256(img.tobytes()).hexdigest()


# ------------------------------------------------------------------------------------------------ layouts
def test_grid_positions_spacing_and_centering():
    pos = grid_positions(25, 5)
    assert grid_spacing(25, 5) == pytest.approx((512 - 80) / 4)
    assert pos[0] == pytest.approx((40, 40)) and pos[24] == pytest.approx((472, 472))
    pos = grid_positions(6, 3)  # 2 rows: centred vertically
    step = grid_spacing(6, 3)
    assert step == pytest.approx(216)
    assert pos[0][1] + pos[3][1] == pytest.approx(512)
    assert pos[5] == pytest.approx((472, 256 + step / 2))
    tall = grid_positions(12, 2)  # more rows than columns: still inside the canvas
    assert all(40 - 1e-9 <= c <= 472 + 1e-9 for p in tall for c in p)


def test_circular_layout():
    pos = circular_layout(8, margin=40)
    assert pos[0] == pytest.approx((256, 40))
    assert pos[2] == pytest.approx((472, 256))
    for p in pos:
        assert math.hypot(p[0] - 256, p[1] - 256) == pytest.approx(216)


def test_spring_layout_deterministic_and_separated():
    rng = np.random.default_rng(0)
    for n in (6, 12, 25):
        edges = _random_graph(rng, n, min(n * 2, n * (n - 1) // 2))
        a = spring_layout(n, edges)
        b = spring_layout(n, edges)
        assert a == b
        sep = 0.5 * (512 - 80) / math.sqrt(n)
        for p, q in itertools.combinations(a, 2):
            assert math.hypot(p[0] - q[0], p[1] - q[1]) >= sep * 0.97
        assert all(40 - 1e-6 <= c <= 472 + 1e-6 for p in a for c in p)
    assert spring_layout(1, []) == [(256.0, 256.0)]


def test_layered_layout_and_layers():
    edges = [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4), (0, 4)]
    layers = longest_path_layers(5, edges)
    assert layers == [[0], [1, 2], [3], [4]]
    pos = layered_layout(layers, stagger=True)
    assert pos[0] == pytest.approx((24, 256))
    assert pos[4][0] == pytest.approx(488)
    assert pos[1][1] < pos[2][1]
    with pytest.raises(ValueError):
        longest_path_layers(3, [(0, 1), (1, 2), (2, 0)])


def test_fit_and_geometry_helpers():
    pts = fit_to_canvas([(0, 0), (2, 1)], 512, 40)
    assert pts[0] == pytest.approx((40, 256 - 108)) and pts[1] == pytest.approx((472, 256 + 108))
    assert segments_cross((0, 0), (2, 2), (0, 2), (2, 0))
    assert not segments_cross((0, 0), (2, 2), (2, 2), (3, 0))
    pos = grid_positions(4, 2)
    assert crossing_pairs(pos, [(0, 3), (1, 2), (0, 1)]) == [(0, 1)]
    assert count_crossings(pos, [(0, 1), (2, 3)]) == 0
    assert min_edge_vertex_clearance(pos, [(0, 3)]) == pytest.approx(432 / math.sqrt(2))


# ------------------------------------------------------------------------------------------- edge colours
def test_edge_colors_differ_at_shared_vertices():
    rng = np.random.default_rng(1)
    for trial in range(40):
        rows, cols = (5, 5) if trial % 2 else (4, 4)
        edges = _king_graph(rng, rows, cols, 0.6, both=True)
        pos = grid_positions(rows * cols, cols)
        colors = greedy_edge_colors(pos, edges)
        assert all(c in EDGE_COLORS for c in colors)
        for (i, e), (j, f) in itertools.combinations(enumerate(edges), 2):
            if set(e) & set(f):
                assert colors[i] != colors[j], (e, f)


def test_edge_colors_complete_graph_needs_kempe():
    # K_11 has degree 10: greedy alone can run out with 12 colours; the repair must keep it proper
    edges = list(itertools.combinations(range(11), 2))
    colors = greedy_edge_colors(circular_layout(11), edges)
    for (i, e), (j, f) in itertools.combinations(enumerate(edges), 2):
        if set(e) & set(f):
            assert colors[i] != colors[j]


# ------------------------------------------------------------------------------------------------ labels
@pytest.mark.parametrize("both", [False, True])
def test_grid_labels_never_overlap(both):
    rng = np.random.default_rng(2 + both)
    for _ in range(30):
        edges = _king_graph(rng, 5, 5, 0.5, both=both)
        weights = [int(w) for w in rng.integers(1, 100, len(edges))]
        pos = grid_positions(25, 5)
        img, _ = new_canvas(512, WHITE)
        drawing = draw_graph(img, pos, edges, weights=weights, node_radius=19.4, weight_font_size=15)
        _assert_labels_clear(drawing, pos, drawing.radii)
        if not both:
            assert drawing.labels.stage == "clear"


def test_circular_labels_never_overlap():
    rng = np.random.default_rng(4)
    for _ in range(8):
        edges = _random_graph(rng, 25, 30)
        weights = [int(w) for w in rng.integers(1, 30, len(edges))]
        pos = circular_layout(25, margin=30)
        img, _ = new_canvas(512, WHITE)
        drawing = draw_graph(img, pos, edges, weights=weights, node_radius=14, weight_font_size=13)
        _assert_labels_clear(drawing, pos, drawing.radii)
        assert sum(b is not None for b in drawing.label_boxes) == len(edges)


def test_place_edge_labels_slides_crossing_labels_apart():
    from mmhelix_env.render import font

    pos = grid_positions(4, 2)
    edges = [(0, 3), (1, 2)]  # an X: both midpoints on the same point
    res = place_edge_labels(pos, edges, ["7", "12"], font(16, True), 20)
    assert res.overlap_free and not boxes_overlap(res.boxes[0], res.boxes[1])
    assert res.t[0] != 0.5 or res.t[1] != 0.5
    assert all(o == 0 for o in res.offset)


def test_unlabelled_edges_and_mapping_weights():
    pos = grid_positions(4, 2)
    img, _ = new_canvas(512, WHITE)
    d = draw_graph(img, pos, [(0, 1), (1, 3), (2, 3)], weights={(1, 0): 5, (2, 3): 4})
    assert d.label_boxes[0] is not None and d.label_boxes[1] is None and d.label_boxes[2] is not None


# ------------------------------------------------------------------------------------------- arrows, bytes
def test_directed_arrows_stop_at_node_circle():
    pos = [(100.0, 256.0), (400.0, 256.0)]
    img, _ = new_canvas(512, WHITE)
    color = (196, 32, 38)
    draw_graph(img, pos, [(0, 1)], directed=True, node_radius=20, edge_colors=[color], edge_width=3,
               arrow_length=14, arrow_width=12)
    px = img.load()
    # head: wide just before the target circle, tip touches it
    assert px[368, 256 - 4] == color and px[368, 256 + 4] == color
    assert px[379, 256] == color
    # shaft narrow in the middle; nothing drawn past the target node
    assert px[250, 256] == color and px[250, 256 - 4] == WHITE
    assert px[430, 256] == WHITE and px[383, 256] == NODE_FILL
    # undirected edge goes under the node centre-to-centre (covered by the node fill)
    img2, _ = new_canvas(512, WHITE)
    draw_graph(img2, pos, [(0, 1)], edge_colors=[color], node_radius=20)
    assert img2.load()[379, 256 - 4] == WHITE


def test_antiparallel_directed_edges_side_by_side():
    pos = [(100.0, 256.0), (400.0, 256.0)]
    img, _ = new_canvas(512, WHITE)
    d = draw_graph(img, pos, [(0, 1), (1, 0)], directed=True, weights=[3, 4], node_radius=16)
    (a0, a1, a2, a3), (b0, b1, b2, b3) = d.segments
    assert a1 != b1 and a3 != b3
    assert not boxes_overlap(d.label_boxes[0], d.label_boxes[1])


def test_rendering_is_deterministic():
    rng = np.random.default_rng(5)
    edges = _king_graph(rng, 5, 5, 0.5, both=True)
    weights = [int(w) for w in rng.integers(1, 11, len(edges))]
    digests = set()
    for _ in range(2):
        img, _ = new_canvas(512, WHITE)
        draw_graph(img, grid_positions(25, 5), edges, weights=weights, node_radius=19.4)
        digests.add(_digest(img))
        img, _ = new_canvas(512, WHITE)
        layers = [[0], [1, 2, 3], [4, 5], [6]]
        draw_graph(img, layered_layout(layers, stagger=True),
                   [(0, 1), (0, 2), (0, 3), (1, 4), (2, 4), (3, 5), (4, 6), (5, 6)], directed=True,
                   weights=list(range(1, 9)), node_radius=13, weight_font_size=12)
        digests.add(_digest(img))
    assert len(digests) == 2


def test_node_styles_and_labels():
    img, _ = new_canvas(512, WHITE)
    pos = [(100.0, 100.0), (300.0, 300.0)]
    d = draw_graph(img, pos, [(0, 1)], node_labels=["s", "t"],
                   node_styles={0: {"fill": (220, 60, 60), "radius": 26, "outline_width": 4}})
    assert d.radii == [26.0, 18.0]
    assert img.load()[100 + 15, 100] == (220, 60, 60)
