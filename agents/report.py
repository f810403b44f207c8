"""Eval reports: aggregation exactly as the MM-HELIX benchmark scores, confidence intervals, published comparison.

Aggregation (spec benchmark.md §3), per modality:

- item: binary, 1 iff the verifier proved the answer correct (``correct``);
- task: mean over the task's items (all seeds, levels and samples);
- category: unweighted mean of its task scores; overall: unweighted mean of **all** task scores (not of categories);
- level: unweighted mean over tasks of each task's accuracy at that level (no per-level results were published);
- GraphIsomorphism pair rule: when the GraphIsomorphism items come in pairs (the published rows hold every pair
  twice; items share a ``pair_key``), a pair scores 1 on both rows only if both are right, a row without a partner
  scores 0 and groups of three or more stay as they are. A suite of single instances is scored item by item.

Uncertainty: a seeded percentile bootstrap (default 1,000 resamples) over items, stratified by task, for
every task, level, category and overall figure; ``se`` is the benchmark's worst-case binomial standard error
(p = 0.5) carried through the unweighted means; with several samples per item, ``spread`` is the standard deviation
of the per-sample figures.

Outputs (:func:`write_report`): ``report.md`` (Table 1 layout with the published rows beside ours), ``report.csv``
(long format), ``report.json`` and ``report.png`` (accuracy per category and accuracy vs level, drawn with Pillow).
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

CATEGORIES = ("algorithms", "graphs", "puzzles", "games")
CATEGORY_SHORT = {"algorithms": "Alg", "graphs": "Graph", "puzzles": "Puzzle", "games": "Game"}
MODALITIES = ("image", "text")
MODALITY_SHORT = {"image": "Img", "text": "Txt"}
LEVEL_NAMES = ("very-easy", "easy", "medium", "hard", "very-hard")
PAIRED_TASK = "GraphIsomorphism"
PUBLISHED_PATH = Path(__file__).parent / "data" / "published.json"
DEFAULT_COMPARE = ("GPT-5", "Qwen-2.5-VL-7B", "MM-HELIX-7B-Thinking (AHPO)")
LATENCY_FIELDS = ("latency_s",)


# ---------------------------------------------------------------------------------------------------------------
# Results files


def read_jsonl(path: str | Path) -> list[dict]:
    """Rows of a results file; a truncated (unparsable) last line from a killed run is skipped."""
    return [row for _, row in _numbered_jsonl(Path(path))]


def _numbered_jsonl(path: Path, problems: list[tuple[int, str]] | None = None) -> list[tuple[int, Any]]:
    """(1-based line number, value) for each non-blank line; a bad last line (a cut-off write, possibly mid-way
    through a UTF-8 character) is dropped, a bad line elsewhere is a ValueError, or is skipped and noted in
    ``problems`` as (line number, reason) when that list is given."""
    if not path.exists():
        return []
    rows = []
    lines = path.read_bytes().split(b"\n")
    for i, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            rows.append((i + 1, json.loads(raw)))
        except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError, nesting past the limit
            if i == len(lines) - 1:  # no trailing newline: the write was cut off
                break
            if problems is None:
                raise ValueError(f"{path}: line {i + 1} is not valid JSON") from None
            problems.append((i + 1, "not valid JSON"))
    return rows


RESULT_ROW_KEYS = ("fingerprint", "modality", "task")


def read_result_rows(path: str | Path) -> tuple[list[dict], list[str]]:
    """Result rows usable for resuming and reporting, and one problem line per row skipped: lines that are not
    JSON objects, lack a string fingerprint/modality/task, or carry a non-integer sample/copy. A cut-off last
    line is dropped silently (a killed run leaves one)."""
    path = Path(path)
    rows: list[dict] = []
    problems: list[tuple[int, str]] = []
    for line, row in _numbered_jsonl(path, problems):
        if not isinstance(row, dict):
            problems.append((line, "not a JSON object"))
            continue
        missing = [key for key in RESULT_ROW_KEYS if not isinstance(row.get(key), str)]
        bad = [key for key in ("sample", "copy") if key in row and (isinstance(row[key], bool)
                                                                   or not isinstance(row[key], int))]
        if missing or bad:
            what = (f"lacks {', '.join(missing)}" if missing else "") + ("; " if missing and bad else "") + (
                f"non-integer {', '.join(bad)}" if bad else "")
            problems.append((line, what))
            continue
        rows.append(row)
    return rows, [f"{path}: line {line} skipped: {reason}" for line, reason in sorted(problems)]


def load_published(path: str | Path = PUBLISHED_PATH) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------------------------
# Aggregation


def item_scores(rows: Sequence[Mapping], pair_rule: str = "auto") -> list[float]:
    """Binary score per row, with the GraphIsomorphism pair rule applied where it is in force.

    ``pair_rule``: ``"auto"`` (apply it when any two GraphIsomorphism rows of one modality and sample share a
    ``pair_key``), ``"on"`` or ``"off"``.
    """
    if pair_rule not in ("auto", "on", "off"):
        raise ValueError(f"pair_rule must be auto, on or off, got {pair_rule!r}")
    scores = [1.0 if row.get("correct") else 0.0 for row in rows]
    if pair_rule == "off":
        return scores
    groups: dict[tuple, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, row in enumerate(rows):
        if row.get("task") == PAIRED_TASK:
            key = row.get("pair_key") or row.get("fingerprint") or f"#{i}"
            groups[(row.get("modality"), row.get("sample", 0))][key].append(i)
    for by_key in groups.values():
        sizes = [len(v) for v in by_key.values()]
        if pair_rule == "auto" and max(sizes, default=0) < 2:
            continue
        for members in by_key.values():
            if len(members) == 1:
                scores[members[0]] = 0.0
            elif len(members) == 2:
                both = min(scores[members[0]], scores[members[1]])
                scores[members[0]] = scores[members[1]] = both
    return scores


def _worst_se(counts: Iterable[int]) -> float:
    """Binomial standard error at p = 0.5 of an unweighted mean of task accuracies with these item counts."""
    counts = list(counts)
    if not counts:
        return float("nan")
    return math.sqrt(sum(0.25 / n for n in counts)) / len(counts)


def _percent(x: float) -> float:
    return round(100.0 * x, 4) if x == x else float("nan")


def _stat(value: float, draws: np.ndarray | None, n: int, correct: float, se: float, ci_level: float) -> dict:
    out = {"accuracy": _percent(value), "n": n, "correct": round(correct, 4), "se": _percent(se)}
    if draws is not None and len(draws):
        lo, hi = np.percentile(draws, [50 * (1 - ci_level), 50 * (1 + ci_level)])
        out["ci"] = [_percent(float(lo)), _percent(float(hi))]
    return out


def _aggregate_one(rows: list[dict], scores: list[float], *, bootstrap: int, seed: int, ci_level: float) -> dict:
    """Figures of one modality (rows and their adjusted scores). The bootstrap resamples items within each task."""
    task_category: dict[str, str] = {}
    values: dict[str, list[float]] = defaultdict(list)
    item_levels: dict[str, list[str]] = defaultdict(list)
    partial: dict[str, list[float]] = defaultdict(list)
    for row, s in zip(rows, scores):
        task = row["task"]
        task_category[task] = row.get("category", "")
        values[task].append(s)
        item_levels[task].append(_level_name(row))
        partial[task].append(float(row.get("score", s)))
    tasks = sorted(task_category, key=lambda t: _task_rank(t, task_category[t]))
    present = {lv for t in tasks for lv in item_levels[t]}
    levels = [lv for lv in LEVEL_NAMES if lv in present] + sorted(present - set(LEVEL_NAMES))

    rng = np.random.default_rng(seed)
    point: dict[str, float] = {}
    draws: dict[str, np.ndarray | None] = {}
    level_point: dict[str, dict[str, float]] = defaultdict(dict)
    level_draws: dict[str, dict[str, np.ndarray | None]] = defaultdict(dict)
    level_n: dict[str, dict[str, int]] = defaultdict(dict)
    level_correct: dict[str, dict[str, float]] = defaultdict(dict)
    for task in tasks:
        v = np.asarray(values[task], dtype=float)
        lv = np.asarray(item_levels[task])
        point[task] = float(v.mean())
        picks = rng.integers(0, len(v), size=(bootstrap, len(v))) if bootstrap > 0 else None
        draws[task] = v[picks].mean(axis=1) if picks is not None else None
        for level in levels:
            mask = lv == level
            if not mask.any():
                continue
            level_point[level][task] = float(v[mask].mean())
            level_n[level][task] = int(mask.sum())
            level_correct[level][task] = float(v[mask].sum())
            if picks is not None:
                hit = mask[picks]
                with np.errstate(invalid="ignore", divide="ignore"):
                    level_draws[level][task] = (v[picks] * hit).sum(axis=1) / hit.sum(axis=1)  # nan: level not drawn
            else:
                level_draws[level][task] = None
    n = {t: len(values[t]) for t in tasks}
    correct = {t: float(sum(values[t])) for t in tasks}

    def mean_of(task_list, point, draws, n, corr) -> dict:
        members = [t for t in task_list if t in point]
        if not members:
            return {"accuracy": float("nan"), "n": 0, "correct": 0, "se": float("nan"), "tasks": 0}
        value = float(np.mean([point[t] for t in members]))
        d = None
        if bootstrap > 0:
            stacked = np.vstack([draws[t] for t in members])
            ok = ~np.isnan(stacked).any(axis=0)  # drop the rare resample that drew no item of some task's level
            d = stacked[:, ok].mean(axis=0)
        stat = _stat(value, d, sum(n[t] for t in members), sum(corr[t] for t in members),
                     _worst_se(n[t] for t in members), ci_level)
        stat["tasks"] = len(members)
        return stat

    out: dict = {"tasks": {}, "categories": {}, "levels": {}, "task_levels": {}}
    for task in tasks:
        stat = _stat(point[task], draws[task], n[task], correct[task], _worst_se([n[task]]), ci_level)
        stat["category"] = task_category[task]
        stat["mean_verifier_score"] = _percent(float(np.mean(partial[task])))
        out["tasks"][task] = stat
    for cat in CATEGORIES:
        members = [t for t in tasks if task_category[t] == cat]
        if members:
            out["categories"][cat] = mean_of(members, point, draws, n, correct)
    out["overall"] = mean_of(tasks, point, draws, n, correct)
    for level in levels:
        out["levels"][level] = mean_of(tasks, level_point[level], level_draws[level], level_n[level],
                                       level_correct[level])
        for task, value in level_point[level].items():
            out["task_levels"].setdefault(task, {})[level] = {"accuracy": _percent(value), "n": level_n[level][task]}
    return out


def _level_name(row: Mapping) -> str:
    name = row.get("level_name")
    if name:
        return str(name)
    level = row.get("level")
    if isinstance(level, int) and 1 <= level <= 5:
        return LEVEL_NAMES[level - 1]
    return str(level)


def _category_rank(category: str) -> int:
    return CATEGORIES.index(category) if category in CATEGORIES else len(CATEGORIES)


@lru_cache(maxsize=1)
def _task_order() -> dict[str, int]:
    """The paper's task order (spec README), from the published data file."""
    try:
        return {name: i for i, name in enumerate(load_published()["tasks"])}
    except (OSError, KeyError, ValueError):
        return {}


