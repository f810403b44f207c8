"""The shared grid-puzzle renderer: a :class:`Board` description drawn on a fixed square canvas.

A board has rows×cols cells, either sharing grid lines (``gap=0``) or drawn as separate boxes with gaps
(``gap`` = fraction of a cell, e.g. Futoshiki). It can show cell text (fixed entries in bold dark ink,
player entries in blue, or any colour), cell fills, circles, dots and crosses, thick region/cage borders
(from a region-id grid) with optional tints, small corner labels (cage targets), inequality chevrons
between neighbouring cells (the tip points at the smaller cell), clue bands on any side (one string or a
list of strings per line: lists run outwards, as Nonogram clues do), and 0- or 1-based coordinate labels.

    board = Board(5, 5, values={(0, 1): "3"}, given={(0, 1)}, clues={"right": ["4", "7", ...]})
    img, layout = render_board(board, size=512)   # layout.box(r, c) / layout.center(r, c) for extras

Helpers for tasks' boards: :func:`given_values` (givens vs. entered numbers of a play state) and
:func:`shade_marks` (fills and note marks of a shading puzzle's play state).

Drawing uses only the bundled fonts and no randomness: equal boards give identical bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from .canvas import BACKGROUND, GRID_LINE, INK, MUTED, PALETTE, WHITE, draw_text, fit_font, font, new_canvas
from .grid import GridLayout, draw_grid_lines

Cell = tuple[int, int]
ENTERED = PALETTE[0]       # player entries
REGION_LINE = (20, 20, 25)
SIDES = ("top", "bottom", "left", "right")


@dataclass
class Board:
    """What to draw. Every field but ``rows``/``cols`` is optional; cells are ``(row, col)``, 0-based."""

    rows: int
    cols: int
    gap: float = 0.0                                              # space between cell boxes, in cells
    values: dict[Cell, str] = field(default_factory=dict)         # text in a cell
    given: set[Cell] = field(default_factory=set)                 # fixed entries: bold ink; others blue
    colors: dict[Cell, tuple] = field(default_factory=dict)       # text colour overrides
    text_scale: float = 0.6                                       # cell text height / cell
    fills: dict[Cell, tuple] = field(default_factory=dict)        # cell background colours
    cell_color: tuple = WHITE
    regions: Sequence[Sequence[int]] | None = None                # region id per cell: thick borders
    region_fills: dict[int, tuple] = field(default_factory=dict)  # tint per region id
    corner_labels: dict[Cell, str] = field(default_factory=dict)  # small text at a cell's top-left
    inequalities: Sequence[tuple[Cell, Cell]] = ()                # (smaller cell, larger cell), neighbours
    circles: dict[Cell, tuple] = field(default_factory=dict)      # (fill, outline) ring behind the text
    dots: dict[Cell, tuple] = field(default_factory=dict)         # small centred dot (colour)
    crosses: dict[Cell, tuple] = field(default_factory=dict)      # small centred × (colour)
    clues: dict[str, Sequence[str | Sequence[str] | None]] = field(default_factory=dict)  # side -> per line
    clue_colors: dict[str, tuple] = field(default_factory=dict)   # side -> colour (default ink)
    clue_bold: dict[str, bool] = field(default_factory=dict)      # side -> bold (default True)
    coords: int | None = None                                     # label base (0 or 1); None = no labels
    coord_sides: tuple[str, ...] = ("top", "left")
    line_color: tuple = GRID_LINE
    background: tuple = BACKGROUND


@dataclass(frozen=True)
class BoardLayout:
    """Where cells are: ``x0, y0`` is the top-left of cell (0, 0); ``pitch`` = cell + gap."""

    rows: int
    cols: int
    cell: float
    pitch: float
    x0: float
    y0: float

    def box(self, r: int, c: int, inset: float = 0) -> tuple[int, int, int, int]:
        x = self.x0 + c * self.pitch
        y = self.y0 + r * self.pitch
        return (round(x + inset), round(y + inset), round(x + self.cell - inset), round(y + self.cell - inset))

    def center(self, r: float, c: float) -> tuple[float, float]:
        return (self.x0 + c * self.pitch + self.cell / 2, self.y0 + r * self.pitch + self.cell / 2)

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        return (round(self.x0), round(self.y0), round(self.x0 + (self.cols - 1) * self.pitch + self.cell),
                round(self.y0 + (self.rows - 1) * self.pitch + self.cell))

    def cell_at(self, x: float, y: float) -> Cell | None:
        """The cell under a pixel (mouse play), or None (also in a gap)."""
        c = int((x - self.x0) // self.pitch)
        r = int((y - self.y0) // self.pitch)
        if not (0 <= r < self.rows and 0 <= c < self.cols):
            return None
        if x - self.x0 - c * self.pitch > self.cell or y - self.y0 - r * self.pitch > self.cell:
            return None
        return (r, c)

    def grid(self) -> GridLayout:
        """The equivalent :class:`GridLayout` (boards without gaps)."""
        return GridLayout(self.rows, self.cols, self.cell, self.x0, self.y0)


CLUE_ITEM = 0.62   # cells per clue item along a band (at least)
CLUE_PAD = 0.12    # cells between the grid and the first clue item
CLUE_DIGIT = 0.32  # approximate width of one clue digit, in cells (bold, half a cell high)
COORD_BAND = 0.6   # cells for a coordinate label band


def _slot(text: str, side: str) -> float:
    """Cells one clue item takes along its band."""
    if side in ("left", "right"):
        return max(CLUE_ITEM, CLUE_DIGIT * len(text) + 0.2)
    return CLUE_ITEM


def _band_depth(board: Board, side: str) -> float:
    """Depth (in cells) of the clue band on one side."""
    lines = board.clues.get(side)
    if not lines:
        return 0.0
    depth = 0.0
    for item in lines:
        if item is None:
            continue
        items = [item] if isinstance(item, str) else list(item)
        depth = max(depth, sum(_slot(t, side) for t in items))
    return CLUE_PAD + max(depth, CLUE_ITEM) + 0.1


def board_layout(board: Board, size: int = 512, margin: float | None = None) -> BoardLayout:
    """Largest cells that fit the board, its clue bands and coordinate labels on the canvas, centred."""
    margin = size * 0.03 if margin is None else margin
    depth = {side: _band_depth(board, side) for side in SIDES}
    if board.coords is not None:
        for side in board.coord_sides:
            depth[side] += COORD_BAND
    gap = board.gap
    width = board.cols + (board.cols - 1) * gap + depth["left"] + depth["right"]
    height = board.rows + (board.rows - 1) * gap + depth["top"] + depth["bottom"]
    cell = min((size - 2 * margin) / width, (size - 2 * margin) / height)
    pitch = cell * (1 + gap)
    used_w, used_h = width * cell, height * cell
    x0 = (size - used_w) / 2 + depth["left"] * cell
    y0 = (size - used_h) / 2 + depth["top"] * cell
    return BoardLayout(board.rows, board.cols, cell, pitch, x0, y0)


def render_board(board: Board, size: int = 512, margin: float | None = None) -> tuple[Image.Image, BoardLayout]:
    """A ``size``×``size`` RGB image of the board and its layout (for task-specific extras)."""
    img, draw = new_canvas(size, board.background)
    layout = board_layout(board, size, margin)
    draw_board(draw, board, layout, size)
    return img, layout


def draw_board(draw: ImageDraw.ImageDraw, board: Board, layout: BoardLayout, size: int = 512) -> None:
    """Draw every part of ``board`` at ``layout``."""
    _draw_cells(draw, board, layout, size)
    _draw_marks(draw, board, layout)
    _draw_values(draw, board, layout)
    _draw_corner_labels(draw, board, layout)
    _draw_inequalities(draw, board, layout)
    _draw_clues(draw, board, layout)
    if board.coords is not None:
        _draw_coords(draw, board, layout)


def _line_width(layout: BoardLayout, size: int) -> tuple[int, int]:
    thin = max(1, round(size / 512))
    thick = max(3, round(layout.cell * 0.07))
    return thin, thick


def _draw_cells(draw: ImageDraw.ImageDraw, board: Board, layout: BoardLayout, size: int) -> None:
    thin, thick = _line_width(layout, size)
    regions = board.regions
    if board.gap > 0:
        border = max(2, round(layout.cell * 0.045))
        for r in range(board.rows):
            for c in range(board.cols):
                fill = board.fills.get((r, c))
                if fill is None and regions is not None:
                    fill = board.region_fills.get(regions[r][c])
                draw.rectangle(layout.box(r, c), fill=fill or board.cell_color, outline=board.line_color,
                               width=border)
        return
    x0, y0, x1, y1 = layout.bounds
    draw.rectangle((x0, y0, x1, y1), fill=board.cell_color)
    for r in range(board.rows):
        for c in range(board.cols):
            fill = board.fills.get((r, c))
            if fill is None and regions is not None:
                fill = board.region_fills.get(regions[r][c])
            if fill is not None:
                draw.rectangle(layout.box(r, c), fill=fill)
    line = (170, 170, 178) if regions is not None else board.line_color
    draw_grid_lines(draw, layout.grid(), color=line, width=thin, outer_width=thick if regions is not None else
                    max(2, thick - 1))
    if regions is None:
        return
    half = thick // 2
    for r in range(board.rows):
        for c in range(board.cols):
            if c + 1 < board.cols and regions[r][c] != regions[r][c + 1]:
                x = round(layout.x0 + (c + 1) * layout.pitch)
                ya, yb = round(layout.y0 + r * layout.pitch), round(layout.y0 + (r + 1) * layout.pitch)
                draw.rectangle((x - half, ya - half, x - half + thick - 1, yb + half), fill=REGION_LINE)
            if r + 1 < board.rows and regions[r][c] != regions[r + 1][c]:
                y = round(layout.y0 + (r + 1) * layout.pitch)
                xa, xb = round(layout.x0 + c * layout.pitch), round(layout.x0 + (c + 1) * layout.pitch)
                draw.rectangle((xa - half, y - half, xb + half, y - half + thick - 1), fill=REGION_LINE)
    draw.rectangle((x0 - half, y0 - half, x1 + half, y1 + half), outline=REGION_LINE, width=thick)


def _draw_marks(draw: ImageDraw.ImageDraw, board: Board, layout: BoardLayout) -> None:
    cell = layout.cell
    for (r, c), (fill, outline) in sorted(board.circles.items()):
        draw.ellipse(layout.box(r, c, cell * 0.12), fill=fill, outline=outline, width=max(2, round(cell * 0.05)))
    for (r, c), color in sorted(board.dots.items()):
        cx, cy = layout.center(r, c)
        rad = max(2.0, cell * 0.09)
        draw.ellipse((round(cx - rad), round(cy - rad), round(cx + rad), round(cy + rad)), fill=color)
    for (r, c), color in sorted(board.crosses.items()):
        cx, cy = layout.center(r, c)
        arm = cell * 0.16
        w = max(2, round(cell * 0.05))
        draw.line((round(cx - arm), round(cy - arm), round(cx + arm), round(cy + arm)), fill=color, width=w)
        draw.line((round(cx - arm), round(cy + arm), round(cx + arm), round(cy - arm)), fill=color, width=w)


def _draw_values(draw: ImageDraw.ImageDraw, board: Board, layout: BoardLayout) -> None:
    if not board.values:
        return
    fonts: dict[tuple[int, bool], object] = {}
    for (r, c), text in sorted(board.values.items()):
        if not text:
            continue
        bold = (r, c) in board.given
        key = (len(text), bold)
        if key not in fonts:
            fonts[key] = fit_font("8" * len(text), layout.cell * 0.82, layout.cell * board.text_scale, bold=bold)
        color = board.colors.get((r, c), INK if bold else ENTERED)
        cx, cy = layout.center(r, c)
        if (r, c) in board.corner_labels:  # keep clear of the corner label
            key2 = (-len(text), bold)
            if key2 not in fonts:
                fonts[key2] = fit_font("8" * len(text), layout.cell * 0.7, layout.cell * board.text_scale * 0.8,
                                       bold=bold)
            draw_text(draw, (cx, cy + layout.cell * 0.13), text, fonts[key2], fill=color)
            continue
        draw_text(draw, (cx, cy), text, fonts[key], fill=color)


def _draw_corner_labels(draw: ImageDraw.ImageDraw, board: Board, layout: BoardLayout) -> None:
    if not board.corner_labels:
        return
    size = max(9, round(layout.cell * 0.26))
    for (r, c), text in sorted(board.corner_labels.items()):
        fnt = fit_font(text, layout.cell * 0.9, size, bold=True, start=size)
        x, y, _, _ = layout.box(r, c)
        pad = max(2, round(layout.cell * 0.06))
        draw.text((x + pad, y + pad), text, font=fnt, fill=INK, anchor="lt")


def _draw_inequalities(draw: ImageDraw.ImageDraw, board: Board, layout: BoardLayout) -> None:
    if not board.inequalities:
        return
    cell, pitch = layout.cell, layout.pitch
    gap = pitch - cell
    height = min(cell * 0.42, max(gap * 1.4, cell * 0.28)) if gap > 0 else cell * 0.3
    width = max(2, round(height * 0.16))
    for small, large in board.inequalities:
        (r1, c1), (r2, c2) = small, large
        cx, cy = layout.center((r1 + r2) / 2, (c1 + c2) / 2)
        half = height / 2
        depth = height * 0.5  # extent of the chevron along the pair's axis
        if gap <= 0:
            pad = height * 0.2
            draw.rectangle((round(cx - half - pad), round(cy - half - pad), round(cx + half + pad),
                            round(cy + half + pad)), fill=WHITE)
        if r1 == r2:  # horizontal: tip towards the smaller cell
            sign = -1 if c1 < c2 else 1
            tip = (cx + sign * depth / 2, cy)
            arms = [(cx - sign * depth / 2, cy - half), (cx - sign * depth / 2, cy + half)]
        else:
            sign = -1 if r1 < r2 else 1
            tip = (cx, cy + sign * depth / 2)
            arms = [(cx - half, cy - sign * depth / 2), (cx + half, cy - sign * depth / 2)]
        pts = [arms[0], tip, arms[1]]
        draw.line([(round(x), round(y)) for x, y in pts], fill=INK, width=width, joint="curve")


def _draw_clues(draw: ImageDraw.ImageDraw, board: Board, layout: BoardLayout) -> None:
    cell = layout.cell
    x0, y0, x1, y1 = layout.bounds
    for side, lines in sorted(board.clues.items()):
        if side not in SIDES or not lines:
            continue
        color = board.clue_colors.get(side, INK)
        bold = board.clue_bold.get(side, True)
        size = max(9, round(cell * 0.5))
        widest = max((len(x) for item in lines if item is not None
                      for x in ([item] if isinstance(item, str) else item)), default=1)
        limit = cell * 0.92 if side in ("top", "bottom") else cell * (CLUE_DIGIT * widest + 0.1)
        fnt = fit_font("8" * widest, limit, size, bold=bold, start=size)
        start = CLUE_PAD * cell
        if board.coords is not None and side in board.coord_sides:
            start += COORD_BAND * cell
        for k, item in enumerate(lines):
            if item is None:
                continue
            dist = start
            for text in reversed([item] if isinstance(item, str) else list(item)):  # last item nearest the grid
                slot = _slot(text, side) * cell
                mid = dist + slot / 2
                dist += slot
                if side in ("left", "right"):
                    _, cy = layout.center(k, 0)
                    cx = x0 - mid if side == "left" else x1 + mid
                else:
                    cx, _ = layout.center(0, k)
                    cy = y0 - mid if side == "top" else y1 + mid
                draw_text(draw, (cx, cy), text, fnt, fill=color)


def _draw_coords(draw: ImageDraw.ImageDraw, board: Board, layout: BoardLayout) -> None:
    cell = layout.cell
    x0, y0, x1, y1 = layout.bounds
    fnt = font(max(9, min(22, round(cell * 0.34))))
    base = int(board.coords or 0)
    dist = COORD_BAND * cell / 2
    for side in board.coord_sides:
        if side in ("top", "bottom"):
            for c in range(board.cols):
                cx, _ = layout.center(0, c)
                cy = y0 - dist if side == "top" else y1 + dist
                draw_text(draw, (cx, cy), str(c + base), fnt, fill=MUTED)
        else:
            for r in range(board.rows):
                _, cy = layout.center(r, 0)
                cx = x0 - dist if side == "left" else x1 + dist
                draw_text(draw, (cx, cy), str(r + base), fnt, fill=MUTED)


def given_values(grid: Sequence[Sequence[int]], play: Sequence[Sequence[int]] | None = None
                 ) -> tuple[dict[Cell, str], set[Cell]]:
    """Board ``values`` and ``given`` of a number grid with givens: the non-zero cells of ``grid`` as givens,
    the other non-zero cells of ``play`` (if any) as entries."""
    current = play if play is not None else grid
    values: dict[Cell, str] = {}
    given: set[Cell] = set()
    for r, row in enumerate(grid):
        for c, g in enumerate(row):
            v = int(current[r][c])
            if g:
                values[(r, c)] = str(g)
                given.add((r, c))
            elif v:
                values[(r, c)] = str(v)
    return values, given


def shade_marks(play: Sequence[Sequence[int]] | None, fill: tuple, mark: object, *,
                fills: dict | None = None, skip: object = ()) -> tuple[dict, dict]:
    """Board decorations of a shading puzzle's play state (codes 1 = shaded, 2 = a note mark):
    ``fills[(r, c)] = fill`` for code 1 (added to ``fills`` when given) and ``marks[(r, c)] = mark``
    for code 2 (pass them as the Board's dots, crosses or circles); cells in ``skip`` are left alone."""
    fills = {} if fills is None else fills
    marks: dict = {}
    if play is not None:
        for r, row in enumerate(play):
            for c, v in enumerate(row):
                if (r, c) in skip:  # type: ignore[operator]
                    continue
                if v == 1:
                    fills[(r, c)] = fill
                elif v == 2:
                    marks[(r, c)] = mark
    return fills, marks


__all__ = [
    "Board", "BoardLayout", "ENTERED", "board_layout", "draw_board", "given_values", "render_board", "shade_marks",
]
