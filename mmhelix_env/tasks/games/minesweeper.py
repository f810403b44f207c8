"""Minesweeper (games): name every mine on a partly revealed board whose mine set is uniquely deducible.

Generation (spec/tasks/Minesweeper.md): the level's mines placed uniformly, then the safe cells visited in an
rng order and covered while the exact solution counter still finds exactly one consistent mine set, until the
level's number of covered safe cells is reached. Verification checks the rules (every revealed count matches
the answer), so every consistent set passes; on generated boards that is exactly the mine set. Imported
reference records keep their blank rule (a blank is a mine or a true zero). Answer mode (a list of (row,col)
pairs) and step mode (Discrete(2n²+1): flag toggles, reveals, submit). Logic: ``_minesweeper_logic``.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import numpy as np

from ...core import (
    GenerationError,
    Instance,
    ParseError,
    RecordError,
    StepResult,
    Task,
    Verdict,
    level_number,
    parse_coords,
    record_field,
)
from ...render import GRID_LINE, GridLayout, draw_coordinates, draw_grid_lines, draw_text, fit_font, new_canvas
from ._minesweeper_logic import (
    LEVEL_PARAMS,
    Deducer,
    Work,
    count_solutions,
    generate_board,
    neighbours,
)

FORMAT_SENTENCE = "Your final answer should list all mine locations using 0-based coordinates in the format (row,col)."
EXAMPLE = "Example answer format: (0,1),(2,3),(4,0)"
MAX_PAIRS = 10_000
MAX_RECORD_N = 30

# colours
BG = (248, 246, 240)
REVEALED = (236, 236, 230)
COVERED_FILL = (176, 178, 184)
BEVEL_LIGHT = (236, 238, 242)
BEVEL_DARK = (104, 106, 114)
LINE = (150, 150, 150)
BORDER = (50, 50, 60)
FLAG_RED = (220, 30, 30)
POLE = (30, 30, 30)
CURSOR = (255, 150, 0)
EXPLODED_BG = (230, 40, 40)
NUMBER_COLOURS = {
    1: (20, 60, 220),    # blue
    2: (20, 125, 35),    # green
    3: (210, 25, 25),    # red
    4: (110, 25, 150),   # purple
    5: (135, 65, 20),    # brown
    6: (0, 128, 128),    # teal
    7: (0, 0, 0),        # black
    8: (110, 110, 110),  # grey
}

_DECIMAL_PAIR = re.compile(r"[(\[]\s*[-+]?\d*\.\d+\s*[,;\s]\s*[-+]?[\d.]+\s*[)\]]|"
                           r"[(\[]\s*[-+]?[\d.]+\s*[,;\s]\s*[-+]?\d*\.\d+\s*[)\]]", re.ASCII)


class MinesPlay(NamedTuple):
    """Step-mode state: the current view (``?`` covered, digits revealed), flagged cells (row-major,
    sorted), the exploded cell (-1 none), whether the player submitted, and the last acted cell (-1 none)."""

    rows: tuple[str, ...]
    flags: tuple[int, ...]
    exploded: int = -1
    submitted: bool = False
    cursor: int = -1


def _values(rows) -> list[int]:
    return [-1 if ch == "?" else int(ch) for row in rows for ch in row]


def _rc(n: int, i: int) -> str:
    return f"({i // n},{i % n})"


def _pair_list(pairs) -> str:
    return ",".join(f"({r},{c})" for r, c in pairs)


class Minesweeper(Task):
    name = "Minesweeper"
    category = "games"
    benchmark_id = "minesweeper"
    generator_key = "minesweeper"
    score_function = "minesweeper_evaluator"
    version = "1"
    answer_format = "all mine cells as 0-based (row,col) pairs, e.g. (0,1),(2,3),(4,0)"
    max_answer_chars = 100_000
    step_mode = True

    # ----- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _board(inst: Instance) -> tuple[int, list[int], bool]:
        state = inst.state
        return int(state["n"]), _values(state["rows"]), bool(state.get("blank_rule", False))

    def _mine_cells(self, inst: Instance) -> set[int]:
        n = int(inst.state["n"])
        return {r * n + c for r, c in self.solution(inst)}

    # ----- generation ----------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int):
        level = level_number(level)
        n = LEVEL_PARAMS[level][0]
        try:
            values, mines, _, _ = generate_board(rng, level)
        except RuntimeError as err:  # pragma: no cover - never observed
            raise GenerationError(str(err)) from None
        rows = ["".join("?" if v < 0 else str(v) for v in values[r * n:(r + 1) * n]) for r in range(n)]
        return {"n": n, "rows": rows, "blank_rule": False}, tuple((m // n, m % n) for m in mines)

    # ----- solving -------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> tuple[tuple[int, int], ...]:
        n, values, blank = self._board(inst)
        total, cells = count_solutions(n, values, blank, limit=1)
        if not total or cells is None:
            raise ValueError("no mine arrangement fits the numbers")
        return tuple((m // n, m % n) for m in cells)

    def format_answer(self, inst: Instance, solution) -> str:
        return _pair_list(sorted((int(r), int(c)) for r, c in solution))

    def stats(self, inst: Instance) -> dict:
        n, values, blank = self._board(inst)
        work = Work()
        total, _ = count_solutions(n, values, blank, limit=2, work=work)
        ded = Deducer(n, values, blank)
        ded.solve(tuple(r * n + c for r, c in self.solution(inst)))
        return {
            "mines": len(self.solution(inst)),
            "covered": sum(1 for v in values if v < 0),
            "numbers": sum(1 for v in values if v > 0),
            "solutions": total,
            "search_nodes": work.nodes + work.assignments,  # partial assignments visited by the exact counter
            "branchings": work.nodes,
            "single_rules": ded.singles,
            "pair_rules": ded.pairs,
            "blank_rules": ded.blank_steps,
            "case_splits": ded.cases,
            "deductions": ded.singles + ded.pairs + ded.blank_steps + ded.cases,
            "solution_length": len(self.solution(inst)),
        }

    # ----- verification --------------------------------------------------------------------------
    def _parse(self, answer: str) -> list[tuple[int, int]]:
        bad = _DECIMAL_PAIR.search(answer)
        if bad:
            raise ParseError(f"{bad.group(0).strip()} is not a pair of whole-number coordinates")
        pairs = parse_coords(answer, max_chars=self.max_answer_chars, max_items=MAX_PAIRS)
        neg = next((p for p in pairs if p[0] < 0 or p[1] < 0), None)
        if neg is not None:
            raise ParseError(f"({neg[0]},{neg[1]}) has a negative coordinate; coordinates are 0-based")
        return pairs

    def _rule_problem(self, n: int, values: list[int], blank: bool, cells: set[int]) -> str | None:
        """Why the mine set ``cells`` (on-board, covered) breaks a rule, or None if it is consistent."""
        nb = neighbours(n)
        wrong = []
        for r in range(n * n):
            k = values[r]
            if k >= 0:
                got = sum(1 for j in nb[r] if j in cells)
                if got != k:
                    wrong.append((r, k, got))
        if wrong:
            r, k, got = wrong[0]
            more = f" ({len(wrong) - 1} more numbered cell{'s' if len(wrong) > 2 else ''} disagree too)" \
                if len(wrong) > 1 else ""
            return (f"cell {_rc(n, r)} shows {k} but the answer puts {got} mine{'s' if got != 1 else ''} "
                    f"around it{more}")
        if blank:
            for b in range(n * n):
                if values[b] < 0 and b not in cells:
                    hit = next((j for j in nb[b] if j in cells), None)
                    if hit is not None:
                        return (f"blank cell {_rc(n, b)} is not a mine in the answer but touches the mine "
                                f"{_rc(n, hit)}; a blank that is not a mine has no neighbouring mine")
        return None

    def check(self, inst: Instance, answer: str) -> Verdict:
        pairs = self._parse(answer)
        n, values, blank = self._board(inst)
        chosen = sorted(set(pairs))
        try:
            truth = set(self.solution(inst))
        except ValueError:  # a hand-built board with no consistent set (the importer rejects these)
            truth = set()
        inter = sum(1 for p in chosen if p in truth)
        score = inter / (len(truth) + len(chosen) - inter) if (truth or chosen) else 0.0
        outside = [p for p in chosen if not (p[0] < n and p[1] < n)]
        if outside:
            return Verdict.fail(f"({outside[0][0]},{outside[0][1]}) is outside the {n}x{n} board "
                                f"(rows and columns 0..{n - 1})", score, chosen)
        cells = {r * n + c for r, c in chosen}
        shown = next((i for i in sorted(cells) if values[i] >= 0), None)
        if shown is not None:
            return Verdict.fail(f"{_rc(n, shown)} is a revealed cell showing {values[shown]}; revealed cells are "
                                "safe", score, chosen)
        problem = self._rule_problem(n, values, blank, cells)
        if problem:
            return Verdict.fail(problem, score, chosen)
        return Verdict.ok(tuple(chosen), f"correct: {len(chosen)} mine{'s' if len(chosen) != 1 else ''}, every "
                                         "number sees exactly its count")

    # ----- rendering -----------------------------------------------------------------------------
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        n, values, _ = self._board(inst)
        if play is not None:
            values = _values(play.rows)
            flags = set(play.flags)
            exploded, cursor = play.exploded, play.cursor
        else:
            flags, exploded, cursor = set(), -1, -1
        img, draw = new_canvas(size, BG)
        margin = max(4, round(size / 32))
        label = max(14, round(size * 0.065))
        lay = GridLayout.fit(n, n, size, margin=margin, label_margin=label)
        x0, y0, x1, y1 = lay.bounds
        draw.rectangle((x0, y0, x1, y1), fill=REVEALED)
        cell = lay.cell
        bevel = max(2, round(cell * 0.11))
        digit_font = fit_font("8", cell * 0.8, cell * 0.62, bold=True)
        for i, v in enumerate(values):
            r, c = divmod(i, n)
            bx0, by0, bx1, by1 = lay.box(r, c)
            if i == exploded:
                draw.rectangle((bx0, by0, bx1, by1), fill=EXPLODED_BG)
                self._draw_mine(draw, lay, r, c)
            elif v < 0:
                draw.rectangle((bx0, by0, bx1, by1), fill=COVERED_FILL)
                draw.polygon([(bx0, by0), (bx1, by0), (bx1 - bevel, by0 + bevel), (bx0 + bevel, by0 + bevel),
                              (bx0 + bevel, by1 - bevel), (bx0, by1)], fill=BEVEL_LIGHT)
                draw.polygon([(bx1, by1), (bx0, by1), (bx0 + bevel, by1 - bevel), (bx1 - bevel, by1 - bevel),
                              (bx1 - bevel, by0 + bevel), (bx1, by0)], fill=BEVEL_DARK)
                if i in flags:
                    self._draw_flag(draw, lay, r, c)
            elif v > 0:
                draw_text(draw, lay.center(r, c), str(v), digit_font, fill=NUMBER_COLOURS.get(v, (0, 0, 0)))
        thin = max(1, round(size / 512))
        draw_grid_lines(draw, lay, color=LINE, width=thin, outer_width=thin)
        draw.rectangle((x0, y0, x1, y1), outline=BORDER, width=max(3, round(size / 128)))
        if 0 <= cursor < n * n:
            r, c = divmod(cursor, n)
            draw.rectangle(lay.box(r, c, inset=max(1, round(cell * 0.04))), outline=CURSOR,
                           width=max(2, round(cell * 0.07)))
        draw_coordinates(draw, lay, base=0, fill=GRID_LINE)
        return img

    @staticmethod
    def _draw_flag(draw, lay: GridLayout, r: int, c: int) -> None:
        cx, cy = lay.center(r, c)
        s = lay.cell
        w = max(1, round(s * 0.06))
        top, bottom = cy - s * 0.28, cy + s * 0.22
        pole_x = cx + s * 0.06
        draw.rectangle((round(cx - s * 0.2), round(bottom), round(cx + s * 0.24), round(bottom + s * 0.07)), fill=POLE)
        draw.line([(round(pole_x), round(top)), (round(pole_x), round(bottom))], fill=POLE, width=w)
        draw.polygon([(round(pole_x), round(top)), (round(pole_x - s * 0.3), round(top + s * 0.13)),
                      (round(pole_x), round(top + s * 0.26))], fill=FLAG_RED)

    @staticmethod
    def _draw_mine(draw, lay: GridLayout, r: int, c: int) -> None:
        cx, cy = lay.center(r, c)
        s = lay.cell
        rad = s * 0.22
        w = max(1, round(s * 0.05))
        for dx, dy in ((1, 0), (0, 1), (0.7, 0.7), (0.7, -0.7)):
            draw.line([(round(cx - dx * rad * 1.45), round(cy - dy * rad * 1.45)),
                       (round(cx + dx * rad * 1.45), round(cy + dy * rad * 1.45))], fill=(0, 0, 0), width=w)
        draw.ellipse((round(cx - rad), round(cy - rad), round(cx + rad), round(cy + rad)), fill=(0, 0, 0))
        hl = rad * 0.35
        draw.ellipse((round(cx - rad * 0.45 - hl / 2), round(cy - rad * 0.45 - hl / 2),
                      round(cx - rad * 0.45 + hl / 2), round(cy - rad * 0.45 + hl / 2)), fill=(255, 255, 255))

    # ----- prompts -------------------------------------------------------------------------------
    @staticmethod
    def _rows_text(rows) -> str:
        return "\n".join("|" + "|".join(row) + "|" for row in rows)

    def _rules(self, inst: Instance, modality: str) -> str:
        n, _, blank = self._board(inst)
        unique = bool(inst.state.get("unique", True))
        if modality == "image":
            cells = ("2. Grey raised cells are covered and may hide mines. Light flat cells are revealed and safe; "
                     "a light cell with a number shows that count, and an empty light cell has 0 neighbouring "
                     "mines.\n")
            if blank:
                cells = ("2. Light cells with a number are revealed and safe. Grey raised cells are blank: each blank "
                         "is either a mine or a safe cell with 0 neighbouring mines.\n")
        else:
            cells = ("2. In the grid below, `?` is a covered cell that may hide a mine, and a digit is a revealed safe "
                     "cell showing its count (0 included).\n")
            if blank:
                cells = ("2. In the grid below, a digit is a revealed safe cell showing its count, and `?` is a "
                         "blank cell: either a mine or a safe cell with 0 neighbouring mines.\n")
        where = "blank" if blank else "covered"
        fits = ("exactly one arrangement of mines fits all the numbers" if unique
                else "name an arrangement of mines that fits all the numbers")
        coords = (" as labelled in the picture: row numbers run down the left side and column numbers along the "
                  "top" if modality == "image" else ": row 0 is the top row of the grid and column 0 its left column")
        return (
            "### Game Rules:\n"
            f"1. The board is a {n}x{n} grid. Each number counts the mines in the 8 surrounding cells "
            "(horizontally, vertically and diagonally adjacent, inside the board).\n"
            + cells
            + f"3. Mines lie only under {where} cells. The total number of mines is not given; {fits}.\n"
            "4. The goal is to find the location of every mine.\n"
            f"5. Coordinates are 0-based (row, col){coords}.\n"
        )

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        if modality not in ("image", "text"):
            raise ValueError(f"unknown modality {modality!r}; use 'image' or 'text'")
        fmt = "### Output Format Requirements:\n" + FORMAT_SENTENCE + "\n" + EXAMPLE + "\n"
        if modality == "image":
            return ("Your task is to solve the Minesweeper puzzle according to the rules and the current state "
                    "shown in the image.\n\n" + self._rules(inst, modality) + "\n" + fmt)
        n, _, _ = self._board(inst)
        return ("Your task is to solve the Minesweeper puzzle according to the rules and the current state below.\n\n"
                + self._rules(inst, modality)
                + f"\n### Current Minesweeper State ({n} rows x {n} columns, top row first):\n"
                + self._rows_text(inst.state["rows"]) + "\n\n" + fmt)

    # ----- trace ---------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        n, values, blank = self._board(inst)
        solution = sorted(self.solution(inst))
        mines = tuple(r * n + c for r, c in solution)
        covered = [i for i, v in enumerate(values) if v < 0]
        out = [
            f"The board is {n}x{n}; row 0 is the top row and column 0 the left column. `?` marks a "
            + ("blank cell (a mine or a true zero):" if blank else "covered cell:"),
            self._rows_text(inst.state["rows"]),
            f"There are {len(covered)} {'blank' if blank else 'covered'} cells and every mine is among them. Each "
            "number must see exactly that many mines among its covered neighbours.",
        ]
        if blank:
            out.append("Blank rule: a blank that is not a mine shows 0, so it has no neighbouring mine; two adjacent "
                       "blanks are therefore both mines or both safe.")
        ded = Deducer(n, values, blank)
        known = ded.solve(mines)
        out.append("Deductions, one at a time:")
        out.extend(ded.lines)
        found = sorted(u for u, x in known.items() if x)
        if found != sorted(mines):  # an imported record with several consistent sets: narrate its own set
            found = sorted(mines)
        out.append("Every covered cell is decided (X = mine, o = safe):")
        view = ["".join(str(v) if v >= 0 else ("X" if i in known and known[i] else "o")
                        for i, v in enumerate(values[r * n:(r + 1) * n], r * n)) for r in range(n)]
        out.append(self._rows_text(view))
        out.append(f"Check: every number sees exactly its count with these {len(found)} mines.")
        out.append("Answer: " + _pair_list((m // n, m % n) for m in found))
        return "\n".join(out)

    # ----- reference records ---------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record.get("initial_state")
        if raw is None:
            text = record_field(record.get("question_language") or record.get("question_text") or "")
            if not isinstance(text, str):
                raise RecordError("record has no initial_state")
            lines = [ln for ln in text.split("\n") if ln.strip().startswith("|")]
        else:
            value = record_field(raw)
            if isinstance(value, (list, tuple)) and all(isinstance(x, str) for x in value):
                lines = list(value)
            elif isinstance(value, str):
                lines = value.replace("\r\n", "\n").split("\n")
            else:
                raise RecordError(f"initial_state must be board text, got {type(value).__name__}")
        lines = [ln.strip() for ln in lines if ln.strip()]
        if not lines:
            raise RecordError("initial_state is empty")
        n = len(lines)
        if n > MAX_RECORD_N:
            raise RecordError(f"board larger than {MAX_RECORD_N}x{MAX_RECORD_N}")
        rows = []
        for k, line in enumerate(lines):
            if not (line.startswith("|") and line.endswith("|")) or len(line) < 2:
                raise RecordError(f"row {k} is not written |a|b|...|: {line[:40]!r}")
            cells = line[1:-1].split("|")
            if len(cells) != n:
                raise RecordError(f"row {k} has {len(cells)} cells; the board has {n} rows (must be square)")
            row = []
            for cell in cells:
                ch = cell.strip()
                if ch in ("", "?"):
                    row.append("?")
                elif len(ch) == 1 and ch in "012345678":
                    row.append(ch)
                else:
                    raise RecordError(f"row {k} has the cell {cell!r}; expected a digit 0-8 or a blank")
            rows.append("".join(row))
        total, _ = count_solutions(n, _values(rows), True, limit=2)
        if not total:
            raise RecordError("no mine arrangement fits the numbers (with the blank rule)")
        return {"n": n, "rows": rows, "blank_rule": True, "unique": total == 1}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        return min(5, max(1, int(state["n"]) - 4))

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict):
        return tuple(tuple(p) for p in verdict.parsed)

    # ----- step mode -----------------------------------------------------------------------------
    def action_shape(self, inst: Instance) -> tuple[int, ...]:
        n = int(inst.state["n"])
        return (2 * n * n + 1,)

    def level_action_shape(self, level: int) -> tuple[int, ...]:
        n = LEVEL_PARAMS[level_number(level)][0]
        return (2 * n * n + 1,)

    def play_init(self, inst: Instance) -> MinesPlay:
        return MinesPlay(tuple(inst.state["rows"]), ())

    @staticmethod
    def _over(play: MinesPlay) -> bool:
        return play.exploded >= 0 or play.submitted

    def play_apply(self, inst: Instance, play: MinesPlay, action) -> StepResult:
        n = int(inst.state["n"])
        N = n * n
        try:
            a = int(action)
        except (TypeError, ValueError):
            return StepResult(play, False, f"action must be an integer 0..{2 * N}, got {action!r}")
        if not 0 <= a <= 2 * N:
            return StepResult(play, False, f"action must be 0..{2 * N} (flag 0..{N - 1}, reveal {N}..{2 * N - 1}, "
                                           f"submit {2 * N}), got {a}")
        if self._over(play):
            return StepResult(play, False, "the game is over (" + ("a mine exploded" if play.exploded >= 0
                                                                    else "already submitted") + ")",
                              {"game_over": True})
        if a == 2 * N:
            flagged = set(play.flags)
            _, values, blank = self._board(inst)
            ok = self._rule_problem(n, values, blank, flagged) is None and all(values[i] < 0 for i in flagged)
            new = play._replace(submitted=True)
            return StepResult(new, True, "submitted: the flags " + ("mark exactly the mines" if ok
                                                                    else "do not match the mines"),
                              {"submitted": True, "game_over": True, "exploded": False})
        cell = a % N
        r, c = divmod(cell, n)
        if play.rows[r][c] != "?":
            what = "flag" if a < N else "reveal"
            return StepResult(play, False, f"cannot {what} ({r},{c}): it is already revealed")
        if a < N:
            flags = set(play.flags)
            flags.symmetric_difference_update({cell})
            new = play._replace(flags=tuple(sorted(flags)), cursor=cell)
            return StepResult(new, True, f"{'flagged' if cell in flags else 'unflagged'} ({r},{c})")
        if cell in play.flags:
            return StepResult(play, False, f"cannot reveal ({r},{c}): it is flagged (unflag it first)")
        mines = self._mine_cells(inst)
        if cell in mines:
            return StepResult(play._replace(exploded=cell, cursor=cell), True, f"({r},{c}) was a mine: it exploded",
                              {"exploded": True, "game_over": True})
        counts = self._counts(inst, mines)
        rows = [list(row) for row in play.rows]
        flags = set(play.flags)
        nb = neighbours(n)
        stack, opened = [cell], 0
        while stack:
            i = stack.pop()
            ri, ci = divmod(i, n)
            if rows[ri][ci] != "?" or i in flags or i in mines:
                continue
            rows[ri][ci] = str(counts[i])
            opened += 1
            if counts[i] == 0:
                stack.extend(j for j in nb[i] if rows[j // n][j % n] == "?")
        new = play._replace(rows=tuple("".join(row) for row in rows), cursor=cell)
        return StepResult(new, True, f"revealed ({r},{c}): {counts[cell]}"
                          + (f" (opened {opened} cells)" if opened > 1 else ""), {"exploded": False})

    @staticmethod
    def _counts(inst: Instance, mines: set[int]) -> list[int]:
        n = int(inst.state["n"])
        nb = neighbours(n)
        return [sum(1 for j in nb[i] if j in mines) for i in range(n * n)]

    def play_mask(self, inst: Instance, play: MinesPlay) -> np.ndarray:
        n = int(inst.state["n"])
        N = n * n
        mask = np.zeros(2 * N + 1, dtype=bool)
        if self._over(play):
            return mask
        covered = np.fromiter((ch == "?" for row in play.rows for ch in row), dtype=bool, count=N)
        mask[:N] = covered
        reveal = covered.copy()
        if play.flags:
            reveal[list(play.flags)] = False
        mask[N:2 * N] = reveal
        mask[2 * N] = True
        return mask

    def play_solved(self, inst: Instance, play: MinesPlay) -> bool:
        if not play.submitted or play.exploded >= 0:
            return False
        n, values, blank = self._board(inst)
        flagged = set(play.flags)
        return all(values[i] < 0 for i in flagged) and self._rule_problem(n, values, blank, flagged) is None

    def play_lost(self, inst: Instance, play: MinesPlay) -> bool:
        """A revealed mine or a wrong submission ends the episode (the env checks play_solved first)."""
        return self._over(play)

    def play_prompt(self, inst: Instance, play: MinesPlay, modality: str = "image") -> str:
        n = int(inst.state["n"])
        N = n * n
        head = ("Minesweeper, played one action at a time. Flag every mine, then submit.\n\n"
                + self._rules(inst, modality) + "\n")
        if modality == "text":
            view = ["".join("F" if (r * n + c) in play.flags else ch for c, ch in enumerate(row))
                    for r, row in enumerate(play.rows)]
            head += (f"### Current board ({n} rows x {n} columns, top row first; `?` covered, `F` flagged, digits "
                     "revealed):\n" + self._rows_text(view) + "\n\n")
        else:
            head += ("### In the image:\nRed pennants are your flags; an orange frame marks the last cell you "
                     "acted on.\n\n")
        status = ""
        if play.exploded >= 0:
            status = f"A mine exploded at {_rc(n, play.exploded)}: the game is lost.\n"
        elif play.submitted:
            status = "You have submitted.\n"
        return (head + status + f"{len(play.flags)} cell{'s are' if len(play.flags) != 1 else ' is'} flagged.\n"
                "### Actions:\n"
                f"- 0..{N - 1}: toggle a flag on cell row*{n}+col (covered cells only)\n"
                f"- {N}..{2 * N - 1}: reveal cell {N}+row*{n}+col (covered, unflagged cells; revealing a mine loses, "
                "a revealed 0 opens its neighbours)\n"
                f"- {2 * N}: submit; you win if the flagged cells are exactly the mines")

    def step_limit(self, inst: Instance) -> int:
        n = int(inst.state["n"])
        return 3 * n * n

    def expert_actions(self, inst: Instance) -> list[int]:
        n = int(inst.state["n"])
        return [r * n + c for r, c in sorted(self.solution(inst))] + [2 * n * n]


TASK = Minesweeper()
