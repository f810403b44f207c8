"""ContainerWithMostWater (MM-HELIX ``container_with_most_water``, LeetCode 11).

Lines of heights h[0..n−1] at x = 0..n−1; lines i < j with the x-axis hold (j − i) · min(h[i], h[j]); the answer
is the maximum over all pairs (spec/tasks/ContainerWithMostWater.md). Solved by the two-pointer method.

Generation: length U{lo..hi}, heights i.i.d. U{1..max}; from level 3 on, U{2..3} distinct positions are
overwritten with tall lines U{⌊0.7·max⌋..max}. The image draws thin separate bars (half the pitch) so each bar
reads as a line at an integer position and the width j − i is unambiguous.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from ...core import Instance, level_number
from ...render import PALETTE
from ...render.chart import bar_chart
from ._array_answer import FORMAT_SENTENCE, ArrayAnswerTask, format_list, show_value

# level -> (shortest, longest, max height, tall overwrites)
LEVEL_PARAMS: dict[int, tuple[int, int, int, bool]] = {
    1: (5, 10, 20, False),
    2: (10, 20, 40, False),
    3: (20, 30, 60, True),
    4: (30, 40, 80, True),
    5: (40, 70, 100, True),
}


def two_pointer(heights, log: list | None = None) -> int:
    """Maximum area by two pointers; ``log`` receives (left, right, area, new best?) per examined pair."""
    left, right = 0, len(heights) - 1
    best = 0
    while left < right:
        hl, hr = heights[left], heights[right]
        area = (right - left) * (hl if hl < hr else hr)
        improved = area > best
        if improved:
            best = area
        if log is not None:
            log.append((left, right, area, improved))
        if hl <= hr:
            left += 1
        else:
            right -= 1
    return best


def max_area(heights) -> int:
    return two_pointer(heights)


class ContainerWithMostWater(ArrayAnswerTask):
    name = "ContainerWithMostWater"
    category = "algorithms"
    benchmark_id = "ContainerWithMostWater"
    generator_key = "container_with_most_water"
    score_function = "simple_str_match"
    version = "1"
    answer_format = "a single integer: the most water a container can hold, e.g. 49"
    array_key = "heights"
    record_keys = ("heights", "height")
    lengths = {lv: (p[0], p[1]) for lv, p in LEVEL_PARAMS.items()}
    min_length = 2
    answer_noun = "maximum amount of water"

    compute = staticmethod(max_area)

    # ----- generation ---------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        lo, hi, top, tall = LEVEL_PARAMS[level_number(level)]
        n = int(rng.integers(lo, hi + 1))
        heights = self.draw_ints(rng, 1, top, n)
        if tall:
            k = int(rng.integers(2, 4))
            positions = sorted(int(i) for i in rng.choice(n, size=k, replace=False))
            for i, h in zip(positions, self.draw_ints(rng, (7 * top) // 10, top, k)):
                heights[i] = h
        return self.make_state(heights)

    # ----- verification -------------------------------------------------------------------------
    def wrong_reason(self, inst: Instance, value: Fraction, best: int) -> str:
        if value > best:
            return f"no pair of lines holds {show_value(value)} or more"
        return f"some pair of lines holds more than {show_value(value)}"

    # ----- presentation -------------------------------------------------------------------------
    def chart(self, inst: Instance, size: int = 512):
        return bar_chart(self.values(inst), size, title="Vertical lines and their heights", colors=PALETTE[0],
                         bar_width=0.5, return_layout=True)

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        rule = ("Lines i and j (i < j) together with the x-axis form a container that holds "
                "(j - i) × min(height of line i, height of line j) units of water: the width between lines i and j "
                "is j - i, their index difference.")
        if modality == "image":
            return ("The image shows vertical lines (drawn as thin bars) standing on the x-axis at positions 0, 1, "
                    "2, ... (the numbers under the axis), each labelled with its height. Pick two lines which, "
                    f"together with the x-axis, form a container. {rule} What is the maximum amount of water a "
                    f"container can hold? {FORMAT_SENTENCE}")
        if modality == "text":
            return (f"Given a list of non-negative integers {format_list(self.values(inst))}, where each number "
                    "represents a point at coordinate (i, ai). n vertical lines are drawn such that the two endpoints "
                    "of line i are at (i, ai) and (i, 0). Find two lines, which together with the x-axis form a "
                    f"container, such that the container contains the most water. {rule} Return the maximum amount "
                    f"of water a container can store. {FORMAT_SENTENCE}")
        raise ValueError(f"modality must be 'image' or 'text', got {modality!r}")

    def trace(self, inst: Instance) -> str:
        h = self.values(inst)
        n = len(h)
        log: list = []
        best = two_pointer(h, log)
        lines = [f"Heights of lines 0 to {n - 1}: {format_list(h)}.",
                 "Two pointers: start with the widest container (left = 0, right = n - 1); its water is "
                 "(right - left) × min(h[left], h[right]). Moving the taller line inward can never help: the width "
                 "shrinks and the height stays capped by the shorter line. So record the area and move the "
                 "shorter line inward (the left one on a tie) until the pointers meet."]
        running = 0
        for step, (left, right, area, improved) in enumerate(log, 1):
            hl, hr = h[left], h[right]
            if improved:
                running = area
            note = f"new best {running}" if improved else f"best stays {running}"
            move = "move left" if hl <= hr else "move right"
            tie = " (tie)" if hl == hr else ""
            lines.append(f"Step {step}: left={left} (h={hl}), right={right} (h={hr}): "
                         f"{right - left} × {min(hl, hr)} = {area}; {note}; {move}{tie}.")
        lines.append(f"The pointers meet, so the maximum amount of water is {best}.")
        lines.append(f"Answer: {best}")
        return "\n".join(lines)

    def stats(self, inst: Instance) -> dict:
        h = self.values(inst)
        log: list = []
        best = two_pointer(h, log)
        return {"lines": len(h), "pointer_steps": len(log), "best_updates": sum(1 for e in log if e[3]),
                "area": best}


TASK = ContainerWithMostWater()
