"""Export a suite: the published record layout (``mmhelix``), ``jsonl``, ``parquet``, a Hugging Face dataset
(``hf``) and a verl-ready parquet (``verl``).

Every row holds the nine published fields (``question`` = image-mode prompt, ``question_text`` = text-mode prompt,
``answer`` = our exact solver's answer, ``initial_state`` in the reference format where the task has one, else the
state JSON) plus the typed instance (``task, level, seed, version, fingerprint, state_json, source``), from which
:func:`load_records` rebuilds the instance exactly. (``state_json``, not ``state``: an env's
``reset(options={"instance": row})`` treats a dict with ``task`` and ``state`` as ``Instance.to_dict()`` output; an
exported row passed there goes through the task's importer instead.) Image storage per format:

- ``mmhelix``: ``rows.json`` (a JSON list) + ``images/<id>.png``; ``images`` holds the relative paths;
- ``jsonl``: one self-contained ``rows.jsonl``; ``images`` holds base64 PNG strings;
- ``parquet``: ``rows.parquet``; ``images`` = list of ``{"bytes": png, "path": name}`` (the HF Image layout);
- ``hf``: ``datasets.Dataset.save_to_disk(DIR)`` with ``images`` a list of ``datasets.Image``;
- ``verl``: ``verl.parquet`` with ``data_source, prompt, images, ability, reward_model, extra_info``.

Each folder also gets ``manifest.json`` (suite name, version, item id → fingerprint).
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core import LEVELS, Instance
from ..core.instance import canonical_json
from ..envs.spaces import BOXED_INSTRUCTION, sanitize
from .reference_format import reference_initial_state
from .suites import Suite, SuiteItem, _tasks

FORMATS = ("mmhelix", "jsonl", "parquet", "hf", "verl")
PUBLISHED_FIELDS = ("id", "category", "images", "question", "question_text", "answer", "difficulty", "metric_info",
                    "initial_state")
TYPED_FIELDS = ("task", "level", "seed", "version", "fingerprint", "state_json", "source")
VERL_MODALITIES = ("image", "text", "both")


def png_bytes(image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def _answer(task, item: SuiteItem) -> str:
    try:
        return task.expert_answer(item.instance)
    except Exception:  # noqa: BLE001 - an imported instance the solver cannot finish keeps its stored answer
        return str(item.meta.get("answer", ""))


def instance_row(item: SuiteItem, image_size: int = 512) -> dict[str, Any]:
    """The published-layout row of one item (``images`` = [PNG bytes]) plus its typed instance fields."""
    task = _tasks()[item.task]
    inst = item.instance
    return {
        "id": item.id,
        "category": task.benchmark_id,
        "images": [png_bytes(task.render(inst, size=image_size))],
        "question": task.prompt(inst, "image"),
        "question_text": task.prompt(inst, "text"),
        "answer": _answer(task, item),
        "difficulty": inst.level,
        "metric_info": repr({"score_function": task.score_function}),
        "initial_state": reference_initial_state(task, inst),
        "task": inst.task,
        "level": inst.level,
        "seed": inst.seed,
        "version": inst.version,
        "fingerprint": inst.fingerprint,
        "state_json": canonical_json(inst.state),
        "source": inst.source,
    }


def verl_rows(row: dict, inst: Instance, modality: str = "image") -> list[dict]:
    """verl rows for one exported row: ``prompt`` is a one-message chat list whose content starts with one
    ``<image>`` placeholder per image (verl's multimodal convention); ``reward_model.ground_truth`` is exactly
    ``json.dumps(instance.to_dict())``, which ``mmhelix_env.integrations.verl.compute_score`` reads back."""
    task = _tasks()[row["task"]]
    ground_truth = json.dumps(inst.to_dict())
    out = []
    for mode in (("image", "text") if modality == "both" else (modality,)):
        text = sanitize(f"{row['question' if mode == 'image' else 'question_text'].rstrip()}\n{BOXED_INSTRUCTION}")
        images = [{"bytes": b} for b in row["images"]] if mode == "image" else []
        out.append({
            "data_source": f"mmhelix/{row['task']}",
            "prompt": [{"role": "user", "content": "<image>" * len(images) + text}],
            "images": images,
            "ability": task.category,
            "reward_model": {"style": "rule", "ground_truth": ground_truth},
            "extra_info": {"id": row["id"], "task": row["task"], "level": row["level"], "seed": row["seed"],
                           "fingerprint": row["fingerprint"], "modality": mode},
        })
    return out


# ------------------------------------------------------------------------------------------------ writers
def _write_mmhelix(rows: list[dict], out: Path) -> list[Path]:
    (out / "images").mkdir(parents=True, exist_ok=True)
    records = []
    for row in rows:
        names = []
        for k, data in enumerate(row["images"]):
            name = f"images/{safe_name(row['id'])}{'' if k == 0 else f'_{k}'}.png"
            (out / name).write_bytes(data)
            names.append(name)
        records.append({**row, "images": names})
    path = out / "rows.json"
    path.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    return [path]


def _write_jsonl(rows: list[dict], out: Path) -> list[Path]:
    path = out / "rows.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            images = [base64.b64encode(b).decode("ascii") for b in row["images"]]
            fh.write(json.dumps({**row, "images": images}, ensure_ascii=False) + "\n")
    return [path]


def _hf_images(row: dict) -> list[dict]:
    return [{"bytes": b, "path": f"{safe_name(row['id'])}_{k}.png"} for k, b in enumerate(row["images"])]


def _write_parquet(rows: list[dict], out: Path) -> list[Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = out / "rows.parquet"
    pq.write_table(pa.Table.from_pylist([{**row, "images": _hf_images(row)} for row in rows], schema=_arrow_schema()),
                   path)
    return [path]


def _arrow_schema():
    import pyarrow as pa

    string, image = pa.string(), pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    types = {"images": pa.list_(image), "difficulty": pa.int32(), "level": pa.int32(), "seed": pa.int64()}
    return pa.schema([(name, types.get(name, string)) for name in PUBLISHED_FIELDS + TYPED_FIELDS])


def _write_hf(rows: list[dict], out: Path) -> list[Path]:
    import datasets

    string = datasets.Value("string")
    types = {"images": datasets.List(datasets.Image()), "difficulty": datasets.Value("int32"),
             "level": datasets.Value("int32"), "seed": datasets.Value("int64")}
    features = datasets.Features({name: types.get(name, string) for name in PUBLISHED_FIELDS + TYPED_FIELDS})
    ds = datasets.Dataset.from_list([{**row, "images": _hf_images(row)} for row in rows], features=features)
    with _quiet_datasets(datasets):
        ds.save_to_disk(str(out))
    return [out]


@contextlib.contextmanager
def _quiet_datasets(datasets):
    """No progress bars from ``datasets`` inside; the caller's setting is restored afterwards."""
    enabled = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if enabled:
            datasets.enable_progress_bars()


def _write_verl(rows: list[dict], instances: list[Instance], out: Path, modality: str) -> list[Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    extra = pa.struct([("id", pa.string()), ("task", pa.string()), ("level", pa.int32()), ("seed", pa.int64()),
                       ("fingerprint", pa.string()), ("modality", pa.string())])
    schema = pa.schema([
        ("data_source", pa.string()),
        ("prompt", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))),
        ("images", pa.list_(pa.struct([("bytes", pa.binary())]))),
        ("ability", pa.string()),
        ("reward_model", pa.struct([("style", pa.string()), ("ground_truth", pa.string())])),
        ("extra_info", extra),
    ])
    path = out / "verl.parquet"
    table_rows = [v for row, inst in zip(rows, instances) for v in verl_rows(row, inst, modality)]
    pq.write_table(pa.Table.from_pylist(table_rows, schema=schema), path)
    return [path]


