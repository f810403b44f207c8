"""BestTimeToBuyAndSellStock: generator levels (clamped walk), greedy solver, lenient verification, importer,
line-chart image, prompts, trace; at the end, the shared answer parser / verdict / importer of all seven array
tasks (``_array_answer``).

The checks shared with the other array tasks come from :class:`tests.helpers_array.ArrayTaskChecks`.
"""

from __future__ import annotations

import json

import pytest

from mmhelix_env.core import RecordError
from mmhelix_env.render.chart import overlapping_pairs
from mmhelix_env.tasks import discover
from mmhelix_env.tasks.algorithms import _array_answer, crypto_math
from mmhelix_env.tasks.algorithms.best_time_stock import LEVEL_PARAMS, TASK, max_profit, transactions
from tests.helpers_array import FIXTURES, LEVELS, ArrayTaskChecks

ARRAY_TASKS = ("BestTimeToBuyAndSellStock", "ContainerWithMostWater", "TrappingRainWater",
               "LargestRectangleInHistogram", "CountHillsAndValleys", "HIndex", "LongestIncreasingSubsequence")


# ============================================================================================ stock
def dp_profit(prices) -> int:
    """Independent check: the hold/cash dynamic programme."""
    cash, hold = 0, -10**9
    for p in prices:
        cash, hold = max(cash, hold + p), max(hold, cash - p)
    return cash


class TestArrayTask(ArrayTaskChecks):
    TASK = TASK
    KEY = "prices"
    FIXTURE_KEY = "best_time_to_buy_and_sell_stock"
    SIZE_STAT = "days"
    MIN_VALUE = 1
    brute = staticmethod(dp_profit)

    def length_range(self, level):
        return LEVEL_PARAMS[level][:2]

    def value_range(self, level):
        return 1, LEVEL_PARAMS[level][2]


def test_random_walk_from_level_3_clamped():
    for level in (1, 2, 3, 4, 5):
        top = LEVEL_PARAMS[level][2]
        small_steps, total, at_edges = 0, 0, 0
        for seed in range(100):
            p = TASK.instance(level, seed).state["prices"]
            small_steps += sum(1 for a, b in zip(p, p[1:]) if 1 <= abs(a - b) <= 5)
            at_edges += sum(1 for v in p if v in (1, top))
            total += len(p) - 1
        if level >= 3:
            assert small_steps / total > 0.6  # the walk dominates (≈ 0.3 + 0.7·0.6 of the steps)
            assert at_edges > 0  # the walk runs into the clamp now and then
        else:
            assert small_steps / total < 0.45  # i.i.d. uniform prices


def test_walk_never_leaves_the_range():
    for seed in range(300):
        p = TASK.instance(3, seed).state["prices"]
        assert 1 <= min(p) and max(p) <= 60


def test_zero_profit_instance():
    rec = {"difficulty": 1, "initial_state": {"prices": [9, 7, 7, 4, 1]}, "answer": "0"}
    inst = TASK.from_record(rec)
    assert inst._witness == 0
    for text in ("0", "0.0", "**0**", "no profit: 0"):
        assert TASK.verify(inst, text).correct, text
    v = TASK.verify(inst, "4")
    assert not v.correct and v.score == 0.0
    assert "profit 0" in TASK.trace(inst) and TASK.trace(inst).endswith("Answer: 0")


def test_negative_profit_reason():
    inst = TASK.instance(2, 1)
    v = TASK.verify(inst, "-3")
    assert not v.correct and "never be negative" in v.reason


def test_transactions_add_up_and_are_valley_to_peak():
    for level in LEVELS:
        for seed in range(30):
            p = TASK.instance(level, seed).state["prices"]
            trades = transactions(p)
            assert sum(p[s] - p[b] for b, s in trades) == max_profit(p)
            days = [d for t in trades for d in t]
            assert days == sorted(days)  # never hold two shares
            for b, s in trades:
                assert b < s and p[b] < p[s]


def test_trace_lists_trades():
    inst = TASK.from_record({"difficulty": 1, "initial_state": {"prices": [13, 5, 17, 1, 11, 9]}, "answer": "22"})
    trace = TASK.trace(inst)
    assert "Trade 1: the price bottoms out at 5 on day 1 (buy) and rises to 17 on day 2" in trace
    assert "Profit 11 - 1 = 10; total so far 22." in trace
    assert trace.endswith("Answer: 22")


