"""Mutations of a BestTimeToBuyAndSellStock expert answer that must all be rejected.

:func:`integer_mutations` is shared by the other single-integer array tasks' mutators."""

from __future__ import annotations

TASK_NAME = "BestTimeToBuyAndSellStock"


def integer_mutations(task, inst, answer: str, extra: list[str]) -> list[str]:
    """Wrong single-integer answers: off by one, scaled, signs, decimals, ambiguous pairs, plus ``extra``;
    each one is checked with the verifier (a candidate that happens to verify is dropped)."""
    a = int(answer.strip())
    candidates = [
        str(a + 1),
        str(a - 1),
        str(a + 10),
        str(2 * a + 3),
        f"{a}.5",               # non-integral
        f"{a} {a + 1}",         # two numbers: ambiguous
        f"{a} or {a}",          # ambiguous even when both agree
        f"-{a + 1}",            # negative
        f"{a}{a + 1}",          # digits glued
        "no profit" if a else "none",
        *extra,
    ]
    out: list[str] = []
    for text in candidates:
        if text in out or text.strip() == answer.strip():
            continue
        if task.verify(inst, text).correct:
            continue
        out.append(text)
    return out


def mutations(task, inst, answer: str) -> list[str]:
    p = [int(x) for x in inst.state["prices"]]
    trades = [(i, i + 1) for i in range(len(p) - 1) if p[i + 1] > p[i]]
    extra = [
        str(max(p) - min(p)),                                  # a single best-looking trade
        str(sum(abs(b - a) for a, b in zip(p, p[1:]))),        # every move counted as profit
        "; ".join(f"buy day {b} sell day {s}" for b, s in trades[:3]) or "buy day 0 sell day 1",
    ]
    return integer_mutations(task, inst, answer, extra)
