"""Mutations of an EulerianCycle expert answer that must all be rejected."""

from __future__ import annotations

from tests.mutators.eulerian_path import walk_mutations

TASK_NAME = "EulerianCycle"


def mutations(task, inst, answer: str) -> list[str]:
    return walk_mutations(task, inst, answer)
