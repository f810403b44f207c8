"""Bridges / Hashiwokakero (MM-HELIX ``Bridges``): join the islands with single or double bridges so that
every island's number is its bridge count, no bridges cross and the network is connected.

Generation (spec/tasks/Bridges.md): islands at random lattice points (never orthogonally adjacent), a
random crossing-free spanning tree over the visible neighbour pairs (random-order Kruskal), extra edges
with the level's probability from level 3 on, multiplicities 1 (level 1) or uniform {1, 2}; numbers are
the incident multiplicities and only instances the counter proves unique (limit 2) are kept. Solver and
counter: the shared CSP engine, one variable (0/1/2) per visible neighbour pair, a sum per island, a
"not both" table per crossing pair, and connectivity checked at the leaves.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from ...core import GenerationError, Instance, ParseError, RecordError, StepResult, Task, Verdict, record_field
from ...core.csp import CSP, Constraint, Sum, Table, explain_search, mask_of, single, values_of
from ...core.grid_puzzle import SquareSize, solve_values, traced_search
from ...core.parsing import bounded
from ...render.canvas import INK, MUTED, WHITE, draw_text, fit_font, font, new_canvas

LEVEL_SIZE = {1: 5, 2: 6, 3: 7, 4: 8, 5: 9}
LEVEL_ISLANDS = {1: (3, 4), 2: (4, 5), 3: (5, 6), 4: (6, 7), 5: (7, 10)}
EXTRA_PROB = {1: 0.0, 2: 0.0, 3: 0.3, 4: 0.4, 5: 0.5}
MAX_DRAWS = 500
DEAD_BRANCH_LINES = 8
FORMAT_SENTENCE = "Provide your solution with each bridge connection in the format:"
FORMAT_LINE = "(x1,y1)-(x2,y2):count"
BRIDGE_INK = (31, 90, 160)
LATTICE = (200, 200, 206)
DIRS = ((1, 0), (0, 1), (-1, 0), (0, -1))  # right, down, left, up as (dx, dy)
DIR_NAMES = ("right", "down", "left", "up")

Point = tuple[int, int]


# ---------------------------------------------------------------------------------------------------------------
# geometry


def candidate_edges(points: list[Point]) -> list[tuple[int, int]]:
    """Visible neighbour pairs (i, j): j is the nearest island right of or below i. Sorted."""
    at = {p: i for i, p in enumerate(points)}
    n = max(max(x, y) for x, y in points) + 1
    edges = []
    for i, (x, y) in enumerate(points):
        for dx, dy in ((1, 0), (0, 1)):
            xx, yy = x + dx, y + dy
            while xx < n and yy < n:
                j = at.get((xx, yy))
                if j is not None:
                    edges.append((i, j))
                    break
                xx, yy = xx + dx, yy + dy
    return sorted(edges)


def crosses(points: list[Point], e: tuple[int, int], f: tuple[int, int]) -> bool:
    """Whether two bridges meet at a point interior to both (one horizontal, one vertical)."""
    (ax, ay), (bx, by) = points[e[0]], points[e[1]]
    (cx, cy), (dx, dy) = points[f[0]], points[f[1]]
    if ay == by and cx == dx:
        return min(ax, bx) < cx < max(ax, bx) and min(cy, dy) < ay < max(cy, dy)
    if ax == bx and cy == dy:
        return min(cx, dx) < ax < max(cx, dx) and min(ay, by) < cy < max(ay, by)
    return False


def connected(count: int, edges, mult) -> bool:
    parent = list(range(count))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    comps = count
    for (i, j), m in zip(edges, mult):
        if m:
            a, b = find(i), find(j)
            if a != b:
                parent[a] = b
                comps -= 1
    return comps <= 1


class Connected(Constraint):
    """The bridges with a non-zero count connect every island (checked on complete assignments)."""

    __slots__ = ("edges", "count")

    def __init__(self, vars, edges, count: int, label: str = "connectivity"):
        super().__init__(vars, label)
        self.edges = tuple(edges)
        self.count = count

    def propagate(self, dom):
        return []

    def satisfied(self, values) -> bool:
        return connected(self.count, self.edges, [values[v] for v in self.vars])


class Model:
    """Islands, candidate edges, crossing pairs and the CSP of one instance."""

    def __init__(self, points: list[Point], nums: list[int]):
        self.points = points
        self.nums = nums
        self.edges = candidate_edges(points) if points else []
        self.cross = [(a, b) for a in range(len(self.edges)) for b in range(a + 1, len(self.edges))
                      if crosses(points, self.edges[a], self.edges[b])]
        self.index = {e: k for k, e in enumerate(self.edges)}
        self.names = [f"{_pt(points[i])}-{_pt(points[j])}" for i, j in self.edges]

    def csp(self) -> CSP:
        csp = CSP([mask_of((0, 1, 2))] * len(self.edges), names=self.names)
        for i, num in enumerate(self.nums):
            inc = [k for k, e in enumerate(self.edges) if i in e]
            csp.add(Sum(inc, num, label=f"island {_pt(self.points[i])} ({num})") if inc else
                    Table([], [()] if num == 0 else [], label=f"island {_pt(self.points[i])} ({num})"))
        for a, b in self.cross:
            csp.add(Table([a, b], [(0, 0), (0, 1), (0, 2), (1, 0), (2, 0)],
                          label=f"bridges {self.names[a]} and {self.names[b]} cross"))
        csp.add(Connected(range(len(self.edges)), self.edges, len(self.points)))
        return csp


def _sees(taken: set[Point], p: Point, dx: int, dy: int, n: int) -> bool:
    x, y = p[0] + dx, p[1] + dy
    while 0 <= x < n and 0 <= y < n:
        if (x, y) in taken:
            return True
        x, y = x + dx, y + dy
    return False


def _geometry(n: int, size: int) -> tuple[float, float]:
    """(margin, lattice spacing): discs of radius 0.35 spacing stay clear of the label bands (0.07 size)."""
    step = 0.91 * size / (max(n, 2) - 0.3)
    return 0.35 * step + 0.07 * size, step


@lru_cache(maxsize=32)
def _lattice(n: int, size: int) -> Image.Image:
    """The empty board: dashed lattice lines and grey axis labels (cached; callers copy it)."""
    img, draw = new_canvas(size)
    margin, step = _geometry(n, size)
    lab = font(max(10, min(22, round(step * 0.3))))
    lo, hi = round(margin), round(margin + (n - 1) * step)
    for t in range(n):
        pos = round(margin + t * step)
        for a in range(lo, hi, 8):
            b = min(a + 4, hi)
            draw.line((pos, a, pos, b), fill=LATTICE, width=1)
            draw.line((a, pos, b, pos), fill=LATTICE, width=1)
        draw_text(draw, (margin + t * step, size * 0.035), str(t), lab, fill=MUTED)
        draw_text(draw, (size * 0.035, margin + t * step), str(t), lab, fill=MUTED)
    return img


def _pt(p: Point) -> str:
    return f"({p[0]},{p[1]})"


# ---------------------------------------------------------------------------------------------------------------
# parsing

_CONN = r"(?:->|-|–|—|→|\bto\b)"
_PAIR = re.compile(r"\(([^()]{0,40})\)\s*" + _CONN + r"\s*\(([^()]{0,40})\)", re.ASCII)
_INT_PT = re.compile(r"\s*(\d+)\s*,\s*(\d+)\s*", re.ASCII)
_COUNT = re.compile(r"\s*(?::\s*|\s+)([+-]?\d+(?:\.\d+)?)(?![\d.])", re.ASCII)


def parse_bridges(text: str, max_items: int = 500) -> list[tuple[Point, Point, int]]:
    """``(x1,y1)-(x2,y2):c`` bridges anywhere in the text (any separators; see the spec)."""
    out = []
    for m in _PAIR.finditer(text):
        a, b = _INT_PT.fullmatch(m.group(1)), _INT_PT.fullmatch(m.group(2))
        if a is None or b is None:
            raise ParseError(f"bridge {m.group(0)!r} needs integer coordinates (x,y)")
        cm = _COUNT.match(text, m.end())
        if cm is None:
            raise ParseError(f"bridge {m.group(0)!r} has no count")
        raw = cm.group(1)
        if raw not in ("1", "2", "+1", "+2"):
            raise ParseError(f"bridge {m.group(0)!r} has count {raw}, not 1 or 2")
        out.append(((int(a.group(1)), int(a.group(2))), (int(b.group(1)), int(b.group(2))), int(raw)))
        if len(out) > max_items:
            raise ParseError(f"too many bridges (more than {max_items})")
    if not out:
        raise ParseError("no bridges like (x1,y1)-(x2,y2):count found")
    return out


# ---------------------------------------------------------------------------------------------------------------
# the task


class Bridges(SquareSize, Task):
    name = "Bridges"
    category = "puzzles"
    benchmark_id = "bridges"
    generator_key = "bridges"
    score_function = "bridges_evaluator"
    version = "1"
    answer_format = "one bridge per line: (x1,y1)-(x2,y2):count with count 1 or 2"
    max_answer_chars = 20_000
    step_mode = True

    # ----- generation ------------------------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        n = LEVEL_SIZE[level]
        lo, hi = LEVEL_ISLANDS[level]
        for _ in range(MAX_DRAWS):
            k = int(rng.integers(lo, hi + 1))
            points = self._place(rng, n, k)
            if points is None:
                continue
            model = Model(points, [0] * k)
            edges = model.edges
            order = rng.permutation(len(edges)).tolist()
            chosen: list[int] = []
            parent = list(range(k))

            def find(a, parent=parent):
                while parent[a] != a:
                    parent[a] = parent[parent[a]]
                    a = parent[a]
                return a

            for e in order:
                i, j = edges[e]
                if find(i) == find(j) or any(crosses(points, edges[e], edges[f]) for f in chosen):
                    continue
                parent[find(i)] = find(j)
                chosen.append(e)
            if len(chosen) != k - 1:
                continue
            p = EXTRA_PROB[level]
            if p > 0:
                for e in sorted(set(range(len(edges))) - set(chosen)):
                    draw = rng.random()
                    if draw < p and not any(crosses(points, edges[e], edges[f]) for f in chosen):
                        chosen.append(e)
            mult = [0] * len(edges)
            for e in sorted(chosen):
                mult[e] = 1 if level == 1 else int(rng.integers(1, 3))
            nums = [sum(m for (a, b), m in zip(edges, mult) if idx in (a, b)) for idx in range(k)]
            model = Model(points, nums)
            if model.csp().count_solutions(2) == 1:
                state = {"n": n, "islands": [{"x": x, "y": y, "num": num} for (x, y), num in zip(points, nums)]}
                return state, tuple(mult)
        raise GenerationError(f"Bridges: no unique puzzle in {MAX_DRAWS} draws")  # pragma: no cover

    @staticmethod
    def _place(rng: np.random.Generator, n: int, k: int) -> list[Point] | None:
        """k islands: the first at a uniform lattice point, each next one at a uniform free point that sees an
        earlier island along its row or column (so the visible-neighbour graph is connected), chosen with weight
        (islands it sees)^2 so that the graph has cycles; never orthogonally adjacent to another island."""
        points: list[Point] = []
        taken: set[Point] = set()
        for _ in range(k):
            free = []
            weights: list[int] = []
            for y in range(n):
                for x in range(n):
                    if (x, y) in taken or any((x + dx, y + dy) in taken for dx, dy in DIRS):
                        continue
                    seen = sum(_sees(taken, (x, y), dx, dy, n) for dx, dy in DIRS)
                    if points and not seen:
                        continue
                    free.append((x, y))
                    weights.append(seen * seen if points else 1)
            if not free:
                return None
            w = np.asarray(weights, dtype=float)
            p = free[int(rng.choice(len(free), p=w / w.sum()))]
            points.append(p)
            taken.add(p)
        return sorted(points, key=lambda p: (p[1], p[0]))

    def model(self, inst: Instance) -> Model:
        isl = inst.state["islands"]
        return Model([(int(d["x"]), int(d["y"])) for d in isl], [int(d["num"]) for d in isl])

    # ----- solving ---------------------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> tuple[int, ...]:
        values = solve_values(self.model(inst).csp(), "Bridges puzzle")
        return tuple(values)

    def format_answer(self, inst: Instance, solution: Any) -> str:
        model = self.model(inst)
        lines = []
        for (i, j), m in zip(model.edges, solution):
            if m:
                a, b = sorted((model.points[i], model.points[j]))
                lines.append((a, b, m))
        return "\n".join(f"{_pt(a)}-{_pt(b)}:{m}" for a, b, m in sorted(lines))

    def count(self, inst: Instance, limit: int = 2) -> int:
        return self.model(inst).csp().count_solutions(limit)

    def stats(self, inst: Instance) -> dict:
        model = self.model(inst)
        csp = model.csp()
        res = csp.search(2)
        sol = self.solution(inst)
        return {"islands": len(model.points), "candidate_edges": len(model.edges), "crossings": len(model.cross),
                "bridges": sum(sol), "search_nodes": res.nodes, "propagations": res.propagations}

    # ----- verification ----------------------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        return self.check_bridges(inst, parse_bridges(bounded(answer, self.max_answer_chars)))

    def check_bridges(self, inst: Instance, bridges) -> Verdict:
        model = self.model(inst)
        at = {p: i for i, p in enumerate(model.points)}
        problems: list[str] = []
        totals: dict[tuple[int, int], int] = {}
        for a, b, c in bridges:
            if a not in at or b not in at:
                problems.append(f"bridge {_pt(a)}-{_pt(b)}: {_pt(a if a not in at else b)} is not an island")
                continue
            i, j = sorted((at[a], at[b]))
            if i == j or (a[0] != b[0] and a[1] != b[1]):
                problems.append(f"bridge {_pt(a)}-{_pt(b)} is not a horizontal or vertical line between two islands")
                continue
            if (i, j) not in model.index:
                problems.append(f"bridge {_pt(a)}-{_pt(b)} passes over another island")
                continue
            totals[(i, j)] = totals.get((i, j), 0) + c
        mult = [0] * len(model.edges)
        for e, c in totals.items():
            if c > 2:
                problems.append(f"{model.names[model.index[e]]} has {c} bridges (at most 2)")
                continue
            mult[model.index[e]] = c
        for a, b in model.cross:
            if mult[a] and mult[b]:
                problems.append(f"bridges {model.names[a]} and {model.names[b]} cross")
                mult[a] = mult[b] = 0
        good = 0
        for i, num in enumerate(model.nums):
            have = sum(m for (a, b), m in zip(model.edges, mult) if i in (a, b))
            if have == num:
                good += 1
            else:
                problems.append(f"island {_pt(model.points[i])} has {have} bridge{'s' if have != 1 else ''}, "
                                f"needs {num}")
        conn = connected(len(model.points), model.edges, mult)
        if not conn:
            problems.append("the islands are not all connected")
        parsed = tuple(mult)
        if not problems:
            return Verdict.ok(parsed, "correct: every island has its number of bridges, none cross, all connected")
        shown = problems[:3]
        more = f" (and {len(problems) - 3} more problems)" if len(problems) > 3 else ""
        score = (good + int(conn)) / (len(model.nums) + 1)
        return Verdict.fail("; ".join(shown) + more, score, parsed)  # Verdict keeps a wrong score below 1

    # ----- presentation ----------------------------------------------------------------------------------------
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        n = self.size(inst)
        model = self.model(inst)
        img = _lattice(n, size).copy()
        draw = ImageDraw.Draw(img)
        margin, step = _geometry(n, size)

        def xy(p):
            return (margin + p[0] * step, margin + p[1] * step)

        if play is not None:
            width = max(2, round(step * 0.05))
            gap = max(3, round(step * 0.09))
            for (i, j), m in zip(model.edges, play):
                if not m:
                    continue
                (x0, y0), (x1, y1) = xy(model.points[i]), xy(model.points[j])
                horiz = y0 == y1
                offs = (0,) if m == 1 else (-gap, gap)
                for o in offs:
                    dx, dy = (0, o) if horiz else (o, 0)
                    draw.line((round(x0 + dx), round(y0 + dy), round(x1 + dx), round(y1 + dy)), fill=BRIDGE_INK,
                              width=width)
        rad = step * 0.35
        fnt = fit_font("8", rad * 1.2, rad * 1.1, bold=True, start=max(12, round(rad * 1.1)))
        outline = max(2, round(step * 0.04))
        for (x, y), num in zip(model.points, model.nums):
            cx, cy = xy((x, y))
            draw.ellipse((round(cx - rad), round(cy - rad), round(cx + rad), round(cy + rad)), fill=WHITE,
                         outline=INK, width=outline)
            draw_text(draw, (cx, cy), str(num), fnt, fill=(0, 0, 0))
        return img

    def rules(self) -> str:
        return ("Rules:\n"
                "1. Bridges run horizontally or vertically between two islands in the same row or column, with no "
                "island between them.\n"
                "2. Two islands are joined by at most two bridges.\n"
                "3. Bridges may not cross each other or pass over islands.\n"
                "4. The number on each island is the total number of bridges touching it.\n"
                "5. All islands must be connected into a single network.\n")

    def _format(self, inst: Instance) -> str:
        return (f"{FORMAT_SENTENCE}\n{FORMAT_LINE}\nOne bridge connection per line, count 1 or 2. Example:\n"
                "(0,4)-(2,4):1\n(2,1)-(2,4):2")

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        n = self.size(inst)
        coords = (f"Coordinates are (x,y): x is the column (0-{n - 1}, left to right) and y the row (0-{n - 1}, top to "
                  "bottom), with (0,0) the top-left point.\n")
        if modality == "image":
            return (f"This is a Bridges (Hashiwokakero) puzzle on a {n}x{n} board. The image shows the islands as "
                    "circles with their numbers on the board's lattice points; the grey numbers above and left of "
                    "the board are the x and y coordinates.\n" + self.rules() + coords + self._format(inst) + "\n")
        if modality == "text":
            isl = sorted(inst.state["islands"], key=lambda d: (d["y"], d["x"]))
            lines = "\n".join(f"Island at coordinates ({d['x']}, {d['y']}) has number {d['num']}." for d in isl)
            board = [["."] * n for _ in range(n)]
            for d in isl:
                board[int(d["y"])][int(d["x"])] = str(d["num"])
            ascii_board = "   " + " ".join(str(x) for x in range(n)) + "\n" + "\n".join(
                f"{y:>2} " + " ".join(row) for y, row in enumerate(board))
            return (f"This is a Bridges (Hashiwokakero) puzzle on a {n}x{n} board with {len(isl)} islands.\n"
                    + self.rules() + coords + lines + "\n\nBoard (x across the top, y down the side, . = empty):\n"
                    + ascii_board + "\n\n" + self._format(inst) + "\n")
        raise ValueError(f"unknown modality {modality!r}; use 'image' or 'text'")

    # ----- trace -----------------------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        model = self.model(inst)
        csp = model.csp()
        res, log = traced_search(csp, "Bridges puzzle")
        sol = tuple(res.solutions[0])
        lines = [
            "Islands (x,y) with numbers: " + ", ".join(f"{_pt(p)}={k}" for p, k in zip(model.points, model.nums)) + ".",
            "Possible bridges (each island to its nearest island in each direction): " + ", ".join(model.names) + ".",
        ]
        if model.cross:
            lines.append("Crossing pairs (at most one of each can be used): " + ", ".join(
                f"{model.names[a]} x {model.names[b]}" for a, b in model.cross) + ".")
        lines.append("Each island's bridges must add up to its number (0, 1 or 2 per pair):")
        lines += _format_search(csp, log)
        lines.append("All islands have their numbers, no bridges cross, and the network is connected.")
        lines.append("Answer: " + self.format_answer(inst, sol).replace("\n", " "))
        return "\n".join(lines)

    # ----- reference records -----------------------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record_field(record.get("initial_state"))
        if not isinstance(raw, dict) or not isinstance(raw.get("islands"), (list, tuple)):
            raise RecordError("initial_state must be an object with an islands list")
        islands = []
        seen = set()
        for d in raw["islands"]:
            try:
                x, y, num = int(d["x"]), int(d["y"]), int(d["num"])
            except (KeyError, TypeError, ValueError):
                raise RecordError(f"bad island {d!r}") from None
            if not (0 <= x < 30 and 0 <= y < 30 and 1 <= num <= 8) or (x, y) in seen:
                raise RecordError(f"bad island {d!r}")
            seen.add((x, y))
            islands.append({"x": x, "y": y, "num": num})
        if len(islands) < 2:
            raise RecordError("need at least two islands")
        islands.sort(key=lambda d: (d["y"], d["x"]))
        top = max(max(d["x"], d["y"]) for d in islands) + 1
        try:
            level = int(str(record.get("difficulty", record.get("level"))).strip())
        except ValueError:
            level = 0
        n = max(top, LEVEL_SIZE.get(level, 0))
        state = {"n": n, "islands": islands}  # the record's bridges (the solution) are dropped
        model = Model([(d["x"], d["y"]) for d in islands], [d["num"] for d in islands])
        if model.csp().solve() is None:
            raise RecordError("the islands admit no solution")
        return state

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        n = int(state["n"])
        return min(max(n - 4, 1), 5)

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> tuple[int, ...]:
        return tuple(verdict.parsed)

    # ----- step mode -------------------------------------------------------------------------------------------
    def action_shape(self, inst: Instance) -> tuple[int, ...]:
        n = self.size(inst)
        return (n, n, 4)

    def level_action_shape(self, level: int) -> tuple[int, ...]:
        n = LEVEL_SIZE[level]
        return (n, n, 4)

    def play_init(self, inst: Instance) -> tuple[int, ...]:
        return (0,) * len(self.model(inst).edges)

    def _edge(self, model: Model, x: int, y: int, d: int) -> int | None:
        at = {p: i for i, p in enumerate(model.points)}
        i = at.get((x, y))
        if i is None:
            return None
        dx, dy = DIRS[d]
        for k, (a, b) in enumerate(model.edges):
            if i in (a, b):
                j = b if a == i else a
                ox, oy = model.points[j]
                if (ox - x) * dy == (oy - y) * dx and (ox - x) * dx + (oy - y) * dy > 0:
                    return k
        return None

    def play_apply(self, inst: Instance, play, action) -> StepResult:
        try:
            row, col, d = (int(v) for v in action)
        except (TypeError, ValueError):
            return StepResult(play, False, f"an action is (row, column, direction), got {action!r}")
        n = self.size(inst)
        if not (0 <= row < n and 0 <= col < n and 0 <= d < 4):
            return StepResult(play, False, f"action {(row, col, d)} is outside rows/columns 0-{n - 1}, directions 0-3")
        model = self.model(inst)
        if (col, row) not in set(model.points):
            return StepResult(play, False, f"there is no island at (x={col}, y={row})")
        k = self._edge(model, col, row, d)
        if k is None:
            return StepResult(play, False, f"the island at ({col},{row}) has no island to its {DIR_NAMES[d]}")
        cur = play[k]
        if cur == 0:
            for a, b in model.cross:
                other = b if a == k else a if b == k else None
                if other is not None and play[other]:
                    return StepResult(play, False, f"bridge {model.names[k]} would cross {model.names[other]}")
        new = play[:k] + ((cur + 1) % 3,) + play[k + 1:]
        return StepResult(new, True, f"{model.names[k]} now has {new[k]} bridge{'s' if new[k] != 1 else ''}")

    def play_mask(self, inst: Instance, play) -> np.ndarray:
        n = self.size(inst)
        mask = np.zeros((n, n, 4), dtype=bool)
        model = self.model(inst)
        blocked = set()
        for a, b in model.cross:
            if play[a]:
                blocked.add(b)
            if play[b]:
                blocked.add(a)
        for k, (i, j) in enumerate(model.edges):
            if play[k] == 0 and k in blocked:
                continue
            (x0, y0), (x1, y1) = model.points[i], model.points[j]
            if y0 == y1:
                mask[y0, x0, 0] = mask[y1, x1, 2] = True
            else:
                mask[y0, x0, 1] = mask[y1, x1, 3] = True
        return mask

    def play_solved(self, inst: Instance, play) -> bool:
        model = self.model(inst)
        bridges = [(model.points[i], model.points[j], m) for (i, j), m in zip(model.edges, play) if m]
        return self.check_bridges(inst, bridges).correct

    def step_limit(self, inst: Instance) -> int:
        return 10 * len(inst.state["islands"])

    def expert_actions(self, inst: Instance) -> list[tuple[int, int, int]]:
        model = self.model(inst)
        actions = []
        for (i, j), m in zip(model.edges, self.solution(inst)):
            x, y = model.points[i]
            d = 0 if model.points[j][1] == y else 1
            actions += [(y, x, d)] * int(m)
        return actions

    def play_prompt(self, inst: Instance, play, modality: str = "image") -> str:
        play = play if play is not None else self.play_init(inst)
        model = self.model(inst)
        base = self.prompt(inst, modality)
        current = [f"{name}: {m}" for name, m in zip(model.names, play) if m]
        if modality == "image":
            state = "The image shows the bridges built so far (a double bridge is two parallel lines)."
        else:
            state = "Bridges built so far: " + (", ".join(current) if current else "none") + "."
        return (f"{base.rstrip()}\n\nYou solve it one move at a time. {state} Each move is (row, column, direction) "
                f"with row = y and column = x of an island and direction 0 right, 1 down, 2 left, 3 up: it cycles the "
                "bridges to the nearest island in that direction 0 -> 1 -> 2 -> 0. A new bridge may not cross an "
                "existing one. The puzzle is solved as soon as the bridges satisfy every rule.")


def _deduction(csp: CSP, ci: int, changes, before) -> str:
    c = csp.constraints[ci]
    parts = []
    for v, _, new in changes:
        x = single(new)
        parts.append(f"{csp.name(v)} has {x} bridge{'s' if x != 1 else ''}" if x is not None else
                     f"{csp.name(v)} has {' or '.join(map(str, values_of(new)))} bridges")
    if isinstance(c, Sum):
        alive = c.table.alive(before) if c.table is not None else []
        return f"{c.label}: {len(alive)} way(s) to split the number over its bridges remain; so {', '.join(parts)}."
    return f"{c.label}: so {', '.join(parts)}."


def _format_search(csp: CSP, log: list) -> list[str]:
    return explain_search(
        log, deduce=lambda ci, changes, before: _deduction(csp, ci, changes, before),
        fail=lambda ci, before: f"Contradiction at {csp.constraints[ci].label}.",
        leaf_fail=lambda ci: f"Contradiction: {csp.constraints[ci].label} fails (the network is not connected)."
        if isinstance(csp.constraints[ci], Connected) else f"Contradiction: {csp.constraints[ci].label} fails.",
        guess=lambda var, value, cands: f"Suppose {csp.name(var)} has {value} bridge{'s' if value != 1 else ''}.",
        undo=lambda var, value: f"So {csp.name(var)} does not have {value} bridge{'s' if value != 1 else ''}.",
        stuck="No island forces anything more, so try a bridge count.",
        nested="Every further case inside this one fails as well.", dead_lines=DEAD_BRANCH_LINES)


TASK = Bridges()

__all__ = ["TASK", "Bridges", "Model", "candidate_edges", "crosses", "parse_bridges"]
