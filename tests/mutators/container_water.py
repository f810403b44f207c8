"""Mutations of a ContainerWithMostWater expert answer that must all be rejected."""

from __future__ import annotations

from tests.helpers_array import integer_mutations

TASK_NAME = "ContainerWithMostWater"


def mutations(task, inst, answer: str) -> list[str]:
    h = [int(x) for x in inst.state["heights"]]
    a = int(answer)
    i, j = next((i, j) for i in range(len(h)) for j in range(i + 1, len(h)) if (j - i) * min(h[i], h[j]) == a)
    extra = [
        str((j - i + 1) * min(h[i], h[j])),   # width counted with outer edges
        str((j - i - 1) * min(h[i], h[j])),   # inner gap
        str((j - i) * max(h[i], h[j])),       # taller line as the height
        f"lines {i} and {j}",                 # the pair instead of the amount
        f"{j - i} × {min(h[i], h[j])} = {a}",  # the product written out: ambiguous
    ]
    return integer_mutations(task, inst, answer, extra)
