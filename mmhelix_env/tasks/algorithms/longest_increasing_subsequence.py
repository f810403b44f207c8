"""LongestIncreasingSubsequence (MM-HELIX ``longest_increasing_subsequence``): the length of the longest strictly
increasing subsequence of a sequence of positive integers (duplicates possible).

Generation (spec/tasks/LongestIncreasingSubsequence.md): length U{lo..hi}, values i.i.d. U{1..max}. The answer
comes from patience sorting (strict: a value replaces the first pile top that is >= it). The picture is one bar
per element in order, with small gaps and the exact value on every bar.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from fractions import Fraction
from typing import Any

import numpy as np

from ...core import Instance
from ...render import PALETTE, bar_chart
from ._array_answer import ARRAY_LEVELS, ArrayAnswerTask, format_list

TITLE = "Bar heights"
PREFIX = re.compile(r"(?:the\s+)?(?:lis\s+)?(?:length|lis)\s*(?:=|:|is\b)\s*", re.I | re.ASCII)
LIST_REASON = ("expected the length, got a list: answer with a single integer, the length of the longest strictly "
               "increasing subsequence")


def patience(seq, log: list | None = None) -> tuple[int, list[int], int]:
    """Strict patience sorting: (LIS length, one longest subsequence as indices, comparisons made).

    ``log`` (optional) receives one entry per element: (index, value, pile, replaced top or None, tops after)."""
    tops: list[int] = []  # pile tops (increasing)
    top_idx: list[int] = []  # index of each pile top
    prev = [-1] * len(seq)
    comparisons = 0
    for i, x in enumerate(seq):
        x = int(x)
        pile = bisect_left(tops, x)
        comparisons += max(1, len(tops).bit_length())
        prev[i] = top_idx[pile - 1] if pile > 0 else -1
        if pile == len(tops):
            tops.append(x)
            top_idx.append(i)
            replaced = None
        else:
            replaced = tops[pile]
            tops[pile] = x
            top_idx[pile] = i
        if log is not None:
            log.append((i, x, pile, replaced, list(tops)))
    path: list[int] = []
    k = top_idx[-1] if top_idx else -1
    while k >= 0:
        path.append(k)
        k = prev[k]
    path.reverse()
    return len(tops), path, comparisons


def lis_length(seq) -> int:
    return patience(seq)[0]


class LongestIncreasingSubsequence(ArrayAnswerTask):
    name = "LongestIncreasingSubsequence"
    category = "algorithms"
    benchmark_id = "longest_increasing_subsequence"
    generator_key = "longest_increasing_subsequence"
    score_function = "simple_str_match"
    version = "1"
    answer_format = "a single integer: the length of the longest strictly increasing subsequence, e.g. 7"
    array_key = "sequence"
    record_keys = ("sequence",)
    lengths = {lv: p[0] for lv, p in ARRAY_LEVELS.items()}
    answer_noun = "length"
    answer_what = "the length of the longest strictly increasing subsequence"
    answer_prefix = PREFIX
    list_reason = LIST_REASON

    compute = staticmethod(lis_length)

    # ----- generation -----------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        (lo_len, hi_len), top = ARRAY_LEVELS[level]
        length = int(rng.integers(lo_len, hi_len + 1))
        sequence = [int(x) for x in rng.integers(1, top + 1, size=length)]
        return {"sequence": sequence}, lis_length(sequence)

    @staticmethod
    def sequence(inst: Instance) -> list[int]:
        return [int(x) for x in inst.state["sequence"]]

    # ----- solving --------------------------------------------------------------------------------
    def stats(self, inst: Instance) -> dict:
        seq = self.sequence(inst)
        length, _, comparisons = patience(seq)
        return {"length": len(seq), "lis": length, "comparisons": comparisons,
                "dp_pairs": len(seq) * (len(seq) - 1) // 2}

    # ----- verification ---------------------------------------------------------------------------
    def wrong_reason(self, inst: Instance, value: Fraction, best: int) -> str:
        if value < 0:
            return "a length cannot be negative"
        if value > best:
            return f"no strictly increasing subsequence of length {value} exists"
        return f"a strictly increasing subsequence longer than {value} exists"

    def correct_reason(self, inst: Instance, value: int) -> str:
        return f"correct: the longest strictly increasing subsequence has length {value}"

    # ----- presentation ---------------------------------------------------------------------------
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        return bar_chart(self.sequence(inst), size, title=TITLE, colors=PALETTE[0], bar_width=0.8)

    _RULES = ("Pick a subset of these bars where each one is strictly taller than the last and they appear in order "
              "from left to right (bars may be skipped; equal heights do not count as taller). What is the length "
              "of the longest such sequence you can find?")
    _FORMAT = "Answer with a single integer (the length)."

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        if modality == "text":
            return (f"Here is a row of bars, each with some height; the heights from left to right are "
                    f"{format_list(self.sequence(inst))}. {self._RULES}\n{self._FORMAT}")
        if modality != "image":
            raise ValueError(f"modality must be 'image' or 'text', got {modality!r}")
        return ("Here is a row of bars, each with some height; the number on each bar is its height. "
                f"{self._RULES}\n{self._FORMAT}")

    def trace(self, inst: Instance) -> str:
        seq = self.sequence(inst)
        log: list = []
        length, path, _ = patience(seq, log)
        lines = [f"Heights ({len(seq)} bars, left to right): {format_list(seq)}.",
                 "Method: patience sorting. Keep the piles' top values, which stay increasing; the top of pile k is "
                 "the smallest height that can end a strictly increasing choice of k bars. For each bar, find the "
                 "leftmost pile whose top is >= the bar's height and put the bar there (equal heights replace, "
                 "because the choice must be strictly increasing); if no top is that large, start a new pile. The "
                 "number of piles at the end is the answer."]
        for i, x, pile, replaced, tops in log:
            if replaced is None:
                what = f"larger than every top -> new pile {pile + 1}"
            else:
                what = f"replaces top {replaced} of pile {pile + 1}"
            lines.append(f"- bar {i} ({x}): {what}; tops {format_list(tops)}")
        chosen = [seq[k] for k in path]
        lines.append(f"{length} piles, so the longest strictly increasing subsequence has length {length}.")
        lines.append(f"One such subsequence (following each bar's link to the top of the previous pile): "
                     f"{format_list(chosen)} at bars {format_list(path)}.")
        lines.append(f"Answer: {length}")
        return "\n".join(lines)

    # ----- reference records ----------------------------------------------------------------------
    record_categories = ("LIS",)


TASK = LongestIncreasingSubsequence()
