"""load_records and verify-records on the reference fixtures, published-row files, and broken input."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest

import mmhelix_env
from mmhelix_env.bench import load_records, resolve_task, verify_records
from mmhelix_env.bench.__main__ import main as bench_main
from mmhelix_env.core.task import RecordError, record_level

FIXTURES = Path("/work/shared/fixtures/reference_sample")
BY_KEY = {task.generator_key: name for name, task in mmhelix_env.TASKS.items()}

# Records the spec documents as broken: (task, level) → a phrase of the reason (spec/tasks/Eulero.md: "mark level-4
# (6×6) records invalid (they have blank cells and duplicate pairs in answer and no completion)").
EXPECTED_DISAGREEMENTS = {("Eulero", 4): "no 6x6 Graeco-Latin square"}
# Tasks whose record ``difficulty`` is not the requested level (the folder's d<level>): spec/tasks/Hanoi.md "label
# taken from the optimal length (table above), not the requested level"; SlidingPuzzle likewise ("label derived from
# the answer length").
LEVEL_FROM_ANSWER_LENGTH = {"Hanoi", "SlidingPuzzle"}


def _fixture_records(with_source: bool = False):
    for ann in sorted(FIXTURES.glob("d*/*/annotations.json")):
        for pos, rec in enumerate(json.loads(ann.read_text())):
            found = (int(ann.parent.parent.name[1:]), ann.parent.name, rec)
            yield (*found, f"{ann}#{pos}") if with_source else found


def test_fixture_tree_covers_42_tasks_and_5_levels():
    keys = {(lv, key) for lv, key, _ in _fixture_records()}
    assert len(keys) == 210 and {BY_KEY[key] for _, key in keys} == set(mmhelix_env.TASKS)


def test_every_fixture_record_imports_as_its_task_and_level():
    result = load_records(FIXTURES)
    assert len(result.items) + len(result.problems) == 210
    by_source = {item.source: item for item in result.items}  # ids repeat across folders (sokoban_0)
    failed = {(p.source, p.record_id): p for p in result.problems}
    for folder_level, key, rec, source in _fixture_records(with_source=True):
        task = BY_KEY[key]
        rid = str(rec.get("index"))
        level = record_level(rec)
        if (source.split("#")[0], rid) in failed:
            problem = failed[source.split("#")[0], rid]
            assert (problem.task, problem.level) in EXPECTED_DISAGREEMENTS, str(problem)
            assert problem.task == task and problem.level == folder_level
            continue
        item = by_source[source]
        assert item.meta["record_id"] == rid
        assert item.task == task, (rid, item.task)
        assert item.level == level, (rid, item.level, level)
        assert item.instance.source == "reference" and item.seed is None
        assert item.meta["folder_level"] == folder_level
        if task not in LEVEL_FROM_ANSWER_LENGTH:
            assert item.level == folder_level, (rid, item.level)
        assert item.meta["images"], f"{rid}: no image found"
        assert all(Path(p).is_file() for p in item.meta["images"])
        assert "initial_state" not in item.meta  # some reference states leak the solution


def test_load_result_unpacks_to_instances_and_problems():
    instances, problems = load_records(FIXTURES / "d4")
    assert len(instances) == 41 and [p.task for p in problems] == ["Eulero"]
    assert all(isinstance(inst, mmhelix_env.Instance) for inst in instances)
    (iso,) = [it for it in load_records(FIXTURES / "d4").items if it.task == "GraphIsomorphism"]
    assert iso.meta["pair_key"] == mmhelix_env.TASKS["GraphIsomorphism"].pair_key(iso.instance)
    assert len(iso.meta["images"]) == 2  # the reference draws G1 and G2 as two files


def test_repeated_record_ids_are_made_unique():
    items = load_records(FIXTURES).items
    assert len({it.id for it in items}) == len(items) == 209
    sokoban = [it.id for it in items if it.task == "Sokoban"]
    assert sokoban == ["sokoban_0", "sokoban_0~1", "sokoban_0~2", "sokoban_0~3", "sokoban_0~4"]


def test_hanoi_fixture_levels_follow_the_record_label():
    (item,) = load_records(FIXTURES / "d1" / "hanoi").items
    assert item.meta["folder_level"] == 1 and item.level == 2  # labelled by its optimal length


def test_verify_records_agrees_except_documented_broken_records():
    report = verify_records(FIXTURES)
    assert len(report.outcomes) == 210
    bad = {(o.task, o.level): o.reason for o in report.disagreements}
    assert set(bad) == set(EXPECTED_DISAGREEMENTS), bad
    for key, phrase in EXPECTED_DISAGREEMENTS.items():
        assert phrase in bad[key]
    table = report.per_task()
    assert len(table) == 42 and all(row["records"] == 5 for row in table.values())
    assert table["Eulero"] == {"records": 5, "agree": 4, "disagree": 1}


def test_verify_records_cli(tmp_path, capsys):
    out = tmp_path / "report.json"
    assert bench_main(["verify-records", str(FIXTURES), "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Eulero level 4" in text and "no 6x6 Graeco-Latin square" in text
    assert json.loads(out.read_text())["agree"] == 209
    assert bench_main(["verify-records", str(FIXTURES), "--strict"]) == 1


def test_verify_records_flags_a_wrong_stored_answer(tmp_path):
    rec = json.loads((FIXTURES / "d2" / "maze" / "annotations.json").read_text())[0]
    rec["answer"] = "up up up"
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps(rec) + "\n")
    (report_row,) = verify_records(path).outcomes
    assert not report_row.agrees and report_row.task == "Maze" and "stored answer rejected" in report_row.reason


def _published_row(rec: dict, folder: Path) -> dict:
    """A reference record rewritten in the published layout (renamed fields, embedded base64 image, int
    difficulty, string answer/state, metric_info string)."""
    task = mmhelix_env.TASKS[BY_KEY[folder.name]]
    images = rec.get("image")
    images = images if isinstance(images, list) else [images]
    embedded = [base64.b64encode((folder / "images" / Path(p).name).read_bytes()).decode() for p in images]
    row = {"id": rec["index"], "category": rec["category"], "images": embedded, "question": rec["question"],
           "question_text": rec["question_language"], "answer": rec["answer"],
           "difficulty": int(record_level(rec)), "metric_info": repr({"score_function": task.score_function})}
    for key in ("answer", "question_text"):
        if not isinstance(row[key], str):
            row[key] = json.dumps(row[key]) if key == "answer" else row[key][0]
    state = rec.get("initial_state")
    row["initial_state"] = state if isinstance(state, str) or state is None else json.dumps(state)
    return row


@pytest.fixture(scope="module")
def published_rows():
    rows, expected = [], {}
    reference = {it.id: it.fingerprint for it in load_records(FIXTURES / "d3").items}
    for ann in sorted(FIXTURES.glob("d3/*/annotations.json")):
        for rec in json.loads(ann.read_text()):
            if rec["category"] == "snake":  # published Snake rows carry the path as a coordinate string
                rec = {k: v for k, v in rec.items() if k not in ("row_counts", "col_counts", "grid_size", "start",
                                                                 "end", "answer_str")}
                rec["answer"] = " ".join(f"({r},{c})" for r, c in rec["answer"])
            rows.append(_published_row(rec, ann.parent))
            expected[rec["index"]] = reference[rec["index"]]
    return rows, expected


def _check_published(path: Path, expected: dict) -> None:
    result = load_records(path)
    assert not result.problems, [str(p) for p in result.problems]
    assert {it.id: it.fingerprint for it in result.items} == expected
    assert all(isinstance(it.meta["images"][0], bytes) and it.meta["images"][0][:4] == b"\x89PNG"
               for it in result.items)


def test_published_rows_as_jsonl(tmp_path, published_rows):
    rows, expected = published_rows
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    _check_published(path, expected)


def test_published_rows_as_tsv_with_escaped_newlines(tmp_path, published_rows):
    import csv

    rows, expected = published_rows
    path = tmp_path / "MMHelix.tsv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter="\t")
        writer.writeheader()
        for r in rows:  # the scorer's TSV holds one image as a bare base64 string
            writer.writerow({**r, "images": r["images"][0] if len(r["images"]) == 1 else repr(r["images"])})
    _check_published(path, expected)


def test_published_rows_as_parquet(tmp_path, published_rows):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    rows, expected = published_rows
    table = pa.Table.from_pylist([{**r, "images": [{"bytes": base64.b64decode(b), "path": f"{r['id']}.png"}
                                                   for b in r["images"]]} for r in rows])
    pq.write_table(table, tmp_path / "test.parquet")
    _check_published(tmp_path / "test.parquet", expected)


def test_task_resolution_without_category():
    assert resolve_task({"id": "maze_3_1795504650"}) == "Maze"
    assert resolve_task({"index": "isomorphism_with_image_1_0"}) == "GraphIsomorphism"
    assert resolve_task({"id": "shortest_distance_weighted_with_image_2_0"}) == "ShortestDistance"
    assert resolve_task({"id": 7, "metric_info": "{'score_function': 'sokoban_evaluator'}"}) == "Sokoban"
    assert resolve_task({"id": 7, "images": ["images/nibbles_6_1_0.png"]}) == "Nibbles"
    assert resolve_task({"category": "Kukurasu"}) == "Kukurasu"
    assert resolve_task({}, folder_key="24_points") == "24Points"
    with pytest.raises(RecordError, match="unknown task category"):
        resolve_task({"category": "connectivity_test"})
    with pytest.raises(RecordError, match="cannot tell the task"):
        resolve_task({"id": 3})


# ------------------------------------------------------------------------------------------------ bad input
def test_missing_path_is_reported():
    result = load_records("/nonexistent/records.jsonl")
    assert result.items == [] and "no such file" in result.problems[0].reason


def test_truncated_json_is_reported_and_other_files_still_load(tmp_path):
    good = tmp_path / "d1" / "maze"
    shutil.copytree(FIXTURES / "d1" / "maze", good)
    broken = tmp_path / "d2" / "sokoban"
    broken.mkdir(parents=True)
    text = (FIXTURES / "d2" / "sokoban" / "annotations.json").read_text()
    (broken / "annotations.json").write_text(text[: len(text) // 2])
    result = load_records(tmp_path)
    assert [it.task for it in result.items] == ["Maze"]
    (problem,) = result.problems
    assert "cannot read the file" in problem.reason and problem.source.endswith("annotations.json")


def test_bad_records_are_reported_one_by_one(tmp_path):
    maze = json.loads((FIXTURES / "d1" / "maze" / "annotations.json").read_text())[0]
    lines = [
        json.dumps(maze),
        '{"id": "broken", "category": "maze", "answer": "up"',  # truncated line
        json.dumps({**maze, "index": "who", "category": "connectivity_test"}),  # unknown task
        json.dumps({**maze, "index": "nostate", "initial_state": None}),
        json.dumps({**maze, "index": "nolevel", "difficulty": "seven"}),
        json.dumps({**maze, "index": "notext", "question_language": ""}),
        json.dumps({**maze, "index": "garbage", "initial_state": "+-+\n|S|\n+-+"}),
        json.dumps(["not", "a", "dict"]),
        json.dumps({**maze, "index": "second-good"}),
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = load_records(path)
    assert [it.id for it in result.items] == ["maze_3_1795504650", "second-good"]
    reasons = {p.record_id: p.reason for p in result.problems}
    assert len(reasons) == 7
    assert "not JSON" in reasons["rows.jsonl#1"]
    assert "unknown task category 'connectivity_test'" in reasons["who"]
    assert "initial_state" in reasons["nostate"]
    assert "difficulty" in reasons["nolevel"]
    assert "Hello" in reasons["notext"]
    assert reasons["garbage"]
    assert "must be an object" in reasons["rows.jsonl#7"]


def test_undecodable_lines_cost_only_themselves(tmp_path):
    """Bad UTF-8, deep nesting and a last line cut mid-character are per-line problems; a BOM is tolerated."""
    maze = json.loads((FIXTURES / "d1" / "maze" / "annotations.json").read_text())[0]
    good = [json.dumps({**maze, "index": f"good{i}"}, ensure_ascii=False).encode() for i in range(3)]
    lines = [b"\xef\xbb\xbf" + good[0], b'{"id": "\xff\xfe"}', good[1], b"[" * 100_000, good[2],
             '{"id": "日本'.encode()[:-1]]
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b"\n".join(lines))
    result = load_records(path)
    assert [it.id for it in result.items] == ["good0", "good1", "good2"]
    reasons = {p.record_id: p.reason for p in result.problems}
    assert "not UTF-8" in reasons["rows.jsonl#1"] and "nested too deeply" in reasons["rows.jsonl#3"]
    assert "not UTF-8" in reasons["rows.jsonl#5"] and len(reasons) == 3


def test_unsupported_or_empty_inputs(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    assert "unsupported file type" in load_records(tmp_path / "notes.txt").problems[0].reason
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no annotations.json" in load_records(empty).problems[0].reason
    (tmp_path / "scalar.json").write_text("42")
    assert "expected a JSON list" in load_records(tmp_path / "scalar.json").problems[0].reason
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    assert "cannot read the file" in load_records(tmp_path / "bad.parquet").problems[0].reason


def test_record_images_are_found_by_base_name():
    (item,) = load_records(FIXTURES / "d1" / "maze").items  # the record's path is ../../../sandbox/images/...
    assert Path(item.meta["images"][0]).parent == FIXTURES / "d1" / "maze" / "images"
    from mmhelix_env.bench import item_images

    (img,) = item_images(item)
    assert img.size[0] > 100


def test_every_task_exports_the_category_id_of_the_reference_records():
    """Exported rows carry ``category`` = the benchmark's own id, case included, as the reference records do."""
    import mmhelix_env

    seen = {}
    for path in sorted(FIXTURES.glob("d1/*/annotations.json")):
        record = json.loads(path.read_text())
        record = record[0] if isinstance(record, list) else record
        seen[path.parent.name] = record["category"]
    for task in mmhelix_env.TASKS.values():
        if task.generator_key in seen:
            assert task.benchmark_id == seen[task.generator_key], task.name
