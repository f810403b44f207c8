"""Layer 5: fixed benchmark suites, import of reference records and published rows, export to the published layout,
jsonl, parquet, Hugging Face datasets and verl.

``datasets`` and ``pyarrow`` are imported only by the functions that need them.
"""

from __future__ import annotations

from .export import FORMATS, export_suite, instance_row
from .records import LoadResult, RecordProblem, item_images, load_records, resolve_task
from .suites import (
    BENCH_SEEDS,
    ENV_ID_SEEDS,
    MINI_SEEDS,
    SEED_BASE,
    SUITE_NAMES,
    Suite,
    SuiteItem,
    distinct_seeds,
    is_bench_seed,
    load_suite,
    suite_summary,
)
from .verify import VerifyReport, verify_records

__all__ = ["BENCH_SEEDS", "ENV_ID_SEEDS", "FORMATS", "MINI_SEEDS", "SEED_BASE", "SUITE_NAMES", "LoadResult",
           "RecordProblem", "Suite", "SuiteItem", "VerifyReport", "distinct_seeds", "export_suite", "instance_row",
           "is_bench_seed", "item_images", "load_records", "load_suite", "resolve_task", "suite_summary",
           "verify_records"]
