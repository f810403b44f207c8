"""Mutations of a ShortestDistance expert answer that must all be rejected."""

from __future__ import annotations

TASK_NAME = "ShortestDistance"


def mutations(task, inst, answer: str) -> list[str]:
    d = int(answer.strip())
    path = task.solution(inst)["path"]
    weights = sorted({int(e[2]) for e in inst.state["edges"]})
    candidates = [
        str(d + 1),                                   # off by one
        str(d - 1),
        str(d + weights[-1]),                         # one heaviest edge too many
        "0",                                          # nothing
        "-".join(map(str, path)) + f": {d}",          # a path listing: ambiguous, several numbers
        f"{d} {d + 1}",                               # two numbers
        f"{d}.5",                                     # a non-integral decimal
        str(2 * d),
        "-" + str(d),
        "[" + ", ".join(map(str, path)) + "]",        # the path instead of its length
        f"{d}{d}",
    ]
    out: list[str] = []
    for text in candidates:
        if text in out or text.strip() == answer.strip():
            continue
        if task.verify(inst, text).correct:
            continue
        out.append(text)
    return out
