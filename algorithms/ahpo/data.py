"""Training prompts from env instances (generated on the fly by seed) and their expert demonstrations.

One dataset row = one task instance = one prompt group. Rows are built lazily (``datasets.Dataset.with_transform``)
from ``(task, level, seed)``, or from a jsonl file of expert traces (SERG output or MM-HELIX-100K-style records
with an ``instance`` field), so a run over many prompts never renders images it does not use.

Expert layout (spec ahpo.md section 11): ``<think>\\n{trace}\\n</think>\\n`` then the answer, either
``\\boxed{answer}`` (``expert_style: boxed``, default) or ``Final Answer: answer`` (``100k``, the dataset's exact
form). ``answer`` gives just ``\\boxed{answer}`` (short demos for tiny models). Every demo is verified before use;
a demo that does not verify is dropped (the prompt then trains as plain GRPO).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import mmhelix_env
from mmhelix_env import Instance, level_number
from mmhelix_env.envs.spaces import BOXED_INSTRUCTION

EXPERT_STYLES = ("boxed", "100k", "answer")
EXPERT_SOURCES = ("rule_trace", "dataset", "none")


def training_prompt(inst: Instance, modality: str = "image") -> str:
    """The benchmark prompt plus the evaluation's boxed instruction, so train and eval prompts match."""
    prompt = mmhelix_env.task_of(inst).prompt(inst, modality)
    if BOXED_INSTRUCTION.lower() in prompt.lower():
        return prompt
    return f"{prompt.rstrip()}\n{BOXED_INSTRUCTION}"


def strip_final_answer(trace: str) -> str:
    """The reasoning of a rule trace without its closing ``Answer: ...`` line.

    Left inside ``<think>``, that line would be the first "answer:" the official parser sees.
    """
    lines = trace.rstrip().split("\n")
    for i in range(len(lines) - 1, -1, -1):
        if re.match(r"\s*(final\s+)?answer\s*[:：]", lines[i], re.I):
            return "\n".join(lines[:i]).rstrip()
    return trace.rstrip()


def format_expert(reasoning: str, answer: str, style: str = "boxed") -> str:
    if style not in EXPERT_STYLES:
        raise ValueError(f"expert_style must be one of {EXPERT_STYLES}, got {style!r}")
    if style == "answer":
        return f"\\boxed{{{answer}}}"
    tail = f"\\boxed{{{answer}}}" if style == "boxed" else f"Final Answer: {answer}"
    return f"<think>\n{reasoning.strip()}\n</think>\n{tail}"


def rule_expert(inst: Instance, style: str = "boxed") -> str | None:
    """The rule-based trace of ``inst`` as a demo in ``style``, or None when it does not verify."""
    answer = mmhelix_env.expert_answer(inst)
    demo = format_expert(strip_final_answer(mmhelix_env.expert_trace(inst)), answer, style)
    return demo if mmhelix_env.verify(inst, demo).correct else None


@dataclass
class TaskMix:
    """A uniform (or weighted) mix over (task, level) pairs."""

    tasks: Sequence[str]
    levels: Sequence[int | str] = (1,)
    weights: Sequence[float] | None = None  # one per (task, level) pair, in task-major order
    pairs: list[tuple[str, int]] = field(init=False)

    def __post_init__(self):
        tasks = list(self.tasks)
        if tasks == ["all"]:
            tasks = sorted(mmhelix_env.TASKS)
        unknown = [t for t in tasks if t not in mmhelix_env.TASKS]
        if unknown:
            raise ValueError(f"unknown tasks {unknown}; known: {sorted(mmhelix_env.TASKS)}")
        self.pairs = [(t, level_number(lv)) for t in tasks for lv in self.levels]
        if self.weights is not None and len(self.weights) != len(self.pairs):
            raise ValueError(f"weights needs {len(self.pairs)} values (one per task x level), got {len(self.weights)}")

    def draw(self, n: int, seed: int) -> list[tuple[str, int, int]]:
        """``n`` (task, level, instance seed) triples, a pure function of ``seed``."""
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0xA490]))
        p = None if self.weights is None else np.asarray(self.weights, float) / np.sum(self.weights)
        picks = rng.choice(len(self.pairs), size=n, p=p)
        seeds = rng.integers(0, 2**31 - 1, size=n)
        return [(*self.pairs[i], int(s)) for i, s in zip(picks, seeds)]


