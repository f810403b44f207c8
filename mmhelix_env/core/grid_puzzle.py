"""The shared model of cell-valued grid puzzles: Latin-square CSPs, lenient grid parsing, rule checks
with reasons that name the row, column or cell, and the step-mode mixin.

- :func:`latin_csp` / :func:`random_latin_square`: an n×n Latin square as a :class:`~.csp.CSP`
  (variable ``r * n + c``, values 1..n, one AllDifferent per row and column); add a genre's constraints.
- :func:`parse_grid`: a rows×cols integer grid from an answer: the last bracketed matrix of that shape,
  else the last block of rows lines, else exactly rows·cols integers row-major. ASCII digits only.
- :class:`Checklist` plus :func:`check_values`, :func:`check_givens`, :func:`check_latin`: count the rule
  checks an answer passes and say what broke ("row 2 has 3 twice (cells (2,0) and (2,4))"); ``verdict()``
  turns them into a :class:`~.instance.Verdict` with partial credit.
- :class:`CellStepMixin`: step mode for cell puzzles: action ``(row, col, code)`` in MultiDiscrete
  ``(rows, cols, codes)`` (code 0 erases), locked cells illegal, play state a tuple of row tuples.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .csp import CSP, AllDifferent, mask_of
from .instance import Instance, Verdict
from .parsing import ParseError, bounded
from .task import StepResult

Grid = tuple[tuple[int, ...], ...]

# ---------------------------------------------------------------------------------------------------------------
# names and text


def cell_name(r: int, c: int, base: int = 0) -> str:
    """``(r,c)`` with ``base``-based indices."""
    return f"({r + base},{c + base})"


def cell_names(rows: int, cols: int, base: int = 0) -> list[str]:
    """Names of the variables ``r * cols + c`` for a CSP's traces."""
    return [cell_name(r, c, base) for r in range(rows) for c in range(cols)]


def to_grid(values: Iterable[Iterable[Any]]) -> Grid:
    """An immutable grid of ints (``None`` becomes 0)."""
    return tuple(tuple(0 if v is None else int(v) for v in row) for row in values)


def flatten(grid: Iterable[Iterable[int]]) -> list[int]:
    return [int(v) for row in grid for v in row]


def reshape(flat: Sequence[int], cols: int) -> Grid:
    return tuple(tuple(int(v) for v in flat[i : i + cols]) for i in range(0, len(flat), cols))


def matrix_text(grid: Iterable[Iterable[int]]) -> str:
    """``[[1, 2], [2, 1]]``."""
    return "[" + ", ".join("[" + ", ".join(str(int(v)) for v in row) + "]" for row in grid) + "]"


def grid_lines(grid: Iterable[Iterable[int]], blank: str = "_", sep: str = " ",
               symbols: dict[int, str] | None = None) -> list[str]:
    """One line per row; 0 is written ``blank``; ``symbols`` maps other values to text."""
    out = []
    for row in grid:
        cells = []
        for v in row:
            v = int(v)
            cells.append(blank if v == 0 else (symbols.get(v, str(v)) if symbols else str(v)))
        out.append(sep.join(cells))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Latin squares


def latin_csp(n: int, *, base: int = 0) -> CSP:
    """An n×n Latin square CSP: variable ``r * n + c`` takes 1..n; rows and columns all different
    (labelled ``row r`` / ``column c`` with ``base``-based numbers; cells named ``(r,c)``)."""
    csp = CSP([mask_of(range(1, n + 1))] * (n * n), names=cell_names(n, n, base))
    for r in range(n):
        csp.add(AllDifferent([r * n + c for c in range(n)], label=f"row {r + base}"))
    for c in range(n):
        csp.add(AllDifferent([r * n + c for r in range(n)], label=f"column {c + base}"))
    return csp


