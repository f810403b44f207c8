"""Sokoban (games): push every box onto a goal.

Generation by reverse play (pulls from the goals), certified by an exact move-optimal A* over push
states; the stored witness is the optimal move list. Answer mode (a move list) and step mode
(Discrete(4): 0 up, 1 down, 2 left, 3 right). Spec: spec/tasks/Sokoban.md.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ...core import (
    BoundedCache,
    FourWayStepMode,
    GenerationError,
    Instance,
    RecordError,
    StepResult,
    Task,
    Verdict,
    level_number,
    record_field,
)
from ...core.directions import MOVE_INDEX, direction_action, ignored_note, parse_directions, summarise_runs
from ...render import GridLayout, new_canvas
from ._sokoban_solver import (
    INF,
    LEVEL_PARAMS,
    MOVES,
    Board,
    Level,
    astar,
    generate_level,
    level_from_rows,
    pushes_to_moves,
    remember,
)

SOLVE_CAP = 300_000

FORMAT_SENTENCE = ("Your final answer should be in the format of a space-separated sequence of moves like: "
                   "up right down left")

# colours (flat, no texture): the legend in the prompt names them
WALL = (139, 90, 43)
WALL_EDGE = (96, 60, 26)
FLOOR = (236, 229, 212)
FLOOR_LINE = (204, 196, 176)
GOAL = (240, 196, 0)
BOX = (36, 92, 206)
BOX_EDGE = (16, 48, 128)
PLAYER = (214, 40, 40)
PLAYER_EDGE = (130, 16, 16)
OUTSIDE = (248, 246, 240)


class SokobanPlay(NamedTuple):
    """Step-mode play state: the player and the boxes as (row, col), boxes sorted."""

    player: tuple[int, int]
    boxes: tuple[tuple[int, int], ...]


def _rc_text(rc) -> str:
    return f"({rc[0]}, {rc[1]})"


class Sokoban(FourWayStepMode, Task):
    name = "Sokoban"
    category = "games"
    benchmark_id = "sokoban"
    generator_key = "sokoban"
    score_function = "sokoban_evaluator"
    version = "1"
    answer_format = "space-separated moves, e.g. up right down left"
    step_mode = True

    # ----- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _level(inst: Instance) -> Level:
        return level_from_rows(inst.state["rows"])

    # ----- generation ----------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int):
        level = level_number(level)
        found = generate_level(rng, level)
        if found is None:
            raise GenerationError(f"Sokoban level {level}: attempt budget exhausted")
        board, boxes, player, result = found
        rows = tuple(board.rows(boxes, player))
        remember(rows, Level(board, tuple(sorted(boxes)), player))
        moves = pushes_to_moves(board, boxes, player, result.pushes)
        _SEARCH[rows] = (result.expanded, result.generated, len(result.pushes), result.cost)
        return {"rows": list(rows)}, [MOVES[d] for d in moves]

    # ----- solving -------------------------------------------------------------------------------
    def _search(self, inst: Instance):
        lv = self._level(inst)
        result = astar(lv.board, lv.boxes, lv.player, max_states=SOLVE_CAP)
        if result.status != "solved":
            raise ValueError(f"Sokoban solver: no solution found ({result.status})")
        return lv, result

    def solve(self, inst: Instance) -> list[str]:
        lv, result = self._search(inst)
        return [MOVES[d] for d in pushes_to_moves(lv.board, lv.boxes, lv.player, result.pushes)]

    def format_answer(self, inst: Instance, solution) -> str:
        return " ".join(solution)

    def stats(self, inst: Instance) -> dict:
        rows = tuple(inst.state["rows"])
        if rows not in _SEARCH:
            _, result = self._search(inst)
            _SEARCH[rows] = (result.expanded, result.generated, len(result.pushes), result.cost)
        expanded, generated, pushes, cost = _SEARCH[rows]
        lv = self._level(inst)
        return {"search_nodes": expanded, "generated_nodes": generated, "solution_length": cost,
                "pushes": pushes, "boxes": len(lv.boxes), "floor_cells": len(lv.board.floor)}

    # ----- verification --------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        moves, ignored = parse_directions(answer, max_chars=self.max_answer_chars)
        lv = self._level(inst)
        board = lv.board
        wall, outside, offs, goals = board.wall, board.outside, board.offs, board.goalset
        boxes = set(lv.boxes)
        player = lv.player
        k = len(boxes)
        note = ignored_note(ignored)
        for step, move in enumerate(moves, 1):
            o = offs[MOVE_INDEX[move]]
            t = player + o
            problem = None
            if wall[t]:
                problem = ("the player would leave the grid" if outside[t]
                           else f"the player would walk into the wall at {_rc_text(board.rc(t))}")
            elif t in boxes:
                beyond = t + o
                if wall[beyond]:
                    problem = (f"the box at {_rc_text(board.rc(t))} would be pushed "
                               + ("out of the grid" if outside[beyond]
                                  else f"into the wall at {_rc_text(board.rc(beyond))}"))
                elif beyond in boxes:
                    problem = (f"the box at {_rc_text(board.rc(t))} is blocked by another box at "
                               f"{_rc_text(board.rc(beyond))}")
                else:
                    boxes.discard(t)
                    boxes.add(beyond)
            if problem is not None:
                on = sum(1 for b in boxes if b in goals)
                return Verdict.fail(f"illegal move {step} ({move}) from {_rc_text(board.rc(player))}: {problem}"
                                    f"{note}", score=on / k, parsed=moves)
            player = t
        off = sorted(b for b in boxes if b not in goals)
        if not off:
            what = "the box is on its goal" if k == 1 else f"all {k} boxes are on goals"
            return Verdict.ok(moves, f"correct: {what} after {len(moves)} move{'s' if len(moves) != 1 else ''}"
                                     f"{note}")
        where = ", ".join(_rc_text(board.rc(b)) for b in off)
        return Verdict.fail(f"not solved: after all {len(moves)} moves {k - len(off)} of {k} boxes are on goals; "
                            f"off goal: {where}{note}", score=(k - len(off)) / k, parsed=moves)

    # ----- rendering -----------------------------------------------------------------------------
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        lv = self._level(inst)
        board = lv.board
        if play is None:
            boxes, player = set(lv.boxes), lv.player
        else:
            boxes, player = {board.idx(*b) for b in play.boxes}, board.idx(*play.player)
        img, draw = new_canvas(size, OUTSIDE)
        lay = GridLayout.fit(board.H, board.W, size, margin=max(4, size // 40))
        cell = lay.cell
        line = max(1, round(cell / 36))
        x0, y0, x1, y1 = lay.bounds
        draw.rectangle((x0, y0, x1, y1), fill=WALL)
        goals = board.goalset
        ring_w = max(2, round(cell * 0.09))
        for r in range(board.H):
            for c in range(board.W):
                i = board.idx(r, c)
                box = lay.box(r, c)
                if board.wall[i]:
                    draw.rectangle(box, fill=WALL, outline=WALL_EDGE, width=line)
                    continue
                draw.rectangle(box, fill=FLOOR, outline=FLOOR_LINE, width=line)
                cx, cy = lay.center(r, c)
                on_goal = i in goals
                if on_goal:
                    rad = cell * 0.42
                    draw.ellipse((round(cx - rad), round(cy - rad), round(cx + rad), round(cy + rad)),
                                 outline=GOAL, width=ring_w)
                if i in boxes:
                    inset = cell * (0.29 if on_goal else 0.12)
                    draw.rectangle(lay.box(r, c, inset), fill=BOX, outline=BOX_EDGE, width=max(1, line + 1))
                    if on_goal:
                        dot = cell * 0.07
                        draw.ellipse((round(cx - dot), round(cy - dot), round(cx + dot), round(cy + dot)),
                                     fill=GOAL)
                elif i == player:
                    rad = cell * (0.25 if on_goal else 0.32)
                    draw.ellipse((round(cx - rad), round(cy - rad), round(cx + rad), round(cy + rad)),
                                 fill=PLAYER, outline=PLAYER_EDGE, width=max(1, line))
        draw.rectangle((x0, y0, x1, y1), outline=WALL_EDGE, width=max(1, line + 1))
        return img

    # ----- prompts -------------------------------------------------------------------------------
    _RULES = (
        "### Game Rules:\n"
        "1. You are the player and can move up, down, left, or right, one cell per move.\n"
        "2. Walking into a box pushes it one cell in the same direction; you can push only one box at a time.\n"
        "3. You cannot pull boxes.\n"
        "4. A box can only be pushed if the cell behind it is empty floor (not a wall and not another box).\n"
        "5. Walls cannot be moved through or pushed.\n"
        "6. The goal is to push every box onto a target position (there are as many targets as boxes).\n"
    )
    _DIRECTIONS = (
        "### Direction Definitions:\n"
        '- "up": move one cell toward the top{where}{up_note}\n'
        '- "down": move one cell toward the bottom{where}\n'
        '- "left": move one cell to the left\n'
        '- "right": move one cell to the right\n'
    )

    def _legend_image(self) -> str:
        return (
            "### In the image:\n"
            "1. Red circles represent the player\n"
            "2. Blue squares represent boxes\n"
            "3. Yellow circles (rings) represent target positions\n"
            "4. Brown blocks represent walls\n"
            "5. Light beige blocks represent empty floor\n"
            "6. A blue square inside a yellow ring is a box already on a target; a red circle inside a yellow "
            "ring is the player standing on a target\n"
        )

    def _legend_text(self) -> str:
        return (
            "### Map symbols:\n"
            "- # wall\n"
            "- (space) empty floor\n"
            "- . target position\n"
            "- $ box\n"
            "- @ player\n"
            "- * box on a target\n"
            "- + player on a target\n"
        )

    def _map_text(self, board: Board, boxes, player) -> str:
        rows = board.rows(boxes, player)
        return "\n".join(rows)

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        lv = self._level(inst)
        if modality == "text":
            board = lv.board
            return (
                "Your task is to solve the Sokoban puzzle according to the rules and the map below.\n\n"
                + self._RULES + "\n" + self._legend_text() + "\n"
                + self._DIRECTIONS.format(where=" of the map", up_note=" (toward row 0)") + "\n"
                + f"### Current Sokoban state ({board.H} rows x {board.W} columns, top row first):\n"
                + self._map_text(board, lv.boxes, lv.player) + "\n\n"
                + "### Output Format Requirements:\n" + FORMAT_SENTENCE
            )
        return (
            "Your task is to solve the Sokoban puzzle according to the rules and the current state shown in "
            "the image.\n\n"
            + self._RULES + "\n" + self._legend_image() + "\n"
            + self._DIRECTIONS.format(where=" of the picture", up_note="") + "\n"
            + "### Output Format Requirements:\n" + FORMAT_SENTENCE
        )

    # ----- trace ---------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        lv = self._level(inst)
        board = lv.board
        moves = list(self.solution(inst))
        rc = board.rc
        H, W = board.H, board.W
        inner_walls = [rc(i) for i in range(board.N) if board.wall[i] and not board.outside[i]
                       and 0 < rc(i)[0] < H - 1 and 0 < rc(i)[1] < W - 1]
        ring = all(board.wall[board.idx(r, c)] for r in range(H) for c in range(W)
                   if r in (0, H - 1) or c in (0, W - 1))
        goals = [rc(g) for g in board.goals]
        out = [
            f"The map has {H} rows and {W} columns; row 0 is the top row and column 0 the left column.",
            ("The outer ring is wall. " if ring else "")
            + (f"Inner walls: {', '.join(_rc_text(w) for w in inner_walls)}." if inner_walls else "No inner walls."),
            f"Targets: {', '.join(_rc_text(g) for g in goals)}.",
            f"Boxes: {', '.join(_rc_text(rc(b)) for b in lv.boxes)}.",
            f"Player: {_rc_text(rc(lv.player))}.",
            "",
            "Map:",
            *board.rows(lv.boxes, lv.player),
            "",
        ]
        dead = [rc(i) for i in board.floor if board.dead[i] and i not in board.goalset
                and not board.outside[i]]
        if dead:
            out.append("Dead cells (a box there can never reach a target by pushes, e.g. corners): "
                       + ", ".join(_rc_text(d) for d in dead) + ". I never push a box onto them.")
        for b in lv.boxes:
            dists = [(board.push_dist[j][b], rc(g)) for j, g in enumerate(board.goals)]
            parts = ", ".join(f"{_rc_text(g)} in {d} push{'es' if d != 1 else ''}" if d < INF
                              else f"{_rc_text(g)} never" for d, g in dists)
            out.append(f"Box {_rc_text(rc(b))} can reach target {parts} (pushes alone, other boxes ignored).")
        h0 = board.heuristic(lv.boxes)
        out.append(f"Best box-to-target assignment needs at least {h0} pushes, so at least {h0} moves.")
        work = self.stats(inst)
        if len(moves) != work["solution_length"]:  # an imported, non-optimal witness: narrate the optimum
            moves = self.solve(inst)
        out.append("I search push by push (A*: cost = walking steps + pushes so far, plus that lower bound), "
                   "always expanding the cheapest plan first, so the first plan that puts every box on a "
                   f"target uses the fewest moves. After examining {work['search_nodes']} push states, the best "
                   f"plan has {work['pushes']} pushes and {work['solution_length']} moves:")
        # replay the plan push by push
        boxes = set(lv.boxes)
        player = lv.player
        walk: list[str] = []
        push_no = 0
        for move in moves:
            o = board.offs[MOVE_INDEX[move]]
            t = player + o
            if t in boxes:
                push_no += 1
                start = player
                boxes.discard(t)
                boxes.add(t + o)
                dest = t + o
                if walk:
                    route = summarise_runs(walk)
                    head = (f"Push {push_no}: walk {route} ({len(walk)} step{'s' if len(walk) != 1 else ''}) "
                            f"to {_rc_text(rc(start))}, then push the box at {_rc_text(rc(t))} {move} to "
                            f"{_rc_text(rc(dest))}")
                else:
                    head = (f"Push {push_no}: from {_rc_text(rc(start))} push the box at {_rc_text(rc(t))} "
                            f"{move} to {_rc_text(rc(dest))}")
                if dest in board.goalset:
                    head += " (now on a target)"
                on = sum(1 for x in boxes if x in board.goalset)
                out.append(f"{head}. Boxes on targets: {on}/{len(boxes)}.")
                out.extend(board.rows(boxes, t))
                walk = []
            else:
                walk.append(move)
            player = t
        if walk:
            out.append(f"Finally walk {summarise_runs(walk)}.")
        out.append(f"All boxes are on targets after {len(moves)} moves ({push_no} pushes).")
        out.append(f"Answer: {' '.join(moves)}")
        return "\n".join(out)

    # ----- reference records ---------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record.get("initial_state")
        if raw is None:
            raise RecordError("record has no initial_state")
        value = record_field(raw)
        if isinstance(value, str):
            lines = value.replace("\r\n", "\n").split("\n")
        elif isinstance(value, (list, tuple)) and all(isinstance(x, str) for x in value):
            lines = list(value)
        else:
            raise RecordError(f"initial_state must be map text, got {type(value).__name__}")
        while lines and not lines[0].strip():
            lines.pop(0)
        while lines and not lines[-1].strip():
            lines.pop()
        if not lines:
            raise RecordError("initial_state is empty")
        if len(lines) > 60 or max(len(x) for x in lines) > 60:
            raise RecordError("map larger than 60 x 60")
        try:
            parsed = level_from_rows(lines)
        except ValueError as err:
            raise RecordError(str(err)) from None
        if set(parsed.boxes) == parsed.board.goalset:
            raise RecordError("the map is already solved (every box is on a goal)")
        rows = tuple(parsed.board.rows(parsed.boxes, parsed.player))
        remember(rows, parsed)
        return {"rows": list(rows)}

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> list[str]:
        return list(verdict.parsed)

    # ----- step mode -----------------------------------------------------------------------------
    def play_init(self, inst: Instance) -> SokobanPlay:
        lv = self._level(inst)
        rc = lv.board.rc
        return SokobanPlay(rc(lv.player), tuple(sorted(rc(b) for b in lv.boxes)))

    def _try(self, inst: Instance, play: SokobanPlay, action: int):
        """(new play or None, reason, pushed)."""
        lv = self._level(inst)
        board = lv.board
        o = board.offs[action]
        player = board.idx(*play.player)
        boxes = {board.idx(*b) for b in play.boxes}
        t = player + o
        move = MOVES[action]
        if board.wall[t]:
            return None, (f"{move}: the player would leave the grid" if board.outside[t]
                          else f"{move}: wall at {_rc_text(board.rc(t))}"), False
        if t in boxes:
            beyond = t + o
            if board.wall[beyond]:
                return None, f"{move}: the box at {_rc_text(board.rc(t))} is blocked by a wall", True
            if beyond in boxes:
                return None, f"{move}: the box at {_rc_text(board.rc(t))} is blocked by another box", True
            boxes.discard(t)
            boxes.add(beyond)
            new = SokobanPlay(board.rc(t), tuple(sorted(board.rc(b) for b in boxes)))
            return new, "", True
        return SokobanPlay(board.rc(t), play.boxes), "", False

    def play_apply(self, inst: Instance, play: SokobanPlay, action) -> StepResult:
        action, why = direction_action(action)
        if action is None:
            return StepResult(play, False, why)
        new, reason, pushed = self._try(inst, play, action)
        if new is None:
            return StepResult(play, False, reason, {"pushed": False, "deadlock": self._deadlock(inst, play)})
        return StepResult(new, True, "", {"pushed": pushed, "deadlock": self._deadlock(inst, new)})

    def _deadlock(self, inst: Instance, play: SokobanPlay) -> bool:
        """Sound test only: some box off goal stands on a dead cell (no goal reachable by pushes)."""
        board = self._level(inst).board
        return any(board.dead[board.idx(*b)] and board.idx(*b) not in board.goalset for b in play.boxes)

    def play_mask(self, inst: Instance, play: SokobanPlay) -> np.ndarray:
        return np.array([self._try(inst, play, a)[0] is not None for a in range(4)], dtype=bool)

    def play_solved(self, inst: Instance, play: SokobanPlay) -> bool:
        lv = self._level(inst)
        goals = lv.board.goalset
        return all(lv.board.idx(*b) in goals for b in play.boxes)

    def play_prompt(self, inst: Instance, play: SokobanPlay, modality: str = "image") -> str:
        lv = self._level(inst)
        board = lv.board
        head = ("Sokoban, played one move at a time. "
                + ("The image shows the current state.\n\n" if modality == "image"
                   else "The current map is below.\n\n"))
        body = self._RULES + "\n"
        if modality == "text":
            boxes = [board.idx(*b) for b in play.boxes]
            body += (self._legend_text() + "\n"
                     + self._DIRECTIONS.format(where=" of the map", up_note=" (toward row 0)") + "\n"
                     + f"### Current state ({board.H} rows x {board.W} columns, top row first):\n"
                     + self._map_text(board, boxes, board.idx(*play.player)) + "\n\n")
        else:
            body += self._legend_image() + "\n" + self._DIRECTIONS.format(where=" of the picture", up_note="") + "\n"
        return head + body + "### Your move:\nChoose the next move: 0 = up, 1 = down, 2 = left, 3 = right."

    def step_limit(self, inst: Instance) -> int:
        return 4 * LEVEL_PARAMS[inst.level].max_moves


_SEARCH: dict[tuple, tuple[int, int, int, int]] = BoundedCache(1024)

TASK = Sokoban()
