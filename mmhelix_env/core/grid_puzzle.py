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
  :class:`SquareStepMixin` fills its hooks for n×n boards (``size(inst)`` from ``state["n"]``, a level
  size table, values 1..k), :class:`ShadeStepMixin` for shading puzzles (1 = shaded, 2 = a note mark).
- :class:`CSPGridMixin`: ``solve``/``count``/``format_answer``/``traced_grid`` of a puzzle whose answer is
  the grid of one CSP's values; :func:`solve_values` / :func:`traced_search`: a CSP's one solution (or
  its logged search), raising ``ValueError("this <puzzle> has no solution")``; :func:`givens_domains`,
  :func:`guess_words` (the guess/undo wording of ``explain_search`` traces).
- :class:`BitGrid` (an n×n board as an int bitset: neighbour spread, flood fill, connectivity),
  :class:`SizeCache` (``Cls.of(n)``), :func:`bits`.
- :func:`grid_witness` / :func:`tuple_witness` as a task's ``record_witness``; :func:`record_grid` (a
  record's grid state); :func:`parse_cell_pairs` reads an order-free set of (a, b) pairs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import numpy as np

from .csp import CSP, AllDifferent, SearchResult, format_values, mask_of
from .instance import Instance, Verdict
from .parsing import ParseError, bounded, parse_coords
from .task import StepResult, record_field

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
      the board of seed 0), ``code_text`` (code -> symbol in text prompts), ``legend_text`` (how the
      image shows a play state) and ``move_help(inst)``.
    Illegal: writing on a locked cell. The mask is False on locked cells and outside a smaller board.
    """

    step_mode = True
    steps_per_cell = 4
    code_text: dict[int, str] | None = None
    legend_text: str = ("The image shows the current grid: bold dark entries are fixed, blue entries are the ones you "
                        "have written.")

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
        """How the image shows a play state (image-mode step prompts): ``legend_text``."""
        return self.legend_text

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



def move_text(n: int, values: str, *, where: str = "", after: str = "",
              axes: str = "rows and columns 0-{last} counted from the top-left cell") -> str:
    """A square board's move help: ``Each move is (row, column, value) with <axes><where>: <values>.`` plus
    `` <after>`` (``{last}`` in ``axes`` is n - 1)."""
    return (f"Each move is (row, column, value) with {axes.format(last=n - 1)}{where}: {values}."
            + (f" {after}" if after else ""))


def shaded_cells(play: Grid, code: int = 1) -> list[tuple[int, int]]:
    """The ``(row, col)`` cells holding ``code``, row-major."""
    return [(r, c) for r, row in enumerate(play) for c, v in enumerate(row) if v == code]


def shaded_grid(play: Grid, code: int = 1) -> list[list[int]]:
    """A 0/1 grid: 1 where the play grid holds ``code``."""
    return [[1 if v == code else 0 for v in row] for row in play]


def cells_grid(cells: Iterable[tuple[int, int]], n: int) -> Grid:
    """An n×n grid of codes: 1 on ``cells`` (``(row, col)``), else 0."""
    on = set(cells)
    return tuple(tuple(1 if (r, c) in on else 0 for c in range(n)) for r in range(n))


class SquareSize:
    """``size(inst)``: the n of an n×n puzzle, stored as ``inst.state["n"]``."""

    @staticmethod
    def size(inst: Instance) -> int:
        return int(inst.state["n"])


class SquareStepMixin(SquareSize, CellStepMixin):
    """:class:`CellStepMixin` hooks for an n×n board (``size(inst)``) with values 1..k-1 (code 0 erases):

    - ``level_sizes``: level -> n (or a tuple whose first item is n, e.g. a ``LEVEL_PARAMS`` table);
    - ``value_codes(n)``: the number of codes on an n×n board (default n + 1);
    - ``play_givens``: ``inst.state[givens_key]`` as a grid (0 = empty), or an empty board when it is None;
    - ``play_check``: a grid with no empty cell (unless ``play_complete`` is False) whose
      ``play_values(inst, play)`` (default: the rows as lists) passes ``self.check_grid``;
    - ``solution_codes``: ``to_grid(self.solution(inst))``.
    """

    level_sizes: ClassVar[Mapping[int, Any]] = {}
    givens_key: ClassVar[str | None] = None
    play_complete: ClassVar[bool] = True

    def value_codes(self, n: int) -> int:
        return n + 1

    def level_size(self, level: int) -> int:
        n = self.level_sizes[level]
        return int(n if isinstance(n, int) else n[0])

    def board_shape(self, inst: Instance) -> tuple[int, int]:
        n = self.size(inst)
        return (n, n)

    def step_codes(self, inst: Instance) -> int:
        return self.value_codes(self.size(inst))

    def level_board(self, level: int) -> tuple[int, int, int]:
        n = self.level_size(level)
        return (n, n, self.value_codes(n))

    def play_givens(self, inst: Instance) -> Grid:
        if self.givens_key is not None:
            return to_grid(inst.state[self.givens_key])
        n = self.size(inst)
        return tuple((0,) * n for _ in range(n))

    def play_values(self, inst: Instance, play: Grid) -> Any:
        return [list(row) for row in play]

    def play_check(self, inst: Instance, play: Grid) -> bool:
        if self.play_complete and any(not v for row in play for v in row):
            return False
        return self.check_grid(inst, self.play_values(inst, play)).correct  # type: ignore[attr-defined]

    def solution_codes(self, inst: Instance) -> Grid:
        return to_grid(self.solution(inst))  # type: ignore[attr-defined]


class ShadeStepMixin(SquareStepMixin):
    """Step mode of a binary shading puzzle on an n×n board: codes 1 = shaded/filled, 2 = marked (a note
    only), 0 = clear. With ``shade_cells`` (default) the answer is the list of shaded ``(row, col)`` cells,
    checked by ``self.check_cells(inst, cells)``; otherwise a 0/1 grid checked by ``self.check_grid``.
    ``move_help`` is :func:`move_text` with ``value 1 <shade_text>, value 2 <mark_text>, value 0 <clear_text>``
    and the class attributes ``move_axes``, ``move_where``, ``move_after``."""

    shade_cells: ClassVar[bool] = True
    shade_text: ClassVar[str] = "shades the cell"
    mark_text: ClassVar[str] = "marks it (a note only)"
    clear_text: ClassVar[str] = "clears it"
    move_axes: ClassVar[str] = "rows and columns 0-{last} counted from the top-left cell"
    move_where: ClassVar[str] = ""
    move_after: ClassVar[str] = ""

    def value_codes(self, n: int) -> int:
        return 3

    def play_check(self, inst: Instance, play: Grid) -> bool:
        if self.shade_cells:
            return self.check_cells(inst, shaded_cells(play)).correct  # type: ignore[attr-defined]
        return self.check_grid(inst, shaded_grid(play)).correct  # type: ignore[attr-defined]

    def solution_codes(self, inst: Instance) -> Grid:
        if self.shade_cells:
            return cells_grid(self.solution(inst), self.size(inst))  # type: ignore[attr-defined]
        return to_grid(self.solution(inst))  # type: ignore[attr-defined]

    def move_help(self, inst: Instance) -> str:
        return move_text(self.size(inst), f"value 1 {self.shade_text}, value 2 {self.mark_text}, value 0 "
                         f"{self.clear_text}", where=self.move_where, after=self.move_after, axes=self.move_axes)


# ---------------------------------------------------------------------------------------------------------------
# bitset boards


def bits(m: int) -> Iterator[int]:
    """The indices of the set bits of ``m``, ascending."""
    while m:
        low = m & -m
        yield low.bit_length() - 1
        m ^= low


_Sized = TypeVar("_Sized", bound="SizeCache")


class SizeCache:
    """``Cls.of(n)``: one shared ``Cls(n)`` per class and size (geometry tables built once)."""

    _instances: ClassVar[dict[tuple[type, int], Any]] = {}

    @classmethod
    def of(cls: type[_Sized], n: int) -> _Sized:
        key = (cls, n)
        got = SizeCache._instances.get(key)
        if got is None:
            got = SizeCache._instances[key] = cls(n)  # type: ignore[call-arg]
        return got


class BitGrid(SizeCache):
    """An n×n board as an int bitset, bit ``r * n + c`` per cell, with the shift masks of orthogonal
    neighbours: ``adjacent``/``spread`` (one step out, without/with the cells themselves), ``flood`` (the
    part of ``allowed`` connected to ``seed``) and ``connected``. Subclasses add genre tables."""

    def __init__(self, n: int):
        self.n = n
        self.full = (1 << (n * n)) - 1
        col0 = sum(1 << (r * n) for r in range(n))
        self.not_first = self.full & ~col0               # cells not in column 0
        self.not_last = self.full & ~(col0 << (n - 1))   # cells not in column n-1

    def adjacent(self, m: int) -> int:
        """Cells orthogonally next to some cell of ``m`` (a cell of ``m`` only if it touches another)."""
        n = self.n
        return (((m << 1) & self.not_first) | ((m >> 1) & self.not_last) | (m << n) | (m >> n)) & self.full

    def spread(self, m: int) -> int:
        n = self.n
        return (m | ((m << 1) & self.not_first) | ((m >> 1) & self.not_last) | (m << n) | (m >> n)) & self.full

    def flood(self, seed: int, allowed: int) -> int:
        reach = seed & allowed
        n, nf, nl = self.n, self.not_first & allowed, self.not_last & allowed
        while True:
            nxt = reach | ((reach << 1) & nf) | ((reach >> 1) & nl) | (((reach << n) | (reach >> n)) & allowed)
            if nxt == reach:
                return reach
            reach = nxt

    def connected(self, m: int) -> bool:
        return m != 0 and self.flood(m & -m, m) == m


class CSPGridMixin(SquareSize):
    """``solve``/``count``/``format_answer`` of an n×n puzzle whose answer is the grid of its
    :class:`~.csp.CSP` values (variable ``r * n + c``): the task's ``csp(inst)`` returns the model or
    ``(model, domains)``; ``solve_what`` names the puzzle in "this <what> has no solution"; answers are
    written with :func:`matrix_text` unless the task overrides ``format_answer``."""

    solve_what: ClassVar[str] = "puzzle"

    def csp_domains(self, inst: Instance) -> tuple[CSP, list[int] | None]:
        got = self.csp(inst)  # type: ignore[attr-defined]
        return got if isinstance(got, tuple) else (got, None)

    def solve(self, inst: Instance) -> Grid:
        csp, dom = self.csp_domains(inst)
        values = solve_values(csp, self.solve_what, domains=dom)
        n = self.size(inst)
        return tuple(tuple(values[r * n : (r + 1) * n]) for r in range(n))

    def count(self, inst: Instance, limit: int = 2) -> int:
        csp, dom = self.csp_domains(inst)
        return csp.count_solutions(limit, domains=dom)

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return matrix_text(solution)

    def traced_grid(self, inst: Instance) -> tuple[CSP, list[list[int]], list]:
        """For a trace: the model, the solution's rows and the search log (:func:`traced_search`)."""
        csp, dom = self.csp_domains(inst)
        res, log = traced_search(csp, self.solve_what, domains=dom)
        n = self.size(inst)
        values = res.solutions[0]
        return csp, [values[r * n : (r + 1) * n] for r in range(n)], log


