"""Mutations of a Campsite expert answer that are wrong: generated puzzles have exactly one solution, so any other
tent set fails; each candidate is still checked with the verifier and replaced if it happens to pass."""

from __future__ import annotations

import json

TASK_NAME = "Campsite"


def _text(cells) -> str:
    return json.dumps(sorted({(r, c) for r, c in cells})).replace("(", "[").replace(")", "]")


def mutations(task, inst, answer: str) -> list[str]:
    n = inst.state["n"]
    cells = [tuple(p) for p in json.loads(answer)]
    tents = set(cells)
    r, c = cells[0]
    cands: list[str] = [
        _text(cells[1:]),                                    # a tent missing
        _text(cells[:-1]),
        "[]",                                                # no tents
        _text([(a - 1, b - 1) for a, b in cells]),           # 0-based answer
        _text(cells + [(n + 1, 1)]),                         # outside the grid
        _text([(b, a) for a, b in cells]),                   # row and column swapped
        answer[: len(answer) // 2],                          # truncated
    ]
    for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0), (1, 1)):
        p = (r + dr, c + dc)
        if 1 <= p[0] <= n and 1 <= p[1] <= n and p not in tents:
            cands.append(_text(cells[1:] + [p]))             # one tent moved
            cands.append(_text(cells + [p]))                 # touching tents
    out: list[str] = []
    for text in cands:
        if text != answer and text not in out and not task.verify(inst, text).correct:
            out.append(text)
        if len(out) >= 8:
            break
    return out