def export_suite(suite: Suite, fmt: str, out: str | Path, image_size: int = 512, modality: str = "image",
                 progress: Callable[[int, int], None] | None = None) -> dict:
    """Write ``suite`` in format ``fmt`` under ``out``; returns the manifest (also written to manifest.json)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    if modality not in VERL_MODALITIES:
        raise ValueError(f"modality must be one of {VERL_MODALITIES}, got {modality!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, item in enumerate(suite.items):
        rows.append(instance_row(item, image_size))
        if progress is not None:
            progress(i + 1, len(suite.items))
    if fmt == "mmhelix":
        files = _write_mmhelix(rows, out)
    elif fmt == "jsonl":
        files = _write_jsonl(rows, out)
    elif fmt == "parquet":
        files = _write_parquet(rows, out)
    elif fmt == "hf":
        files = _write_hf(rows, out)
    else:
        files = _write_verl(rows, [item.instance for item in suite.items], out, modality)
    manifest = {"suite": suite.name, "version": suite.version, "format": fmt, "count": len(rows),
                "levels": list(LEVELS), "files": [str(f.relative_to(out)) if f != out else "." for f in files],
                "generator_versions": {name: _tasks()[name].version for name in suite.tasks},
                "fingerprints": {row["id"]: row["fingerprint"] for row in rows}}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest
