"""LargestRectangleInHistogram: generator levels, monotonic stack vs O(n²), lenient verification ("area"
wording, "6 × 7 = 42" ambiguous), importer (int answers, no solution field), touching outlined bars, prompts,
trace. The shared checks come from :class:`ArrayTaskChecks`."""

from __future__ import annotations

import numpy as np

from mmhelix_env.tasks.algorithms.largest_rectangle import LEVEL_PARAMS, TASK, stack_scan
from tests.helpers_array import ArrayTaskChecks


def brute_rect(h) -> int:
    best = 0
    for i in range(len(h)):
        low = h[i]
        for j in range(i, len(h)):
            low = min(low, h[j])
            best = max(best, low * (j - i + 1))
    return best


class TestArrayTask(ArrayTaskChecks):
    TASK = TASK
    KEY = "heights"
    FIXTURE_KEY = "largest_rectangle_in_histogram"
    SIZE_STAT = "bars"
    MIN_VALUE = 0
    brute = staticmethod(brute_rect)

    def length_range(self, level):
        return LEVEL_PARAMS[level][:2]

    def value_range(self, level):
        return 1, LEVEL_PARAMS[level][2]


def test_known_examples():
    assert TASK.compute((2, 1, 5, 6, 2, 3)) == 10  # LeetCode 84
    assert TASK.compute((2, 4)) == 4
    assert TASK.compute((3, 3, 3, 3)) == 12  # equal bars: the stack keeps them
    assert TASK.compute((1,)) == 1


def test_stack_counts():
    h = TASK.instance(4, 2).state["heights"]
    best, pushes, pops = stack_scan(h)
    assert pushes == pops == len(h) and best == brute_rect(h)


def test_area_wording_and_ambiguous_products():
    inst = TASK.from_record({"difficulty": 1, "initial_state": {"heights": [2, 1, 5, 6, 2, 3]}, "answer": "10"})
    assert TASK.verify(inst, "10 square units").correct
    assert TASK.verify(inst, "Area = 10.").correct
    for text in ("2 × 5 = 10", "width 2, height 5", "5 x 2"):
        v = TASK.verify(inst, text)
        assert not v.correct and "ambiguous" in v.reason, text
    v = TASK.verify(inst, "12")
    assert not v.correct and "no rectangle of area 12 or more" in v.reason
    v = TASK.verify(inst, "9")
    assert not v.correct and "larger than 9 fits" in v.reason
    assert "area" in TASK.prompt(inst, "text") and "area" in TASK.prompt(inst, "image")


def test_trace_shows_pops_with_candidate_areas():
    inst = TASK.from_record({"difficulty": 1, "initial_state": {"heights": [2, 1, 5, 6, 2, 3]}, "answer": 10})
    trace = TASK.trace(inst)
    assert "i=4 (h=2): pop 3 (h=6): width 4 - (2) - 1 = 1, area 6 × 1 = 6, new best 6; " \
           "pop 2 (h=5): width 4 - (1) - 1 = 2, area 5 × 2 = 10, new best 10; push 4. Stack [1, 4]; best 10." in trace
    assert "End, i=6 (sentinel h=0)" in trace and trace.endswith("Answer: 10")


def test_touching_bars_with_outlines():
    inst = TASK.from_record({"difficulty": 1, "initial_state": {"heights": [7, 7, 7, 3, 3]}})
    img, layout = TASK.chart(inst)
    boxes = layout.bar_boxes
    assert all(b[0] - a[2] <= 1 for a, b in zip(boxes, boxes[1:]))
    # the outline between two equal neighbours is drawn in the dark outline colour
    arr = np.asarray(img)
    y = (boxes[0][1] + boxes[0][3]) // 2
    seam = arr[y, boxes[0][2] - 1 : boxes[1][0] + 2]
    assert (seam.sum(axis=1) < 300).any()
