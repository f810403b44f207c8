"""Mutations of a Nonogram expert answer that are wrong by construction: flipping one cell changes its row's
filled count (so the row's runs no longer match), and the shape mutations cannot be parsed as an n×n grid."""

from __future__ import annotations

TASK_NAME = "Nonogram"


def mutations(task, inst, answer: str) -> list[str]:
    rows = answer.split("\n")
    n = len(rows)
    out: list[str] = []

    def emit(lines) -> None:
        text = "\n".join(lines)
        if text != answer and text not in out:
            out.append(text)

    def flipped(r: int, c: int) -> list[str]:
        g = list(rows)
        g[r] = g[r][:c] + ("." if g[r][c] == "X" else "X") + g[r][c + 1:]
        return g

    emit(flipped(n // 2, n // 2))          # one cell flipped
    emit(flipped(0, 0))
    emit(flipped(n - 1, n - 1))
    emit(flipped(0, n - 1))
    emit(rows[:-1])                         # a row missing
    emit(rows + [rows[0]])                  # an extra row
    emit(rows[:-1] + [rows[-1][:-1]])       # the last row one cell short
    emit(rows[:-1] + [rows[-1][:-1] + "Z"])  # a foreign symbol
    return out
