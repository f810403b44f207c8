"""The four grid directions of the move-list games: answer parsing, step-mode actions, trace text."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from .parsing import parse_moves

MOVES = ("up", "down", "left", "right")
DELTAS = ((-1, 0), (1, 0), (0, -1), (0, 1))  # (row, col) step of each move; row 0 is the top
OPPOSITE = (1, 0, 3, 2)
MOVE_INDEX = {m: i for i, m in enumerate(MOVES)}
MAX_MOVES = 10_000
_WORDS = {m: m for m in MOVES}
_LETTERS = {"u": "up", "d": "down", "l": "left", "r": "right"}


def parse_directions(text: str, *, max_moves: int = MAX_MOVES, max_chars: int = 200_000) -> tuple[list[str], int]:
    """Direction words in order (any case and separators; ``u d l r`` only when nothing else is there).
    Returns (moves, number of ignored words); raises ParseError when there are none or too many."""
    return parse_moves(text, _WORDS, letters=_LETTERS, max_moves=max_moves, max_chars=max_chars)


def ignored_note(ignored: int) -> str:
    """The reason suffix that counts the words a move parser skipped."""
    return f"; ignored {ignored} non-move word{'s' if ignored != 1 else ''}" if ignored else ""


def summarise_runs(moves: Iterable[str]) -> str:
    """``left left up`` → ``left x2, up``."""
    parts = []
    for move, group in itertools.groupby(moves):
        n = len(list(group))
        parts.append(move if n == 1 else f"{move} x{n}")
    return ", ".join(parts)


def direction_action(action: object) -> tuple[int | None, str]:
    """A step-mode action as a direction index 0..3, or (None, why it is not one)."""
    try:
        value = int(action)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None, f"action must be an integer 0..3, got {action!r}"
    if not 0 <= value < 4:
        return None, f"action must be 0 (up), 1 (down), 2 (left) or 3 (right), got {value}"
    return value, ""


class FourWayStepMode:
    """Step-mode mixin (list it before Task) for games whose actions are the four directions:
    Discrete(4) with 0 up, 1 down, 2 left, 3 right, and the expert solution as direction words."""

    def action_shape(self, inst) -> tuple[int, ...]:
        return (4,)

    def level_action_shape(self, level: int) -> tuple[int, ...]:
        return (4,)

    def expert_actions(self, inst) -> list[int]:
        return [MOVE_INDEX[m] for m in self.solution(inst)]  # type: ignore[attr-defined]
