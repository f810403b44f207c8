"""The task protocol every one of the 42 tasks implements."""

from __future__ import annotations

import ast
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .extract import extract_answer
from .instance import Instance, Verdict, level_number
from .parsing import ParseError
from .seeding import check_seed, instance_rng

CATEGORIES = ("algorithms", "graphs", "puzzles", "games")
MODALITIES = ("image", "text")
MAX_ANSWER_CHARS = 1_000_000


class GenerationError(RuntimeError):
    """A generator exhausted its attempt budget (a bug: levels must always be reachable)."""


class RecordError(ValueError):
    """A reference record cannot be turned into an instance; the message says why."""


@dataclass
class StepResult:
    """Outcome of applying one step-mode action to a play state."""

    state: Any
    legal: bool
    reason: str = ""
    info: dict = field(default_factory=dict)


class Task(ABC):
    """One MM-HELIX task: generator, exact solver, verifier, renderer, prompts, reasoning trace.

    Subclasses set the class attributes and implement the abstract methods. ``check`` is the raw
    rule check on an already extracted answer; callers use :meth:`verify`, which bounds the input,
    and never raises.
    """

    name: ClassVar[str]
    category: ClassVar[str]
    benchmark_id: ClassVar[str]
    generator_key: ClassVar[str]
    score_function: ClassVar[str] = "simple_str_match"
    version: ClassVar[str] = "1"
    answer_format: ClassVar[str] = ""
    max_answer_chars: ClassVar[int] = 100_000

    # ----- generation ---------------------------------------------------------------------------
    @abstractmethod
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        """Draw one instance state for ``level`` from ``rng``; returns (state, witness solution)."""

    def instance(self, level: int | str, seed: int) -> Instance:
        level = level_number(level)
        seed = check_seed(seed)
        state, witness = self.generate(instance_rng(self.name, level, seed), level)
        return Instance(self.name, level, seed, self.version, state).with_witness(witness)

    # ----- solving ------------------------------------------------------------------------------
    @abstractmethod
    def solve(self, inst: Instance) -> Any:
        """One valid solution, computed exactly from the state."""

    def solution(self, inst: Instance) -> Any:
        if inst._witness is None:
            inst.with_witness(self.solve(inst))
        return inst._witness

    @abstractmethod
    def format_answer(self, inst: Instance, solution: Any) -> str:
        """A solution written in the benchmark's answer format."""

    def expert_answer(self, inst: Instance) -> str:
        return self.format_answer(inst, self.solution(inst))

    @abstractmethod
    def trace(self, inst: Instance) -> str:
        """Rule-based step-by-step reasoning that ends in the answer."""

    def stats(self, inst: Instance) -> dict:
        """Solver-work figures (search nodes, solution length, ...) used to compare levels."""
        return {}

    # ----- verification -------------------------------------------------------------------------
    @abstractmethod
    def check(self, inst: Instance, answer: str) -> Verdict:
        """Parse leniently and check by the rules; may raise ParseError (turned into a verdict)."""

    def verify(self, inst: Instance, answer: object) -> Verdict:
        """Verify an extracted answer. Never raises; bounded time for any input."""
        if answer is None:
            return Verdict.fail("empty answer")
        if isinstance(answer, (bytes, bytearray)):
            answer = bytes(answer).decode("utf-8", errors="replace")
        if not isinstance(answer, str):
            return Verdict.fail(f"answer must be text, got {type(answer).__name__}")
        if not answer.strip():
            return Verdict.fail("empty answer")
        if len(answer) > self.max_answer_chars:
            return Verdict.fail(f"answer too long ({len(answer)} characters; at most {self.max_answer_chars})")
        try:
            return self.check(inst, answer)
        except ParseError as err:
            return Verdict.fail(str(err) or "could not parse the answer")
        except (ValueError, TypeError, KeyError, IndexError, OverflowError, ZeroDivisionError, RecursionError) as err:
            return Verdict.fail(f"could not read the answer ({type(err).__name__}: {err})"[:300])

    def verify_response(self, inst: Instance, response: object) -> tuple[str, Verdict]:
        """Extract the final answer from a whole model response, then verify it."""
        answer = extract_answer(response)
        return answer, self.verify(inst, answer)

    # ----- presentation -------------------------------------------------------------------------
    @abstractmethod
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        """A ``size``×``size`` RGB PIL image of the instance (or of a step-mode play state)."""

    @abstractmethod
    def prompt(self, inst: Instance, modality: str = "image") -> str:
        """The question: ``image`` refers to the picture; ``text`` carries the full state."""

    # ----- reference records --------------------------------------------------------------------
    record_categories: ClassVar[tuple[str, ...]] = ()  # category spellings accepted besides the ids above

    def from_record(self, record: dict) -> Instance:
        """Build an instance from a reference ``annotations.json`` item or a published row.

        Shared checks live here; a task supplies :meth:`record_state` and, where it can,
        :meth:`record_level_hint` and :meth:`record_witness`. The stored answer is kept only as a
        witness, and only when it verifies."""
        if not isinstance(record, dict):
            raise RecordError(f"{self.name} record must be a dict, got {type(record).__name__}")
        category = record.get("category")
        accepted = {_norm(c) for c in (self.name, self.benchmark_id, self.generator_key, *self.record_categories)}
        if category is not None and _norm(category) not in accepted:
            raise RecordError(f"record category {category!r} is not {self.name}")
        state = self.record_state(record)
        level = record_level(record, self.record_level_hint(record, state))
        inst = Instance(self.name, level, None, self.version, state, source="reference")
        answer = record_answer_text(record.get("answer"))
        if answer:
            verdict = self.verify(inst, answer)
            # checking may have cached the solver's solution; an imported instance carries a witness
            # exactly when its stored answer verified
            inst.with_witness(self.record_witness(inst, answer, verdict) if verdict.correct else None)
        return inst

    def record_state(self, record: dict) -> dict:
        """The instance state in a record; raise RecordError(reason) when it is unusable."""
        raise RecordError(f"{self.name}: importing reference records is not implemented")

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        """The level to use when a record carries no difficulty (None: such records are rejected)."""
        return None

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> Any:
        """The solution object to cache from a stored answer that verified (None: let the solver work)."""
        return None

    # ----- step mode (tasks that have it override all of these) ----------------------------------
    step_mode: ClassVar[bool] = False

    def action_shape(self, inst: Instance) -> tuple[int, ...]:
        """(n,) for Discrete(n); (n1, n2, ...) for MultiDiscrete."""
        raise NotImplementedError(f"{self.name} has no step mode")

    def level_action_shape(self, level: int) -> tuple[int, ...]:
        """The fixed action-space shape for every instance of ``level`` (the largest board of the
        level where sizes vary; cells outside a smaller board are masked out)."""
        return self.action_shape(self.instance(level, 0))

    def play_init(self, inst: Instance) -> Any:
        raise NotImplementedError(f"{self.name} has no step mode")

    def play_apply(self, inst: Instance, play: Any, action: Any) -> StepResult:
        raise NotImplementedError(f"{self.name} has no step mode")

    def play_mask(self, inst: Instance, play: Any) -> np.ndarray:
        raise NotImplementedError(f"{self.name} has no step mode")

    def play_solved(self, inst: Instance, play: Any) -> bool:
        raise NotImplementedError(f"{self.name} has no step mode")

    def play_info(self, inst: Instance, play: Any) -> dict:
        """Extra entries for ``info`` after reset and every step (e.g. a mask of safe moves)."""
        return {}

    def play_lost(self, inst: Instance, play: Any) -> bool:
        """True when a legal move has lost the game (a collision, a revealed mine): the episode then
        ends with reward 0. Most puzzles cannot be lost."""
        return False

    def play_prompt(self, inst: Instance, play: Any, modality: str = "image") -> str:
        raise NotImplementedError(f"{self.name} has no step mode")

    def step_limit(self, inst: Instance) -> int:
        raise NotImplementedError(f"{self.name} has no step mode")

    def expert_actions(self, inst: Instance) -> list:
        """The expert solution as a list of step-mode actions."""
        raise NotImplementedError(f"{self.name} has no step mode")

    def __repr__(self) -> str:
        return f"<Task {self.name} ({self.category})>"


