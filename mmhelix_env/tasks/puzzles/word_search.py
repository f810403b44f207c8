"""WordSearch (puzzles): find where one target word lies on a straight line in a letter grid.

One word per instance, planted in a random allowed direction, with near-miss decoys (its first L-1 letters, or
the word with one letter changed) on other lines; filler letters are redrawn until the word occurs exactly once.
Answers ``WORD DIRECTION @ (x, y)`` (x = column, y = row, 1-based); any correct location is accepted.
Word pool: the shipped common-word list (core.words). Spec: spec/tasks/WordSearch.md.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from ...core import GenerationError, Instance, ParseError, RecordError, Task, Verdict, level_number, record_field
from ...core.task import record_answer_text
from ...core.words import common_words, data_hash
from ...render import GridLayout, draw_grid_lines, new_canvas
from ...render.canvas import INK, MUTED, draw_text, fit_font, font

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# direction -> (dx, dy); x = column (right +1), y = row (down +1)
DIRS = {"N": (0, -1), "S": (0, 1), "E": (1, 0), "W": (-1, 0),
        "NE": (1, -1), "NW": (-1, -1), "SE": (1, 1), "SW": (-1, 1)}
DIR_ORDER = ("E", "W", "S", "N", "SE", "NW", "NE", "SW")
DIR_NAMES = {"N": "north (up)", "S": "south (down)", "E": "east (right)", "W": "west (left)",
             "NE": "north-east (up-right)", "NW": "north-west (up-left)", "SE": "south-east (down-right)",
             "SW": "south-west (down-left)"}
ALL8 = ("N", "S", "E", "W", "NE", "NW", "SE", "SW")

# level -> (n, min length, max length, directions, decoys)
LEVELS = {
    1: (5, 3, 5, ("E", "S", "SE", "NE"), 0),
    2: (7, 3, 6, ("E", "S", "SE", "NE", "W", "N"), 1),
    3: (10, 4, 7, ALL8, 2),
    4: (12, 4, 8, ALL8, 3),
    5: (15, 5, 8, ALL8, 4),
}
MAX_IMPORT_SIZE = 40

FORMAT_SENTENCE = ("Your final answer format should be given like: WORD DIRECTION @ (x, y), where WORD is the word "
                   "you found, DIRECTION is the direction in which the word extends, and (x, y) is the starting "
                   "position of the word.")

_DIRWORD = r"(?:north|south|east|west|up|down|left|right|ne|nw|se|sw|n|s|e|w)"
_LOCATION = re.compile(
    r"(?<![A-Za-z])([A-Za-z]+)[\s:,\-]+(" + _DIRWORD + r"(?:[\s\-_]*" + _DIRWORD + r")?)"
    r"[\s,:]*(?:@|at(?![A-Za-z]))?[\s,:]*[(\[]?\s*(\d+)\s*,\s*(\d+)\s*[)\]]?",
    re.IGNORECASE | re.ASCII)
_PART = re.compile(_DIRWORD, re.IGNORECASE | re.ASCII)
_AXIS = {"north": "N", "up": "N", "n": "N", "south": "S", "down": "S", "s": "S",
         "east": "E", "right": "E", "e": "E", "west": "W", "left": "W", "w": "W",
         "ne": "NE", "nw": "NW", "se": "SE", "sw": "SW"}
_STRIP = re.compile(r"[\\*`$]")


@cache
def word_pool(level: int) -> tuple[str, ...]:
    """The level's sorted pool of upper-case words (common words of its lengths, palindromes removed)."""
    _, lo, hi, _, _ = LEVELS[level]
    return tuple(sorted(w.upper() for k in range(lo, hi + 1) for w in common_words(k) if w != w[::-1]))


def direction_code(text: str) -> str | None:
    """A spelled direction (``NE``, ``north east``, ``SOUTH-EAST``, ``up-right``) as its code, or None."""
    vert = horiz = ""
    for part in _PART.findall(text):
        for ch in _AXIS[part.lower()]:
            if ch in "NS":
                if vert:
                    return None
                vert = ch
            else:
                if horiz:
                    return None
                horiz = ch
    code = vert + horiz
    return code if code in DIRS else None


