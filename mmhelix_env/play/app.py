"""The pygame window: the rendered board (left), the prompt in a scrollable side panel with the answer box
(right), and a status bar (moves, time, verdict, last message) at the bottom.

One event handler (:meth:`PlayApp.handle`) serves interactive play and scripted sessions alike: a script's
commands become pygame events that are posted to the queue and read back by :meth:`PlayApp.pump`.

Keys (board focus): arrows/WASD and the task's native controls (see :mod:`.controls`), ``U`` undo, ``R``
restart, ``N`` next puzzle, ``[``/``]`` level down/up, ``H`` hint, ``Tab`` to the answer box, ``PageUp``/
``PageDown`` or the wheel scroll the prompt, ``Esc`` quits. In the answer box, typing edits the answer,
``Enter`` verifies it, ``Shift+Enter`` starts a new line, ``Tab`` goes back to the board, and the commands
work with ``Ctrl`` (``Ctrl+H`` hint, ...); ``Ctrl+V`` pastes. Cells whose entries visibly break a rule (a value
twice in a line) get a red frame; that check reads only the current grid, never the solution.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ..core import Task
from ..envs.base import resolve_task
from ..render.canvas import FONT_DIR
from .conflicts import conflict_cells
from .controls import Controller, controller_for
from .geometry import render_with_geometry
from .session import LOST, SOLVED, PlaySession

BOARD, ANSWER = "board", "answer"
COMMAND_KEYS = ("u", "r", "n", "h", "[", "]")
ENTER_KEYS = ("return", "enter")

BG = (236, 234, 228)
PANEL_BG = (250, 249, 246)
INK = (30, 30, 40)
MUTED = (110, 110, 120)
ACCENT = (31, 119, 180)
BOX_BG = (255, 255, 255)
SELECT = (255, 140, 0)
HINT = (44, 160, 44)
CONFLICT = (214, 39, 40)
VERDICT_COLOURS = {SOLVED: (30, 130, 50), LOST: (200, 40, 40)}


def load_pygame(headless: bool):
    """Import pygame (hiding its banner); headless selects SDL's dummy video and audio drivers first."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    if headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ["SDL_AUDIODRIVER"] = "dummy"
    import pygame

    return pygame


