"""Mutations of a Minesweeper expert answer that must all be rejected by the verifier."""

from __future__ import annotations

import re

TASK_NAME = "Minesweeper"

_PAIR = re.compile(r"\((\d+),(\d+)\)")


def _text(pairs) -> str:
    return ",".join(f"({r},{c})" for r, c in pairs)


def mutations(task, inst, answer: str) -> list[str]:
    pairs = [(int(r), int(c)) for r, c in _PAIR.findall(answer)]
    n = int(inst.state["n"])
    rows = inst.state["rows"]
    mines = set(pairs)
    covered_safe = [(r, c) for r in range(n) for c in range(n) if rows[r][c] == "?" and (r, c) not in mines]
    revealed = [(r, c) for r in range(n) for c in range(n) if rows[r][c] != "?"]
    first = pairs[0]
    candidates = [
        pairs[:-1],                                            # one mine missing
        pairs[1:],                                             # another one missing
        pairs + [covered_safe[0]] if covered_safe else [],     # an extra covered safe cell
        pairs[:-1] + [covered_safe[-1]] if covered_safe else [],  # a mine moved to a safe covered cell
        pairs[:-1] + [revealed[0]],                            # a mine moved onto a revealed number
        pairs + [(n, 0)],                                      # off the board
        [(first[0], (first[1] + 1) % n)] + pairs[1:],          # first column shifted
        [first],                                               # only the first mine
        pairs + [(-1, 2)],                                     # a negative coordinate
        [(r + 0.5, c) for r, c in pairs[:1]] + pairs[1:],      # a non-integer coordinate
    ]
    out: list[str] = []
    for cand in candidates:
        if not cand:
            continue
        text = _text(cand)
        if text != answer and text not in out and not task.verify(inst, text).correct:
            out.append(text)
    for filler in ("no mines", "none", answer.replace("(", "").replace(")", "")):
        if filler not in out and not task.verify(inst, filler).correct:
            out.append(filler)
    return out