def random_latin_square(rng: np.random.Generator, n: int, csp: CSP | None = None) -> Grid:
    """A random Latin square of order n: randomised backtracking (a seeded value order per cell), then a
    random permutation of rows, columns and symbols, so squares of every isotopy class occur."""
    csp = csp if csp is not None else latin_csp(n)
    keys = rng.random((n * n, n))
    order = [[int(x) + 1 for x in np.argsort(row, kind="stable")] for row in keys]
    values = csp.solve(value_order=order)
    if values is None:  # pragma: no cover - an empty Latin square always has a completion
        raise RuntimeError("no Latin square")
    rows = rng.permutation(n).tolist()
    cols = rng.permutation(n).tolist()
    relabel = (rng.permutation(n) + 1).tolist()
    return tuple(tuple(relabel[values[rows[r] * n + cols[c]] - 1] for c in range(n)) for r in range(n))


# ---------------------------------------------------------------------------------------------------------------
# parsing

_MATRIX = re.compile(r"[\[(]\s*((?:[\[(][^\[\]()]*[\])]\s*(?:[,;]\s*)?)+)[\])]")
_ROW = re.compile(r"[\[(]([^\[\]()]*)[\])]")
_TOKEN = re.compile(r"[^\s,;]+")
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_ANY_INT = re.compile(r"(?<![\w.])[+-]?\d+(?![\w.]*\d)", re.ASCII)
_LINE_SPLIT = re.compile(r"\n|\\\\|\\n")
_ROW_PREFIX = re.compile(r"^\s*(?:row|r)\s*\d+\s*[:.)=-]\s*", re.I | re.ASCII)
_LINE_TOKEN = re.compile(r"[^\s,|&;]+")
_LINE_JUNK = re.compile(r"[\[\]()\"'`{}]")
_SEPARATOR_LINE = re.compile(r"^[\s|+:=_-]*$")


def _int_or_none(tok: str) -> int | None:
    tok = tok.strip("\"'` ")
    return int(tok) if _INTEGER.fullmatch(tok) else None


def _split_digits(values: list[str], cols: int) -> list[str]:
    """Single-digit grids written without separators: ``0110`` → 0 1 1 0."""
    if len(values) != cols and all(v.isdigit() for v in values) and sum(len(v) for v in values) == cols:
        return list("".join(values))
    return values


def parse_grid(text: str, rows: int, cols: int, *, single_digit: bool = False, max_chars: int = 20_000,
               what: str = "integers") -> list[list[int]]:
    """A rows×cols integer grid, read leniently (see module doc): the **last** bracketed matrix with
    exactly that shape (``[[1, 2], [2, 1]]``, tuples, quotes, optional ``"answer":``), else the last
    block of ``rows`` consecutive lines of ``cols`` integers (separated by spaces, commas, ``|``, ``&``;
    LaTeX ``\\\\`` row ends; ``Row k:`` prefixes; no separator for ``single_digit`` grids), else exactly
    rows·cols integers (or digits, for ``single_digit``) in row-major order. Values are not range
    checked here. Raises :class:`ParseError` with the shape that was found."""
    text = bounded(text, max_chars)
    need = rows * cols
    notes: list[str] = []
    # 1. bracketed matrices, last first
    for m in reversed(list(_MATRIX.finditer(text))):
        row_texts = _ROW.findall(m.group(1))
        parsed = []
        for body in row_texts:
            toks = _TOKEN.findall(body)
            if single_digit:
                toks = _split_digits(toks, cols)
            vals = [_int_or_none(t) for t in toks]
            if any(v is None for v in vals):
                parsed = None
                break
            parsed.append(vals)
        if parsed is None:
            if not notes:
                notes.append("the last matrix holds a value that is not an integer")
            continue
        if len(parsed) == rows and all(len(r) == cols for r in parsed):
            return parsed
        if not notes:
            lens = sorted({len(r) for r in parsed})
            width = "/".join(map(str, lens))
            notes.append(f"the last matrix has {len(parsed)} rows of {width} values")
    # 2. lines of integers
    runs: list[list[list[str]]] = []
    run: list[list[str]] = []
    for line in _LINE_SPLIT.split(text):
        line = _LINE_JUNK.sub(" ", _ROW_PREFIX.sub("", line)).strip()
        if line.lower().startswith('answer'):
            line = line.split(":", 1)[-1].strip() if ":" in line else ""
        if not line or _SEPARATOR_LINE.match(line):
            continue
        toks = _LINE_TOKEN.findall(line)
        if single_digit:
            toks = _split_digits(toks, cols)
        if toks and all(_INTEGER.fullmatch(t) for t in toks):
            run.append(toks)
            continue
        if run:
            runs.append(run)
        run = []
    if run:
        runs.append(run)
    for block in reversed(runs):
        if len(block) == rows:
            bad = [i for i, r in enumerate(block) if len(r) != cols]
            if not bad:
                return [[int(t) for t in r] for r in block]
            if not notes:
                notes.append(f"line {bad[0] + 1} of the grid has {len(block[bad[0]])} values, expected {cols}")
            break
    # 3. every integer (or digit), row-major
    flat = _ANY_INT.findall(text)
    if single_digit and len(flat) != need:
        digits = "".join(t for t in flat if t.isdigit())
        if len(digits) == need and all(t.isdigit() for t in flat):
            flat = list(digits)
    if len(flat) == need:
        vals = [int(t) for t in flat]
        return [vals[r * cols : (r + 1) * cols] for r in range(rows)]
    hint = notes[0] if notes else f"found {len(flat)} {what}"
    raise ParseError(f"expected a {rows}x{cols} grid ({rows} rows of {cols} {what}); {hint}")