def _rows(state) -> tuple[str, ...]:
    return tuple(state["grid"])


def read_prefix(rows, word: str, x: int, y: int, d: str) -> int:
    """How many leading letters of ``word`` are read from 1-based (x, y) along ``d`` inside the grid."""
    n = len(rows)
    dx, dy = DIRS[d]
    c, r = x - 1, y - 1
    k = 0
    for ch in word:
        if not (0 <= r < n and 0 <= c < n) or rows[r][c] != ch:
            break
        k += 1
        c += dx
        r += dy
    return k


def fits(n: int, length: int, x: int, y: int, d: str) -> bool:
    dx, dy = DIRS[d]
    ex, ey = x + dx * (length - 1), y + dy * (length - 1)
    return 1 <= x <= n and 1 <= y <= n and 1 <= ex <= n and 1 <= ey <= n


def find_all(rows, word: str) -> list[tuple[int, int, str]]:
    """Every (x, y, direction) where the word lies, in scan order (row by row, then DIR_ORDER)."""
    n = len(rows)
    out = []
    first = word[0]
    for r in range(n):
        row = rows[r]
        for c in range(n):
            if row[c] != first:
                continue
            for d in DIR_ORDER:
                if read_prefix(rows, word, c + 1, r + 1, d) == len(word):
                    out.append((c + 1, r + 1, d))
    return out


