"""Agents: an expert (the exact solver), a random baseline and an LLM agent over any backend.

Every agent talks to the env in text, as a model would: its response goes through the env's answer extraction
(answer mode) or through :func:`parse_step_action` (step mode). Agents act on a batch of episodes at once so a
runner can make one backend call per round for many envs::

    ctx = agent.start(obs, info, env.action_space)
    turn = agent.act([ctx])[0]                          # Turn(action, response, extracted, parse_error, ...)
    obs, reward, terminated, truncated, info = env.step(turn.action)
    agent.observe(ctx, obs, info)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from gymnasium import spaces

from mmhelix_env import expert_answer, extract_answer, task_of
from mmhelix_env.core import Instance

from .messages import Conversation
from .types import Backend, Generation, SamplingParams

ANSWER, STEP = "answer", "step"
DIRECTIONS = ("up", "down", "left", "right")
FALLBACKS = ("invalid", "random_legal")
_INT = re.compile(r"-?\d+", re.ASCII)
# "0 = up, 1 = down, ..." / "0 = peg 1 -> peg 2, ..." in a step prompt's move line
_CHOICE = re.compile(r"(\d+)\s*=\s*(.+?)(?=,\s*\d+\s*=|[.;(\n]|$)", re.ASCII)
# "- 72: submit; you win if ..." : one named action on its own list line
_NAMED_ACTION = re.compile(r"^[ \t]*[-*]?[ \t]*(\d+)[ \t]*:[ \t]*([a-z][a-z ]*?)[ \t]*(?:[;,.(]|$)",
                           re.M | re.I | re.ASCII)
_NUMBERED = re.compile(r"(-?\d+)\s*[=:]\s*(\D.*)")
_PUNCTUATION = " \t\"'`*.,;:!?()[]{}<>"


@dataclass
class Turn:
    """One decision: the env action, the text behind it and what it cost."""

    action: Any
    response: str
    extracted: str | None = None
    parse_error: str | None = None
    generation: Generation | None = None


@dataclass
class EpisodeContext:
    """Agent-side state of one episode."""

    mode: str
    action_space: spaces.Space
    instance: Instance | None
    modality: str
    obs: dict
    info: dict
    conversation: Conversation
    rng: np.random.Generator
    steps: int = 0
    note: str | None = None  # added to the next prompt (e.g. why the last reply could not be read)
    scratch: dict = field(default_factory=dict)

    @property
    def action_shape(self) -> tuple[int, ...]:
        space = self.action_space
        if isinstance(space, spaces.Discrete):
            return (int(space.n),)
        return tuple(int(n) for n in space.nvec)

    @property
    def action_mask(self) -> np.ndarray | None:
        mask = self.info.get("action_mask")
        return None if mask is None else np.asarray(mask, dtype=bool)


def mode_of(action_space: spaces.Space) -> str:
    if isinstance(action_space, (spaces.Discrete, spaces.MultiDiscrete)):
        return STEP
    if isinstance(action_space, spaces.Text):
        return ANSWER
    raise TypeError(f"unsupported action space {action_space!r}: expected Text, Discrete or MultiDiscrete")


def move_choices(prompt: str) -> dict[str, int]:
    """The named moves a step prompt lists: ``k = name`` in a move line (``{"up": 0, ...}``,
    ``{"peg 1 -> peg 2": 0}``) and single named actions on their own line, ``- 72: submit``."""
    choices: dict[str, int] = {}
    for match in _CHOICE.finditer(prompt):
        name = _norm(match.group(2))
        if name and not name.isdigit():
            choices.setdefault(name, int(match.group(1)))
    for match in _NAMED_ACTION.finditer(prompt):
        choices.setdefault(_norm(match.group(2)), int(match.group(1)))
    return choices


def _norm(text: str) -> str:
    """A move name for comparison: lower case, ``→`` as ``->`` with one space either side, single spaces, and no
    surrounding punctuation or quotes."""
    text = text.lower().replace("→", "->")
    text = re.sub(r"\s*-+>\s*", " -> ", text)
    return " ".join(text.split()).strip(_PUNCTUATION).strip()


def _discrete_action(extracted: str, n: int, prompt: str) -> tuple[int | None, str | None]:
    name = _norm(extracted)
    choices = move_choices(prompt)
    if name in choices:
        return choices[name], None
    if re.fullmatch(r"-?\d+", name):
        return int(name), None
    numbered = _NUMBERED.fullmatch(name)
    if numbered:  # "3 = right" / "72: submit": the number wins unless the name is a listed move it contradicts
        number, label = int(numbered.group(1)), _norm(numbered.group(2))
        if label in choices and choices[label] != number:
            return None, f"ambiguous move: {number} is not {label!r} ({choices[label]})"
        return number, None
    ints = {int(v) for v in _INT.findall(name)}
    words = set()
    if n == 4:
        by_name = {k: v for k, v in choices.items() if k in DIRECTIONS} or {d: i for i, d in enumerate(DIRECTIONS)}
        words = {by_name[w] for w in re.findall(r"[a-z]+", name) if w in by_name}
    candidates = ints | words
    if len(candidates) == 1:
        return candidates.pop(), None
    if len(candidates) > 1:
        return None, f"ambiguous move: {sorted(candidates)} all appear in the answer (expected one move)"
    return None, "no move found (expected one move number" + (", or a direction word" if n == 4 else "") + ")"


def parse_step_action(response: str, action_space: spaces.Space, prompt: str = "") -> tuple[Any, str, str | None]:
    """A step-mode action from a model response: ``(action, extracted answer, error or None)``.

    The final answer is extracted as the benchmark does. Discrete: a move named in the prompt (``3 = right`` →
    "right", ``72: submit`` → "submit"; case, spacing around ``->``/``→`` and surrounding punctuation do not
    matter), a lone integer, ``k = name`` / ``k: name``, or an answer whose integers and (4 actions) direction
    words up/down/left/right all name the same move; several different moves is an "ambiguous" error.
    MultiDiscrete: exactly one integer per dimension, e.g. ``(2, 5, 7)``. Ranges are the env's to check.
    ``action`` is None when nothing could be read.
    """
    extracted = extract_answer(response)
    if len(extracted) > 2_000:
        return None, extracted[:2_000], "answer too long to be one move"
    if isinstance(action_space, spaces.Discrete):
        action, error = _discrete_action(extracted, int(action_space.n), prompt)
        return action, extracted, error
    if isinstance(action_space, spaces.MultiDiscrete):
        ints = [int(v) for v in _INT.findall(extracted)]
        size = len(action_space.nvec)
        if len(ints) != size:
            return None, extracted, f"expected {size} integers, e.g. (row, column, value); found {len(ints)}"
        return tuple(ints), extracted, None
    raise TypeError(f"not a step-mode action space: {action_space!r}")


def action_text(action: Any) -> str:
    """How an agent writes a step action: ``\\boxed{3}`` or ``\\boxed{(2, 5, 7)}``."""
    if isinstance(action, (tuple, list, np.ndarray)):
        values = [int(v) for v in np.asarray(action).ravel()]
        body = "(" + ", ".join(str(v) for v in values) + ")" if len(values) > 1 else str(values[0])
    else:
        body = str(int(action))
    return f"\\boxed{{{body}}}"


def boxed_response(answer: str) -> str:
    """A response whose extracted answer is exactly ``answer``: ``\\boxed{answer}`` where the benchmark's box
    rule gives it back unchanged, else ``<answer>answer</answer>`` (for answers with deep braces or LaTeX)."""
    response = f"\\boxed{{{answer}}}"
    if extract_answer(response) == answer.strip():
        return response
    return f"<answer>{answer}</answer>"


def _episode_rng(seed: int | None, info: dict) -> np.random.Generator:
    key = str(info.get("fingerprint", "")) + f"|{info.get('seed', '')}|{info.get('modality', '')}"
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")
    return np.random.default_rng([0 if seed is None else int(seed), digest])


class Agent:
    """Base class: per-episode context and conversation bookkeeping; subclasses implement :meth:`decide`."""

    name = "agent"

    def __init__(self, *, system_prompt: str | None = None, max_turns: int | None = 2, max_images: int | None = 1,
                 image_format: str = "url", image_first: bool = False, seed: int | None = 0,
                 fallback: str = "invalid"):
        if fallback not in FALLBACKS:
            raise ValueError(f"fallback must be one of {FALLBACKS}, got {fallback!r}")
        self.system_prompt = system_prompt
        self.max_turns = max_turns
        self.max_images = max_images
        self.image_format = image_format
        self.image_first = image_first
        self.seed = seed
        self.fallback = fallback

    def start(self, obs: dict, info: dict, action_space: spaces.Space) -> EpisodeContext:
        modality = info.get("modality") or ("image" if "image" in obs else "text")
        conversation = Conversation(system_prompt=self.system_prompt, max_turns=self.max_turns,
                                    max_images=self.max_images, image_format=self.image_format,
                                    image_first=self.image_first, modality=modality)
        ctx = EpisodeContext(mode=mode_of(action_space), action_space=action_space, instance=info.get("instance"),
                             modality=modality, obs=obs, info=info, conversation=conversation,
                             rng=_episode_rng(self.seed, info))
        conversation.observe(obs)
        return ctx

    def observe(self, ctx: EpisodeContext, obs: dict, info: dict) -> None:
        """The env's answer to the last action (only when the episode goes on)."""
        ctx.obs, ctx.info = obs, info
        if ctx.note:
            obs = {**obs, "prompt": f"{ctx.note}\n\n{obs['prompt']}"}
            ctx.note = None
        ctx.conversation.observe(obs)

    def act(self, contexts: Sequence[EpisodeContext]) -> list[Turn]:
        turns = self.decide(list(contexts))
        for ctx, turn in zip(contexts, turns):
            ctx.conversation.reply(turn.response)
            ctx.steps += 1
        return turns

    def decide(self, contexts: list[EpisodeContext]) -> list[Turn]:
        raise NotImplementedError

    # --- shared helpers -----------------------------------------------------------------------------
    def turn_from_response(self, ctx: EpisodeContext, response: str, generation: Generation | None = None) -> Turn:
        """Answer mode: the response is the action. Step mode: parse it; unreadable → the fallback action."""
        if ctx.mode == ANSWER:
            return Turn(action=response, response=response, extracted=extract_answer(response),
                        generation=generation)
        action, extracted, error = parse_step_action(response, ctx.action_space, ctx.obs.get("prompt", ""))
        if error is not None:
            action = self.fallback_action(ctx)
            ctx.note = f"Your last reply could not be read as a move ({error})."
        return Turn(action=action, response=response, extracted=extracted, parse_error=error, generation=generation)

    def fallback_action(self, ctx: EpisodeContext) -> Any:
        """``"invalid"``: an out-of-range action (the env flags it illegal and the state stays);
        ``"random_legal"``: a random action the mask allows."""
        if self.fallback == "random_legal":
            legal = random_legal_action(ctx)
            if legal is not None:
                return legal
        shape = ctx.action_shape
        return -1 if len(shape) == 1 and isinstance(ctx.action_space, spaces.Discrete) else tuple([-1] * len(shape))


