"""Mutations of a Futoshiki expert answer that are wrong by construction (generated puzzles are unique, and
each mutation also breaks a rule on its own)."""

from __future__ import annotations

from tests.helpers_puzzle import latin_grid_mutations

TASK_NAME = "Futoshiki"


def _swap_in_a_row(grid, givens, emit, changed) -> None:
    n = len(grid)
    for rr in range(n):                                      # two free cells of one row swapped: columns repeat
        row_free = [cc for cc in range(n) if not givens[rr][cc]]
        if len(row_free) >= 2:
            a, b = row_free[:2]
            emit(changed([((rr, a), grid[rr][b]), ((rr, b), grid[rr][a])]))
            break


def mutations(task, inst, answer: str) -> list[str]:
    return latin_grid_mutations(inst, answer, _swap_in_a_row)