def _task_rank(task: str, category: str) -> tuple:
    order = _task_order()
    return (_category_rank(category), order.get(task, len(order)), task)


def aggregate(rows: Sequence[Mapping], *, bootstrap: int = 1000, seed: int = 0, ci_level: float = 0.95,
              pair_rule: str = "auto") -> dict:
    """All figures of a results set, per modality: ``{"modalities": {"image": {...}, "text": {...}}, ...}``.

    Each modality holds ``overall``, ``categories``, ``levels``, ``tasks`` (accuracy, n, correct, se, ci) and
    ``task_levels``; with more than one sample per item also ``samples`` (per-sample overall and category
    figures) and ``spread`` (their standard deviation, in points).
    """
    rows = [dict(r) for r in rows]
    scores = item_scores(rows, pair_rule)
    by_modality: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_modality[row.get("modality", "image")].append(i)
    result: dict = {"modalities": {}, "items": len(rows), "bootstrap": bootstrap, "seed": seed,
                    "ci_level": ci_level, "pair_rule": pair_rule,
                    "pair_rule_applied": _pairs_present(rows) if pair_rule == "auto" else pair_rule == "on"}
    ordered = [m for m in MODALITIES if m in by_modality] + sorted(set(by_modality) - set(MODALITIES))
    for modality in ordered:
        idx = by_modality[modality]
        sub_rows = [rows[i] for i in idx]
        sub_scores = [scores[i] for i in idx]
        figures = _aggregate_one(sub_rows, sub_scores, bootstrap=bootstrap, seed=seed, ci_level=ci_level)
        figures["errors"] = sum(1 for r in sub_rows if r.get("error"))
        figures["usage"] = _usage(sub_rows)
        samples = sorted({int(r.get("sample", 0)) for r in sub_rows})
        if len(samples) > 1:
            per_sample = {}
            for s in samples:
                pick = [k for k, r in enumerate(sub_rows) if int(r.get("sample", 0)) == s]
                f = _aggregate_one([sub_rows[k] for k in pick], [sub_scores[k] for k in pick], bootstrap=0,
                                   seed=seed, ci_level=ci_level)
                per_sample[s] = {"overall": f["overall"]["accuracy"],
                                 **{c: f["categories"][c]["accuracy"] for c in f["categories"]}}
            figures["samples"] = per_sample
            keys = ["overall", *[c for c in CATEGORIES if c in figures["categories"]]]
            figures["spread"] = {k: round(float(np.std([v[k] for v in per_sample.values()], ddof=1)), 4)
                                 for k in keys}
        result["modalities"][modality] = figures
    return result


