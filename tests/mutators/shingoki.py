"""Mutations of a Shingoki expert answer that are wrong by construction: a missing or extra segment breaks the
degree-2 rule, a segment off the lattice or between non-neighbours is rejected, and the empty answer has no loop."""

from __future__ import annotations

import re

TASK_NAME = "Shingoki"


def mutations(task, inst, answer: str) -> list[str]:
    segs = re.findall(r"\(\d+,\d+\)-\(\d+,\d+\)", answer)
    n = int(inst.state["n"])
    out: list[str] = []

    def emit(items) -> None:
        text = " ".join(items)
        if text != answer and text not in out and not task.verify(inst, text).correct:
            out.append(text)

    emit(segs[:-1])                                   # loop left open
    emit(segs[1:])
    emit(segs + [f"({n},0)-({n},1)"])                 # off the lattice
    emit(segs + ["(0,0)-(1,1)"])                      # not neighbours
    emit(segs[: len(segs) // 2])                      # half a loop
    emit(["(0,0)-(0,1)"])                             # a single segment
    extra = "(0,0)-(1,0)" if "(0,0)-(1,0)" not in answer and "(1,0)-(0,0)" not in answer else "(0,1)-(0,2)"
    emit(segs + [extra])                              # a branch
    return out
