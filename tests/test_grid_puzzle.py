"""The shared grid-puzzle model (Latin squares, lenient grid parsing, rule checks with reasons, the step-mode
mixin) and the shared puzzle renderer."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhelix_env.core import Instance, ParseError, Task, Verdict
from mmhelix_env.core.grid_puzzle import (
    CellStepMixin,
    Checklist,
    check_givens,
    check_latin,
    check_values,
    grid_lines,
    latin_csp,
    matrix_text,
    parse_grid,
    random_latin_square,
    to_grid,
)
from mmhelix_env.render.puzzle_grid import Board, board_layout, render_board

SQUARE = [[2, 3, 1], [3, 1, 2], [1, 2, 3]]


def is_latin(grid) -> bool:
    n = len(grid)
    full = set(range(1, n + 1))
    return all(set(row) == full for row in grid) and all({grid[r][c] for r in range(n)} == full for c in range(n))


# ---------------------------------------------------------------------------------------------------------------
# Latin squares


def test_random_latin_squares_are_valid_varied_and_seeded():
    for n in (3, 4, 5, 7, 9):
        grids = {random_latin_square(np.random.default_rng(s), n) for s in range(15)}
        assert all(is_latin(g) for g in grids)
        assert len(grids) >= (10 if n > 3 else 5)
    a = random_latin_square(np.random.default_rng(11), 6)
    assert a == random_latin_square(np.random.default_rng(11), 6)
    # many distinct squares of order 4 (576 exist)
    assert len({random_latin_square(np.random.default_rng(s), 4) for s in range(200)}) > 100


def test_latin_csp_names_and_labels():
    csp = latin_csp(3, base=1)
    assert csp.name(0) == "(1,1)" and csp.name(8) == "(3,3)"
    assert [c.label for c in csp.constraints][:2] == ["row 1", "row 2"]


# ---------------------------------------------------------------------------------------------------------------
# parsing


@pytest.mark.parametrize("text", [
    '"answer": [[2, 3, 1], [3, 1, 2], [1, 2, 3]]',
    "[[2,3,1],[3,1,2],[1,2,3]]",
    "[(2, 3, 1), (3, 1, 2), (1, 2, 3)]",
    "[['2', '3', '1'], ['3', '1', '2'], ['1', '2', '3']]",
    "[[2, 3, 1],\n [3, 1, 2],\n [1, 2, 3]]",
    "2 3 1\n3 1 2\n1 2 3",
    "2, 3, 1\n3, 1, 2\n1, 2, 3\n",
    "| 2 | 3 | 1 |\n|---|---|---|\n| 3 | 1 | 2 |\n| 1 | 2 | 3 |",
    "2 & 3 & 1 \\\\ 3 & 1 & 2 \\\\ 1 & 2 & 3",
    "Row 1: 2 3 1\nRow 2: 3 1 2\nRow 3: 1 2 3",
    "2 3 1 3 1 2 1 2 3",
    "example [[1, 2, 3], [2, 3, 1], [3, 1, 2]] final: [[2, 3, 1], [3, 1, 2], [1, 2, 3]]",
    "[[2, 3, 1], [3, 1, 2], [1, 2, 3]] and a 2x2 [[1, 2], [2, 1]]",
])
def test_parse_grid_lenient(text):
    assert parse_grid(text, 3, 3) == SQUARE


def test_parse_grid_single_digit_runs():
    assert parse_grid("101\n010\n110", 3, 3, single_digit=True) == [[1, 0, 1], [0, 1, 0], [1, 1, 0]]
    assert parse_grid("101010110", 3, 3, single_digit=True) == [[1, 0, 1], [0, 1, 0], [1, 1, 0]]
    assert parse_grid("[[101], [010], [110]]", 3, 3, single_digit=True) == [[1, 0, 1], [0, 1, 0], [1, 1, 0]]
    with pytest.raises(ParseError):
        parse_grid("101010110", 3, 3)


@pytest.mark.parametrize("text, needle", [
    ("[[2, 3], [3, 1], [1, 2]]", "3 rows of 2"),
    ("[[2, 3, 1], [3, 1, 2]]", "2 rows"),
    ("2 3 1\n3 1\n1 2 3", "line 2"),
    ("[[2, 3, x], [3, 1, 2], [1, 2, 3]]", "not an integer"),
    ("١ ٢ ٣\n٣ ١ ٢\n٢ ٣ ١", "3x3"),
    ("２ ３ １ ３ １ ２ １ ２ ３", "found 0"),
    ("[[2.5, 3, 1], [3, 1, 2], [1, 2, 3]]", "not an integer"),
])
def test_parse_grid_errors(text, needle):
    with pytest.raises(ParseError) as err:
        parse_grid(text, 3, 3)
    assert needle in str(err.value)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_parse_grid_never_raises_other_errors(text):
    try:
        grid = parse_grid(text, 3, 3)
    except ParseError:
        return
    assert len(grid) == 3 and all(len(r) == 3 and all(isinstance(v, int) for v in r) for r in grid)


def test_parse_grid_is_fast_on_adversarial_input():
    import time

    for text in ("[" * 10_000 + "]" * 10_000, "[[1] " * 4000, "1 " * 9_000, "(" * 19_000, "[[" + "1," * 9_000):
        t0 = time.perf_counter()
        with pytest.raises(ParseError):
            parse_grid(text, 5, 5)
        assert time.perf_counter() - t0 < 0.05


# ---------------------------------------------------------------------------------------------------------------
# rule checks


def test_checklist_and_latin_reasons():
    checks = Checklist()
    assert check_latin(SQUARE, checks) and checks.ok and checks.verdict(SQUARE).correct
    bad = [[2, 3, 1], [3, 1, 2], [1, 3, 3]]
    checks = Checklist()
    assert not check_latin(bad, checks)
    v = checks.verdict(bad)
    assert not v.correct and "row 2 has 3 twice (cells (2,1) and (2,2))" in v.reason
    assert "column 1 has 3 twice" in v.reason and v.score == pytest.approx(4 / 6)
    checks = Checklist()
    check_latin(bad, checks, base=1)
    assert "row 3 has 3 twice (cells (3,2) and (3,3))" in checks.reason()


def test_givens_and_values():
    checks = Checklist()
    assert not check_values([[1, 9]], range(1, 3), checks)
    v = checks.verdict()
    assert v.score == 0 and "cell (0,1) holds 9, not one of 1..2" in v.reason
    checks = Checklist()
    givens = [[2, 0, 0], [0, 0, 0], [0, 0, 3]]
    assert not check_givens([[1, 3, 2], [3, 1, 2], [1, 2, 3]], givens, checks)
    assert checks.passed == 1 and checks.total == 2 and "the given 2 at (0,0) was changed to 1" in checks.reason()
    many = Checklist(max_reasons=2)
    for k in range(5):
        many.check(False, f"p{k}")
    assert many.reason() == "p0; p1 (and 3 more problems)"


def test_text_helpers():
    assert matrix_text(SQUARE) == "[[2, 3, 1], [3, 1, 2], [1, 2, 3]]"
    assert json.loads(matrix_text(SQUARE)) == SQUARE
    assert grid_lines([[1, 0], [0, 2]]) == ["1 _", "_ 2"]
    assert grid_lines([[1, 0]], blank=".", symbols={1: "#"}) == ["# ."]
    assert to_grid([[1, None]]) == ((1, 0),)


# ---------------------------------------------------------------------------------------------------------------
# step mode mixin on a toy Latin-square task (board sizes vary within a level)


class ToyLatin(CellStepMixin, Task):
    name = "ToyLatin"
    category = "puzzles"
    benchmark_id = generator_key = "toy_latin"

    def generate(self, rng, level):
        n = 3 if rng.random() < 0.5 else 4
        square = random_latin_square(rng, n)
        grid = [[square[r][c] if (r + c) % 3 == 0 else 0 for c in range(n)] for r in range(n)]
        return {"n": n, "grid": grid}, square

    def solve(self, inst):
        n = inst.state["n"]
        csp = latin_csp(n)
        vals = csp.solve(domains=csp.fixed([v or None for row in inst.state["grid"] for v in row]))
        return to_grid([vals[r * n:(r + 1) * n] for r in range(n)])

    def format_answer(self, inst, solution):
        return matrix_text(solution)

    def check(self, inst, answer):
        n = inst.state["n"]
        grid = parse_grid(answer, n, n)
        checks = Checklist()
        if check_values(grid, range(1, n + 1), checks):
            check_givens(grid, inst.state["grid"], checks)
            check_latin(grid, checks)
        return checks.verdict(grid)

    def render(self, inst, play=None, size=512):
        return render_board(Board(inst.state["n"], inst.state["n"]), size)[0]

    def prompt(self, inst, modality="image"):
        return "Fill the Latin square."

    def trace(self, inst):
        return "Answer: " + self.expert_answer(inst)

    def board_shape(self, inst):
        return (inst.state["n"], inst.state["n"])

    def step_codes(self, inst):
        return inst.state["n"] + 1

    def level_board(self, level):
        return (4, 4, 5)

    def play_givens(self, inst):
        return to_grid(inst.state["grid"])

    def play_check(self, inst, play):
        return all(all(row) for row in play) and self.check(inst, matrix_text(play)).correct

    def solution_codes(self, inst):
        return to_grid(self.solution(inst))


def test_cell_step_mixin():
    task = ToyLatin()
    small = next(task.instance(1, s) for s in range(50) if task.instance(1, s).state["n"] == 3)
    play = task.play_init(small)
    assert play == to_grid(small.state["grid"]) and task.action_shape(small) == (3, 3, 4)
    mask = task.play_mask(small, play)
    assert mask.shape == (4, 4, 5) and mask.dtype == bool
    assert not mask[3].any() and not mask[:, 3].any() and not mask[..., 4].any()  # outside the 3x3 board
    assert not mask[0, 0].any() and mask[0, 1, :4].all()  # (0,0) is a given
    res = task.play_apply(small, play, (0, 0, 1))
    assert not res.legal and res.state is play and "fixed" in res.reason
    assert not task.play_apply(small, play, (3, 0, 1)).legal
    assert not task.play_apply(small, play, "junk").legal
    res = task.play_apply(small, play, (0, 1, 2))
    assert res.legal and res.state[0][1] == 2 and play[0][1] == 0  # input not mutated
    assert task.play_apply(small, res.state, (0, 1, 0)).state == play
    assert task.play_apply(small, play, (0, 1, 0)).reason == "no change"
    actions = task.expert_actions(small)
    assert len(actions) == sum(1 for row in small.state["grid"] for v in row if not v)
    for a in actions:
        assert mask[a] and not task.play_solved(small, play)
        play = task.play_apply(small, play, a).state
    assert task.play_solved(small, play) and task.step_limit(small) == 36
    text = task.play_prompt(small, play, "text")
    assert "(row, column, value)" in text and "0-2" in text
    assert "The current grid" in text and "image" not in text
    assert "image" in task.play_prompt(small, play, "image")


# ---------------------------------------------------------------------------------------------------------------
# renderer


def full_board(n: int) -> Board:
    regions = [[(r // 2) * 10 + c // 3 for c in range(n)] for r in range(n)]
    return Board(
        n, n, values={(0, 0): "5", (1, 1): "12", (2, 2): "7"}, given={(0, 0)}, fills={(3, 3): (200, 200, 200)},
        regions=regions, region_fills={0: (240, 230, 250)}, corner_labels={(0, 0): "12+", (2, 3): "3÷"},
        inequalities=[((0, 1), (0, 2)), ((1, 0), (0, 0))], circles={(4, 4): ((250, 250, 250), (40, 40, 200))},
        dots={(5, 5): (100, 100, 100)}, crosses={(6, 6): (90, 90, 90)},
        clues={"left": [["1", "2", "3"]] * n, "top": [["1", "12"]] * n, "right": ["9"] * n, "bottom": ["10"] * n},
        coords=0, coord_sides=("top", "left"))


@pytest.mark.parametrize("n", [3, 7, 10, 15])
def test_render_board_sizes_and_determinism(n):
    board = full_board(n)
    for size in (512, 256):
        img, layout = render_board(board, size)
        assert img.size == (size, size) and img.mode == "RGB"
        x0, y0, x1, y1 = layout.bounds
        assert 0 <= x0 < x1 <= size and 0 <= y0 < y1 <= size
    a = render_board(board)[0].tobytes()
    assert a == render_board(full_board(n))[0].tobytes()
    if n == 15:
        assert board_layout(board).cell >= 18  # clue bands on all four sides still leave legible cells


def test_gap_board_and_cell_lookup():
    board = Board(5, 5, gap=0.36, values={(2, 2): "3"}, given={(2, 2)}, inequalities=[((0, 0), (0, 1))])
    img, layout = render_board(board)
    assert layout.pitch > layout.cell
    x, y = layout.center(2, 3)
    assert layout.cell_at(x, y) == (2, 3)
    gx = layout.x0 + layout.cell + (layout.pitch - layout.cell) / 2
    assert layout.cell_at(gx, y) is None
    arr = np.asarray(img)
    cx, cy = (round(v) for v in layout.center(0, 0.5))
    assert arr[cy - 6:cy + 7, cx - 4:cx + 5].min() < 100  # the chevron is drawn in the gap


def test_clues_sit_outside_the_grid():
    board = Board(4, 4, clues={"right": ["17", "3", "8", "10"], "bottom": ["1", "2", "3", "4"]}, coords=1)
    img, layout = render_board(board)
    arr = np.asarray(img).astype(int)
    x0, y0, x1, y1 = layout.bounds
    right_band = arr[y0:y1, x1 + 3:]
    assert (right_band.sum(axis=2) < 200).any()  # dark clue digits right of the grid
    below = arr[y1 + 3:, x0:x1]
    assert (below.sum(axis=2) < 200).any()


def test_verdict_type():
    assert isinstance(Checklist().verdict(), Verdict)
    inst = Instance("ToyLatin", 1, 0, "1", {"n": 3, "grid": [[0] * 3] * 3})
    assert ToyLatin().verify(inst, "[[1,2,3],[2,3,1],[3,1,2]]").correct
