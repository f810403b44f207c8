"""Nibbles (games): steer a snake to eat every apple without hitting a wall or itself.

Turn-based snake (nothing moves without a move; a move opposite to the heading is illegal; entering
any occupied cell, the current tail cell included, is a collision). The exact solver is A* over
(body, remaining apples) with an admissible heuristic: the shortest Manhattan tour from the head
through the remaining apples. Answer mode (a move list, replayed by the rules) and step mode
(Discrete(4), collisions lose). Spec: spec/tasks/Nibbles.md.
"""

from __future__ import annotations

import heapq
import itertools
import re
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
from ...core.directions import (
    DELTAS,
    MOVE_INDEX,
    MOVES,
    OPPOSITE,
    direction_action,
    ignored_note,
    parse_directions,
    summarise_runs,
)
from ...render import GridLayout, font, new_canvas


class LevelParams(NamedTuple):
    size: int
    apples: int
    min_optimal: int


LEVEL_PARAMS = {
    1: LevelParams(6, 1, 3),
    2: LevelParams(7, 2, 5),
    3: LevelParams(8, 3, 8),
    4: LevelParams(9, 4, 11),
    5: LevelParams(10, 5, 14),
}
GEN_SEARCH_CAP = 20_000  # A* expansions per draw; drawn boards need a few hundred at most
SOLVE_CAP = 400_000
MAX_ATTEMPTS = 200

FORMAT_SENTENCES = ("Your answer should be a sequence of directional moves separated by spaces.\n"
                    "Valid moves are: up, down, left, right")

BOARD_A = (240, 244, 232)
BOARD_B = (226, 234, 214)
BOARD_LINE = (200, 210, 190)
HEAD = (18, 96, 40)
BODY_NEAR = (44, 150, 70)
BODY_FAR = (160, 214, 150)
EYE = (255, 255, 255)
PUPIL = (10, 10, 10)
SNOUT = (230, 60, 60)
APPLE = (214, 30, 30)
APPLE_EDGE = (140, 14, 14)
LEAF = (60, 150, 40)
INDEX_INK = (110, 110, 110)


class NibblesPlay(NamedTuple):
    """Step-mode play state: the body (head first), the apples still on the board, the crash (or '')."""

    body: tuple[tuple[int, int], ...]
    apples: tuple[tuple[int, int], ...]
    crash: str = ""


def _rc(cell) -> str:
    return f"({cell[0]}, {cell[1]})"


def heading_of(body) -> int:
    (hr, hc), (nr, nc) = body[0], body[1]
    return DELTAS.index((hr - nr, hc - nc))


def advance(rows: int, cols: int, body, apples, d: int):
    """Apply move ``d``: (new body, new apples, problem). ``problem`` is '' or why the move is illegal
    ('reverse') or a collision ('wall ...' / 'self ...'); the body is unchanged on a problem."""
    if d == OPPOSITE[heading_of(body)]:
        return body, apples, f"reverse: {MOVES[d]} is opposite to the current heading {MOVES[heading_of(body)]}"
    r, c = body[0][0] + DELTAS[d][0], body[0][1] + DELTAS[d][1]
    if not (0 <= r < rows and 0 <= c < cols):
        return body, apples, f"wall: the head would leave the grid at {_rc((r, c))}"
    if (r, c) in body:
        part = "its tail" if (r, c) == body[-1] else "its own body"
        return body, apples, f"self: the head would enter {_rc((r, c))}, occupied by {part}"
    if (r, c) in apples:
        return ((r, c), *body), tuple(a for a in apples if a != (r, c)), ""
    return ((r, c), *body[:-1]), apples, ""


def _tour_table(apples: list[tuple[int, int]]) -> list[list[int]]:
    """P[mask][f]: shortest Manhattan path that starts at apple f and visits every apple in mask."""
    k = len(apples)
    inf = 1 << 30
    P = [[inf] * k for _ in range(1 << k)]
    for f in range(k):
        P[1 << f][f] = 0
    dist = [[abs(a[0] - b[0]) + abs(a[1] - b[1]) for b in apples] for a in apples]
    for mask in range(1, 1 << k):
        for f in range(k):
            if not mask >> f & 1 or mask == 1 << f:
                continue
            rest = mask & ~(1 << f)
            P[mask][f] = min(dist[f][g] + P[rest][g] for g in range(k) if rest >> g & 1)
    return P