def test_prompt_says_line_chart():
    image = TASK.prompt(TASK.instance(1, 0), "image")
    assert "line chart" in image and "bar chart" not in image
    assert "If you cannot get any profit, answer 0." in image
    text = TASK.prompt(TASK.instance(1, 0), "text")
    assert text.startswith("Given a list of stock prices [")


def test_importer_keeps_prices_above_nominal_range():
    rec = json.loads((FIXTURES / "d5" / "best_time_to_buy_and_sell_stock" / "annotations.json").read_text())[0]
    inst = TASK.from_record(rec)
    assert max(inst.state["prices"]) > 100  # the reference's unbounded walk: imported as given
    assert TASK.verify(inst, "338").correct


def test_image_is_a_line_chart_with_markers():
    inst = TASK.instance(5, 2)
    img, layout = TASK.chart(inst)
    assert len(layout.points) == len(inst.state["prices"])
    assert all(b is not None for b in layout.bar_boxes)  # a round marker at every day
    assert layout.mode == "band"  # labels at n >= 50 do not fit above their points


def test_label_band_rows_at_70_days():
    rec = {"difficulty": 5, "initial_state": {"prices": [100 - (i % 9) for i in range(70)]}}
    img, layout = TASK.chart(TASK.from_record(rec))
    assert layout.mode == "band" and layout.label_rows == 4  # the spec's r = 4 at n = 70
    assert overlapping_pairs(layout.label_boxes + layout.x_label_boxes) == []


# ============================================================================= shared by the array tasks
@pytest.mark.parametrize("name", ARRAY_TASKS)
def test_one_parser_and_verdict_for_all_array_tasks(name):
    task = discover()[name]
    assert isinstance(task, _array_answer.ArrayAnswerTask)
    inst = task.instance(3, 1)
    a = int(task.solution(inst))
    two = task.verify(inst, f"{a} and {a + 7}")
    assert not two.correct and two.score == 0.0 and two.reason.startswith("ambiguous answer: ")
    zero = task.verify(inst, f"{a}/0")
    assert not zero.correct and zero.reason.startswith("division by zero in the answer: answer with a single integer")
    half = task.verify(inst, f"{a}.5")
    assert not half.correct
    if name == "BestTimeToBuyAndSellStock":  # its spec: a non-integral decimal parses but is wrong
        assert half.parsed == a + 0.5 and half.score > 0 and "not an integer" in half.reason
    else:
        assert half.parsed is None and half.score == 0.0 and half.reason.startswith("expected an integer")
    for huge in ("9" * 40, "1" + "0" * 400):  # exact partial score, a shortened value, never an OverflowError
        v = task.verify(inst, huge)
        assert not v.correct and v.score == 0.0 and v.parsed == int(huge)
        assert v.reason.startswith(f"wrong {task.answer_noun} {huge[:12]}…") and "Error" not in v.reason
    near = task.verify(inst, str(a + 1))
    assert near.score == _array_answer.partial_score(a + 1, a) == 0.5 * max(0.0, 1 - 1 / max(1, a))


@pytest.mark.parametrize("name", ARRAY_TASKS)
def test_one_importer_for_all_array_tasks(name):
    task = discover()[name]
    key = task.record_keys[0]
    good = {"initial_state": {key: [3, 1, 4, 1, 5, 9, 2, 6]}}
    assert task.from_record(dict(good, index=f"{name}_difficulty4_1")).level == 4
    assert task.from_record(dict(good, index=f"{name}_difficulty_2_1")).level == 2
    assert task.from_record(dict(good, index=f"{name}_Difficulty4_1")).level == 1  # the spec's lower case only
    assert task.from_record({"question": "the list [4, 5, 1, 2, 7] ...", "difficulty": 1}).state[key] == (
        4, 5, 1, 2, 7)
    bad = [
        {"initial_state": {"other": [1, 2, 3]}, "question": "the list [1, 2, 3]", "difficulty": 1},
        {"question": "the list [4, 5, 1, 2,] ...", "difficulty": 1},
        {"initial_state": {key: [1] * 501}, "difficulty": 1},
        {"initial_state": {key: [1, 1_000_001, 2]}, "difficulty": 1},
        {"initial_state": {key: list(range(1, 80))}},  # no difficulty and no level range holds 79
    ]
    for record in bad:
        with pytest.raises(RecordError):
            task.from_record(record)


def test_crypto_math_shares_the_index_level_reader():
    assert crypto_math.level_from_index is _array_answer.level_from_index

