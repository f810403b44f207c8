"""Eulero (MM-HELIX ``eulero``): complete a Graeco-Latin square of letter-number pairs.

Generation (spec/tasks/Eulero.md): an orthogonal pair of Latin squares from a finite field GF(q)
(letter = a·i + j, number = b·i + j with distinct non-zero a, b; GF(4) and GF(8) by the irreducible
polynomials x²+x+1 and x³+x+1), then random row and column permutations, letter and number relabellings
and an optional transpose; the square is validated, then cells are visited in a random order and blanked
while the puzzle keeps exactly one solution (an exact test: no completion with that cell different), down
to the level's blank count (a draw that misses it is redrawn). Solver and counter: bitmask MRV
backtracking over the blank cells; a cell's candidates are (free letters of its row and column) ×
(free numbers of its row and column) minus the pairs already used.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from PIL import ImageDraw

from ...core import GenerationError, Instance, ParseError, RecordError, Task, Verdict, record_field
from ...core.grid_puzzle import CellStepMixin, Checklist
from ...core.parsing import bounded
from ...render.canvas import draw_text, fit_font
from ...render.puzzle_grid import Board, render_board

# level -> (n, blanks)
LEVEL_PARAMS: dict[int, tuple[int, int]] = {1: (3, 3), 2: (4, 7), 3: (5, 12), 4: (7, 26), 5: (8, 38)}
SIZE_LEVEL = {3: 1, 4: 2, 5: 3, 7: 4, 8: 5}
LETTERS = "ABCDEFGHI"
MAX_DRAWS = 50
DEAD_BRANCH_LINES = 6
LETTER_INK = (20, 60, 200)
NUMBER_INK = (200, 30, 30)
ENTRY_INK = (75, 75, 85)
# irreducible polynomials of GF(2^k) (bit i = coefficient of x^i)
POLY = {4: 0b111, 8: 0b1011}
FORMAT_SENTENCES = ("Each row should be represented as a single line of letter-number pairs, separated by `|` "
                    "(without spaces).\nEach row must be on a new line.")

Pair = tuple[int, int]          # (letter index 0..n-1, number 1..n)
PairGrid = tuple[tuple[Pair, ...], ...]


# ---------------------------------------------------------------------------------------------------------------
# finite fields and squares


def gf_tables(q: int) -> tuple[list[list[int]], list[list[int]]]:
    """Addition and multiplication tables of GF(q), q in {3, 4, 5, 7, 8} (elements 0..q-1)."""
    if q in POLY:
        poly = POLY[q]
        bits = q.bit_length() - 1

        def mul(a: int, b: int) -> int:
            out = 0
            while b:
                if b & 1:
                    out ^= a
                b >>= 1
                a <<= 1
                if a >> bits & 1:
                    a ^= poly
            return out

        return [[a ^ b for b in range(q)] for a in range(q)], [[mul(a, b) for b in range(q)] for a in range(q)]
    return [[(a + b) % q for b in range(q)] for a in range(q)], [[a * b % q for b in range(q)] for a in range(q)]


def is_graeco_latin(grid) -> bool:
    """Every row and column has each letter and each number once, and all n² pairs differ."""
    n = len(grid)
    letters = set(range(n))
    numbers = set(range(1, n + 1))
    for k in range(n):
        row = [grid[k][c] for c in range(n)]
        col = [grid[r][k] for r in range(n)]
        for line in (row, col):
            if {p[0] for p in line} != letters or {p[1] for p in line} != numbers:
                return False
    return len({p for row in grid for p in row}) == n * n


def random_square(rng: np.random.Generator, n: int) -> PairGrid:
    add, mul = gf_tables(n)
    a, b = (int(x) for x in rng.choice(np.arange(1, n), size=2, replace=False))
    rows = rng.permutation(n).tolist()
    cols = rng.permutation(n).tolist()
    letter_map = rng.permutation(n).tolist()
    number_map = (rng.permutation(n) + 1).tolist()
    transpose = bool(rng.integers(2))
    grid = []
    for r in range(n):
        row = []
        for c in range(n):
            i, j = rows[r], cols[c]
            if transpose:
                i, j = j, i
            row.append((letter_map[add[mul[a][i]][j]], number_map[add[mul[b][i]][j]]))
        grid.append(tuple(row))
    return tuple(grid)


# ---------------------------------------------------------------------------------------------------------------
# solver


class Solver:
    """Bitmask MRV search. ``cells`` holds ``(letter, number)`` or None; pair id = letter·n + number − 1."""

    def __init__(self, n: int, cells):
        self.n = n
        self.full = (1 << n) - 1
        self.row_l = [0] * n
        self.col_l = [0] * n
        self.row_n = [0] * n
        self.col_n = [0] * n
        self.used = 0
        self.grid = [[None] * n for _ in range(n)]
        self.blank: list[tuple[int, int]] = []
        self.ok = True
        self.nodes = 0
        for r in range(n):
            for c in range(n):
                p = cells[r][c]
                if p is None:
                    self.blank.append((r, c))
                elif not self.place(r, c, int(p[0]), int(p[1])):
                    self.ok = False

    def place(self, r: int, c: int, letter: int, number: int) -> bool:
        lb, nb = 1 << letter, 1 << (number - 1)
        pb = 1 << (letter * self.n + number - 1)
        if (self.row_l[r] | self.col_l[c]) & lb or (self.row_n[r] | self.col_n[c]) & nb or self.used & pb:
            return False
        self.row_l[r] |= lb
        self.col_l[c] |= lb
        self.row_n[r] |= nb
        self.col_n[c] |= nb
        self.used |= pb
        self.grid[r][c] = (letter, number)
        return True

    def unplace(self, r: int, c: int) -> None:
        letter, number = self.grid[r][c]
        lb, nb = ~(1 << letter), ~(1 << (number - 1))
        self.row_l[r] &= lb
        self.col_l[c] &= lb
        self.row_n[r] &= nb
        self.col_n[c] &= nb
        self.used &= ~(1 << (letter * self.n + number - 1))
        self.grid[r][c] = None

    def candidates(self, r: int, c: int) -> int:
        """Bitmask of pair ids possible at (r, c)."""
        n = self.n
        lm = self.full & ~(self.row_l[r] | self.col_l[c])
        nm = self.full & ~(self.row_n[r] | self.col_n[c])
        out = 0
        while lm:
            low = lm & -lm
            out |= nm << ((low.bit_length() - 1) * n)
            lm ^= low
        return out & ~self.used

    def pick(self, open_cells) -> tuple[int, int, int, int]:
        """(index in open_cells, r, c, candidates) of an open cell with the fewest candidates."""
        best = None
        fewest = 1 << 30
        for k, (r, c) in enumerate(open_cells):
            m = self.candidates(r, c)
            cnt = m.bit_count()
            if cnt < fewest:
                best = (k, r, c, m)
                fewest = cnt
                if cnt <= 1:
                    break
        return best  # type: ignore[return-value]

    def search(self, limit: int = 2, forbid: dict[tuple[int, int], int] | None = None,
               max_nodes: int | None = None) -> list[list[list]]:
        """Up to ``limit`` completions; ``forbid`` maps cells to a pair id they must not take."""
        found: list[list[list]] = []
        if not self.ok:
            return found
        open_cells = list(self.blank)
        n = self.n
        forbid = forbid or {}

        def rec() -> bool:
            self.nodes += 1
            if max_nodes is not None and self.nodes > max_nodes:
                raise GenerationError("Eulero: node budget exceeded")
            if not open_cells:
                found.append([row[:] for row in self.grid])
                return len(found) >= limit
            k, r, c, m = self.pick(open_cells)
            bad = forbid.get((r, c))
            if bad is not None:
                m &= ~(1 << bad)
            if not m:
                return False
            open_cells[k] = open_cells[-1]
            open_cells.pop()
            while m:
                low = m & -m
                m ^= low
                p = low.bit_length() - 1
                self.place(r, c, p // n, p % n + 1)
                done = rec()
                self.unplace(r, c)
                if done:
                    open_cells.append((r, c))
                    return True
            open_cells.append((r, c))
            return False

        rec()
        return found


def cells_of(n: int, givens) -> list[list]:
    """Givens (strings like ``"A1"`` or None) as (letter index, number) pairs."""
    return [[None if g is None else (LETTERS.index(g[0]), int(g[1:])) for g in givens[r]] for r in range(n)]


def pair_text(p: Pair) -> str:
    return f"{LETTERS[p[0]]}{p[1]}"


def grid_text(grid) -> str:
    return "\n".join("|".join(pair_text(p) for p in row) for row in grid)


def carve(rng: np.random.Generator, square: PairGrid, blanks: int) -> list[list]:
    """Blank cells in a random order while the puzzle stays unique (no completion differing at that cell)."""
    n = len(square)
    cells: list[list] = [list(row) for row in square]
    removed = 0
    for idx in rng.permutation(n * n).tolist():
        if removed >= blanks:
            break
        r, c = divmod(idx, n)
        letter, number = square[r][c]
        cells[r][c] = None
        other = Solver(n, cells).search(1, forbid={(r, c): letter * n + number - 1})
        if other:
            cells[r][c] = square[r][c]
        else:
            removed += 1
    return cells


# ---------------------------------------------------------------------------------------------------------------
# parsing

_ROW_SPLIT = re.compile(r"\n|\\n|\\\\|;")
_CELL_SPLIT = re.compile(r"[|,&]")
_CELL = re.compile(r"([A-Za-z])\s*(\d{1,2})", re.ASCII)
_JUNK = re.compile(r"[\[\]()\"'`{}*]")
_PREFIX = re.compile(r"^\s*(?:answer|final answer|row\s*\d+)\s*[:=]\s*", re.I | re.ASCII)


def _parse_line(line: str) -> list[str] | None | str:
    """Cells of a line, None for a line that is not a row, or an error string for a malformed row."""
    line = _JUNK.sub(" ", _PREFIX.sub("", line)).strip()
    if not line:
        return None
    toks = [t.strip() for t in _CELL_SPLIT.split(line)]
    if toks and not toks[0]:
        toks = toks[1:]
    if toks and not toks[-1]:
        toks = toks[:-1]
    if not toks:
        return None
    good = [t for t in toks if _CELL.fullmatch(t)]
    if len(good) == len(toks):
        return toks
    if len(toks) > 1 and len(good) >= len(toks) - 1:
        bad = next(t for t in toks if not _CELL.fullmatch(t))
        return f"the cell {bad[:20]!r} is not a letter followed by a number"
    return None


def parse_pairs(text: str, n: int, max_chars: int = 20_000) -> list[list[Pair]]:
    """An n×n grid of (letter index, number) read leniently (see the spec): the last block of n row lines,
    else one line of exactly n² cells reshaped row-major."""
    text = bounded(text, max_chars)
    runs: list[list[list[str]]] = []
    run: list[list[str]] = []
    problem = None
    for line in _ROW_SPLIT.split(text):
        cells = _parse_line(line)
        if isinstance(cells, list):
            run.append(cells)
            continue
        if isinstance(cells, str) and problem is None:
            problem = cells
        if run:
            runs.append(run)
        run = []
    if run:
        runs.append(run)
    rows = None
    for block in reversed(runs):
        if len(block) == n and all(len(r) == n for r in block):
            rows = block
            break
        if len(block) == 1 and len(block[0]) == n * n:
            rows = [block[0][k * n:(k + 1) * n] for k in range(n)]
            break
    if rows is None:
        if problem:
            raise ParseError(problem)
        if runs:
            block = runs[-1]
            widths = "/".join(str(w) for w in sorted({len(r) for r in block}))
            raise ParseError(f"expected {n} rows of {n} letter-number cells; found {len(block)} row(s) of {widths}")
        raise ParseError(f"expected {n} rows of {n} letter-number cells such as A1|B2 ; found none")
    out = []
    for row in rows:
        parsed = []
        for tok in row:
            m = _CELL.fullmatch(tok)
            parsed.append((ord(m.group(1).upper()) - ord("A"), int(m.group(2))))
        out.append(parsed)
    return out


# ---------------------------------------------------------------------------------------------------------------
# the task


class Eulero(CellStepMixin, Task):
    name = "Eulero"
    category = "puzzles"
    benchmark_id = "eulero"
    generator_key = "eulero"
    score_function = "eulero_evaluator"
    version = "1"
    answer_format = "n lines of n letter-number pairs separated by |, e.g. A1|B2|C3"
    max_answer_chars = 20_000

    # ----- generation ------------------------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        n, blanks = LEVEL_PARAMS[level]
        for _ in range(MAX_DRAWS):
            square = random_square(rng, n)
            if not is_graeco_latin(square):  # pragma: no cover - orthogonal by construction
                raise GenerationError("Eulero: the field construction gave no Graeco-Latin square")
            cells = carve(rng, square, blanks)
            if sum(1 for row in cells for p in row if p is None) == blanks:
                givens = [[None if p is None else pair_text(p) for p in row] for row in cells]
                return {"n": n, "givens": givens}, square
        raise GenerationError(f"Eulero: blank target {blanks} missed {MAX_DRAWS} times")  # pragma: no cover

    @staticmethod
    def size(inst: Instance) -> int:
        return int(inst.state["n"])

    def solver(self, inst: Instance) -> Solver:
        n = self.size(inst)
        return Solver(n, cells_of(n, inst.state["givens"]))

    # ----- solving ---------------------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> PairGrid:
        found = self.solver(inst).search(1)
        if not found:
            raise ValueError("this Eulero has no completion")
        return tuple(tuple(row) for row in found[0])

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return grid_text(solution)

    def count(self, inst: Instance, limit: int = 2) -> int:
        return len(self.solver(inst).search(limit))

    def stats(self, inst: Instance) -> dict:
        """Solver work: blank cells, open candidate pairs at the start, nodes of the uniqueness count and of
        the traced solve."""
        n = self.size(inst)
        s = self.solver(inst)
        cands = sum(s.candidates(r, c).bit_count() for r, c in s.blank)
        s.search(2)
        return {"n": n, "blanks": len(s.blank), "initial_candidates": cands, "search_nodes": s.nodes,
                "guesses": self._solve_log(inst)[1]}

    # ----- verification ----------------------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        n = self.size(inst)
        grid = parse_pairs(answer, n, self.max_answer_chars)
        return self.check_grid(inst, grid)

    def check_grid(self, inst: Instance, grid) -> Verdict:
        n = self.size(inst)
        checks = Checklist()
        bad = [(r, c, p) for r in range(n) for c, p in enumerate(grid[r])
               if not (0 <= p[0] < n and 1 <= p[1] <= n)]
        if bad:
            r, c, p = bad[0]
            more = f" ({len(bad)} cells out of range)" if len(bad) > 1 else ""
            text = f"{chr(ord('A') + p[0])}{p[1]}" if 0 <= p[0] < 26 else str(p)
            checks.fail(f"cell ({r + 1},{c + 1}) holds {text}: letters must be A-{LETTERS[n - 1]} and numbers "
                        f"1-{n}{more}")
            return checks.verdict(None)
        for r in range(n):
            for c in range(n):
                g = inst.state["givens"][r][c]
                if g is not None:
                    got = pair_text(grid[r][c])
                    checks.check(got == g, lambda r=r, c=c, g=g, got=got: (
                        f"the given {g} at ({r + 1},{c + 1}) was changed to {got}"))
        for k in range(n):
            for kind, cells in (("row", [(k, c) for c in range(n)]), ("column", [(r, k) for r in range(n)])):
                why = _line_problem(grid, cells, f"{kind} {k + 1}")
                checks.check(why is None, why or "")
        seen: dict[Pair, tuple[int, int]] = {}
        dup = None
        for r in range(n):
            for c in range(n):
                p = grid[r][c]
                if p in seen and dup is None:
                    dup = f"the pair {pair_text(p)} appears twice (cells ({seen[p][0] + 1},{seen[p][1] + 1}) and " \
                          f"({r + 1},{c + 1}))"
                seen.setdefault(p, (r, c))
        checks.check(dup is None, dup or "")
        parsed = tuple(tuple(tuple(p) for p in row) for row in grid)
        return checks.verdict(parsed, f"correct: every row and column holds each letter and number once, all "
                                    f"{n * n} pairs differ and the givens are kept")

    # ----- presentation ----------------------------------------------------------------------------------------
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        n = self.size(inst)
        img, layout = render_board(Board(n, n), size)
        draw = ImageDraw.Draw(img)
        cell = layout.cell
        fnt = fit_font("W", cell * 0.4, cell * 0.44, bold=True)
        entry = fit_font("W", cell * 0.4, cell * 0.44, bold=False)
        givens = inst.state["givens"]
        for r in range(n):
            for c in range(n):
                g = givens[r][c]
                if g is not None:
                    pair, f, inks = (LETTERS.index(g[0]), int(g[1:])), fnt, (LETTER_INK, NUMBER_INK)
                elif play is not None and play[r][c]:
                    v = int(play[r][c]) - 1
                    pair, f, inks = (v // n, v % n + 1), entry, (ENTRY_INK, ENTRY_INK)
                else:
                    continue
                cx, cy = layout.center(r, c)
                draw_text(draw, (cx - cell * 0.22, cy), LETTERS[pair[0]], f, fill=inks[0])
                draw_text(draw, (cx + cell * 0.22, cy), str(pair[1]), f, fill=inks[1])
        return img

    def rules(self, n: int) -> str:
        return ("### Global Rules:\n"
                "1. Each cell contains a letter-number pair (like A1).\n"
                "2. Each letter appears exactly once in every row and every column.\n"
                "3. Each number appears exactly once in every row and every column.\n"
                "4. Each letter-number pair is unique across the entire grid (i.e., no duplicate pairs anywhere).\n"
                "5. For an N×N grid, the letters used are the first N letters of the alphabet (A=1, B=2, ..., up to "
                "the N-th letter), and the numbers used are from 1 to N.\n"
                f"This puzzle is {n}×{n}: the letters are A-{LETTERS[n - 1]} and the numbers are 1-{n}.\n")

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        n = self.size(inst)
        head = ("Your task is to solve the Eulero puzzle, based on the rules and the current puzzle state shown "
                "below.\n\n### Goal:\nFill all empty cells such that the following rules are satisfied:\n\n"
                + self.rules(n))
        fmt = ("### Output Format:\n" + FORMAT_SENTENCES + "\n\nFor example (a 3×3 grid):\nA1|B2|C3\nB3|C1|A2\n"
               "C2|A3|B1\n")
        if modality == "image":
            return (head + "\n### Current Puzzle State:\nThe puzzle is displayed in the image:\n"
                    "- Some cells are pre-filled with letter-number pairs (letter in blue, number in red).\n"
                    "- Blank cells are empty and must be filled in.\n\n" + fmt)
        if modality == "text":
            rows = "\n".join("|".join(g if g is not None else ".." for g in row) for row in inst.state["givens"])
            return (head + "\n### Current Puzzle State:\nThe grid, one row per line with cells separated by `|`; "
                    "`..` marks a blank cell to fill:\n" + rows + "\n\n" + fmt)
        raise ValueError(f"unknown modality {modality!r}; use 'image' or 'text'")

    # ----- trace -----------------------------------------------------------------------------------------------
    def _solve_log(self, inst: Instance) -> tuple[list[str], int, PairGrid]:
        """Lines of a traced MRV solve (forced cells, guesses, contradictions, undos), the guess count and the
        solution."""
        s = self.solver(inst)
        n = s.n
        open_cells = list(s.blank)
        guesses = 0

        def cands_text(m: int) -> str:
            out = []
            while m:
                low = m & -m
                m ^= low
                p = low.bit_length() - 1
                out.append(f"{LETTERS[p // n]}{p % n + 1}")
            return ", ".join(out)

        def why(r: int, c: int) -> str:
            lm = s.full & ~(s.row_l[r] | s.col_l[c])
            nm = s.full & ~(s.row_n[r] | s.col_n[c])
            letters = ",".join(LETTERS[i] for i in range(n) if lm >> i & 1) or "none"
            numbers = ",".join(str(i + 1) for i in range(n) if nm >> i & 1) or "none"
            return f"letters {letters} and numbers {numbers} are free in its row and column"

        def rec(depth: int) -> tuple[bool, list[str]]:
            nonlocal guesses
            lines: list[str] = []
            pad = "  " * depth
            placed: list[tuple[int, int]] = []
            while open_cells:
                k, r, c, m = s.pick(open_cells)
                cnt = m.bit_count()
                if cnt == 0:
                    lines.append(f"{pad}Contradiction: cell ({r + 1},{c + 1}) has no possible pair ({why(r, c)}, "
                                 "but every such pair is already used).")
                    for rr, cc in reversed(placed):
                        s.unplace(rr, cc)
                        open_cells.append((rr, cc))
                    return False, lines
                if cnt == 1:
                    p = m.bit_length() - 1
                    lines.append(f"{pad}Cell ({r + 1},{c + 1}): {why(r, c)}; the only unused pair is "
                                 f"{cands_text(m)}, so it goes there.")
                    s.place(r, c, p // n, p % n + 1)
                    open_cells[k] = open_cells[-1]
                    open_cells.pop()
                    placed.append((r, c))
                    continue
                open_cells[k] = open_cells[-1]
                open_cells.pop()
                lines.append(f"{pad}No cell is forced. Cell ({r + 1},{c + 1}) has the fewest options: "
                             f"{cands_text(m)}.")
                while m:
                    low = m & -m
                    m ^= low
                    p = low.bit_length() - 1
                    guesses += 1
                    s.place(r, c, p // n, p % n + 1)
                    lines.append(f"{pad}Guess ({r + 1},{c + 1}) = {LETTERS[p // n]}{p % n + 1}.")
                    ok, sub = rec(depth + 1)
                    if ok:
                        lines += sub
                        return True, lines
                    if len(sub) > DEAD_BRANCH_LINES:
                        sub = sub[:DEAD_BRANCH_LINES - 1] + [f"{pad}  ... ({len(sub) - DEAD_BRANCH_LINES} more "
                                                             "lines) ...", sub[-1]]
                    lines += sub
                    lines.append(f"{pad}So ({r + 1},{c + 1}) = {LETTERS[p // n]}{p % n + 1} is impossible; undo it.")
                    s.unplace(r, c)
                open_cells.append((r, c))
                for rr, cc in reversed(placed):
                    s.unplace(rr, cc)
                    open_cells.append((rr, cc))
                return False, lines
            return True, lines

        ok, lines = rec(0)
        if not ok or not s.ok:
            raise ValueError("this Eulero has no completion")
        return lines, guesses, tuple(tuple(row) for row in s.grid)

    def trace(self, inst: Instance) -> str:
        n = self.size(inst)
        lines, _, solution = self._solve_log(inst)
        head = [f"Complete the {n}x{n} grid: letters A-{LETTERS[n - 1]} and numbers 1-{n} each once per row and "
                "column, and all pairs different. Cells are (row, column), 1-based.",
                "Givens (.. = blank):",
                *("|".join(g if g is not None else ".." for g in row) for row in inst.state["givens"]),
                "For a blank cell the possible pairs are the letters free in its row and column, times the numbers "
                "free in its row and column, minus the pairs already in the grid. Repeatedly fill a cell with "
                "a single possible pair; when none is forced, guess in the cell with the fewest options:"]
        answer = grid_text(solution)
        return "\n".join(head + lines + ["Every cell is filled and all rules hold.", "Answer: " + answer])

    # ----- reference records -----------------------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record_field(record.get("initial_state"))
        if not isinstance(raw, str) or not raw.strip():
            raise RecordError("initial_state must be the grid text (rows by newline, cells by |)")
        lines = raw.replace("\r\n", "\n").split("\n")
        while lines and not lines[-1].strip() and "|" not in lines[-1]:
            lines.pop()
        n = len(lines)
        if n not in SIZE_LEVEL and n != 6:
            raise RecordError(f"an Eulero grid has 3, 4, 5, 7 or 8 rows, not {n}")
        givens = []
        for r, line in enumerate(lines):
            cells = line.split("|")
            if len(cells) != n:
                raise RecordError(f"row {r + 1} has {len(cells)} cells, expected {n}")
            row = []
            for tok in cells:
                tok = tok.strip()
                if not tok:
                    row.append(None)
                    continue
                m = _CELL.fullmatch(tok)
                if not m or not (0 <= ord(m.group(1).upper()) - 65 < n and 1 <= int(m.group(2)) <= n):
                    raise RecordError(f"bad cell {tok!r} in row {r + 1}")
                row.append(f"{m.group(1).upper()}{int(m.group(2))}")
            givens.append(row)
        if n == 6:
            raise RecordError("no 6x6 Graeco-Latin square exists (the reference's level-4 records are unsolvable)")
        try:
            found = Solver(n, cells_of(n, givens)).search(1, max_nodes=200_000)
        except GenerationError:
            raise RecordError("the givens could not be completed within the node budget") from None
        if not found:
            raise RecordError("the givens admit no completion")
        return {"n": n, "givens": givens}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        return SIZE_LEVEL.get(int(state["n"]))

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> PairGrid:
        return tuple(tuple(row) for row in verdict.parsed)

    # ----- step mode -------------------------------------------------------------------------------------------
    def board_shape(self, inst: Instance) -> tuple[int, int]:
        n = self.size(inst)
        return (n, n)

    def step_codes(self, inst: Instance) -> int:
        return self.size(inst) ** 2 + 1

    def level_board(self, level: int) -> tuple[int, int, int]:
        n = LEVEL_PARAMS[level][0]
        return (n, n, n * n + 1)

    def play_givens(self, inst: Instance):
        n = self.size(inst)
        return tuple(tuple(0 if g is None else LETTERS.index(g[0]) * n + int(g[1:]) for g in row)
                     for row in inst.state["givens"])

    def play_check(self, inst: Instance, play) -> bool:
        n = self.size(inst)
        if any(not v for row in play for v in row):
            return False
        grid = [[((v - 1) // n, (v - 1) % n + 1) for v in row] for row in play]
        return self.check_grid(inst, grid).correct

    def solution_codes(self, inst: Instance):
        n = self.size(inst)
        return tuple(tuple(p[0] * n + p[1] for p in row) for row in self.solution(inst))

    def play_apply(self, inst: Instance, play, action):
        res = super().play_apply(inst, play, action)
        if res.legal and res.reason.startswith("wrote "):
            n = self.size(inst)
            v = int(action[2]) - 1
            where = res.reason[res.reason.index(" at"):]
            res = type(res)(res.state, True, f"wrote {LETTERS[v // n]}{v % n + 1}{where}")
        return res

    def play_text(self, inst: Instance, play) -> list[str]:
        n = self.size(inst)
        return ["|".join(".." if not v else f"{LETTERS[(v - 1) // n]}{(v - 1) % n + 1}" for v in row) for row in play]

    def play_legend(self, inst: Instance) -> str:
        return ("The image shows the current grid: the given pairs have a bold blue letter and a bold red number; "
                "the pairs you have written are grey.")

    def move_help(self, inst: Instance) -> str:
        n = self.size(inst)
        return (f"Each move is (row, column, value) with rows and columns 0-{n - 1} counted from the top-left cell: "
                f"value v in 1-{n * n} writes the letter number (v-1)//{n} (0 = A) with the number (v-1)%{n}+1 "
                f"(so 1 = A1, 2 = A2, ..., {n + 1} = B1), and value 0 erases the cell. Changing a given cell is "
                "illegal.")


def _line_problem(grid, cells, name: str) -> str | None:
    letters: dict[int, tuple[int, int]] = {}
    numbers: dict[int, tuple[int, int]] = {}
    for r, c in cells:
        letter, number = grid[r][c]
        if letter in letters:
            r0, c0 = letters[letter]
            return f"{name} has the letter {LETTERS[letter]} twice (cells ({r0 + 1},{c0 + 1}) and ({r + 1},{c + 1}))"
        if number in numbers:
            r0, c0 = numbers[number]
            return f"{name} has the number {number} twice (cells ({r0 + 1},{c0 + 1}) and ({r + 1},{c + 1}))"
        letters[letter] = (r, c)
        numbers[number] = (r, c)
    return None


TASK = Eulero()

__all__ = ["LEVEL_PARAMS", "TASK", "Eulero", "Solver", "gf_tables", "is_graeco_latin", "parse_pairs"]
