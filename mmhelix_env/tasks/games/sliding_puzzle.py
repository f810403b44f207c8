"""SlidingPuzzle (games): the 15-puzzle on a 4x4 board; slide tiles into the empty cell until the board reads
1..15 with the empty cell at the bottom right.

Levels are bands of the exact optimal distance d*. Levels 1-4 pick a board uniformly from the breadth-first
table of every board within 13 moves of the goal; level 5 walks the blank randomly from the goal and keeps the
board when IDA* (Manhattan + linear conflict, the table as a perimeter) proves 14 <= d* <= 22. Move words name the
direction the *tile* moves (the benchmark convention). Answer mode (a move list verified by replay) and step mode
(Discrete(4): 0 up, 1 down, 2 left, 3 right). Spec: spec/tasks/SlidingPuzzle.md.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import numpy as np

from ...core import (
    FourWayStepMode,
    GenerationError,
    Instance,
    ParseError,
    RecordError,
    StepResult,
    Task,
    Verdict,
    find_ints,
    level_number,
    record_field,
)
from ...core.directions import MAX_MOVES, MOVE_INDEX, direction_action, ignored_note, parse_directions
from ...render import GridLayout, draw_coordinates, draw_text, font, new_canvas
from . import _sliding_solver as S

# level -> (lowest d*, highest d*)
BANDS: dict[int, tuple[int, int]] = {1: (3, 5), 2: (6, 8), 3: (9, 10), 4: (11, 13), 5: (14, 22)}
WALK = (14, 30)  # level 5: random blank walk lengths, inclusive
STEP_LIMITS = {1: 50, 2: 80, 3: 100, 4: 130, 5: 220}
MAX_WALKS = 2_000

MOVES = S.MOVES  # the core.directions order
SIDE_OF = {"up": "below", "down": "above", "left": "to the right of", "right": "to the left of"}
# NEXT[b][m]: where the blank goes when move m is made with the blank at b (-1: illegal)
NEXT = tuple(tuple(dict(S.NEIGHBOURS[b]).get(m, -1) for m in range(4)) for b in range(16))
_LETTER = re.compile(r"[^\W\d_]")

FORMAT_SENTENCE = "Your final answer format should be given like: up down up left right"

# colours
FRAME = (92, 64, 40)
TILE = (238, 206, 150)
TILE_EDGE = (150, 104, 52)
TILE_INK = (52, 34, 18)
HOLE = (34, 38, 48)
OUTSIDE = (248, 246, 240)


class SlidingPlay(NamedTuple):
    """Step-mode play state: the 16 cells row by row, 0 = empty."""

    cells: tuple[int, ...]


def _rc(p: int) -> str:
    return f"({p // 4 + 1}, {p % 4 + 1})"


def _board_text(cells) -> str:
    return "[" + ", ".join("[" + ", ".join(str(t) for t in cells[r * 4:r * 4 + 4]) + "]" for r in range(4)) + "]"


def _board_line(cells) -> str:
    return " / ".join(" ".join(str(t) if t else "_" for t in cells[r * 4:r * 4 + 4]) for r in range(4))


class SlidingPuzzle(FourWayStepMode, Task):
    name = "SlidingPuzzle"
    category = "games"
    benchmark_id = "slidingpuzzle"
    generator_key = "slidingpuzzle"
    score_function = "sliding_puzzle_evaluator"
    record_categories = ("sliding_puzzle", "15puzzle")
    version = "1"
    answer_format = "space-separated moves naming where a tile slides, e.g. up down up left right"
    step_mode = True

    # ----- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _cells(inst: Instance) -> tuple[int, ...]:
        return tuple(t for row in inst.state["board"] for t in row)

    def _search(self, inst: Instance) -> S.Search:
        cells = self._cells(inst)
        found = _SEARCH.get(cells)
        if found is None:
            found = S.solve(cells)
            _SEARCH[cells] = found
        return found

    # ----- generation ----------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int):
        level = level_number(level)
        lo, hi = BANDS[level]
        if hi <= S.TABLE_DEPTH:
            pool = S.band(lo, hi)
            key = pool[int(rng.integers(len(pool)))]
            cells = S.unpack(key)
            moves = S.table_path(key)
            _SEARCH[cells] = S.Search(moves, len(moves) + 1, [], True,
                                      S.manhattan(cells) + S.linear_conflict(cells))
        else:
            tab = S.table()
            for _ in range(MAX_WALKS):
                length = int(rng.integers(WALK[0], WALK[1] + 1))
                picks = rng.integers(0, 6, size=length)  # 6 is divisible by every option count (1, 2, 3)
                cells_l = list(S.GOAL_TUPLE)
                blank, back = 15, -1
                for u in picks:
                    opts = [q for _, q in S.NEIGHBOURS[blank] if q != back]
                    q = opts[int(u) % len(opts)]
                    cells_l[blank], cells_l[q] = cells_l[q], 0
                    back, blank = blank, q
                cells = tuple(cells_l)
                if S.pack(cells) in tab:  # d* <= 13
                    continue
                found = S.solve(cells, max_cost=hi)
                if found is not None and lo <= len(found.moves) <= hi:
                    _SEARCH[cells] = found
                    moves = found.moves
                    break
            else:  # pragma: no cover - about 60% of walks land in the band
                raise GenerationError(f"SlidingPuzzle level {level}: attempt budget exhausted")
        board = [list(cells[r * 4:r * 4 + 4]) for r in range(4)]
        return {"board": board}, [MOVES[m] for m in moves]

    # ----- solving -------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> list[str]:
        return [MOVES[m] for m in self._search(inst).moves]

    def format_answer(self, inst: Instance, solution) -> str:
        return " ".join(solution)

    def stats(self, inst: Instance) -> dict:
        found = self._search(inst)
        cells = self._cells(inst)
        return {"solution_length": len(found.moves), "search_nodes": found.nodes,
                "manhattan": S.manhattan(cells), "lower_bound": found.h0,
                "ida_iterations": len(found.bounds)}

    # ----- verification --------------------------------------------------------------------------
    def _parse(self, answer: str) -> tuple[list, bool, int]:
        """(moves, tile_mode, ignored words): words, or tile numbers when the answer has no letters."""
        if len(answer) > self.max_answer_chars:
            raise ParseError(f"answer too long ({len(answer)} characters)")
        if _LETTER.search(answer) is None:
            tiles = find_ints(answer, max_chars=self.max_answer_chars) if answer.strip() else []
            if not tiles:
                raise ParseError("no moves found")
            if len(tiles) > MAX_MOVES:
                raise ParseError(f"too many moves ({len(tiles)}; at most {MAX_MOVES})")
            return tiles, True, 0
        moves, ignored = parse_directions(answer, max_chars=self.max_answer_chars)
        return moves, False, ignored

    def check(self, inst: Instance, answer: str) -> Verdict:
        moves, tile_mode, ignored = self._parse(answer)
        cells = list(self._cells(inst))
        where = [0] * 16
        for p, t in enumerate(cells):
            where[t] = p
        blank = where[0]
        h0 = S.manhattan(cells)
        md = S.MD
        done: list[str] = []
        note = ignored_note(ignored)
        for step, move in enumerate(moves, 1):
            if tile_mode:
                tile = move
                if not 1 <= tile <= 15:
                    problem = f"there is no tile {tile} (tiles are 1-15)"
                    q = -1
                else:
                    q = where[tile]
                    problem = None if q in (NEXT[blank]) else (
                        f"tile {tile} at {_rc(q)} is not next to the empty space at {_rc(blank)}")
                label = f"tile {tile}"
            else:
                q = NEXT[blank][MOVE_INDEX[move]]
                problem = None if q >= 0 else f"there is no tile {SIDE_OF[move]} the empty space at {_rc(blank)}"
                label = move
            if problem is not None:
                h = sum(md[t][p] for p, t in enumerate(cells))
                return Verdict.fail(f"illegal move {step} ({label}): {problem}{note}", score=1 - h / h0,
                                    parsed=done if tile_mode else moves)
            t = cells[q]
            if tile_mode:
                done.append(MOVES[S.move_of(blank, q)])
            cells[blank], cells[q] = t, 0
            where[t], where[0] = blank, q
            blank = q
        h = sum(md[t][p] for p, t in enumerate(cells))
        parsed = done if tile_mode else moves
        plural = "s" if len(moves) != 1 else ""
        if h == 0:
            return Verdict.ok(parsed, f"correct: the board is solved after {len(moves)} move{plural}{note}")
        wrong = sum(1 for p, t in enumerate(cells) if t and t != p + 1)
        are = "tiles are" if wrong != 1 else "tile is"
        return Verdict.fail(f"not solved: after all {len(moves)} move{plural} {wrong} {are} out of place "
                            f"(board {_board_text(cells)}){note}", score=1 - h / h0, parsed=parsed)

    # ----- rendering -----------------------------------------------------------------------------
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        cells = play.cells if play is not None else self._cells(inst)
        img, draw = new_canvas(size, OUTSIDE)
        lay = GridLayout.fit(4, 4, size, margin=max(4, round(size * 0.025)), label_margin=round(size * 0.045))
        cell = lay.cell
        frame = max(2, round(cell * 0.06))
        x0, y0, x1, y1 = lay.bounds
        draw.rounded_rectangle((x0 - frame, y0 - frame, x1 + frame, y1 + frame), radius=frame * 2, fill=FRAME)
        draw_coordinates(draw, lay, base=1)
        inset = max(1, round(cell * 0.035))
        radius = max(2, round(cell * 0.1))
        edge = max(1, round(cell / 60))
        num_font = font(max(12, round(cell * 0.42)), bold=True)
        for p, t in enumerate(cells):
            r, c = divmod(p, 4)
            box = lay.box(r, c, inset)
            if t == 0:
                draw.rectangle(box, fill=HOLE)
                continue
            draw.rounded_rectangle(box, radius=radius, fill=TILE, outline=TILE_EDGE, width=edge)
            draw_text(draw, lay.center(r, c), str(t), num_font, fill=TILE_INK)
        return img

    # ----- prompts -------------------------------------------------------------------------------
    _RULES = (
        "### Game Rules:\n"
        "1. The puzzle is played on a 4x4 grid with 15 numbered tiles and one empty space\n"
        "2. You can only move tiles horizontally or vertically into the empty space (one tile per move)\n"
        "3. The goal is to arrange the tiles in numerical order with:\n"
        "   - First row: 1, 2, 3, 4\n"
        "   - Second row: 5, 6, 7, 8\n"
        "   - Third row: 9, 10, 11, 12\n"
        "   - Fourth row: 13, 14, 15, empty space\n"
    )
    _COORDS = (
        "### Coordinate System:\n"
        "- Columns are numbered 1, 2, 3, 4 from left to right\n"
        "- Rows are numbered 1, 2, 3, 4 from top to bottom\n"
        "- Each position is identified by its (row, column)\n"
    )
    _DIRECTIONS = (
        "Each move word names the direction in which a tile moves (the empty space moves the opposite way):\n"
        '"up" means the tile below the empty space moves up into the empty space\n'
        '"down" means the tile above the empty space moves down into the empty space\n'
        '"left" means the tile to the right of the empty space moves left into the empty space\n'
        '"right" means the tile to the left of the empty space moves right into the empty space\n'
    )

    def _state(self, cells, modality: str, current: bool = False) -> str:
        what = "current" if current else "initial"
        if modality == "text":
            return ("### Current Puzzle State:\n"
                    f"The {what} state {_board_text(cells)} lists the 4x4 grid row by row from top to bottom, each "
                    "row from left to right, where 0 represents the empty space and numbers 1-15 are the tiles.\n")
        return ("### Current Puzzle State:\n"
                f"The {what} state is shown in the image: numbered tiles on a 4x4 grid, the empty space drawn as a "
                "dark square, rows and columns labelled 1-4.\n")

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        return ("Your task is to solve the 15-puzzle game according to the rules and the current state "
                + ("below" if modality == "text" else "shown in the image") + ".\n\n"
                + self._RULES + "\n" + self._COORDS + "\n" + self._state(self._cells(inst), modality) + "\n"
                + "### Output Format Requirements:\n" + self._DIRECTIONS + "\n" + FORMAT_SENTENCE)

    # ----- trace ---------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        cells = list(self._cells(inst))
        found = self._search(inst)
        moves = found.moves
        md = S.manhattan(cells)
        lc = S.linear_conflict(cells)
        blank = cells.index(0)
        out = ["The board, row 1 at the top (_ = empty space):"]
        out += ["  " + " ".join(f"{t:>2}" if t else " _" for t in cells[r * 4:r * 4 + 4]) for r in range(4)]
        out.append(f"The empty space is at {_rc(blank)}; it must end at (4, 4).")
        misplaced = [f"{t} at {_rc(p)} (belongs at {_rc(t - 1)})" for p, t in enumerate(cells) if t and t != p + 1]
        out.append("Tiles out of place: " + "; ".join(misplaced) + ".")
        out.append(f"Lower bound: Manhattan distance {md} + linear conflict {lc} = {md + lc} moves (each move shifts "
                   "one tile by one cell; tiles in their goal line but in the wrong order must step aside).")
        d = len(moves)
        if found.in_table:
            out.append(f"A breadth-first search outward from the solved board (all boards within {S.TABLE_DEPTH} "
                       f"moves) reaches this board after exactly {d} moves, so {d} moves are optimal; following the "
                       "search tree back to the solved board gives the moves.")
        else:
            tries = ", ".join(str(b) for b in found.bounds[:-1])
            out.append(f"The board is not among the boards within {S.TABLE_DEPTH} moves of the goal (a breadth-first "
                       "search lists them all), so it needs at least 14 moves. I run IDA*: depth-first search under a "
                       "cost bound, pruning a branch when moves so far + lower bound exceed it (the lower bound is "
                       "Manhattan + linear conflict, at least 14 outside the table, and exact inside it).")
            if tries:
                out.append(f"Bounds {tries}: no solution. Bound {found.bounds[-1]}: a solution is found "
                           f"({found.nodes} nodes), so {d} moves are optimal.")
            else:
                out.append(f"The first bound {found.bounds[-1]} already gives a solution ({found.nodes} nodes), so "
                           f"{d} moves are optimal.")
        out.append("The plan (each word names the direction the tile slides into the empty space):")
        for i, m in enumerate(moves, 1):
            q = blank + S.BLANK_STEP[m]
            t = cells[q]
            cells[blank], cells[q] = t, 0
            home = " (home)" if t == blank + 1 else ""
            out.append(f"Move {i}: {MOVES[m]} - tile {t} slides from {_rc(q)} to {_rc(blank)}{home}. "
                       f"Board: {_board_line(cells)}")
            blank = q
        out.append(f"After {d} moves the board reads 1-15 with the empty space at (4, 4): solved.")
        out.append(f"Answer: {' '.join(MOVES[m] for m in moves)}")
        return "\n".join(out)

    # ----- reference records ---------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record.get("initial_state")
        if raw is None:
            raise RecordError("record has no initial_state")
        value = record_field(raw)
        if (not isinstance(value, (list, tuple)) or len(value) != 4
                or not all(isinstance(row, (list, tuple)) and len(row) == 4 for row in value)):
            raise RecordError("initial_state must be a 4x4 nested list")
        cells = [t for row in value for t in row]
        if not all(isinstance(t, int) and not isinstance(t, bool) for t in cells) or sorted(cells) != list(range(16)):
            raise RecordError("the board must hold each of 0..15 exactly once (0 = empty)")
        if not S.solvable(cells):
            raise RecordError("the board is not solvable (wrong permutation parity)")
        if tuple(cells) == S.GOAL_TUPLE:
            raise RecordError("the board is already solved")
        return {"board": [list(map(int, row)) for row in value]}

    def record_level_hint(self, record: dict, state: dict) -> int:
        code = S.table().get(S.pack([t for row in state["board"] for t in row]))
        if code is None:
            return 5
        d = code >> 2
        return next(lv for lv, (_, hi) in BANDS.items() if d <= hi)

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> list[str]:
        return list(verdict.parsed)

    # ----- step mode -----------------------------------------------------------------------------
    def play_init(self, inst: Instance) -> SlidingPlay:
        return SlidingPlay(self._cells(inst))

    def play_apply(self, inst: Instance, play: SlidingPlay, action) -> StepResult:
        action, why = direction_action(action)
        if action is None:
            return StepResult(play, False, why)
        blank = play.cells.index(0)
        q = NEXT[blank][action]
        move = MOVES[action]
        if q < 0:
            return StepResult(play, False, f"{move}: there is no tile {SIDE_OF[move]} the empty space at {_rc(blank)}")
        cells = list(play.cells)
        tile = cells[q]
        cells[blank], cells[q] = tile, 0
        return StepResult(SlidingPlay(tuple(cells)), True, "", {"tile": tile})

    def play_mask(self, inst: Instance, play: SlidingPlay) -> np.ndarray:
        blank = play.cells.index(0)
        return np.array([q >= 0 for q in NEXT[blank]], dtype=bool)

    def play_solved(self, inst: Instance, play: SlidingPlay) -> bool:
        return tuple(play.cells) == S.GOAL_TUPLE

    def play_prompt(self, inst: Instance, play: SlidingPlay, modality: str = "image") -> str:
        head = ("15-puzzle, played one move at a time. "
                + ("The image shows the current state.\n\n" if modality == "image"
                   else "The current state is below.\n\n"))
        return (head + self._RULES + "\n" + self._COORDS + "\n" + self._state(play.cells, modality, current=True)
                + "\n### Moves:\n" + self._DIRECTIONS + "\n"
                + "### Your move:\nChoose the next move: 0 = up, 1 = down, 2 = left, 3 = right (the direction the "
                "tile moves).")

    def step_limit(self, inst: Instance) -> int:
        return STEP_LIMITS[inst.level]


class _Bounded(dict):
    """A small dict cache that forgets its oldest quarter when full."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def __setitem__(self, key, value):
        if key not in self and len(self) >= self.limit:
            for old in list(self)[: self.limit // 4]:
                del self[old]
        super().__setitem__(key, value)


_SEARCH: dict[tuple[int, ...], S.Search] = _Bounded(4096)

TASK = SlidingPuzzle()
