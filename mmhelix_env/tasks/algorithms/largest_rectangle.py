"""LargestRectangleInHistogram (MM-HELIX ``largest_rectangle_in_histogram``, LeetCode 84).

Bars of width 1, heights h[0..n−1] ≥ 1, packed on a common base; the answer is the area of the largest
axis-parallel rectangle inside the histogram (spec/tasks/LargestRectangleInHistogram.md), found with a
monotonic stack.

Generation: length U{lo..hi}, heights i.i.d. U{1..max}. The image draws touching bars with thin dark outlines
so adjacent equal bars stay distinguishable.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from ...core import Instance, level_number
from ...render.chart import bar_chart
from ._array_answer import FORMAT_SENTENCE, ArrayAnswerTask, format_list, show_value

# level -> (shortest, longest, max height)
LEVEL_PARAMS: dict[int, tuple[int, int, int]] = {
    1: (5, 10, 20),
    2: (10, 20, 40),
    3: (20, 30, 60),
    4: (30, 40, 80),
    5: (40, 70, 100),
}
BAR_FILL = (246, 178, 107)
BAR_OUTLINE = (70, 45, 20)


def stack_scan(heights, log: list | None = None) -> tuple[int, int, int]:
    """Monotonic stack (bar indices with non-decreasing heights); returns (best area, pushes, pops).

    ``log`` receives one entry per position i = 0..n (i = n is a height-0 sentinel):
    ``(i, [(popped j, h[j], left boundary, width, area, new best?), ...], stack after the step)``."""
    n = len(heights)
    stack: list[int] = []
    best = pushes = pops = 0
    for i in range(n + 1):
        cur = heights[i] if i < n else 0
        popped = []
        while stack and heights[stack[-1]] > cur:
            j = stack.pop()
            pops += 1
            left = stack[-1] if stack else -1
            width = i - left - 1
            area = heights[j] * width
            improved = area > best
            if improved:
                best = area
            popped.append((j, heights[j], left, width, area, improved))
        if i < n:
            stack.append(i)
            pushes += 1
        if log is not None:
            log.append((i, popped, list(stack)))
    return best, pushes, pops


def largest_area(heights) -> int:
    return stack_scan(heights)[0]


class LargestRectangleInHistogram(ArrayAnswerTask):
    name = "LargestRectangleInHistogram"
    category = "algorithms"
    benchmark_id = "LargestRectangleInHistogram"
    generator_key = "largest_rectangle_in_histogram"
    score_function = "simple_str_match"
    version = "1"
    answer_format = "a single integer: the area of the largest rectangle, e.g. 42"
    array_key = "heights"
    record_keys = ("heights", "height")
    lengths = {lv: (p[0], p[1]) for lv, p in LEVEL_PARAMS.items()}
    min_length = 1
    answer_noun = "largest rectangle area"

    compute = staticmethod(largest_area)

    # ----- generation ---------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        lo, hi, top = LEVEL_PARAMS[level_number(level)]
        n = int(rng.integers(lo, hi + 1))
        return self.make_state(self.draw_ints(rng, 1, top, n))

    # ----- verification -------------------------------------------------------------------------
    def wrong_reason(self, inst: Instance, value: Fraction, best: int) -> str:
        if value < 0:
            return "an area can never be negative"
        if value == 0:
            return "the tallest bar alone is a rectangle of positive area"
        if value > best:
            return f"no rectangle of area {show_value(value)} or more fits inside the histogram"
        return f"a rectangle of area larger than {show_value(value)} fits inside the histogram"

    # ----- presentation -------------------------------------------------------------------------
    def chart(self, inst: Instance, size: int = 512):
        return bar_chart(self.values(inst), size, title="Histogram", colors=BAR_FILL, outline=BAR_OUTLINE,
                         bar_width=1.0, return_layout=True)

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        rule = ("The rectangle's sides are parallel to the axes; it may span several adjacent bars, and its height "
                "can be at most the height of the shortest bar it covers.")
        question = "What is the area of the largest rectangle that fits entirely inside the histogram?"
        if modality == "image":
            return ("The image shows a histogram made of bars, each 1 unit wide and packed tightly together on a "
                    f"common base; every bar is labelled with its height. {question} {rule} {FORMAT_SENTENCE}")
        if modality == "text":
            return (f"Here is a histogram made of bars {format_list(self.values(inst))} where each bar is 1 unit wide "
                    f"and the bars are packed tightly together on a common base. {question} {rule} "
                    f"{FORMAT_SENTENCE}")
        raise ValueError(f"modality must be 'image' or 'text', got {modality!r}")

    def trace(self, inst: Instance) -> str:
        h = self.values(inst)
        n = len(h)
        log: list = []
        best, _, _ = stack_scan(h, log)
        lines = [f"Bar heights (bar 0 to bar {n - 1}): {format_list(h)}.",
                 "Monotonic stack: keep bar indices whose heights never decrease. Before pushing bar i, pop every "
                 "bar taller than h[i]; a popped bar j can extend right up to bar i - 1 and left down to just after "
                 "the new stack top (index -1 when the stack is empty), so its rectangle has width i - top - 1 and "
                 "area h[j] × width. A final bar of height 0 at i = n empties the stack."]
        running = 0
        for i, popped, stack in log:
            head = f"i={i} (h={h[i]})" if i < n else f"End, i={n} (sentinel h=0)"
            parts = []
            for j, hj, left, width, area, improved in popped:
                if improved:
                    running = area
                parts.append(f"pop {j} (h={hj}): width {i} - ({left}) - 1 = {width}, area {hj} × {width} = {area}"
                             + (f", new best {running}" if improved else ""))
            action = "; ".join(parts)
            if i < n:
                action = f"{action}; push {i}" if action else f"push {i}"
            lines.append(f"{head}: {action}. Stack {format_list(stack)}; best {running}.")
        lines.append(f"So the largest rectangle has area {best}.")
        lines.append(f"Answer: {best}")
        return "\n".join(lines)

    def stats(self, inst: Instance) -> dict:
        h = self.values(inst)
        best, pushes, pops = stack_scan(h)
        return {"bars": len(h), "stack_ops": pushes + pops, "area": best}


TASK = LargestRectangleInHistogram()
