"""Board geometry for mouse play: which cell (or lattice point, or peg) is under a pixel of the rendered board.

Everything comes from the renderer: the layouts a task's ``render`` builds (recorded while it draws), else the
:class:`~mmhelix_env.render.puzzle_grid.Board` a task describes, else the task's own lattice geometry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core import Instance, Task
from ..core.grid_puzzle import CellStepMixin
from ..render.geometry import lattice_layout, pick_layout, recorded_layouts
from ..render.puzzle_grid import board_layout

Cell = tuple[int, int]


@dataclass(frozen=True)
class PegColumns:
    """Hanoi: three pegs centred at ``size * (2i + 1) / 6``; a click anywhere in a peg's third picks it."""

    size: int
    rows: int = 1
    cols: int = 3

    def cell_at(self, x: float, y: float) -> Cell | None:
        if not (0 <= x < self.size and 0 <= y < self.size):
            return None
        return (0, min(2, int(x * 3 // self.size)))

    def center(self, r: float, c: float) -> tuple[float, float]:
        return (self.size * (2 * c + 1) / 6, self.size * 0.6)

    def box(self, r: int, c: int, inset: float = 0) -> tuple[int, int, int, int]:
        w = self.size / 3
        return (round(c * w + inset), round(inset), round((c + 1) * w - inset), round(self.size - inset))


def board_shape(task: Task, inst: Instance) -> Cell | None:
    """(rows, cols) of the clickable board, or None when the task has no mouse play."""
    if isinstance(task, CellStepMixin):
        return task.board_shape(inst)
    if task.name in ("Bridges", "Shingoki", "Minesweeper"):
        n = int(inst.state["n"])
        return (n, n)
    if task.name == "SlidingPuzzle":
        return (4, 4)
    if task.name == "Hanoi":
        return (1, 3)
    return None


def render_with_geometry(task: Task, inst: Instance, play: Any, size: int):
    """``(image, geometry)``: the rendered board and its cell geometry (None where the task has no mouse play)."""
    with recorded_layouts() as layouts:
        img = task.render(inst, play, size)
    shape = board_shape(task, inst)
    if shape is None:
        return img, None
    if task.name == "Hanoi":
        return img, PegColumns(size)
    if task.name == "Shingoki":
        step, x0, y0, _ = task.layout(shape[0], size)  # type: ignore[attr-defined]
        return img, lattice_layout(*shape, step, x0, y0)
    if task.name == "Bridges":
        from ..tasks.puzzles.bridges import _geometry  # the renderer's (margin, spacing)

        margin, step = _geometry(shape[0], size)
        return img, lattice_layout(*shape, step, margin, margin)
    layout = pick_layout(layouts, *shape)
    if layout is None and hasattr(task, "board"):  # a renderer that reuses cached drawings
        layout = board_layout(task.board(inst, play), size)  # type: ignore[attr-defined]
    return img, layout
