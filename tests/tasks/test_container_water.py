"""ContainerWithMostWater: generator levels (tall overwrites), two-pointer solver vs O(n²), lenient verification,
importer, thin-bar image, prompts, trace. The shared checks come from :class:`ArrayTaskChecks`."""

from __future__ import annotations

import re

from mmhelix_env.tasks.algorithms.container_water import LEVEL_PARAMS, TASK, two_pointer
from tests.helpers_array import LEVELS, ArrayTaskChecks


def brute_area(h) -> int:
    n = len(h)
    return max((j - i) * min(h[i], h[j]) for i in range(n) for j in range(i + 1, n))


class TestArrayTask(ArrayTaskChecks):
    TASK = TASK
    KEY = "heights"
    FIXTURE_KEY = "container_with_most_water"
    SIZE_STAT = "lines"
    MIN_VALUE = 0
    brute = staticmethod(brute_area)

    def length_range(self, level):
        return LEVEL_PARAMS[level][:2]

    def value_range(self, level):
        return 1, LEVEL_PARAMS[level][2]


def test_tall_overwrites_from_level_3():
    for level in LEVELS:
        top = LEVEL_PARAMS[level][2]
        tall_counts = []
        for seed in range(100):
            h = TASK.instance(level, seed).state["heights"]
            tall_counts.append(sum(1 for v in h if v >= (7 * top) // 10))
        if level >= 3:
            assert min(tall_counts) >= 2  # 2..3 positions always overwritten with U{0.7·max..max}
        assert max(tall_counts) >= 2


def test_width_is_the_index_difference():
    assert TASK.compute((1, 8, 6, 2, 5, 4, 8, 3, 7)) == 49  # LeetCode 11 example: lines 1 and 8, 7 × 7
    assert TASK.compute((1, 1)) == 1
    assert TASK.compute((4, 3, 2, 1, 4)) == 16
    assert TASK.compute((1, 2, 1)) == 2


def test_two_pointer_log_examines_every_step():
    h = TASK.instance(5, 0).state["heights"]
    log = []
    best = two_pointer(h, log)
    assert len(log) == len(h) - 1 and best == max(e[2] for e in log)
    for left, right, area, _ in log:
        assert area == (right - left) * min(h[left], h[right])


def test_thin_separate_bars():
    for level in (1, 5):
        inst = TASK.instance(level, 4)
        img, layout = TASK.chart(inst)
        assert abs(layout.bar_width / layout.slot - 0.5) < 0.05
        boxes = layout.bar_boxes
        assert all(a[2] < b[0] - 1 for a, b in zip(boxes, boxes[1:]))  # a visible gap between neighbours


def test_prompts_state_the_width_rule():
    inst = TASK.instance(2, 2)
    for modality in ("image", "text"):
        p = TASK.prompt(inst, modality)
        assert "j - i" in p and "index difference" in p and "no gaps" not in p


def test_trace_moves_the_shorter_line():
    inst = TASK.from_record({"difficulty": 1, "initial_state": {"heights": [1, 8, 6, 2, 5, 4, 8, 3, 7]},
                             "answer": "49"})
    trace = TASK.trace(inst)
    assert "Step 1: left=0 (h=1), right=8 (h=7): 8 × 1 = 8; new best 8; move left." in trace
    assert "Step 2: left=1 (h=8), right=8 (h=7): 7 × 7 = 49; new best 49; move right." in trace
    assert len(re.findall(r"^Step \d+:", trace, re.M)) == 8 and trace.endswith("Answer: 49")


def test_pair_answers_are_not_amounts():
    inst = TASK.instance(3, 1)
    v = TASK.verify(inst, "lines 3 and 17")
    assert not v.correct and "ambiguous" in v.reason
