import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quickstart_runs():
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "quickstart.py"), "MMHelix/Sudoku-easy", "3"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "reward: 1.0" in done.stdout and "Attempt 1 was incorrect" in done.stdout


def test_cli_commands(tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "mmhelix_env", *args], capture_output=True, text=True,
                              timeout=120, cwd=ROOT)

    listed = run("list")
    assert listed.returncode == 0 and "MMHelix/Sokoban-very-hard" in listed.stdout
    out = tmp_path / "x.png"
    shown = run("show", "MMHelix/Sokoban-hard", "--seed", "3", "--out", str(out))
    assert shown.returncode == 0 and out.stat().st_size > 1000 and "Sokoban" in shown.stdout
    text = run("show", "MMHelix/Sudoku-easy", "--seed", "3", "--modality", "text")
    assert text.returncode == 0 and "`.` marks an empty cell" in text.stdout
    solved = run("solve", "MMHelix/24Points-very-hard", "--seed", "1")
    assert solved.returncode == 0 and "correct=True" in solved.stderr
    gallery = run("gallery", "--out", str(tmp_path / "g"), "--ids", "MMHelix/ShortestDistance-easy")
    assert gallery.returncode == 0 and (tmp_path / "g" / "ShortestDistance-easy.png").exists()


def test_benchmark_scripts_run(tmp_path):
    from benchmarks import difficulty, speed

    per_level = difficulty.medians("Maze", seeds=3)
    assert sorted(per_level) == [1, 2, 3, 4, 5] and per_level[5]["solution_length"] > per_level[1]["solution_length"]
    table = difficulty.markdown({"Maze": per_level})
    assert "| Maze | solution_length |" in table
    assert speed.main(["--ids", "MMHelix/Maze-easy", "--seeds", "2", "--json", str(tmp_path / "s.json")]) == 0
    assert (tmp_path / "s.json").exists()