# ---------------------------------------------------------------------------------------------------------------
# rule checks


class Checklist:
    """Counts rule checks, keeps the reasons of failed ones, and makes the verdict (score = passed / total).

    ``check(ok, reason)`` counts one check; ``fail(reason, fatal=True)`` marks an answer that scores 0
    (values out of range, changed givens where the spec says so)."""

    def __init__(self, max_reasons: int = 3):
        self.passed = 0
        self.total = 0
        self.problems: list[str] = []
        self.fatal = False
        self.max_reasons = max_reasons

    def check(self, ok: bool, reason: str | Callable[[], str] = "") -> bool:
        self.total += 1
        if ok:
            self.passed += 1
        else:
            self.problems.append(reason() if callable(reason) else reason)
        return ok

    def fail(self, reason: str, fatal: bool = True) -> None:
        self.problems.append(reason)
        self.fatal = self.fatal or fatal

    @property
    def ok(self) -> bool:
        return not self.problems and not self.fatal

    def reason(self) -> str:
        shown = [p for p in self.problems if p][: self.max_reasons]
        more = len(self.problems) - len(shown)
        return "; ".join(shown) + (f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else "")

    def verdict(self, parsed: Any = None, ok_reason: str = "correct") -> Verdict:
        if self.ok:
            return Verdict.ok(parsed, ok_reason)
        score = 0.0 if self.fatal or not self.total else self.passed / self.total
        return Verdict.fail(self.reason() or "incorrect", score, parsed)


def check_values(grid: Sequence[Sequence[int]], allowed: Iterable[int], checklist: Checklist, *, base: int = 0,
                 describe: str | None = None) -> bool:
    """Every value in ``allowed``; the first bad cells are named and the answer scores 0 otherwise."""
    allowed = set(allowed)
    bad = [(r, c, v) for r, row in enumerate(grid) for c, v in enumerate(row) if v not in allowed]
    if not bad:
        return True
    lo, hi = min(allowed), max(allowed)
    span = describe or (f"{lo}..{hi}" if len(allowed) == hi - lo + 1 else ", ".join(map(str, sorted(allowed))))
    r, c, v = bad[0]
    more = f" ({len(bad)} cells out of range)" if len(bad) > 1 else ""
    checklist.fail(f"cell {cell_name(r, c, base)} holds {v}, not one of {span}{more}")
    return False


def check_givens(grid: Sequence[Sequence[int]], givens: Sequence[Sequence[int]], checklist: Checklist, *,
                 base: int = 0, fatal: bool = False) -> bool:
    """Every non-zero given kept (one check per given)."""
    ok = True
    for r, row in enumerate(givens):
        for c, g in enumerate(row):
            if g:
                kept = grid[r][c] == g
                ok &= checklist.check(kept, lambda r=r, c=c, g=g: f"the given {g} at {cell_name(r, c, base)} was "
                                                                   f"changed to {grid[r][c]}")
    if not ok and fatal:
        checklist.fatal = True
    return ok


