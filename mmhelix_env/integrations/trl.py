"""TRL: a ``GRPOTrainer`` reward function and a dataset builder (needs the ``train`` extra for ``datasets``).

    from mmhelix_env.integrations.trl import build_dataset, reward_fn
    dataset = build_dataset(["Maze", "Sudoku"], levels=["easy"], seeds=range(64))
    trainer = GRPOTrainer(model=..., processing_class=processor, reward_funcs=[reward_fn], train_dataset=dataset,
                          args=GRPOConfig(remove_unused_columns=False, ...))

Rows carry a conversational ``prompt`` (an image placeholder and the env's prompt text), the picture (``image``;
``images`` with ``images_column="images"``; none with ``modality="text"``), and the columns that identify the
instance: ``instance`` (``json.dumps(instance.to_dict())``), ``task``, ``level``, ``seed``, ``fingerprint``,
``env_id``. GRPO repeats each row ``num_generations`` times, so a group always shares one instance.
``reward_fn`` reads the ``instance`` column (``remove_unused_columns=False`` keeps it) and returns 1.0 for a
verified answer, else 0.0.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from ..core import LEVELS, level_number
from ..envs.answer_env import AnswerEnv
from ..envs.registry import env_id, parse_env_id
from .common import score


def reward_fn(prompts: list | None = None, completions: list | None = None, instance: list | None = None,
              **columns: Any) -> list[float]:
    """GRPO reward: 1.0 for each completion whose final answer the verifier proves correct, else 0.0.

    ``instance`` is the dataset column of the same name, aligned with ``completions`` (TRL passes every kept
    column as a keyword list). A row without a usable instance scores 0.0.
    """
    completions = completions or []
    if instance is None:
        raise KeyError("reward_fn needs the dataset's 'instance' column; set GRPOConfig(remove_unused_columns=False)")
    if len(instance) != len(completions):
        raise ValueError(f"{len(completions)} completions but {len(instance)} instances")
    return [score(stored, completion) for stored, completion in zip(instance, completions)]


reward_fn.__name__ = "mmhelix_verified"


def _components(tasks: Iterable[str], levels: Sequence[int | str]) -> list[tuple[str, int]]:
    components = []
    for name in tasks:
        if name.startswith("MMHelix/") or ":" in name:
            components.append(parse_env_id(name))
        else:
            components += [(name, level_number(level)) for level in levels]
    return components


def build_rows(tasks: Iterable[str], levels: Sequence[int | str] = LEVELS, seeds: Iterable[int] | int = 8, *,
               modality: str = "image", image_size: int = 512, images_column: str = "image",
               system_prompt: str | None = None, with_expert: bool = False) -> list[dict[str, Any]]:
    """The rows of :func:`build_dataset` as plain dicts (images as PIL images)."""
    from PIL import Image

    if images_column not in ("image", "images"):
        raise ValueError("images_column must be 'image' or 'images'")
    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    rows = []
    for task, level in _components(tasks, levels):
        env = AnswerEnv(task, level, modality=modality, image_size=image_size)
        for seed in seed_list:
            obs, info = env.reset(seed=seed)
            inst = info["instance"]
            content: Any
            if modality == "image":
                content = [{"type": "image"}, {"type": "text", "text": obs["prompt"]}]
            else:
                content = [{"type": "text", "text": obs["prompt"]}]
            prompt = [{"role": "user", "content": content}]
            if system_prompt:
                prompt.insert(0, {"role": "system", "content": [{"type": "text", "text": system_prompt}]})
            row: dict[str, Any] = {"prompt": prompt}
            if modality == "image":
                picture = Image.fromarray(obs["image"])
                row[images_column] = picture if images_column == "image" else [picture]
            row.update(instance=json.dumps(inst.to_dict()), task=inst.task, level=inst.level, seed=inst.seed,
                       fingerprint=inst.fingerprint, env_id=env_id(inst.task, inst.level), modality=modality)
            if with_expert:
                from .. import expert_answer, expert_trace

                row["expert"] = f"{expert_trace(inst)}\n\\boxed{{{expert_answer(inst)}}}"
            rows.append(row)
        env.close()
    return rows


def build_dataset(tasks: Iterable[str], levels: Sequence[int | str] = LEVELS, seeds: Iterable[int] | int = 8,
                  **kwargs: Any):
    """A ``datasets.Dataset`` of every (task or env id) × level × seed; see the module docstring for the columns.

    ``tasks`` holds task names (combined with ``levels``) or env ids (their own level). ``seeds``: a count
    (``range(n)``) or explicit seeds. Keyword arguments: ``modality``, ``image_size``, ``images_column``,
    ``system_prompt``, ``with_expert`` (adds an ``expert`` column: the rule-based trace ending in the boxed answer).
    """
    import datasets

    return datasets.Dataset.from_list(build_rows(tasks, levels, seeds, **kwargs))


__all__ = ["build_dataset", "build_rows", "reward_fn"]
