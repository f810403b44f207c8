"""Where a renderer put its cells, for mapping mouse clicks to cells (pygame play).

Tasks compute their :class:`~.grid.GridLayout` / :class:`~.puzzle_grid.BoardLayout` inside ``render``;
:func:`recorded_layouts` collects every layout built while its block runs, so a caller gets exactly the
geometry of the image it just drew. Drawing is untouched: the same bytes come out.

    with recorded_layouts() as layouts:
        img = task.render(inst, play, 512)
    layout = pick_layout(layouts, rows, cols)     # layout.cell_at(x, y) -> (r, c) | None

:func:`lattice_layout` turns a lattice of points (Bridges, Shingoki: point (r, c) at ``(x0 + c * step,
y0 + r * step)``) into a layout whose cells are centred on the points, so ``cell_at`` gives the nearest point.
Recording patches the layout classes' constructors while a block runs; use it from one thread.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from .grid import GridLayout
from .puzzle_grid import BoardLayout

_LAYOUT_CLASSES = (GridLayout, BoardLayout)
_recorders: list[list] = []
_original_inits: dict[type, object] = {}


def _recording_init(cls: type):
    original = _original_inits[cls]

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)  # type: ignore[operator]
        for log in _recorders:
            log.append(self)

    return __init__


@contextmanager
def recorded_layouts() -> Iterator[list]:
    """Collect every GridLayout and BoardLayout constructed inside the block, in order."""
    log: list = []
    if not _recorders:
        for cls in _LAYOUT_CLASSES:
            _original_inits[cls] = cls.__init__
            cls.__init__ = _recording_init(cls)  # type: ignore[method-assign]
    _recorders.append(log)
    try:
        yield log
    finally:
        _recorders.remove(log)
        if not _recorders:
            for cls in _LAYOUT_CLASSES:
                cls.__init__ = _original_inits.pop(cls)  # type: ignore[method-assign]


def pick_layout(layouts: Sequence, rows: int, cols: int) -> GridLayout | BoardLayout | None:
    """The last recorded layout of a rows×cols board (a BoardLayout before the GridLayout derived from it)."""
    for kind in (BoardLayout, GridLayout):
        for layout in reversed(layouts):
            if isinstance(layout, kind) and (layout.rows, layout.cols) == (rows, cols):
                return layout
    return None


def lattice_layout(rows: int, cols: int, step: float, x0: float, y0: float) -> GridLayout:
    """Cells of side ``step`` centred on the lattice points ``(x0 + c * step, y0 + r * step)``."""
    return GridLayout(rows, cols, step, x0 - step / 2, y0 - step / 2)


__all__ = ["lattice_layout", "pick_layout", "recorded_layouts"]