def _row_instance(row: dict) -> Instance:
    if row.get("instance"):
        return Instance.from_dict(json.loads(row["instance"]))
    return mmhelix_env.make_instance(row["task"], row["level"], row["seed"])


def _transform(modality: str, image_size: int, expert_source: str, expert_style: str):
    def transform(batch: dict[str, list]) -> dict[str, list]:
        out: dict[str, list] = {"prompt": [], "image": [], "instance": [], "expert": [], "task": [], "level": []}
        for i in range(len(batch["task"])):
            row = {k: v[i] for k, v in batch.items()}
            inst = _row_instance(row)
            text = training_prompt(inst, modality)
            if modality == "image":
                out["prompt"].append([{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]}])
                out["image"].append(mmhelix_env.task_of(inst).render(inst, size=image_size).convert("RGB"))
            else:
                out["prompt"].append([{"role": "user", "content": text}])
                out["image"].append(None)
            expert = None
            if expert_source == "rule_trace":
                expert = rule_expert(inst, expert_style)
            elif expert_source == "dataset" and row.get("expert"):
                expert = row["expert"] if mmhelix_env.verify(inst, row["expert"]).correct else None
            out["expert"].append(expert or "")
            out["instance"].append(inst.to_json())
            out["task"].append(inst.task)
            out["level"].append(inst.level)
        if modality != "image":
            del out["image"]
        return out

    return transform


def read_jsonl(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def expert_records(rows: Iterable[dict]) -> list[dict]:
    """Normalise expert-trace records: SERG rows (``instance`` + ``response``) or MM-HELIX-100K-like rows
    (``instance``/``task``+``level``+``seed`` plus ``response``/``output``/``expert``)."""
    out = []
    for row in rows:
        response = row.get("response") or row.get("output") or row.get("expert") or ""
        instance = row.get("instance")
        if isinstance(instance, dict):
            instance = json.dumps(instance)
        if instance is None:
            inst = mmhelix_env.make_instance(row["task"], row["level"], int(row["seed"]))
            instance = inst.to_json()
        data = json.loads(instance)
        out.append({"task": data["task"], "level": int(data["level"]), "seed": data.get("seed") or 0,
                    "instance": instance, "expert": response})
    return out


def build_dataset(mix: TaskMix | None = None, num_prompts: int = 64, seed: int = 0, *, modality: str = "image",
                  image_size: int = 512, expert_source: str = "rule_trace", expert_style: str = "boxed",
                  expert_file: str | Path | None = None) -> Any:
    """A lazily rendered ``datasets.Dataset`` of prompt rows for the trainer.

    Columns after the transform: ``prompt`` (conversational), ``image`` (PIL; image modality only), ``instance``
    (JSON), ``expert`` ("" when none), ``task``, ``level``.
    """
    import datasets

    if expert_source not in EXPERT_SOURCES:
        raise ValueError(f"expert_source must be one of {EXPERT_SOURCES}, got {expert_source!r}")
    if expert_file is not None:
        records = expert_records(read_jsonl(expert_file))
        if mix is not None:
            wanted = set(mix.pairs)
            records = [r for r in records if (r["task"], r["level"]) in wanted]
        if not records:
            raise ValueError(f"no usable records in {expert_file}")
        columns = {k: [r[k] for r in records] for k in ("task", "level", "seed", "instance", "expert")}
    else:
        if mix is None:
            raise ValueError("build_dataset needs a TaskMix or an expert_file")
        if expert_source == "dataset":
            raise ValueError("expert_source=dataset needs expert_file")
        triples = mix.draw(num_prompts, seed)
        columns = {"task": [t for t, _, _ in triples], "level": [lv for _, lv, _ in triples],
                   "seed": [s for _, _, s in triples], "instance": [""] * num_prompts, "expert": [""] * num_prompts}
    dataset = datasets.Dataset.from_dict(columns)
    return dataset.with_transform(_transform(modality, image_size, expert_source, expert_style))
