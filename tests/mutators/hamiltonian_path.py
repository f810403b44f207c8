"""Mutations of a HamiltonianPath expert answer that must all be rejected."""

from __future__ import annotations

TASK_NAME = "HamiltonianPath"


def mutations(task, inst, answer: str) -> list[str]:
    n = int(inst.state["n"])
    s = int(inst.state["start"])

    def show(ids) -> str:
        return "[" + ", ".join(map(str, ids)) + "]"

    if answer.strip() == "No":  # no path from s exists: every list is wrong, and so is anything else
        others = [v for v in range(n) if v != s]
        candidates = ["Yes", show([s] + others), show(others + [s]), show([s]), "Nope", "No No", str(s),
                      show([s, s]), "[]"]
    else:
        ids = [int(t) for t in answer.strip("[]").split(",")]
        candidates = [
            "No",                                             # a path exists
            show(ids[:-1]),                                   # the last vertex left out
            show(ids[::-1]),                                  # reversed: ends at s instead of starting there
            show(ids[1:] + ids[:1]),                          # rotated: does not start at s
            show(ids[:1] + [ids[0]] + ids[2:]),               # the start repeated, one vertex missing
            show(ids[:-1] + [n]),                             # an id that is not a vertex
            show(ids + [ids[0]]),                             # back to the start at the end
            "Yes " + answer,                                  # words around the list
            show(ids[:2]),
            "[]",
        ]
        for i in range(1, n - 1):                            # two consecutive vertices swapped
            candidates.append(show(ids[:i] + [ids[i + 1], ids[i]] + ids[i + 2:]))
    out: list[str] = []
    for text in candidates:
        if text in out or text.strip() == answer.strip() or task.verify(inst, text).correct:
            continue
        out.append(text)
    return out
