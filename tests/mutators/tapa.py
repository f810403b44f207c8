"""Mutations of a Tapa expert answer that are wrong by construction (generated puzzles are unique, so any other
black set fails; the structural ones break a rule outright)."""

from __future__ import annotations

import re

TASK_NAME = "Tapa"


def mutations(task, inst, answer: str) -> list[str]:
    cells = [(int(a), int(b)) for a, b in re.findall(r"\((\d+),(\d+)\)", answer)]
    n = int(inst.state["n"])
    clue = (int(inst.state["clues"][0][0]), int(inst.state["clues"][0][1]))
    black = set(cells)
    out: list[str] = []

    def emit(cs) -> None:
        text = ", ".join(f"({r},{c})" for r, c in cs) or "[]"
        if text != answer and text not in out and not task.verify(inst, text).correct:
            out.append(text)

    emit(cells[:-1])                                  # one black cell dropped
    emit(cells[1:])
    emit(cells + [clue])                              # a clue cell shaded
    emit(cells + [(n, 0)])                            # a cell outside the grid
    whites = [(r, c) for r in range(n) for c in range(n) if (r, c) not in black]
    for rc in whites:                                 # one extra black cell
        emit(sorted(black | {rc}))
        if len(out) >= 6:
            break
    emit([])                                          # nothing black
    emit([cells[0]] + [(r, c) for r, c in whites if (r, c) != clue][:1])
    return out