def line_problem(values: Sequence[int], cells: Sequence[tuple[int, int]], name: str, expected: Iterable[int],
                 base: int = 0) -> str | None:
    """Why a line is not a permutation of ``expected`` (None if it is): a repeated value with its cells,
    else a missing value."""
    seen: dict[int, tuple[int, int]] = {}
    for v, rc in zip(values, cells):
        if v in seen:
            return f"{name} has {v} twice (cells {cell_name(*seen[v], base)} and {cell_name(*rc, base)})"
        seen[v] = rc
    missing = sorted(set(expected) - set(values))
    if missing:
        return f"{name} lacks {missing[0]}"
    return None


def check_latin(grid: Sequence[Sequence[int]], checklist: Checklist, *, base: int = 0,
                values: Iterable[int] | None = None) -> bool:
    """Every row and column a permutation of ``values`` (default 1..n): one check per line."""
    n = len(grid)
    expected = list(values) if values is not None else list(range(1, n + 1))
    ok = True
    for r in range(n):
        why = line_problem(grid[r], [(r, c) for c in range(n)], f"row {r + base}", expected, base)
        ok &= checklist.check(why is None, why or "")
    for c in range(n):
        col = [grid[r][c] for r in range(n)]
        why = line_problem(col, [(r, c) for r in range(n)], f"column {c + base}", expected, base)
        ok &= checklist.check(why is None, why or "")
    return ok


# ---------------------------------------------------------------------------------------------------------------
# step mode


