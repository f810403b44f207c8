"""Mutations of a TrappingRainWater expert answer that must all be rejected."""

from __future__ import annotations

from tests.helpers_array import integer_mutations

TASK_NAME = "TrappingRainWater"


def mutations(task, inst, answer: str) -> list[str]:
    h = [int(x) for x in inst.state["height"]]
    extra = [
        str(len(h) * max(h) - sum(h)),        # filled to the global maximum everywhere
        str(sum(h)),                          # the bars instead of the water
        str(int(answer) + len(h)),
        "[" + ", ".join(map(str, h[:3])) + "]",  # a list: ambiguous
    ]
    return integer_mutations(task, inst, answer, extra)