def random_legal_action(ctx: EpisodeContext) -> Any:
    mask = ctx.action_mask
    shape = ctx.action_shape
    if mask is not None and mask.shape == shape and mask.any():
        choices = np.argwhere(mask)
        pick = choices[int(ctx.rng.integers(len(choices)))]
    else:
        pick = [int(ctx.rng.integers(n)) for n in shape]
    if isinstance(ctx.action_space, spaces.Discrete):
        return int(pick[0])
    return tuple(int(v) for v in pick)


class ExpertAgent(Agent):
    """The exact solver, speaking through text: answer mode sends ``\\boxed{<expert answer>}``; step mode sends
    the next of ``task.expert_actions(instance)`` as ``\\boxed{...}``, parsed back like a model's reply."""

    name = "expert"

    def decide(self, contexts: list[EpisodeContext]) -> list[Turn]:
        turns = []
        for ctx in contexts:
            if ctx.instance is None:
                raise ValueError("the expert needs info['instance'] from the env")
            if ctx.mode == ANSWER:
                response = boxed_response(expert_answer(ctx.instance))
            else:
                plan = ctx.scratch.get("plan")
                if plan is None:
                    plan = ctx.scratch["plan"] = list(task_of(ctx.instance).expert_actions(ctx.instance))
                if ctx.steps >= len(plan):
                    raise RuntimeError(f"expert plan of {len(plan)} moves is used up but the episode goes on")
                response = action_text(plan[ctx.steps])
            turns.append(self.turn_from_response(ctx, response))
        return turns


