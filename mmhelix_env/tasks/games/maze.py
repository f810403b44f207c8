"""Maze (games): walk from the start cell to the end cell without crossing walls.

Perfect mazes (a spanning tree of the cell grid) carved by a randomized iterative depth-first
backtracker; the end is a cell at maximum BFS distance from the start, so the unique simple path is
also the longest shortest path. Answer mode (a move list, replayed with walls enforced) and step mode
(Discrete(4): 0 up, 1 down, 2 left, 3 right). Spec: spec/tasks/Maze.md.
"""

from __future__ import annotations

from collections import deque
from typing import Any, NamedTuple

import numpy as np

from ...core import FourWayStepMode, Instance, RecordError, StepResult, Task, Verdict, level_number, record_field
from ...core.directions import (
    DELTAS,
    MOVE_INDEX,
    MOVES,
    direction_action,
    ignored_note,
    parse_directions,
    summarise_runs,
)
from ...render import GridLayout, new_canvas

LEVEL_SIZE = {1: 3, 2: 5, 3: 7, 4: 9, 5: 11}
MAX_IMPORT_SIZE = 40

FORMAT_SENTENCE = "Your final answer should be in the format like: right down left up"

CELL = (244, 241, 232)
CELL_LINE = (222, 218, 206)
WALL = (20, 20, 20)
START = (34, 160, 60)
START_EDGE = (16, 100, 34)
END = (214, 36, 36)
PLAYER = (40, 100, 220)
PLAYER_EDGE = (20, 56, 140)
TRAIL = (150, 186, 240)
BACKGROUND = (255, 255, 255)


class MazePlay(NamedTuple):
    """Step-mode play state: the current cell and the cells visited so far (start first)."""

    pos: tuple[int, int]
    trail: tuple[tuple[int, int], ...]


def _rc(cell) -> str:
    return f"({cell[0]}, {cell[1]})"


class Grid:
    """Wall lookups for an n×n maze state."""

    __slots__ = ("n", "h", "v", "start", "end")

    def __init__(self, state):
        self.n = int(state["n"])
        self.h = state["h_walls"]  # h[r][c]: wall between (r, c) and (r+1, c)
        self.v = state["v_walls"]  # v[r][c]: wall between (r, c) and (r, c+1)
        self.start = (int(state["start"][0]), int(state["start"][1]))
        self.end = (int(state["end"][0]), int(state["end"][1]))

    def blocked(self, cell: tuple[int, int], d: int) -> str | None:
        """Why moving ``d`` from ``cell`` is illegal, or None."""
        r, c = cell
        n = self.n
        if d == 0:
            if r == 0:
                return "the outer wall (top edge)"
            return "a wall" if self.h[r - 1][c] else None
        if d == 1:
            if r == n - 1:
                return "the outer wall (bottom edge)"
            return "a wall" if self.h[r][c] else None
        if d == 2:
            if c == 0:
                return "the outer wall (left edge)"
            return "a wall" if self.v[r][c - 1] else None
        if c == n - 1:
            return "the outer wall (right edge)"
        return "a wall" if self.v[r][c] else None

    def open_dirs(self, cell: tuple[int, int]) -> list[int]:
        return [d for d in range(4) if self.blocked(cell, d) is None]

    def step(self, cell: tuple[int, int], d: int) -> tuple[int, int]:
        return cell[0] + DELTAS[d][0], cell[1] + DELTAS[d][1]

    def bfs(self, source: tuple[int, int]) -> dict[tuple[int, int], tuple[int, tuple[int, int] | None, int]]:
        """cell -> (distance, parent, direction taken from the parent)."""
        seen: dict = {source: (0, None, -1)}
        queue = deque([source])
        while queue:
            cell = queue.popleft()
            dist = seen[cell][0]
            for d in self.open_dirs(cell):
                nxt = self.step(cell, d)
                if nxt not in seen:
                    seen[nxt] = (dist + 1, cell, d)
                    queue.append(nxt)
        return seen

    def path(self, source, target) -> list[int] | None:
        tree = self.bfs(source)
        if target not in tree:
            return None
        dirs = []
        cell = target
        while cell != source:
            _, parent, d = tree[cell]
            dirs.append(d)
            cell = parent
        return dirs[::-1]

    def text_rows(self, pos: tuple[int, int] | None = None) -> list[str]:
        """The reference text maze: cell (r, c) at line 2r+1, column 2c+1."""
        n = self.n
        rows = []
        for r in range(n):
            top = ["+"]
            for c in range(n):
                top.append("-" if r == 0 or self.h[r - 1][c] else " ")
                top.append("+")
            rows.append("".join(top))
            mid = ["|"]
            for c in range(n):
                cell = (r, c)
                ch = "S" if cell == self.start else "E" if cell == self.end else "0"
                if pos is not None and cell == pos and cell != self.end:
                    ch = "P"
                mid.append(ch)
                mid.append("|" if c == n - 1 or self.v[r][c] else " ")
            rows.append("".join(mid))
        rows.append("+" + "-+" * n)
        return rows


