"""Mutations of a HamiltonianCycle expert answer that must all be rejected."""

from __future__ import annotations

TASK_NAME = "HamiltonianCycle"


def mutations(task, inst, answer: str) -> list[str]:
    n = int(inst.state["n"])
    fmt = "[" + "{}" + "]"

    def show(ids) -> str:
        return fmt.format(", ".join(map(str, ids)))

    if answer.strip() == "No":  # no cycle exists: every list is wrong, and so is anything that is not a list
        candidates = ["Yes", show(range(n)), show(list(range(n)) + [0]), show([0]), "Nope", "No No", "0",
                      show([0, 1, 0]), "[]"]
    else:
        closed = [int(t) for t in answer.strip("[]").split(",")]
        ids = closed[:-1]
        candidates = [
            "No",                                             # a cycle exists
            show(ids[:-1]),                                   # one vertex left out
            show(closed[:-2] + [closed[0]]),                  # closes one vertex early
            show(ids[:1] + ids[2:] + ids[1:2]),               # one vertex moved to the end
            show([ids[0], ids[0]] + ids[2:]),                 # a vertex repeated, another missing
            show(ids[:-1] + [n]),                             # an id that is not a vertex
            show(ids + [ids[1]]),                             # an extra vertex
            "Yes " + answer,                                  # words around the list
            show(ids[:2] + ids[3:] + ids[2:3]),
            show(ids[:3]),
            "[]",
        ]
        for i in range(1, n - 1):                            # two neighbours in the cycle swapped
            swapped = ids[:i] + [ids[i + 1], ids[i]] + ids[i + 2:]
            candidates.append(show(swapped))
    out: list[str] = []
    for text in candidates:
        if text in out or text.strip() == answer.strip() or task.verify(inst, text).correct:
            continue
        out.append(text)
    return out
