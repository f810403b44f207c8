"""AHPO in miniature: a tiny random-weight VLM trained from scratch on easy instances with sparse reward.

    python -m benchmarks.ahpo_toy --out DIR [--steps 100] [--methods grpo sft static_ahpo ahpo]

Every method gets the same model seed, prompts, steps and settings. The task is GraphIsomorphism at level 1,
whose answer is one word ("Yes"/"No", about half each). A random model never produces a verifiable answer, so the
reward is sparse (0/5 in every group at the start). Expected pattern (paper Fig. 6-7, in miniature): GRPO gets no
gradient while all rewards are 0; SFT and Static-AHPO learn from the expert demos; AHPO learns through the gated
expert term and hands over to on-policy learning as groups reach R_hat = 2 correct rollouts (the gate-on share
falls).

Writes ``DIR/curves.json`` (``{method: [mean reward per step], "ahpo_gate_on": [...], "step_time_s": {...},
"step_time_comparison": {...}, "summary": {...}, "config": [...]}``) and ``DIR/curves.png`` (Pillow; a
moving average of the reward per step).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

METHODS = ("grpo", "sft", "static_ahpo", "ahpo")
COLORS = {"grpo": (214, 39, 40), "sft": (31, 119, 180), "static_ahpo": (255, 127, 14), "ahpo": (44, 160, 44),
          "ahpo_gate_on": (120, 120, 120)}


def toy_overrides(steps: int, seed: int, out: Path, method: str) -> list[str]:
    return [
        f"algorithm={method}", "model=tiny", "tasks=[GraphIsomorphism]", "levels=[1]", "num_prompts=32",
        "image_size=56", "expert_style=answer", "max_completion_length=8", "max_prompt_length=512",
        "batch_prompts=2", "group_size=5", "success_threshold=2", f"steps={steps}", "learning_rate=5e-3",
        "weight_decay=0.0", "temperature=1.0", "use_cpu=true", "tensorboard=false", f"seed={seed}",
        f"output_dir={out / method}",
    ]


def run_method(method: str, steps: int, seed: int, out: Path) -> dict:
    from algorithms.ahpo.config import load_config
    from algorithms.ahpo.train import run

    cfg = load_config(None, toy_overrides(steps, seed, out, method))
    metrics = out / method / "metrics.jsonl"
    if metrics.exists():
        metrics.unlink()
    started = time.perf_counter()
    run(cfg)
    wall = time.perf_counter() - started
    rows = [r for r in map(json.loads, metrics.read_text().splitlines()) if "loss" in r and "reward" in r]
    rows.sort(key=lambda r: r["step"])
    return {"reward": [r["reward"] for r in rows], "gate_on": [r["ahpo/gate_on"] for r in rows],
            "step_time": [r["step_time"] for r in rows], "wall_s": wall}


def step_time_comparison(seed: int, out: Path, steps: int = 8, repeats: int = 2) -> dict:
    """Median step time of GRPO and AHPO from the same start (every group 0/5, so AHPO's gate is on for all of
    them: its largest overhead), runs interleaved GRPO, AHPO, GRPO, AHPO to share the machine's load."""
    import statistics

    times: dict[str, list[float]] = {"grpo": [], "ahpo": []}
    for _ in range(repeats):
        for method in ("grpo", "ahpo"):
            result = run_method(method, steps, seed, out / "timing")
            times[method] += result["step_time"][1:]  # the first step includes warm-up
    medians = {m: statistics.median(v) for m, v in times.items()}
    return {"median_step_time_s": medians, "ratio_ahpo_over_grpo": medians["ahpo"] / medians["grpo"],
            "steps_per_run": steps, "repeats": repeats}


def moving_average(values: list[float], window: int) -> list[float]:
    out = []
    for i in range(len(values)):
        chunk = values[max(0, i - window + 1): i + 1]
        out.append(sum(chunk) / len(chunk))
    return out


