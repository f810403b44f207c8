"""Mutations of a Nibbles expert answer that must all be rejected by the verifier.

A Nibbles answer is a move list like a Maze one, so the mutations are Maze's (tests/mutators/maze.py).
"""

from __future__ import annotations

from tests.mutators.maze import mutations

TASK_NAME = "Nibbles"

__all__ = ["TASK_NAME", "mutations"]
