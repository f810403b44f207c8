"""Mutations of a HIndex expert answer that must all be rejected."""

from __future__ import annotations

from tests.helpers_array import integer_mutations

TASK_NAME = "HIndex"


def mutations(task, inst, answer: str) -> list[str]:
    return integer_mutations(task, inst, answer)
