"""Mutations of a Bridges expert answer that are wrong by construction: any change of a bridge count (or a
removed/duplicated bridge) breaks the numbers of its two islands; the rest break the format."""

from __future__ import annotations

TASK_NAME = "Bridges"


def mutations(task, inst, answer: str) -> list[str]:
    lines = answer.splitlines()
    out: list[str] = []

    def emit(items) -> None:
        text = "\n".join(items)
        if text != answer and text not in out and text.strip():
            out.append(text)

    def recount(k: int) -> list[str]:
        items = list(lines)
        head, count = items[k].rsplit(":", 1)
        items[k] = f"{head}:{3 - int(count)}"
        return items

    emit(recount(0))                                   # 1 <-> 2 on one bridge
    emit(recount(len(lines) - 1))
    emit(lines[1:] or ["(0,0)-(0,1):1"])               # a bridge missing
    emit(lines[:-1] or ["(0,0)-(0,1):1"])
    emit(lines + [lines[0]])                           # a bridge doubled (count off or over 2)
    emit([lines[0].rsplit(":", 1)[0] + ":3"] + lines[1:])  # count outside {1, 2}
    emit([lines[0].rsplit(":", 1)[0]] + lines[1:])     # count missing
    return out
