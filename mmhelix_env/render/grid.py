"""Cell grids: layout on a fixed canvas, lines, cell fills, centred clues and coordinate labels."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import ImageDraw

from .canvas import GRID_LINE, INK, MUTED, draw_text, fit_font, font


@dataclass(frozen=True)
class GridLayout:
    """Square cells letterboxed on a canvas. ``x0, y0`` is the top-left corner of cell (0, 0)."""

    rows: int
    cols: int
    cell: float
    x0: float
    y0: float

    @classmethod
    def fit(cls, rows: int, cols: int, size: int | tuple[int, int] = 512, margin: float = 16,
            label_margin: float = 0, top: float = 0, bottom: float = 0, right: float = 0) -> GridLayout:
        """Largest square cells that fit; ``label_margin`` reserves room left and above for
        coordinate labels or clues; ``top``/``bottom``/``right`` reserve extra bands."""
        w, h = (size, size) if isinstance(size, int) else size
        avail_w = w - 2 * margin - label_margin - right
        avail_h = h - 2 * margin - label_margin - top - bottom
        cell = min(avail_w / cols, avail_h / rows)
        grid_w, grid_h = cell * cols, cell * rows
        x0 = margin + label_margin + (avail_w - grid_w) / 2
        y0 = margin + top + label_margin + (avail_h - grid_h) / 2
        return cls(rows, cols, cell, x0, y0)

    def box(self, r: int, c: int, inset: float = 0) -> tuple[int, int, int, int]:
        x = self.x0 + c * self.cell
        y = self.y0 + r * self.cell
        return (round(x + inset), round(y + inset), round(x + self.cell - inset), round(y + self.cell - inset))

    def center(self, r: int, c: int) -> tuple[float, float]:
        return (self.x0 + (c + 0.5) * self.cell, self.y0 + (r + 0.5) * self.cell)

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        x1, y1 = self.x0 + self.cols * self.cell, self.y0 + self.rows * self.cell
        return (round(self.x0), round(self.y0), round(x1), round(y1))

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """The cell under a pixel (for mouse play), or None."""
        c = int((x - self.x0) // self.cell)
        r = int((y - self.y0) // self.cell)
        return (r, c) if 0 <= r < self.rows and 0 <= c < self.cols else None


def draw_grid_lines(draw: ImageDraw.ImageDraw, layout: GridLayout, color=GRID_LINE, width: int = 1,
                    block: tuple[int, int] | None = None, block_width: int = 3, outer_width: int | None = None) -> None:
    """Inner lines of ``width``; every ``block`` (rows, cols) line and the border thicker."""
    x0, y0, x1, y1 = layout.bounds
    outer = outer_width if outer_width is not None else max(width, block_width if block else width + 1)
    for r in range(1, layout.rows):
        w = block_width if block and r % block[0] == 0 else width
        y = round(layout.y0 + r * layout.cell)
        draw.line([(x0, y), (x1, y)], fill=color, width=w)
    for c in range(1, layout.cols):
        w = block_width if block and c % block[1] == 0 else width
        x = round(layout.x0 + c * layout.cell)
        draw.line([(x, y0), (x, y1)], fill=color, width=w)
    draw.rectangle((x0, y0, x1, y1), outline=color, width=outer)


def fill_cell(draw: ImageDraw.ImageDraw, layout: GridLayout, r: int, c: int, color, inset: float = 0) -> None:
    draw.rectangle(layout.box(r, c, inset), fill=color)


def draw_cell_text(draw: ImageDraw.ImageDraw, layout: GridLayout, r: int, c: int, text: str,
                   fill=INK, scale: float = 0.6, bold: bool = True) -> None:
    """Text centred in a cell, about ``scale`` of the cell height, shrunk to fit its width."""
    fnt = fit_font(text, layout.cell * 0.85, layout.cell * scale, bold=bold)
    draw_text(draw, layout.center(r, c), text, fnt, fill=fill)


def draw_coordinates(draw: ImageDraw.ImageDraw, layout: GridLayout, base: int = 0, fill=MUTED,
                     rows: bool = True, cols: bool = True) -> None:
    """Row numbers left of the grid and column numbers above it, starting at ``base``."""
    size = max(10, min(22, int(layout.cell * 0.4)))
    fnt = font(size)
    if cols:
        for c in range(layout.cols):
            x, _ = layout.center(0, c)
            draw_text(draw, (x, layout.y0 - size * 0.8), str(c + base), fnt, fill=fill)
    if rows:
        for r in range(layout.rows):
            _, y = layout.center(r, 0)
            draw_text(draw, (layout.x0 - size * 0.9, y), str(r + base), fnt, fill=fill)
