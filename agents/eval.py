"""Benchmark eval runner: ``python -m agents.eval``.

::

    python -m agents.eval --agent expert,random,tiny --suite mmhelix-bench --modality both --out runs/main
    python -m agents.eval --agent openai --base-url http://localhost:8000/v1 --model NAME --suite mmhelix-bench \\
        --modality both --concurrency 16 --out runs/NAME
    python -m agents.eval --agent hf --model PATH --suite MMHelix/Maze-easy,MMHelix/Sudoku-hard --out runs/x

Each item of the suite is shown once per modality (and per sample) through the answer-mode env: the env's prompt
(and, in image mode, its rendered image) goes to the agent, the env extracts and verifies the answer. One JSON line
per item goes to ``OUT/results.jsonl`` (a comma list of agents writes one subfolder per agent). A rerun resumes: the
items already in the file, keyed by (instance fingerprint, modality, sample index, copy), are skipped, so the
finished file is the same as one from an uninterrupted run. ``OUT/report.{md,csv,json,png}`` follow
:mod:`agents.report` (benchmark.md §3 aggregation, bootstrap CIs, the published Table 1 beside ours).

Agents: ``expert`` (the exact solver's answer in ``\\boxed{}``), ``random`` (a random plausible answer),
``hf`` (TransformersBackend on ``--model``), ``vllm`` (VLLMBackend), ``openai`` (any OpenAI-compatible server at
``--base-url``; key from ``$OPENAI_API_KEY`` or ``--api-key-env``), ``tiny`` (the random-weight tiny Qwen2.5-VL of
:func:`agents.testing.tiny_vlm`, a CPU smoke test).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .report import fmt, fmt_ci, read_jsonl, read_result_rows, write_report, write_summary
from .types import Generation, SamplingParams

AGENTS = ("expert", "random", "hf", "vllm", "openai", "tiny")
MODEL_AGENTS = ("hf", "vllm", "openai")
RESULTS_FILE = "results.jsonl"
RUN_FILE = "run.json"
ERRORS_FILE = "errors.jsonl"
# settings that change what a result line means: a resumed run must match them
RESUME_KEYS = ("agent", "model", "suite_version", "max_new_tokens", "temperature", "top_p", "top_k", "seed",
               "system_prompt", "image_size")
THINKING_DEFAULTS = (32768, 0.6)  # benchmark.md §5 / paper A.2
NON_THINKING_DEFAULTS = (8192, 0.0)
TINY_MAX_NEW_TOKENS = 64  # the tiny model is a random-weight smoke test; long generations only cost time
DEFAULT_BATCH = {"expert": 64, "random": 64, "hf": 8, "tiny": 8, "vllm": 256}


# ---------------------------------------------------------------------------------------------------------------
# Work list


@dataclass
class WorkItem:
    """One (suite item, modality, sample) to answer. ``copy`` numbers repeated instances within a suite (the
    published rows hold each GraphIsomorphism pair twice with one fingerprint)."""

    position: int
    item: Any  # mmhelix_env.bench.SuiteItem
    modality: str
    sample: int
    copy: int

    @property
    def key(self) -> str:
        return result_key(self.item.fingerprint, self.modality, self.sample, self.copy)


def result_key(fingerprint: str, modality: str, sample: int = 0, copy: int = 0) -> str:
    return f"{fingerprint}|{modality}|{sample}|{copy}"


def row_key(row: dict) -> str:
    return result_key(row["fingerprint"], row["modality"], int(row.get("sample", 0)), int(row.get("copy", 0)))


def spread_pick(n: int, limit: int | None) -> list[int]:
    """``limit`` indices spread evenly over ``range(n)`` (all of them when limit is None or ≥ n)."""
    if limit is None or limit >= n:
        return list(range(n))
    if limit <= 0:
        return []
    return sorted({(i * n) // limit for i in range(limit)})


def load_suite_items(spec: str, limit: int | None = None):
    """The suite (via :func:`mmhelix_env.bench.load_suite`) and its items, ``limit`` of them spread evenly."""
    from mmhelix_env.bench import load_suite

    suite = load_suite(spec)
    if suite.problems:
        print(f"[eval] {len(suite.problems)} record(s) could not be imported and are skipped "
              f"(first: {suite.problems[0]})", file=sys.stderr)
    items = [suite.items[i] for i in spread_pick(len(suite.items), limit)]
    return suite, items


def build_work(items: Sequence[Any], modalities: Sequence[str], samples: int = 1) -> list[WorkItem]:
    copies: dict[str, int] = {}
    copy_of = []
    for item in items:
        fp = item.fingerprint
        copy_of.append(copies.get(fp, 0))
        copies[fp] = copies.get(fp, 0) + 1
    work = []
    for modality in modalities:
        for sample in range(samples):
            for item, copy in zip(items, copy_of):
                work.append(WorkItem(len(work), item, modality, sample, copy))
    return work


# ---------------------------------------------------------------------------------------------------------------
# Results store


class ResultStore:
    """Append-only JSONL of finished items. Every line goes out in one write and is flushed, so a killed run
    leaves at worst a truncated last line, which :meth:`open` cuts off before appending."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._fh = None

    def rows(self) -> list[dict]:
        return read_jsonl(self.path)

    def result_rows(self) -> tuple[list[dict], list[str]]:
        """The rows usable as results, and a line for each one left out (see :func:`read_result_rows`)."""
        return read_result_rows(self.path)

    def repair(self) -> int:
        """Cut a partial last line (no trailing newline) off the file; returns the bytes removed."""
        if not self.path.exists():
            return 0
        data = self.path.read_bytes()
        if not data or data.endswith(b"\n"):
            return 0
        keep = data.rfind(b"\n") + 1
        with open(self.path, "r+b") as fh:
            fh.truncate(keep)
        return len(data) - keep

    def open(self) -> ResultStore:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.repair()
        self._fh = open(self.path, "a", encoding="utf-8")
        return self

    def append(self, row: dict) -> None:
        self._fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._fh.flush()

    def sync(self) -> None:
        if self._fh is not None:
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.flush()
            self._fh.close()
            self._fh = None


