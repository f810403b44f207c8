"""Answer mode: the action is the model's whole response; reward 1.0 iff the verifier proves it."""

from __future__ import annotations

from typing import Any

from ..core import Task
from .base import TaskEnv
from .spaces import text_action_space

FEEDBACK_ANSWER_CHARS = 500


class AnswerEnv(TaskEnv):
    """One text action per attempt.

    With ``max_attempts=k`` a wrong answer does not end the episode: the next prompt repeats the
    question and adds the verifier's reason (reflection through feedback). The image stays the same.
    """

    def __init__(self, task: str | Task, level: int | str, *, modality: str = "image", max_attempts: int = 1,
                 image_size: int = 512, render_mode: str | None = None, boxed_instruction: bool = True):
        super().__init__(task, level, modality=modality, image_size=image_size, render_mode=render_mode,
                         boxed_instruction=boxed_instruction)
        if int(max_attempts) < 1:
            raise ValueError("max_attempts must be >= 1")
        self.max_attempts = int(max_attempts)
        self.action_space = text_action_space()
        self._question = ""
        self._attempt = 0
        self._done = True
        self._history: list[tuple[str, str]] = []

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self.instance = self._select_instance(seed, options)
        self._question = self.task.prompt(self.instance, self.modality)
        self._attempt = 0
        self._done = False
        self._history = []
        self._image = self._render_array() if (self.modality == "image" or self.render_mode) else None
        info = self._base_info()
        info.update(attempt=0, max_attempts=self.max_attempts)
        return self._obs(self._finish_prompt(self._question), self._image), info

    def _feedback_prompt(self) -> str:
        lines = [self._question.rstrip(), ""]
        for i, (answer, reason) in enumerate(self._history, 1):
            shown = answer if len(answer) <= FEEDBACK_ANSWER_CHARS else answer[:FEEDBACK_ANSWER_CHARS] + "…"
            lines.append(f"Attempt {i} answer: {shown}")
            lines.append(f"Attempt {i} was incorrect: {reason}")
        lines.append(f"Please try again ({self.max_attempts - self._attempt} attempt(s) left).")
        return "\n".join(lines)

    def step(self, action: Any):
        if self._done:
            raise RuntimeError("episode is over; call reset()")
        answer, verdict = self.task.verify_response(self.instance, action)
        self._attempt += 1
        reward = 1.0 if verdict.correct else 0.0
        terminated = verdict.correct or self._attempt >= self.max_attempts
        self._done = terminated
        if not terminated:
            self._history.append((answer, verdict.reason))
            prompt = self._feedback_prompt()
        else:
            prompt = self._question
        info = self._base_info()
        info.update(attempt=self._attempt, max_attempts=self.max_attempts, answer=answer, verdict=verdict,
                    correct=verdict.correct, score=verdict.score, reason=verdict.reason)
        return self._obs(self._finish_prompt(prompt), self._image), reward, terminated, False, info