@lru_cache(maxsize=512)
def _glyph(letter: str, size: int, side: int):
    """A ``side``-square mask with the bold letter centred (cached: drawing 225 letters one by one is slow)."""
    mask = Image.new("L", (side, side), 0)
    ImageDraw.Draw(mask).text((side // 2, side // 2), letter, font=font(size, bold=True), fill=255, anchor="mm")
    return mask


class WordSearch(Task):
    name = "WordSearch"
    category = "puzzles"
    benchmark_id = "wordsearch"
    generator_key = "wordsearch"
    score_function = "wordsearch_evaluator"
    version = "1-" + data_hash()
    answer_format = "WORD DIRECTION @ (x, y), e.g. CAT SE @ (2, 3)"

    # ----- generation ----------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int):
        level = level_number(level)
        n, _, _, dirs, decoys = LEVELS[level]
        pool = word_pool(level)
        for _ in range(200):
            word = pool[int(rng.integers(len(pool)))]
            L = len(word)
            d = dirs[int(rng.integers(len(dirs)))]
            starts = [(x, y) for y in range(1, n + 1) for x in range(1, n + 1) if fits(n, L, x, y, d)]
            x, y = starts[int(rng.integers(len(starts)))]
            grid: list[list[str | None]] = [[None] * n for _ in range(n)]
            self._write(grid, word, x, y, d)
            if not self._place_decoys(rng, grid, word, dirs, decoys):
                continue
            for _ in range(20):
                rows = tuple("".join(ch if ch is not None else LETTERS[int(rng.integers(26))] for ch in row)
                             for row in grid)
                if find_all(rows, word) == [(x, y, d)]:
                    return {"n": n, "word": word, "grid": list(rows)}, (x, y, d)
        raise GenerationError("WordSearch: could not place the word exactly once")

    @staticmethod
    def _write(grid, word, x, y, d) -> None:
        dx, dy = DIRS[d]
        for i, ch in enumerate(word):
            grid[y - 1 + dy * i][x - 1 + dx * i] = ch

    def _place_decoys(self, rng, grid, word, dirs, count) -> bool:
        n = len(grid)
        for _ in range(count):
            for _attempt in range(100):
                if rng.integers(2) == 0:
                    decoy = word[:-1]
                else:
                    i = int(rng.integers(len(word)))
                    others = [ch for ch in LETTERS if ch != word[i]]
                    decoy = word[:i] + others[int(rng.integers(25))] + word[i + 1:]
                d = dirs[int(rng.integers(len(dirs)))]
                starts = [(x, y) for y in range(1, n + 1) for x in range(1, n + 1) if fits(n, len(decoy), x, y, d)]
                x, y = starts[int(rng.integers(len(starts)))]
                dx, dy = DIRS[d]
                cells = [(y - 1 + dy * i, x - 1 + dx * i) for i in range(len(decoy))]
                if all(grid[r][c] is None or grid[r][c] == ch for (r, c), ch in zip(cells, decoy)) and \
                        any(grid[r][c] is None for r, c in cells):
                    for (r, c), ch in zip(cells, decoy):
                        grid[r][c] = ch
                    break
            else:
                return False
        return True

    # ----- solving -------------------------------------------------------------------------------
    def solve(self, inst: Instance):
        found = find_all(_rows(inst.state), inst.state["word"])
        if not found:
            raise ValueError(f"the word {inst.state['word']} does not occur in the grid")
        return found[0]

    def format_answer(self, inst: Instance, solution) -> str:
        x, y, d = solution
        return f"{inst.state['word']} {d} @ ({x}, {y})"

    def stats(self, inst: Instance) -> dict:
        rows = _rows(inst.state)
        word = inst.state["word"]
        n = len(rows)
        candidates = sum(row.count(word[0]) for row in rows)
        checks = n * n
        near = 0
        for r in range(n):
            for c in range(n):
                if rows[r][c] != word[0]:
                    continue
                for d in DIR_ORDER:
                    k = read_prefix(rows, word, c + 1, r + 1, d)
                    checks += min(k + 1, len(word))
                    if 2 <= k < len(word):
                        near += 1
        return {"cells": n * n, "first_letter_cells": candidates, "letter_checks": checks, "near_misses": near,
                "word_length": len(word)}

    # ----- verification --------------------------------------------------------------------------
    def parse(self, answer: str) -> list[tuple[str, str | None, int, int]]:
        text = _STRIP.sub(" ", answer)
        out = []
        for m in _LOCATION.finditer(text):
            xs, ys = m.group(3), m.group(4)
            x = int(xs) if len(xs) <= 6 else 10 ** 6
            y = int(ys) if len(ys) <= 6 else 10 ** 6
            out.append((m.group(1).upper(), direction_code(m.group(2)), x, y))
        if not out:
            raise ParseError("no location of the form WORD DIRECTION @ (x, y) found")
        return out

    def check(self, inst: Instance, answer: str) -> Verdict:
        word = inst.state["word"]
        rows = _rows(inst.state)
        n = len(rows)
        found = self.parse(answer)
        mine = [f for f in found if f[0] == word]
        if not mine:
            return Verdict.fail(f"wrong word: the answer names {found[-1][0]}, the word to find is {word}",
                                parsed=found[-1])
        w, d, x, y = mine[-1]
        if d is None:
            return Verdict.fail("unreadable direction (use N, S, E, W, NE, NW, SE or SW)", parsed=mine[-1])
        parsed = (w, d, x, y)
        if not (1 <= x <= n and 1 <= y <= n):
            return Verdict.fail(f"start ({x}, {y}) is outside the {n} x {n} grid (x and y run 1..{n})",
                                parsed=parsed)
        k = read_prefix(rows, word, x, y, d)
        if k == len(word):
            return Verdict.ok(parsed, f"correct: {word} reads {d} from ({x}, {y})")
        dx, dy = DIRS[d]
        cx, cy = x + dx * k, y + dy * k
        if not (1 <= cx <= n and 1 <= cy <= n):
            why = f"the line leaves the grid after {k} letter{'s' if k != 1 else ''}"
        else:
            why = (f"letter {k + 1} at ({cx}, {cy}) is {rows[cy - 1][cx - 1]}, "
                   f"not {word[k]}")
        return Verdict.fail(f"{word} does not read {d} from ({x}, {y}): {why}", score=k / len(word), parsed=parsed)

    # ----- rendering -----------------------------------------------------------------------------
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        rows = _rows(inst.state)
        n = len(rows)
        img, draw = new_canvas(size)
        header = max(24, round(size * 0.085))
        margin = max(6, size // 64)
        label = max(14, round(size * 0.045))
        lay = GridLayout.fit(n, n, size, margin=margin, label_margin=label, top=header)
        x0, y0, x1, y1 = lay.bounds
        draw.rectangle((x0, y0, x1, y1), fill=(255, 255, 255))
        draw_grid_lines(draw, lay, color=(170, 170, 178), width=1, outer_width=2)
        fnt = fit_font("W", lay.cell * 0.8, lay.cell * 0.6, bold=True)
        side = int(lay.cell) + 2
        for r in range(n):
            for c in range(n):
                cx, cy = lay.center(r, c)
                img.paste(INK, (round(cx) - side // 2, round(cy) - side // 2),
                          _glyph(rows[r][c], fnt.size, side))
        lab = font(max(9, min(20, int(min(lay.cell * 0.5, label * 0.8)))))
        for i in range(n):
            cx, cy = lay.center(i, i)
            draw_text(draw, (cx, y0 - label * 0.5), str(i + 1), lab, fill=MUTED)
            draw_text(draw, (x0 - label * 0.55, cy), str(i + 1), lab, fill=MUTED)
        # compass legend (N up) in the top-right corner
        rad = header * 0.36
        ccx, ccy = size - margin - rad * 1.6, margin + header * 0.5
        small = font(max(8, round(rad * 0.55)), bold=True)
        draw.line((round(ccx), round(ccy - rad * 0.55), round(ccx), round(ccy + rad * 0.55)), fill=MUTED, width=1)
        draw.line((round(ccx - rad * 0.55), round(ccy), round(ccx + rad * 0.55), round(ccy)), fill=MUTED, width=1)
        for t, (ox, oy) in (("N", (0, -1)), ("S", (0, 1)), ("E", (1, 0)), ("W", (-1, 0))):
            draw_text(draw, (ccx + ox * rad * 1.0, ccy + oy * rad * 1.0), t, small, fill=INK if t == "N" else MUTED)
        text = f"Find this word: {inst.state['word']}"
        hf = fit_font(text, size - 2 * margin - rad * 5, header * 0.6, bold=True)
        draw_text(draw, ((size - rad * 3.2) / 2, margin + header * 0.5), text, hf, fill=INK)
        return img

    # ----- prompts -------------------------------------------------------------------------------
    def _rules(self, n: int) -> str:
        return (
            "### Rules:\n"
            "1. The word lies on a straight line in the grid: horizontally, vertically or diagonally, "
            "forwards or backwards.\n"
            "2. Its letters occupy consecutive cells along that line, starting at its first letter.\n"
            f"3. Coordinates are (x, y) with x = column counted from the left and y = row counted from the top, "
            f"both starting at 1 and running 1..{n}; for example (3, 4) means column 3 from the left, row 4 from "
            "the top.\n"
            "4. Directions (the way the word extends from its first letter): N (up), S (down), E (right), "
            "W (left), NE (up-right), NW (up-left), SE (down-right), SW (down-left).\n"
        )

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        rows = _rows(inst.state)
        n = len(rows)
        word = inst.state["word"]
        if modality == "text":
            grid = "\n".join(" ".join(row) for row in rows)
            return (
                f"Your task is to solve a word search puzzle: find the word {word} in the {n} x {n} letter grid "
                "below.\n\n" + self._rules(n) + "\n"
                f"Word to find: {word}\n\n"
                f"### Grid ({n} rows, row 1 first; letters of each row from column 1 to column {n}):\n"
                f"{grid}\n\n"
                "### Example:\nIf CAT starts at column 2, row 3 and runs down-right, the answer is CAT SE @ (2, 3).\n\n"
                "### Output Format Requirements:\n" + FORMAT_SENTENCE
            )
        return (
            f"Your task is to solve the word search puzzle shown in the image: find the listed word {word} in the "
            f"{n} x {n} letter grid. Column numbers are shown above the grid and row numbers to its left.\n\n"
            + self._rules(n) + "\n"
            f"Word to find: {word}\n\n"
            "### Output Format Requirements:\n" + FORMAT_SENTENCE
        )

    # ----- trace ---------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        rows = _rows(inst.state)
        n = len(rows)
        word = inst.state["word"]
        L = len(word)
        out = [f"The grid is {n} x {n}; x is the column (1 = left), y is the row (1 = top). "
               f"The word is {word} ({L} letters).",
               f"I scan for cells holding its first letter {word[0]} and, from each, read {L} letters along each "
               "of the 8 directions where the word fits inside the grid."]
        starts = [(c + 1, r + 1) for r in range(n) for c in range(n) if rows[r][c] == word[0]]
        out.append(f"Cells with {word[0]}: " + ", ".join(f"({x}, {y})" for x, y in starts) + f" ({len(starts)}).")
        answer = None
        for x, y in starts:
            notes = []
            for d in DIR_ORDER:
                if not fits(n, L, x, y, d):
                    continue
                k = read_prefix(rows, word, x, y, d)
                if k == L:
                    notes.append(f"{d} reads {word}: found")
                    answer = (x, y, d)
                    break
                if k >= 2:
                    dx, dy = DIRS[d]
                    got = "".join(rows[y - 1 + dy * i][x - 1 + dx * i] for i in range(L))
                    notes.append(f"{d} reads {got} (matches {word[:k]}, then {got[k]} instead of {word[k]})")
            if notes:
                out.append(f"From ({x}, {y}): " + "; ".join(notes) + ".")
            else:
                out.append(f"From ({x}, {y}): no direction gets past the first letter.")
            if answer:
                break
        if answer is None:
            raise ValueError(f"the word {word} does not occur in the grid")
        x, y, d = answer
        dx, dy = DIRS[d]
        cells = ", ".join(f"{word[i]}({x + dx * i}, {y + dy * i})" for i in range(L))
        out.append(f"Check: {cells} spell {word} going {DIR_NAMES[d]}.")
        out.append(f"Answer: {self.format_answer(inst, answer)}")
        return "\n".join(out)

    # ----- reference records ---------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record.get("initial_state")
        if raw is None:
            raise RecordError("record has no initial_state")
        value = record_field(raw)
        if not isinstance(value, (list, tuple)) or not value:
            raise RecordError("initial_state must be a non-empty list of rows")
        n = len(value)
        if n > MAX_IMPORT_SIZE:
            raise RecordError(f"grid too large ({n} rows; at most {MAX_IMPORT_SIZE})")
        rows = []
        for i, row in enumerate(value):
            if isinstance(row, str):
                row = list(row.replace(" ", ""))
            if not isinstance(row, (list, tuple)) or len(row) != n:
                raise RecordError(f"row {i + 1} must hold {n} letters (the grid must be square)")
            cells = [str(ch).strip().upper() for ch in row]
            if any(len(ch) != 1 or ch not in LETTERS for ch in cells):
                raise RecordError(f"row {i + 1} holds something other than single letters A-Z")
            rows.append("".join(cells))
        answer = record_answer_text(record.get("answer"))
        m = re.match(r"\s*([A-Za-z]+)", answer or "")
        if not m:
            raise RecordError("the target word (first token of the stored answer) is missing")
        word = m.group(1).upper()
        if len(word) > n:
            raise RecordError(f"word {word} is longer than the grid side {n}")
        return {"n": n, "word": word, "grid": rows}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        n = state["n"]
        return min(LEVELS, key=lambda lv: (abs(LEVELS[lv][0] - n), lv))

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> Any:
        _, d, x, y = verdict.parsed
        return (x, y, d)


TASK = WordSearch()