# ---------------------------------------------------------------------------------------------------------------
# Agents (agents.agent): ExpertAgent, RandomAgent, LLMAgent over a backend


def _set_sample(agent: Any, base_params: SamplingParams | None, base_seed: int | None, sample: int) -> None:
    """Give sample index ``sample`` its own random stream (random answers, sampling seed)."""
    agent.seed = None if base_seed is None else base_seed + sample
    if base_params is not None and base_params.seed is not None:
        agent.params = replace(base_params, seed=base_params.seed + 1000 * sample)


# ---------------------------------------------------------------------------------------------------------------
# Progress


class Progress:
    """tqdm when installed (running accuracy in the postfix), else a plain line every few seconds."""

    def __init__(self, total: int, done: int, correct: int, label: str, enabled: bool = True):
        self.total, self.done, self.correct, self.label = total, done, correct, label
        self.start = time.perf_counter()
        self.new = 0
        self.enabled = enabled
        self._bar = None
        self._last = 0.0
        if enabled:
            try:
                from tqdm.auto import tqdm

                self._bar = tqdm(total=total, initial=done, desc=f"eval {label}", unit="item", dynamic_ncols=True,
                                 file=sys.stderr)
            except ImportError:
                self._bar = None

    @property
    def accuracy(self) -> float:
        return 100.0 * self.correct / self.done if self.done else 0.0

    def update(self, correct: bool) -> None:
        self.done += 1
        self.new += 1
        self.correct += int(correct)
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.set_postfix_str(f"acc {self.accuracy:.1f}%", refresh=False)
            self._bar.update(1)
            return
        now = time.perf_counter()
        if now - self._last >= 5.0 or self.done == self.total:
            self._last = now
            elapsed = now - self.start
            eta = elapsed / self.new * (self.total - self.done) if self.new else float("nan")
            print(f"[eval {self.label}] {self.done}/{self.total} acc {self.accuracy:.1f}% "
                  f"elapsed {elapsed:.0f}s eta {eta:.0f}s", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


# ---------------------------------------------------------------------------------------------------------------
# The runner


@dataclass
class EvalConfig:
    agent: str
    suite: str = "mini"
    modalities: tuple[str, ...] = ("image",)
    samples: int = 1
    limit: int | None = None
    model: str | None = None
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    max_new_tokens: int | None = None
    temperature: float | None = None
    top_p: float = 1.0
    top_k: int = 0
    seed: int | None = 0
    thinking: bool = False
    system_prompt: str | None = None
    batch_size: int | None = None
    concurrency: int = 8
    timeout: float = 600.0
    max_retries: int = 5
    image_size: int = 512
    device: str | None = None
    dtype: str | None = None
    bootstrap: int = 1000
    overwrite: bool = False
    progress: bool = True
    label: str | None = None

    def sampling(self) -> tuple[int, float]:
        tokens, temperature = THINKING_DEFAULTS if self.thinking else NON_THINKING_DEFAULTS
        if self.agent == "tiny" and self.max_new_tokens is None:
            tokens = TINY_MAX_NEW_TOKENS
        return (self.max_new_tokens or tokens, temperature if self.temperature is None else self.temperature)


@dataclass
class EvalResult:
    out_dir: Path
    meta: dict
    rows: list[dict]
    figures: dict
    new_items: int
    failed: list[dict] = field(default_factory=list)
    wall_s: float = 0.0


def sampling_params(cfg: EvalConfig) -> SamplingParams:
    tokens, temperature = cfg.sampling()
    if cfg.samples > 1 and temperature == 0 and cfg.agent in (*MODEL_AGENTS, "tiny"):
        raise SystemExit("--samples > 1 needs --temperature > 0 (greedy decoding repeats itself)")
    return SamplingParams(max_new_tokens=tokens, temperature=temperature, top_p=cfg.top_p, top_k=cfg.top_k,
                          seed=cfg.seed)


def build_agent(cfg: EvalConfig) -> Any:
    """The agent for ``cfg.agent`` (a model backend is loaded here, once)."""
    from .agent import ExpertAgent, LLMAgent, RandomAgent

    if cfg.agent == "expert":
        return ExpertAgent(seed=cfg.seed)
    if cfg.agent == "random":
        return RandomAgent(seed=cfg.seed)
    params = sampling_params(cfg)
    batch = cfg.batch_size or DEFAULT_BATCH.get(cfg.agent, 8)
    if cfg.agent == "tiny":
        from .backends import TransformersBackend
        from .testing import tiny_vlm

        tiny = tiny_vlm()
        backend = TransformersBackend(tiny.model, tiny.processor, batch_size=batch)
    elif cfg.agent not in MODEL_AGENTS:
        raise SystemExit(f"unknown agent {cfg.agent!r}; choose from {', '.join(AGENTS)}")
    elif not cfg.model:
        raise SystemExit(f"--agent {cfg.agent} needs --model")
    elif cfg.agent == "hf":
        from .backends import TransformersBackend

        backend = TransformersBackend(cfg.model, device=cfg.device, dtype=cfg.dtype, batch_size=batch)
    elif cfg.agent == "vllm":
        from .backends import VLLMBackend

        backend = VLLMBackend(cfg.model)
    else:
        from .backends import OpenAIBackend

        if not cfg.base_url:
            raise SystemExit("--agent openai needs --base-url")
        backend = OpenAIBackend(cfg.base_url, cfg.model, api_key=os.environ.get(cfg.api_key_env),
                                concurrency=cfg.concurrency, timeout=cfg.timeout, max_retries=cfg.max_retries,
                                on_error="return")
    return LLMAgent(backend, params, system_prompt=cfg.system_prompt, max_turns=0, seed=cfg.seed)


def run_meta(cfg: EvalConfig, suite: Any) -> dict:
    import mmhelix_env

    tokens, temperature = cfg.sampling()
    return {
        "label": cfg.label or cfg.agent, "agent": cfg.agent, "model": cfg.model if cfg.agent in MODEL_AGENTS else None,
        "base_url": cfg.base_url, "suite": suite.name, "suite_spec": cfg.suite, "suite_version": suite.version,
        "limit": cfg.limit, "modalities": list(cfg.modalities), "samples": cfg.samples,
        "max_new_tokens": tokens if cfg.agent not in ("expert", "random") else None,
        "temperature": temperature if cfg.agent not in ("expert", "random") else None,
        "top_p": cfg.top_p, "top_k": cfg.top_k, "seed": cfg.seed, "thinking": cfg.thinking,
        "system_prompt": cfg.system_prompt, "image_size": cfg.image_size,
        "verifier": "default (this suite's verifiers; not the official scorer's parity mode)",
        "mmhelix_env_version": mmhelix_env.__version__,
    }


def _check_resume(out_dir: Path, meta: dict, overwrite: bool) -> dict:
    """The stored run.json (updated with this session's meta), after checking that resuming is sound."""
    run_path = out_dir / RUN_FILE
    results = out_dir / RESULTS_FILE
    if overwrite:
        for name in (RESULTS_FILE, ERRORS_FILE, RUN_FILE):
            (out_dir / name).unlink(missing_ok=True)
    stored = json.loads(run_path.read_text()) if run_path.exists() else None
    if stored is not None and results.exists():
        diff = {k: (stored.get(k), meta.get(k)) for k in RESUME_KEYS if stored.get(k) != meta.get(k)}
        if diff:
            details = "; ".join(f"{k}: stored {a!r}, now {b!r}" for k, (a, b) in diff.items())
            raise SystemExit(f"{out_dir} holds results made with other settings ({details}). "
                             "Use another --out, or --overwrite to start over.")
    merged = dict(stored or {})
    sessions = merged.get("sessions", [])
    merged.update(meta)
    merged["sessions"] = sessions
    return merged


def _observe(envs: dict, w: WorkItem, image_size: int, slot: int) -> tuple[Any, dict, dict]:
    """Reset an answer-mode env on the item's instance. Envs are reused across batches; ``slot`` keeps items of
    one batch that share (task, level, modality) on separate envs, since each episode stays open until its step."""
    from mmhelix_env import make_env

    key = (w.item.task, w.item.level, w.modality, slot)
    env = envs.get(key)
    if env is None:
        env = envs[key] = make_env(w.item.task, w.item.level, mode="answer", modality=w.modality,
                                   image_size=image_size)
    obs, info = env.reset(options={"instance": w.item.instance})
    return env, obs, info


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _image_hash(image: Any) -> str | None:
    if image is None:
        return None
    shape = "x".join(str(s) for s in image.shape)
    return _sha256(shape.encode() + b":" + image.tobytes())


def result_row(w: WorkItem, obs: dict, gen: Generation | None, response: str, info: dict, meta: dict,
               latency_s: float) -> dict:
    import mmhelix_env

    item, inst = w.item, w.item.instance
    verdict = info["verdict"]
    task = mmhelix_env.TASKS[item.task]
    return {
        "key": w.key,
        "env_id": item.env_id,
        "item_id": item.id,
        "task": item.task,
        "category": task.category,
        "level": inst.level,
        "level_name": inst.level_name,
        "seed": item.seed,
        "source": item.source,
        "fingerprint": inst.fingerprint,
        "pair_key": item.meta.get("pair_key") or (task.pair_key(inst) if hasattr(task, "pair_key") else None),
        "suite": meta["suite"],
        "suite_version": meta["suite_version"],
        "modality": w.modality,
        "sample": w.sample,
        "copy": w.copy,
        "prompt_sha256": _sha256(obs["prompt"].encode()),
        "image_sha256": _image_hash(obs.get("image")),
        "response": response,
        "answer": info.get("answer"),
        "correct": bool(verdict.correct),
        "score": float(verdict.score),
        "reason": verdict.reason,
        "finish_reason": gen.finish_reason if gen else None,
        "prompt_tokens": gen.prompt_tokens if gen else None,
        "completion_tokens": gen.completion_tokens if gen else None,
        "latency_s": round(float(latency_s), 6),
    }


def run_eval(cfg: EvalConfig, out_dir: str | Path, *, suite_items: tuple[Any, list] | None = None,
             agent: Any = None, on_result: Callable[[dict], None] | None = None) -> EvalResult:
    """Run (or resume) one agent over a suite and write results and reports into ``out_dir``.

    ``suite_items`` (suite, items) and ``agent`` may be passed to reuse them across runs or inject a fake;
    ``on_result`` is called after each line is written (an exception there stops the run like a kill would).
    """
    t_start = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    suite, items = suite_items or load_suite_items(cfg.suite, cfg.limit)
    meta = run_meta(cfg, suite)
    run_info = _check_resume(out_dir, meta, cfg.overwrite)
    (out_dir / RUN_FILE).write_text(json.dumps(run_info, indent=1) + "\n")

    work = build_work(items, cfg.modalities, cfg.samples)
    store = ResultStore(out_dir / RESULTS_FILE)
    store.repair()
    usable, problems = store.result_rows()
    for problem in problems:
        print(f"[eval {cfg.agent}] {problem}", file=sys.stderr)
    existing = {row_key(r): r for r in usable}
    todo = [w for w in work if w.key not in existing]
    done_rows = [existing[w.key] for w in work if w.key in existing]
    progress = Progress(len(work), len(done_rows), sum(bool(r.get("correct")) for r in done_rows),
                        cfg.label or cfg.agent, enabled=cfg.progress)
    failed: list[dict] = []
    envs: dict = {}
    if todo:
        agent = agent or build_agent(cfg)
        base_params = getattr(agent, "params", None)
        base_seed = agent.seed
        batch_size = cfg.batch_size or (2 * cfg.concurrency if cfg.agent == "openai"
                                        else DEFAULT_BATCH.get(cfg.agent, 8))
        per_group = max(1, len(items))
        store.open()
        try:
            # Batches hold one (modality, sample) group and are cut at fixed positions of the full work list, so a
            # resumed run batches the way an uninterrupted one does wherever whole batches remain.
            batches: dict[tuple, list[WorkItem]] = {}
            for w in todo:
                batches.setdefault((w.position // per_group, (w.position % per_group) // batch_size), []).append(w)
            for batch in batches.values():
                _set_sample(agent, base_params, base_seed, batch[0].sample)
                used: set = set()
                for w, gen, response, info, obs, latency in _answer(agent, batch, envs, used, cfg.image_size,
                                                                    failed):
                    row = result_row(w, obs, gen, response, info, meta, latency)
                    store.append(row)
                    progress.update(row["correct"])
                    if on_result is not None:
                        on_result(row)
                store.sync()
                for key in [k for k in envs if k not in used]:  # keep memory bounded by the batch size
                    envs.pop(key).close()
        finally:
            store.close()
            progress.close()
            for env in envs.values():
                env.close()
    if failed:
        with open(out_dir / ERRORS_FILE, "a", encoding="utf-8") as fh:
            for f in failed:
                fh.write(json.dumps(f, ensure_ascii=False) + "\n")
        print(f"[eval {cfg.agent}] {len(failed)} item(s) failed (see {out_dir / ERRORS_FILE}); rerun the same "
              "command to retry them", file=sys.stderr)

    stored = {row_key(r): r for r in store.result_rows()[0]}
    rows = [stored[w.key] for w in work if w.key in stored]  # in work order (the file is in write order)
    wall = time.perf_counter() - t_start
    run_info["sessions"].append({"started": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - wall)),
                                 "new_items": len(todo) - len(failed), "failed": len(failed),
                                 "wall_s": round(wall, 2)})
    run_info["items"] = len(rows)
    run_info["wall_s"] = round(sum(s["wall_s"] for s in run_info["sessions"]), 2)
    (out_dir / RUN_FILE).write_text(json.dumps(run_info, indent=1) + "\n")
    figures = write_report(rows, out_dir, run_info, bootstrap=cfg.bootstrap, seed=cfg.seed or 0)
    return EvalResult(out_dir, run_info, rows, figures, len(todo) - len(failed), failed, wall)


def _answer(agent: Any, batch: list[WorkItem], envs: dict, used: set, image_size: int, failed: list[dict]):
    """Show each item of a batch to the agent (one ``act`` call, so one backend call) and verify its reply in the
    env (``used`` collects the env keys it took). Yields (work item, generation, response, step info, observation,
    latency); items whose generation failed go to ``failed`` instead (they are retried on the next run)."""
    from .types import BackendError

    shown = []
    slots: dict[tuple, int] = {}
    for w in batch:
        group = (w.item.task, w.item.level, w.modality)
        slots[group] = slots.get(group, -1) + 1
        used.add((*group, slots[group]))
        env, obs, info = _observe(envs, w, image_size, slots[group])
        shown.append((w, env, obs, agent.start(obs, info, env.action_space)))
    t0 = time.perf_counter()
    try:
        turns = agent.act([ctx for *_, ctx in shown])
    except BackendError as err:
        failed.extend({"key": w.key, "item_id": w.item.id, "modality": w.modality, "error": str(err)}
                      for w, *_ in shown)
        return
    if len(turns) != len(shown):
        raise RuntimeError(f"agent returned {len(turns)} turns for {len(shown)} observations")
    share = (time.perf_counter() - t0) / len(shown)  # agents without a backend: their time, split evenly
    for (w, env, obs, _), turn in zip(shown, turns):
        gen = turn.generation
        if gen is not None and (gen.finish_reason == "error" or gen.error):
            failed.append({"key": w.key, "item_id": w.item.id, "modality": w.modality,
                           "error": gen.error or "backend error"})
            continue
        _, _, _, _, step_info = env.step(turn.action)
        if step_info.get("fingerprint") != w.item.fingerprint:
            raise RuntimeError(f"env verified {step_info.get('fingerprint')} instead of item {w.item.id}")
        yield w, gen, turn.response, step_info, obs, gen.latency_s if gen is not None else share


# ---------------------------------------------------------------------------------------------------------------
# Command line


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m agents.eval", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--agent",
                   help=f"one of {', '.join(AGENTS)}, or a comma list (each into its own subfolder of --out)")
    p.add_argument("--model", help="model path or name (hf, vllm, openai)")
    p.add_argument("--base-url", help="OpenAI-compatible server, e.g. http://localhost:8000/v1")
    p.add_argument("--api-key-env", default="OPENAI_API_KEY", help="environment variable holding the API key")
    p.add_argument("--suite", default="mini",
                   help="mmhelix-bench | mini | comma list of env ids or task names | records file/folder")
    p.add_argument("--modality", default="image", choices=("image", "text", "both"))
    p.add_argument("--out", required=True, help="output folder (resumed when it already holds results)")
    p.add_argument("--limit", type=int, help="use only N suite items, spread evenly over the suite")
    p.add_argument("--samples", type=int, default=1, help="answers per item (needs --temperature > 0 when > 1)")
    p.add_argument("--thinking", action="store_true",
                   help="thinking-model defaults: 32768 new tokens, temperature 0.6 (else 8192, 0.0)")
    p.add_argument("--max-new-tokens", type=int)
    p.add_argument("--temperature", type=float)
    p.add_argument("--top-p", type=float, default=1.0)
    p.add_argument("--top-k", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--system-prompt", help="optional system prompt (the benchmark uses none)")
    p.add_argument("--concurrency", type=int, default=8, help="requests in flight (openai)")
    p.add_argument("--batch-size", type=int, help="prompts per backend call (default: 8 local, 2×concurrency http)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per HTTP request")
    p.add_argument("--max-retries", type=int, default=5)
    p.add_argument("--image-size", type=int, default=512)
    p.add_argument("--device", help="torch device for --agent hf")
    p.add_argument("--dtype", help="torch dtype for --agent hf, e.g. bfloat16")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the CIs (0: none)")
    p.add_argument("--overwrite", action="store_true", help="discard earlier results in --out")
    p.add_argument("--report-only", action="store_true", help="rebuild the reports from the results in --out")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--threads", type=int, help="torch CPU threads (local backends)")
    return p.parse_args(argv)


def _configs(args: argparse.Namespace) -> list[EvalConfig]:
    names = [a.strip() for a in args.agent.split(",") if a.strip()]
    unknown = [a for a in names if a not in AGENTS]
    if unknown or not names:
        raise SystemExit(f"unknown agent(s) {unknown}; choose from {', '.join(AGENTS)}")
    if len(set(names)) != len(names):
        raise SystemExit("an agent appears twice in --agent")
    if args.samples < 1:
        raise SystemExit("--samples must be >= 1")
    modalities = ("image", "text") if args.modality == "both" else (args.modality,)
    return [EvalConfig(agent=name, suite=args.suite, modalities=modalities, samples=args.samples, limit=args.limit,
                       model=args.model, base_url=args.base_url, api_key_env=args.api_key_env,
                       max_new_tokens=args.max_new_tokens, temperature=args.temperature, top_p=args.top_p,
                       top_k=args.top_k, seed=args.seed, thinking=args.thinking, system_prompt=args.system_prompt,
                       batch_size=args.batch_size, concurrency=args.concurrency, timeout=args.timeout,
                       max_retries=args.max_retries, image_size=args.image_size, device=args.device, dtype=args.dtype,
                       bootstrap=args.bootstrap, overwrite=args.overwrite, progress=not args.no_progress)
            for name in names]


def report_only(out: Path, bootstrap: int) -> int:
    folders = [out] if (out / RESULTS_FILE).exists() else sorted(p.parent for p in out.glob(f"*/{RESULTS_FILE}"))
    if not folders:
        raise SystemExit(f"no {RESULTS_FILE} in {out} or its subfolders")
    summary = {}
    for folder in folders:
        meta = json.loads((folder / RUN_FILE).read_text()) if (folder / RUN_FILE).exists() else {}
        rows, problems = read_result_rows(folder / RESULTS_FILE)
        for problem in problems:
            print(f"[eval] {problem}", file=sys.stderr)
        figures = write_report(rows, folder, meta, bootstrap=bootstrap, seed=meta.get("seed") or 0)
        summary[meta.get("label") or folder.name] = figures
        print(f"wrote {folder / 'report.md'}")
    if len(folders) > 1 or folders[0] != out:
        write_summary(summary, out)
        print(f"wrote {out / 'report.md'}")
    return 0


def _overall_text(modality: str, fig: dict) -> str:
    """``image 45.2% [40.1, 50.3] ±1.4`` (bootstrap CI, worst-case standard error) plus the spread over samples."""
    stat = fig["overall"]
    text = f"{modality} {fmt(stat['accuracy'])}%"
    if "ci" in stat:
        text += f" {fmt_ci(stat)}"
    text += f" ±{fmt(stat['se'])}"
    if "spread" in fig:
        text += f" (sd over samples {fmt(fig['spread']['overall'])})"
    return text


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out = Path(args.out)
    if args.threads:
        os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    if args.report_only:
        return report_only(out, args.bootstrap)
    if not args.agent:
        raise SystemExit("--agent is required (except with --report-only)")
    configs = _configs(args)
    if args.threads and any(c.agent in ("hf", "tiny") for c in configs):
        import torch

        torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    try:
        suite_items = load_suite_items(args.suite, args.limit)
    except (ValueError, OSError) as err:
        raise SystemExit(f"--suite {args.suite}: {err}") from None
    results = {}
    failed = 0
    for cfg in configs:
        folder = out / cfg.agent if len(configs) > 1 else out
        result = run_eval(cfg, folder, suite_items=suite_items)
        results[cfg.label or cfg.agent] = result.figures
        failed += len(result.failed)
        print(f"[eval {cfg.agent}] {len(result.rows)} items ({result.new_items} new, {result.wall_s:.1f} s); overall "
              + "; ".join(_overall_text(m, f) for m, f in result.figures["modalities"].items())
              + f" → {folder / 'report.md'}", file=sys.stderr)
    if len(configs) > 1:
        write_summary(results, out, meta={"suite": suite_items[0].name, "suite_version": suite_items[0].version,
                                          "modalities": args.modality, "wall_s": round(time.perf_counter() - t0, 1)})
        print(f"[eval] summary → {out / 'report.md'}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
