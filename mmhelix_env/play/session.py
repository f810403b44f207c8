"""One person's play session, without pygame: the instance, the step-mode play state with undo, the move
count and clock, answer-box verification, hints (which mark the episode assisted) and level/seed changes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..core import LEVELS, Instance, Task, Verdict, level_number
from ..core.directions import MOVES, FourWayStepMode
from ..core.grid_puzzle import CellStepMixin, ShadeStepMixin
from ..core.seeding import MAX_SEED

PLAYING, SOLVED, LOST = "playing", "solved", "lost"
NOTE_CODES = {2}          # code 2 of shading puzzles (and Snake) is a note mark: as good as empty for the solution
NOTE_TASKS = ("Snake",)


def cell_symbols(task: Task, inst: Instance) -> dict[str, int]:
    """What a person types for each code of a cell puzzle: ``code_text`` symbols, Eulero's letter-number pairs
    (``A1`` = 1), else the number itself."""
    codes = task.step_codes(inst)  # type: ignore[attr-defined]
    if task.name == "Eulero":
        n = int(inst.state["n"])
        return {f"{chr(65 + (v - 1) // n)}{(v - 1) % n + 1}": v for v in range(1, codes)}
    text = getattr(task, "code_text", None) or {}
    return {text.get(v, str(v)): v for v in range(1, codes)}


class PlaySession:
    """State of one puzzle being played. ``apply`` runs one step-mode action through the task's own rules;
    ``submit`` verifies a typed answer; ``verdict`` is ``playing``, ``solved`` or ``lost``."""

    def __init__(self, task: Task, level: int | str, seed: int = 0, *, modality: str = "image",
                 clock: Callable[[], float] = time.monotonic):
        self.task = task
        self.modality = modality
        self.clock = clock
        self.load(level_number(level), seed)

    # ----- loading ----------------------------------------------------------------------------------------------
    def load(self, level: int, seed: int) -> None:
        self.level = level_number(level)
        self.seed = int(seed) % (MAX_SEED + 1)
        self.instance: Instance = self.task.instance(self.level, self.seed)
        self._expert_line: dict | None = None
        self.restart()
        self.assisted = False
        self.hints_taken = 0

    def restart(self) -> None:
        self.play: Any = self.task.play_init(self.instance) if self.task.step_mode else None
        self.history: list[Any] = []
        self.moves = 0
        self.verdict = PLAYING
        self.answer_verdict: Verdict | None = None
        self.message = ""
        self.hint_cell: tuple[int, int] | None = None
        self.started = self.clock()
        self.finished_at: float | None = None

    def next_puzzle(self) -> None:
        self.load(self.level, self.seed + 1)
        self.message = f"seed {self.seed}"

    def change_level(self, delta: int) -> bool:
        """Load the same seed ``delta`` levels up (clamped); False when the level stays."""
        level = min(len(LEVELS), max(1, self.level + delta))
        if level == self.level:
            self.message = f"already at level {LEVELS[level - 1]}"
            return False
        self.load(level, self.seed)
        self.message = f"level {LEVELS[level - 1]}"
        return True

    # ----- status -----------------------------------------------------------------------------------------------
    @property
    def level_name(self) -> str:
        return LEVELS[self.level - 1]

    @property
    def elapsed(self) -> float:
        end = self.finished_at if self.finished_at is not None else self.clock()
        return max(0.0, end - self.started)

    @property
    def over(self) -> bool:
        return self.verdict != PLAYING

    def verdict_text(self) -> str:
        text = self.verdict
        if self.verdict == PLAYING and self.answer_verdict is not None and not self.answer_verdict.correct:
            text = "wrong answer"
        return text + (" (assisted)" if self.assisted else "")

    def prompt(self) -> str:
        if self.task.step_mode:
            return self.task.play_prompt(self.instance, self.play, self.modality)
        return self.task.prompt(self.instance, self.modality)

    def _finish(self, verdict: str) -> None:
        self.verdict = verdict
        self.finished_at = self.clock()

    # ----- moves ------------------------------------------------------------------------------------------------
    def apply(self, action: Any) -> bool:
        """Run one step-mode action; True when it was legal. Illegal moves change nothing (the reason is the
        message); after a win or loss only undo, restart and the answer box act."""
        if not self.task.step_mode:
            self.message = f"{self.task.name} has no moves; type an answer in the answer box"
            return False
        if self.over:
            self.message = f"the game is {self.verdict}: press U to undo, R to restart or N for the next puzzle"
            return False
        result = self.task.play_apply(self.instance, self.play, action)
        self.message = result.reason or self.describe(action)
        if not result.legal:
            return False
        self.hint_cell = None
        if result.state != self.play:
            self.history.append(self.play)
            self.play = result.state
            self.moves += 1
        if self.task.play_solved(self.instance, self.play):
            self._finish(SOLVED)
        elif self.task.play_lost(self.instance, self.play):
            self._finish(LOST)
        return True

    def undo(self) -> None:
        if not self.history:
            self.message = "nothing to undo"
            return
        self.play = self.history.pop()
        self.moves += 1
        if self.verdict != PLAYING and self.answer_verdict is None:
            self.verdict, self.finished_at = PLAYING, None
        self.message = "undone"

    def submit(self, text: str) -> Verdict:
        """Verify a typed answer (benchmark extraction, then the task's verifier)."""
        _, verdict = self.task.verify_response(self.instance, text)
        self.answer_verdict = verdict
        self.message = ("✓ " if verdict.correct else "✗ ") + verdict.reason
        if verdict.correct and self.verdict != SOLVED:
            self._finish(SOLVED)
        return verdict

    # ----- hints ------------------------------------------------------------------------------------------------
    def hint(self) -> str:
        """The next move of the expert solution from the current state (marks the episode assisted). Tasks
        without moves reveal the expert answer one more word per hint."""
        self.assisted = True
        self.hint_cell = None
        if not self.task.step_mode:
            self.hints_taken += 1
            words = self.task.expert_answer(self.instance).split()
            shown = " ".join(words[:self.hints_taken])
            text = ("the expert answer is: " if self.hints_taken >= len(words) else "the expert answer starts: ") \
                + shown + ("" if self.hints_taken >= len(words) else " …")
        elif self.over:
            text = f"the game is {self.verdict}"
        else:
            text = self._step_hint()
        self.message = "hint: " + text
        return text

    def _step_hint(self) -> str:
        task, play = self.task, self.play
        if isinstance(task, CellStepMixin):
            return self._cell_hint()
        name = task.name
        if name == "Hanoi":
            from ..tasks.games.hanoi import PAIR_INDEX, optimal_moves, positions

            pos = positions(play.pegs)
            moves = optimal_moves(pos)
            if not moves:
                return "the puzzle is solved"
            disk, dst = moves[0]
            action = PAIR_INDEX[(pos[disk], dst)]
            return f"move the top disk of peg {pos[disk]} to peg {dst} (action {action})"
        if name == "Bridges":
            return self._bridges_hint()
        if name == "Shingoki":
            return self._shingoki_hint()
        if name == "Minesweeper":
            return self._mines_hint()
        return self._line_hint()

    def _cell_hint(self) -> str:
        task, inst, play = self.task, self.instance, self.play
        target = task.solution_codes(inst)  # type: ignore[attr-defined]
        notes = NOTE_CODES if isinstance(task, ShadeStepMixin) or task.name in NOTE_TASKS else set()
        locked = task.play_locked(inst)  # type: ignore[attr-defined]
        for r, row in enumerate(play):
            for c, v in enumerate(row):
                want = int(target[r][c])
                if locked[r][c] or v == want or (want == 0 and v in notes):
                    continue
                self.hint_cell = (r, c)
                if want == 0:
                    return f"clear the cell at row {r}, column {c}"
                symbol = next(s for s, v in cell_symbols(task, inst).items() if v == want)
                how = {1: " (left click)", 2: " (right click)"}.get(want, "") if task.step_codes(inst) == 3 else ""
                return f"put {symbol} at row {r}, column {c}{how}"
        return "every cell matches the expert solution"

    def _bridges_hint(self) -> str:
        model = self.task.model(self.instance)  # type: ignore[attr-defined]
        target = self.task.solution(self.instance)
        order = sorted(range(len(model.edges)), key=lambda k: (self.play[k] <= target[k], k))  # too many first
        for k in order:
            have, want = self.play[k], int(target[k])
            if have != want:
                (x0, y0), (x1, y1) = model.points[model.edges[k][0]], model.points[model.edges[k][1]]
                self.hint_cell = (y0, x0)
                return (f"the bridge {model.names[k]} needs {want} line{'s' if want != 1 else ''} (it has {have}): "
                        f"click the islands at ({x0},{y0}) and ({x1},{y1})")
        return "every bridge matches the expert solution"

    def _shingoki_hint(self) -> str:
        from ..tasks.puzzles.shingoki import Lattice, _action_segment

        n = int(self.instance.state["n"])
        on = int(self.task.solution(self.instance))
        lat = Lattice.of(n)
        for i, v in enumerate(self.play):
            seg = _action_segment(n, i)
            want = (on >> seg) & 1
            if v != want:
                p, _ = lat.ends[seg]
                self.hint_cell = divmod(p, n)
                return f"{'draw' if want else 'erase'} the segment {lat.sname(seg)}"
        return "every segment matches the expert solution"

    def _mines_hint(self) -> str:
        n = int(self.instance.state["n"])
        mines = {r * n + c for r, c in self.task.solution(self.instance)}
        flags = set(self.play.flags)
        for cell in sorted(flags - mines):
            self.hint_cell = divmod(cell, n)
            return f"({cell // n},{cell % n}) is not a mine: unflag it (right-click)"
        for cell in sorted(mines - flags):
            self.hint_cell = divmod(cell, n)
            return f"({cell // n},{cell % n}) is a mine: flag it (right-click)"
        return "every mine is flagged: press Enter on the board to submit"

    def _line_hint(self) -> str:
        """Games without a solver from any state: follow the expert line; off it, say how far to undo."""
        if self._expert_line is None:
            line: dict = {}
            state = self.task.play_init(self.instance)
            actions = list(self.task.expert_actions(self.instance))
            for k, action in enumerate(actions):
                line.setdefault(state, (k, action))
                state = self.task.play_apply(self.instance, state, action).state
            self._expert_line = line
        if self.play in self._expert_line:
            _, action = self._expert_line[self.play]
            return self.describe(action)
        for back, state in enumerate(reversed(self.history), start=1):
            if state in self._expert_line:
                _, action = self._expert_line[state]
                return (f"you left the expert solution: undo {back} move{'s' if back != 1 else ''} (U), then "
                        f"{self.describe(action)}")
        return "you left the expert solution: press R to restart"

    def describe(self, action: Any) -> str:
        if isinstance(self.task, FourWayStepMode):
            return f"{MOVES[int(action)]} (action {int(action)})"
        if self.task.name == "Hanoi":
            from ..tasks.games.hanoi import PAIRS

            src, dst = PAIRS[int(action)]
            return f"peg {src} -> peg {dst} (action {int(action)})"
        return f"action {action}"
