"""Mutations of a CountHillsAndValleys expert answer that must all be rejected (the helper serves the other
single-integer array tasks too)."""

from __future__ import annotations

TASK_NAME = "CountHillsAndValleys"


def int_mutations(task, inst, answer: str) -> list[str]:
    """Wrong integers, several numbers, a non-integral decimal, a list: each checked to be rejected."""
    a = int(answer.strip())
    candidates = [
        str(a + 1), str(a - 1), str(a + 2), str(a + 10), str(2 * a + 3),   # other values
        f"{a} {a + 1}", f"{a} or {a + 1}",                                  # ambiguous: two numbers
        f"{a}.5",                                                           # not an integer
        f"[{a}, {a + 1}, {a + 2}]",                                         # a list instead of one number
        f"{a}{a}",                                                          # digits doubled
        "-" + str(a + 1),                                                   # negative
        "none",                                                             # no number
    ]
    out: list[str] = []
    for text in candidates:
        if text in out or text.strip() == answer.strip() or task.verify(inst, text).correct:
            continue
        out.append(text)
    return out


def mutations(task, inst, answer: str) -> list[str]:
    return int_mutations(task, inst, answer)
