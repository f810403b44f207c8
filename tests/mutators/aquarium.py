"""Mutations of an Aquarium expert answer that are wrong by construction (each changes a row or column count,
leaves the grid, or does not parse)."""

from __future__ import annotations

import re

TASK_NAME = "Aquarium"


def mutations(task, inst, answer: str) -> list[str]:
    water = [(int(a), int(b)) for a, b in re.findall(r"\((\d+), (\d+)\)", answer)]
    n = inst.state["n"]
    wet = set(water)
    dry = [(x, y) for y in range(n) for x in range(n) if (x, y) not in wet]
    out: list[str] = []

    def emit(cells) -> None:
        text = cells if isinstance(cells, str) else "[" + ", ".join(f"({x}, {y})" for x, y in cells) + "]"
        if text != answer and text not in out:
            out.append(text)

    emit(water[:-1])                                   # one water cell missing: its row count drops
    emit(water[1:])
    emit(water + [dry[0]])                             # one extra water cell: its row count rises
    emit("[]")                                         # no water: every clue row is nonzero somewhere
    emit(water + [(n, 0)])                             # a cell outside the grid
    emit(water[:-1] + [(-1, 0)])                       # a negative coordinate: parse error
    x, y = water[0]                                    # a water cell moved within its row: two columns change
    other = next(((x2, y2) for x2, y2 in dry if y2 == y and x2 != x), None)
    if other is not None:
        emit([other] + water[1:])
    emit([(x, y) for y in range(n) for x in range(n)])  # everything full (water is at most 80 %)
    return out
