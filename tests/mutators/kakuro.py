"""Mutations of a Kakuro expert answer that are wrong by construction: every white cell of a generated puzzle
lies in two clued runs, so changing one digit breaks a run sum; the others break the answer's structure."""

from __future__ import annotations

import re

TASK_NAME = "Kakuro"

_ENTRY = re.compile(r"\((\d+),(\d+)\):(\d+)")


def mutations(task, inst, answer: str) -> list[str]:
    entries = [(int(r), int(c), int(v)) for r, c, v in _ENTRY.findall(answer)]
    out: list[str] = []

    def emit(items) -> None:
        text = items if isinstance(items, str) else " ".join(f"({r},{c}):{v}" for r, c, v in items)
        if text != answer and text not in out:
            out.append(text)

    def changed(k: int, delta: int):
        items = list(entries)
        r, c, v = items[k]
        items[k] = (r, c, (v - 1 + delta) % 9 + 1)
        return items

    emit(changed(0, 1))                        # one digit changed: its two run sums break
    emit(changed(len(entries) - 1, 4))
    emit(entries[:-1])                          # a white cell missing
    emit(entries + [(0, 0, 5)])                 # a digit on the black corner cell
    r, c, v = entries[0]
    emit(entries + [(r, c, v % 9 + 1)])         # two values for one cell
    emit([(r, c, 0) if k == 0 else e for k, e in enumerate(entries)])  # 0 is not a digit
    emit([(r, c, 10) if k == 0 else e for k, e in enumerate(entries)])
    return out
