"""Mutations of a BestTimeToBuyAndSellStock expert answer that must all be rejected."""

from __future__ import annotations

from tests.helpers_array import integer_mutations

TASK_NAME = "BestTimeToBuyAndSellStock"


def mutations(task, inst, answer: str) -> list[str]:
    p = [int(x) for x in inst.state["prices"]]
    trades = [(i, i + 1) for i in range(len(p) - 1) if p[i + 1] > p[i]]
    extra = [
        str(max(p) - min(p)),                                  # a single best-looking trade
        str(sum(abs(b - a) for a, b in zip(p, p[1:]))),        # every move counted as profit
        "; ".join(f"buy day {b} sell day {s}" for b, s in trades[:3]) or "buy day 0 sell day 1",
        "no profit",
    ]
    return integer_mutations(task, inst, answer, extra)
