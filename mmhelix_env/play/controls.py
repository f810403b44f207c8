"""Native controls per kind of task, without pygame: key names (pygame's ``key.name`` spelling: ``up``, ``w``,
``space``, ``return``, ``backspace``), typed text, and presses/drags on board cells become step-mode actions.

- four-way games (Maze, Sokoban, Nibbles, SlidingPuzzle): arrows or WASD; SlidingPuzzle also: click a tile
  next to the gap;
- Hanoi: click a peg (or press 1-3) to pick its top disk up, then another to drop it;
- Minesweeper: left click reveals, right click flags; arrows move a cursor, Space reveals, F flags, Enter submits;
- cell puzzles: click a cell, then type its value (``code_text`` symbols, Eulero's ``A1``; several characters
  build one value: ``1`` then ``6`` writes 16); arrows move the cursor; Backspace/Delete erase; right click
  erases. Three-code puzzles (shading, Binairo, Snake): left click toggles code 1 (shade, tent, ``0``), right
  click code 2 (the note mark or ``1``); dragging paints the pressed cell's new code. Numbrix: drag from a
  numbered cell along empty cells to write the next numbers;
- Bridges: click two islands to add a bridge between them (cycles 0 -> 1 -> 2 -> 0), or select one and press an
  arrow; Shingoki: click or drag along neighbouring lattice points to toggle the segments between them.
"""

from __future__ import annotations

from typing import Any

from ..core.directions import DELTAS, FourWayStepMode
from ..core.grid_puzzle import CellStepMixin
from .session import PlaySession, cell_symbols

Cell = tuple[int, int]
ARROWS = {"up": 0, "down": 1, "left": 2, "right": 3}
WASD = {"w": 0, "s": 1, "a": 2, "d": 3}
ERASE_KEYS = ("backspace", "delete")


class Controller:
    """No board controls (answer-only tasks): everything goes through the answer box."""

    def __init__(self, session: PlaySession):
        self.session = session
        self.selected: Cell | None = None

    @property
    def task(self):
        return self.session.task

    @property
    def inst(self):
        return self.session.instance

    def reset(self) -> None:
        self.selected = None

    def key(self, name: str) -> bool:
        return False

    def text(self, chars: str) -> bool:
        return False

    def press(self, cell: Cell, button: int) -> None:
        pass

    def drag(self, cell: Cell) -> None:
        pass

    def release(self) -> None:
        pass

    def display_play(self, play: Any) -> Any:
        """The play state to draw (a controller may show a picked-up piece)."""
        return play

    def help(self) -> str:
        return "type your answer in the answer box and press Enter"


class FourWayController(Controller):
    def key(self, name: str) -> bool:
        move = ARROWS.get(name, WASD.get(name))
        if move is None:
            return False
        self.session.apply(move)
        return True

    def press(self, cell: Cell, button: int) -> None:
        if self.task.name != "SlidingPuzzle" or self.session.play is None:
            return
        blank = self.session.play.cells.index(0)
        br, bc = divmod(blank, 4)
        toward = (br - cell[0], bc - cell[1])  # the tile moves into the gap
        if toward in DELTAS:
            self.session.apply(DELTAS.index(toward))
        else:
            self.session.message = "click a tile next to the empty space"

    def help(self) -> str:
        extra = "; click a tile next to the gap" if self.task.name == "SlidingPuzzle" else ""
        return f"arrows or WASD move{extra}"


class HanoiController(Controller):
    def reset(self) -> None:
        self.held: int | None = None

    def __init__(self, session: PlaySession):
        super().__init__(session)
        self.reset()

    def pick(self, peg: int) -> None:
        from ..tasks.games.hanoi import PAIR_INDEX

        if self.held is None:
            if not self.session.play.pegs[peg - 1]:
                self.session.message = f"peg {peg} is empty"
                return
            self.held = peg
            self.session.message = f"picked up the top disk of peg {peg}"
        elif self.held == peg:
            self.held = None
            self.session.message = "put the disk back"
        else:
            src, self.held = self.held, None
            self.session.apply(PAIR_INDEX[(src, peg)])

    def key(self, name: str) -> bool:
        if name in ("1", "2", "3"):
            self.pick(int(name))
            return True
        return False

    def press(self, cell: Cell, button: int) -> None:
        self.pick(cell[1] + 1)

    def display_play(self, play: Any) -> Any:
        return play._replace(held=self.held) if play is not None and self.held else play

    def help(self) -> str:
        return "click a peg (or press 1-3) to pick up its top disk, then another peg to drop it"


