"""Hanoi (games): move every disk to peg 3, one top disk at a time, never onto a smaller disk.

Three pegs, n disks numbered 1 (smallest) .. n (largest); any legal start other than the goal. The optimal
distance D to the goal is exact without search (spec/tasks/Hanoi.md): the largest disk not yet on its target
decides the plan, and with three pegs the optimal path is unique. Generation enumerates all 3^n configurations
(n <= 5: at most 243) in canonical order, keeps those whose D lies in the level's band and picks one with the
rng. Answer mode (a ``(disk,peg)`` list, verified by replay) and step mode (Discrete(6): ordered peg pairs).
"""

from __future__ import annotations

import itertools
from functools import cache
from typing import Any, NamedTuple

import numpy as np

from ...core import (
    Instance,
    ParseError,
    RecordError,
    StepResult,
    Task,
    Verdict,
    level_number,
    parse_coords,
    record_field,
)
from ...render import BACKGROUND, INK, WHITE, draw_text, font, new_canvas

# level -> (disks, lowest D, highest D)
LEVEL_PARAMS: dict[int, tuple[int, int, int]] = {
    1: (3, 1, 3),
    2: (3, 4, 7),
    3: (4, 8, 15),
    4: (5, 16, 23),
    5: (5, 24, 31),
}
MAX_DISKS = 8  # importer bound (the image still fits eight disks)
MAX_MOVES = 10_000

FORMAT_SENTENCE = ("Your final solution format should be given like:(x,y) (x,y) (x,y)..., where x is the disk number "
                   "and y is the destination peg number")

# step-mode actions: ordered peg pairs (source, destination), pegs 1-based
PAIRS: tuple[tuple[int, int], ...] = ((1, 2), (1, 3), (2, 1), (2, 3), (3, 1), (3, 2))
PAIR_INDEX = {p: i for i, p in enumerate(PAIRS)}

# colours: one per disk (number printed in white or ink, whichever contrasts)
DISK_COLOURS = (
    (214, 48, 49), (232, 130, 22), (226, 196, 30), (56, 158, 62),
    (34, 122, 196), (120, 78, 180), (200, 72, 150), (110, 84, 60),
)
BASE = (120, 82, 45)
BASE_EDGE = (80, 52, 26)
PEG = (150, 104, 60)
HIGHLIGHT = (255, 190, 0)  # the held peg
LABEL_SELECTED = (200, 120, 0)

Move = tuple[int, int]  # (disk, destination peg)
Pegs = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]


class HanoiPlay(NamedTuple):
    """Step-mode play state. ``pegs``: three tuples of disks, bottom -> top. ``last``: the last move as
    (disk, from peg, to peg), drawn highlighted. ``held``: a peg (1..3) whose top disk a person has picked
    up in the pygame layer (drawn lifted above its peg); play_apply always clears it."""

    pegs: Pegs
    last: tuple[int, int, int] | None = None
    held: int | None = None


# ---------------------------------------------------------------------------------------------- the maths
def positions(pegs) -> tuple[int, ...]:
    """pos[d] = peg (1..3) of disk d; pos[0] unused."""
    n = sum(len(p) for p in pegs)
    pos = [0] * (n + 1)
    for i, peg in enumerate(pegs):
        for d in peg:
            pos[d] = i + 1
    return tuple(pos)


def distance(pos, k: int | None = None, target: int = 3) -> int:
    """Optimal number of moves to gather disks 1..k on ``target`` (k defaults to all)."""
    if k is None:
        k = len(pos) - 1
    total = 0
    while k > 0:
        if pos[k] != target:
            total += 1 << (k - 1)
            target = 6 - pos[k] - target
        k -= 1
    return total


def pegs_of(pos) -> Pegs:
    n = len(pos) - 1
    out: list[list[int]] = [[], [], []]
    for d in range(n, 0, -1):
        out[pos[d] - 1].append(d)
    return tuple(tuple(p) for p in out)  # type: ignore[return-value]


