"""Mutations of an Eulero expert answer that are wrong by construction: each breaks a rule (a repeated letter or
number in a line, a changed given, a letter out of range) or the grid's shape on its own."""

from __future__ import annotations

TASK_NAME = "Eulero"


def mutations(task, inst, answer: str) -> list[str]:
    rows = [line.split("|") for line in answer.strip().split("\n")]
    n = len(rows)
    letters = "ABCDEFGHI"[:n]
    givens = inst.state["givens"]
    free = [(r, c) for r in range(n) for c in range(n) if givens[r][c] is None]
    fixed = [(r, c) for r in range(n) for c in range(n) if givens[r][c] is not None]
    out: list[str] = []

    def text(g) -> str:
        return "\n".join("|".join(row) for row in g)

    def emit(t: str) -> None:
        if t != answer and t not in out:
            out.append(t)

    def changed(cells_values) -> str:
        g = [row[:] for row in rows]
        for (r, c), v in cells_values:
            g[r][c] = v
        return text(g)

    r, c = free[len(free) // 2]
    cell = rows[r][c]
    other_letter = letters[(letters.index(cell[0]) + 1) % n]
    other_number = str(int(cell[1:]) % n + 1)
    emit(changed([((r, c), other_letter + cell[1:])]))        # the row repeats a letter
    emit(changed([((r, c), cell[0] + other_number)]))         # the row repeats a number
    if fixed:
        r2, c2 = fixed[0]
        g = rows[r2][c2]
        emit(changed([((r2, c2), letters[(letters.index(g[0]) + 1) % n] + g[1:])]))   # a given changed
    emit(changed([((r, c), "Z" + cell[1:])]))                 # a letter out of range
    emit(changed([((r, c), cell[0] + str(n + 1))]))           # a number out of range
    emit(text(rows[:-1]))                                     # a row missing
    emit(text(rows + [rows[0]]))                              # an extra row
    emit(changed([((0, 0), rows[0][1]), ((0, 1), rows[0][0])]))   # two cells swapped: columns repeat
    emit(changed([((r, c), "??")]))                           # a malformed cell
    return out
