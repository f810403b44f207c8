"""HIndex (MM-HELIX ``h_index``): the largest h such that at least h papers have at least h citations each.

Generation (spec/tasks/HIndex.md): levels 1–2 plant h ∈ 3..min(7, n) (h papers get U{h..max}, the others
U{0..h−1}, shuffled); levels 3–5 draw i.i.d. U{1..max} and overwrite U{2..⌊n/3⌋} distinct positions with high
values U{⌊0.7·max⌋..max}. The answer comes from sorting descending and scanning. The picture is one dark-grey bar
per paper in the given order, a visible stub and label for zero citations, the exact count on every bar.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

import numpy as np

from ...core import Instance
from ...render import bar_chart
from ._array_answer import ARRAY_LEVELS, ArrayAnswerTask, format_list

GREY = (96, 96, 100)
OUTLINE = (50, 50, 55)
TITLE = "Citations per paper"
PREFIX = re.compile(r"(?:the\s+)?(?:researcher'?s\s+)?(?:h[-_ ]?index|h)\s*(?:=|:|is\b)\s*", re.I | re.ASCII)


def planted(rng: np.random.Generator, length: int, top: int) -> list[int]:
    """Levels 1–2: h = U{3..min(7, n)} papers with U{h..max}, the rest U{0..h−1}, shuffled."""
    h = int(rng.integers(3, min(7, length) + 1))
    values = [int(x) for x in rng.integers(h, top + 1, size=h)]
    values += [int(x) for x in rng.integers(0, h, size=length - h)]
    order = rng.permutation(length)
    return [values[int(i)] for i in order]


def uniform_with_high(rng: np.random.Generator, length: int, top: int) -> list[int]:
    """Levels 3–5: i.i.d. U{1..max}, then U{2..⌊n/3⌋} distinct positions get U{⌊0.7·max⌋..max}."""
    values = [int(x) for x in rng.integers(1, top + 1, size=length)]
    k = int(rng.integers(2, length // 3 + 1))
    for pos in rng.choice(length, size=k, replace=False):
        values[int(pos)] = int(rng.integers(int(0.7 * top), top + 1))
    return values


def h_index(citations) -> int:
    ranked = sorted((int(c) for c in citations), reverse=True)
    h = 0
    while h < len(ranked) and ranked[h] >= h + 1:
        h += 1
    return h


class HIndex(ArrayAnswerTask):
    name = "HIndex"
    category = "algorithms"
    benchmark_id = "HIndex"
    generator_key = "h_index"
    score_function = "simple_str_match"
    version = "1"
    answer_format = "a single integer: the h-index, e.g. 5"
    array_key = "citations"
    record_keys = ("citations",)
    lengths = {lv: p[0] for lv, p in ARRAY_LEVELS.items()}
    answer_noun = "h-index"
    answer_what = "the h-index"
    answer_prefix = PREFIX

    compute = staticmethod(h_index)

    # ----- generation -----------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        (lo_len, hi_len), top = ARRAY_LEVELS[level]
        length = int(rng.integers(lo_len, hi_len + 1))
        citations = planted(rng, length, top) if level <= 2 else uniform_with_high(rng, length, top)
        return {"citations": citations}, h_index(citations)

    @staticmethod
    def citations(inst: Instance) -> list[int]:
        return [int(x) for x in inst.state["citations"]]

    # ----- solving --------------------------------------------------------------------------------
    def stats(self, inst: Instance) -> dict:
        cites = self.citations(inst)
        h = h_index(cites)
        n = len(cites)
        return {"papers": n, "sort_work": n * max(1, (n - 1).bit_length()), "scan_steps": min(h + 1, n),
                "h_index": h, "max_citations": max(cites)}

    # ----- verification ---------------------------------------------------------------------------
    def wrong_reason(self, inst: Instance, value: Fraction, best: int) -> str:
        if value < 0:
            return "an h-index cannot be negative"
        if value > best:
            return f"fewer than {value} papers have at least {value} citations each"
        return f"at least {value + 1} papers have at least {value + 1} citations each, so the h-index is larger"

    def correct_reason(self, inst: Instance, value: int) -> str:
        return (f"correct: {value} papers have at least {value} citations each, and not {value + 1} with "
                f"{value + 1} or more")

    # ----- presentation ---------------------------------------------------------------------------
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        return bar_chart(self.citations(inst), size, title=TITLE, colors=GREY, outline=OUTLINE, bar_width=0.86,
                         zero_stub=True)

    _RULES = ("Determine the researcher's h-index: the largest value h such that at least h papers have at least h "
              "citations each.")
    _FORMAT = "Answer with a single integer."

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        if modality == "text":
            return (f"Here is a bar chart, given as the list {format_list(self.citations(inst))}, showing how many "
                    f"times each of a researcher's papers was cited (one number per paper). {self._RULES}\n"
                    f"{self._FORMAT}")
        if modality != "image":
            raise ValueError(f"modality must be 'image' or 'text', got {modality!r}")
        return ("Here is a bar chart showing how many times each of a researcher's papers was cited (one bar per "
                "paper; the number on each bar is its citation count). "
                f"{self._RULES}\n{self._FORMAT}")

    def trace(self, inst: Instance) -> str:
        cites = self.citations(inst)
        ranked = sorted(cites, reverse=True)
        lines = [f"Citations of the {len(cites)} papers: {format_list(cites)}.",
                 "Sort them from most to least cited: " + format_list(ranked) + ".",
                 "In this order the paper at rank k has the k-th most citations, so at least k papers have at least "
                 "that many. The h-index is the largest k whose rank-k paper has at least k citations; scan the "
                 "ranks until the condition fails."]
        h = 0
        for k, c in enumerate(ranked, 1):
            if c >= k:
                h = k
                lines.append(f"- rank {k}: {c} citations >= {k}, so h is at least {k}.")
            else:
                lines.append(f"- rank {k}: {c} citations < {k}, so {k} papers with {k} or more citations do not "
                             "exist; stop.")
                break
        else:
            lines.append(f"All {len(ranked)} papers passed, and the h-index cannot exceed the number of papers.")
        if h == 0:
            lines.append("Not even one paper has at least 1 citation, so the h-index is 0.")
        else:
            lines.append(f"So {h} papers have at least {h} citations each, and there are not {h + 1} papers with "
                         f"at least {h + 1}: the h-index is {h}.")
        lines.append(f"Answer: {h}")
        return "\n".join(lines)

    # ----- reference records ----------------------------------------------------------------------
    record_categories = ("hindex", "h_index")


TASK = HIndex()
