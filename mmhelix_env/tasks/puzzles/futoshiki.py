"""Futoshiki (MM-HELIX ``futoshiki``): an n×n Latin square with inequality signs between neighbours.

Generation (spec/tasks/Futoshiki.md): a random Latin square (randomised backtracking plus row, column and
symbol permutations), each of the 2n(n-1) neighbour pairs gets its sign with the level's probability (a
3×3 draw without any sign is redrawn), then givens are carved: cells are visited in a random order and
blanked when the puzzle keeps exactly one solution (an exact test: no solution with that cell changed),
down to the level's target. A draw that misses the target is redrawn up to 10 times; the draw with the
fewest givens is kept (always unique). Solver and counter: the shared CSP engine (rows and columns all
different with naked and hidden singles, each sign as bounds propagation, MRV branching).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import GenerationError, Instance, RecordError, Task, Verdict, record_field
from ...core.csp import CSP, AllDifferent, Less, explain_search, format_values, single, values_of
from ...core.grid_puzzle import (
    Checklist,
    CSPGridMixin,
    SquareStepMixin,
    cell_name,
    check_givens,
    check_latin,
    check_values,
    givens_domains,
    grid_lines,
    grid_witness,
    guess_words,
    latin_csp,
    matrix_text,
    parse_grid,
    random_latin_square,
    to_grid,
)
from ...render.puzzle_grid import Board, given_values, render_board

# level -> (n, target givens, inequality probability)
LEVEL_PARAMS: dict[int, tuple[int, int, float]] = {
    1: (3, 4, 0.20),
    2: (4, 6, 0.25),
    3: (5, 8, 0.30),
    4: (6, 9, 0.35),
    5: (7, 9, 0.40),
}
MAX_DRAWS = 10
MAX_SIGN_DRAWS = 200
DEAD_BRANCH_LINES = 8
GAP = 0.36


def pairs(n: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The 2n(n-1) neighbour pairs, row-major, right neighbour before the lower one."""
    out = []
    for r in range(n):
        for c in range(n):
            if c + 1 < n:
                out.append(((r, c), (r, c + 1)))
            if r + 1 < n:
                out.append(((r, c), (r + 1, c)))
    return out


def smaller_larger(ineq) -> tuple[tuple[int, int], tuple[int, int]]:
    """(smaller cell, larger cell) of a stored inequality."""
    a = (int(ineq["cell1"][0]), int(ineq["cell1"][1]))
    b = (int(ineq["cell2"][0]), int(ineq["cell2"][1]))
    return (a, b) if ineq["symbol"] == "<" else (b, a)


def ineq_text(ineq, numbered: int | None = None) -> str:
    (r1, c1), (r2, c2) = ineq["cell1"], ineq["cell2"]
    kind = "horizontal" if r1 == r2 else "vertical"
    head = f"{numbered}. " if numbered is not None else ""
    return f"{head}Cell ({r1},{c1}) {ineq['symbol']} Cell ({r2},{c2}) ({kind})"


def build_csp(n: int, inequalities) -> CSP:
    """Rows and columns all different, plus one ``Less`` per sign (labelled like ``(0,1) < (0,2)``)."""
    csp = latin_csp(n)
    for ineq in inequalities:
        (r1, c1), (r2, c2) = smaller_larger(ineq)
        csp.add(Less(r1 * n + c1, r2 * n + c2, label=f"{cell_name(r1, c1)} < {cell_name(r2, c2)}"))
    return csp


class Futoshiki(SquareStepMixin, CSPGridMixin, Task):
    name = "Futoshiki"
    category = "puzzles"
    benchmark_id = "futoshiki"
    generator_key = "futoshiki"
    score_function = "futoshiki_evaluator"
    version = "1"
    answer_format = '"answer": [[row1], [row2], ..., [rowN]] (an n x n list of integers)'
    max_answer_chars = 20_000
    solve_what = "Futoshiki"
    level_sizes = LEVEL_PARAMS
    givens_key = "grid"

    # ----- generation ------------------------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        n, target, p = LEVEL_PARAMS[level]
        plain = latin_csp(n)
        all_pairs = pairs(n)
        best = None
        for _ in range(MAX_DRAWS):
            square = random_latin_square(rng, n, plain)
            for _ in range(MAX_SIGN_DRAWS):
                hits = rng.random(len(all_pairs)) < p
                if hits.any():
                    break
            else:  # pragma: no cover - probability (1-p)^12 per try
                raise GenerationError("Futoshiki: no inequality drawn")
            ineqs = []
            for (a, b), hit in zip(all_pairs, hits.tolist()):
                if hit:
                    sym = "<" if square[a[0]][a[1]] < square[b[0]][b[1]] else ">"
                    ineqs.append({"cell1": list(a), "cell2": list(b), "symbol": sym})
            csp = build_csp(n, ineqs)
            flat = [v for row in square for v in row]
            kept = csp.carve(flat, rng.permutation(n * n).tolist(), target)
            if best is None or len(kept) < len(best[2]):
                best = (square, ineqs, kept)
            if len(kept) <= target:
                break
        assert best is not None
        square, ineqs, kept = best
        keep = set(kept)
        grid = [[square[r][c] if r * n + c in keep else 0 for c in range(n)] for r in range(n)]
        return {"n": n, "grid": grid, "inequalities": ineqs}, to_grid(square)

    # ----- helpers ---------------------------------------------------------------------------------------------
    def csp(self, inst: Instance) -> tuple[CSP, list[int]]:
        n = self.size(inst)
        csp = build_csp(n, inst.state["inequalities"])
        return csp, givens_domains(csp, inst.state["grid"])

    # ----- solving (solve, count: core.grid_puzzle.CSPGridMixin) -----------------------------------------------
    def stats(self, inst: Instance) -> dict:
        """Solver work that grows with the level: open candidates after the givens, propagator calls of the
        uniqueness count, single-cell deductions of the traced solve (guesses: see :meth:`search_work`)."""
        csp, dom = self.csp(inst)
        res = csp.search(2, domains=dom)
        n = self.size(inst)
        givens = sum(1 for row in inst.state["grid"] for v in row if v)
        log: list = []
        csp.search(1, domains=dom, log=log)
        return {"n": n, "givens": givens, "blanks": n * n - givens, "inequalities": len(inst.state["inequalities"]),
                "initial_candidates": sum(m.bit_count() for m in dom if m & (m - 1)),
                "propagations": res.propagations,
                "deductions": sum(len(ev[2]) for ev in log if ev[0] == "deduce")}

    def search_work(self, inst: Instance) -> dict:
        """Nodes of the uniqueness count (limit 2) and guesses of the traced solve. Their medians are 1 and 0
        at every level (the propagators alone solve most puzzles); their means rise at levels 4-5."""
        csp, dom = self.csp(inst)
        log: list = []
        csp.search(1, domains=dom, log=log)
        return {"search_nodes": csp.search(2, domains=dom).nodes,
                "guesses": sum(1 for ev in log if ev[0] == "branch")}

    # ----- verification ----------------------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        n = self.size(inst)
        grid = parse_grid(answer, n, n, max_chars=self.max_answer_chars)
        return self.check_grid(inst, grid)

    def check_grid(self, inst: Instance, grid) -> Verdict:
        n = self.size(inst)
        checks = Checklist()
        if not check_values(grid, range(1, n + 1), checks):
            return checks.verdict(grid)
        check_givens(grid, inst.state["grid"], checks)
        check_latin(grid, checks)
        for ineq in inst.state["inequalities"]:
            (r1, c1), (r2, c2) = smaller_larger(ineq)
            a, b = grid[r1][c1], grid[r2][c2]
            checks.check(a < b, lambda r1=r1, c1=c1, r2=r2, c2=c2, a=a, b=b: (
                f"inequality {cell_name(r1, c1)} < {cell_name(r2, c2)} is broken ({a} is not less than {b})"))
        return checks.verdict(grid, "correct: every row and column holds 1-"
                                    f"{n} once, all givens are kept and every inequality holds")

    # ----- presentation ----------------------------------------------------------------------------------------
    def board(self, inst: Instance, play: Any = None) -> Board:
        n = self.size(inst)
        values, given = given_values(inst.state["grid"], play)
        ineqs = [smaller_larger(q) for q in inst.state["inequalities"]]
        return Board(n, n, gap=GAP, values=values, given=given, inequalities=ineqs, text_scale=0.55)

    def render(self, inst: Instance, play: Any = None, size: int = 512):
        return render_board(self.board(inst, play), size)[0]

    def _example(self, inst: Instance) -> str:
        n = self.size(inst)
        solution = self.solution(inst)
        for shift in range(1, n + 1):
            ex = tuple(tuple((r * shift + c) % n + 1 for c in range(n)) for r in range(n))
            if len({row.index(1) for row in ex}) == n and ex != tuple(tuple(row) for row in solution):
                return "[" + ", \n".join("[" + ", ".join(map(str, row)) + "]" for row in ex) + "]"
        ex = tuple(tuple((c - r) % n + 1 for c in range(n)) for r in range(n))  # pragma: no cover
        return matrix_text(ex)  # pragma: no cover

    def rules(self, n: int, modality: str) -> str:
        if modality == "image":
            signs = ("   - Between two horizontally adjacent cells, '<' means the left cell is smaller and '>' means "
                     "the left cell is larger.\n"
                     "   - Between two vertically adjacent cells, a sign shaped like '^' means the upper cell is "
                     "smaller and a sign shaped like 'v' means the upper cell is larger.\n"
                     "   - Every sign points at the smaller of its two cells.\n")
        else:
            signs = ("   - A horizontal constraint (i,j) < (i,j+1) means the left cell must be less than the right.\n"
                     "   - A vertical constraint (i,j) < (i+1,j) means the top cell must be less than the bottom.\n")
        return ("### Game Rules:\n"
                f"1. The puzzle is a {n}×{n} grid.\n"
                f"2. Fill each cell with a number from 1 to {n}.\n"
                "3. Each number must appear exactly once in each row and each column (no repetition).\n"
                "4. Inequality signs between neighbouring cells must be satisfied:\n" + signs +
                "5. The numbers already in the grid are given and cannot be changed.\n")

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        n = self.size(inst)
        if modality == "image":
            return ("You are given an image of a Futoshiki puzzle. Your task is to read the grid and the "
                    "inequality signs from the image, solve the puzzle, and provide the answer in a structured "
                    f"format.\n\n{self.rules(n, 'image')}\n### Answer format:\n"
                    "Output the final solution as a 2D list of integers.\n"
                    '"answer": [[row1], [row2], ..., [rowN]]\n\n'
                    f"Example (for a {n}×{n} puzzle, not the solution):\n{self._example(inst)}\n")
        if modality == "text":
            ineqs = "\n".join(ineq_text(q, k + 1) for k, q in enumerate(inst.state["inequalities"]))
            return ("You are given a Futoshiki puzzle with the following initial state. Your task is to solve the "
                    f"puzzle and provide the answer in a structured format.\n\n{self.rules(n, 'text')}\n"
                    "### Initial State:\nGrid (_ for empty cells):\n" + "\n".join(grid_lines(inst.state["grid"]))
                    + "\n\n### Inequality constraints:\n"
                    "Cells are written (row, column), 0-based, with (0,0) the top-left cell.\n"
                    f"{ineqs}\n\n### Answer format:\n"
                    f'"answer": [[row1], [row2], ..., [row{n}]]\n')
        raise ValueError(f"unknown modality {modality!r}; use 'image' or 'text'")

    # ----- trace -----------------------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        n = self.size(inst)
        csp, grid, log = self.traced_grid(inst)
        lines = [
            f"Fill the {n}x{n} grid with 1-{n} so that every row and column holds each number once and every "
            "inequality holds. Cells are (row, column), 0-based.",
            "Givens (_ = empty):",
            *grid_lines(inst.state["grid"]),
            "Inequalities (smaller < larger): " + ", ".join(
                f"{cell_name(*a)} < {cell_name(*b)}" for a, b in map(smaller_larger, inst.state["inequalities"])),
            f"Start with candidates 1-{n} in every empty cell and apply the rules until nothing changes "
            "(a sign bounds a cell by its neighbour's smallest or largest candidate; a number placed in a row or "
            "column leaves the other cells of that line; a number with one possible cell in a line goes there):",
        ]
        lines += _format_search(csp, log)
        lines += ["Every cell is now determined and all rules hold:", *grid_lines(grid),
                  f"Answer: {matrix_text(grid)}"]
        return "\n".join(lines)

    # ----- reference records -----------------------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record_field(record.get("initial_state"))
        if not isinstance(raw, dict):
            raise RecordError("initial_state must be an object with grid, inequalities and size")
        try:
            grid = [[int(v or 0) for v in row] for row in raw["grid"]]
            n = int(raw.get("size", raw.get("n", len(grid))))
            ineqs_raw = raw.get("inequalities") or []
        except (KeyError, TypeError, ValueError) as err:
            raise RecordError(f"initial_state is malformed: {err}") from None
        if not 2 <= n <= 12 or len(grid) != n or any(len(row) != n for row in grid):
            raise RecordError(f"grid must be {n}x{n}")
        if any(not 0 <= v <= n for row in grid for v in row):
            raise RecordError(f"grid values must be 0..{n}")
        ineqs = []
        for q in ineqs_raw:
            try:
                a = [int(x) for x in q["cell1"]]
                b = [int(x) for x in q["cell2"]]
                sym = str(q["symbol"]).strip()
            except (KeyError, TypeError, ValueError) as err:
                raise RecordError(f"bad inequality {q!r}: {err}") from None
            if sym not in ("<", ">") or len(a) != 2 or len(b) != 2:
                raise RecordError(f"bad inequality {q!r}")
            if (b[0], b[1]) < (a[0], a[1]):  # keep cell1 the left / upper cell
                a, b, sym = b, a, ">" if sym == "<" else "<"
            if not all(0 <= x < n for x in a + b) or abs(a[0] - b[0]) + abs(a[1] - b[1]) != 1:
                raise RecordError(f"inequality {q!r} does not join two neighbouring cells")
            ineqs.append({"cell1": a, "cell2": b, "symbol": sym})
        csp = build_csp(n, ineqs)
        dom = givens_domains(csp, grid)
        if csp.propagate(dom) is None or csp.solve(domains=dom) is None:
            raise RecordError("the puzzle has no solution (givens and inequalities contradict)")
        return {"n": n, "grid": grid, "inequalities": ineqs}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        n = int(state["n"])
        return n - 2 if 3 <= n <= 7 else None

    record_witness = grid_witness