class MinesController(Controller):
    @property
    def n(self) -> int:
        return int(self.inst.state["n"])

    def act(self, cell: Cell, flag: bool) -> None:
        self.selected = cell
        index = cell[0] * self.n + cell[1]
        self.session.apply(index if flag else self.n * self.n + index)

    def key(self, name: str) -> bool:
        n = self.n
        if name in ARROWS:
            r, c = self.selected or (0, 0)
            dr, dc = DELTAS[ARROWS[name]]
            self.selected = (min(n - 1, max(0, r + dr)), min(n - 1, max(0, c + dc)))
        elif name in ("space", "f"):
            self.act(self.selected or (0, 0), flag=name == "f")
        elif name in ("return", "enter"):
            self.session.apply(2 * n * n)
        else:
            return False
        return True

    def press(self, cell: Cell, button: int) -> None:
        self.act(cell, flag=button == 3)

    def help(self) -> str:
        return "left click reveals, right click flags (or arrows + Space/F); Enter submits the flags"


class CellController(Controller):
    """Cell puzzles: select, type symbols, click-toggle/paint for three-code puzzles, number paths (Numbrix)."""

    def __init__(self, session: PlaySession):
        super().__init__(session)
        self.reset()

    def reset(self) -> None:
        self.selected = None
        self.buffer = ""
        self.paint: int | None = None
        self.path_value: int | None = None

    # --- board facts ---
    @property
    def shape(self) -> Cell:
        return self.task.board_shape(self.inst)

    @property
    def codes(self) -> int:
        return self.task.step_codes(self.inst)

    @property
    def toggles(self) -> bool:
        return self.codes == 3

    def symbols(self) -> dict[str, int]:
        return self.symbols_of(self.task, self.inst)

    symbols_of = staticmethod(cell_symbols)

    def locked(self, cell: Cell) -> bool:
        return bool(self.task.play_locked(self.inst)[cell[0]][cell[1]])

    def code(self, cell: Cell) -> int:
        return int(self.session.play[cell[0]][cell[1]])

    def write(self, cell: Cell, code: int) -> bool:
        return self.session.apply((cell[0], cell[1], code))

    # --- input ---
    def select(self, cell: Cell) -> None:
        if cell != self.selected:
            self.buffer = ""
        self.selected = cell

    def key(self, name: str) -> bool:
        if name in ARROWS:
            rows, cols = self.shape
            r, c = self.selected or (0, 0)
            dr, dc = DELTAS[ARROWS[name]]
            self.select((min(rows - 1, max(0, r + dr)), min(cols - 1, max(0, c + dc))))
            return True
        if name in ERASE_KEYS and self.selected is not None:
            self.buffer = ""
            self.write(self.selected, 0)
            return True
        if name == "space" and self.selected is not None and self.toggles:
            self.write(self.selected, 0 if self.code(self.selected) == 1 else 1)
            return True
        return False

    def text(self, chars: str) -> bool:
        if self.selected is None:
            return False
        symbols = self.symbols()
        used = False
        for ch in chars:
            for candidate in (self.buffer + ch, ch):
                code = self._match(candidate, symbols)
                if code is not None:
                    self.buffer = candidate
                    if code > 0:
                        self.write(self.selected, code)
                    used = True
                    break
            else:
                self.buffer = ""
                if ch == "0" and "0" not in symbols:  # 0 erases where it is not a value
                    self.write(self.selected, 0)
                    used = True
        return used

    @staticmethod
    def _match(typed: str, symbols: dict[str, int]) -> int | None:
        """The code of an exactly typed symbol; 0 for a prefix of a longer one; None otherwise."""
        for fold in (False, True):
            key = typed.lower() if fold else typed
            table = {(s.lower() if fold else s): v for s, v in symbols.items()}
            if fold and len(table) < len(symbols):
                return None  # symbols that differ only in case (Nonogram X/x) must be typed exactly
            if key in table:
                return table[key]
            if any(s.startswith(key) for s in table):
                return 0
        return None

    def press(self, cell: Cell, button: int) -> None:
        self.select(cell)
        if self.toggles:
            if self.locked(cell):
                self.session.message = f"cell (row {cell[0]}, column {cell[1]}) is fixed"
                return
            want = 1 if button == 1 else 2
            code = 0 if self.code(cell) == want else want
            if self.write(cell, code):
                self.paint = code
        elif button == 3:
            self.write(cell, 0)
        elif self.task.name == "Numbrix" and self.code(cell):
            self.path_value = self.code(cell)

    def drag(self, cell: Cell) -> None:
        if self.paint is not None:
            self.select(cell)
            if not self.locked(cell) and self.code(cell) != self.paint:
                self.write(cell, self.paint)
        elif self.path_value is not None and self.selected is not None:
            if abs(cell[0] - self.selected[0]) + abs(cell[1] - self.selected[1]) != 1:
                self.path_value = None
                return
            nxt = self.path_value + 1
            if self.locked(cell):
                if self.code(cell) != nxt:
                    self.path_value = None
                    return
            elif nxt >= self.codes or not self.write(cell, nxt):
                self.path_value = None
                return
            self.select(cell)
            self.path_value = nxt

    def release(self) -> None:
        self.paint = None
        self.path_value = None

    def help(self) -> str:
        if self.toggles:
            return "left click toggles, right click marks, drag paints; or select and type " + \
                "/".join(self.symbols())
        extra = "; drag from a number to continue the path" if self.task.name == "Numbrix" else ""
        return f"click a cell and type its value; Backspace erases{extra}"


