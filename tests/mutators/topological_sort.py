"""Mutations of a TopologicalSort expert answer that must all be rejected."""

from __future__ import annotations

TASK_NAME = "TopologicalSort"


def _fmt(order) -> str:
    return "[" + ", ".join(map(str, order)) + "]"


def mutations(task, inst, answer: str) -> list[str]:
    order = [int(x) for x in answer.strip("[] ").split(",")]
    n = int(inst.state["n"])
    edges = [tuple(e) for e in inst.state["edges"]]
    candidates = []
    # 1. swap the two ends of one edge (the first edge of the list): that edge now points backwards
    u, v = edges[0]
    swapped = list(order)
    i, j = swapped.index(u), swapped.index(v)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    candidates.append(_fmt(swapped))
    # 2. the reversed order: every edge points backwards
    candidates.append(_fmt(order[::-1]))
    # 3. the last vertex (it has a predecessor: the graph is connected) moved to the front
    candidates.append(_fmt(order[-1:] + order[:-1]))
    # 4. truncated: the last vertex missing
    candidates.append(_fmt(order[:-1]))
    # 5. a duplicate appended
    candidates.append(_fmt(order + order[:1]))
    # 6. an unknown id instead of the last vertex
    candidates.append(_fmt(order[:-1] + [n]))
    # 7. an extra word
    candidates.append(_fmt(order) + " done")
    # 8. the ascending order 0..n-1 (never valid: the generator rejects such graphs)
    candidates.append(_fmt(range(n)))
    out: list[str] = []
    for text in candidates:
        if text in out or text.strip() == answer.strip():
            continue
        if task.verify(inst, text).correct:
            continue
        out.append(text)
    return out
