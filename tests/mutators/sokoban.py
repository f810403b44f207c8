"""Mutations of a Sokoban expert answer that must all be rejected by the verifier."""

from __future__ import annotations

TASK_NAME = "Sokoban"

OPPOSITE = {"up": "down", "down": "up", "left": "right", "right": "left"}
ORDER = ("up", "down", "left", "right")


def mutations(task, inst, answer: str) -> list[str]:
    moves = answer.split()
    n = len(moves)
    candidates: list[list[str]] = [
        moves[:-1],                                   # stop one push short of solved
        moves + [moves[-1]],                          # push the last box on through its goal (or into a block)
        moves[:-1] + [OPPOSITE[moves[-1]]],           # last move reversed
        moves[1:],                                    # first move dropped
        moves[: max(1, n // 2)],                      # truncated to half
        moves[::-1],                                  # reordered
    ]
    mid = n // 2
    for alt in ORDER:                                 # one move in the middle changed
        if alt != moves[mid]:
            candidates.append(moves[:mid] + [alt] + moves[mid + 1:])
    for i in range(n - 1):                            # two adjacent different moves swapped
        if moves[i] != moves[i + 1]:
            candidates.append(moves[:i] + [moves[i + 1], moves[i]] + moves[i + 2:])
            break
    for alt in ORDER:                                 # an extra first move (often into a wall)
        candidates.append([alt] + moves)
    out: list[str] = []
    for cand in candidates:
        text = " ".join(cand)
        if text and text != answer and text not in out and not task.verify(inst, text).correct:
            out.append(text)
    for filler in ("no moves", "u p", answer.replace(" ", "")):  # always wrong: nothing parses
        if len(out) >= 5:
            break
        if filler not in out and not task.verify(inst, filler).correct:
            out.append(filler)
    return out
