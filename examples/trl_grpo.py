"""GRPO with TRL on MM-HELIX tasks: verified rewards from ``mmhelix_env.integrations.trl``.

Runs on CPU with the tiny random-weight Qwen2.5-VL of ``agents.testing`` (rewards stay ~0: the point is the
plumbing). For a real model pass ``--model Qwen/Qwen2.5-VL-3B-Instruct`` on a GPU machine.

    python examples/trl_grpo.py [--steps 2] [--tasks Maze 24Points] [--level very-easy] [--seeds 8]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--tasks", nargs="+", default=["Maze", "24Points"])
    parser.add_argument("--level", default="very-easy")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--model", default=None, help="HF model id or path (default: the tiny test VLM)")
    parser.add_argument("--num-generations", type=int, default=2)
    parser.add_argument("--max-completion-length", type=int, default=16)
    args = parser.parse_args()

    import torch
    from trl import GRPOConfig, GRPOTrainer

    from mmhelix_env import Instance, expert_answer
    from mmhelix_env.integrations.trl import build_dataset, reward_fn

    torch.set_num_threads(1)
    dataset = build_dataset(args.tasks, levels=[args.level], seeds=args.seeds, image_size=256)
    print(f"dataset: {len(dataset)} rows, columns {dataset.column_names}")
    experts = [[{"role": "assistant", "content": f"\\boxed{{{expert_answer(Instance.from_dict(json.loads(row)))}}}"}]
               for row in dataset["instance"]]
    expert_rewards = reward_fn(prompts=dataset["prompt"], completions=experts, instance=dataset["instance"])
    print(f"reward_fn on the expert answers: {sum(expert_rewards):.0f}/{len(expert_rewards)}")

    if args.model is None:
        from agents.testing import tiny_vlm

        model, processor, _ = tiny_vlm()
    else:
        from transformers import AutoModelForImageTextToText, AutoProcessor

        model = AutoModelForImageTextToText.from_pretrained(args.model)
        processor = AutoProcessor.from_pretrained(args.model)

    with tempfile.TemporaryDirectory() as out_dir:
        config = GRPOConfig(output_dir=out_dir, use_cpu=not torch.cuda.is_available(), report_to="none",
                            remove_unused_columns=False,  # keeps the `instance` column for reward_fn
                            per_device_train_batch_size=2 * args.num_generations,
                            num_generations=args.num_generations, max_completion_length=args.max_completion_length,
                            max_steps=args.steps, logging_steps=1, save_strategy="no", seed=0)
        trainer = GRPOTrainer(model=model, processing_class=processor, reward_funcs=[reward_fn], args=config,
                              train_dataset=dataset)
        start = time.perf_counter()
        trainer.train()
        elapsed = time.perf_counter() - start
    rewards = [log["reward"] for log in trainer.state.log_history if "reward" in log]
    print(f"GRPO steps: {trainer.state.global_step} in {elapsed:.1f}s; mean reward per step: {rewards}")


if __name__ == "__main__":
    main()
