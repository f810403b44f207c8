"""Action scripts for ``--headless --actions FILE``: a small line-based language whose commands become pygame
events handled by the same code as interactive play.

One command per line; blank lines and text after ``#`` are ignored (inside a JSON string ``#`` is kept)::

    key up up left          # press and release keys (pygame key names: up, w, space, return, backspace, [, ...)
    key ctrl+h shift+return # with modifiers ctrl+, shift+, alt+
    type 42                 # text input (what typing delivers; the rest of the line)
    type "(0,1)-(0,3):2\\n(0,3)-(2,3):1"   # a JSON string: escapes, newlines, leading spaces
    click 2 3               # left click on board cell row 2, column 3 (lattice puzzles: point; Hanoi: 0 peg-1)
    click 2 3 right         # right (or middle) button
    drag 0 0 0 1 1 1        # press on the first cell, move through the others, release on the last
    at 600 40 [right]       # click at a window pixel
    scroll 5                # mouse-wheel notches over the prompt (3 lines each; positive scrolls down)
    focus answer            # click into the answer box (focus board: Tab back to the board)
    expect solved           # fail unless the verdict is solved / lost / playing / wrong answer
    screenshot out.png      # save the window now

Printable keys also deliver their character as text input, as a real keyboard does.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core import Instance, Task
from ..core.directions import MOVES, FourWayStepMode
from ..core.grid_puzzle import CellStepMixin
from .session import cell_symbols

if TYPE_CHECKING:
    from .app import PlayApp

BUTTONS = {"left": 1, "middle": 2, "right": 3}
MODIFIERS = ("ctrl", "shift", "alt")
COMMANDS = ("key", "type", "click", "drag", "at", "scroll", "focus", "expect", "screenshot")


class ScriptError(ValueError):
    """A malformed script line or a failed ``expect``."""


@dataclass(frozen=True)
class Command:
    name: str
    args: tuple
    line: int = 0


def parse_script(text: str) -> list[Command]:
    commands = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, rest = line.partition(" ")
        name, rest = name.lower(), rest.strip()
        if name not in COMMANDS:
            raise ScriptError(f"line {number}: unknown command {name!r} (known: {', '.join(COMMANDS)})")
        try:
            commands.append(Command(name, _arguments(name, rest), number))
        except (ValueError, json.JSONDecodeError) as err:
            raise ScriptError(f"line {number}: {err}") from None
    return commands


def _strip_comment(rest: str) -> str:
    return rest.split("#", 1)[0].strip()


def _arguments(name: str, rest: str) -> tuple:
    if name == "type":
        if rest.startswith('"'):
            return (json.loads(rest[: _json_end(rest)]),)
        return (_strip_comment(rest),)
    words = shlex.split(_strip_comment(rest))
    if name == "key":
        if not words:
            raise ValueError("key needs at least one key name")
        return tuple(words)
    if name in ("click", "at"):
        if len(words) not in (2, 3) or (len(words) == 3 and words[2] not in BUTTONS):
            raise ValueError(f"{name} takes two numbers and an optional button (left, middle, right)")
        return (int(words[0]), int(words[1]), BUTTONS[words[2]] if len(words) == 3 else 1)
    if name == "drag":
        if len(words) < 4 or len(words) % 2:
            raise ValueError("drag takes at least two cells (row column pairs)")
        values = [int(w) for w in words]
        return tuple(zip(values[::2], values[1::2]))
    if name == "scroll":
        return (int(words[0]),) if len(words) == 1 else _bad(name)
    if name == "focus":
        return (words[0],) if words and words[0] in ("answer", "board") else _bad(name)
    if name in ("expect", "screenshot"):
        return (" ".join(words),) if words else _bad(name)
    return tuple(words)


def _bad(name: str):
    raise ValueError(f"bad arguments for {name}")


def _json_end(text: str) -> int:
    """Length of the JSON string literal that starts ``text``."""
    escaped = False
    for i, ch in enumerate(text[1:], start=1):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            return i + 1
    raise ValueError("unterminated string")


# ----- commands -> events --------------------------------------------------------------------------------------
def key_events(pg, spec: str) -> list:
    parts = spec.split("+")
    name, mods = parts[-1], parts[:-1]
    mod = 0
    for m in mods:
        if m.lower() not in MODIFIERS:
            raise ScriptError(f"unknown modifier {m!r} in {spec!r}")
        mod |= {"ctrl": pg.KMOD_LCTRL, "shift": pg.KMOD_LSHIFT, "alt": pg.KMOD_LALT}[m.lower()]
    try:
        code = pg.key.key_code(name)
    except ValueError:
        raise ScriptError(f"unknown key {name!r}") from None
    char = name if len(name) == 1 and name.isprintable() else " " if name == "space" else ""
    if char and mod & pg.KMOD_SHIFT:
        char = char.upper()
    events = [pg.event.Event(pg.KEYDOWN, key=code, mod=mod, unicode=char, scancode=0)]
    if char and not mod & (pg.KMOD_CTRL | pg.KMOD_ALT):
        events.append(pg.event.Event(pg.TEXTINPUT, text=char))
    events.append(pg.event.Event(pg.KEYUP, key=code, mod=mod, unicode=char, scancode=0))
    return events


def mouse_click(pg, pos: tuple[int, int], button: int = 1) -> list:
    return [pg.event.Event(pg.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0)),
            pg.event.Event(pg.MOUSEBUTTONDOWN, pos=pos, button=button),
            pg.event.Event(pg.MOUSEBUTTONUP, pos=pos, button=button)]


def run_command(app: PlayApp, cmd: Command) -> None:
    """Post the events of one command and let the app handle them."""
    pg = app.pg
    events: list = []
    if cmd.name == "key":
        for spec in cmd.args:
            events += key_events(pg, spec)
    elif cmd.name == "type":
        events.append(pg.event.Event(pg.TEXTINPUT, text=cmd.args[0]))
    elif cmd.name == "click":
        r, c, button = cmd.args
        events += mouse_click(pg, app.cell_center(r, c), button)
    elif cmd.name == "at":
        x, y, button = cmd.args
        events += mouse_click(pg, (x, y), button)
    elif cmd.name == "drag":
        points = [app.cell_center(r, c) for r, c in cmd.args]
        events.append(pg.event.Event(pg.MOUSEBUTTONDOWN, pos=points[0], button=1))
        for p in points[1:]:
            events.append(pg.event.Event(pg.MOUSEMOTION, pos=p, rel=(0, 0), buttons=(1, 0, 0)))
        events.append(pg.event.Event(pg.MOUSEBUTTONUP, pos=points[-1], button=1))
    elif cmd.name == "scroll":
        events.append(pg.event.Event(pg.MOUSEWHEEL, x=0, y=-cmd.args[0], flipped=False))
    elif cmd.name == "focus":
        if cmd.args[0] == "answer":
            events += mouse_click(pg, app.answer_point())
        elif app.focus != "board":
            events += key_events(pg, "tab")
    elif cmd.name == "expect":
        app.pump()
        got = app.session.verdict_text().replace(" (assisted)", "")
        if got != cmd.args[0]:
            raise ScriptError(f"line {cmd.line}: expected verdict {cmd.args[0]!r}, got {got!r} "
                              f"({app.session.message})")
        return
    elif cmd.name == "screenshot":
        app.pump()
        app.screenshot(cmd.args[0])
        return
    for event in events:
        pg.event.post(event)
    app.pump()


def run_script(app: PlayApp, commands: list[Command]) -> None:
    for cmd in commands:
        if not app.running:
            break
        run_command(app, cmd)


def load_script(path: str | Path) -> list[Command]:
    import sys

    text = sys.stdin.read() if str(path) == "-" else Path(path).read_text(encoding="utf-8")
    return parse_script(text)


# ----- the expert solution as a script -------------------------------------------------------------------------
def solution_script(task: Task, inst: Instance) -> str:
    """A script that solves ``inst`` through the UI: native controls for games and grid puzzles (keys, clicks,
    typed values, drags), the answer box for every other task. Ends with ``expect solved``."""
    lines = [f"# {task.name} level {inst.level} seed {inst.seed}: the expert solution through the UI"]
    if not task.step_mode:
        lines += ["focus answer", "type " + json.dumps(task.expert_answer(inst)), "key return"]
    elif isinstance(task, FourWayStepMode):
        keys = [MOVES[a] for a in task.expert_actions(inst)]
        lines += ["key " + " ".join(keys[i:i + 16]) for i in range(0, len(keys), 16)]
    elif isinstance(task, CellStepMixin):
        lines += _cell_lines(task, inst)
    elif task.name == "Hanoi":
        from ..tasks.games.hanoi import PAIRS

        for a in task.expert_actions(inst):
            src, dst = PAIRS[a]
            lines += [f"click 0 {src - 1}", f"click 0 {dst - 1}"]
    elif task.name == "Minesweeper":
        n = int(inst.state["n"])
        for a in task.expert_actions(inst):
            lines.append("key return" if a == 2 * n * n else f"click {a // n} {a % n} right")
    elif task.name == "Bridges":
        model = task.model(inst)  # type: ignore[attr-defined]
        for (i, j), m in zip(model.edges, task.solution(inst)):
            (x0, y0), (x1, y1) = model.points[i], model.points[j]
            lines += [f"click {y0} {x0}", f"click {y1} {x1}"] * int(m)
    elif task.name == "Shingoki":
        lines.append("drag " + " ".join(f"{r} {c}" for r, c in _loop_points(task, inst)))
    else:
        raise ValueError(f"no UI script for {task.name}")
    lines.append("expect solved")
    return "\n".join(lines) + "\n"


def _cell_lines(task: Any, inst: Instance) -> list[str]:
    start = task.play_init(inst)
    symbols = {v: s for s, v in cell_symbols(task, inst).items()}
    toggles = task.step_codes(inst) == 3
    lines = []
    for r, c, v in task.expert_actions(inst):
        if toggles:  # left click toggles code 1, right click code 2 (cells start at their initial code)
            cur = int(start[r][c])
            if v == 0:
                lines.append(f"click {r} {c}" + (" right" if cur == 2 else ""))
            else:
                lines.append(f"click {r} {c}" + (" right" if v == 2 else ""))
        elif v == 0:
            lines += [f"click {r} {c}", "key backspace"]
        else:
            lines += [f"click {r} {c}", "type " + json.dumps(symbols[v])]
    return lines


def _loop_points(task: Any, inst: Instance) -> list[tuple[int, int]]:
    """The expert loop of a Shingoki as a closed walk of lattice points."""
    from ..tasks.puzzles.shingoki import Lattice

    n = int(inst.state["n"])
    lat = Lattice.of(n)
    on = int(task.solution(inst))
    nbrs: dict[int, list[int]] = {}
    for s, (p, q) in lat.ends.items():
        if on >> s & 1:
            nbrs.setdefault(p, []).append(q)
            nbrs.setdefault(q, []).append(p)
    start = min(nbrs)
    walk, prev, cur = [start], None, start
    while True:
        nxt = next(q for q in nbrs[cur] if q != prev)
        walk.append(nxt)
        if nxt == start:
            break
        prev, cur = cur, nxt
    return [divmod(p, n) for p in walk]