_WORD_GROUPS = (
    ("up", "down", "left", "right"), ("U", "D", "L", "R"), ("yes", "no"), ("Yes", "No"), ("true", "false"),
    ("True", "False"),
)
_TOKEN = re.compile(r"\d+|[A-Za-z]+|.", re.ASCII | re.DOTALL)


def perturb_answer(answer: str, rng: np.random.Generator) -> str:
    """An answer of the same shape with random content: integers re-drawn (same or fewer digits, at least
    0-9), words from small vocabularies (directions, yes/no, ...) re-drawn within their group."""
    out = []
    for token in _TOKEN.findall(answer):
        if token.isdigit():
            if len(token) <= 18:
                out.append(str(int(rng.integers(max(10, 10 ** len(token))))))
            else:  # past int64: the same uniform draw, one digit at a time
                out.append(str(int("".join(str(d) for d in rng.integers(10, size=len(token))))))
            continue
        group = next((g for g in _WORD_GROUPS if token in g), None)
        out.append(group[int(rng.integers(len(group)))] if group else token)
    return "".join(out)


class RandomAgent(Agent):
    """Baseline: answer mode sends a random answer in the task's answer format (the expert answer to a different,
    randomly seeded instance of the same task and level, with its numbers and move words re-drawn); step mode
    sends a random action the action mask allows."""

    name = "random"

    @staticmethod
    def template_answer(ctx: EpisodeContext) -> str:
        inst = ctx.instance
        if inst is None:
            return "0"
        task = task_of(inst)
        for _ in range(3):
            other = task.instance(inst.level, int(ctx.rng.integers(2**31)))
            if other.fingerprint != inst.fingerprint:
                return expert_answer(other)
        return expert_answer(inst)

    def decide(self, contexts: list[EpisodeContext]) -> list[Turn]:
        turns = []
        for ctx in contexts:
            if ctx.mode == ANSWER:
                template = ctx.scratch.get("template")
                if template is None:
                    template = ctx.scratch["template"] = self.template_answer(ctx)
                response = boxed_response(perturb_answer(template, ctx.rng))
            else:
                response = action_text(random_legal_action(ctx))
            turns.append(self.turn_from_response(ctx, response))
        return turns


