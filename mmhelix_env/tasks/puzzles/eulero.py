"""Eulero (MM-HELIX ``eulero``): complete a Graeco-Latin square of letter-number pairs.

Generation (spec/tasks/Eulero.md): an orthogonal pair of Latin squares from a finite field GF(q)
(letter = a·i + j, number = b·i + j with distinct non-zero a, b; GF(4) and GF(8) by the irreducible
polynomials x²+x+1 and x³+x+1), then random row and column permutations, letter and number relabellings
and an optional transpose; the square is validated, then cells are visited in a random order and blanked
while the puzzle keeps exactly one solution (an exact test: no completion with that cell different), down
to the level's blank count (a draw that misses it is redrawn; ``CSP.carve``). Solver, counter (limit 2) and
trace: the shared CSP engine (core.csp) over one variable per cell whose value is a pair id; the pairs are all
different (the engine's AllDifferent) and each row and column holds every letter and every number once
(LineLetters / LineNumbers, all-different constraints on the letter / number projection of the pairs).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from PIL import ImageDraw

from ...core import GenerationError, Instance, ParseError, RecordError, Task, Verdict, record_field
from ...core.csp import CSP, AllDifferent, BudgetExceeded, Constraint, explain_search, single, values_of
from ...core.grid_puzzle import Checklist, SquareStepMixin, cell_names, move_text
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
# the CSP model (shared engine, core.csp)
#
# One variable per cell (r·n + c); its value is the pair id letter·(n+1) + number − 1, so a domain is a bit set of
# n chunks of n+1 bits: chunk L holds the numbers still possible with letter L in its low n bits, and its top
# bit (the guard) is always clear. Pairs unique: the engine's AllDifferent over all cells. Letters and numbers
# once per row and column: LatinLine below, an all-different on the letter projection and one on the number
# projection of the line's pairs, computed with bit tricks (no loops over letters):
#   letters of m: (m + F) & GUARDS, F = 2ⁿ − 1 in every chunk (a chunk's guard is set iff the chunk is non-empty);
#   numbers of m: the OR of all chunks (three shift-ors reach 8 chunks), low n bits;
#   a letter set g (guard bits) back to pairs: (g >> n) · (2ⁿ − 1); a number set s back to pairs: s · ONES,
#   ONES = bit 0 of every chunk (no carries either way).


class _Layout:
    """The bit layout of the pair ids for order n."""

    __slots__ = ("n", "width", "full", "ones", "fill", "guards", "shifts")

    def __init__(self, n: int):
        if not 1 <= n <= 8:
            raise ValueError(f"Eulero grids have 1-8 rows, not {n}")  # three shift-ors fold at most 8 chunks
        self.n = n
        self.width = w = n + 1
        self.full = (1 << n) - 1
        self.ones = sum(1 << (k * w) for k in range(n))
        self.fill = self.ones * self.full  # every pair; also the F of the letter projection
        self.guards = self.ones << n
        self.shifts = (w, 2 * w, 4 * w)


class LatinLine(Constraint):
    """A row or column of the Graeco-Latin square: every letter once and every number once (the two projected
    all-different propagators of :func:`_distinct_groups`, run to a common fixed point)."""

    __slots__ = ("n", "fill", "guards", "full", "ones", "s1", "s2", "s3")

    def __init__(self, vars, n: int, label: str):
        super().__init__(vars, label)
        lay = _Layout(n)
        self.n = n
        self.fill, self.guards, self.full, self.ones = lay.fill, lay.guards, lay.full, lay.ones
        self.s1, self.s2, self.s3 = lay.shifts

    def letters(self, m: int) -> int:
        """The letters of a domain (guard-bit positions)."""
        return (m + self.fill) & self.guards

    def letter_pairs(self, g: int) -> int:
        return (g >> self.n) * self.full

    def numbers(self, m: int) -> int:
        """The numbers of a domain (bit k = number k + 1)."""
        m |= m >> self.s1
        m |= m >> self.s2
        return (m | m >> self.s3) & self.full

    def number_pairs(self, g: int) -> int:
        return g * self.ones

    def propagate(self, dom: list[int]) -> list[int] | None:
        """Both projected all-differents at once, to a fixed point: naked singles (a cell whose pairs share one
        letter removes that letter's pairs from the other cells), hidden singles (n cells for n letters, so a
        letter with one possible cell keeps only its pairs there) and the pigeonhole test; numbers alike."""
        vs = self.vars
        fill, guards, full, ones, sh = self.fill, self.guards, self.full, self.ones, self.n
        s1, s2, s3 = self.s1, self.s2, self.s3
        lg: list[int] = []
        ng: list[int] = []
        for v in vs:  # the letter and number projections of every cell
            m = dom[v]
            lg.append((m + fill) & guards)
            x = m | m >> s1
            x |= x >> s2
            ng.append((x | x >> s3) & full)
        changed: list[int] = []
        while True:
            summary = _tally(lg, ng)
            if summary is None:
                return None
            fl, ol, tl, fn, on, tn, open_l, open_n = summary
            if not (open_l or open_n):  # every pair decided, letters and numbers all different
                return changed
            naked_l = ol & fl
            naked_n = on & fn
            ol &= ~fl
            on &= ~fn
            if ol.bit_count() < open_l or on.bit_count() < open_n:  # pigeonhole
                return None
            hid_l = ol & ~tl
            hid_n = on & ~tn
            if not (naked_l or naked_n or hid_l or hid_n):
                return changed
            drop_l = ~((fl >> sh) * full)
            drop_n = ~(fn * ones)
            i = -1
            for a, b in zip(lg, ng):
                i += 1
                open_a = a & (a - 1)
                if not (open_a or b & (b - 1)):
                    continue
                v = vs[i]
                m = dom[v]
                nm = m
                if open_a:
                    if naked_l:
                        nm &= drop_l
                    h = a & hid_l
                    if h:
                        if h & (h - 1):
                            return None
                        nm &= (h >> sh) * full
                if b & (b - 1):
                    if naked_n:
                        nm &= drop_n
                    h = b & hid_n
                    if h:
                        if h & (h - 1):
                            return None
                        nm &= h * ones
                if nm != m:
                    if not nm:
                        return None
                    dom[v] = nm
                    changed.append(v)
                    lg[i] = (nm + fill) & guards
                    x = nm | nm >> s1
                    x |= x >> s2
                    ng[i] = (x | x >> s3) & full

    def satisfied(self, values) -> bool:
        pairs = [pair_of(self.n, values[v]) for v in self.vars]
        return len({p[0] for p in pairs}) == len(pairs) == len({p[1] for p in pairs})


def _tally(lg: list[int], ng: list[int]) -> tuple[int, ...] | None:
    """Summary of the projected domains: fixed, open and twice-open letter (number) bits and the open counts;
    None when two cells are fixed to one letter (number) or a cell has no letter left."""
    fl = ol = tl = fn = on = tn = 0
    open_l = open_n = 0
    for a, b in zip(lg, ng):
        if a & (a - 1):
            tl |= ol & a
            ol |= a
            open_l += 1
        elif fl & a or not a:
            return None
        else:
            fl |= a
        if b & (b - 1):
            tn |= on & b
            on |= b
            open_n += 1
        elif fn & b:
            return None
        else:
            fn |= b
    return fl, ol, tl, fn, on, tn, open_l, open_n


def build_csp(n: int) -> CSP:
    """The Graeco-Latin square of order n as a CSP over pair ids (see above)."""
    csp = CSP([_Layout(n).fill] * (n * n), names=cell_names(n, n, 1))
    for k in range(n):
        csp.add(LatinLine([k * n + c for c in range(n)], n, f"row {k + 1}"))
        csp.add(LatinLine([r * n + k for r in range(n)], n, f"column {k + 1}"))
    csp.add(AllDifferent(range(n * n), label="the grid"))
    return csp


def pair_id(n: int, p: Pair) -> int:
    return p[0] * (n + 1) + p[1] - 1


def pair_of(n: int, pid: int) -> Pair:
    return (pid // (n + 1), pid % (n + 1) + 1)


def givens_domains(csp: CSP, n: int, givens) -> list[int]:
    """The CSP's domains with the given cells fixed (givens are strings like ``"A1"`` or None)."""
    return csp.fixed([None if g is None else pair_id(n, (LETTERS.index(g[0]), int(g[1:]))) for row in givens
                      for g in row])


