"""Mutations of a Sudoku expert answer that are wrong by construction."""

from __future__ import annotations

TASK_NAME = "Sudoku"


def mutations(task, inst, answer: str) -> list[str]:
    values = answer.split()
    assert len(values) == 81
    givens = [int(v) for row in inst.state["grid"] for v in row]
    free = [i for i in range(81) if not givens[i]]
    fixed = [i for i in range(81) if givens[i]]
    out: list[str] = []

    def emit(vals: list[str]) -> None:
        text = " ".join(vals)
        if text != answer and text not in out:
            out.append(text)

    # 1. truncated: 80 values cannot be parsed as a grid
    emit(values[:-1])
    # 2. one extra value: 82 values
    emit(values + [values[0]])
    # 3. one non-given cell changed to another digit: its row then holds that digit twice
    i = free[len(free) // 2] if free else 40
    changed = list(values)
    changed[i] = str(int(values[i]) % 9 + 1)
    emit(changed)
    # 4. a given changed (score 0), or a second free cell changed when there are no givens
    j = fixed[0] if fixed else (free[0] if free[0] != i else free[-1])
    changed = list(values)
    changed[j] = str(int(values[j]) % 9 + 1)
    emit(changed)
    # 5. one cell left empty
    blank = list(values)
    blank[i] = "0"
    emit(blank)
    # 6. a value outside 1-9
    big = list(values)
    big[i] = "10"
    emit(big)
    # 7. two different non-given cells of one row swapped: each column then holds a digit twice
    for r in range(9):
        row_free = [k for k in free if k // 9 == r]
        if len(row_free) >= 2:
            a, b = row_free[0], row_free[1]
            swapped = list(values)
            swapped[a], swapped[b] = swapped[b], swapped[a]
            emit(swapped)
            break
    return out