class SearchResult(NamedTuple):
    moves: list[int] | None
    expanded: int
    lower_bound: int
    status: str  # "solved" | "unsolvable" | "capped"


def astar(rows: int, cols: int, body, apples, cap: int = SOLVE_CAP) -> SearchResult:
    """Minimum-length plan eating every apple (A* with a consistent Manhattan-tour heuristic)."""
    apples = sorted(tuple(a) for a in apples)
    k = len(apples)
    index = {a: i for i, a in enumerate(apples)}
    P = _tour_table(apples)

    def h(head, mask: int) -> int:
        if not mask:
            return 0
        return min(abs(head[0] - a[0]) + abs(head[1] - a[1]) + P[mask][i]
                   for i, a in enumerate(apples) if mask >> i & 1)

    start = (tuple(tuple(x) for x in body), (1 << k) - 1)
    h0 = h(start[0][0], start[1])
    best = {start: 0}
    parent: dict = {start: None}
    counter = itertools.count()
    heap = [(h0, 0, next(counter), start)]
    expanded = 0
    while heap:
        f, neg_g, _, state = heapq.heappop(heap)
        g = -neg_g
        if best.get(state, 1 << 30) < g:
            continue
        snake, mask = state
        if mask == 0:
            moves = []
            while parent[state] is not None:
                state, d = parent[state]
                moves.append(d)
            return SearchResult(moves[::-1], expanded, h0, "solved")
        expanded += 1
        if expanded > cap:
            return SearchResult(None, expanded, h0, "capped")
        back = OPPOSITE[heading_of(snake)]
        hr, hc = snake[0]
        for d in range(4):
            if d == back:
                continue
            r, c = hr + DELTAS[d][0], hc + DELTAS[d][1]
            if not (0 <= r < rows and 0 <= c < cols) or (r, c) in snake:
                continue
            bit = 1 << index[(r, c)] if (r, c) in index else 0
            if bit & mask:
                nxt = (((r, c), *snake), mask & ~bit)
            else:
                nxt = (((r, c), *snake[:-1]), mask)
            ng = g + 1
            if ng < best.get(nxt, 1 << 30):
                best[nxt] = ng
                parent[nxt] = (state, d)
                heapq.heappush(heap, (ng + h((r, c), nxt[1]), -ng, next(counter), nxt))
    return SearchResult(None, expanded, h0, "unsolvable")


def _cells(value) -> list[tuple[int, int]]:
    return [(int(r), int(c)) for r, c in value]


def state_lines(rows: int, cols: int, body, direction: str, apples) -> list[str]:
    """The reference five-line state (no spaces inside pairs)."""
    k = len(apples)
    return [f"Grid: {rows}x{cols}",
            "Snake: " + " ".join(f"({r},{c})" for r, c in body),
            f"Direction: {direction}",
            "Apples: " + " ".join(f"({r},{c})" for r, c in apples),
            f"Goal: Eat {k} apple{'s' if k != 1 else ''}"]


_PAIR = re.compile(r"\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)")