def _pairs_present(rows: Sequence[Mapping]) -> bool:
    seen = set()
    for row in rows:
        if row.get("task") == PAIRED_TASK and row.get("pair_key"):
            key = (row.get("modality"), row.get("sample", 0), row["pair_key"])
            if key in seen:
                return True
            seen.add(key)
    return False


def _usage(rows: Sequence[Mapping]) -> dict:
    def mean(field: str) -> float | None:
        values = [r[field] for r in rows if isinstance(r.get(field), (int, float))]
        return round(float(np.mean(values)), 4) if values else None

    return {"prompt_tokens": mean("prompt_tokens"), "completion_tokens": mean("completion_tokens"),
            "latency_s": mean("latency_s")}


# ---------------------------------------------------------------------------------------------------------------
# Formatting


def fmt(value: float | None) -> str:
    """A percentage with one decimal, as the paper prints them."""
    if value is None or value != value:
        return "–"
    return f"{value:.1f}"


def fmt_ci(stat: Mapping | None) -> str:
    if not stat or "ci" not in stat:
        return "–"
    lo, hi = stat["ci"]
    return f"[{fmt(lo)}, {fmt(hi)}]"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def _leaderboard_row(label: str, thinking: str, figures: Mapping, bold: bool = False) -> list[str]:
    cells = [f"**{label}**" if bold else label, thinking]
    for key in (*CATEGORIES, "overall"):
        for modality in ("text", "image"):
            m = figures.get("modalities", {}).get(modality)
            stat = (m.get("overall") if key == "overall" else m.get("categories", {}).get(key)) if m else None
            cells.append(fmt(stat["accuracy"]) if stat else "–")
    return cells