def wrap_text(text: str, width: int, measure: Callable[[str], int]) -> list[str]:
    """Greedy word wrap to ``width`` pixels (``measure`` gives a string's width); over-long words are split."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if measure(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while measure(word) > width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and measure(word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def format_time(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


class PlayApp:
    """A play window over one :class:`PlaySession`. ``board_size`` is the board's side in pixels."""

    def __init__(self, task: Task | str, level: int | str, seed: int = 0, *, modality: str = "image",
                 board_size: int = 512, headless: bool = False, clock: Callable[[], float] | None = None):
        task = resolve_task(task)
        self.pg = pg = load_pygame(headless)
        pg.init()
        self.headless = headless
        kwargs = {"clock": clock} if clock is not None else {}
        self.session = PlaySession(task, level, seed, modality=modality, **kwargs)
        self.board_size = S = int(board_size)
        self.panel_w = max(240, round(S * 0.85))
        unit = max(11, round(S / 40))
        self.font = pg.font.Font(str(FONT_DIR / "DejaVuSans.ttf"), unit)
        self.bold = pg.font.Font(str(FONT_DIR / "DejaVuSans-Bold.ttf"), unit)
        self.line_h = self.font.get_linesize()
        self.status_h = 2 * self.line_h + 10
        self.size = (S + self.panel_w, S + self.status_h)
        self.screen = pg.display.set_mode(self.size)
        pg.display.set_caption("MM-HELIX play")
        pg.key.set_repeat(300, 40)
        self.running = True
        self.answer_text = ""
        self.scroll = 0
        self.pressing = False
        self.last_cell: tuple[int, int] | None = None
        self._new_puzzle()

    # ----- state ------------------------------------------------------------------------------------------------
    def _new_puzzle(self) -> None:
        self.controller: Controller = controller_for(self.session)
        self.focus = BOARD if self.session.task.step_mode else ANSWER
        self.geometry: Any = None
        self.conflicts: set[tuple[int, int]] = set()
        self.board_surface = None
        self.scroll = 0
        self._prompt_cache: tuple[str, list[str]] | None = None
        self.dirty = True

    @property
    def answer_rect(self):
        S, pad = self.board_size, 8
        height = 4 * self.line_h + 8
        top = S - height - 2 * self.line_h - pad
        return self.pg.Rect(S + pad, top, self.panel_w - 2 * pad, height)

    @property
    def prompt_rect(self):
        S, pad = self.board_size, 8
        top = pad + self.line_h + 4
        return self.pg.Rect(S + pad, top, self.panel_w - 2 * pad, self.answer_rect.top - self.line_h - 8 - top)

    def refresh_board(self) -> None:
        """Re-render the board (and its cell geometry) when the play state changed."""
        if not self.dirty and self.board_surface is not None:
            return
        s = self.session
        img, geometry = render_with_geometry(s.task, s.instance, self.controller.display_play(s.play), self.board_size)
        if self.geometry is None:
            self.geometry = geometry
        self.conflicts = conflict_cells(s.task, s.instance, s.play)
        img = img.convert("RGB")
        self.board_surface = self.pg.image.frombuffer(img.tobytes(), img.size, "RGB").copy()
        self.dirty = False

    def cell_center(self, r: int, c: int) -> tuple[int, int]:
        self.refresh_board()
        if self.geometry is None:
            raise ValueError(f"{self.session.task.name} has no clickable board")
        x, y = self.geometry.center(r, c)
        return round(x), round(y)

    def answer_point(self) -> tuple[int, int]:
        return self.answer_rect.center

    # ----- events -----------------------------------------------------------------------------------------------
    def pump(self) -> None:
        """Handle every queued event."""
        for event in self.pg.event.get():
            self.handle(event)

    def handle(self, event) -> None:
        pg = self.pg
        kind = event.type
        if kind == pg.QUIT:
            self.running = False
        elif kind == pg.KEYDOWN:
            self._key(event)
        elif kind == pg.TEXTINPUT:
            self._text(event.text)
        elif kind == pg.MOUSEBUTTONDOWN and event.button in (1, 2, 3):
            self._press(event.pos, event.button)
        elif kind == pg.MOUSEMOTION and self.pressing:
            self._motion(event.pos)
        elif kind == pg.MOUSEBUTTONUP and event.button in (1, 2, 3):
            if self.pressing:
                self.pressing = False
                self.controller.release()
                self.dirty = True
        elif kind == pg.MOUSEWHEEL:
            self.scroll_prompt(-3 * event.y)

    def _command(self, name: str) -> None:
        s = self.session
        if name == "u":
            s.undo()
        elif name == "r":
            s.restart()
            s.message = "restarted"
        elif name == "n":
            s.next_puzzle()
            self.answer_text = ""
            self._new_puzzle()
        elif name in "[]" and s.change_level(1 if name == "]" else -1):
            self.answer_text = ""
            self._new_puzzle()
        elif name == "h":
            s.hint()
        if name in "rn[]":
            self.controller.reset()
        self.dirty = True

    def _key(self, event) -> None:
        pg = self.pg
        name = pg.key.name(event.key)
        ctrl = bool(event.mod & pg.KMOD_CTRL)
        if name == "escape":
            self.running = False
        elif name == "tab":
            self.focus = ANSWER if self.focus == BOARD else BOARD
        elif name in ("page up", "page down"):
            rows = max(1, self.prompt_rect.height // self.line_h - 1)
            self.scroll_prompt(rows if name == "page down" else -rows)
        elif ctrl and name == "v" and self.focus == ANSWER:
            self.answer_text += self._clipboard()
        elif ctrl or (self.focus == BOARD and name in COMMAND_KEYS):
            if name in COMMAND_KEYS:
                self._command(name)
        elif self.focus == ANSWER:
            if name in ENTER_KEYS and event.mod & pg.KMOD_SHIFT:
                self.answer_text += "\n"
            elif name in ENTER_KEYS:
                self.session.submit(self.answer_text)
            elif name == "backspace":
                self.answer_text = self.answer_text[:-1]
        elif self.controller.key(name):
            self.dirty = True

    def _clipboard(self) -> str:
        try:
            text = self.pg.scrap.get_text() if hasattr(self.pg.scrap, "get_text") else ""
        except self.pg.error:
            text = ""
        if not text:
            self.session.message = "the clipboard is empty or unavailable"
        return (text or "").replace("\r\n", "\n")

    def _text(self, text: str) -> None:
        if self.focus == ANSWER:
            self.answer_text += text
        elif self.controller.text(text):
            self.dirty = True

    def _press(self, pos, button: int) -> None:
        x, y = pos
        if self.answer_rect.collidepoint(x, y):
            self.focus = ANSWER
            return
        if not (0 <= x < self.board_size and 0 <= y < self.board_size):
            return
        self.focus = BOARD
        self.refresh_board()
        cell = self.geometry.cell_at(x, y) if self.geometry is not None else None
        if cell is None:
            return
        self.pressing = True
        self.last_cell = cell
        self.controller.press(cell, button)
        self.dirty = True

    def _motion(self, pos) -> None:
        if self.geometry is None:
            return
        cell = self.geometry.cell_at(*pos)
        if cell is not None and cell != self.last_cell:
            self.last_cell = cell
            self.controller.drag(cell)
            self.dirty = True

    def scroll_prompt(self, lines: int) -> None:
        self.scroll = max(0, self.scroll + lines)

    # ----- drawing ----------------------------------------------------------------------------------------------
    def prompt_lines(self) -> list[str]:
        text = f"Controls: {self.controller.help()}. U undo, R restart, N next, [ ] level, H hint, Tab answer " \
               f"box, Esc quit.\n\n{self.session.prompt()}"
        if self._prompt_cache is None or self._prompt_cache[0] != text:
            width = self.prompt_rect.width - 12
            self._prompt_cache = (text, wrap_text(text, width, lambda t: self.font.size(t)[0]))
        return self._prompt_cache[1]

    def _blit(self, text: str, pos, colour=INK, bold: bool = False, width: int | None = None) -> None:
        font = self.bold if bold else self.font
        if width is not None:
            while text and font.size(text)[0] > width:
                text = text[:-2] + "…" if len(text) > 2 else ""
        self.screen.blit(font.render(text, True, colour), pos)

    def draw(self) -> None:
        pg, s, screen, S = self.pg, self.session, self.screen, self.board_size
        self.refresh_board()
        screen.fill(BG)
        screen.blit(self.board_surface, (0, 0))
        self._draw_marks()
        pg.draw.rect(screen, PANEL_BG, (S, 0, self.panel_w, S))
        pad = 8
        self._blit(f"{s.task.name} · {s.level_name} · seed {s.seed}", (S + pad, pad), bold=True,
                   width=self.panel_w - 2 * pad)
        # prompt
        area = self.prompt_rect
        lines = self.prompt_lines()
        visible = max(1, area.height // self.line_h)
        self.scroll = min(self.scroll, max(0, len(lines) - visible))
        screen.set_clip(area)
        for i, line in enumerate(lines[self.scroll:self.scroll + visible]):
            self._blit(line, (area.x + 2, area.y + i * self.line_h))
        screen.set_clip(None)
        if len(lines) > visible:
            bar_h = max(12, area.height * visible // len(lines))
            bar_y = area.y + (area.height - bar_h) * self.scroll // max(1, len(lines) - visible)
            pg.draw.rect(screen, MUTED, (area.right - 3, bar_y, 3, bar_h))
        # answer box
        box = self.answer_rect
        label = "Answer (Enter verifies, Shift+Enter new line)"
        self._blit(label, (box.x, box.y - self.line_h - 2), MUTED, width=box.width)
        pg.draw.rect(screen, BOX_BG, box)
        pg.draw.rect(screen, ACCENT if self.focus == ANSWER else MUTED, box, 2 if self.focus == ANSWER else 1)
        shown = self.answer_text + ("▏" if self.focus == ANSWER else "")
        wrapped = wrap_text(shown, box.width - 8, lambda t: self.font.size(t)[0])
        rows = max(1, (box.height - 8) // self.line_h)
        for i, line in enumerate(wrapped[-rows:]):
            self._blit(line, (box.x + 4, box.y + 4 + i * self.line_h))
        if s.answer_verdict is not None:
            v = s.answer_verdict
            colour = VERDICT_COLOURS[SOLVED] if v.correct else VERDICT_COLOURS[LOST]
            reason = wrap_text(("✓ " if v.correct else "✗ ") + v.reason, box.width,
                               lambda t: self.font.size(t)[0])
            for i, line in enumerate(reason[:2]):
                self._blit(line, (box.x, box.bottom + 4 + i * self.line_h), colour)
        # status bar
        y = S + 5
        verdict = s.verdict_text()
        status = f"moves {s.moves}   time {format_time(s.elapsed)}   focus {self.focus}   "
        self._blit(status, (pad, y))
        x = pad + self.font.size(status)[0]
        self._blit(verdict, (x, y), VERDICT_COLOURS.get(s.verdict, ACCENT), bold=True)
        self._blit(s.message, (pad, y + self.line_h), MUTED, width=self.size[0] - 2 * pad)

    def _draw_marks(self) -> None:
        if self.geometry is None:
            return
        inset = max(2, round(self.board_size / 160))
        for cell in sorted(self.conflicts):
            x0, y0, x1, y1 = self.geometry.box(*cell, inset)
            self.pg.draw.rect(self.screen, CONFLICT, (x0, y0, x1 - x0 + 1, y1 - y0 + 1), 2)
        for cell, colour in ((self.session.hint_cell, HINT), (self.controller.selected, SELECT)):
            if cell is not None:
                x0, y0, x1, y1 = self.geometry.box(*cell)
                self.pg.draw.rect(self.screen, colour, (x0, y0, x1 - x0 + 1, y1 - y0 + 1), 3)

    def screenshot(self, path: str) -> None:
        self.draw()
        self.pg.image.save(self.screen, str(path))

    # ----- interactive loop -------------------------------------------------------------------------------------
    def run(self, fps: int = 30) -> None:
        clock = self.pg.time.Clock()
        while self.running:
            self.pump()
            self.draw()
            self.pg.display.flip()
            clock.tick(fps)
        self.pg.quit()
