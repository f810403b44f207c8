"""SERG (Step-Elicited Response Generation, MM-HELIX section 4): expert traces for AHPO / SFT.

    python -m algorithms.serg --tasks Maze Sudoku --levels 1 2 --seeds 0-99 --out traces.jsonl \\
        [--backend openai --base-url http://localhost:8000/v1 --model Qwen3-235B-A22B] [--format jsonl datasets]

1. instance pool: ``make_instance(task, level, seed)``;
2. rule-based CoT: ``expert_trace(inst)``, whose anchors are exact intermediate states;
3. optional rewrite by any ``agents`` backend (``backend.generate(list_of_messages, SamplingParams)``) into
   natural, reflective reasoning that keeps every anchor state (prompt :data:`REWRITE_PROMPT_VERSION`);
4. verifier filter: keep a trace only when its final answer verifies; drop traces over ``--max-tokens`` and
   duplicates.

Output rows (jsonl, and/or a ``datasets`` directory): ``task, level, seed, fingerprint, instance`` (JSON dict),
``prompt`` (the training prompt text), ``response`` (``<think>...</think>`` then ``\\boxed{answer}``, or the
MM-HELIX-100K ``Final Answer:`` form with ``--style 100k``), ``answer``, ``source`` (rule_trace | serg),
``anchor_recall`` (share of the rule trace's numeric anchor lines whose numbers all survive the rewrite) and
``tokens``. ``algorithms.ahpo`` reads the file with ``expert_source: dataset`` and ``expert_file: FILE``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mmhelix_env
from mmhelix_env import Instance, extract_answer

from .ahpo.data import format_expert, strip_final_answer, training_prompt

REWRITE_PROMPT_VERSION = "serg-rewrite-v1"
REWRITE_SYSTEM = (
    "You rewrite mechanical, rule-generated solutions of visual reasoning puzzles into natural, detailed, human-like "
    "reasoning. Think aloud as a careful solver would: restate what the picture shows, explore, check yourself, and "
    "when something looks off say so (\"wait\", \"hmm, let me re-check\") before correcting course."
)
REWRITE_USER = """Here is a puzzle and a correct step-by-step solution produced by a rule-based solver.

## Puzzle
{question}

## Rule-based solution path
{rule_trace}

## Correct final answer
{answer}

Rewrite the solution path as your own natural reasoning. Requirements:
- Keep every intermediate state, position, number and calculation from the solution path (they are anchors); you
  may explain them differently, but do not drop or change any of them.
- Add brief reflective checks, but never reach a different conclusion.
- Do not mention that you were given a solution path.
- End with the final answer on its own line as \\boxed{{...}} in exactly the required answer format."""

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_WORD_PIECE = re.compile(r"\w+|[^\w\s]")


def rewrite_messages(inst: Instance, rule_trace: str, answer: str) -> list[dict]:
    """The chat sent to the rewriting model (text only; the question is the self-contained text prompt)."""
    question = mmhelix_env.task_of(inst).prompt(inst, "text")
    user = REWRITE_USER.format(question=question, rule_trace=strip_final_answer(rule_trace), answer=answer)
    return [{"role": "system", "content": REWRITE_SYSTEM}, {"role": "user", "content": user}]


def anchor_recall(rule_trace: str, text: str) -> float:
    """Share of the rule trace's lines with numbers (anchor states / calculations) whose numbers all appear in
    ``text`` (a cheap check that a rewrite kept its anchors; 1.0 when there are no numeric lines)."""
    available = Counter(_NUMBER.findall(text))
    lines = [Counter(_NUMBER.findall(line)) for line in rule_trace.splitlines()]
    lines = [c for c in lines if c]
    if not lines:
        return 1.0
    kept = sum(1 for c in lines if all(available[n] >= 1 for n in c))
    return kept / len(lines)


def count_tokens(text: str, tokenizer: Any = None) -> int:
    """Tokens by ``tokenizer`` (a transformers tokenizer) plus its EOS, as the AHPO trainer counts a demo against
    ``max_completion_length``; else word pieces (words and punctuation marks)."""
    if tokenizer is not None:
        eos = 1 if getattr(tokenizer, "eos_token_id", None) is not None else 0
        return len(tokenizer(text, add_special_tokens=False)["input_ids"]) + eos
    return len(_WORD_PIECE.findall(text))


def finalize_rewrite(text: str, style: str = "boxed") -> tuple[str, str]:
    """(response in the training layout, extracted answer) from a rewrite that ends in its final answer."""
    answer = extract_answer(text).strip()
    body = text.split("</think>")[0].replace("<think>", "") if "</think>" in text else text
    cut = body.rfind("\\boxed{")
    if cut >= 0:
        body = body[:cut]
    body = strip_final_answer(body).rstrip()
    return format_expert(body, answer, style), answer


@dataclass
class SergStats:
    kept: int = 0
    dropped: Counter = field(default_factory=Counter)

    def line(self) -> str:
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(self.dropped.items())) or "none"
        return f"kept {self.kept}; dropped: {reasons}"


def serg_rows(items: Iterable[tuple[str, int, int]], *, backend: Any = None, sampling: Any = None,
              style: str = "boxed", max_tokens: int | None = None, tokenizer: Any = None,
              min_anchor_recall: float = 0.0, batch_size: int = 8, model_name: str | None = None,
              stats: SergStats | None = None, progress: Callable[[str], None] | None = None) -> list[dict]:
    """Expert-trace rows for ``(task, level, seed)`` items; ``backend`` None keeps the rule traces."""
    stats = stats if stats is not None else SergStats()
    seen: set[str] = set()
    rows: list[dict] = []
    items = list(items)
    for start in range(0, len(items), batch_size):
        chunk = [mmhelix_env.make_instance(t, lv, s) for t, lv, s in items[start: start + batch_size]]
        traces = [mmhelix_env.expert_trace(inst) for inst in chunk]
        answers = [mmhelix_env.expert_answer(inst) for inst in chunk]
        if backend is None:
            texts = [format_expert(strip_final_answer(tr), ans, style) for tr, ans in zip(traces, answers)]
        else:
            generations = backend.generate([rewrite_messages(i, tr, a) for i, tr, a in zip(chunk, traces, answers)],
                                           sampling)
            texts = [g.text if getattr(g, "error", None) is None else None for g in generations]
        for inst, trace, text in zip(chunk, traces, texts):
            if text is None:
                stats.dropped["backend_error"] += 1
                continue
            if backend is not None:
                if not mmhelix_env.verify(inst, text).correct:  # the rewrite's own final answer must verify
                    stats.dropped["rewrite_wrong_or_no_answer"] += 1
                    continue
                text, _ = finalize_rewrite(text, style)
            if not mmhelix_env.verify(inst, text).correct:
                stats.dropped["not_verified"] += 1
                continue
            recall = anchor_recall(trace, text.split("</think>")[0])  # the reasoning, not the final answer
            if backend is not None and recall < min_anchor_recall:
                stats.dropped["anchors_lost"] += 1
                continue
            tokens = count_tokens(text, tokenizer)
            if max_tokens is not None and tokens > max_tokens:
                stats.dropped["too_long"] += 1
                continue
            key = hashlib.sha256(f"{inst.fingerprint}\0{text}".encode()).hexdigest()
            if key in seen:
                stats.dropped["duplicate"] += 1
                continue
            seen.add(key)
            rows.append({
                "task": inst.task, "level": inst.level, "seed": inst.seed, "fingerprint": inst.fingerprint,
                "instance": inst.to_dict(), "prompt": training_prompt(inst, "image"), "response": text,
                "answer": extract_answer(text).strip(), "source": "rule_trace" if backend is None else "serg",
                "rewrite_model": model_name, "prompt_version": None if backend is None else REWRITE_PROMPT_VERSION,
                "anchor_recall": round(recall, 4), "tokens": tokens,
            })
            stats.kept += 1
        if progress:
            progress(f"{min(start + batch_size, len(items))}/{len(items)}: {stats.line()}")
    return rows


def parse_seeds(specs: Sequence[str]) -> list[int]:
    """``0-99`` ranges (inclusive) and single seeds."""
    seeds: list[int] = []
    for spec in specs:
        for part in str(spec).split(","):
            part = part.strip()
            if not part:
                continue
            if re.fullmatch(r"\d+-\d+", part):
                lo, hi = map(int, part.split("-"))
                seeds.extend(range(lo, hi + 1))
            else:
                seeds.append(int(part))
    return seeds


def write_rows(rows: list[dict], out: str | Path, formats: Sequence[str]) -> list[str]:
    out = Path(out)
    written = []
    if "jsonl" in formats:
        path = out if out.suffix == ".jsonl" else out.with_suffix(".jsonl")
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        written.append(str(path))
    if "datasets" in formats:
        import datasets

        path = out.with_suffix("") if out.suffix else out.with_name(out.name + "_dataset")
        flat = [{**row, "instance": json.dumps(row["instance"])} for row in rows]
        datasets.Dataset.from_list(flat).save_to_disk(str(path))
        written.append(str(path))
    return written


def make_backend(args: argparse.Namespace) -> Any:
    if args.backend == "none":
        return None
    if args.backend == "openai":
        from agents.backends import OpenAIBackend

        return OpenAIBackend(args.base_url, args.model, concurrency=args.concurrency, on_error="return")
    if args.backend == "vllm":
        from agents.backends import VLLMBackend

        return VLLMBackend(args.model)
    if args.backend == "transformers":
        from agents.backends import TransformersBackend

        return TransformersBackend(args.model, batch_size=args.batch_size)
    raise ValueError(args.backend)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m algorithms.serg", description=__doc__.split("\n\n")[0])
    p.add_argument("--tasks", nargs="+", required=True, help="task names, or 'all'")
    p.add_argument("--levels", nargs="+", default=["1"], help="1..5 or very-easy..very-hard")
    p.add_argument("--seeds", nargs="+", default=["0-9"], help="seeds and inclusive ranges, e.g. 0-99 200")
    p.add_argument("--out", required=True, help="output file (.jsonl); the datasets dir takes the same stem")
    p.add_argument("--format", nargs="+", default=["jsonl"], choices=["jsonl", "datasets"])
    p.add_argument("--style", default="boxed", choices=["boxed", "100k"])
    p.add_argument("--backend", default="none", choices=["none", "openai", "vllm", "transformers"])
    p.add_argument("--model", help="model name (openai) or path (vllm / transformers)")
    p.add_argument("--base-url", default="http://localhost:8000/v1")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--temperature", type=float, default=0.7)
    p.add_argument("--max-new-tokens", type=int, default=8192)
    p.add_argument("--max-tokens", type=int, default=8192, help="drop traces longer than this (0: no limit)")
    p.add_argument("--tokenizer", help="count tokens with this transformers tokenizer (default: word pieces)")
    p.add_argument("--min-anchor-recall", type=float, default=0.0)
    args = p.parse_args(argv)

    tasks = sorted(mmhelix_env.TASKS) if args.tasks == ["all"] else args.tasks
    unknown = [t for t in tasks if t not in mmhelix_env.TASKS]
    if unknown:
        p.error(f"unknown tasks: {unknown}")
    levels = [mmhelix_env.level_number(lv if not str(lv).isdigit() else int(lv)) for lv in args.levels]
    items = [(t, lv, s) for t in tasks for lv in levels for s in parse_seeds(args.seeds)]
    backend = make_backend(args)
    if backend is not None and not args.model:
        p.error("--model is needed with a backend")
    sampling = None
    if backend is not None:
        from agents.types import SamplingParams

        sampling = SamplingParams(max_new_tokens=args.max_new_tokens, temperature=args.temperature)
    tokenizer = None
    if args.tokenizer:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(args.tokenizer)
    stats = SergStats()
    rows = serg_rows(items, backend=backend, sampling=sampling, style=args.style, max_tokens=args.max_tokens or None,
                     tokenizer=tokenizer, min_anchor_recall=args.min_anchor_recall, batch_size=args.batch_size,
                     model_name=args.model, stats=stats, progress=lambda s: print(s, file=sys.stderr))
    for path in write_rows(rows, args.out, args.format):
        print(f"wrote {path}")
    print(stats.line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