def record_field(value: Any) -> Any:
    """Decode a record field the way the benchmark does: literal ``\\n`` escapes become real
    characters; JSON, then a Python literal; otherwise the string itself."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text[:1] in "[{(\"'" and text:
        for loader in (json.loads, ast.literal_eval):
            try:
                return loader(text)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                continue
    return unescape(value)


def _norm(name: object) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


def record_level(record: dict, hint: int | None = None) -> int:
    """The record's ``difficulty`` (or ``level``) as 1..5; ``hint`` when the record has none."""
    raw = record.get("difficulty", record.get("level"))
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if hint is None:
            raise RecordError("record has no difficulty")
        return level_number(hint)
    try:
        return level_number(int(str(raw).strip()) if isinstance(raw, str) and raw.strip().isdigit() else raw)
    except (TypeError, ValueError) as err:
        raise RecordError(f"bad difficulty {raw!r}: {err}") from None


def record_answer_text(answer: Any) -> str:
    """A stored answer as text: lists are flattened and joined with spaces, escapes unescaped."""
    if answer is None:
        return ""
    if isinstance(answer, (list, tuple)):
        flat: list = []
        stack = [answer]
        while stack:
            item = stack.pop()
            if isinstance(item, (list, tuple)):
                stack.extend(reversed(item))
            else:
                flat.append(str(item))
        return " ".join(flat)
    return unescape(str(answer)).strip()


def unescape(text: str) -> str:
    """Turn the literal two-character escapes the published rows carry into real characters."""
    return text.replace("\\n", "\n").replace("\\t", "\t").replace('\\"', '"').replace("\\'", "'")