class CellStepMixin:
    """Step mode for cell puzzles. Put it before ``Task`` in the bases and implement the hooks:

    - ``board_shape(inst) -> (rows, cols)`` and ``step_codes(inst) -> k`` (codes 0..k-1; 0 = erase);
    - ``play_givens(inst) -> grid`` of codes shown from the start (0 = empty) and, if locked cells differ
      from the non-zero givens, ``play_locked(inst) -> grid of bool``;
    - ``play_check(inst, play) -> bool``: whether the grid of codes solves the puzzle;
    - ``solution_codes(inst) -> grid`` of codes for the expert's solution;
    - optionally ``level_board(level) -> (rows, cols, codes)`` (the largest board of the level; default:
      the board of seed 0), ``code_text`` (code -> symbol in text prompts) and ``move_help(inst)``.
    Illegal: writing on a locked cell. The mask is False on locked cells and outside a smaller board.
    """

    step_mode = True
    steps_per_cell = 4
    code_text: dict[int, str] | None = None

    # hooks -------------------------------------------------------------------------------------------------
    def board_shape(self, inst: Instance) -> tuple[int, int]:
        raise NotImplementedError

    def step_codes(self, inst: Instance) -> int:
        raise NotImplementedError

    def play_givens(self, inst: Instance) -> Grid:
        raise NotImplementedError

    def play_locked(self, inst: Instance) -> tuple[tuple[bool, ...], ...]:
        return tuple(tuple(bool(v) for v in row) for row in self.play_givens(inst))

    def play_check(self, inst: Instance, play: Grid) -> bool:
        raise NotImplementedError

    def solution_codes(self, inst: Instance) -> Grid:
        raise NotImplementedError

    def level_board(self, level: int) -> tuple[int, int, int]:
        inst = self.instance(level, 0)  # type: ignore[attr-defined]
        return (*self.board_shape(inst), self.step_codes(inst))

    def move_help(self, inst: Instance) -> str:
        rows, cols = self.board_shape(inst)
        k = self.step_codes(inst)
        return (f"Each move is (row, column, value) with rows 0-{rows - 1} and columns 0-{cols - 1} counted from the "
                f"top-left cell: value 1-{k - 1} writes that value into the cell and value 0 erases it. Changing "
                "a given cell is illegal.")

    # Task step-mode API ------------------------------------------------------------------------------------
    def action_shape(self, inst: Instance) -> tuple[int, ...]:
        rows, cols = self.board_shape(inst)
        return (rows, cols, self.step_codes(inst))

    def level_action_shape(self, level: int) -> tuple[int, ...]:
        return tuple(self.level_board(level))

    def play_init(self, inst: Instance) -> Grid:
        return to_grid(self.play_givens(inst))

    def play_apply(self, inst: Instance, play: Grid, action: Any) -> StepResult:
        try:
            r, c, v = (int(x) for x in action)
        except (TypeError, ValueError):
            return StepResult(play, False, f"an action is (row, column, value), got {action!r}")
        rows, cols = self.board_shape(inst)
        k = self.step_codes(inst)
        if not (0 <= r < rows and 0 <= c < cols and 0 <= v < k):
            return StepResult(play, False, f"action {(r, c, v)} is outside rows 0-{rows - 1}, columns 0-{cols - 1}, "
                                           f"values 0-{k - 1}")
        if self.play_locked(inst)[r][c]:
            return StepResult(play, False, f"cell (row {r}, column {c}) is a fixed given and cannot be changed")
        if play[r][c] == v:
            return StepResult(play, True, "no change")
        row = list(play[r])
        row[c] = v
        new = play[:r] + (tuple(row),) + play[r + 1:]
        return StepResult(new, True, f"erased (row {r}, column {c})" if v == 0 else
                          f"wrote {self._code_str(v)} at (row {r}, column {c})")

    def play_mask(self, inst: Instance, play: Grid) -> np.ndarray:
        rows, cols = self.board_shape(inst)
        k = self.step_codes(inst)
        shape = tuple(max(a, b) for a, b in zip(self.level_action_shape(inst.level), (rows, cols, k)))
        mask = np.zeros(shape, dtype=bool)
        mask[:rows, :cols, :k] = True
        locked = np.asarray(self.play_locked(inst), dtype=bool).reshape(rows, cols)
        mask[:rows, :cols][locked] = False
        return mask

    def play_solved(self, inst: Instance, play: Grid) -> bool:
        return bool(self.play_check(inst, play))

    def step_limit(self, inst: Instance) -> int:
        rows, cols = self.board_shape(inst)
        return self.steps_per_cell * rows * cols

    def expert_actions(self, inst: Instance) -> list[tuple[int, int, int]]:
        start = self.play_init(inst)
        target = self.solution_codes(inst)
        return [(r, c, int(target[r][c])) for r in range(len(start)) for c in range(len(start[r]))
                if int(target[r][c]) != start[r][c]]

    def play_legend(self, inst: Instance) -> str:
        """How the image shows a play state (image-mode step prompts)."""
        return ("The image shows the current grid: bold dark entries are fixed, blue entries are the ones you have "
                "written.")

    def _code_str(self, v: int) -> str:
        return self.code_text.get(v, str(v)) if self.code_text else str(v)

    def play_text(self, inst: Instance, play: Grid) -> list[str]:
        """The current grid as text lines (``.`` = empty)."""
        return grid_lines(play, blank=".", symbols=self.code_text)

    def play_prompt(self, inst: Instance, play: Any, modality: str = "image") -> str:
        play = play if play is not None else self.play_init(inst)
        base = self.prompt(inst, modality)  # type: ignore[attr-defined]
        rows, cols = self.board_shape(inst)
        filled = sum(1 for row in play for v in row if v)
        if modality == "image":
            current = self.play_legend(inst)
        else:
            current = "The current grid (`.` = empty):\n" + "\n".join(self.play_text(inst, play))
        return (f"{base.rstrip()}\n\nYou solve it one move at a time. {current}\n{filled} of {rows * cols} cells "
                f"are filled. {self.move_help(inst)} The puzzle is solved as soon as the grid satisfies every rule.")


__all__ = [
    "CellStepMixin", "Checklist", "Grid", "cell_name", "cell_names", "check_givens", "check_latin",
    "check_values", "flatten", "grid_lines", "latin_csp", "line_problem", "matrix_text", "parse_grid",
    "random_latin_square", "reshape", "to_grid",
]