# ---------------------------------------------------------------------------------------------------------------
# task helpers


def grid_witness(task: Any, inst: Instance, answer: str, verdict: Verdict) -> Grid:
    """``record_witness`` of a task whose parsed answer is a grid: ``record_witness = grid_witness``."""
    return to_grid(verdict.parsed)


def tuple_witness(task: Any, inst: Instance, answer: str, verdict: Verdict) -> tuple:
    """``record_witness`` of a task whose parsed answer is a sequence (of cells): ``tuple(verdict.parsed)``."""
    return tuple(verdict.parsed)


def givens_domains(csp: CSP, grid: Iterable[Iterable[int]]) -> list[int]:
    """The domains of a cell CSP (variable ``r * n + c``) with the non-zero cells of ``grid`` fixed."""
    return csp.fixed([v if v else None for row in grid for v in row])


def guess_words(csp: CSP) -> dict[str, Any]:
    """The ``leaf_fail``, ``guess``, ``undo`` and ``stuck`` wording of :func:`~.csp.explain_search` for a
    CSP of numbered cells: ``explain_search(log, deduce=..., fail=..., **guess_words(csp))``."""
    return {
        "leaf_fail": lambda ci: f"Contradiction: {csp.constraints[ci].label} is broken.",
        "guess": lambda var, value, cands: f"Guess {csp.name(var)} = {value} (its candidates are "
                                           f"{format_values(cands)}).",
        "undo": lambda var, value: f"So {csp.name(var)} = {value} is impossible; undo it.",
        "stuck": "No rule forces anything more, so guess a cell with the fewest candidates and follow it.",
    }


