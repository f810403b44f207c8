"""Command line: ``python -m mmhelix_env.bench {suite,verify-records,export}``.

    python -m mmhelix_env.bench suite mmhelix-bench [--manifest FILE]
    python -m mmhelix_env.bench verify-records /path/to/reference_sample [--json FILE] [--strict]
    python -m mmhelix_env.bench export --suite mini --format verl --out DIR [--modality both]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .export import FORMATS, VERL_MODALITIES, export_suite
from .suites import load_suite, suite_summary
from .verify import verify_records


def _suite(args: argparse.Namespace):
    suite = load_suite(args.suite)
    if args.tasks is not None or args.levels is not None or args.limit is not None:
        try:
            suite = suite.select(args.tasks.split(",") if args.tasks is not None else None,
                                 args.levels.split(",") if args.levels is not None else None, args.limit)
        except ValueError as err:
            raise SystemExit(f"python -m mmhelix_env.bench: {err}") from None
    return suite


def cmd_suite(args: argparse.Namespace) -> int:
    suite = _suite(args)
    print(json.dumps(suite_summary(suite), indent=1))
    for problem in suite.problems:
        print(f"not imported: {problem}", file=sys.stderr)
    if args.manifest:
        Path(args.manifest).write_text(json.dumps(suite.manifest(), indent=1), encoding="utf-8")
        print(f"manifest with {len(suite)} fingerprints written to {args.manifest}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    report = verify_records(args.path)
    print(report.format())
    print(f"\n{len(report.outcomes)} records in {time.perf_counter() - start:.1f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_dict(), indent=1), encoding="utf-8")
    return 1 if args.strict and report.disagreements else 0


def cmd_export(args: argparse.Namespace) -> int:
    suite = _suite(args)
    start = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if not args.quiet and (done % 100 == 0 or done == total):
            print(f"\r{done}/{total} rows", end="" if done < total else "\n", file=sys.stderr, flush=True)

    manifest = export_suite(suite, args.format, args.out, image_size=args.image_size, modality=args.modality,
                            progress=progress)
    for problem in suite.problems:
        print(f"not imported: {problem}", file=sys.stderr)
    print(f"{manifest['count']} rows of suite {manifest['suite']} (version {manifest['version']}) written as "
          f"{args.format} to {args.out} in {time.perf_counter() - start:.1f} s")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mmhelix_env.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def selection(p: argparse.ArgumentParser) -> None:
        p.add_argument("--tasks", help="comma list of task names to keep")
        p.add_argument("--levels", help="comma list of levels to keep (1..5 or names)")
        p.add_argument("--limit", type=int, help="keep only the first N items")

    p = sub.add_parser("suite", help="summary (and fingerprint manifest) of a suite")
    p.add_argument("suite", help="mmhelix-bench, mini, a comma list of env ids, or a records path")
    p.add_argument("--manifest", help="write the id → fingerprint manifest to this JSON file")
    selection(p)
    p.set_defaults(func=cmd_suite)

    p = sub.add_parser("verify-records", help="re-score every record's stored answer with our verifier")
    p.add_argument("path", help="annotations folder tree, record file (parquet, jsonl, json, tsv) or saved dataset")
    p.add_argument("--json", help="also write the report as JSON to this file")
    p.add_argument("--strict", action="store_true", help="exit 1 when any record disagrees")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("export", help="write a suite as mmhelix / jsonl / parquet / hf / verl")
    p.add_argument("--suite", required=True, help="mmhelix-bench, mini, a comma list of env ids, or a records path")
    p.add_argument("--format", required=True, choices=FORMATS)
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--image-size", type=int, default=512)
    p.add_argument("--modality", choices=VERL_MODALITIES, default="image",
                   help="verl only: image prompts, text prompts, or one row of each per item")
    p.add_argument("--quiet", action="store_true")
    selection(p)
    p.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
