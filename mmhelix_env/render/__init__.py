"""Layer 2: the Pillow drawing kit shared by every task (no task knowledge here).

``canvas`` (fonts, text, letterboxing), ``grid`` (cell grids), ``graph`` (layouts, edges, weight labels),
``chart`` (bar and line charts with value labels).
"""

from .canvas import (
    BACKGROUND,
    BLACK,
    DEFAULT_SIZE,
    GRID_LINE,
    INK,
    MUTED,
    PALETTE,
    WHITE,
    boxes_overlap,
    draw_label_box,
    draw_text,
    fit_font,
    font,
    letterbox,
    new_canvas,
    text_size,
    to_array,
)
from .chart import ChartLayout, bar_chart, draw_bar_chart, draw_line_chart, line_chart
from .graph import (
    GraphDrawing,
    circular_layout,
    draw_graph,
    grid_positions,
    layered_layout,
    longest_path_layers,
    spring_layout,
)
from .grid import GridLayout, draw_cell_text, draw_coordinates, draw_grid_lines, fill_cell

__all__ = [
    "BACKGROUND", "BLACK", "DEFAULT_SIZE", "GRID_LINE", "INK", "MUTED", "PALETTE", "WHITE", "ChartLayout",
    "GraphDrawing", "GridLayout", "bar_chart", "boxes_overlap", "circular_layout", "draw_bar_chart",
    "draw_cell_text", "draw_coordinates", "draw_graph", "draw_grid_lines", "draw_label_box", "draw_line_chart",
    "draw_text", "fill_cell", "fit_font", "font", "grid_positions", "layered_layout", "letterbox", "line_chart",
    "longest_path_layers", "new_canvas", "spring_layout", "text_size", "to_array",
]