LEADERBOARD_HEADER = ["Model", "Think", *[f"{CATEGORY_SHORT.get(c, 'Overall')} {MODALITY_SHORT[m]}"
                                         for c in (*CATEGORIES, "overall") for m in ("text", "image")]]


def leaderboard_lines(ours: Mapping[str, Mapping], published: Mapping | None) -> list[str]:
    """Table 1 layout: our rows (label → aggregate) first, then the published rows."""
    rows = [_leaderboard_row(label, "", figures, bold=True) for label, figures in ours.items()]
    if published:
        for model in published["models"]:
            flag = "" if all(model["overall_consistent"].values()) else " ‡"
            cells = [model["model"] + flag, "✓" if model["thinking"] else "×"]
            for key in (*CATEGORIES, "overall"):
                cells += [fmt(model["text"][key]), fmt(model["image"][key])]
            rows.append(cells)
    lines = _table(LEADERBOARD_HEADER, rows)
    if published:
        lines += ["", "Published rows: MM-HELIX paper Table 1 (arXiv 2510.08540 v2). ‡ = the printed Overall does not "
                      "follow from the row's own category columns ((9·Alg + 8·Graph + 19·Puzzle + 6·Game)/42)."]
    return lines


def render_markdown(figures: Mapping, meta: Mapping | None = None, published: Mapping | None = None,
                    compare: Sequence[str] = DEFAULT_COMPARE, label: str | None = None) -> str:
    meta = dict(meta or {})
    label = label or meta.get("label") or meta.get("agent") or "this run"
    mods = figures["modalities"]
    out = [f"# MM-HELIX eval: {label}", ""]
    for key in ("agent", "model", "suite", "suite_version", "modalities", "samples", "max_new_tokens",
                "temperature", "thinking", "verifier", "items", "wall_s"):
        if key in meta and meta[key] is not None:
            out.append(f"- {key.replace('_', ' ')}: `{meta[key]}`")
    out.append(f"- scored items: {figures['items']}"
               + (f"; backend errors: {sum(m['errors'] for m in mods.values())}" if mods else ""))
    ci = int(round(100 * figures["ci_level"]))
    out += [
        "- scoring (benchmark.md §3): binary per item; task = mean over its items; category = unweighted mean of "
        "its task scores; overall = unweighted mean of all task scores; level = unweighted mean over tasks of each "
        "task's accuracy at that level. GraphIsomorphism pair rule: "
        + ("applied" if figures["pair_rule_applied"] else "not applied (items are single instances)") + ".",
        f"- uncertainty: {ci}% percentile bootstrap CI, {figures['bootstrap']} resamples over items stratified by "
        f"task (seed {figures['seed']}); ± = one binomial standard error at p = 0.5, in points.",
        "",
        "## Leaderboard (Table 1 layout, accuracy %)",
        "",
        *leaderboard_lines({label: figures}, published),
        "",
        "## Categories and overall",
        "",
    ]
    header = ["scope", "tasks"]
    for m in mods:
        header += [f"{MODALITY_SHORT.get(m, m)}", f"{MODALITY_SHORT.get(m, m)} {ci}% CI", "±"]
    rows = []
    for key in (*CATEGORIES, "overall"):
        stats = {m: (mods[m]["overall"] if key == "overall" else mods[m]["categories"].get(key)) for m in mods}
        if not any(stats.values()):
            continue
        tasks = max((s.get("tasks", 0) for s in stats.values() if s), default=0)
        row = [key, str(tasks)]
        for m in mods:
            s = stats[m]
            row += [fmt(s["accuracy"]) if s else "–", fmt_ci(s), fmt(s["se"]) if s else "–"]
        rows.append(row)
    out += _table(header, rows)
    spreads = {m: mods[m]["spread"] for m in mods if "spread" in mods[m]}
    if spreads:
        out += ["", "Spread over samples (standard deviation of the per-sample figures, points): "
                + "; ".join(f"{MODALITY_SHORT.get(m, m)} " + ", ".join(f"{k} {fmt(v)}" for k, v in s.items())
                            for m, s in spreads.items())]
    out += ["", "## Levels", "", "No per-level results were published; these are ours only.", ""]
    levels = [lv for lv in LEVEL_NAMES if any(lv in mods[m]["levels"] for m in mods)]
    header = ["level"] + [h for m in mods for h in (MODALITY_SHORT.get(m, m), f"{MODALITY_SHORT.get(m, m)} {ci}% CI")]
    rows = []
    for lv in levels:
        row = [lv]
        for m in mods:
            s = mods[m]["levels"].get(lv)
            row += [fmt(s["accuracy"]) if s else "–", fmt_ci(s)]
        rows.append(row)
    out += _table(header, rows)

    out += ["", "## Tasks", ""]
    per_task_models = []
    if published:
        by_name = {p["model"]: p for p in published["models"]}
        per_task_models = [by_name[c] for c in compare if c in by_name]
        if per_task_models:
            out += ["Published columns: image-mode per-task accuracy from the paper's appendix tables (the only "
                    "per-task numbers published). † = that model's per-task means for this category disagree with "
                    "its Table 1 figure (benchmark.md §9), so compare with care.", ""]
    tasks = _ordered_tasks(mods)
    header = ["task", "category"]
    for m in mods:
        short = MODALITY_SHORT.get(m, m)
        header += [f"n {short}", short, f"{short} {ci}% CI"]
    header += [f"{p['model']} Img" for p in per_task_models]
    rows = []
    for task, category in tasks:
        row = [task, category]
        for m in mods:
            s = mods[m]["tasks"].get(task)
            row += [str(s["n"]) if s else "0", fmt(s["accuracy"]) if s else "–", fmt_ci(s)]
        for p in per_task_models:
            value = p.get("per_task_image", {}).get(task)
            dagger = "" if p.get("per_task_consistent_by_category", {}).get(category, True) else " †"
            row.append(fmt(value) + dagger if value is not None else "–")
        rows.append(row)
    out += _table(header, rows)

    for m in mods:
        out += ["", f"## Task × level accuracy ({MODALITY_SHORT.get(m, m)})", ""]
        tl = mods[m]["task_levels"]
        rows = [[task] + [fmt(tl.get(task, {}).get(lv, {}).get("accuracy")) for lv in levels]
                for task, _ in tasks if task in tl]
        out += _table(["task", *levels], rows)

    out += ["", "## Usage", ""]
    rows = []
    for m in mods:
        u = mods[m]["usage"]
        rows.append([MODALITY_SHORT.get(m, m), _num(u["prompt_tokens"]), _num(u["completion_tokens"]),
                     _num(u["latency_s"], 3), str(mods[m]["errors"])])
    out += _table(["mode", "mean prompt tokens", "mean completion tokens", "mean latency s", "errors"], rows)
    return "\n".join(out) + "\n"


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _ordered_tasks(mods: Mapping) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for m in mods.values():
        for task, stat in m["tasks"].items():
            seen.setdefault(task, stat["category"])
    return sorted(seen.items(), key=lambda kv: _task_rank(*kv))


