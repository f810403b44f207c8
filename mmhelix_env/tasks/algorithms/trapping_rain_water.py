"""TrappingRainWater (MM-HELIX ``trapping_rain_water``, LeetCode 42).

Bars of width 1, heights h[0..n−1] ≥ 0, side by side; the water above bar i is
min(max(h[0..i]), max(h[i..n−1])) − h[i]; the answer is the total (spec/tasks/TrappingRainWater.md).

Generation: length U{lo..hi} growing with the level, heights i.i.d. U{0..20} at every level (the published
benchmark's effective range; the reference's declared per-level ranges were never used). An all-zero array is
redrawn (a meaningless chart). Zero-height bars are drawn as a stub with the label ``0``; the water is not drawn.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from ...core import GenerationError, Instance, level_number
from ...render.chart import bar_chart
from ._array_answer import FORMAT_SENTENCE, ArrayAnswerTask, format_list, show_value

# level -> (shortest, longest)
LENGTHS: dict[int, tuple[int, int]] = {1: (5, 10), 2: (10, 20), 3: (20, 30), 4: (30, 40), 5: (40, 70)}
MAX_HEIGHT = 20
MAX_ATTEMPTS = 1_000
BAR_FILL = (166, 206, 235)
BAR_OUTLINE = (35, 55, 85)


def water_levels(heights) -> tuple[list[int], list[int], list[int]]:
    """(prefix maxima, suffix maxima, water above each bar)."""
    n = len(heights)
    left, right = [0] * n, [0] * n
    m = 0
    for i, v in enumerate(heights):
        m = v if v > m else m
        left[i] = m
    m = 0
    for i in range(n - 1, -1, -1):
        v = heights[i]
        m = v if v > m else m
        right[i] = m
    water = [min(a, b) - v for a, b, v in zip(left, right, heights)]
    return left, right, water


def trapped(heights) -> int:
    return sum(water_levels(heights)[2]) if heights else 0


class TrappingRainWater(ArrayAnswerTask):
    name = "TrappingRainWater"
    category = "algorithms"
    benchmark_id = "trapping_rain_water"
    generator_key = "trapping_rain_water"
    score_function = "simple_str_match"
    version = "1"
    answer_format = "a single integer: the units of water trapped, e.g. 23"
    array_key = "height"  # the reference's (singular) initial_state key
    record_keys = ("height", "heights")
    lengths = LENGTHS
    min_length = 1
    answer_noun = "amount of trapped water"

    compute = staticmethod(trapped)

    # ----- generation ---------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        for _ in range(MAX_ATTEMPTS):
            n = self.draw_length(rng, level)
            heights = self.draw_ints(rng, 0, MAX_HEIGHT, n)
            if any(heights):
                return self.make_state(heights)
        raise GenerationError(f"TrappingRainWater level {level_number(level)}: only all-zero arrays drawn")

    # ----- verification -------------------------------------------------------------------------
    def wrong_reason(self, inst: Instance, value: Fraction, best: int) -> str:
        if value < 0:
            return "an amount of water can never be negative"
        if value > best:
            return f"the bars trap less than {show_value(value)} units of water"
        return f"the bars trap more than {show_value(value)} units of water"

    # ----- presentation -------------------------------------------------------------------------
    def chart(self, inst: Instance, size: int = 512):
        return bar_chart(self.values(inst), size, title="Bar heights", colors=BAR_FILL, outline=BAR_OUTLINE,
                         bar_width=1.0, zero_stub=True, return_layout=True)

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        rule = ("Rain water collects on top of the bars: the water above a bar rises to the lower of the tallest "
                "bar on its left and the tallest bar on its right (the bar itself included on both sides), and "
                "water flows away past both ends of the row.")
        if modality == "image":
            return ("The image shows a row of bars, each of width 1, standing side by side with no gaps between them; "
                    "every bar is labelled with its height (a bar of height 0 is drawn as a short stub labelled 0). "
                    f"{rule} Compute how many units of water the bars trap after raining. {FORMAT_SENTENCE}")
        if modality == "text":
            return (f"Here is a bunch of bars {format_list(self.values(inst))} lined up side by side, where the width "
                    "of each bar is 1 and consecutive bars are adjacent with no gaps between them. "
                    f"{rule} Compute how many units of water it can trap after raining. {FORMAT_SENTENCE}")
        raise ValueError(f"modality must be 'image' or 'text', got {modality!r}")

    def trace(self, inst: Instance) -> str:
        h = self.values(inst)
        left, right, water = water_levels(h)
        total = sum(water)
        lines = [f"Bar heights (bar 0 to bar {len(h) - 1}): {format_list(h)}.",
                 "The water above bar i reaches min(tallest bar in 0..i, tallest bar in i..n-1); it holds that "
                 "level minus h[i]. Compute both running maxima first.",
                 f"Tallest from the left (prefix maxima): {format_list(left)}.",
                 f"Tallest from the right (suffix maxima): {format_list(right)}.",
                 "Now bar by bar:"]
        running = 0
        for i, v in enumerate(h):
            level = min(left[i], right[i])
            running += water[i]
            if water[i]:
                lines.append(f"Bar {i} (h={v}): level min({left[i]}, {right[i]}) = {level}, water {level} - {v} = "
                             f"{water[i]}; total {running}.")
            else:
                side = "left" if left[i] == v else "right"
                lines.append(f"Bar {i} (h={v}): no bar on its {side} is taller, so no water; total {running}.")
        lines.append(f"So the bars trap {total} unit{'' if total == 1 else 's'} of water.")
        lines.append(f"Answer: {total}")
        return "\n".join(lines)

    def stats(self, inst: Instance) -> dict:
        h = self.values(inst)
        water = water_levels(h)[2]
        return {"bars": len(h), "water_bars": sum(1 for w in water if w), "water": sum(water)}


TASK = TrappingRainWater()