# ---------------------------------------------------------------------------------------------------------------
# trace formatting


def _deduction(csp: CSP, ci: int, changes, before) -> str:
    """One propagator call as a sentence."""
    c = csp.constraints[ci]
    name = csp.name
    if isinstance(c, AllDifferent):
        placed = {}
        for v in c.vars:
            x = single(before[v])
            if x is not None:
                placed[x] = v
        elim = []
        hidden = []
        for var, old, new in changes:
            value = single(new)
            removed = values_of(old & ~new)
            if value is not None and not all(x in placed for x in removed):
                hidden.append(f"{value} fits only in {name(var)}, so {name(var)} = {value}")
            else:
                elim.append(f"{name(var)} = {value}" if value is not None else f"{name(var)} in {format_values(new)}")
        parts = []
        if elim:
            used = sorted({x for var, old, new in changes for x in values_of(old & ~new) if x in placed})
            have = ", ".join(f"{x} at {name(placed[x])}" for x in used)
            parts.append(f"{c.label} already has {have}: " + ", ".join(elim))
        if hidden:
            parts.append(f"in {c.label}, " + "; ".join(hidden))
        return "; ".join(parts) + "."
    if isinstance(c, Less):
        a, b = c.vars
        now = {var: new for var, _, new in changes}
        parts = []
        for var, _, new in changes:
            value = single(new)
            res = f"{name(var)} = {value}" if value is not None else f"{name(var)} in {format_values(new)}"
            if var == a:
                parts.append(f"{res} (below the largest candidate {before[b].bit_length() - 1} of {name(b)})")
            else:
                low = now.get(a, before[a])
                parts.append(f"{res} (above the smallest candidate {(low & -low).bit_length() - 1} of {name(a)})")
        return f"{c.label}: " + " and ".join(parts) + "."
    return "; ".join(c.why(var, old, new, before, name) for var, old, new in changes) + "."


def _failure(csp: CSP, ci: int, before) -> str:
    c = csp.constraints[ci]
    if isinstance(c, AllDifferent):
        return f"Contradiction: {c.label} can no longer hold every number once."
    if isinstance(c, Less):
        a, b = c.vars
        return (f"Contradiction: {c.label} is impossible ({csp.name(a)} in {format_values(before[a])}, "
                f"{csp.name(b)} in {format_values(before[b])}).")
    return f"Contradiction: {c.label or type(c).__name__} cannot be satisfied."


def _format_search(csp: CSP, log: list) -> list[str]:
    """Root deductions, then each guess with its deductions; dead branches are cut short."""
    return explain_search(
        log, deduce=lambda ci, changes, before: _deduction(csp, ci, changes, before),
        fail=lambda ci, before: _failure(csp, ci, before),
        dead_lines=DEAD_BRANCH_LINES, **guess_words(csp))


TASK = Futoshiki()

__all__ = ["LEVEL_PARAMS", "TASK", "Futoshiki", "build_csp", "pairs", "smaller_larger"]
