"""``python -m mmhelix_env.play MMHelix/Sokoban-hard [--seed N] [--modality text]``: play in a pygame window.

``--headless --actions FILE --screenshot OUT.png`` runs a scripted session with SDL's dummy video driver (the
script language is described in :mod:`mmhelix_env.play.script`; ``--actions -`` reads it from stdin and
``--solve`` plays the expert solution through the UI). The last line printed is the session's outcome; the exit
status is 1 when a script line fails (a malformed line or a failed ``expect``).
"""

from __future__ import annotations

import argparse
import random
import sys

from ..core import LEVELS, level_number
from ..envs.registry import parse_env_id


def parse_target(target: str, level: str | None) -> tuple[str, int]:
    """``MMHelix/Sokoban-hard`` or ``Sokoban`` (with ``--level``) → (task name, level number)."""
    from .. import TASKS

    if "/" in target:
        name, number = parse_env_id(target)
    else:
        name, number = target, level_number(level or 1)
    if level is not None and "/" in target:
        number = level_number(level)
    if name not in TASKS:
        raise SystemExit(f"unknown task {name!r}; known: {', '.join(TASKS)}")
    return name, number


def main(argv: list[str] | None = None) -> int:
    from . import script as script_module

    parser = argparse.ArgumentParser(
        prog="python -m mmhelix_env.play", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Play an MM-HELIX task in a pygame window, or run a scripted session headless.",
        epilog="Action scripts (--actions):\n" + script_module.__doc__.split("\n\n", 1)[1])
    parser.add_argument("env_id", help="MMHelix/<Task>-<level>, or a task name with --level")
    parser.add_argument("--level", choices=[*LEVELS, "1", "2", "3", "4", "5"], help="level (overrides the id's)")
    parser.add_argument("--seed", type=int, default=None, help="instance seed (default: random; 0 when headless)")
    parser.add_argument("--modality", choices=("image", "text"), default="image", help="which prompt to show")
    parser.add_argument("--size", type=int, default=None, help="board side in pixels (default 512; 320 headless)")
    parser.add_argument("--headless", action="store_true", help="no window: SDL's dummy video driver")
    parser.add_argument("--actions", metavar="FILE", help="action script to run ('-' = stdin)")
    parser.add_argument("--solve", action="store_true", help="play the expert solution through the UI")
    parser.add_argument("--screenshot", metavar="OUT.png", help="save the window at the end")
    args = parser.parse_args(argv)

    name, level = parse_target(args.env_id, args.level)
    seed = args.seed if args.seed is not None else (0 if args.headless else random.randrange(1_000_000))
    size = args.size or (320 if args.headless else 512)

    from .app import PlayApp
    from .script import ScriptError, load_script, parse_script, run_script, solution_script

    app = PlayApp(name, level, seed, modality=args.modality, board_size=size, headless=args.headless,
                  clock=(lambda: 0.0) if args.headless else None)
    status = 0
    try:
        if args.solve:
            run_script(app, parse_script(solution_script(app.session.task, app.session.instance)))
        if args.actions:
            run_script(app, load_script(args.actions))
    except ScriptError as err:
        print(f"script error: {err}", file=sys.stderr)
        status = 1
    if args.screenshot:
        app.screenshot(args.screenshot)
    if not args.headless and app.running:
        app.run()
    s = app.session
    print(f"{s.task.name}-{s.level_name} seed {s.seed}: {s.verdict_text()} after {s.moves} moves")
    return status


if __name__ == "__main__":
    sys.exit(main())
