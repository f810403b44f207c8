"""Build agents/data/published.json from the spec's benchmark tables.

Parses ``benchmark.md`` §6 (Table 1: category and overall accuracy per model, text and image mode) and §7 (image
mode per-task accuracy, headed by the paper's abbreviations), maps the abbreviations to env Names with the task
table in the spec's ``README.md``, and records which rows are internally inconsistent (benchmark.md §9):

- ``overall_consistent``: Table 1 Overall equals (9·Alg + 8·Graph + 19·Puzzle + 6·Game) / 42 within rounding (0.1);
- ``per_task_consistent``: the per-task means of each category reproduce Table 1 Img within 0.1 (rounding).

Usage: ``python tools/build_published.py --spec-dir PATH/TO/spec [--out agents/data/published.json]``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "agents" / "data" / "published.json"
CATEGORIES = ("algorithms", "graphs", "puzzles", "games")
TABLE1_PREFIX = {"Alg": "algorithms", "Graph": "graphs", "Puzzle": "puzzles", "Game": "games", "Overall": "overall"}
SECTION_CATEGORY = {"Algorithms": "algorithms", "Graphs": "graphs", "Puzzles": "puzzles", "Games": "games"}
OVERALL_TOLERANCE = 0.1  # both sides are rounded to 0.1
PER_TASK_TOLERANCE = 0.1


def markdown_tables(lines: list[str]) -> list[list[list[str]]]:
    """Every pipe table in ``lines`` as rows of stripped cells (the separator row dropped)."""
    tables, current = [], []
    for line in lines + [""]:
        if line.lstrip().startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    return tables


def section(text: str, heading_prefix: str) -> list[str]:
    """Lines of the ``##`` section whose heading starts with ``heading_prefix`` (up to the next ``##``)."""
    out, inside = [], False
    for line in text.splitlines():
        if line.startswith("## "):
            inside = line[3:].startswith(heading_prefix)
            continue
        if inside:
            out.append(line)
    if not out:
        raise ValueError(f"section {heading_prefix!r} not found")
    return out


def subsections(lines: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    name = None
    for line in lines:
        if line.startswith("### "):
            name = line[4:].strip()
            out[name] = []
        elif name is not None:
            out[name].append(line)
    return out


def model_key(name: str) -> str:
    """Table 1 and the appendix spell a few models differently ("... (AHPO)"); compare on the bare name."""
    return re.sub(r"\s*\(.*?\)\s*$", "", name).strip()


def parse_abbreviations(readme: str) -> dict[str, dict[str, str]]:
    """abbr → {"name", "category"} from the spec README's task table."""
    for table in markdown_tables(readme.splitlines()):
        header = table[0]
        if "Name" in header and "abbr" in header and "cat" in header:
            i_name, i_abbr, i_cat = header.index("Name"), header.index("abbr"), header.index("cat")
            return {row[i_abbr]: {"name": row[i_name], "category": row[i_cat]} for row in table[1:]}
    raise ValueError("task table with Name/cat/abbr columns not found in README.md")


def parse_table1(lines: list[str]) -> list[dict]:
    table = next(t for t in markdown_tables(lines) if t[0][:2] == ["Model", "Think"])
    header = table[0]
    rows = []
    for cells in table[1:]:
        row = {"model": cells[0], "thinking": cells[1] == "✓", "text": {}, "image": {}}
        for col, value in zip(header[2:], cells[2:]):
            prefix, mode = col.rsplit(" ", 1)
            row["text" if mode == "Txt" else "image"][TABLE1_PREFIX[prefix]] = float(value)
        for modality in ("text", "image"):
            scores = row[modality]
            computed = (9 * scores["algorithms"] + 8 * scores["graphs"] + 19 * scores["puzzles"]
                        + 6 * scores["games"]) / 42
            row.setdefault("overall_from_categories", {})[modality] = round(computed, 2)
            row.setdefault("overall_consistent", {})[modality] = abs(computed - scores["overall"]) <= OVERALL_TOLERANCE
        rows.append(row)
    return rows


def parse_per_task(lines: list[str], abbreviations: dict[str, dict[str, str]]) -> dict[str, dict[str, float]]:
    per_model: dict[str, dict[str, float]] = {}
    for title, body in subsections(lines).items():
        category = SECTION_CATEGORY[title]
        table = markdown_tables(body)[0]
        names = []
        for abbr in table[0][1:]:
            info = abbreviations[abbr]
            if info["category"] != category:
                raise ValueError(f"{abbr} is {info['category']} in README.md but listed under {title}")
            names.append(info["name"])
        for cells in table[1:]:
            scores = per_model.setdefault(model_key(cells[0]), {})
            scores.update({name: float(v) for name, v in zip(names, cells[1:])})
    return per_model


def build(spec_dir: Path) -> dict:
    benchmark = (spec_dir / "benchmark.md").read_text(encoding="utf-8")
    abbreviations = parse_abbreviations((spec_dir / "README.md").read_text(encoding="utf-8"))
    table1 = parse_table1(section(benchmark, "6."))
    per_task = parse_per_task(section(benchmark, "7."), abbreviations)
    task_category = {v["name"]: v["category"] for v in abbreviations.values()}
    by_key = {model_key(r["model"]): r for r in table1}
    if set(per_task) != set(by_key):
        raise ValueError(f"per-task models differ from Table 1: {sorted(set(per_task) ^ set(by_key))}")
    for key, scores in per_task.items():
        if len(scores) != len(task_category):
            raise ValueError(f"{key}: {len(scores)} per-task scores, expected {len(task_category)}")
        row = by_key[key]
        means = {}
        for cat in CATEGORIES:
            values = [v for name, v in scores.items() if task_category[name] == cat]
            means[cat] = round(sum(values) / len(values), 2)
        row["per_task_image"] = dict(scores)
        row["per_task_category_means"] = means
        row["per_task_consistent_by_category"] = {
            c: abs(means[c] - row["image"][c]) <= PER_TASK_TOLERANCE for c in CATEGORIES}
        row["per_task_consistent"] = all(row["per_task_consistent_by_category"].values())
    return {
        "source": "MM-HELIX, arXiv 2510.08540 v2: Table 1 (category/overall, Txt and Img) and appendix Tables 7, 9, "
                  "11-12, 14 (Img per task); accuracy in percent",
        "categories": list(CATEGORIES),
        "tasks": task_category,
        "abbreviations": {abbr: v["name"] for abbr, v in abbreviations.items()},
        "models": table1,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec-dir", type=Path, default=ROOT / "spec",
                        help="folder holding benchmark.md and README.md (default: ./spec)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    data = build(args.spec_dir)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    bad = [r["model"] for r in data["models"] if not r["per_task_consistent"]]
    print(f"wrote {args.out}: {len(data['models'])} models, {len(data['tasks'])} tasks; "
          f"per-task tables disagree with Table 1 for {len(bad)} models", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
