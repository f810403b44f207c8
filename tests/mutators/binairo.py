"""Mutations of a Binairo expert answer that are wrong by construction (each breaks a rule on its own: a flipped
cell unbalances its row and column, a wrong shape or digit does not parse)."""

from __future__ import annotations

TASK_NAME = "Binairo"


def mutations(task, inst, answer: str) -> list[str]:
    grid = [[int(t) for t in line.split()] for line in answer.strip().splitlines()]
    n = len(grid)
    out: list[str] = []

    def emit(g) -> None:
        text = g if isinstance(g, str) else "\n".join(" ".join(map(str, row)) for row in g)
        if text != answer and text not in out:
            out.append(text)

    def flipped(*cells) -> list[list[int]]:
        g = [list(row) for row in grid]
        for r, c in cells:
            g[r][c] = 1 - g[r][c]
        return g

    emit(flipped((0, 0)))                                     # one cell flipped: row 1 and column 1 unbalanced
    emit(flipped((n - 1, n // 2)))
    emit(flipped((n // 2, 1), (n // 2, 2), (n // 2, 3)))      # three flips in one row: still unbalanced (odd)
    g = [list(row) for row in grid]
    g[n // 2][n // 2] = 2                                     # a digit other than 0/1
    emit(g)
    emit(grid[:-1])                                           # a row missing
    emit([row[:-1] for row in grid])                          # a column missing
    emit(grid + [grid[0]])                                    # an extra row
    emit([grid[1]] + grid[1:])                                # row 1 replaced by row 2: rows repeat
    return out