class BridgesController(Controller):
    DIRECTIONS = {(1, 0): 0, (0, 1): 1, (-1, 0): 2, (0, -1): 3}  # (dx, dy) -> task direction code
    ARROW_DIRECTIONS = {"right": 0, "down": 1, "left": 2, "up": 3}

    def islands(self) -> set[Cell]:
        return {(int(d["y"]), int(d["x"])) for d in self.inst.state["islands"]}

    def press(self, cell: Cell, button: int) -> None:
        if cell not in self.islands():
            self.selected = None
            return
        if self.selected is None or self.selected == cell:
            self.selected = None if self.selected == cell else cell
            return
        (r0, c0), (r1, c1) = self.selected, cell
        self.selected = None
        model = self.task.model(self.inst)
        at = {p: i for i, p in enumerate(model.points)}
        pair = tuple(sorted((at[(c0, r0)], at[(c1, r1)])))
        if pair not in model.index:
            self.session.message = "those islands cannot be joined (not neighbours in a row or column)"
            return
        step = ((c1 > c0) - (c1 < c0), (r1 > r0) - (r1 < r0))
        self.session.apply((r0, c0, self.DIRECTIONS[step]))

    def key(self, name: str) -> bool:
        if name in self.ARROW_DIRECTIONS and self.selected is not None:
            self.session.apply((*self.selected, self.ARROW_DIRECTIONS[name]))
            return True
        return False

    def help(self) -> str:
        return "click two islands to add a bridge (a third time removes it); or select an island and press an arrow"


class ShingokiController(Controller):
    def __init__(self, session: PlaySession):
        super().__init__(session)
        self.dragging = False

    @property
    def n(self) -> int:
        return int(self.inst.state["n"])

    def toggle(self, p: Cell, q: Cell) -> bool:
        """Toggle the segment p-q (neighbouring points); False when they are not neighbours."""
        n = self.n
        (r0, c0), (r1, c1) = sorted((p, q))
        if (r1 - r0, c1 - c0) == (0, 1):
            index = r0 * (n - 1) + c0
        elif (r1 - r0, c1 - c0) == (1, 0):
            index = n * (n - 1) + r0 * n + c0
        else:
            return False
        self.session.apply(index)
        return True

    def press(self, cell: Cell, button: int) -> None:
        self.dragging = True
        if self.selected is None:
            self.selected = cell
        elif self.selected == cell:
            self.selected = None
        elif self.toggle(self.selected, cell):
            self.selected = cell
        else:
            self.selected = cell

    def drag(self, cell: Cell) -> None:
        if self.dragging and self.selected is not None and cell != self.selected:
            if self.toggle(self.selected, cell):
                self.selected = cell

    def release(self) -> None:
        self.dragging = False

    def key(self, name: str) -> bool:
        if name in ARROWS and self.selected is not None:
            dr, dc = DELTAS[ARROWS[name]]
            r, c = self.selected[0] + dr, self.selected[1] + dc
            if 0 <= r < self.n and 0 <= c < self.n and self.toggle(self.selected, (r, c)):
                self.selected = (r, c)
            return True
        return False

    def help(self) -> str:
        return "click or drag along neighbouring points to draw (or erase) segments; arrows draw from the selection"


def controller_for(session: PlaySession) -> Controller:
    task = session.task
    if not task.step_mode:
        return Controller(session)
    if isinstance(task, FourWayStepMode):
        return FourWayController(session)
    if isinstance(task, CellStepMixin):
        return CellController(session)
    kinds = {"Hanoi": HanoiController, "Minesweeper": MinesController, "Bridges": BridgesController,
             "Shingoki": ShingokiController}
    if task.name in kinds:
        return kinds[task.name](session)
    raise ValueError(f"no pygame controls for the step-mode task {task.name}")