def values_grid(n: int, values) -> PairGrid:
    return tuple(tuple(pair_of(n, values[r * n + c]) for c in range(n)) for r in range(n))


def pair_text(p: Pair) -> str:
    return f"{LETTERS[p[0]]}{p[1]}"


def grid_text(grid) -> str:
    return "\n".join("|".join(pair_text(p) for p in row) for row in grid)


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


class Eulero(SquareStepMixin, Task):
    name = "Eulero"
    category = "puzzles"
    benchmark_id = "eulero"
    generator_key = "eulero"
    score_function = "eulero_evaluator"
    version = "1"
    answer_format = "n lines of n letter-number pairs separated by |, e.g. A1|B2|C3"
    max_answer_chars = 20_000
    level_sizes = LEVEL_PARAMS
    legend_text = ("The image shows the current grid: the given pairs have a bold blue letter and a bold red number; "
                   "the pairs you have written are grey.")

    # ----- generation ------------------------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        n, blanks = LEVEL_PARAMS[level]
        for _ in range(MAX_DRAWS):
            square = random_square(rng, n)
            if not is_graeco_latin(square):  # pragma: no cover - orthogonal by construction
                raise GenerationError("Eulero: the field construction gave no Graeco-Latin square")
            flat = [pair_id(n, p) for row in square for p in row]
            kept = set(build_csp(n).carve(flat, rng.permutation(n * n).tolist(), n * n - blanks))
            if len(kept) == n * n - blanks:
                givens = [[pair_text(square[r][c]) if r * n + c in kept else None for c in range(n)]
                          for r in range(n)]
                return {"n": n, "givens": givens}, square
        raise GenerationError(f"Eulero: blank target {blanks} missed {MAX_DRAWS} times")  # pragma: no cover

    def csp(self, inst: Instance) -> tuple[CSP, list[int]]:
        """The engine model and the domains with the givens fixed."""
        n = self.size(inst)
        csp = build_csp(n)
        return csp, givens_domains(csp, n, inst.state["givens"])

    # ----- solving ---------------------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> PairGrid:
        csp, dom = self.csp(inst)
        values = csp.solve(domains=dom)
        if values is None:
            raise ValueError("this Eulero has no completion")
        return values_grid(self.size(inst), values)

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return grid_text(solution)

    def count(self, inst: Instance, limit: int = 2) -> int:
        csp, dom = self.csp(inst)
        return csp.count_solutions(limit, domains=dom)

    def stats(self, inst: Instance) -> dict:
        """Solver work: blank cells, candidate pairs of the blank cells before any deduction (free letters ×
        free numbers of the row and column, minus the used pairs), engine nodes and propagator calls of the
        uniqueness count (limit 2), and the cell narrowings and guesses of the traced solve."""
        n = self.size(inst)
        csp, dom = self.csp(inst)
        res = csp.search(2, domains=dom)
        log: list = []
        csp.search(1, domains=dom, log=log)
        return {"n": n, "blanks": sum(1 for m in dom if m & (m - 1)),
                "initial_candidates": _initial_candidates(n, dom), "search_nodes": res.nodes,
                "propagations": res.propagations,
                "deductions": sum(len(ev[2]) for ev in log if ev[0] == "deduce"),
                "guesses": sum(1 for ev in log if ev[0] == "branch")}

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
    def trace(self, inst: Instance) -> str:
        n = self.size(inst)
        csp, dom = self.csp(inst)
        log: list = []
        res = csp.search(1, domains=dom, log=log)
        if not res.solutions:
            raise ValueError("this Eulero has no completion")
        head = [f"Complete the {n}x{n} grid: letters A-{LETTERS[n - 1]} and numbers 1-{n} each once per row and "
                "column, and all pairs different. Cells are (row, column), 1-based.",
                "Givens (.. = blank):",
                *("|".join(g if g is not None else ".." for g in row) for row in inst.state["givens"]),
                "Every blank cell starts with all pairs as options. Apply the rules until nothing changes: a letter "
                "(number) placed in a row or column leaves the other cells of that line; a letter (number) with one "
                "possible cell in a line goes there; a pair already in the grid leaves every other cell; a pair "
                "with one possible cell goes there. When nothing is forced, guess in the cell with the fewest "
                "options:"]
        answer = grid_text(values_grid(n, res.solutions[0]))
        return "\n".join(head + _format_search(csp, log) + ["Every cell is filled and all rules hold.",
                                                             "Answer: " + answer])

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
        csp = build_csp(n)
        try:
            found = csp.solve(domains=givens_domains(csp, n, givens), max_nodes=20_000)
        except BudgetExceeded:
            raise RecordError("the givens could not be completed within the node budget") from None
        if found is None:
            raise RecordError("the givens admit no completion")
        return {"n": n, "givens": givens}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        return SIZE_LEVEL.get(int(state["n"]))

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> PairGrid:
        return tuple(tuple(row) for row in verdict.parsed)

    # ----- step mode (core.grid_puzzle.SquareStepMixin) -------------------------------------------------------
    def value_codes(self, n: int) -> int:
        return n * n + 1

    def play_givens(self, inst: Instance):
        n = self.size(inst)
        return tuple(tuple(0 if g is None else LETTERS.index(g[0]) * n + int(g[1:]) for g in row)
                     for row in inst.state["givens"])

    def play_values(self, inst: Instance, play) -> list[list[tuple[int, int]]]:
        n = self.size(inst)
        return [[((v - 1) // n, (v - 1) % n + 1) for v in row] for row in play]

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

    def move_help(self, inst: Instance) -> str:
        n = self.size(inst)
        return move_text(n, f"value v in 1-{n * n} writes the letter number (v-1)//{n} (0 = A) with the number "
                         f"(v-1)%{n}+1 (so 1 = A1, 2 = A2, ..., {n + 1} = B1), and value 0 erases the cell",
                         after="Changing a given cell is illegal.")


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


# ---------------------------------------------------------------------------------------------------------------
# trace formatting (words for the engine's search log)


def _initial_candidates(n: int, dom) -> int:
    """Candidate pairs of the open cells when only the givens' letters, numbers and pairs are crossed out."""
    taken = [0] * (2 * n)  # pairs excluded by the givens of each row (0..n-1) and column (n..2n-1)
    used = 0
    lay = _Layout(n)
    for v, m in enumerate(dom):
        if not m & (m - 1):
            r, c = divmod(v, n)
            letter, number = pair_of(n, m.bit_length() - 1)
            cut = (lay.full << (letter * lay.width)) | (lay.ones << (number - 1))
            taken[r] |= cut
            taken[n + c] |= cut
            used |= m
    return sum((m & ~(taken[v // n] | taken[n + v % n] | used)).bit_count()
               for v, m in enumerate(dom) if m & (m - 1))


def _options(n: int, m: int, most: int = 4) -> str:
    """``B4`` / ``B1, B4 or D2`` / ``7 pairs``."""
    if m.bit_count() > most:
        return f"{m.bit_count()} pairs"
    names = [pair_text(pair_of(n, p)) for p in values_of(m)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _result(csp: CSP, n: int, var: int, new: int) -> str:
    if single(new) is not None:
        return f"{csp.name(var)} = {_options(n, new)}"
    return f"{csp.name(var)} in {{{_options(n, new)}}}"


def _reasons(csp: CSP, vars, changes, after, proj, gname, word: str) -> list[str]:
    """What a projected all-different did, read from the result: a lost letter (number, pair) that another cell
    of the line now holds was crossed out as taken; any other loss means the cell was the only place left for
    the one it keeps (a hidden single)."""
    placed: dict[int, int] = {}
    for v in vars:
        g = proj(after[v])
        if g and not g & (g - 1):
            placed.setdefault(g, v)
    taken: dict[int, int] = {}
    hidden: list[str] = []
    for var, old, new in changes:
        lost = proj(old) & ~proj(new)
        elsewhere = False
        while lost:
            g = lost & -lost
            lost ^= g
            if placed.get(g, var) != var:
                taken[g] = placed[g]
            else:
                elsewhere = True
        g = proj(new)
        if elsewhere and g and not g & (g - 1):
            hidden.append(f"{word} {gname(g)} fits only in {csp.name(var)}")
    out = []
    if taken:
        items = ", ".join(f"{gname(g)} at {csp.name(v)}" for g, v in sorted(taken.items(), key=lambda kv: kv[1]))
        out.append(f"has {word} {items}")
    if hidden:
        out.append("; ".join(hidden))
    return out


def _deduction(csp: CSP, n: int, ci: int, changes, before) -> str:
    """One propagator call as a sentence: what the line (or the grid) already holds, what has one place left,
    and the changed cells' remaining options (when few)."""
    c = csp.constraints[ci]
    after = list(before)
    for var, _, new in changes:
        after[var] = new
    if isinstance(c, LatinLine):
        parts = _reasons(csp, c.vars, changes, after, c.letters,
                         lambda g: LETTERS[(g.bit_length() - 1) // (n + 1)], "letter")
        parts += _reasons(csp, c.vars, changes, after, c.numbers, lambda g: str(g.bit_length()), "number")
    else:
        parts = _reasons(csp, c.vars, changes, after, lambda m: m,
                         lambda g: pair_text(pair_of(n, g.bit_length() - 1)), "pair")
    label = c.label[0].upper() + c.label[1:]
    text = f"{label}: " + "; ".join(parts) if parts else f"{label}: the rules cut options"
    results = ", ".join(_result(csp, n, var, new) for var, _, new in changes if new.bit_count() <= 4)
    return text + (f". Now {results}." if results else ".")


def _failure(csp: CSP, ci: int) -> str:
    c = csp.constraints[ci]
    if isinstance(c, LatinLine):
        return f"Contradiction: {c.label} can no longer hold every letter and every number once."
    return "Contradiction: the grid can no longer hold every pair once."


def _format_search(csp: CSP, log: list) -> list[str]:
    """Root deductions, then each guess with its deductions; dead branches are cut short."""
    n = int(round(len(csp) ** 0.5))
    return explain_search(
        log, deduce=lambda ci, changes, before: _deduction(csp, n, ci, changes, before),
        fail=lambda ci, before: _failure(csp, ci),
        leaf_fail=lambda ci: f"Contradiction: {csp.constraints[ci].label} is broken.",
        guess=lambda var, value, cands: f"Guess {csp.name(var)} = {pair_text(pair_of(n, value))} (its options are "
                                        f"{_options(n, cands, 12)}).",
        undo=lambda var, value: f"So {csp.name(var)} = {pair_text(pair_of(n, value))} is impossible; undo it.",
        stuck="No rule forces anything more, so guess in a cell with the fewest options and follow it.",
        dead_lines=DEAD_BRANCH_LINES)


TASK = Eulero()

__all__ = ["LEVEL_PARAMS", "TASK", "Eulero", "LatinLine", "build_csp", "gf_tables", "is_graeco_latin", "parse_pairs"]