def record_grid(record: dict) -> Any:
    """A reference record's ``initial_state`` (decoded by :func:`~.task.record_field`), unwrapped from an
    object's ``grid`` (or nested ``initial_state``) field."""
    raw = record_field(record.get("initial_state"))
    if isinstance(raw, dict):
        raw = raw.get("grid", raw.get("initial_state"))
    return raw


def solve_values(csp: CSP, what: str, **kwargs: Any) -> list[int]:
    """``csp.solve(**kwargs)``; raises ``ValueError("this <what> has no solution")`` when there is none."""
    values = csp.solve(**kwargs)
    if values is None:
        raise ValueError(f"this {what} has no solution")
    return values


def traced_search(csp: CSP, what: str, **kwargs: Any) -> tuple[SearchResult, list]:
    """One logged search (``csp.search(1, log=log, **kwargs)``) for a trace: ``(result, log)``; raises
    ``ValueError("this <what> has no solution")`` when it finds none."""
    log: list = []
    res = csp.search(1, log=log, **kwargs)
    if not res.solutions:
        raise ValueError(f"this {what} has no solution")
    return res, log


_NON_INT_PAIR = re.compile(r"[(\[]\s*-?\d*\.\d|[(\[]\s*-?\d+\s*,\s*-?\d*\.\d", re.ASCII)


