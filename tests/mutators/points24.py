"""Mutations of a 24Points expert answer that must all be rejected."""

from __future__ import annotations

import re

TASK_NAME = "24Points"

_NUM = re.compile(r"\d+")
_OP = re.compile(r"[+\-×÷*/]")


def _candidates(inst, answer: str) -> list[str]:
    numbers = sorted(int(x) for x in inst.state["numbers"])
    nums = list(_NUM.finditer(answer))
    ops = list(_OP.finditer(answer))
    out: list[str] = []

    # 1. change one number to a value that is not in the multiset (numbers no longer match)
    first = nums[0]
    new = next(v for v in range(int(first.group()) + 1, 10_000) if v not in numbers)
    out.append(answer[: first.start()] + str(new) + answer[first.end():])

    # 2. use a number twice: replace one number by a different number of the multiset
    distinct = sorted(set(numbers))
    if len(distinct) > 1:
        last = nums[-1]
        other = next(v for v in distinct if v != int(last.group()))
        out.append(answer[: last.start()] + str(other) + answer[last.end():])
    else:  # all four equal: a fifth copy
        out.append(f"{answer} × {numbers[0]}")

    # 3. swap one operator (each position and replacement tried; keep those that change the value)
    for m in ops:
        for rep in ("+", "-", "×", "÷"):
            if rep != m.group():
                out.append(answer[: m.start()] + rep + answer[m.end():])

    # 4. drop one pair of parentheses
    stack: list[int] = []
    for i, ch in enumerate(answer):
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            j = stack.pop()
            out.append(answer[:j] + answer[j + 1 : i] + answer[i + 1 :])

    # 5. extra tokens and broken syntax
    out.append(f"{answer} + 0")
    out.append(f"-{answer}")  # unary minus
    out.append(answer.rsplit(" ", 1)[0])  # truncated: ends with an operator or misses a number
    out.append(f"({answer}")  # unbalanced
    out.append(f"{answer} ** 1")
    # 6. reorder into a different value: the same numbers added up
    out.append(" + ".join(str(x) for x in numbers))
    out.append(" × ".join(str(x) for x in numbers))
    return out


def mutations(task, inst, answer: str) -> list[str]:
    """At least 5 distinct strings, each checked to be rejected by the verifier."""
    seen: set[str] = set()
    result: list[str] = []
    for cand in _candidates(inst, answer):
        if cand in seen or cand == answer:
            continue
        seen.add(cand)
        if not task.verify(inst, cand).correct:
            result.append(cand)
    assert len(result) >= 5, (answer, result)
    return result
