"""Mutations of a Hitori expert answer that are wrong: generated puzzles have exactly one solution, so any other
shaded set fails; each candidate is still checked with the verifier and replaced if it happens to pass."""

from __future__ import annotations

import re

TASK_NAME = "Hitori"


def _text(cells) -> str:
    cells = sorted(set(cells))
    return "{" + ", ".join(f"({r}, {c})" for r, c in cells) + "}" if cells else "{}"


def mutations(task, inst, answer: str) -> list[str]:
    n = inst.state["n"]
    cells = [(int(a), int(b)) for a, b in re.findall(r"\((\d+), (\d+)\)", answer)]
    shaded = set(cells)
    cands: list[str] = []
    cands.append(_text(cells[1:]))                                   # first shaded cell unshaded
    cands.append(_text(cells[:-1]))                                  # last shaded cell unshaded
    r, c = cells[0]
    nb = next((r2, c2) for r2, c2 in ((r, c + 1), (r + 1, c), (r, c - 1), (r - 1, c))
              if 0 <= r2 < n and 0 <= c2 < n)
    cands.append(_text(cells + [nb]))                                # an adjacent pair of shaded cells
    cands.append("{}")                                               # nothing shaded
    cands.append(_text(cells + [(n, 0)]))                            # a cell outside the grid
    moved = [(r2, c2) for r2, c2 in ((r, c + 1), (r + 1, c), (r, c - 1), (r - 1, c))
             if 0 <= r2 < n and 0 <= c2 < n and (r2, c2) not in shaded]
    if moved:
        cands.append(_text(cells[1:] + [moved[0]]))                  # one shaded cell moved next door
    cands.append(answer[: len(answer) // 2])                         # truncated
    free = [(a, b) for a in range(n) for b in range(n) if (a, b) not in shaded]
    for extra in free:
        cands.append(_text(cells + [extra]))                         # one extra shaded cell
    out: list[str] = []
    for text in cands:
        if text != answer and text not in out and not task.verify(inst, text).correct:
            out.append(text)
        if len(out) >= 8:
            break
    return out
