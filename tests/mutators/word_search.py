"""Mutations of a WordSearch expert answer that must all be rejected by the verifier."""

from __future__ import annotations

import re

TASK_NAME = "WordSearch"

OPPOSITE = {"N": "S", "S": "N", "E": "W", "W": "E", "NE": "SW", "SW": "NE", "NW": "SE", "SE": "NW"}


def mutations(task, inst, answer: str) -> list[str]:
    m = re.fullmatch(r"([A-Z]+) ([NSEW]{1,2}) @ \((\d+), (\d+)\)", answer)
    assert m, answer
    word, d, x, y = m.group(1), m.group(2), int(m.group(3)), int(m.group(4))
    n = inst.state["n"]
    candidates = [
        f"{word} {d} @ ({x + 1}, {y})",                  # start one column right
        f"{word} {d} @ ({x - 1}, {y})",                  # one column left
        f"{word} {d} @ ({x}, {y + 1})",                  # one row down
        f"{word} {d} @ ({x}, {y - 1})",                  # one row up
        f"{word} {OPPOSITE[d]} @ ({x}, {y})",            # direction reversed
        f"{word} {d} @ ({y}, {x})",                      # coordinates swapped
        f"{word[:-1]} {d} @ ({x}, {y})",                 # truncated word
        f"{word}S {d} @ ({x}, {y})",                     # extra letter
        f"{word} {d} @ ({n + 1}, {y})",                  # outside the grid
        f"{word} {d} @",                                 # coordinates missing
    ]
    candidates += [f"{word} {alt} @ ({x}, {y})" for alt in OPPOSITE if alt != d]
    out: list[str] = []
    for cand in candidates:
        if cand != answer and cand not in out and not task.verify(inst, cand).correct:
            out.append(cand)
    return out
