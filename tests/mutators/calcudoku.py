"""Mutations of a Calcudoku expert answer that are wrong by construction: each breaks the Latin rule or the
grid's shape on its own (generated puzzles are unique anyway)."""

from __future__ import annotations

import json

TASK_NAME = "Calcudoku"


def mutations(task, inst, answer: str) -> list[str]:
    grid = json.loads(answer)
    n = len(grid)
    out: list[str] = []

    def emit(g) -> None:
        text = json.dumps(g) if not isinstance(g, str) else g
        if text != answer and text not in out:
            out.append(text)

    def changed(cells_values) -> list[list[int]]:
        g = [list(row) for row in grid]
        for (r, c), v in cells_values:
            g[r][c] = v
        return g

    r, c = n // 2, n // 2
    emit(changed([((r, c), grid[r][c] % n + 1)]))                        # row and column repeat a number
    emit(changed([((0, 0), grid[0][1]), ((0, 1), grid[0][0])]))           # two cells swapped: columns repeat
    emit(changed([((n - 1, n - 1), n + 1)]))                              # out of range
    emit(changed([((0, n - 1), 0)]))                                      # an empty cell
    emit(grid[:-1])                                                       # a row missing
    emit(grid + [grid[0]])                                                # an extra row
    emit([row[:-1] for row in grid])                                      # a column missing
    emit(answer[: len(answer) // 2])                                      # truncated text
    return out
