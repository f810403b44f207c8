"""The shared chart kit: exact size, determinism, label modes, and labels that never collide."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhelix_env.render import boxes_overlap, new_canvas
from mmhelix_env.render.chart import (
    HIGHLIGHT,
    bar_chart,
    draw_bar_chart,
    line_chart,
    overlapping_pairs,
)
from mmhelix_env.render.chart import (
    _segment_span as segment_span,
)


def check_layout(img, layout, kind: str) -> None:
    w, h = img.size
    texts = layout.label_boxes + layout.x_label_boxes + layout.tick_boxes
    assert overlapping_pairs(texts) == [], "text boxes overlap"
    for b in texts:
        assert 0 <= b[0] <= b[2] < w and 0 <= b[1] <= b[3] < h, f"text box {b} leaves the {w}x{h} canvas"
    bars = [b for b in layout.bar_boxes if b is not None]
    for i, lb in enumerate(layout.label_boxes):
        for j, bb in enumerate(bars):
            assert not boxes_overlap(lb, bb), f"label {i} overlaps bar/marker {j}"
    for lb in layout.x_label_boxes:
        for bb in bars:
            assert not boxes_overlap(lb, bb)
    if kind == "line" and layout.mode == "above":
        pts = layout.points
        for i, lb in enumerate(layout.label_boxes):
            for k in range(len(pts) - 1):
                span = segment_span((*pts[k], *pts[k + 1]), lb[0], lb[2])
                if span is not None:
                    assert span[1] < lb[1] or span[0] > lb[3], f"label {i} crosses line segment {k}"
    assert len(layout.label_boxes) in (0, layout.n)


CASES = [
    (list(range(5)), {}),
    ([3, 0, 2, 5, 1, 4, 2], {"bar_width": 1.0}),
    ([-3, -1, -7, -2, -5], {}),
    ([0, 0, 0, 0, 0], {}),
    ([5, -5, 12, -12, 0, 7], {}),
    ([1_000_000, 5, 999_999, 0, 123_456], {}),
]


@pytest.mark.parametrize("values, kw", CASES)
@pytest.mark.parametrize("kind", ["bar", "line"])
def test_small_charts(values, kw, kind):
    if kind == "line":
        kw = {}
    fn = bar_chart if kind == "bar" else line_chart
    img, layout = fn(values, 512, title="Values", return_layout=True, **kw)
    assert img.size == (512, 512) and img.mode == "RGB"
    check_layout(img, layout, kind)


@pytest.mark.parametrize("n, hi", [(10, 20), (20, 40), (30, 20), (30, 60), (30, 200), (40, 80), (50, 100),
                                   (70, 100), (70, 20)])
@pytest.mark.parametrize("kind", ["bar", "line"])
def test_many_values_never_collide(n, hi, kind):
    rng = np.random.default_rng(n * 1000 + hi)
    fn = bar_chart if kind == "bar" else line_chart
    for _ in range(5):
        values = [int(v) for v in rng.integers(0, hi + 1, n)]
        img, layout = fn(values, 512, title="A title", return_layout=True)
        check_layout(img, layout, kind)
        # every value has a label whose font is at least the legible minimum
        assert len(layout.label_boxes) == n and layout.font_size >= 11


def test_thirty_values_label_modes():
    values = [int(v) for v in np.random.default_rng(3).integers(0, 21, 30)]
    img, layout = bar_chart(values, 512, bar_width=1.0, return_layout=True)
    assert layout.mode == "band" and layout.label_rows == 2  # 2-digit labels do not fit a 16 px pitch
    check_layout(img, layout, "bar")
    img, layout = bar_chart(values[:12], 512, return_layout=True)
    assert layout.mode == "above" and layout.label_rows == 1
    for i, (lb, bb) in enumerate(zip(layout.label_boxes, layout.bar_boxes)):
        assert lb[3] < bb[1], f"label {i} is not above its bar"
        assert abs((lb[0] + lb[2]) / 2 - (bb[0] + bb[2]) / 2) <= 2


def test_seventy_values_use_four_rows():
    values = [100] + [int(v) for v in np.random.default_rng(5).integers(0, 101, 69)]
    img, layout = bar_chart(values, 512, return_layout=True)
    assert layout.mode == "band" and layout.label_rows == 4
    check_layout(img, layout, "bar")


def test_negative_values_hang_below_zero_line():
    img, layout = bar_chart([4, -3, 2, -6, 0], 512, return_layout=True)
    base = layout.baseline
    assert base is not None
    for v, bb, lb in zip([4, -3, 2, -6, 0], layout.bar_boxes, layout.label_boxes):
        if v > 0:
            assert bb[3] <= base + 1 and lb[3] < bb[1]
        elif v < 0:
            assert bb[1] >= base - 1 and lb[1] > bb[3]
    check_layout(img, layout, "bar")


def test_zero_bar_has_a_visible_stub():
    img, layout = bar_chart([3, 0, 2], 512, colors=(10, 200, 10), return_layout=True)
    stub = layout.bar_boxes[1]
    assert stub is not None and stub[3] - stub[1] >= 2
    arr = np.asarray(img)
    cx, cy = (stub[0] + stub[2]) // 2, (stub[1] + stub[3]) // 2
    assert tuple(arr[cy, cx]) in ((10, 200, 10), (6, 120, 6))


def test_highlight_and_colors():
    img, layout = bar_chart([5, 6, 7, 8, 9], 512, highlight=[2], return_layout=True)
    arr = np.asarray(img)
    bb = layout.bar_boxes[2]
    assert tuple(arr[(bb[1] + bb[3]) // 2, (bb[0] + bb[2]) // 2]) == HIGHLIGHT
    img, layout = bar_chart([5, 6, 7], 512, colors=[(1, 2, 3), (4, 5, 6), (7, 8, 9)], return_layout=True)
    bb = layout.bar_boxes[1]
    assert tuple(np.asarray(img)[(bb[1] + bb[3]) // 2, (bb[0] + bb[2]) // 2]) == (4, 5, 6)
    with pytest.raises(ValueError):
        bar_chart([1, 2, 3], colors=[(1, 2, 3)])


def test_index_labels():
    _, layout = bar_chart(list(range(12)), 512, return_layout=True)
    assert len(layout.x_label_boxes) == 12  # every index when n <= 20
    _, layout = bar_chart(list(range(40)), 512, return_layout=True)
    assert len(layout.x_label_boxes) == 8  # every 5th index otherwise
    img, layout = bar_chart([1, 2, 3], 512, x_labels=["Mon", "Tue", "Wed"], return_layout=True)
    assert len(layout.x_label_boxes) == 3
    _, layout = bar_chart([1, 2, 3], 512, x_labels=False, return_layout=True)
    assert layout.x_label_boxes == []
    with pytest.raises(ValueError):
        bar_chart([1, 2, 3], x_labels=["a"])
    wide = [f"day {i}" for i in range(30)]
    img, layout = bar_chart(list(range(30)), 512, x_labels=wide, return_layout=True)
    check_layout(img, layout, "bar")


def test_unlabelled_charts_get_axis_ticks():
    img, layout = bar_chart([3, 8, 1, 9, 4], 512, labels=False, return_layout=True)
    assert layout.label_boxes == [] and len(layout.tick_boxes) >= 3
    check_layout(img, layout, "bar")
    img, layout = line_chart([-5, 3, -1, 8], 512, labels=False, return_layout=True)
    assert len(layout.tick_boxes) >= 3
    check_layout(img, layout, "line")


def test_line_chart_labels_below_local_minima():
    values = [7, 1, 5, 3, 6, 4]
    img, layout = line_chart(values, 512, return_layout=True)
    assert layout.mode == "above"
    for i, (lb, (_, py)) in enumerate(zip(layout.label_boxes, layout.points)):
        if i in (1, 3, 5):  # the last point is lower than its only neighbour
            assert lb[1] > py, f"label {i} should hang below its minimum"
        else:
            assert lb[3] < py
    check_layout(img, layout, "line")


def test_sizes_and_determinism():
    values = [int(v) for v in np.random.default_rng(1).integers(-20, 40, 25)]
    for size in (512, 256, (640, 400)):
        img = bar_chart(values, size, title="T")
        assert img.size == ((size, size) if isinstance(size, int) else size)
        img = line_chart(values, size, title="T")
        assert img.size == ((size, size) if isinstance(size, int) else size)
    a = bar_chart(values, 512, title="Heights").tobytes()
    b = bar_chart(values, 512, title="Heights").tobytes()
    assert a == b
    assert line_chart(values, 512).tobytes() == line_chart(values, 512).tobytes()


def test_draw_into_existing_canvas():
    img, draw = new_canvas(512)
    layout = draw_bar_chart(draw, [1, 2, 3, 4], (40, 200, 472, 480))
    assert all(40 <= b[0] and b[2] <= 472 and 200 <= b[1] and b[3] <= 480 for b in layout.label_boxes)
    assert layout.x(0) < layout.x(3) and layout.y(4) < layout.y(0)


def test_bad_input():
    with pytest.raises(ValueError):
        bar_chart([])
    with pytest.raises(ValueError):
        line_chart([1, float("nan")])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-1000, 1000), min_size=1, max_size=70), st.sampled_from(["bar", "line"]),
       st.sampled_from([0.5, 0.72, 1.0]))
def test_arbitrary_values_never_collide(values, kind, width):
    if kind == "bar":
        img, layout = bar_chart(values, 512, title="Random", bar_width=width, return_layout=True)
    else:
        img, layout = line_chart(values, 512, title="Random", return_layout=True)
    assert img.size == (512, 512)
    check_layout(img, layout, kind)