def csv_rows(figures: Mapping) -> list[dict]:
    """Long format: one row per (modality, scope, name, level)."""
    out = []

    def add(modality, scope, name, category, level, stat):
        ci = stat.get("ci", [None, None])
        out.append({"modality": modality, "scope": scope, "name": name, "category": category, "level": level,
                    "n": stat.get("n"), "correct": stat.get("correct"), "accuracy": stat.get("accuracy"),
                    "ci_low": ci[0], "ci_high": ci[1], "se": stat.get("se")})

    for modality, m in figures["modalities"].items():
        add(modality, "overall", "overall", "", "", m["overall"])
        for cat, stat in m["categories"].items():
            add(modality, "category", cat, cat, "", stat)
        for level, stat in m["levels"].items():
            add(modality, "level", level, "", level, stat)
        for task, stat in m["tasks"].items():
            add(modality, "task", task, stat["category"], "", stat)
        for task, by_level in m["task_levels"].items():
            for level, stat in by_level.items():
                add(modality, "task_level", task, m["tasks"][task]["category"], level, stat)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Plot (Pillow only)


def render_plot(figures: Mapping, title: str = "MM-HELIX eval", size: tuple[int, int] = (1200, 560)):
    """Two panels: accuracy per category (+ overall) with CI whiskers, and accuracy vs level; one colour per
    modality. Returns a PIL image."""
    from mmhelix_env.render.canvas import GRID_LINE, INK, MUTED, PALETTE, WHITE, draw_text, font, new_canvas

    img, draw = new_canvas(size, WHITE)
    w, h = img.size
    draw_text(draw, (w / 2, 22), title, font(20, bold=True))
    mods = list(figures["modalities"])
    colours = {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(mods)}
    small, label_font = font(13), font(14)

    # legend
    x = w / 2 - 90 * len(mods) / 2
    for m in mods:
        draw.rectangle((x, 44, x + 14, 58), fill=colours[m])
        draw.text((x + 20, 51), MODALITY_SHORT.get(m, m), font=label_font, fill=INK, anchor="lm")
        x += 90

    def axes(box, title_text, x_labels):
        x0, y0, x1, y1 = box
        draw_text(draw, ((x0 + x1) / 2, y0 - 14), title_text, font(15, bold=True))
        for pct in range(0, 101, 20):
            y = y1 - (y1 - y0) * pct / 100
            draw.line((x0, y, x1, y), fill=(225, 225, 232) if pct else GRID_LINE, width=1)
            draw.text((x0 - 6, y), str(pct), font=small, fill=MUTED, anchor="rm")
        draw.line((x0, y0, x0, y1), fill=GRID_LINE, width=1)
        slot = (x1 - x0) / max(1, len(x_labels))
        for i, text in enumerate(x_labels):
            draw.text((x0 + (i + 0.5) * slot, y1 + 8), text, font=small, fill=INK, anchor="mt")
        return slot

    def y_of(box, pct):
        return box[3] - (box[3] - box[1]) * max(0.0, min(100.0, pct)) / 100

    # left: categories + overall
    left = (60, 100, w / 2 - 30, h - 50)
    groups = [c for c in CATEGORIES if any(c in figures["modalities"][m]["categories"] for m in mods)] + ["overall"]
    slot = axes(left, "accuracy per category (%)", groups)
    bar_w = slot * 0.8 / max(1, len(mods))
    for gi, group in enumerate(groups):
        for mi, m in enumerate(mods):
            mf = figures["modalities"][m]
            stat = mf["overall"] if group == "overall" else mf["categories"].get(group)
            if not stat or stat["accuracy"] != stat["accuracy"]:
                continue
            bx0 = left[0] + gi * slot + slot * 0.1 + mi * bar_w
            top = y_of(left, stat["accuracy"])
            draw.rectangle((bx0, top, bx0 + bar_w - 2, left[3]), fill=colours[m])
            cx = bx0 + (bar_w - 2) / 2
            if "ci" in stat:
                lo, hi = y_of(left, stat["ci"][0]), y_of(left, stat["ci"][1])
                draw.line((cx, lo, cx, hi), fill=INK, width=1)
                draw.line((cx - 4, lo, cx + 4, lo), fill=INK, width=1)
                draw.line((cx - 4, hi, cx + 4, hi), fill=INK, width=1)
            draw.text((cx, min(top, y_of(left, stat.get("ci", [0, stat["accuracy"]])[1])) - 3),
                      fmt(stat["accuracy"]), font=small, fill=INK, anchor="mb")

    # right: accuracy vs level
    right = (w / 2 + 50, 100, w - 30, h - 50)
    levels = [lv for lv in LEVEL_NAMES if any(lv in figures["modalities"][m]["levels"] for m in mods)]
    slot = axes(right, "accuracy vs level (%)", levels)
    for m in mods:
        pts = []
        for i, lv in enumerate(levels):
            stat = figures["modalities"][m]["levels"].get(lv)
            if stat and stat["accuracy"] == stat["accuracy"]:
                pts.append((right[0] + (i + 0.5) * slot, y_of(right, stat["accuracy"])))
        if len(pts) > 1:
            draw.line(pts, fill=colours[m], width=3)
        for px, py in pts:
            draw.ellipse((px - 5, py - 5, px + 5, py + 5), fill=colours[m], outline=INK)
    return img


