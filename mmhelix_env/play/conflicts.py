"""Live conflict highlighting: cells whose entries break a rule that the current grid alone shows (a value
twice in a row, column or box; a Numbrix number twice). Only the play state is read, never the solution, so a
highlight never gives the answer away."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from ..core import Instance, Task

Cell = tuple[int, int]
LATIN = ("Calcudoku", "Futoshiki", "Skyscrapers", "Sudoku")


def _repeats(groups: Iterable[list[tuple[Any, Cell]]]) -> set[Cell]:
    """Cells whose key occurs more than once within one group."""
    bad: set[Cell] = set()
    for group in groups:
        seen: dict[Any, list[Cell]] = defaultdict(list)
        for key, cell in group:
            seen[key].append(cell)
        for cells in seen.values():
            if len(cells) > 1:
                bad.update(cells)
    return bad


def _lines(grid, key) -> list[list[tuple[Any, Cell]]]:
    rows, cols = len(grid), len(grid[0]) if grid else 0
    groups = [[(key(grid[r][c]), (r, c)) for c in range(cols) if grid[r][c]] for r in range(rows)]
    groups += [[(key(grid[r][c]), (r, c)) for r in range(rows) if grid[r][c]] for c in range(cols)]
    return groups


def conflict_cells(task: Task, inst: Instance, play: Any) -> set[Cell]:
    """Filled cells that visibly break a rule of ``task`` in the play grid ``play`` (empty set if none)."""
    if play is None:
        return set()
    if task.name in LATIN:
        groups = _lines(play, lambda v: v)
        if task.name == "Sudoku":
            groups += [[(play[r][c], (r, c)) for r in range(br, br + 3) for c in range(bc, bc + 3) if play[r][c]]
                       for br in (0, 3, 6) for bc in (0, 3, 6)]
        return _repeats(groups)
    if task.name == "Eulero":
        n = len(play)
        bad = _repeats(_lines(play, lambda v: (v - 1) // n))           # a letter twice in a line
        bad |= _repeats(_lines(play, lambda v: (v - 1) % n))           # a number twice in a line
        return bad | _repeats([[(v, (r, c)) for r, row in enumerate(play) for c, v in enumerate(row) if v]])
    if task.name == "Numbrix":
        return _repeats([[(v, (r, c)) for r, row in enumerate(play) for c, v in enumerate(row) if v]])
    return set()
