"""Mutations of a Nibbles expert answer that must all be rejected by the verifier."""

from __future__ import annotations

TASK_NAME = "Nibbles"

OPPOSITE = {"up": "down", "down": "up", "left": "right", "right": "left"}
ORDER = ("up", "down", "left", "right")


def mutations(task, inst, answer: str) -> list[str]:
    moves = answer.split()
    n = len(moves)
    mid = n // 2
    candidates: list[list[str]] = [
        moves[:-1],                                   # one cell short of the end
        moves + [moves[-1]],                          # one step past the end (into a wall or away)
        moves[:-1] + [OPPOSITE[moves[-1]]],           # last move reversed
        moves[1:],                                    # first move dropped
        moves[::-1],                                  # reordered
        [OPPOSITE[m] for m in moves],                 # every move mirrored
    ]
    candidates += [moves[:mid] + [alt] + moves[mid + 1:] for alt in ORDER if alt != moves[mid]]
    candidates += [[alt] + moves for alt in ORDER]    # an extra first move
    out: list[str] = []
    for cand in candidates:
        text = " ".join(cand)
        if text and text != answer and text not in out and not task.verify(inst, text).correct:
            out.append(text)
    for filler in ("no moves", "u p", answer.replace(" ", "")):  # nothing parses
        if len(out) >= 5:
            break
        if filler not in out and not task.verify(inst, filler).correct:
            out.append(filler)
    return out
