"""Mutations of a HIndex expert answer that must all be rejected."""

from __future__ import annotations

from tests.mutators.count_hills_valleys import int_mutations

TASK_NAME = "HIndex"


def mutations(task, inst, answer: str) -> list[str]:
    return int_mutations(task, inst, answer)
