"""BestTimeToBuyAndSellStock (MM-HELIX ``best_time_to_buy_and_sell_stock``, LeetCode 122).

Daily prices; any number of transactions, at most one share held, same-day sell-and-rebuy allowed, no fees. The
maximum total profit is the sum of all positive day-to-day rises (spec/tasks/BestTimeToBuyAndSellStock.md).

Generation: length U{lo..hi}, prices i.i.d. U{1..max}; from level 3 on a random walk overwrites the prices
(per index from 1: with probability 0.3 previous + U{1..5}, else with probability 0.6 previous − U{1..5}, else
the uniform draw stays), **clamped to 1..max** (the spec's fix of the unbounded reference walk).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from ...core import Instance, level_number
from ...render.chart import line_chart
from ._array_answer import FORMAT_SENTENCE, ArrayAnswerTask, format_list, show_value

# level -> (shortest, longest, max price, random walk)
LEVEL_PARAMS: dict[int, tuple[int, int, int, bool]] = {
    1: (5, 10, 20, False),
    2: (10, 20, 40, False),
    3: (20, 30, 60, True),
    4: (30, 50, 80, True),
    5: (50, 70, 100, True),
}
P_UP, P_DOWN, MAX_STEP = 0.3, 0.6, 5

RULES = ("You can buy and sell as many times as you want, but you can hold at most one share at a time (you must "
         "sell before you buy again; selling and buying again on the same day is allowed), and there are no fees. "
         "Calculate the maximum total profit you can get. If you cannot get any profit, answer 0.")


def max_profit(prices) -> int:
    """Sum of all positive day-to-day rises: the optimum with unlimited transactions."""
    return sum(max(0, b - a) for a, b in zip(prices, prices[1:]))


def transactions(prices) -> list[tuple[int, int]]:
    """Valley-to-peak trades (buy day, sell day): buy at each local minimum, sell at the next local maximum.
    Flat stretches are absorbed, so the trades' profits add up to :func:`max_profit`."""
    n = len(prices)
    out = []
    i = 0
    while i < n - 1:
        while i < n - 1 and prices[i + 1] <= prices[i]:
            i += 1
        buy = i
        while i < n - 1 and prices[i + 1] >= prices[i]:
            i += 1
        if i > buy and prices[i] > prices[buy]:
            out.append((buy, i))
    return out


class BestTimeToBuyAndSellStock(ArrayAnswerTask):
    name = "BestTimeToBuyAndSellStock"
    category = "algorithms"
    benchmark_id = "BestTimeToBuyAndSellStock"
    generator_key = "best_time_to_buy_and_sell_stock"
    score_function = "simple_str_match"
    version = "1"
    answer_format = "a single non-negative integer: the maximum total profit, e.g. 17"
    array_key = "prices"
    record_keys = ("prices",)
    lengths = {lv: (p[0], p[1]) for lv, p in LEVEL_PARAMS.items()}
    min_length = 1
    answer_noun = "maximum profit"
    fractional_answers = True  # the spec: non-integral decimals parse but are wrong

    compute = staticmethod(max_profit)

    # ----- generation ---------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        lo, hi, top, walk = LEVEL_PARAMS[level_number(level)]
        n = int(rng.integers(lo, hi + 1))
        prices = self.draw_ints(rng, 1, top, n)
        if walk:
            up = rng.random(n).tolist()
            down = rng.random(n).tolist()
            steps = rng.integers(1, MAX_STEP + 1, size=n).tolist()
            for i in range(1, n):
                if up[i] < P_UP:
                    prices[i] = min(top, prices[i - 1] + int(steps[i]))
                elif down[i] < P_DOWN:
                    prices[i] = max(1, prices[i - 1] - int(steps[i]))
        return self.make_state(prices)

    # ----- verification -------------------------------------------------------------------------
    def wrong_reason(self, inst: Instance, value: Fraction, best: int) -> str:
        if value < 0:
            return "a profit can never be negative (not trading at all earns 0)"
        if value > best:
            return f"no sequence of trades earns {show_value(value)} or more"
        return f"a sequence of trades earns more than {show_value(value)}"

    # ----- presentation -------------------------------------------------------------------------
    def chart(self, inst: Instance, size: int = 512):
        return line_chart(self.values(inst), size, title="Stock price by day", marker=True, grid=True,
                          return_layout=True)

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        if modality == "image":
            return ("The image is a line chart of a stock's price over consecutive days: the x-axis is the day "
                    "index (starting at day 0), and every point is labelled with that day's price. "
                    f"{RULES} {FORMAT_SENTENCE}")
        if modality == "text":
            return f"Given a list of stock prices {format_list(self.values(inst))} over time. {RULES} {FORMAT_SENTENCE}"
        raise ValueError(f"modality must be 'image' or 'text', got {modality!r}")

    def trace(self, inst: Instance) -> str:
        p = self.values(inst)
        n = len(p)
        trades = transactions(p)
        best = max_profit(p)
        lines = [f"Prices by day (day 0 to day {n - 1}): {format_list(p)}.",
                 "With any number of trades and at most one share held, buy at every local minimum and sell at "
                 "the next local maximum: this collects every day-to-day rise, and no strategy can earn more "
                 "than the sum of all rises. Scan the days from left to right:"]
        total = 0
        for k, (b, s) in enumerate(trades, 1):
            gain = p[s] - p[b]
            total += gain
            path = " -> ".join(str(x) for x in p[b : s + 1])
            lines.append(f"Trade {k}: the price bottoms out at {p[b]} on day {b} (buy) and rises to {p[s]} on day "
                         f"{s} (sell; the next day is {'lower' if s + 1 < n else 'past the end'}): {path}. "
                         f"Profit {p[s]} - {p[b]} = {gain}; total so far {total}.")
        if not trades:
            lines.append("The price never rises from one day to the next, so every trade would lose money or "
                         "break even: the best is not to trade, profit 0.")
        else:
            rises = [b - a for a, b in zip(p, p[1:]) if b > a]
            lines.append(f"Check: the {len(rises)} day-to-day rises add up to "
                         f"{' + '.join(map(str, rises))} = {sum(rises)}, the same total.")
        lines.append(f"So the maximum profit is {best}.")
        lines.append(f"Answer: {best}")
        return "\n".join(lines)

    def stats(self, inst: Instance) -> dict:
        p = self.values(inst)
        return {"days": len(p), "transactions": len(transactions(p)),
                "rising_days": sum(1 for a, b in zip(p, p[1:]) if b > a), "profit": max_profit(p)}


TASK = BestTimeToBuyAndSellStock()
