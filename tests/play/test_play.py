"""Human play (mmhelix_env.play): every task solved through the UI in headless pygame sessions, the controls,
hints, the answer box, action scripts, the CLI and the board geometry taken from the renderers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mmhelix_env
from mmhelix_env.core.directions import FourWayStepMode
from mmhelix_env.core.grid_puzzle import CellStepMixin
from mmhelix_env.play import ScriptError, parse_script, run_session, solution_script

pytest.importorskip("pygame")
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

ROOT = Path(__file__).resolve().parents[2]
TASKS = mmhelix_env.TASKS
BOARD = 160  # a small window keeps 42 sessions fast


def play(task: str, script: str, level: int = 1, seed: int = 0, **kw):
    return run_session(task, level, seed, script=script, board_size=kw.pop("board_size", BOARD), **kw)


def input_kinds(script: str) -> set[str]:
    return {line.split()[0] for line in script.splitlines() if line and not line.startswith("#")}


@pytest.mark.parametrize("name", list(TASKS))
def test_every_task_is_solved_through_the_ui(name):
    task = TASKS[name]
    inst = task.instance(1, 0)
    script = solution_script(task, inst)
    kinds = input_kinds(script) - {"expect"}
    if task.category == "games":
        assert kinds <= {"key", "click"} and kinds, kinds          # native controls, no answer box
    elif task.step_mode:
        assert "click" in kinds or "drag" in kinds, kinds          # grid puzzles: clicks (+ typed values)
        assert "focus" not in kinds
    else:
        assert kinds == {"focus", "type", "key"}, kinds            # the answer box
    app = play(name, script)
    session = app.session
    assert session.verdict == "solved", session.message
    assert not session.assisted
    if task.step_mode:  # solved by moves on the board, each one an expert action
        assert session.answer_verdict is None
        expert = len(task.expert_actions(inst))
        # typing a two-digit value writes its first digit on the way (Numbrix: 1, then 16)
        assert session.moves == expert if task.category == "games" else expert <= session.moves <= 2 * expert
        assert task.play_solved(inst, session.play)
    else:
        assert session.answer_verdict.correct


def test_answer_box_accepts_a_step_task_answer_and_shows_wrong_reasons():
    task = TASKS["Sokoban"]
    inst = task.instance(1, 0)
    app = play("Sokoban", 'focus answer\ntype "up up"\nkey return')
    assert app.session.verdict_text() == "wrong answer"
    assert app.session.message.startswith("✗ ") and len(app.session.message) > 10
    assert app.session.moves == 0 and app.focus == "answer"
    answer = task.expert_answer(inst)
    app = play("Sokoban", f"key tab\nkey backspace\ntype {answer}\nkey return\nexpect solved")
    assert app.session.answer_verdict.correct


def test_typing_in_the_answer_box_never_moves_and_shift_enter_is_a_new_line():
    app = play("Maze", "focus answer\nkey w a s d\nkey shift+return\ntype x")
    assert app.answer_text == "wasd\nx"
    assert app.session.moves == 0 and app.session.answer_verdict is None
    app = play("Maze", "focus answer\nkey ctrl+h")  # commands still work with Ctrl
    assert app.session.assisted and app.answer_text == ""


def test_undo_restart_next_and_level_keys():
    task = TASKS["Maze"]
    first = task.expert_actions(task.instance(1, 0))[0]
    key = "wsad"[first]
    app = play("Maze", f"key {key}")
    assert app.session.moves == 1
    start = task.play_init(app.session.instance)
    assert app.session.play != start
    run = parse_script("key u")
    from mmhelix_env.play.script import run_script

    run_script(app, run)
    assert app.session.play == start and app.session.moves == 2
    run_script(app, parse_script(f"key {key}\nkey r"))
    assert app.session.play == start and app.session.moves == 0
    run_script(app, parse_script("key n"))
    assert app.session.seed == 1 and app.session.level == 1
    run_script(app, parse_script("key ] ]"))
    assert app.session.level == 3 and app.session.instance == task.instance(3, 1)
    run_script(app, parse_script("key [ [ [ ["))
    assert app.session.level == 1
    run_script(app, parse_script("key escape"))
    assert not app.running


def test_game_hints_follow_the_expert_line_and_say_how_to_get_back():
    task = TASKS["Sokoban"]
    inst = task.instance(2, 3)
    expert = task.expert_actions(inst)
    app = play("Sokoban", "key h", level=2, seed=3)
    assert app.session.assisted
    assert app.session.message.startswith(f"hint: {['up', 'down', 'left', 'right'][expert[0]]}")
    # a legal move off the expert line: the hint says to undo it
    mask = task.play_mask(inst, task.play_init(inst))
    other = next(a for a in range(4) if mask[a] and a != expert[0])
    app = play("Sokoban", f"key {['up', 'down', 'left', 'right'][other]}\nkey h", level=2, seed=3)
    assert "undo 1 move" in app.session.message
    # following every hint solves it
    app = play("Sokoban", "", level=2, seed=3)
    from mmhelix_env.play.script import run_script

    for _ in range(len(expert)):
        app.session.hint()
        word = app.session.message.split()[1]
        run_script(app, parse_script(f"key {word}"))
    assert app.session.verdict == "solved" and app.session.verdict_text() == "solved (assisted)"


def test_cell_hints_fix_wrong_entries_and_mark_the_cell():
    task = TASKS["Sudoku"]
    inst = task.instance(1, 2)
    target = task.solution_codes(inst)
    r, c = next((r, c) for r in range(9) for c in range(9) if not task.play_locked(inst)[r][c])
    wrong = target[r][c] % 9 + 1
    app = play("Sudoku", f"click {r} {c}\ntype {wrong}\nkey h", level=1, seed=2)
    assert app.session.play[r][c] == wrong
    assert app.session.hint_cell is not None
    hr, hc = app.session.hint_cell
    assert f"put {target[hr][hc]} at row {hr}, column {hc}" in app.session.message


def test_hanoi_hint_recomputes_from_any_state():
    from mmhelix_env.tasks.games.hanoi import PAIRS

    app = play("Hanoi", "click 0 0\nclick 0 1\nkey h", level=2)  # possibly off the optimal line
    action = int(app.session.message.rsplit("action ", 1)[1].rstrip(")"))
    src, dst = PAIRS[action]
    before = app.session.moves
    from mmhelix_env.play.script import run_script

    run_script(app, parse_script(f"key {src} {dst}"))
    assert app.session.moves == before + 1


def test_numbrix_drag_writes_the_following_numbers():
    task = TASKS["Numbrix"]
    inst = task.instance(1, 0)
    target = task.solution_codes(inst)
    givens = task.play_givens(inst)
    n = len(target)
    where = {target[r][c]: (r, c) for r in range(n) for c in range(n)}
    def given(v):
        return bool(givens[where[v][0]][where[v][1]])

    start = next(v for v in range(1, n * n) if given(v) and not given(v + 1))
    path = [where[start]]
    v = start + 1
    while v in where and not given(v):
        path.append(where[v])
        v += 1
    assert len(path) > 1
    app = play("Numbrix", "drag " + " ".join(f"{r} {c}" for r, c in path))
    for k, (r, c) in enumerate(path):
        assert app.session.play[r][c] == start + k


def test_shading_clicks_toggle_and_drag_paints():
    app = play("Nonogram", "click 0 0\nclick 0 1 right\ndrag 1 0 1 1 1 2", level=2)
    grid = app.session.play
    assert grid[0][0] == 1 and grid[0][1] == 2 and list(grid[1][:3]) == [1, 1, 1]
    app = play("Nonogram", "click 0 0\nclick 0 0", level=2)
    assert app.session.play[0][0] == 0 and app.session.moves == 2


def test_bridges_arrow_keys_and_non_neighbours():
    task = TASKS["Bridges"]
    inst = task.instance(1, 0)
    model = task.model(inst)
    (x0, y0), (x1, y1) = model.points[model.edges[0][0]], model.points[model.edges[0][1]]
    arrow = "right" if y0 == y1 else "down"
    app = play("Bridges", f"click {y0} {x0}\nkey {arrow}")
    assert app.session.play[0] == 1
    app = play("Bridges", f"click {y0} {x0}\nclick {y1} {x1}\nclick {y0} {x0}\nclick {y1} {x1}")
    assert app.session.play[0] == 2


def test_minesweeper_reveal_a_mine_loses():
    task = TASKS["Minesweeper"]
    inst = task.instance(1, 0)
    r, c = task.solution(inst)[0]
    app = play("Minesweeper", f"click {r} {c}\nexpect lost")
    assert app.session.verdict == "lost"
    app = play("Minesweeper", f"click {r} {c}\nkey u\nexpect playing")  # a person may undo


def test_prompt_scrolls_and_clamps():
    app = play("Sudoku", "scroll 4")  # wheel notches of 3 lines
    app.draw()
    assert app.scroll == 12
    app = play("Sudoku", "scroll 100000\nkey pagedown")
    app.draw()
    assert app.scroll == len(app.prompt_lines()) - app.prompt_rect.height // app.line_h
    app = play("Sudoku", "scroll -3")
    assert app.scroll == 0


def test_text_modality_prompt_tracks_the_board():
    app = play("Sudoku", "", modality="text")
    empty = app.session.prompt()
    inst = app.session.instance
    r, c = next((r, c) for r in range(9) for c in range(9) if not inst.state["grid"][r][c]) \
        if "grid" in inst.state else (0, 0)
    from mmhelix_env.play.script import run_script

    run_script(app, parse_script(f"click {r} {c}\ntype 5"))
    assert app.session.prompt() != empty


def test_script_errors():
    with pytest.raises(ScriptError, match="unknown command"):
        parse_script("jump 1 2")
    with pytest.raises(ScriptError, match="line 2"):
        parse_script("key up\nclick 1")
    with pytest.raises(ScriptError, match="expected verdict 'solved'"):
        play("Maze", "key up\nexpect solved")
    assert parse_script('type "a#b\\nc"  # comment')[0].args == ("a#b\nc",)
    assert parse_script("type 1 2 # three")[0].args == ("1 2",)


def test_geometry_comes_from_the_renderer_without_changing_it():
    from mmhelix_env.play.geometry import board_shape, render_with_geometry
    from mmhelix_env.render.grid import GridLayout
    from mmhelix_env.render.puzzle_grid import BoardLayout

    inits = (GridLayout.__init__, BoardLayout.__init__)
    for name, task in TASKS.items():
        inst = task.instance(2, 1)
        if not task.step_mode or board_shape(task, inst) is None:
            continue
        play_state = task.play_init(inst)
        plain = task.render(inst, play_state, 200).tobytes()
        img, geometry = render_with_geometry(task, inst, play_state, 200)
        assert img.tobytes() == plain, name
        rows, cols = board_shape(task, inst)
        for r in range(rows):
            for c in range(cols):
                assert geometry.cell_at(*geometry.center(r, c)) == (r, c), (name, r, c)
    assert (GridLayout.__init__, BoardLayout.__init__) == inits


def test_screenshot_is_the_window(tmp_path):
    from PIL import Image

    out = tmp_path / "shot.png"
    task = TASKS["Hanoi"]
    peg = next(i for i, p in enumerate(task.play_init(task.instance(1, 0)).pegs) if p)
    app = play("Hanoi", f"click 0 {peg}", screenshot=str(out))
    img = Image.open(out)
    assert img.size == app.size
    pixels = np.asarray(img.convert("RGB"))
    board = np.asarray(TASKS["Hanoi"].render(app.session.instance, app.controller.display_play(app.session.play),
                                             BOARD).convert("RGB"))
    assert app.controller.held == peg + 1
    assert np.array_equal(pixels[:BOARD, :BOARD], board)


def test_cli_headless_runs_a_script_file(tmp_path):
    script = tmp_path / "moves.txt"
    task = TASKS["Sokoban"]
    inst = task.instance(4, 7)
    keys = [["up", "down", "left", "right"][a] for a in task.expert_actions(inst)]
    script.write_text("# solve it\nkey " + " ".join(keys) + "\nexpect solved\n")
    out = tmp_path / "shot.png"
    proc = subprocess.run([sys.executable, "-m", "mmhelix_env.play", "MMHelix/Sokoban-hard", "--seed", "7",
                           "--headless", "--actions", str(script), "--screenshot", str(out), "--size", "128"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith(f"Sokoban-hard seed 7: solved after {len(keys)} moves")
    assert out.stat().st_size > 1000
    proc = subprocess.run([sys.executable, "-m", "mmhelix_env.play", "MMHelix/Maze-easy", "--headless",
                           "--actions", "-"], input="expect solved\n", capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert proc.returncode == 1 and "expected verdict 'solved'" in proc.stderr


def test_importing_the_package_never_imports_pygame():
    code = ("import sys, mmhelix_env, mmhelix_env.play, mmhelix_env.play.script, mmhelix_env.play.geometry; "
            "assert 'pygame' not in sys.modules, 'pygame imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)


def test_keys_to_action_for_gymnasium_play():
    import gymnasium as gym

    env = gym.make("MMHelix/Maze-easy", mode="step")
    keys = env.unwrapped.get_keys_to_action()
    assert keys == {("w",): 0, ("s",): 1, ("a",): 2, ("d",): 3}
    by_key = {k[0]: a for k, a in keys.items()}
    _, info = env.reset(seed=5)
    task = TASKS["Maze"]
    reward = 0.0
    for action in task.expert_actions(info["instance"]):
        reward = env.step(by_key["wsad"[action]])[1]
    assert reward == 1.0
    hanoi = mmhelix_env.make_env("Hanoi", 2, mode="step").get_keys_to_action()
    assert hanoi == {(str(i),): i for i in range(6)}
    for name in ("Minesweeper", "Sudoku"):
        with pytest.raises(ValueError, match="no natural key mapping"):
            mmhelix_env.make_env(name, 1, mode="step").get_keys_to_action()
    four_way = [n for n, t in TASKS.items() if isinstance(t, FourWayStepMode)]
    assert sorted(four_way) == ["Maze", "Nibbles", "SlidingPuzzle", "Sokoban"]
    cells = [n for n, t in TASKS.items() if isinstance(t, CellStepMixin)]
    assert len(cells) == 15


def test_docs_screenshots_are_small_pngs():
    for category in ("algorithms", "graphs", "puzzles", "games"):
        path = ROOT / "docs" / "screenshots" / f"{category}.png"
        assert path.exists(), path
        assert path.stat().st_size < 150_000
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_conflicts_come_from_the_grid_alone():
    from mmhelix_env.play.conflicts import conflict_cells

    task = TASKS["Futoshiki"]
    inst = task.instance(3, 0)
    start = task.play_init(inst)
    row, (a, b) = next((r, [c for c in range(len(line)) if not line[c]][:2]) for r, line in enumerate(start)
                       if sum(1 for v in line if not v) >= 2)
    given_values = {v for v in start[row] if v}
    value = next(v for v in range(1, len(start) + 1) if v not in given_values)
    app = play("Futoshiki", f"click {row} {a}\ntype {value}\nclick {row} {b}\ntype {value}", level=3)
    app.draw()
    assert app.conflicts == {(row, a), (row, b)}
    # the same grid with a different hidden solution would get the same frames: only the play grid is read
    assert conflict_cells(task, inst, app.session.play) == conflict_cells(task, None, app.session.play)
    eulero = TASKS["Eulero"]
    assert conflict_cells(eulero, None, ((1, 2, 0), (0, 0, 0), (0, 0, 1))) == {(0, 0), (0, 1), (2, 2)}
    assert conflict_cells(TASKS["Maze"], None, None) == set()


def test_answer_task_hints_reveal_one_more_word_each():
    task = TASKS["EulerianPath"]
    words = task.expert_answer(task.instance(2, 0)).split()
    assert len(words) > 2
    app = play("EulerianPath", "key ctrl+h ctrl+h", level=2)
    assert app.session.assisted
    assert app.session.message == "hint: the expert answer starts: " + " ".join(words[:2]) + " …"
    app = play("EulerianPath", "key ctrl+h" + " ctrl+h" * len(words), level=2)
    assert app.session.message == "hint: the expert answer is: " + " ".join(words)
