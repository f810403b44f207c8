"""Layer 2: the Pillow drawing kit shared by every task (no task knowledge here)."""

from .canvas import (
    BACKGROUND, BLACK, DEFAULT_SIZE, GRID_LINE, INK, MUTED, PALETTE, WHITE,
    draw_label_box, draw_text, fit_font, font, letterbox, new_canvas, text_size, to_array,
)
from .grid import GridLayout, draw_cell_text, draw_coordinates, draw_grid_lines, fill_cell

__all__ = [
    "BACKGROUND", "BLACK", "DEFAULT_SIZE", "GRID_LINE", "INK", "MUTED", "PALETTE", "WHITE",
    "GridLayout", "draw_cell_text", "draw_coordinates", "draw_grid_lines", "draw_label_box",
    "draw_text", "fill_cell", "fit_font", "font", "letterbox", "new_canvas", "text_size", "to_array",
]
