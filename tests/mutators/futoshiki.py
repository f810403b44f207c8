"""Mutations of a Futoshiki expert answer that are wrong by construction (generated puzzles are unique, and
each mutation also breaks a rule on its own)."""

from __future__ import annotations

import json

TASK_NAME = "Futoshiki"


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
    emit(changed([((r, c), grid[r][c] % n + 1)]))            # a free cell changed: its row repeats a number
    if fixed:
        r2, c2 = fixed[0]
        emit(changed([((r2, c2), grid[r2][c2] % n + 1)]))    # a given changed
    emit(changed([((r, c), 0)]))                             # an empty cell
    emit(changed([((r, c), n + 1)]))                         # out of range
    emit(grid[:-1])                                          # a row missing: wrong shape
    emit(grid + [grid[0]])                                   # an extra row
    emit([row[:-1] for row in grid])                         # a column missing
    row_free = [cc for cc in range(n) if not givens[0][cc]]
    for rr in range(n):                                      # two free cells of one row swapped: columns repeat
        row_free = [cc for cc in range(n) if not givens[rr][cc]]
        if len(row_free) >= 2:
            a, b = row_free[:2]
            emit(changed([((rr, a), grid[rr][b]), ((rr, b), grid[rr][a])]))
            break
    return out