def optimal_moves(pos) -> list[Move]:
    """The unique optimal move list to the goal (all disks on peg 3), by the largest-disk recursion."""
    pos = list(pos)
    moves: list[Move] = []

    def gather(k: int, target: int) -> None:
        if k == 0:
            return
        if pos[k] == target:
            gather(k - 1, target)
            return
        other = 6 - pos[k] - target
        gather(k - 1, other)
        moves.append((k, target))
        pos[k] = target
        gather(k - 1, target)

    gather(len(pos) - 1, 3)
    return moves


def recursion_calls(pos) -> int:
    """Sub-goal calls ("gather disks 1..k on peg t") the recursive solver makes: its search work."""
    pos = list(pos)
    calls = 0

    def gather(k: int, target: int) -> None:
        nonlocal calls
        calls += 1
        if k == 0:
            return
        if pos[k] == target:
            gather(k - 1, target)
            return
        other = 6 - pos[k] - target
        gather(k - 1, other)
        pos[k] = target
        gather(k - 1, target)

    gather(len(pos) - 1, 3)
    return calls


@cache
def band_configs(n: int, lo: int, hi: int) -> tuple[tuple[int, ...], ...]:
    """All configurations of n disks (as pos tuples) with lo <= D <= hi, in canonical order (the tuple of
    each disk's peg, sorted)."""
    found = []
    for pegs in itertools.product((1, 2, 3), repeat=n):
        pos = (0, *pegs)
        if lo <= distance(pos) <= hi:
            found.append(pos)
    return tuple(found)


def _fmt_pegs(pegs) -> str:
    return "[" + ", ".join("[" + ", ".join(map(str, p)) + "]" for p in pegs) + "]"


def _fmt_moves(moves) -> str:
    return " ".join(f"({d},{p})" for d, p in moves)


def _disks(k: int) -> str:
    return "disk 1" if k == 1 else f"disks 1-{k}"


