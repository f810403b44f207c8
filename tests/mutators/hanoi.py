"""Mutations of a Hanoi expert answer that must all be rejected by the verifier."""

from __future__ import annotations

import re

TASK_NAME = "Hanoi"

_MOVE = re.compile(r"\((\d+),(\d+)\)")


def _text(moves) -> str:
    return " ".join(f"({d},{p})" for d, p in moves)


def mutations(task, inst, answer: str) -> list[str]:
    moves = [(int(d), int(p)) for d, p in _MOVE.findall(answer)]
    n = int(inst.state["n"])
    k = len(moves)
    mid = k // 2
    d, p = moves[mid]
    candidates: list[list[tuple[int, int]]] = [
        moves[:-1],                                        # one move short of the goal
        moves + [(1, 1)],                                  # a move after solving takes disk 1 off peg 3
        moves[1:],                                         # first move dropped
        moves[::-1],                                       # reordered
        moves[:mid] + [(d, p % 3 + 1)] + moves[mid + 1:],      # middle move to another peg
        moves[:mid] + [(d % n + 1, p)] + moves[mid + 1:],  # middle move names another disk
        [moves[0]] + moves,                                # first move repeated
        [(n + 1, 3)] + moves,                              # an unknown disk
        [(moves[0][0], 4)] + moves[1:],                    # a peg that does not exist
    ]
    for i in range(k - 1):                                 # two adjacent moves swapped
        if moves[i] != moves[i + 1]:
            candidates.append(moves[:i] + [moves[i + 1], moves[i]] + moves[i + 2:])
            break
    out: list[str] = []
    for cand in candidates:
        text = _text(cand)
        if text and text != answer and text not in out and not task.verify(inst, text).correct:
            out.append(text)
    for filler in ("no moves", "(0,3)", "(1,4) (2,4)", answer.replace("(", "").replace(")", "").replace(",", "")):
        if len(out) >= 6:
            break
        if filler not in out and not task.verify(inst, filler).correct:
            out.append(filler)
    return out
