"""Mutations of a Skyscrapers expert answer that are wrong by construction (each breaks a rule on its own:
a repeated height, a changed given, a value out of range or a wrong shape)."""

from __future__ import annotations

from tests.helpers_puzzle import latin_grid_mutations

TASK_NAME = "Skyscrapers"


def _mirrored(grid, givens, emit, changed) -> None:
    emit([row[::-1] for row in grid])                        # mirrored: every left/right clue pair swaps


def mutations(task, inst, answer: str) -> list[str]:
    return latin_grid_mutations(inst, answer, _mirrored)