# ---------------------------------------------------------------------------------------------- the task
class Hanoi(Task):
    name = "Hanoi"
    category = "games"
    benchmark_id = "hanoi"
    generator_key = "hanoi"
    score_function = "hanoi_evaluator"
    version = "1"
    answer_format = "(disk,peg) moves separated by spaces, e.g. (1,3) (2,2) (1,2)"
    step_mode = True

    # ----- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _pegs(inst: Instance) -> Pegs:
        return tuple(tuple(p) for p in inst.state["pegs"])  # type: ignore[return-value]

    @staticmethod
    def _n(inst: Instance) -> int:
        return int(inst.state["n"])

    # ----- generation ----------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int):
        n, lo, hi = LEVEL_PARAMS[level_number(level)]
        pool = band_configs(n, lo, hi)
        pos = pool[int(rng.integers(len(pool)))]
        pegs = pegs_of(pos)
        return {"n": n, "pegs": [list(p) for p in pegs]}, optimal_moves(pos)

    # ----- solving -------------------------------------------------------------------------------
    def solve(self, inst: Instance) -> list[Move]:
        return optimal_moves(positions(self._pegs(inst)))

    def format_answer(self, inst: Instance, solution) -> str:
        return _fmt_moves(solution)

    def stats(self, inst: Instance) -> dict:
        pos = positions(self._pegs(inst))
        return {"solution_length": distance(pos), "search_nodes": recursion_calls(pos), "disks": self._n(inst),
                "disks_off_goal": sum(1 for d in range(1, len(pos)) if pos[d] != 3)}

    # ----- verification --------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        try:
            moves = parse_coords(answer, max_chars=self.max_answer_chars, max_items=MAX_MOVES)
        except ParseError as err:
            if "too many" in str(err):
                raise ParseError(f"too many moves (at most {MAX_MOVES})") from None
            if "no coordinates" in str(err):
                raise ParseError("no moves found; write moves like (1,3) (2,2)") from None
            raise
        n = self._n(inst)
        pegs = [list(p) for p in self._pegs(inst)]
        pos = list(positions(pegs))
        d0 = distance(pos)
        for step, (disk, peg) in enumerate(moves, 1):
            problem = None
            if not 1 <= disk <= n:
                problem = f"unknown disk {disk} (disks are 1..{n})"
            elif peg not in (1, 2, 3):
                problem = f"bad peg {peg} (pegs are 1, 2, 3)"
            else:
                src = pos[disk]
                top = pegs[src - 1][-1]
                if top != disk:
                    problem = f"disk {disk} is not the top disk of peg {src} (disk {top} is on top of it)"
                elif peg == src:
                    problem = f"disk {disk} is already on peg {peg}"
                elif pegs[peg - 1] and pegs[peg - 1][-1] < disk:
                    problem = f"disk {disk} cannot go onto the smaller disk {pegs[peg - 1][-1]} on peg {peg}"
            if problem is not None:
                left = distance(pos)
                return Verdict.fail(f"illegal move {step} ({disk},{peg}): {problem}", score=1 - left / d0,
                                    parsed=moves)
            pegs[pos[disk] - 1].pop()
            pegs[peg - 1].append(disk)
            pos[disk] = peg
        left = distance(pos)
        plural = "s" if len(moves) != 1 else ""
        if left == 0:
            return Verdict.ok(moves, f"correct: all {n} disks are on peg 3 after {len(moves)} move{plural}")
        return Verdict.fail(f"not solved: after all {len(moves)} move{plural} the pegs are {_fmt_pegs(pegs)} "
                            f"(bottom -> top); {left} more move{'s' if left != 1 else ''} needed",
                            score=1 - left / d0, parsed=moves)

    # ----- rendering -----------------------------------------------------------------------------
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        n = self._n(inst)
        if play is None:
            pegs, last, held = self._pegs(inst), None, None
        else:
            pegs, last, held = play.pegs, play.last, play.held
        s = size
        img, draw = new_canvas(s, BACKGROUND)
        rows = max(n, 5)
        base_top = round(s * 0.76)
        base_h = max(4, round(s * 0.035))
        disk_h = min(s * 0.078, (base_top - s * 0.22) / (rows + 0.6))
        peg_top = round(base_top - (rows + 0.6) * disk_h)
        peg_w = max(3, round(s * 0.022))
        centres = [s * (2 * i + 1) / 6 for i in range(3)]
        w_min, w_max = s * 0.11, s * 0.31
        line = max(1, round(s / 256))
        # base and pegs
        draw.rectangle((round(s * 0.03), base_top, round(s * 0.97), base_top + base_h), fill=BASE,
                       outline=BASE_EDGE, width=line)
        for i, cx in enumerate(centres):
            colour = HIGHLIGHT if held == i + 1 else PEG
            draw.rectangle((round(cx - peg_w / 2), peg_top, round(cx + peg_w / 2), base_top), fill=colour,
                           outline=BASE_EDGE, width=line)
        # peg labels
        label_font = font(max(12, round(s * 0.085)), bold=True)
        label_y = base_top + base_h + s * 0.085
        for i, cx in enumerate(centres):
            draw_text(draw, (cx, label_y), str(i + 1), label_font, fill=LABEL_SELECTED if held == i + 1 else INK)
        # disks
        num_font = font(max(14, round(disk_h * 0.62)), bold=True)
        outline_w = max(2, round(s / 128))
        halo = max(2, round(s / 160))
        moved = last[0] if last else None
        for i, peg in enumerate(pegs):
            cx = centres[i]
            for level_no, d in enumerate(peg):
                lifted = held == i + 1 and level_no == len(peg) - 1
                if lifted:
                    y1 = peg_top - s * 0.035
                else:
                    y1 = base_top - level_no * disk_h
                y0 = y1 - disk_h + max(1, round(s / 170))
                w = w_min + (w_max - w_min) * (d - 1) / max(1, max(n, 3) - 1)
                colour = DISK_COLOURS[(d - 1) % len(DISK_COLOURS)]
                edge = tuple(max(0, c - 70) for c in colour)
                box = (round(cx - w / 2), round(y0), round(cx + w / 2), round(y1))
                radius = max(2, round(disk_h * 0.25))
                if lifted or d == moved:  # a halo (ink ring, white ring) marks the held or last-moved disk
                    for grow, ring in ((2 * halo, INK), (halo, WHITE)):
                        draw.rounded_rectangle((box[0] - grow, box[1] - grow, box[2] + grow, box[3] + grow),
                                               radius=radius + grow, fill=ring)
                draw.rounded_rectangle(box, radius=radius, fill=colour, outline=edge, width=outline_w)
                lum = 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]
                ink = (20, 20, 24) if lum > 150 else (255, 255, 255)
                draw_text(draw, (cx, (y0 + y1) / 2), str(d), num_font, fill=ink)
        return img

    # ----- prompts -------------------------------------------------------------------------------
    def _rules(self, n: int) -> str:
        return (
            "### Game Rules:\n"
            f"1. The Tower of Hanoi consists of three pegs (numbered 1, 2, and 3) and {n} disks of different sizes, "
            f"numbered 1 (smallest) to {n} (largest)\n"
            "2. Disks are stacked on pegs with larger disks always below smaller ones\n"
            "3. Only one disk can be moved at a time: the top disk of one peg moves to the top of another peg\n"
            "4. A larger disk cannot be placed on top of a smaller disk\n"
        )

    def _goal(self, n: int, modality: str) -> str:
        tower = list(range(n, 0, -1))
        if modality == "text":
            return ("### Goal State:\n"
                    f"Move all {n} disks to peg 3, largest at the bottom and smallest at the top:\n"
                    f"[[], [], {tower}]\n")
        return ("### Goal State:\n"
                f"Move all {n} disks to peg 3, largest at the bottom and smallest at the top: "
                f"Peg 1: [], Peg 2: [], Peg 3: {tower}\n")

    def _state_block(self, n: int, pegs, modality: str, current: bool = False) -> str:
        what = "current" if current else "initial"
        if modality == "text":
            return ("### Current Hanoi State:\n"
                    f"The {what} state of the Tower of Hanoi is represented as follows:\n"
                    f"{_fmt_pegs(pegs)}\n\n"
                    "In this representation:\n"
                    "- The three lists are the pegs: list 1 is peg 1, list 2 is peg 2, list 3 is peg 3\n"
                    "- Numbers are disks (higher numbers = larger disks)\n"
                    "- Each list goes from the bottom of the peg to the top: the first element is the bottom disk "
                    "and the last element is the top disk\n")
        return ("### Current Hanoi State:\n"
                f"The {what} state of the Tower of Hanoi is shown in the image: the pegs are labelled 1, 2, 3 "
                f"underneath, and each of the {n} disks carries its number (larger number = wider disk).\n")

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        n = self._n(inst)
        return ("Your task is to solve the Tower of Hanoi puzzle according to the rules and the current state "
                + ("below" if modality == "text" else "shown in the image") + ".\n\n"
                + self._rules(n) + "\n"
                + self._state_block(n, self._pegs(inst), modality) + "\n"
                + self._goal(n, modality) + "\n"
                + "### Output Format Requirements:\n" + FORMAT_SENTENCE)

    # ----- trace ---------------------------------------------------------------------------------
    def trace(self, inst: Instance) -> str:
        n = self._n(inst)
        pegs0 = self._pegs(inst)
        pos = list(positions(pegs0))
        d0 = distance(pos)
        out = [
            f"There are {n} disks and three pegs. Pegs, bottom -> top: "
            + ", ".join(f"peg {i + 1} {list(p)}" for i, p in enumerate(pegs0)) + ".",
            f"Goal: all {n} disks on peg 3, i.e. [[], [], {list(range(n, 0, -1))}].",
            "Plan from the largest disk down: the largest disk that is not yet where it must go can only move "
            "when every smaller disk is gathered on the third peg (neither its peg nor its target), so each "
            "sub-goal \"gather disks 1..k on peg t\" splits into smaller sub-goals.",
        ]
        # the distance, disk by disk
        parts = []
        target = 3
        for k in range(n, 0, -1):
            if pos[k] == target:
                parts.append(f"disk {k} must be on peg {target} and is there already (0)")
            else:
                parts.append(f"disk {k} must go from peg {pos[k]} to peg {target} (2^{k - 1} = {1 << (k - 1)})")
                target = 6 - pos[k] - target
        out.append("Counting the moves: " + "; ".join(parts) + f". Optimal length D = {d0}.")
        pegs = [list(p) for p in pegs0]
        moves: list[Move] = []

        def gather(k: int, target: int, depth: int) -> None:
            if k == 0:
                return
            pad = "  " * depth
            if pos[k] == target:
                if k > 1:
                    out.append(f"{pad}Sub-goal: {_disks(k)} on peg {target}. Disk {k} is already on peg {target}; "
                               f"next gather {_disks(k - 1)} on peg {target}.")
                    gather(k - 1, target, depth)
                return
            other = 6 - pos[k] - target
            src = pos[k]
            if k > 1:
                tower = all(pos[j] == pos[k - 1] for j in range(1, k))
                if tower and pos[k - 1] == other:
                    note = f"{_disks(k - 1)} already {'sits' if k == 2 else 'sit'} on peg {other}"
                else:
                    note = f"first gather {_disks(k - 1)} on peg {other}"
                out.append(f"{pad}Sub-goal: {_disks(k)} on peg {target}. Disk {k} is on peg {src}, so {note}, "
                           f"then move disk {k} to peg {target}, then bring {_disks(k - 1)} onto it.")
                gather(k - 1, other, depth + 1)
            pegs[src - 1].pop()
            pegs[target - 1].append(k)
            pos[k] = target
            moves.append((k, target))
            out.append(f"{pad}Move {len(moves)}: ({k},{target}) disk {k} from peg {src} to peg {target}. "
                       f"Pegs: {_fmt_pegs(pegs)}")
            if k > 1:
                out.append(f"{pad}Disk {k} is on peg {target}; now move {_disks(k - 1)} from peg {other} onto it.")
                gather(k - 1, target, depth + 1)

        gather(n, 3, 0)
        out.append(f"All {n} disks are on peg 3 after {len(moves)} moves, which equals D = {d0}, so the plan is "
                   "optimal.")
        out.append(f"Answer: {_fmt_moves(moves)}")
        return "\n".join(out)

    # ----- reference records ---------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record.get("initial_state")
        if raw is None:
            raise RecordError("record has no initial_state")
        value = record_field(raw)
        if isinstance(value, str):
            raise RecordError(f"initial_state is not a list of three pegs: {value[:60]!r}")
        if not isinstance(value, (list, tuple)) or len(value) != 3:
            raise RecordError("initial_state must be a list of exactly three pegs")
        pegs = []
        for i, peg in enumerate(value):
            if not isinstance(peg, (list, tuple)) or not all(isinstance(d, int) and not isinstance(d, bool)
                                                             for d in peg):
                raise RecordError(f"peg {i + 1} must be a list of disk numbers")
            if any(a <= b for a, b in zip(peg, peg[1:])):
                raise RecordError(f"peg {i + 1} {list(peg)} is not strictly decreasing from bottom to top")
            pegs.append([int(d) for d in peg])
        disks = sorted(d for p in pegs for d in p)
        n = len(disks)
        if n == 0 or disks != list(range(1, n + 1)):
            raise RecordError(f"the disks {disks} are not exactly 1..n")
        if n > MAX_DISKS:
            raise RecordError(f"{n} disks; at most {MAX_DISKS} are supported")
        if len(pegs[2]) == n:
            raise RecordError("the start is already the goal (every disk on peg 3)")
        return {"n": n, "pegs": pegs}

    def record_level_hint(self, record: dict, state: dict) -> int:
        d = distance(positions(state["pegs"]))
        for level, (_, _, hi) in LEVEL_PARAMS.items():
            if d <= hi:
                return level
        return 5

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> list[Move]:
        return [tuple(m) for m in verdict.parsed]

    # ----- step mode -----------------------------------------------------------------------------
    def action_shape(self, inst: Instance) -> tuple[int, ...]:
        return (6,)

    def level_action_shape(self, level: int) -> tuple[int, ...]:
        return (6,)

    def play_init(self, inst: Instance) -> HanoiPlay:
        return HanoiPlay(self._pegs(inst))

    @staticmethod
    def _pair_problem(pegs, src: int, dst: int) -> str | None:
        if not pegs[src - 1]:
            return f"peg {src} is empty"
        disk = pegs[src - 1][-1]
        if pegs[dst - 1] and pegs[dst - 1][-1] < disk:
            return f"disk {disk} cannot go onto the smaller disk {pegs[dst - 1][-1]} on peg {dst}"
        return None

    def play_apply(self, inst: Instance, play: HanoiPlay, action) -> StepResult:
        try:
            action = int(action)
        except (TypeError, ValueError):
            return StepResult(play, False, f"action must be an integer 0..5, got {action!r}")
        if not 0 <= action < 6:
            return StepResult(play, False, f"action must be 0..5 (an ordered peg pair), got {action}")
        src, dst = PAIRS[action]
        problem = self._pair_problem(play.pegs, src, dst)
        if problem is not None:
            return StepResult(play, False, f"peg {src} -> peg {dst}: {problem}")
        pegs = [list(p) for p in play.pegs]
        disk = pegs[src - 1].pop()
        pegs[dst - 1].append(disk)
        new = HanoiPlay(tuple(tuple(p) for p in pegs), (disk, src, dst), None)  # type: ignore[arg-type]
        return StepResult(new, True, "", {"move": (disk, dst)})

    def play_mask(self, inst: Instance, play: HanoiPlay) -> np.ndarray:
        return np.array([self._pair_problem(play.pegs, s, d) is None for s, d in PAIRS], dtype=bool)

    def play_solved(self, inst: Instance, play: HanoiPlay) -> bool:
        return not play.pegs[0] and not play.pegs[1]

    def play_prompt(self, inst: Instance, play: HanoiPlay, modality: str = "image") -> str:
        n = self._n(inst)
        head = ("Tower of Hanoi, played one move at a time. "
                + ("The image shows the current state.\n\n" if modality == "image"
                   else "The current state is below.\n\n"))
        last = ""
        if play.last is not None:
            d, s_, t = play.last
            last = f"Last move: disk {d} from peg {s_} to peg {t}.\n\n"
        choices = ", ".join(f"{i} = peg {s_} -> peg {t}" for i, (s_, t) in enumerate(PAIRS))
        return (head + self._rules(n) + "\n" + self._state_block(n, play.pegs, modality, current=True) + "\n"
                + self._goal(n, modality) + "\n" + last
                + "### Your move:\nChoose the next move; it takes the top disk of the first peg and puts it on "
                f"the second: {choices}.")

    def step_limit(self, inst: Instance) -> int:
        return 4 * ((1 << self._n(inst)) - 1)

    def expert_actions(self, inst: Instance) -> list[int]:
        pos = list(positions(self._pegs(inst)))
        actions = []
        for disk, peg in self.solution(inst):
            actions.append(PAIR_INDEX[(pos[disk], peg)])
            pos[disk] = peg
        return actions


TASK = Hanoi()
