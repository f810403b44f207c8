"""Mutations of a SlidingPuzzle expert answer that must all be rejected by the verifier."""

from __future__ import annotations

TASK_NAME = "SlidingPuzzle"

OPPOSITE = {"up": "down", "down": "up", "left": "right", "right": "left"}
ORDER = ("up", "down", "left", "right")


def mutations(task, inst, answer: str) -> list[str]:
    moves = answer.split()
    n = len(moves)
    mid = n // 2
    candidates: list[list[str]] = [
        moves[:-1],                                # one move short (an optimal plan is solved only at its end)
        moves + [moves[-1]],                       # one more slide after solving (illegal or unsolving)
        moves + ["down"],                          # after solving the blank is at (4, 4): a tile can drop into it
        moves[1:],                                 # first move dropped
        moves[::-1],                               # reordered
        moves[:-1] + [OPPOSITE[moves[-1]]],        # last move reversed
        moves[: max(1, n // 2)],                   # truncated to half
    ]
    for alt in ORDER:                              # one move in the middle changed
        if alt != moves[mid]:
            candidates.append(moves[:mid] + [alt] + moves[mid + 1:])
    for i in range(n - 1):                         # two adjacent different moves swapped
        if moves[i] != moves[i + 1]:
            candidates.append(moves[:i] + [moves[i + 1], moves[i]] + moves[i + 2:])
            break
    out: list[str] = []
    for cand in candidates:
        text = " ".join(cand)
        if text and text != answer and text not in out and not task.verify(inst, text).correct:
            out.append(text)
    for filler in ("no moves", "16", "0", answer.replace(" ", "")):
        if len(out) >= 6:
            break
        if filler not in out and not task.verify(inst, filler).correct:
            out.append(filler)
    return out