# ---------------------------------------------------------------------------------------------------------------
# Writing


def write_report(rows: Sequence[Mapping], out_dir: str | Path, meta: Mapping | None = None, *, bootstrap: int = 1000,
                 seed: int = 0, pair_rule: str = "auto", compare: Sequence[str] = DEFAULT_COMPARE,
                 published: Mapping | None = None) -> dict:
    """Aggregate ``rows`` and write report.md, report.csv, report.json and report.png into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    published = load_published() if published is None else published
    figures = aggregate(rows, bootstrap=bootstrap, seed=seed, pair_rule=pair_rule)
    meta = dict(meta or {})
    label = meta.get("label") or meta.get("agent") or "this run"
    (out_dir / "report.md").write_text(render_markdown(figures, meta, published, compare, label), encoding="utf-8")
    with open(out_dir / "report.csv", "w", newline="", encoding="utf-8") as fh:
        records = csv_rows(figures)
        writer = csv.DictWriter(fh, fieldnames=list(records[0]) if records else ["modality"])
        writer.writeheader()
        writer.writerows(records)
    (out_dir / "report.json").write_text(json.dumps({"meta": meta, "figures": figures}, indent=1, default=str) + "\n",
                                         encoding="utf-8")
    render_plot(figures, title=f"MM-HELIX eval: {label}").save(out_dir / "report.png")
    return figures


def write_summary(results: Mapping[str, Mapping], out_dir: str | Path, published: Mapping | None = None,
                  meta: Mapping | None = None) -> str:
    """A combined report.md for several agents (label → aggregate) in Table 1 layout with the published rows."""
    published = load_published() if published is None else published
    lines = ["# MM-HELIX eval summary", ""]
    for key, value in (meta or {}).items():
        lines.append(f"- {key.replace('_', ' ')}: `{value}`")
    lines += ["", "Per-agent reports (CIs, levels, tasks) are in the agent subfolders.", "",
              *leaderboard_lines(results, published), ""]
    text = "\n".join(lines)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    (Path(out_dir) / "report.md").write_text(text, encoding="utf-8")
    return text