def draw_curves(curves: dict[str, list[float]], path: Path, title: str, window: int = 5) -> None:
    from PIL import Image, ImageDraw

    from mmhelix_env.render.canvas import font

    width, height = 900, 520
    left, right, top, bottom = 70, 190, 50, 60
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    small, big = font(14), font(18, bold=True)
    draw.text((width // 2, 22), title, fill="black", font=big, anchor="mm")
    x0, y0, x1, y1 = left, top, width - right, height - bottom
    n = max(len(v) for v in curves.values())
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = y1 - frac * (y1 - y0)
        draw.line([(x0, y), (x1, y)], fill=(225, 225, 225))
        draw.text((x0 - 8, y), f"{frac:.2f}", fill="black", font=small, anchor="rm")
    for step in range(0, n + 1, max(1, n // 6)):
        x = x0 + step / max(n - 1, 1) * (x1 - x0)
        draw.text((x, y1 + 14), str(step), fill="black", font=small, anchor="mm")
    draw.rectangle([x0, y0, x1, y1], outline="black")
    draw.text(((x0 + x1) // 2, height - 18), "training step", fill="black", font=small, anchor="mm")
    for i, (name, values) in enumerate(curves.items()):
        smooth = moving_average(values, window)
        points = [(x0 + j / max(n - 1, 1) * (x1 - x0), y1 - min(max(v, 0.0), 1.0) * (y1 - y0))
                  for j, v in enumerate(smooth)]
        color = COLORS.get(name, (0, 0, 0))
        if len(points) > 1:
            draw.line(points, fill=color, width=3 if name != "ahpo_gate_on" else 2)
        ly = top + 10 + i * 24
        draw.line([(x1 + 15, ly), (x1 + 40, ly)], fill=color, width=3)
        label = "AHPO gate-on share" if name == "ahpo_gate_on" else f"{name} reward"
        draw.text((x1 + 46, ly), label, fill="black", font=small, anchor="lm")
    img.save(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--timing-steps", type=int, default=8, help="steps per GRPO/AHPO timing run (0: skip)")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    torch.set_num_threads(1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {m: run_method(m, args.steps, args.seed, out) for m in args.methods}
    curves: dict = {m: r["reward"] for m, r in results.items()}
    if "ahpo" in results:
        curves["ahpo_gate_on"] = results["ahpo"]["gate_on"]
    step_time = {m: sum(r["step_time"]) / max(len(r["step_time"]), 1) for m, r in results.items()}
    summary = {m: {"first10": sum(r["reward"][:10]) / max(len(r["reward"][:10]), 1),
                   "last10": sum(r["reward"][-10:]) / max(len(r["reward"][-10:]), 1),
                   "second_half": sum(r["reward"][len(r["reward"]) // 2:])
                   / max(len(r["reward"]) - len(r["reward"]) // 2, 1),
                   "wall_s": round(r["wall_s"], 1)} for m, r in results.items()}
    payload = {**curves, "step_time_s": step_time, "summary": summary,
               "config": toy_overrides(args.steps, args.seed, out, "<method>")}
    if args.timing_steps:
        payload["step_time_comparison"] = step_time_comparison(args.seed, out, args.timing_steps)
    (out / "curves.json").write_text(json.dumps(payload, indent=1))
    draw_curves({k: v for k, v in curves.items()}, out / "curves.png",
                f"MM-HELIX toy: GraphIsomorphism L1, tiny VLM from scratch, {args.steps} steps (5-step mean)")
    for m, s in summary.items():
        print(f"{m:12s} reward first10={s['first10']:.2f} last10={s['last10']:.2f} 2nd half={s['second_half']:.2f} "
              f"step={step_time[m]:.2f}s wall={s['wall_s']}s")
    if "step_time_comparison" in payload:
        timing = payload["step_time_comparison"]
        print(f"step time (gate on everywhere) AHPO {timing['median_step_time_s']['ahpo']:.3f}s / GRPO "
              f"{timing['median_step_time_s']['grpo']:.3f}s = {timing['ratio_ahpo_over_grpo']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
