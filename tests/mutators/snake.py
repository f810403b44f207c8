"""Mutations of a Snake expert answer that are wrong by construction (each breaks a rule any snake must keep:
endpoints, adjacency, counts, distinct cells, or the grid bounds)."""

from __future__ import annotations

from mmhelix_env.core.parsing import parse_coords
from mmhelix_env.tasks.puzzles.snake import path_text

TASK_NAME = "Snake"


def mutations(task, inst, answer: str) -> list[str]:
    path = parse_coords(answer)
    n = int(inst.state["n"])
    out: list[str] = []

    def emit(p) -> None:
        text = path_text(p)
        if text != answer and text not in out:
            out.append(text)

    emit(path[:-1])                                   # stops before E
    emit(path[1:])                                    # starts after S
    emit(path[:2] + path[3:])                         # a cell skipped: a gap, and counts off by one
    emit(path[:3] + [path[2]] + path[3:])             # a cell repeated
    mid = len(path) // 2
    emit(path[:mid] + path[mid + 1:mid + 2] + path[mid:mid + 1] + path[mid + 2:])  # two cells swapped: a gap
    emit(path + [(n, n)])                             # a cell outside the grid
    emit([path[0], path[-1]])                         # S straight to E
    return out
