"""CountHillsAndValleys (LeetCode 2210; MM-HELIX ``count_hills_and_valleys``).

Merge every run of equal adjacent heights into one plateau; an interior plateau higher than both neighbouring
plateaus is a hill, lower than both a valley; the plateaus touching either end are never counted. The answer is
hills + valleys (spec/tasks/CountHillsAndValleys.md).

Generation: levels 1–2 a smooth random walk (trend up/down, steps U{0..2}, the trend turns near a bound or with
probability 0.3, a value repeated with probability 0.2); levels 3–5 i.i.d. uniform heights with U{1..3} plateaus
of length 2..4 painted over them. The picture is touching green bars with dark outlines (equal neighbours stay
visibly separate bars) and the exact height on every bar.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from ...core import Instance
from ...render import bar_chart
from ._array_answer import ARRAY_LEVELS, ArrayAnswerTask, format_list

MIN_HEIGHT = 1
SKY = (230, 243, 255)
GREEN = (120, 196, 132)
DARK_GREEN = (28, 84, 40)
TITLE = "Terrain"

Plateau = tuple[int, int, int]  # (height, first bar, last bar)


# ---------------------------------------------------------------------------------------------------------------
# Generation and solving


def smooth_walk(rng: np.random.Generator, length: int, lo: int, hi: int) -> list[int]:
    """Levels 1–2: a wave-like walk with flat runs (the reference's rule)."""
    terrain: list[int] = []
    up = bool(rng.integers(2))
    height = int(rng.integers(lo, lo + 4))
    while len(terrain) < length:
        step = int(rng.integers(0, 3))
        if up:
            height += step
            if height > hi - 3 or rng.random() < 0.3:
                up = False
        else:
            height -= step
            if height < lo + 3 or rng.random() < 0.3:
                up = True
        height = max(lo, min(height, hi))
        terrain.append(height)
        if rng.random() < 0.2 and len(terrain) < length:
            terrain.append(height)
    return terrain[:length]


def uniform_with_plateaus(rng: np.random.Generator, length: int, lo: int, hi: int) -> list[int]:
    """Levels 3–5: i.i.d. heights, then U{1..3} runs of one height (start U{0..n−3}, length U{2..min(4, n−start)})."""
    terrain = [int(x) for x in rng.integers(lo, hi + 1, size=length)]
    for _ in range(int(rng.integers(1, 4))):
        start = int(rng.integers(0, length - 2))
        run = int(rng.integers(2, min(4, length - start) + 1))
        height = int(rng.integers(lo, hi + 1))
        terrain[start : start + run] = [height] * run
    return terrain


def plateaus(terrain) -> list[Plateau]:
    """Runs of equal adjacent heights: (height, first index, last index)."""
    out: list[Plateau] = []
    for i, h in enumerate(terrain):
        h = int(h)
        if out and out[-1][0] == h:
            out[-1] = (h, out[-1][1], i)
        else:
            out.append((h, i, i))
    return out


def classify(runs: list[Plateau]) -> list[str]:
    """'hill' / 'valley' / 'neither' for every interior plateau (index 1..m−2)."""
    kinds = []
    for k in range(1, len(runs) - 1):
        left, mid, right = runs[k - 1][0], runs[k][0], runs[k + 1][0]
        if mid > left and mid > right:
            kinds.append("hill")
        elif mid < left and mid < right:
            kinds.append("valley")
        else:
            kinds.append("neither")
    return kinds


def count_hills_valleys(terrain) -> int:
    return sum(kind != "neither" for kind in classify(plateaus(terrain)))


def _bars(first: int, last: int) -> str:
    return f"bar {first}" if first == last else f"bars {first}-{last}"


# ---------------------------------------------------------------------------------------------------------------
# The task


class CountHillsAndValleys(ArrayAnswerTask):
    name = "CountHillsAndValleys"
    category = "algorithms"
    benchmark_id = "CountHillsAndValleys"
    generator_key = "count_hills_and_valleys"
    score_function = "simple_str_match"
    version = "1"
    answer_format = "a single integer: the number of hills plus the number of valleys, e.g. 6"
    array_key = "terrain"
    record_keys = ("terrain",)
    lengths = {lv: p[0] for lv, p in ARRAY_LEVELS.items()}
    answer_noun = "count"
    answer_what = "hills plus valleys"

    compute = staticmethod(count_hills_valleys)

    # ----- generation -----------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        (lo_len, hi_len), hi = ARRAY_LEVELS[level]
        length = int(rng.integers(lo_len, hi_len + 1))
        if level <= 2:
            terrain = smooth_walk(rng, length, MIN_HEIGHT, hi)
        else:
            terrain = uniform_with_plateaus(rng, length, MIN_HEIGHT, hi)
        return {"terrain": terrain}, count_hills_valleys(terrain)

    @staticmethod
    def terrain(inst: Instance) -> list[int]:
        return [int(x) for x in inst.state["terrain"]]

    # ----- solving --------------------------------------------------------------------------------
    def stats(self, inst: Instance) -> dict:
        terrain = self.terrain(inst)
        runs = plateaus(terrain)
        kinds = classify(runs)
        return {"length": len(terrain), "plateaus": len(runs), "comparisons": 2 * len(kinds),
                "hills": kinds.count("hill"), "valleys": kinds.count("valley"),
                "answer": len(kinds) - kinds.count("neither")}

    # ----- verification ---------------------------------------------------------------------------
    def wrong_reason(self, inst: Instance, value: Fraction, best: int) -> str:
        if value < 0:
            return "a count cannot be negative"
        if value > best:
            return f"the terrain has fewer than {value} hills and valleys in total"
        return f"the terrain has more than {value} hills and valleys in total"

    def correct_reason(self, inst: Instance, value: int) -> str:
        return f"correct: the terrain has {value} hills and valleys in total"

    # ----- presentation ---------------------------------------------------------------------------
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        return bar_chart(self.terrain(inst), size, title=TITLE, colors=GREEN, bar_width=1.0, outline=DARK_GREEN,
                         background=SKY)

    _RULES = ("Hill: a flat or raised area where the land right before it is lower, and the land right after it "
              "is lower too. Valley: a flat or dipped area where the land right before it is higher, and the land "
              "right after it is higher too. Neighboring bars with the same height count as part of the same "
              "hill/valley (compare with the nearest bar of a different height on each side). A flat run that "
              "touches the left or right end of the terrain is neither a hill nor a valley. Calculate the number "
              "of hills and valleys and return the sum.")
    _FORMAT = "Answer with a single integer."

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        if modality == "text":
            return (f"Given a terrain represented by the integer array {format_list(self.terrain(inst))}. "
                    f"{self._RULES}\n{self._FORMAT}")
        if modality != "image":
            raise ValueError(f"modality must be 'image' or 'text', got {modality!r}")
        return ("Here is a terrain made of bars, from left to right; the number on each bar is its height. "
                f"{self._RULES}\n{self._FORMAT}")

    def trace(self, inst: Instance) -> str:
        terrain = self.terrain(inst)
        runs = plateaus(terrain)
        kinds = classify(runs)
        lines = [f"Terrain ({len(terrain)} bars, left to right): {format_list(terrain)}.",
                 "Step 1: merge every run of equal adjacent heights into one plateau, because neighbouring bars of "
                 "the same height belong to the same hill or valley."]
        merged = [f"{h} ({_bars(a, b)})" for h, a, b in runs]
        lines.append(f"Plateaus ({len(runs)}): " + ", ".join(merged) + ".")
        lines.append(f"Merged heights: {format_list([h for h, _, _ in runs])}.")
        lines.append("Step 2: scan the interior plateaus; the first and the last plateau touch an end of the "
                     "terrain, so they are never counted. A plateau higher than both neighbours is a hill, lower "
                     "than both a valley.")
        hills = valleys = 0
        if len(runs) < 3:
            lines.append("There is no interior plateau, so there are no hills and no valleys.")
        for k, kind in enumerate(kinds, 1):
            (left, _, _), (mid, a, b), (right, _, _) = runs[k - 1], runs[k], runs[k + 1]
            rel_l = ">" if mid > left else "<"
            rel_r = ">" if mid > right else "<"
            if kind == "hill":
                hills += 1
                note = f"hill (hills so far {hills})"
            elif kind == "valley":
                valleys += 1
                note = f"valley (valleys so far {valleys})"
            else:
                note = "neither (it goes up on one side and down on the other)"
            lines.append(f"- plateau {mid} at {_bars(a, b)}: left {left}, right {right}; {mid} {rel_l} {left} and "
                         f"{mid} {rel_r} {right} -> {note}")
        total = hills + valleys
        lines.append(f"Total: {hills} hills + {valleys} valleys = {total}.")
        lines.append(f"Answer: {total}")
        return "\n".join(lines)

    # ----- reference records ----------------------------------------------------------------------
    record_categories = ("count_hills_and_valleys",)


TASK = CountHillsAndValleys()
