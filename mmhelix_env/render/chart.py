"""Bar and line charts of integer arrays (5 to ~70 values, negatives allowed), drawn directly at the target size.

Value labels follow the rule of the array-task specs (e.g. spec/tasks/TrappingRainWater.md, "Image"): every bar
or point carries its exact value in the bundled bold font, at least ``min_font`` px (11 at 512).

- **Above mode**: when the pitch (slot width) is at least the widest label + 2 px at the minimum font, the font
  is the largest up to the maximum that still fits, and each label sits directly above its bar (below a negative
  bar; for a line chart above its point, or below it at a local minimum, nudged off the line within its own
  column). Every label lies inside its own column, so no two labels can touch.
- **Band mode**: otherwise the labels go into a band under the x-axis in r staggered fixed rows, r the smallest
  count with r × pitch ≥ widest label + 2 px; label i uses row i mod r and is centred under its bar with a thin
  tick above it. Labels in one row are r columns apart, rows are stacked, so overlap is impossible by
  construction.

Index labels (default: every index when n ≤ 20, else every 5th) sit under a tick under every bar, below the value
band. :func:`bar_chart` / :func:`line_chart` return an image (``return_layout=True``: the image and its
:class:`ChartLayout`, whose ``label_boxes`` are the value-label boxes); :func:`draw_bar_chart` /
:func:`draw_line_chart` draw into a box of an existing canvas. No randomness; bundled fonts only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from .canvas import GRID_LINE, INK, MUTED, PALETTE, WHITE, boxes_overlap, fit_font, font, new_canvas

Box = tuple[int, int, int, int]
Color = tuple[int, int, int]

HIGHLIGHT = PALETTE[1]
GRID_LIGHT = (225, 225, 232)


@dataclass
class ChartLayout:
    """Geometry of a drawn chart. ``plot`` is the value area (x0, y0, x1, y1): value ``lo`` maps to y1 and ``hi``
    to y0. Boxes are inclusive pixel boxes (x0, y0, x1, y1); ``bar_boxes``/``label_boxes`` are index-aligned
    with the values (a bar box is None for a line chart without markers)."""

    n: int
    plot: tuple[float, float, float, float]
    slot: float
    bar_width: float
    lo: float
    hi: float
    font_size: int = 0
    mode: str = "above"  # "above" or "band"
    label_rows: int = 1
    bar_boxes: list[Box | None] = field(default_factory=list)
    points: list[tuple[float, float]] = field(default_factory=list)
    label_boxes: list[Box] = field(default_factory=list)
    x_label_boxes: list[Box] = field(default_factory=list)
    tick_boxes: list[Box] = field(default_factory=list)

    def x(self, i: float) -> float:
        """Centre x of slot ``i`` (a fractional ``i`` interpolates)."""
        return self.plot[0] + (i + 0.5) * self.slot

    def y(self, value: float) -> float:
        x0, y0, x1, y1 = self.plot
        return y1 - (value - self.lo) / (self.hi - self.lo) * (y1 - y0)

    @property
    def baseline(self) -> float | None:
        """Pixel y of value 0, or None when 0 lies outside the value range."""
        return self.y(0) if self.lo <= 0 <= self.hi else None


# ---------------------------------------------------------------------------------------------------------------
# Geometry and text helpers


def overlapping_pairs(boxes: Sequence[Sequence[float]]) -> list[tuple[int, int]]:
    """Index pairs of boxes that overlap (empty when all are disjoint)."""
    order = sorted(range(len(boxes)), key=lambda i: boxes[i][0])
    out = []
    for k, i in enumerate(order):
        for j in order[k + 1:]:
            if boxes[j][0] > boxes[i][2]:
                break
            if boxes_overlap(boxes[i], boxes[j]):
                out.append((min(i, j), max(i, j)))
    return sorted(out)


def _segment_span(seg: tuple[float, float, float, float], x0: float, x1: float) -> tuple[float, float] | None:
    """The y-range of a straight segment restricted to x in [x0, x1], or None if it does not reach there."""
    ax, ay, bx, by = seg
    if ax > bx:
        ax, ay, bx, by = bx, by, ax, ay
    lo, hi = max(ax, x0), min(bx, x1)
    if lo > hi:
        return None
    if bx == ax:
        return min(ay, by), max(ay, by)
    ya = ay + (by - ay) * (lo - ax) / (bx - ax)
    yb = ay + (by - ay) * (hi - ax) / (bx - ax)
    return min(ya, yb), max(ya, yb)


def _fmt(value) -> str:
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{float(value):g}"


def _nice_step(span: float, max_ticks: int = 6) -> float:
    raw = span / max(1, max_ticks)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for m in (1, 2, 5, 10):
        if m * mag >= raw:
            return max(m * mag, 1e-12)
    return 10 * mag  # pragma: no cover


@lru_cache(maxsize=8192)
def _bbox(text: str, fnt: ImageFont.FreeTypeFont) -> tuple[int, int, int, int]:
    """Ink box of ``text`` relative to its middle anchor ("mm"); fonts come from the cached ``font()``."""
    return fnt.getbbox(text, anchor="mm")


def _digit_span(fnt: ImageFont.FreeTypeFont) -> tuple[int, int]:
    _, t, _, b = _bbox("0123456789", fnt)
    return t, b


def _label_box(text: str, fnt: ImageFont.FreeTypeFont, cx: int, cy: int) -> Box:
    """Box of ``text`` drawn with anchor "mm" at (cx, cy), at least as tall as the digits."""
    l, t, r, b = _bbox(text, fnt)
    dt, db = _digit_span(fnt)
    return (cx + l, cy + min(t, dt), cx + r - 1, cy + max(b, db) - 1)


def _width(text: str, fnt: ImageFont.FreeTypeFont) -> int:
    """Symmetric ink width around the anchor: the label stays within ±width/2 of its centre."""
    l, _, r, _ = _bbox(text, fnt)
    return 2 * max(r, -l)


def _pick_font(texts: Sequence[str], slot: float, min_size: int, max_size: int, bold: bool) -> tuple[int, int]:
    """(font size, rows): rows r is the smallest count with r × slot ≥ widest label + 2 px at ``min_size``; the
    size is the largest (≤ ``max_size``) that still fits r × slot."""
    unique = sorted(set(texts)) or ["0"]
    probe = font(max_size, bold)
    cands = sorted(unique, key=lambda t: -_width(t, probe))[:4]  # the widest few decide at every size
    lo_font = font(min_size, bold)
    cands = sorted(set(cands) | set(sorted(unique, key=lambda t: -_width(t, lo_font))[:4]))

    def fits(size: int, r: int) -> bool:
        fnt = font(size, bold)
        return max(_width(t, fnt) for t in cands) + 2 <= r * slot

    r = 1
    while not fits(min_size, r) and r < 256:
        r += 1
    size = max_size
    while size > min_size and not fits(size, r):
        size -= 1
    return size, r


def _index_labels(n: int, x_labels) -> list[str]:
    """Per-slot index label ('' = tick only). None: every index when n <= 20, else every 5th."""
    if x_labels is None:
        step = 1 if n <= 20 else 5
        return [str(i) if i % step == 0 else "" for i in range(n)]
    if x_labels is False:
        return [""] * n
    labels = ["" if t is None else str(t) for t in x_labels]
    if len(labels) != n:
        raise ValueError(f"x_labels has {len(labels)} entries for {n} values")
    return labels


def _colors(n: int, colors, highlight, default: Color) -> list[Color]:
    if colors is None:
        out = [tuple(default)] * n
    elif len(colors) == 3 and all(isinstance(c, int) for c in colors):
        out = [tuple(colors)] * n
    else:
        out = [tuple(c) for c in colors]
        if len(out) != n:
            raise ValueError(f"colors has {len(out)} entries for {n} values")
    if highlight is not None:
        if isinstance(highlight, Mapping):
            for i, c in highlight.items():
                out[int(i)] = tuple(c)
        else:
            for i in highlight:
                out[int(i)] = HIGHLIGHT
    return out


def _darker(c: Color, f: float = 0.6) -> Color:
    return tuple(int(v * f) for v in c)


# ---------------------------------------------------------------------------------------------------------------
# Layout and drawing


def _chart(draw: ImageDraw.ImageDraw, values: Sequence[float], box: Sequence[float], *, kind: str, labels: bool,
           x_labels, colors: list[Color], bar_width: float, outline: Color | None, marker: bool, line_color: Color,
           zero_based: bool, grid: bool, zero_stub: bool, min_font: int | None, max_font: int | None) -> ChartLayout:
    vals = [float(v) for v in values]
    n = len(vals)
    if n == 0:
        raise ValueError("a chart needs at least one value")
    if any(math.isnan(v) or math.isinf(v) for v in vals):
        raise ValueError("chart values must be finite")
    bx0, by0, bx1, by1 = (float(v) for v in box)
    s = max(0.25, max(bx1 - bx0, by1 - by0) / 484)
    fmin = min_font if min_font is not None else max(7, round(11 * s))
    fmax = max(fmin, max_font if max_font is not None else round(18 * s))
    texts = [_fmt(v) for v in values]
    xl = _index_labels(n, x_labels)

    # value range
    lo, hi = min(vals), max(vals)
    if zero_based:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
        if hi == lo:
            hi = lo + 1.0
    elif hi == lo:
        lo, hi = lo - 1.0, hi + 1.0
    else:
        pad = (hi - lo) * 0.04
        lo, hi = lo - pad, hi + pad

    # horizontal geometry; a y axis with ticks when values are not labelled
    ticks: list[float] = []
    tick_font = font(max(7, round(12 * s)))
    if not labels:
        step = _nice_step(hi - lo)
        t = math.ceil(lo / step - 1e-9) * step
        while t <= hi + 1e-9:
            ticks.append(round(t, 10))
            t += step
        left = max(_width(_fmt(t), tick_font) for t in ticks) + round(10 * s)
    else:
        left = round(4 * s)
    right = round(4 * s)
    px0, px1 = bx0 + left, bx1 - right
    slot = (px1 - px0) / n
    bar_w = max(1.0, slot * bar_width) if kind == "bar" else 0.0
    marker_r = max(2, min(round(4.5 * s), int(slot / 3))) if (kind == "line" and marker) else 0

    # value labels: mode, font, rows
    v_size, rows = _pick_font(texts, slot, fmin, fmax, True) if labels else (fmin, 1)
    mode = "above" if rows == 1 else "band"
    v_font = font(v_size, True)
    dt, db = _digit_span(v_font)
    label_h = db - dt
    gap = max(2, round(3 * s))
    tick_len = max(3, round(4 * s))

    # index labels: same rule (rows when a custom label is too wide)
    x_font = font(max(7, round(12 * s)))
    x_rows, x_line, x_top = 0, 0, 0
    if any(xl):
        where = [i for i, t in enumerate(xl) if t]
        shown = [xl[i] for i in where]
        spacing = min((b - a for a, b in zip(where, where[1:])), default=n)  # in slots
        x_size, x_rows = _pick_font(shown, slot * spacing, max(7, round(11 * s)), max(7, round(12 * s)), False)
        x_font = font(x_size)
        boxes = [_label_box(t, x_font, 0, 0) for t in shown]
        x_top = min(b[1] for b in boxes)
        x_line = max(b[3] for b in boxes) - x_top + 1 + max(2, round(3 * s))

    band_row = tick_len + label_h + 2
    below_axis = tick_len + (rows * band_row + gap if mode == "band" and labels else 0) + \
        (x_rows * x_line + gap if x_rows else 0)

    def label_up(i: int) -> bool:
        if kind == "bar":
            return vals[i] >= 0
        nb = [vals[j] for j in (i - 1, i + 1) if 0 <= j < n]
        return not (nb and all(vals[i] < v for v in nb))  # below local minima only

    above = labels and mode == "above"
    room_top = (label_h + gap + marker_r + 2) if above and any(label_up(i) for i in range(n)) else \
        marker_r + round(6 * s)
    room_bottom = (label_h + gap + marker_r + 2) if above and not all(label_up(i) for i in range(n)) else marker_r

    for _attempt in range(8):
        py0 = by0 + room_top
        py1 = max(py0 + 8, by1 - below_axis - room_bottom)
        layout = ChartLayout(n, (px0, py0, px1, py1), slot, bar_w, lo, hi, v_size, mode, rows)
        bar_boxes: list[Box | None] = []
        points: list[tuple[float, float]] = []
        for i, v in enumerate(vals):
            cx, yv = layout.x(i), layout.y(v)
            points.append((cx, yv))
            if kind == "bar":
                base = layout.y(0.0)
                top, bottom = (yv, base) if v >= 0 else (base, yv)
                if v == 0:
                    if not zero_stub:
                        bar_boxes.append(None)
                        continue
                    top = base - max(2, round(3 * s))
                elif bottom - top < 1:
                    top, bottom = (bottom - 1, bottom) if v > 0 else (top, top + 1)
                x0 = round(cx - bar_w / 2)
                bar_boxes.append((x0, round(top), max(x0, round(cx + bar_w / 2) - 1), round(bottom)))
            elif marker_r:
                bar_boxes.append((round(cx - marker_r), round(yv - marker_r), round(cx + marker_r),
                                  round(yv + marker_r)))
            else:
                bar_boxes.append(None)
        segments = [(*points[i], *points[i + 1]) for i in range(n - 1)] if kind == "line" else []
        centers: list[tuple[int, int]] = []
        label_boxes: list[Box] = []
        if above:
            for i in range(n):
                cx = round(layout.x(i))
                probe = _label_box(texts[i], v_font, cx, 0)
                up = label_up(i)
                if kind == "bar":
                    bb = bar_boxes[i]
                    edge = (bb[1] if up else bb[3]) if bb else layout.y(0.0)
                else:
                    edge = points[i][1] + (-marker_r if up else marker_r)
                cy = math.floor(edge - gap - probe[3]) if up else math.ceil(edge + gap - probe[1])
                if segments:  # move off the line, staying in the own column
                    lb = (probe[0] - 1, probe[2] + 1)
                    for seg in segments[max(0, i - 1): i + 1]:
                        span = _segment_span(seg, *lb)
                        if span is None:
                            continue
                        if up and span[0] <= cy + probe[3] + 1:
                            cy = min(cy, math.floor(span[0] - 2 - probe[3]))
                        elif not up and span[1] >= cy + probe[1] - 1:
                            cy = max(cy, math.ceil(span[1] + 2 - probe[1]))
                centers.append((cx, cy))
                label_boxes.append(_label_box(texts[i], v_font, cx, cy))
            over_top = by0 - min(b[1] for b in label_boxes)
            over_bottom = max(b[3] for b in label_boxes) - (by1 - below_axis)
            if over_top > 0 or over_bottom > 0:
                room_top += max(0, math.ceil(over_top)) + (1 if over_top > 0 else 0)
                room_bottom += max(0, math.ceil(over_bottom)) + (1 if over_bottom > 0 else 0)
                continue
        break
    layout.bar_boxes, layout.points = bar_boxes, points

    # ----- draw ------------------------------------------------------------------------------------
    x0, y0, x1, y1 = layout.plot
    axis_y = round(y1 + room_bottom)
    if ticks or grid:
        step_ticks = ticks or [round(t, 10) for t in _grid_values(lo, hi)]
        for t in step_ticks:
            yt = round(layout.y(t))
            draw.line([(round(x0), yt), (round(x1), yt)], fill=GRID_LIGHT, width=1)
        for t in ticks:
            yt = round(layout.y(t))
            tx = round(x0 - 5 * s)
            text = _fmt(t)
            draw.text((tx, yt), text, font=tick_font, fill=MUTED, anchor="rm")
            l, tt, r, b = tick_font.getbbox(text, anchor="rm")
            layout.tick_boxes.append((tx + l, yt + tt, tx + r - 1, yt + b - 1))
        if ticks:
            draw.line([(round(x0), round(y0)), (round(x0), round(y1))], fill=GRID_LINE, width=1)
    if kind == "bar":
        for i, bb in enumerate(bar_boxes):
            if bb is not None:
                draw.rectangle(bb, fill=colors[i], outline=outline if outline is not None else _darker(colors[i]),
                               width=1)
    else:
        pts = [(round(px), round(py)) for px, py in points]
        if n > 1:
            draw.line(pts, fill=line_color, width=max(2, round(2.5 * s)), joint="curve")
        if marker_r:
            for i, (px, py) in enumerate(pts):
                draw.ellipse((px - marker_r, py - marker_r, px + marker_r, py + marker_r), fill=colors[i],
                             outline=_darker(colors[i]), width=1)
    # x axis at the bottom of the plot, zero line where 0 is inside the range
    draw.line([(round(x0), axis_y), (round(x1), axis_y)], fill=INK, width=max(1, round(2 * s)))
    base = layout.baseline
    if base is not None and round(base) != axis_y:
        draw.line([(round(x0), round(base)), (round(x1), round(base))], fill=INK, width=max(1, round(1.5 * s)))
    for i in range(n):
        cx = round(layout.x(i))
        draw.line([(cx, axis_y), (cx, axis_y + tick_len)], fill=INK, width=1)

    if labels and mode == "above":
        for (cx, cy), text in zip(centers, texts):
            draw.text((cx, cy), text, font=v_font, fill=INK, anchor="mm")
        layout.label_boxes = label_boxes
    elif labels:
        top = axis_y + tick_len + gap
        for i, text in enumerate(texts):
            cx = round(layout.x(i))
            row_top = top + (i % rows) * band_row
            draw.line([(cx, row_top), (cx, row_top + tick_len - 1)], fill=MUTED, width=1)
            cy = row_top + tick_len + 1 - dt
            draw.text((cx, cy), text, font=v_font, fill=INK, anchor="mm")
            layout.label_boxes.append(_label_box(text, v_font, cx, cy))
    if x_rows:
        top = axis_y + tick_len + (rows * band_row + gap if labels and mode == "band" else 0) + gap
        k = 0
        for i, text in enumerate(xl):
            if not text:
                continue
            cx = round(layout.x(i))
            cy = round(top + (k % x_rows) * x_line - x_top)
            k += 1
            draw.text((cx, cy), text, font=x_font, fill=MUTED, anchor="mm")
            layout.x_label_boxes.append(_label_box(text, x_font, cx, cy))
    return layout


def _grid_values(lo: float, hi: float) -> list[float]:
    step = _nice_step(hi - lo)
    out, t = [], math.ceil(lo / step - 1e-9) * step
    while t <= hi + 1e-9:
        out.append(t)
        t += step
    return out


# ---------------------------------------------------------------------------------------------------------------
# Public API


def draw_bar_chart(draw: ImageDraw.ImageDraw, values: Sequence[float], box: Sequence[float], *, labels: bool = True,
                   x_labels: Iterable | None | bool = None, colors=None,
                   highlight: Iterable[int] | Mapping[int, Color] | None = None, bar_width: float = 0.72,
                   outline: Color | None = None, grid: bool = False, zero_stub: bool = True,
                   min_font: int | None = None, max_font: int | None = None) -> ChartLayout:
    """Bars standing on the zero baseline inside ``box`` (x0, y0, x1, y1) of an existing canvas.

    ``labels``: exact value on every bar (else a y axis with ticks). ``x_labels``: None = indices (all when
    n ≤ 20, else every 5th), False = none, or one string per value ('' = tick only). ``colors``: one RGB colour or
    one per bar. ``highlight``: indices drawn in the highlight colour, or {index: colour}. ``bar_width``: fraction
    of the pitch (1.0 = touching bars). ``outline``: bar outline colour (default a darker fill). ``zero_stub``:
    a short stub marks zero-height bars."""
    cols = _colors(len(values), colors, highlight, PALETTE[0])
    return _chart(draw, values, box, kind="bar", labels=labels, x_labels=x_labels, colors=cols, bar_width=bar_width,
                  outline=outline, marker=False, line_color=PALETTE[0], zero_based=True, grid=grid,
                  zero_stub=zero_stub, min_font=min_font, max_font=max_font)


def draw_line_chart(draw: ImageDraw.ImageDraw, values: Sequence[float], box: Sequence[float], *, labels: bool = True,
                    x_labels: Iterable | None | bool = None, marker: bool = True, color: Color | None = None,
                    highlight: Iterable[int] | Mapping[int, Color] | None = None, zero_based: bool = False,
                    grid: bool = True, min_font: int | None = None, max_font: int | None = None) -> ChartLayout:
    """A polyline with round markers inside ``box``; the value range is min..max (``zero_based`` includes 0)
    with a zero line when 0 is inside it, and a faint horizontal grid (``grid``)."""
    line_color = tuple(color) if color is not None else PALETTE[0]
    cols = _colors(len(values), None, highlight, line_color)
    return _chart(draw, values, box, kind="line", labels=labels, x_labels=x_labels, colors=cols, bar_width=0.0,
                  outline=None, marker=marker, line_color=line_color, zero_based=zero_based, grid=grid,
                  zero_stub=False, min_font=min_font, max_font=max_font)


def chart_canvas(size: int | tuple[int, int] = 512, title: str | None = None,
                 background: Color = WHITE) -> tuple[Image.Image, ImageDraw.ImageDraw, tuple[int, int, int, int]]:
    """A canvas with an optional bold title on top; returns (image, draw, free box for the chart)."""
    img, draw = new_canvas(size, background)
    w, h = img.size
    s = max(0.25, min(w, h) / 512)
    margin = round(14 * s)
    top = margin
    if title:
        tf = fit_font(title, w - 2 * margin, round(24 * s), bold=True)
        _, t, _, b = tf.getbbox(title, anchor="mm")
        cy = margin - t
        draw.text((round(w / 2), cy), title, font=tf, fill=INK, anchor="mm")
        top = cy + b + round(10 * s)
    return img, draw, (margin, top, w - margin, h - margin)


def bar_chart(values: Sequence[float], size: int | tuple[int, int] = 512, *, labels: bool = True,
              x_labels: Iterable | None | bool = None, title: str | None = None, colors=None,
              highlight: Iterable[int] | Mapping[int, Color] | None = None, bar_width: float = 0.72,
              outline: Color | None = None, background: Color = WHITE, grid: bool = False, zero_stub: bool = True,
              return_layout: bool = False):
    """A ``size`` bar-chart image (see :func:`draw_bar_chart`); with ``return_layout``: (image, ChartLayout)."""
    img, draw, box = chart_canvas(size, title, background)
    layout = draw_bar_chart(draw, values, box, labels=labels, x_labels=x_labels, colors=colors, highlight=highlight,
                            bar_width=bar_width, outline=outline, grid=grid, zero_stub=zero_stub)
    return (img, layout) if return_layout else img


def line_chart(values: Sequence[float], size: int | tuple[int, int] = 512, *, labels: bool = True,
               x_labels: Iterable | None | bool = None, title: str | None = None, marker: bool = True,
               color: Color | None = None, highlight: Iterable[int] | Mapping[int, Color] | None = None,
               zero_based: bool = False, background: Color = WHITE, grid: bool = True, return_layout: bool = False):
    """A ``size`` line-chart image (see :func:`draw_line_chart`); with ``return_layout``: (image, ChartLayout)."""
    img, draw, box = chart_canvas(size, title, background)
    layout = draw_line_chart(draw, values, box, labels=labels, x_labels=x_labels, marker=marker, color=color,
                             highlight=highlight, zero_based=zero_based, grid=grid)
    return (img, layout) if return_layout else img


__all__ = ["ChartLayout", "bar_chart", "chart_canvas", "draw_bar_chart", "draw_line_chart",
           "line_chart", "overlapping_pairs"]