def parse_cell_pairs(text: str, max_chars: int, empty: re.Pattern) -> tuple[tuple[int, int], ...]:
    """An order-free set of integer ``(a, b)`` pairs (sorted, duplicates collapsed); ``()`` when ``empty``
    matches the whole answer. Pairs with a decimal number raise :class:`ParseError`."""
    text = bounded(text, max_chars)
    if empty.match(text):
        return ()
    if _NON_INT_PAIR.search(text):
        raise ParseError("coordinates must be integers")
    pairs = parse_coords(text, max_chars=max_chars, max_items=5_000)
    return tuple(sorted(set(pairs)))


__all__ = [
    "BitGrid", "CSPGridMixin", "CellStepMixin", "Checklist", "Grid", "ShadeStepMixin", "SizeCache", "SquareSize",
    "SquareStepMixin", "bits", "cell_name", "cell_names", "cells_grid", "check_givens", "check_latin", "check_values",
    "flatten", "givens_domains", "grid_lines", "grid_witness", "guess_words", "latin_csp", "line_problem",
    "matrix_text", "move_text", "parse_cell_pairs", "parse_grid", "random_latin_square", "record_grid", "reshape",
    "shaded_cells", "shaded_grid", "solve_values", "to_grid", "traced_search", "tuple_witness",
]
