"""Mutations of an EulerianPath expert answer that must all be rejected (shared with EulerianCycle)."""

from __future__ import annotations

from mmhelix_env.tasks.graphs._eulerian import hierholzer, state_facts
from mmhelix_env.tasks.graphs._graph_common import format_vertex_list, parse_vertex_list

TASK_NAME = "EulerianPath"


def walk_mutations(task, inst, answer: str) -> list[str]:
    facts = state_facts(inst)
    n = facts.n
    parsed = parse_vertex_list(answer, 10_000)
    if parsed.says_no:
        # no Eulerian walk exists, so every list is wrong
        partial = hierholzer(n, facts.edges, facts.odd[0] if facts.odd else 0).walk
        candidates = ["Yes", format_vertex_list(partial), format_vertex_list(range(n)), "[0, 1, 0]", "0", "[]", "Maybe",
                      "N0", format_vertex_list(partial[:-1]), "No path"]
    else:
        w = list(parsed.nodes)
        mid = len(w) // 2
        changed = list(w)
        changed[mid] = (w[mid] + 1) % n
        swapped = list(w)
        swapped[1], swapped[2] = swapped[2], swapped[1]
        candidates = [
            format_vertex_list(w[:-2]),                       # two steps short: an edge is never used
            format_vertex_list(w + [w[-2]]),                  # walks the last edge a second time
            format_vertex_list(w[:mid] + w[mid + 1:]),        # one vertex dropped
            format_vertex_list([n if i == 1 else v for i, v in enumerate(w)]),  # a vertex that does not exist
            "No",                                      # the walk exists
            format_vertex_list(changed),                      # one vertex changed
            format_vertex_list(swapped),                      # two entries swapped
            format_vertex_list(w + w[1:3]),                   # two extra steps
            format_vertex_list(w[:1] + w),                    # a self-loop step
            " ".join(map(str, w[:-1])) + " x",         # not a list
        ]
    out: list[str] = []
    for text in candidates:
        if text in out or text.strip() == answer.strip() or task.verify(inst, text).correct:
            continue
        out.append(text)
    return out


def mutations(task, inst, answer: str) -> list[str]:
    return walk_mutations(task, inst, answer)
