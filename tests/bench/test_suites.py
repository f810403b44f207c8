"""Suites: sizes, ids, seeds, version stability and sensitivity, lazy generation, env-id and record specs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import mmhelix_env
from mmhelix_env.bench import (
    BENCH_SEEDS,
    ENV_ID_SEEDS,
    MINI_SEEDS,
    distinct_seeds,
    is_bench_seed,
    load_suite,
    suite_summary,
)
from mmhelix_env.bench import suites as suites_module

FIXTURES = Path("/work/shared/fixtures/reference_sample")
REPO = Path(__file__).resolve().parents[2]


def test_bench_has_1260_items_42_tasks_5_levels_6_seeds():
    suite = load_suite("mmhelix-bench")
    assert len(suite) == 1260
    assert suite.tasks == list(mmhelix_env.TASKS)
    keys = [(it.task, it.level, it.seed) for it in suite]
    assert len(set(keys)) == 1260
    assert {it.level for it in suite} == {1, 2, 3, 4, 5}
    assert all(is_bench_seed(it.seed) for it in suite)
    seeds: dict = {}
    for it in suite:
        seeds.setdefault((it.task, it.level), []).append(it.seed)
    assert all(len(v) == 6 for v in seeds.values())
    # only levels whose first six seeds repeat a puzzle move past 1,000,005 (measured: Hanoi levels 1, 4, 5)
    moved = {key for key, v in seeds.items() if v != list(BENCH_SEEDS)}
    assert moved == {("Hanoi", 1), ("Hanoi", 4), ("Hanoi", 5)}, moved
    assert len({it.id for it in suite}) == 1260
    summary = suite_summary(suite)
    assert summary["per_category"] == {"algorithms": 270, "graphs": 240, "puzzles": 570, "games": 180}
    assert set(summary["per_level"].values()) == {252}


def test_mini_is_one_per_task_and_level_and_a_subset_of_bench():
    mini, bench = load_suite("mini"), load_suite("mmhelix-bench")
    assert len(mini) == 210
    assert {(it.task, it.level) for it in mini} == {(t, lv) for t in mmhelix_env.TASKS for lv in range(1, 6)}
    assert {it.seed for it in mini} == set(MINI_SEEDS)
    assert {it.id for it in mini} <= {it.id for it in bench}
    assert mini.version != bench.version


def test_bench_seeds_are_held_out_from_small_training_seeds():
    assert not any(is_bench_seed(s) for s in range(100_000))
    assert all(is_bench_seed(s) for s in BENCH_SEEDS)


def test_items_generate_lazily_and_match_make_instance():
    suite = load_suite("mini")
    item = suite[17]
    assert item._instance is None
    inst = item.instance
    assert inst == mmhelix_env.make_instance(item.task, item.level, item.seed)
    # cached per process: a second load of the suite hands out the very same object
    assert load_suite("mini")[17].instance is inst


def test_fingerprints_manifest_is_complete_and_distinct():
    suite = load_suite("mmhelix-bench")
    fps = suite.fingerprints()
    assert list(fps) == [it.id for it in suite]
    assert len(set(fps.values())) == 1260, "two suite items are the same puzzle"
    assert distinct_seeds("Hanoi", 1)[0] == BENCH_SEEDS[0] and len(set(distinct_seeds("Hanoi", 1))) == 6
    manifest = suite.manifest()
    assert manifest["count"] == 1260 and manifest["version"] == suite.version
    assert all(row["fingerprint"] == fps[row["id"]] for row in manifest["items"])


def test_version_is_stable_across_processes():
    code = ("from mmhelix_env.bench import load_suite;"
            "print(load_suite('mmhelix-bench').version, load_suite('mini').version)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.split() == [load_suite("mmhelix-bench").version, load_suite("mini").version]


def test_version_changes_with_a_generator_version(monkeypatch):
    before = load_suite("mmhelix-bench").version
    mini_before = load_suite("mini").version
    monkeypatch.setattr(mmhelix_env.TASKS["Maze"], "version", "changed-for-test")
    assert load_suite("mmhelix-bench").version != before
    assert load_suite("mini").version != mini_before
    # a suite that does not contain Maze keeps its version
    other = load_suite("MMHelix/Sokoban-easy").version
    monkeypatch.undo()
    assert load_suite("MMHelix/Sokoban-easy").version == other
    assert load_suite("mmhelix-bench").version == before


def test_version_depends_on_name_and_item_order():
    a = load_suite("MMHelix/Maze-easy,MMHelix/Sokoban-hard")
    b = load_suite("MMHelix/Sokoban-hard,MMHelix/Maze-easy")
    assert a.version != b.version
    assert load_suite("MMHelix/Maze-easy", seeds=[1, 2]).version != load_suite("MMHelix/Maze-easy").version
    assert a.version == load_suite("MMHelix/Maze-easy,MMHelix/Sokoban-hard").version


def test_env_id_specs():
    suite = load_suite("MMHelix/Maze-easy, Sokoban-hard ,mmhelix_env:MMHelix/Hanoi-very-hard")
    assert len(suite) == 3 * ENV_ID_SEEDS
    assert [(it.task, it.level) for it in suite][:: ENV_ID_SEEDS] == [("Maze", 2), ("Sokoban", 4), ("Hanoi", 5)]
    assert suite[0].env_id == "MMHelix/Maze-easy"
    whole_task = load_suite("Hanoi")
    assert len(whole_task) == 5 * ENV_ID_SEEDS
    assert len(load_suite("MMHelix/Maze-easy", seeds=[3, 4])) == 2
    for bad in ("MMHelix/NoSuchTask-easy", "MMHelix/Maze-extreme", "definitely-not-a-suite", " , "):
        with pytest.raises(ValueError):
            load_suite(bad)


def test_select_builds_a_named_sub_suite():
    bench = load_suite("mmhelix-bench")
    sub = bench.select(tasks=["Maze", "Hanoi"], levels=["hard", 5])
    assert len(sub) == 2 * 2 * 6
    assert {it.task for it in sub} == {"Maze", "Hanoi"} and {it.level for it in sub} == {4, 5}
    assert sub.version != bench.version
    assert len(bench.select(limit=7)) == 7


def test_select_checks_task_names_and_limit():
    mini = load_suite("mini")
    assert {it.task for it in mini.select(tasks=["maze", "SUDOKU"])} == {"Maze", "Sudoku"}
    with pytest.raises(ValueError, match="unknown task.*'Mazee'"):
        mini.select(tasks=["Maze", "Mazee"])
    assert len(mini.select(limit=0)) == 0
    with pytest.raises(ValueError, match="limit"):
        mini.select(limit=-1)


def test_cli_honours_limit_zero_and_rejects_unknown_tasks(capsys):
    import json

    from mmhelix_env.bench.__main__ import main

    assert main(["suite", "mini", "--limit", "0"]) == 0
    assert json.loads(capsys.readouterr().out)["items"] == 0
    with pytest.raises(SystemExit, match="unknown task.*'Mazee'"):
        main(["suite", "mini", "--tasks", "Maze,Mazee"])


def test_records_path_gives_a_records_suite():
    suite = load_suite(FIXTURES)
    assert len(suite) == 209 and len(suite.problems) == 1
    assert all(it.seed is None and it.source.endswith(tuple("0123456789")) for it in suite)
    assert suite.version == load_suite(str(FIXTURES)).version


def test_cache_is_keyed_by_generator_version(monkeypatch):
    inst = suites_module.generated_instance("Maze", 1, BENCH_SEEDS[0])
    monkeypatch.setattr(mmhelix_env.TASKS["Maze"], "version", "other")
    assert suites_module.generated_instance("Maze", 1, BENCH_SEEDS[0]) is not inst