class LLMAgent(Agent):
    """A model behind any backend. One ``backend.generate`` call per :meth:`act`, for all episodes given.

    Answer mode: the response text is the action. Step mode: the response is parsed into an action
    (:func:`parse_step_action`); an unreadable reply becomes the ``fallback`` action, is recorded in
    ``Turn.parse_error``, and the next prompt says why. History budgets: ``max_turns`` past exchanges and
    ``max_images`` images (see :class:`~agents.messages.Conversation`). ``image_format=None`` picks the
    backend's preferred format (PIL for local backends, data URLs for HTTP).
    """

    name = "llm"

    def __init__(self, backend: Backend, params: SamplingParams | None = None, *, system_prompt: str | None = None,
                 max_turns: int | None = 2, max_images: int | None = 1, image_format: str | None = None,
                 image_first: bool = False, fallback: str = "invalid", seed: int | None = 0):
        image_format = image_format or getattr(backend, "preferred_image_format", "url")
        super().__init__(system_prompt=system_prompt, max_turns=max_turns, max_images=max_images,
                         image_format=image_format, image_first=image_first, seed=seed, fallback=fallback)
        self.backend = backend
        self.params = params or SamplingParams()
        if self.params.n != 1:
            raise ValueError("an acting agent samples one response per prompt (params.n == 1)")

    def decide(self, contexts: list[EpisodeContext]) -> list[Turn]:
        if not contexts:
            return []
        batch = [ctx.conversation.messages() for ctx in contexts]
        generations = self.backend.generate(batch, self.params)
        if len(generations) != len(contexts):
            raise RuntimeError(f"backend returned {len(generations)} generations for {len(contexts)} prompts")
        return [self.turn_from_response(ctx, gen.text, gen) for ctx, gen in zip(contexts, generations)]
