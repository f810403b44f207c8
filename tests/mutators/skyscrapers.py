"""Mutations of a Skyscrapers expert answer that are wrong by construction (each breaks a rule on its own:
a repeated height, a changed given, a value out of range or a wrong shape)."""

from __future__ import annotations

import json

TASK_NAME = "Skyscrapers"


def mutations(task, inst, answer: str) -> list[str]:
    grid = json.loads(answer)
    n = len(grid)
    givens = inst.state["grid"]
    free = [(r, c) for r in range(n) for c in range(n) if not givens[r][c]]
    fixed = [(r, c) for r in range(n) for c in range(n) if givens[r][c]]
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

    r, c = free[len(free) // 2]
    emit(changed([((r, c), grid[r][c] % n + 1)]))            # one free cell changed: its row repeats a height
    if fixed:
        r2, c2 = fixed[0]
        emit(changed([((r2, c2), grid[r2][c2] % n + 1)]))    # a given changed
    emit(changed([((r, c), 0)]))                             # an empty cell
    emit(changed([((r, c), n + 1)]))                         # out of range
    emit(grid[:-1])                                          # a row missing
    emit(grid + [grid[0]])                                   # an extra row
    emit([row[:-1] for row in grid])                         # a column missing
    emit([row[::-1] for row in grid])                        # mirrored: every left/right clue pair swaps
    return out