class Nibbles(FourWayStepMode, Task):
    name = "Nibbles"
    category = "games"
    benchmark_id = "nibbles"
    generator_key = "nibbles"
    score_function = "nibbles_evaluator"
    version = "1"
    answer_format = "space-separated moves, e.g. up up left down"
    max_answer_chars = 200_000
    step_mode = True

    # ----- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _parts(inst: Instance):
        s = inst.state
        return int(s["rows"]), int(s["cols"]), tuple(_cells(s["snake"])), tuple(_cells(s["apples"]))

    def _search(self, inst: Instance) -> SearchResult:
        key = inst.fingerprint
        if key not in _SEARCH:
            rows, cols, body, apples = self._parts(inst)
            _SEARCH[key] = astar(rows, cols, body, apples)
        return _SEARCH[key]

    # ----- generation ----------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int):
        p = LEVEL_PARAMS[level_number(level)]
        n = p.size
        for _ in range(MAX_ATTEMPTS):
            d = int(rng.integers(4))
            dr, dc = DELTAS[d]
            heads = [(r, c) for r in range(n) for c in range(n) if 0 <= r - dr < n and 0 <= c - dc < n]
            head = heads[int(rng.integers(len(heads)))]
            body = (head, (head[0] - dr, head[1] - dc))
            free = [(r, c) for r in range(n) for c in range(n) if (r, c) not in body]
            picks = rng.choice(len(free), size=p.apples, replace=False)
            apples = sorted(free[int(i)] for i in picks)
            result = astar(n, n, body, apples, cap=GEN_SEARCH_CAP)
            if result.moves is None or len(result.moves) < p.min_optimal:
                continue
            state = {"rows": n, "cols": n, "snake": [list(x) for x in body], "direction": MOVES[d],
                     "apples": [list(a) for a in apples]}
            inst = Instance(self.name, level, None, self.version, state)
            _SEARCH[inst.fingerprint] = result
            return state, [MOVES[m] for m in result.moves]
        raise GenerationError(f"Nibbles level {level}: attempt budget exhausted")

    # ----- solving -------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> list[str]:
        result = self._search(inst)
        if result.moves is None:
            raise ValueError(f"Nibbles solver: no solution found ({result.status})")
        return [MOVES[m] for m in result.moves]

    def format_answer(self, inst: Instance, solution) -> str:
        return " ".join(solution)

    def stats(self, inst: Instance) -> dict:
        result = self._search(inst)
        return {"search_nodes": result.expanded, "solution_length": len(result.moves or ()),
                "manhattan_bound": result.lower_bound, "apples": len(inst.state["apples"])}

    # ----- verification --------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        moves, ignored = parse_directions(answer, max_chars=self.max_answer_chars)
        rows, cols, body, apples = self._parts(inst)
        k = len(apples)
        note = ignored_note(ignored)
        for i, move in enumerate(moves, 1):
            body2, apples2, problem = advance(rows, cols, body, apples, MOVE_INDEX[move])
            if problem:
                eaten = k - len(apples)
                return Verdict.fail(f"move {i} ({move}) from {_rc(body[0])}: {problem}; {eaten} of {k} apples "
                                    f"eaten before it{note}", score=eaten / k, parsed=moves)
            body, apples = body2, apples2
        if not apples:
            return Verdict.ok(moves, f"correct: all {k} apple{'s' if k != 1 else ''} eaten in {len(moves)} "
                                     f"move{'s' if len(moves) != 1 else ''}{note}")
        left = ", ".join(_rc(a) for a in apples)
        return Verdict.fail(f"not solved: after all {len(moves)} moves {k - len(apples)} of {k} apples are eaten; "
                            f"left: {left}{note}", score=(k - len(apples)) / k, parsed=moves)

    # ----- rendering -----------------------------------------------------------------------------
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        rows, cols, body, apples = self._parts(inst)
        if play is not None:
            body, apples = play.body, play.apples
        img, draw = new_canvas(size, (255, 255, 255))
        pad = max(14, round(size * 0.045))
        lay = GridLayout.fit(rows, cols, (size - pad, size - pad), margin=max(4, size // 64))
        ox, oy = pad, pad
        cell = lay.cell

        def box(r, c, inset=0.0):
            x0, y0, x1, y1 = lay.box(r, c, inset)
            return x0 + ox, y0 + oy, x1 + ox, y1 + oy

        def center(r, c):
            x, y = lay.center(r, c)
            return x + ox, y + oy

        for r in range(rows):
            for c in range(cols):
                draw.rectangle(box(r, c), fill=BOARD_A if (r + c) % 2 == 0 else BOARD_B, outline=BOARD_LINE)
        idx_font = font(max(10, min(16, round(cell * 0.32))), bold=True)
        for c in range(cols):
            x, _ = center(0, c)
            draw.text((x, oy + lay.bounds[1] - max(3, cell * 0.08)), str(c), font=idx_font, fill=INDEX_INK,
                      anchor="md")
        for r in range(rows):
            _, y = center(r, 0)
            draw.text((ox + lay.bounds[0] - max(3, cell * 0.1), y), str(r), font=idx_font, fill=INDEX_INK,
                      anchor="rm")
        for r, c in apples:
            x, y = center(r, c)
            rad = cell * 0.3
            draw.ellipse((round(x - rad), round(y - rad + cell * 0.04), round(x + rad), round(y + rad + cell * 0.04)),
                         fill=APPLE, outline=APPLE_EDGE, width=max(1, round(cell / 30)))
            leaf = cell * 0.12
            draw.ellipse((round(x), round(y - rad - leaf * 0.9), round(x + 2 * leaf), round(y - rad + leaf * 0.4)),
                         fill=LEAF)
        n = len(body)
        colors = []
        for i in range(n):
            t = (i - 1) / max(1, n - 2) if i else 0.0
            colors.append(HEAD if i == 0 else tuple(round(a + (b - a) * t) for a, b in zip(BODY_NEAR, BODY_FAR)))
        bar = cell * 0.46
        for i in range(n - 1, 0, -1):  # joins first, tail to neck
            (x0, y0), (x1, y1) = center(*body[i]), center(*body[i - 1])
            draw.rectangle((round(min(x0, x1) - bar / 2), round(min(y0, y1) - bar / 2),
                            round(max(x0, x1) + bar / 2), round(max(y0, y1) + bar / 2)), fill=colors[i])
        for i in range(n - 1, 0, -1):
            draw.rounded_rectangle(box(*body[i], cell * 0.16), radius=round(cell * 0.14), fill=colors[i])
        hx, hy = center(*body[0])
        hb = box(*body[0], cell * 0.06)
        draw.rounded_rectangle(hb, radius=round(cell * 0.2), fill=HEAD)
        dr, dc = DELTAS[heading_of(body)]
        # snout: a red tongue pointing along the heading
        tip = (hx + dc * cell * 0.5, hy + dr * cell * 0.5)
        base = (hx + dc * cell * 0.3, hy + dr * cell * 0.3)
        draw.line((round(base[0]), round(base[1]), round(tip[0]), round(tip[1])), fill=SNOUT,
                  width=max(2, round(cell * 0.08)))
        # eyes: on the side toward the heading
        px, py = -dr, dc  # perpendicular
        er = cell * 0.1
        for s in (-1, 1):
            ex = hx + dc * cell * 0.12 + s * px * cell * 0.18
            ey = hy + dr * cell * 0.12 + s * py * cell * 0.18
            draw.ellipse((round(ex - er), round(ey - er), round(ex + er), round(ey + er)), fill=EYE)
            pr = er * 0.5
            qx, qy = ex + dc * er * 0.4, ey + dr * er * 0.4
            draw.ellipse((round(qx - pr), round(qy - pr), round(qx + pr), round(qy + pr)), fill=PUPIL)
        return img

    # ----- prompts -------------------------------------------------------------------------------
    _RULES = (
        "### Game Rules:\n"
        "1. The snake moves only when you give a move. Each move shifts the head one cell in an absolute "
        "direction (up, down, left, right) and the body follows the head.\n"
        "2. Eat every apple. Eating an apple adds one segment: the tail stays where it is on that move.\n"
        "3. Moving the head outside the grid loses.\n"
        "4. Moving the head into any cell the snake occupies loses, including the cell its tail is on right "
        "now (even though the tail would move away on that move).\n"
        "5. Reversing is not allowed: a move opposite to the current heading (back into the neck) is illegal. "
        "Moving straight on is allowed.\n"
        "6. Every move must be legal, including moves after the last apple.\n"
    )

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        rows, cols, body, apples = self._parts(inst)
        if modality == "text":
            lines = state_lines(rows, cols, body, inst.state["direction"], apples)
            return (
                "Your task is to solve the Nibbles (snake) game according to the rules and the state below.\n\n"
                + self._RULES
                + f"7. The snake starts with {len(body)} segments in a straight line.\n\n"
                "### State format:\n"
                "- Grid: RxC is the number of rows and columns.\n"
                "- Snake: the cells of the snake as (row,col), head first.\n"
                "- Direction: the current heading of the head.\n"
                "- Apples: the cells of the apples as (row,col).\n"
                "- Goal: how many apples to eat.\n"
                "Coordinates are 0-based from the top-left: row 0 is the top row, column 0 the left column. "
                "up = row - 1, down = row + 1, left = column - 1, right = column + 1.\n\n"
                "### Current state:\n" + "\n".join(lines) + "\n\n"
                "### Output Format Requirements:\n" + FORMAT_SENTENCES
            )
        k = len(apples)
        return (
            "Your task is to solve the Nibbles (snake) game shown in the image.\n\n"
            + self._RULES
            + f"7. The snake starts with {len(body)} segments: the dark green segment with eyes is the head, and "
            "it points (eyes and red tongue) in the current heading; the lighter segments are the body, fading "
            f"toward the tail. Red discs are apples ({k} to eat).\n"
            "8. Small numbers along the top and left edges are the 0-based column and row indices.\n\n"
            "### Direction Definitions:\n"
            '- "up": one cell toward the top of the picture\n'
            '- "down": one cell toward the bottom of the picture\n'
            '- "left": one cell to the left\n'
            '- "right": one cell to the right\n\n'
            "### Output Format Requirements:\n" + FORMAT_SENTENCES
        )

    # ----- trace ---------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        rows, cols, body, apples = self._parts(inst)
        result = self._search(inst)
        moves = [MOVES[m] for m in (result.moves or [])]
        k = len(apples)
        out = [f"The grid has {rows} rows and {cols} columns; row 0 is the top row, column 0 the left column.",
               f"The snake is {', '.join(_rc(x) for x in body)} (head first), heading {MOVES[heading_of(body)]}, "
               f"so {MOVES[OPPOSITE[heading_of(body)]]} is not allowed as the first move.",
               f"Apples ({k}): {', '.join(_rc(a) for a in apples)}."]
        # the visiting order by Manhattan distances: the search's lower bound
        best_order, best_len = None, None
        for order in itertools.permutations(apples):
            pos, total = body[0], 0
            for a in order:
                total += abs(pos[0] - a[0]) + abs(pos[1] - a[1])
                pos = a
            if best_len is None or total < best_len:
                best_order, best_len = order, total
        out.append("Ignoring the body, the head needs at least the Manhattan distance to each next apple; the "
                   f"cheapest visiting order by that measure is {' -> '.join(_rc(a) for a in best_order)} with "
                   f"{best_len} moves, so no plan can be shorter than {best_len} moves.")
        out.append(f"I search plans in order of (moves so far + that bound) over snake positions and remaining "
                   f"apples, skipping reversals, wall hits and body hits (the current tail cell counts as "
                   f"occupied). After expanding {result.expanded} states the shortest plan has {len(moves)} "
                   f"moves" + (" — exactly the bound." if len(moves) == best_len else
                               f" — {len(moves) - best_len} more than the bound, because turns or the body "
                               "force detours."))
        cur_body, cur_apples = body, apples
        segment: list[str] = []
        eaten = 0
        for move in moves:
            cur_body, cur_apples2, _ = advance(rows, cols, cur_body, cur_apples, MOVE_INDEX[move])
            segment.append(move)
            if len(cur_apples2) < len(cur_apples):
                eaten += 1
                out.append(f"Apple {eaten}: {summarise_runs(segment)} -> head at {_rc(cur_body[0])}, eat it; "
                           f"the snake is now {len(cur_body)} long: {' '.join(_rc(x) for x in cur_body)}.")
                segment = []
            cur_apples = cur_apples2
        out.append(f"All {k} apple{'s are' if k != 1 else ' is'} eaten after {len(moves)} moves, with no reversal "
                   "and no collision.")
        out.append(f"Answer: {' '.join(moves)}")
        return "\n".join(out)

    # ----- reference records ---------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record.get("initial_state")
        if raw is None:
            raise RecordError("record has no initial_state")
        value = record_field(raw)
        if isinstance(value, dict):
            value = "\n".join(f"{k}: {v}" for k, v in value.items())
        if not isinstance(value, str):
            raise RecordError(f"initial_state must be the five state lines, got {type(value).__name__}")
        fields = {}
        for line in value.replace("\r", "").split("\n"):
            if ":" in line:
                key, _, rest = line.partition(":")
                fields[key.strip().lower()] = rest.strip()
        for key in ("grid", "snake", "direction", "apples"):
            if key not in fields:
                raise RecordError(f"initial_state has no '{key.capitalize()}:' line")
        m = re.fullmatch(r"(\d+)\s*[xX×]\s*(\d+)", fields["grid"])
        if not m:
            raise RecordError(f"bad Grid line {fields['grid']!r}")
        rows, cols = int(m.group(1)), int(m.group(2))
        if not (2 <= rows <= 40 and 2 <= cols <= 40):
            raise RecordError(f"grid {rows}x{cols} outside 2..40")
        body = [(int(r), int(c)) for r, c in _PAIR.findall(fields["snake"])]
        apples = [(int(r), int(c)) for r, c in _PAIR.findall(fields["apples"])]
        direction = fields["direction"].lower()
        if len(body) < 2:
            raise RecordError("the snake needs at least two cells")
        for cell in body + apples:
            if not (0 <= cell[0] < rows and 0 <= cell[1] < cols):
                raise RecordError(f"cell {_rc(cell)} is outside the {rows}x{cols} grid")
        if len(set(body)) != len(body):
            raise RecordError("the snake overlaps itself")
        for a, b in zip(body, body[1:]):
            if abs(a[0] - b[0]) + abs(a[1] - b[1]) != 1:
                raise RecordError(f"snake cells {_rc(a)} and {_rc(b)} are not adjacent")
        if direction not in MOVE_INDEX:
            raise RecordError(f"bad Direction {direction!r}")
        if MOVES[heading_of(body)] != direction:
            raise RecordError(f"Direction {direction} disagrees with head - neck ({MOVES[heading_of(body)]})")
        if not apples:
            raise RecordError("no apples")
        if len(set(apples)) != len(apples) or set(apples) & set(body):
            raise RecordError("apples must be distinct cells off the snake")
        state = {"rows": rows, "cols": cols, "snake": [list(x) for x in body], "direction": direction,
                 "apples": [list(a) for a in sorted(apples)]}
        if len(apples) <= 8:
            result = astar(rows, cols, tuple(body), apples)
            if result.status == "unsolvable":
                raise RecordError("no move sequence eats every apple")
        return state

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        return next((lv for lv, p in LEVEL_PARAMS.items()
                     if p.size == state["rows"] == state["cols"] and p.apples == len(state["apples"])), None)

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> list[str]:
        return list(verdict.parsed)

    # ----- step mode -----------------------------------------------------------------------------
    def play_init(self, inst: Instance) -> NibblesPlay:
        _, _, body, apples = self._parts(inst)
        return NibblesPlay(body, apples, "")

    def play_apply(self, inst: Instance, play: NibblesPlay, action) -> StepResult:
        action, why = direction_action(action)
        if action is None:
            return StepResult(play, False, why)
        if play.crash:
            return StepResult(play, False, f"the game is over: {play.crash}")
        rows, cols = int(inst.state["rows"]), int(inst.state["cols"])
        body, apples, problem = advance(rows, cols, play.body, play.apples, action)
        if problem.startswith("reverse"):
            return StepResult(play, False, problem)
        if problem:
            return StepResult(NibblesPlay(play.body, play.apples, problem), True, problem, {"collision": problem})
        return StepResult(NibblesPlay(body, apples, ""), True, "",
                          {"ate": len(apples) < len(play.apples)})

    def play_mask(self, inst: Instance, play: NibblesPlay) -> np.ndarray:
        mask = np.ones(4, dtype=bool)
        mask[OPPOSITE[heading_of(play.body)]] = False
        return mask

    def play_info(self, inst: Instance, play: NibblesPlay) -> dict:
        rows, cols = int(inst.state["rows"]), int(inst.state["cols"])
        safe = [not play.crash and not advance(rows, cols, play.body, play.apples, d)[2] for d in range(4)]
        return {"safe_mask": np.array(safe, dtype=bool), "apples_left": len(play.apples)}

    def play_solved(self, inst: Instance, play: NibblesPlay) -> bool:
        return not play.apples and not play.crash

    def play_lost(self, inst: Instance, play: NibblesPlay) -> bool:
        return bool(play.crash)

    def play_prompt(self, inst: Instance, play: NibblesPlay, modality: str = "image") -> str:
        rows, cols = int(inst.state["rows"]), int(inst.state["cols"])
        head = "Nibbles, played one move at a time. "
        if modality == "text":
            lines = state_lines(rows, cols, play.body, MOVES[heading_of(play.body)], play.apples)
            body = ("The current state is below (coordinates (row,col), 0-based from the top-left; the snake is "
                    "listed head first).\n\n" + self._RULES + "\n" + "\n".join(lines) + "\n\n")
        else:
            body = ("The image shows the current state: the head has eyes and points in the current heading; red "
                    "discs are apples.\n\n" + self._RULES + "\n")
        return head + body + "### Your move:\nChoose the next move: 0 = up, 1 = down, 2 = left, 3 = right."

    def step_limit(self, inst: Instance) -> int:
        return 4 * int(inst.state["rows"]) * int(inst.state["cols"])


_SEARCH: dict[str, SearchResult] = BoundedCache(1024)

TASK = Nibbles()
