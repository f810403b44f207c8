"""Regenerate docs/screenshots/<category>.png with the play window's headless mode.

    python tools/make_screenshots.py [--out docs/screenshots] [--size 384]

Each shot runs ``python -m mmhelix_env.play <id> --headless --actions <script> --screenshot <png>`` (in this
process) with a short script: part of the expert solution for the puzzle and the game, a typed answer checked
by the verifier for the algorithm and graph tasks. The PNGs are re-saved optimised (each < 150 KB).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import mmhelix_env  # noqa: E402
from mmhelix_env.core.directions import MOVES  # noqa: E402
from mmhelix_env.play.__main__ import main as play_main  # noqa: E402

MAX_BYTES = 150_000


def algorithms_script() -> tuple[str, int, str]:
    inst = mmhelix_env.make_instance("TrappingRainWater", 3, 2)
    answer = mmhelix_env.expert_answer(inst)
    return "MMHelix/TrappingRainWater-medium", 2, f"focus answer\ntype {json.dumps(answer)}\nkey return\n"


def graphs_script() -> tuple[str, int, str]:
    return "MMHelix/ShortestDistance-medium", 4, 'focus answer\ntype "7"\nkey return\n'


def puzzles_script() -> tuple[str, int, str]:
    task = mmhelix_env.TASKS["Sudoku"]
    inst = task.instance(3, 5)
    lines = []
    symbols = {v: str(v) for v in range(1, 10)}
    for r, c, v in task.expert_actions(inst)[:14]:
        lines += [f"click {r} {c}", f"type {symbols[v]}"]
    lines += ["key h", "key right down"]
    return "MMHelix/Sudoku-medium", 5, "\n".join(lines) + "\n"


def games_script() -> tuple[str, int, str]:
    task = mmhelix_env.TASKS["Sokoban"]
    inst = task.instance(3, 7)
    moves = [MOVES[a] for a in task.expert_actions(inst)]
    return "MMHelix/Sokoban-medium", 7, "key " + " ".join(moves[: len(moves) // 2]) + "\n"


SHOTS = {"algorithms": algorithms_script, "graphs": graphs_script, "puzzles": puzzles_script,
         "games": games_script}


def make(out_dir: Path, size: int) -> dict[str, int]:
    from PIL import Image

    out_dir.mkdir(parents=True, exist_ok=True)
    sizes = {}
    with tempfile.TemporaryDirectory() as tmp:
        for category, build in SHOTS.items():
            env_id, seed, script = build()
            actions = Path(tmp) / f"{category}.txt"
            actions.write_text(script, encoding="utf-8")
            png = out_dir / f"{category}.png"
            status = play_main([env_id, "--seed", str(seed), "--headless", "--size", str(size), "--actions",
                                str(actions), "--screenshot", str(png)])
            if status:
                raise SystemExit(f"{category}: the script failed")
            Image.open(png).convert("RGB").save(png, optimize=True)
            sizes[category] = png.stat().st_size
            if sizes[category] >= MAX_BYTES:
                raise SystemExit(f"{png} is {sizes[category]} bytes (limit {MAX_BYTES})")
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--size", type=int, default=384, help="board side in pixels")
    args = parser.parse_args()
    for category, size in make(args.out, args.size).items():
        print(f"{category}: {size} bytes")


if __name__ == "__main__":
    main()
