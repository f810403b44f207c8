"""TrappingRainWater: generator levels (heights 0..20 everywhere, no all-zero arrays), prefix/suffix solver vs
the per-bar definition, lenient verification, importer (singular ``height`` key, int answers), image with
visible zero bars, prompts, trace. The shared checks come from :class:`ArrayTaskChecks`."""

from __future__ import annotations

import numpy as np

from mmhelix_env.tasks.algorithms.trapping_rain_water import LENGTHS, MAX_HEIGHT, TASK, water_levels
from tests.helpers_array import LEVELS, ArrayTaskChecks


def brute_water(h) -> int:
    return sum(min(max(h[: i + 1]), max(h[i:])) - h[i] for i in range(len(h)))


class TestArrayTask(ArrayTaskChecks):
    TASK = TASK
    KEY = "height"
    FIXTURE_KEY = "trapping_rain_water"
    SIZE_STAT = "bars"
    MIN_VALUE = 0
    brute = staticmethod(brute_water)

    def length_range(self, level):
        return LENGTHS[level]

    def value_range(self, level):
        return 0, MAX_HEIGHT


def test_heights_use_0_to_20_at_every_level_and_never_all_zero():
    for level in LEVELS:
        seen = set()
        for seed in range(100):
            h = TASK.instance(level, seed).state["height"]
            assert any(h)
            seen.update(h)
        if level >= 3:
            assert seen == set(range(MAX_HEIGHT + 1))


def test_known_examples():
    assert TASK.compute((0, 1, 0, 2, 1, 0, 1, 3, 2, 1, 2, 1)) == 6  # LeetCode 42
    assert TASK.compute((4, 2, 0, 3, 2, 5)) == 9
    assert TASK.compute((1, 2, 3)) == 0 and TASK.compute((5,)) == 0


def test_zero_answer_accepted():
    inst = TASK.from_record({"difficulty": 1, "initial_state": {"height": [1, 2, 3, 3, 1]}, "answer": 0})
    assert inst._witness == 0 and TASK.verify(inst, "0").correct and TASK.verify(inst, "0 units").correct
    assert not TASK.verify(inst, "-1").correct


def test_zero_bars_are_visible_and_labelled():
    inst = TASK.from_record({"difficulty": 2, "initial_state": {"height": [3, 0, 2, 0, 0, 4, 1, 0, 5, 2, 0]}})
    img, layout = TASK.chart(inst)
    for i in range(len(inst.state["height"])):
        box = layout.bar_boxes[i]
        assert box is not None and box[3] - box[1] >= 2  # a stub on the base for height 0
        assert layout.label_boxes[i] is not None
    arr = np.asarray(img)
    x = round(layout.x(1))
    stub = layout.bar_boxes[1]
    assert (arr[stub[1]: stub[3], x] != 255).any()


def test_touching_bars():
    img, layout = TASK.chart(TASK.instance(3, 3))
    boxes = layout.bar_boxes
    assert all(b[0] - a[2] <= 1 for a, b in zip(boxes, boxes[1:]))


def test_trace_per_bar_water():
    inst = TASK.from_record({"difficulty": 1, "initial_state": {"height": [4, 2, 0, 3, 2, 5]}, "answer": 9})
    trace = TASK.trace(inst)
    assert "Tallest from the left (prefix maxima): [4, 4, 4, 4, 4, 5]." in trace
    assert "Tallest from the right (suffix maxima): [5, 5, 5, 5, 5, 5]." in trace
    assert "Bar 2 (h=0): level min(4, 5) = 4, water 4 - 0 = 4; total 6." in trace
    assert trace.endswith("Answer: 9")
    left, right, water = water_levels((4, 2, 0, 3, 2, 5))
    assert water == [0, 2, 4, 1, 2, 0]


def test_importer_accepts_plural_key_too():
    inst = TASK.from_record({"difficulty": 1, "initial_state": {"heights": [4, 2, 0, 3, 2, 5]}, "answer": "9"})
    assert tuple(inst.state["height"]) == (4, 2, 0, 3, 2, 5) and inst._witness == 9


def test_prompt_does_not_draw_or_state_the_water():
    inst = TASK.instance(2, 5)
    assert "width of each bar is 1" in TASK.prompt(inst, "text")
    assert "height 0" in TASK.prompt(inst, "image")
