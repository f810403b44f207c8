"""agents.report: aggregation per benchmark.md §3 against hand-computed numbers, the GraphIsomorphism pair rule,
bootstrap CIs, error bars, the results reader, the written files and the published table."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from PIL import Image

from agents.report import (
    aggregate,
    item_scores,
    load_published,
    read_jsonl,
    read_result_rows,
    render_markdown,
    write_report,
    write_summary,
)

ROOT = Path(__file__).resolve().parents[2]
SPEC = Path("/work/shared/spec")


def row(task, category, correct, level=1, modality="image", sample=0, **extra):
    return {"task": task, "category": category, "level": level, "modality": modality, "sample": sample,
            "correct": correct, "score": 1.0 if correct else 0.0, **extra}


def synthetic():
    """A (alg): 3/4 right; B (alg): 0/2; C (graphs): 1/2; D (games): 1/1.

    Unweighted over tasks: overall (75 + 0 + 50 + 100) / 4 = 56.25; item-weighted would be 5/9 = 55.6 and the mean of
    categories (37.5 + 50 + 100) / 3 = 62.5, so the three definitions are told apart.
    """
    return [
        row("A", "algorithms", True, level=1), row("A", "algorithms", True, level=1),
        row("A", "algorithms", True, level=2), row("A", "algorithms", False, level=2),
        row("B", "algorithms", False, level=1), row("B", "algorithms", False, level=2),
        row("C", "graphs", True, level=1), row("C", "graphs", False, level=2),
        row("D", "games", True, level=2),
    ]


def test_aggregation_matches_hand_computed_numbers():
    fig = aggregate(synthetic(), bootstrap=0)["modalities"]["image"]
    assert fig["tasks"]["A"]["accuracy"] == pytest.approx(75.0)
    assert fig["tasks"]["B"]["accuracy"] == pytest.approx(0.0)
    assert fig["tasks"]["C"]["accuracy"] == pytest.approx(50.0)
    assert fig["tasks"]["D"]["accuracy"] == pytest.approx(100.0)
    assert fig["categories"]["algorithms"]["accuracy"] == pytest.approx(37.5)
    assert fig["categories"]["graphs"]["accuracy"] == pytest.approx(50.0)
    assert fig["categories"]["games"]["accuracy"] == pytest.approx(100.0)
    assert "puzzles" not in fig["categories"]
    assert fig["overall"]["accuracy"] == pytest.approx(56.25)
    assert fig["overall"]["n"] == 9 and fig["overall"]["correct"] == 5 and fig["overall"]["tasks"] == 4
    # level 1: A 2/2, B 0/1, C 1/1 -> (100 + 0 + 100) / 3; level 2: A 1/2, B 0/1, C 0/1, D 1/1 -> 150 / 4
    assert fig["levels"]["very-easy"]["accuracy"] == pytest.approx(200 / 3)
    assert fig["levels"]["easy"]["accuracy"] == pytest.approx(37.5)
    assert fig["task_levels"]["A"] == {"very-easy": {"accuracy": 100.0, "n": 2}, "easy": {"accuracy": 50.0, "n": 2}}
    assert list(fig["tasks"]) == ["A", "B", "C", "D"]  # category order, then name


def test_modalities_are_scored_separately():
    rows = synthetic() + [row("A", "algorithms", False, modality="text"), row("C", "graphs", True, modality="text")]
    mods = aggregate(rows, bootstrap=0)["modalities"]
    assert list(mods) == ["image", "text"]
    assert mods["text"]["overall"]["accuracy"] == pytest.approx(50.0)
    assert mods["image"]["overall"]["accuracy"] == pytest.approx(56.25)


def test_graph_isomorphism_pair_rule():
    def gi(key, correct):
        return row("GraphIsomorphism", "graphs", correct, pair_key=key)

    rows = [gi("k1", True), gi("k1", True),              # both right: 1, 1
            gi("k2", True), gi("k2", False),             # one wrong: 0, 0
            gi("k3", True),                              # no partner: 0
            gi("k4", True), gi("k4", False), gi("k4", True)]  # three of a kind: left as they are
    assert item_scores(rows) == [1, 1, 0, 0, 0, 1, 0, 1]
    assert item_scores(rows, "off") == [1, 1, 1, 0, 1, 1, 0, 1]
    fig = aggregate(rows, bootstrap=0)
    assert fig["pair_rule_applied"]
    assert fig["modalities"]["image"]["tasks"]["GraphIsomorphism"]["accuracy"] == pytest.approx(50.0)
    # single instances (every pair key once) are scored item by item unless the rule is forced
    singles = [gi("a", True), gi("b", False), gi("c", True)]
    assert item_scores(singles) == [1, 0, 1]
    assert not aggregate(singles, bootstrap=0)["pair_rule_applied"]
    assert item_scores(singles, "on") == [0, 0, 0]
    # pairs are formed within one modality and sample only
    split = [gi("k", True), {**gi("k", True), "modality": "text"}]
    assert item_scores(split) == [1, 1]
    with pytest.raises(ValueError):
        item_scores(rows, "sometimes")


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    rows = [row(f"T{t}", "puzzles", (t * 7 + i) % 3 == 0, level=1 + i % 5) for t in range(6) for i in range(30)]
    a = aggregate(rows, bootstrap=300, seed=5)
    b = aggregate(rows, bootstrap=300, seed=5)
    c = aggregate(rows, bootstrap=300, seed=6)
    assert a == b
    assert a["modalities"]["image"]["overall"]["ci"] != c["modalities"]["image"]["overall"]["ci"]
    for scope in ("overall",):
        stat = a["modalities"]["image"][scope]
        lo, hi = stat["ci"]
        assert 0 <= lo < stat["accuracy"] < hi <= 100
    for stat in [*a["modalities"]["image"]["tasks"].values(), *a["modalities"]["image"]["levels"].values()]:
        lo, hi = stat["ci"]
        assert lo <= stat["accuracy"] + 1e-9 and stat["accuracy"] <= hi + 1e-9
    # a task that is always right has no spread
    perfect = aggregate([row("A", "games", True) for _ in range(10)], bootstrap=200)
    assert perfect["modalities"]["image"]["overall"]["ci"] == [100.0, 100.0]


def test_worst_case_standard_errors_match_the_benchmark_table():
    """benchmark.md §3: task (30 items) ≈ 9.1, games (180) ≈ 3.7, puzzles (570) ≈ 2.1, overall (1,260) ≈ 1.4."""
    cats = {"algorithms": 9, "graphs": 8, "puzzles": 19, "games": 6}
    rows = [row(f"{cat}{t}", cat, i % 2 == 0, level=1 + i % 5) for cat, k in cats.items() for t in range(k)
            for i in range(30)]
    fig = aggregate(rows, bootstrap=0)["modalities"]["image"]
    assert round(fig["tasks"]["games0"]["se"], 1) == 9.1
    assert round(fig["categories"]["games"]["se"], 1) == 3.7
    assert round(fig["categories"]["puzzles"]["se"], 1) == 2.1
    assert round(fig["overall"]["se"], 1) == 1.4
    assert fig["overall"]["n"] == 1260 and fig["overall"]["tasks"] == 42


def test_spread_over_samples():
    rows = [row("A", "games", True, sample=0), row("B", "games", True, sample=0),
            row("A", "games", False, sample=1), row("B", "games", True, sample=1)]
    fig = aggregate(rows, bootstrap=0)["modalities"]["image"]
    assert fig["samples"] == {0: {"overall": 100.0, "games": 100.0}, 1: {"overall": 50.0, "games": 50.0}}
    assert fig["spread"]["overall"] == pytest.approx(math.sqrt(2) * 25, abs=1e-3)  # sd of (100, 50)
    assert fig["overall"]["accuracy"] == pytest.approx(75.0)


def test_read_jsonl_skips_a_truncated_last_line(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"a": 1}) + "\n" + json.dumps({"a": 2}) + "\n" + '{"a": 3, "b"')
    assert read_jsonl(path) == [{"a": 1}, {"a": 2}]
    path.write_text(json.dumps({"a": 1}) + "\n" + "garbage\n" + json.dumps({"a": 2}) + "\n")
    with pytest.raises(ValueError, match="line 2"):
        read_jsonl(path)
    assert read_jsonl(tmp_path / "missing.jsonl") == []


def test_write_report_files(tmp_path):
    rows = synthetic() + [{**r, "modality": "text"} for r in synthetic()]
    figures = write_report(rows, tmp_path, {"label": "synthetic", "agent": "expert", "suite": "x"}, bootstrap=100)
    md = (tmp_path / "report.md").read_text()
    assert "# MM-HELIX eval: synthetic" in md
    assert "| **synthetic** |  | 37.5 | 37.5 | 50.0 | 50.0 | – | – | 100.0 | 100.0 | 56.2 | 56.2 |" in md
    assert "| GPT-5 | ✓ | 83.0 | 88.5 | 98.3 | 50.4 | 80.9 | 52.6 | 80.0 | 40.0 | 84.5 | 58.1 |" in md
    assert "Kimi-VL-16B-A3B-Thinking-2506 ‡" in md
    with open(tmp_path / "report.csv") as fh:
        records = list(csv.DictReader(fh))
    overall = [r for r in records if r["scope"] == "overall"]
    assert {r["modality"] for r in overall} == {"image", "text"}
    assert float(overall[0]["accuracy"]) == pytest.approx(56.25)
    assert any(r["scope"] == "task_level" and r["name"] == "A" for r in records)
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["figures"]["modalities"]["text"]["overall"]["accuracy"] == figures["modalities"]["text"]["overall"][
        "accuracy"]
    image = Image.open(tmp_path / "report.png")
    assert image.size == (1200, 560) and image.mode == "RGB"
    assert len(image.getcolors(maxcolors=100_000)) > 10  # something was drawn
    summary = write_summary({"a": figures, "b": figures}, tmp_path / "sum")
    assert summary.count("| **a** |") == 1 and "| **b** |" in summary and "| GPT-5 |" in summary


def test_markdown_flags_per_task_columns_that_disagree_with_table_1():
    rows = [row("Sudoku", "puzzles", True), row("24Points", "algorithms", False)]
    md = render_markdown(aggregate(rows, bootstrap=0), {"label": "x"}, load_published(),
                         compare=("GPT-5", "o4-mini"))
    line = next(ln for ln in md.splitlines() if ln.startswith("| Sudoku |"))
    assert line.endswith("| 26.7 | 3.3 † |")  # o4-mini's puzzle tasks average 45.1 vs 45.8 in Table 1
    line = next(ln for ln in md.splitlines() if ln.startswith("| 24Points |"))
    assert line.endswith("| 96.7 | 86.7 |")


def test_published_data_file():
    data = load_published()
    assert len(data["models"]) == 23 and len(data["tasks"]) == 42
    counts = {c: sum(1 for v in data["tasks"].values() if v == c) for c in data["categories"]}
    assert counts == {"algorithms": 9, "graphs": 8, "puzzles": 19, "games": 6}
    by_name = {m["model"]: m for m in data["models"]}
    gpt5 = by_name["GPT-5"]
    assert gpt5["image"]["overall"] == 58.1 and gpt5["text"]["overall"] == 84.5 and gpt5["thinking"]
    assert gpt5["per_task_image"]["Hanoi"] == 93.3 and gpt5["per_task_consistent"]
    assert not by_name["GPT-4.1"]["thinking"]
    # benchmark.md §9: Overall inconsistent for exactly these five rows
    bad_overall = {m["model"] for m in data["models"] if not all(m["overall_consistent"].values())}
    assert bad_overall == {"Kimi-VL-16B-A3B-Thinking-2506", "Qwen-2.5-VL-72B", "Qwen-2.5-VL-32B", "QVQ-72B-Preview",
                           "Qwen-2.5-VL-7B"}
    # puzzles: per-task means reproduce Table 1 only for these four models
    ok_puzzles = {m["model"] for m in data["models"] if m["per_task_consistent_by_category"]["puzzles"]}
    assert ok_puzzles == {"GPT-5", "Seed-1.5-VL", "Gemini-2.5-Flash", "MM-HELIX-7B-Thinking (AHPO)"}
    assert not by_name["MM-HELIX-7B-Thinking (AHPO)"]["per_task_consistent_by_category"]["graphs"]


def test_build_published_parses_markdown_tables(tmp_path):
    from tools.build_published import markdown_tables, model_key, parse_table1

    lines = ["| Model | Think | Alg Txt | Alg Img | Graph Txt | Graph Img | Puzzle Txt | Puzzle Img | Game Txt | "
             "Game Img | Overall Txt | Overall Img |", "|---|---|---|---|---|---|---|---|---|---|---|---|",
             "| M (X) | ✓ | 42 | 42 | 42 | 42 | 42 | 42 | 42 | 42 | 42.0 | 50 |", "", "text"]
    assert markdown_tables(lines)[0][0][:2] == ["Model", "Think"]
    parsed = parse_table1(lines)[0]
    assert parsed["thinking"] and parsed["text"]["games"] == 42.0
    assert parsed["overall_consistent"] == {"text": True, "image": False}
    assert model_key("MM-HELIX-7B-Thinking (AHPO)") == "MM-HELIX-7B-Thinking"


@pytest.mark.skipif(not (SPEC / "benchmark.md").exists(), reason="the spec folder is not shipped")
def test_shipped_data_file_is_rebuilt_from_the_spec(tmp_path):
    from tools.build_published import main

    out = tmp_path / "published.json"
    assert main(["--spec-dir", str(SPEC), "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == load_published()


def test_read_jsonl_skips_a_last_line_cut_mid_character(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_bytes(json.dumps({"a": 1}).encode() + b"\n" + '{"a": "日本'.encode()[:-1])
    assert read_jsonl(path) == [{"a": 1}]


def test_read_result_rows_skips_unusable_rows_with_their_line_numbers(tmp_path):
    good = {"fingerprint": "f", "modality": "text", "task": "Maze"}
    lines = [json.dumps(good), "[1]", json.dumps({"a": 1}), "{oops", json.dumps({**good, "sample": "x"}),
             json.dumps({**good, "task": ["Maze"]}), json.dumps({**good, "fingerprint": "g"})]
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(lines) + "\n")
    rows, problems = read_result_rows(path)
    assert [r["fingerprint"] for r in rows] == ["f", "g"]
    assert [p.split(": line ")[1].split(" ")[0] for p in problems] == ["2", "3", "4", "5", "6"]
    assert "not a JSON object" in problems[0] and "lacks fingerprint, modality, task" in problems[1]
    assert "not valid JSON" in problems[2] and "non-integer sample" in problems[3] and "lacks task" in problems[4]
