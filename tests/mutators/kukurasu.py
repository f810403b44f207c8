"""Mutations of a Kukurasu expert answer that are wrong by construction (flipping any cell changes its row and
column sums; generated puzzles are unique)."""

from __future__ import annotations

import json

TASK_NAME = "Kukurasu"


def mutations(task, inst, answer: str) -> list[str]:
    grid = json.loads(answer)
    n = len(grid)
    out: list[str] = []

    def emit(g) -> None:
        text = json.dumps(g)
        if text != answer and text not in out:
            out.append(text)

    def flipped(*cells) -> list[list[int]]:
        g = [list(row) for row in grid]
        for r, c in cells:
            g[r][c] = 1 - g[r][c]
        return g

    emit(flipped((0, 0)))                        # one cell flipped: row 1 and column 1 sums change
    emit(flipped((n - 1, n - 1)))
    emit(flipped((0, 0), (n - 1, n - 1)))
    emit([[0] * n for _ in range(n)])            # nothing black: every clue is >= 1
    g = [list(row) for row in grid]
    g[n // 2][n // 2] = 2                        # a value other than 0/1
    emit(g)
    emit(grid[:-1])                              # wrong shape
    emit([row + [0] for row in grid])
    return out
