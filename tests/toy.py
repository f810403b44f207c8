"""A tiny task used to test the env layer independently of the real tasks: reach a target sum by
adding 1 or 2 (step mode), or answer the number of moves of a shortest plan (answer mode)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from mmhelix_env.core import Instance, RecordError, StepResult, Task, Verdict, parse_int, record_field
from mmhelix_env.render import draw_text, font, new_canvas


class ToyTask(Task):
    name = "Toy"
    category = "algorithms"
    benchmark_id = "toy"
    generator_key = "toy"
    step_mode = True

    def generate(self, rng, level):
        target = int(rng.integers(3, 6 + 4 * level))
        return {"target": target}, (target + 1) // 2

    def solve(self, inst: Instance):
        return (inst.state["target"] + 1) // 2

    def format_answer(self, inst, solution):
        return str(solution)

    def trace(self, inst):
        return f"Add 2 until done.\nAnswer: {self.solve(inst)}"

    def check(self, inst, answer):
        value = parse_int(answer)
        want = self.solve(inst)
        return Verdict.ok(value) if value == want else Verdict.fail(f"{value} is not {want}", parsed=value)

    def render(self, inst, play=None, size=512) -> Image.Image:
        img, draw = new_canvas(size)
        draw_text(draw, (size / 2, size / 2), f"{play or 0}/{inst.state['target']}", font(size // 8, True))
        return img

    def prompt(self, inst, modality="image"):
        return f"Reach {inst.state['target']} from 0 adding 1 or 2. How many additions at least?"

    def record_state(self, record):
        state = record_field(record.get("initial_state"))
        if not isinstance(state, dict) or not isinstance(state.get("target"), int):
            raise RecordError("initial_state needs an integer target")
        return {"target": state["target"]}

    def record_level_hint(self, record, state):
        return 1 if state["target"] < 10 else None

    def record_witness(self, inst, answer, verdict):
        return verdict.parsed

    def action_shape(self, inst):
        return (2,)

    def play_init(self, inst):
        return 0

    def play_apply(self, inst, play, action):
        new = play + action + 1
        if new > inst.state["target"]:
            return StepResult(play, False, f"would overshoot to {new}")
        return StepResult(new, True)

    def play_mask(self, inst, play):
        return np.array([play + k + 1 <= inst.state["target"] for k in range(2)])

    def play_solved(self, inst, play):
        return play == inst.state["target"]

    def play_prompt(self, inst, play, modality="image"):
        return f"At {play}, target {inst.state['target']}. Action 0 adds 1, action 1 adds 2."

    def step_limit(self, inst):
        return inst.state["target"]

    def expert_actions(self, inst):
        t = inst.state["target"]
        return [1] * (t // 2) + [0] * (t % 2)
