"""Mutations of a MaxFlow expert answer that must all be rejected."""

from __future__ import annotations

TASK_NAME = "MaxFlow"


def mutations(task, inst, answer: str) -> list[str]:
    a = int(answer.strip())
    s, t = int(inst.state["source"]), int(inst.state["sink"])
    edges = [tuple(e) for e in inst.state["edges"]]
    out_s = sum(c for u, _, c in edges if u == s)  # never the answer: trivial-cut instances are redrawn
    in_t = sum(c for _, v, c in edges if v == t)
    candidates = [
        str(a + 1),                      # off by one
        str(a - 1),
        str(out_s),                      # the source's total out-capacity
        str(in_t),                       # the sink's total in-capacity
        str(min(out_s, in_t) + 1),
        "0",
        f"{a} {a + 1}",                  # two numbers: ambiguous
        f"{a}.5",                        # not an integer
        f"-{a}",
        str(2 * a),
        f"{a}{a}",
        f"{s}->{t}: {a}",                # several numbers
    ]
    out: list[str] = []
    for text in candidates:
        if text in out or text.strip() == answer.strip():
            continue
        if task.verify(inst, text).correct:
            continue
        out.append(text)
    return out