def carve(rng: np.random.Generator, n: int) -> tuple[list[list[int]], list[list[int]]]:
    """A perfect maze by the randomized iterative depth-first backtracker."""
    h = [[1] * n for _ in range(n - 1)]
    v = [[1] * (n - 1) for _ in range(n)]
    first = int(rng.integers(n * n))
    start = (first // n, first % n)
    visited = {start}
    stack = [start]
    while stack:
        r, c = stack[-1]
        options = [d for d, (dr, dc) in enumerate(DELTAS)
                   if 0 <= r + dr < n and 0 <= c + dc < n and (r + dr, c + dc) not in visited]
        if not options:
            stack.pop()
            continue
        d = options[int(rng.integers(len(options)))]
        nr, nc = r + DELTAS[d][0], c + DELTAS[d][1]
        if d == 0:
            h[nr][c] = 0
        elif d == 1:
            h[r][c] = 0
        elif d == 2:
            v[r][nc] = 0
        else:
            v[r][c] = 0
        visited.add((nr, nc))
        stack.append((nr, nc))
    return h, v


class Maze(FourWayStepMode, Task):
    name = "Maze"
    category = "games"
    benchmark_id = "maze"
    generator_key = "maze"
    score_function = "maze_evaluator"
    version = "1"
    answer_format = "space-separated moves, e.g. right down left up"
    max_answer_chars = 200_000
    step_mode = True

    # ----- generation ----------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int):
        n = LEVEL_SIZE[level_number(level)]
        h, v = carve(rng, n)
        s = int(rng.integers(n * n))
        start = (s // n, s % n)
        state = {"n": n, "start": list(start), "end": list(start), "h_walls": h, "v_walls": v}
        tree = Grid(state).bfs(start)
        far = max(d for d, _, _ in tree.values())
        ends = sorted(cell for cell, (d, _, _) in tree.items() if d == far)
        end = ends[int(rng.integers(len(ends)))]
        state["end"] = list(end)
        return state, [MOVES[d] for d in Grid(state).path(start, end)]

    # ----- solving -------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> list[str]:
        g = Grid(inst.state)
        dirs = g.path(g.start, g.end)
        if dirs is None:
            raise ValueError("the end cell is not reachable from the start")
        return [MOVES[d] for d in dirs]

    def format_answer(self, inst: Instance, solution) -> str:
        return " ".join(solution)

    def stats(self, inst: Instance) -> dict:
        g = Grid(inst.state)
        tree = g.bfs(g.start)
        dist = tree[g.end][0]
        expanded = sum(1 for d, _, _ in tree.values() if d < dist) + 1
        dead_ends = sum(1 for r in range(g.n) for c in range(g.n)
                        if len(g.open_dirs((r, c))) == 1 and (r, c) not in (g.start, g.end))
        return {"solution_length": dist, "search_nodes": expanded, "cells": g.n * g.n, "dead_ends": dead_ends}

    # ----- verification --------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        moves, ignored = parse_directions(answer, max_chars=self.max_answer_chars)
        g = Grid(inst.state)
        note = ignored_note(ignored)
        tree = g.bfs(g.end)
        total = tree[g.start][0]

        def partial(cell) -> float:
            return max(0.0, 1.0 - tree[cell][0] / total) if total else 0.0

        pos = g.start
        for i, move in enumerate(moves, 1):
            d = MOVE_INDEX[move]
            why = g.blocked(pos, d)
            if why is not None:
                return Verdict.fail(f"illegal move {i} ({move}) from {_rc(pos)}: blocked by {why}{note}",
                                    score=partial(pos), parsed=moves)
            pos = g.step(pos, d)
        if pos == g.end:
            return Verdict.ok(moves, f"correct: reaches the end {_rc(g.end)} in {len(moves)} "
                                     f"move{'s' if len(moves) != 1 else ''}{note}")
        return Verdict.fail(f"not solved: after all {len(moves)} moves the walker is at {_rc(pos)}, "
                            f"{tree[pos][0]} moves away from the end {_rc(g.end)}{note}",
                            score=partial(pos), parsed=moves)

    # ----- rendering -----------------------------------------------------------------------------
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        g = Grid(inst.state)
        n = g.n
        img, draw = new_canvas(size, BACKGROUND)
        lay = GridLayout.fit(n, n, size, margin=max(8, size // 28))
        cell = lay.cell
        x0, y0, x1, y1 = lay.bounds
        draw.rectangle((x0, y0, x1, y1), fill=CELL)
        thin = max(1, round(size / 512))
        for r in range(n):
            for c in range(n):
                draw.rectangle(lay.box(r, c), outline=CELL_LINE, width=thin)
        if play is not None:
            for r, c in play.trail:
                draw.rectangle(lay.box(r, c, cell * 0.3), fill=TRAIL)
        wall = max(4, round(cell * 0.1))
        half = wall // 2
        for r in range(n - 1):
            for c in range(n):
                if g.h[r][c]:
                    x, y, _, _ = lay.box(r + 1, c)
                    draw.rectangle((x - half, y - half, x + round(cell) + half, y + half), fill=WALL)
        for r in range(n):
            for c in range(n - 1):
                if g.v[r][c]:
                    x, y, _, _ = lay.box(r, c + 1)
                    draw.rectangle((x - half, y - half, x + half, y + round(cell) + half), fill=WALL)
        draw.rectangle((x0 - half, y0 - half, x1 + half, y1 + half), outline=WALL, width=wall)
        sx, sy = lay.center(*g.start)
        rad = cell * 0.3
        draw.ellipse((round(sx - rad), round(sy - rad), round(sx + rad), round(sy + rad)), fill=START,
                     outline=START_EDGE, width=max(1, round(cell / 30)))
        ex, ey = lay.center(*g.end)
        arm = cell * 0.3
        cross = max(3, round(cell * 0.12))
        draw.line((round(ex - arm), round(ey - arm), round(ex + arm), round(ey + arm)), fill=END, width=cross)
        draw.line((round(ex - arm), round(ey + arm), round(ex + arm), round(ey - arm)), fill=END, width=cross)
        if play is not None:
            px, py = lay.center(*play.pos)
            dot = cell * 0.2
            draw.ellipse((round(px - dot), round(py - dot), round(px + dot), round(py + dot)), fill=PLAYER,
                         outline=PLAYER_EDGE, width=max(1, round(cell / 40)))
        return img

    # ----- prompts -------------------------------------------------------------------------------
    _RULES = (
        "### Game Rules:\n"
        "1. The maze is a grid of square cells.\n"
        "2. Walls are {walls}, not cells themselves.\n"
        "3. A move goes to the horizontally or vertically adjacent cell, and only when no wall lies between "
        "the two cells; each move advances exactly one cell.\n"
        "4. {goal}\n"
        "5. The move list is replayed from the start: it must never cross a wall or leave the maze, and it "
        "must end on the end cell.\n"
    )

    @staticmethod
    def _directions(where: str) -> str:
        extra = (" (row - 1, toward line 0)", " (row + 1)", " (column - 1)", " (column + 1)") if where == "maze" \
            else ("", "", "", "")
        return ("### Direction Definitions:\n"
                f'- "up": one cell toward the top of the {where}{extra[0]}\n'
                f'- "down": one cell toward the bottom of the {where}{extra[1]}\n'
                f'- "left": one cell to the left{extra[2]}\n'
                f'- "right": one cell to the right{extra[3]}\n')

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        g = Grid(inst.state)
        if modality == "text":
            return (
                "Your task is to solve the maze game according to the rules and the maze below.\n\n"
                + self._RULES.format(walls="the '+', '-' and '|' characters between cells",
                                     goal="Go from the start S to the end E.")
                + "\n### Maze symbols:\n"
                "- + corner\n- - horizontal wall\n- | vertical wall\n- (space) no wall\n"
                "- 0 open cell\n- S start cell\n- E end cell\n"
                "Cell (r, c) (0-based, row 0 at the top) is the character at line 2r+1, column 2c+1 "
                "(both counted from 0).\n\n"
                + self._directions("maze") + "\n"
                + f"### Maze ({g.n} x {g.n} cells):\n" + "\n".join(g.text_rows()) + "\n\n"
                + "### Example:\nIn the 2x2 maze\n+-+-+\n|S 0|\n+-+ +\n|E 0|\n+-+-+\n"
                "the answer is: right down left\n\n"
                + "### Output Format Requirements:\n" + FORMAT_SENTENCE
            )
        return (
            "Your task is to solve the maze game according to the rules and the maze shown in the image.\n\n"
            + self._RULES.format(walls="the thick black lines between cells, including the outer border",
                                 goal="Go from the green circle (start) to the red cross (end).")
            + "\n" + self._directions("picture") + "\n"
            + "### Output Format Requirements:\n" + FORMAT_SENTENCE
        )

    # ----- trace ---------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        g = Grid(inst.state)
        out = [f"The maze has {g.n} x {g.n} cells; row 0 is the top row and column 0 the left column.",
               f"Start: {_rc(g.start)}. End: {_rc(g.end)}.",
               "I explore depth-first from the start, trying open directions in the order that heads toward "
               "the end first; a branch that ends in a dead end is abandoned and I back up to the last junction."]
        goal = g.end
        explored: list[str] = []
        visited = {g.start}
        path = [g.start]
        dirs: list[int] = []
        untried = [self._ordered(g, g.start, None, goal)]
        while path[-1] != goal:
            options = [d for d in untried[-1] if g.step(path[-1], d) not in visited]
            untried[-1] = options
            if not options:  # dead end: back up to the last cell with an untried way
                dead = path[-1]
                back = 0
                while len(path) > 1 and not [d for d in untried[-1] if g.step(path[-1], d) not in visited]:
                    untried.pop()
                    path.pop()
                    dirs.pop()
                    back += 1
                explored.append(f"Dead end at {_rc(dead)}; back up {back} cell{'s' if back != 1 else ''} "
                                f"to {_rc(path[-1])}.")
                if back == 0:
                    raise ValueError("the end cell is not reachable from the start")
                continue
            d = options.pop(0)
            if options or len(path) == 1:
                ways = ", ".join(MOVES[x] for x in [d, *options])
                explored.append(f"At {_rc(path[-1])} the unexplored ways are {ways}; go {MOVES[d]}.")
            nxt = g.step(path[-1], d)
            visited.add(nxt)
            path.append(nxt)
            dirs.append(d)
            untried.append(self._ordered(g, nxt, d, goal))
        out.extend(explored)
        moves = [MOVES[d] for d in dirs]
        out.append(f"Reached the end {_rc(goal)}. The route is {len(moves)} moves: {summarise_runs(moves)}.")
        out.append("Cells on the route: " + " -> ".join(_rc(c) for c in path) + ".")
        out.append(f"Answer: {' '.join(moves)}")
        return "\n".join(out)

    @staticmethod
    def _ordered(g: Grid, cell, came: int | None, goal) -> list[int]:
        back = {0: 1, 1: 0, 2: 3, 3: 2}.get(came) if came is not None else None
        opts = [d for d in g.open_dirs(cell) if d != back]
        return sorted(opts, key=lambda d: (abs(g.step(cell, d)[0] - goal[0]) + abs(g.step(cell, d)[1] - goal[1]), d))

    # ----- reference records ---------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record.get("initial_state")
        if raw is None:
            raise RecordError("record has no initial_state")
        value = record_field(raw)
        if not isinstance(value, str):
            raise RecordError(f"initial_state must be the text maze, got {type(value).__name__}")
        lines = [line.rstrip("\r") for line in value.split("\n")]
        while lines and not lines[0].strip():
            lines.pop(0)
        while lines and not lines[-1].strip():
            lines.pop()
        size = len(lines)
        if size < 3 or size % 2 == 0 or any(len(line) != size for line in lines):
            raise RecordError("the text maze must be square with 2n+1 lines of 2n+1 characters")
        n = (size - 1) // 2
        if n > MAX_IMPORT_SIZE:
            raise RecordError(f"maze larger than {MAX_IMPORT_SIZE} x {MAX_IMPORT_SIZE}")
        found = {"S": [], "E": []}
        for r in range(n):
            for c in range(n):
                ch = lines[2 * r + 1][2 * c + 1]
                if ch in found:
                    found[ch].append((r, c))
                elif ch != "0":
                    raise RecordError(f"cell ({r}, {c}) holds {ch!r}; expected 0, S or E")
        for ch, cells in found.items():
            if len(cells) != 1:
                raise RecordError(f"{ch} must appear exactly once, found {len(cells)}")
        h = [[int(lines[2 * r + 2][2 * c + 1] == "-") for c in range(n)] for r in range(n - 1)]
        v = [[int(lines[2 * r + 1][2 * c + 2] == "|") for c in range(n - 1)] for r in range(n)]
        state = {"n": n, "start": list(found["S"][0]), "end": list(found["E"][0]), "h_walls": h, "v_walls": v}
        if Grid(state).path(found["S"][0], found["E"][0]) is None:
            raise RecordError("the end E is not reachable from the start S")
        return state

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        return next((lv for lv, n in LEVEL_SIZE.items() if n == state["n"]), None)

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> list[str]:
        return list(verdict.parsed)

    # ----- step mode -----------------------------------------------------------------------------
    def play_init(self, inst: Instance) -> MazePlay:
        start = Grid(inst.state).start
        return MazePlay(start, (start,))

    def play_apply(self, inst: Instance, play: MazePlay, action) -> StepResult:
        action, why = direction_action(action)
        if action is None:
            return StepResult(play, False, why)
        g = Grid(inst.state)
        why = g.blocked(play.pos, action)
        if why is not None:
            return StepResult(play, False, f"{MOVES[action]} from {_rc(play.pos)} is blocked by {why}")
        nxt = g.step(play.pos, action)
        trail = play.trail if nxt in play.trail else play.trail + (nxt,)
        return StepResult(MazePlay(nxt, trail), True)

    def play_mask(self, inst: Instance, play: MazePlay) -> np.ndarray:
        g = Grid(inst.state)
        return np.array([g.blocked(play.pos, d) is None for d in range(4)], dtype=bool)

    def play_solved(self, inst: Instance, play: MazePlay) -> bool:
        return play.pos == Grid(inst.state).end

    def play_prompt(self, inst: Instance, play: MazePlay, modality: str = "image") -> str:
        g = Grid(inst.state)
        head = "Maze, played one move at a time. "
        if modality == "text":
            body = ("The maze is below; P marks your current cell.\n\n"
                    + self._RULES.format(walls="the '+', '-' and '|' characters between cells",
                                         goal="Go from the start S to the end E.")
                    + "\n" + self._directions("maze") + "\n"
                    + f"You are at {_rc(play.pos)}.\n" + "\n".join(g.text_rows(play.pos)) + "\n\n")
        else:
            body = ("The image shows the maze; the blue dot is your current cell and the light blue squares "
                    "mark cells you have visited.\n\n"
                    + self._RULES.format(walls="the thick black lines between cells, including the outer border",
                                         goal="Go from the green circle (start) to the red cross (end).")
                    + "\n" + self._directions("picture") + "\n")
        return head + body + "### Your move:\nChoose the next move: 0 = up, 1 = down, 2 = left, 3 = right."

    def step_limit(self, inst: Instance) -> int:
        return 4 * Grid(inst.state).n ** 2


TASK = Maze()
