"""Mutations of a LargestRectangleInHistogram expert answer that must all be rejected."""

from __future__ import annotations

from tests.helpers_array import integer_mutations

TASK_NAME = "LargestRectangleInHistogram"


def mutations(task, inst, answer: str) -> list[str]:
    h = [int(x) for x in inst.state["heights"]]
    a = int(answer)
    extra = [
        str(max(h) * len(h)),                 # bounding box
        str(sum(h)),                          # total area of the histogram
        str(min(h) * len(h) - 1),
        f"width 6, height 7 ({a})",           # several numbers: ambiguous
        f"{a} × 1 = {a}",
    ]
    return integer_mutations(task, inst, answer, extra)
