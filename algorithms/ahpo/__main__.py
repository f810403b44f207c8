"""``python -m algorithms.ahpo --config FILE.yaml [key=value ...]`` — AHPO / GRPO / SFT / Static-AHPO training."""

from __future__ import annotations

import argparse
import os
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m algorithms.ahpo",
        description="Train a (vision-)language model on MM-HELIX envs with AHPO or a baseline (TRL GRPOTrainer).",
        epilog="Overrides are key=value pairs parsed as YAML, e.g. steps=2 algorithm=grpo tasks=[Maze,Sudoku]. "
               "Keys: see algorithms/ahpo/config.py (TrainConfig).")
    parser.add_argument("--config", help="YAML run config (examples/ahpo_tiny.yaml)")
    parser.add_argument("--print-config", action="store_true", help="print the resolved config and exit")
    parser.add_argument("overrides", nargs="*", help="key=value overrides")
    args = parser.parse_args(argv)

    from .config import load_config

    cfg = load_config(args.config, args.overrides)
    if args.print_config:
        import yaml

        print(yaml.safe_dump(cfg.to_dict(), sort_keys=False))
        return 0
    if cfg.use_cpu:
        import torch

        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    from .train import run

    started = time.perf_counter()
    trainer = run(cfg)
    print(f"done: {trainer.state.global_step} steps in {time.perf_counter() - started:.1f}s; "
          f"metrics in {cfg.output_dir}/metrics.jsonl, model in {cfg.output_dir}/final")
    return 0


if __name__ == "__main__":
    sys.exit(main())
