"""Fixed benchmark suites: ``mmhelix-bench`` (42 tasks × 5 levels × 6 seeds = 1,260 instances), ``mini`` (one
seed per task and level, 210) and ad-hoc suites from env ids or reference/published record files.

Seeds. Seeds count up from ``SEED_BASE`` = 1,000,000. An instance is a pure function of (task, level, seed,
generator version) and each (task, level, seed) has its own SeedSequence stream, so any fixed seeds give independent,
reproducible draws; this block stays disjoint from the small seeds (0, 1, 2, …) that training loops and examples
enumerate by default, so the benchmark is held out from such training data. For each (task, level) the suite takes the
first 6 seeds from the base whose puzzles are pairwise distinct (by fingerprint): a few small levels (Hanoi) repeat a
puzzle within 1,000,000 … 1,000,005, and a benchmark should not count one puzzle twice. For almost every (task, level)
the seeds are exactly 1,000,000 … 1,000,005 (``BENCH_SEEDS``). ``mini`` takes the first seed, 1,000,000, so it is a
subset of ``mmhelix-bench``.

Version. ``Suite.version`` is a short hash over the suite name, the ordered (task, level, seed) list and the
generator version of every task in the suite: changing a generator changes the version of every suite that uses it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core import LEVELS, Instance, level_number
from ..envs import parse_env_id

SEED_BASE = 1_000_000
SEEDS_PER_LEVEL = 6
BENCH_SEEDS: tuple[int, ...] = tuple(range(SEED_BASE, SEED_BASE + SEEDS_PER_LEVEL))
MINI_SEEDS: tuple[int, ...] = BENCH_SEEDS[:1]
ENV_ID_SEEDS = SEEDS_PER_LEVEL  # seeds per id in a suite given as a comma list of env ids
SEED_SEARCH_LIMIT = 200  # seeds tried per (task, level) when looking for distinct puzzles
HELD_OUT_SEEDS = range(SEED_BASE, SEED_BASE + SEED_SEARCH_LIMIT)
SUITE_NAMES: tuple[str, ...] = ("mmhelix-bench", "mini")

_INSTANCES: dict[tuple[str, int, int, str], Instance] = {}  # per-process cache of generated suite instances
_DISTINCT_SEEDS: dict[tuple[str, int, int, str], tuple[int, ...]] = {}


def _tasks() -> dict:
    from .. import TASKS  # the package root imports the envs; resolved lazily to keep this module import-light

    return TASKS


def is_bench_seed(seed: int) -> bool:
    """True for the block the fixed suites draw from (training code can skip it to keep the benchmark held out)."""
    return seed in HELD_OUT_SEEDS


def distinct_seeds(task: str, level: int, count: int = SEEDS_PER_LEVEL) -> tuple[int, ...]:
    """The first ``count`` seeds from ``SEED_BASE`` whose puzzles are pairwise distinct (fewer distinct puzzles than
    ``count`` within ``SEED_SEARCH_LIMIT`` seeds: the remaining seeds repeat puzzles, in seed order)."""
    key = (task, level, count, _tasks()[task].version)
    found = _DISTINCT_SEEDS.get(key)
    if found is None:
        seeds: list[int] = []
        seen: set[str] = set()
        for seed in range(SEED_BASE, SEED_BASE + max(count, SEED_SEARCH_LIMIT)):
            fp = generated_instance(task, level, seed).fingerprint
            if fp not in seen:
                seen.add(fp)
                seeds.append(seed)
                if len(seeds) == count:
                    break
        rest = (s for s in range(SEED_BASE, SEED_BASE + count * 2) if s not in seeds)
        seeds.extend(next(rest) for _ in range(count - len(seeds)))
        found = _DISTINCT_SEEDS[key] = tuple(seeds)
    return found


def item_id(task: str, level: int, seed: int) -> str:
    return f"{task}-{LEVELS[level - 1]}-s{seed}"


def generated_instance(task: str, level: int, seed: int) -> Instance:
    """The instance for (task, level, seed), generated once per process."""
    version = _tasks()[task].version
    key = (task, level, seed, version)
    inst = _INSTANCES.get(key)
    if inst is None:
        inst = _INSTANCES[key] = _tasks()[task].instance(level, seed)
    return inst


@dataclass
class SuiteItem:
    """One benchmark item. Generated items have a seed and build their instance on first use; imported items have
    ``seed=None``, a ``source`` ("file#position") and their instance already built. ``meta`` holds what a record
    carried besides the state: the stored answer, image paths or bytes, the folder level, the pair key, ..."""

    id: str
    task: str
    level: int
    seed: int | None = None
    source: str = "generated"
    meta: dict = field(default_factory=dict)
    _instance: Instance | None = field(default=None, repr=False)
    _factory: Callable[[], Instance] | None = field(default=None, repr=False)

    @property
    def instance(self) -> Instance:
        if self._instance is None:
            if self._factory is None:
                raise RuntimeError(f"item {self.id} has neither an instance nor a way to build one")
            self._instance = self._factory()
        return self._instance

    @property
    def fingerprint(self) -> str:
        return self.instance.fingerprint

    @property
    def env_id(self) -> str:
        return f"MMHelix/{self.task}-{LEVELS[self.level - 1]}"


@dataclass
class Suite:
    """An ordered, versioned list of benchmark items (``problems``: records a load could not import)."""

    name: str
    items: list[SuiteItem]
    problems: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[SuiteItem]:
        return iter(self.items)

    def __getitem__(self, index: int) -> SuiteItem:
        return self.items[index]

    @property
    def tasks(self) -> list[str]:
        return list(dict.fromkeys(item.task for item in self.items))

    @property
    def version(self) -> str:
        """Short hash of (name, ordered (task, level, seed) list, generator version of every task in the suite).
        Imported items have no seed; their fingerprint stands in for it."""
        tasks = _tasks()
        keys = [[it.task, it.level, it.seed if it.seed is not None else it.fingerprint] for it in self.items]
        versions = {name: tasks[name].version for name in sorted(set(self.tasks)) if name in tasks}
        payload = json.dumps([self.name, keys, versions], sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode()).hexdigest()[:12]

    def fingerprints(self) -> dict[str, str]:
        """Manifest item id → instance fingerprint (generates every instance)."""
        return {item.id: item.fingerprint for item in self.items}

    def manifest(self) -> dict:
        """Suite name, version, count and one row per item (id, task, level, seed, generator version, fingerprint)."""
        tasks = _tasks()
        rows = [{"id": it.id, "task": it.task, "level": it.level, "seed": it.seed, "source": it.source,
                 "version": tasks[it.task].version, "fingerprint": it.fingerprint} for it in self.items]
        return {"suite": self.name, "version": self.version, "count": len(rows), "items": rows}

    def instances(self) -> list[Instance]:
        return [item.instance for item in self.items]

    def select(self, tasks: Iterable[str] | None = None, levels: Iterable[int | str] | None = None,
               limit: int | None = None) -> Suite:
        """A sub-suite (its own name, so its own version) keeping the given tasks and levels, then the first
        ``limit`` items. Task names must be known (``mmhelix_env.TASKS``; case does not matter)."""
        if limit is not None and limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        keep_tasks = set(canonical_task_names(tasks)) if tasks is not None else None
        keep_levels = {level_number(lv) for lv in levels} if levels is not None else None
        items = [it for it in self.items
                 if (keep_tasks is None or it.task in keep_tasks) and (keep_levels is None or it.level in keep_levels)]
        parts = [self.name]
        if keep_tasks is not None:
            parts.append("tasks=" + ",".join(sorted(keep_tasks)))
        if keep_levels is not None:
            parts.append("levels=" + ",".join(map(str, sorted(keep_levels))))
        if limit is not None:
            items = items[:limit]
            parts.append(f"limit={limit}")
        return Suite("|".join(parts), items, list(self.problems))


def canonical_task_names(names: Iterable[str]) -> list[str]:
    """Task names as ``mmhelix_env.TASKS`` spells them (exact, or equal ignoring case); ValueError names any
    unknown one."""
    tasks = _tasks()
    by_lower = {name.lower(): name for name in tasks}
    out, unknown = [], []
    for name in (n.strip() for n in names):
        if not name:
            continue
        found = name if name in tasks else by_lower.get(name.lower())
        (out if found else unknown).append(found or name)
    if unknown:
        raise ValueError(f"unknown task(s) {', '.join(map(repr, unknown))}; known tasks: {', '.join(sorted(tasks))}")
    return out


def generated_suite(name: str, specs: Sequence[tuple[str, int]], seeds: Sequence[int] | int) -> Suite:
    """Items for every (task, level) in ``specs``: the given seeds, or the first ``seeds`` distinct-puzzle seeds."""
    items = []
    for task, level in specs:
        for seed in (distinct_seeds(task, level, seeds) if isinstance(seeds, int) else seeds):
            items.append(SuiteItem(item_id(task, level, seed), task, level, seed,
                                   _factory=lambda t=task, lv=level, s=seed: generated_instance(t, lv, s)))
    return Suite(name, items)


def _all_specs() -> list[tuple[str, int]]:
    return [(task, level) for task in _tasks() for level in range(1, len(LEVELS) + 1)]


def _env_id_specs(spec: str) -> list[tuple[str, int]]:
    """``MMHelix/Maze-easy,Sokoban-hard,Hanoi`` → [(task, level)]; a bare task name means all five levels."""
    tasks = _tasks()
    out: list[tuple[str, int]] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        if part in tasks:
            out.extend((part, level) for level in range(1, len(LEVELS) + 1))
            continue
        eid = part.split(":", 1)[-1]
        if not eid.startswith("MMHelix/"):
            eid = "MMHelix/" + eid
        try:
            task, level = parse_env_id(eid)
        except ValueError as err:
            raise ValueError(f"{part!r} is neither a suite name ({', '.join(SUITE_NAMES)}), an env id, a task name "
                             f"nor an existing records path: {err}") from None
        if task not in tasks:
            raise ValueError(f"unknown task {task!r} in {part!r}")
        out.append((task, level))
    if not out:
        raise ValueError(f"empty suite spec {spec!r}")
    return list(dict.fromkeys(out))


def load_suite(spec: str | Path, seeds: Sequence[int] | None = None) -> Suite:
    """A suite by name (``mmhelix-bench``, ``mini``), a comma list of env ids or task names (each id gets the same
    6 distinct-puzzle seeds as ``mmhelix-bench``, unless ``seeds`` is given), or a records file/folder
    (→ :func:`load_records`; the records that could not be imported are in ``suite.problems``)."""
    text = str(spec).strip()
    if text == "mmhelix-bench":
        return generated_suite(text, _all_specs(), tuple(seeds) if seeds is not None else SEEDS_PER_LEVEL)
    if text == "mini":
        return generated_suite(text, _all_specs(), tuple(seeds) if seeds is not None else MINI_SEEDS)
    path = Path(text).expanduser()
    if path.exists():
        from .records import load_records

        result = load_records(path)
        return Suite(f"records:{path.name}", result.items, result.problems)
    specs = _env_id_specs(text)
    name = ",".join(f"{task}-{LEVELS[level - 1]}" for task, level in specs)
    if seeds is None:
        return generated_suite(name, specs, ENV_ID_SEEDS)
    return generated_suite(f"{name}@{','.join(map(str, seeds))}", specs, tuple(seeds))


def suite_summary(suite: Suite) -> dict[str, Any]:
    """Counts per category and level (no instance is generated)."""
    tasks = _tasks()
    per_category: dict[str, int] = {}
    per_level: dict[str, int] = {}
    for it in suite.items:
        cat = tasks[it.task].category
        per_category[cat] = per_category.get(cat, 0) + 1
        per_level[LEVELS[it.level - 1]] = per_level.get(LEVELS[it.level - 1], 0) + 1
    return {"suite": suite.name, "version": suite.version, "items": len(suite.items), "tasks": len(suite.tasks),
            "per_category": per_category, "per_level": per_level, "problems": len(suite.problems)}
