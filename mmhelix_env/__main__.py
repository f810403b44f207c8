"""Command line: ``python -m mmhelix_env {list,show,solve,trace,gallery}``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import gymnasium as gym

from . import ENV_IDS, TASKS, expert_answer, expert_trace, make_instance, parse_env_id, verify


def _resolve_id(text: str) -> str:
    eid = text.split(":", 1)[-1]
    if not eid.startswith("MMHelix/"):
        eid = "MMHelix/" + eid
    if eid not in ENV_IDS:
        raise SystemExit(f"unknown env id {text!r}; see `python -m mmhelix_env list`")
    return eid


def cmd_list(args: argparse.Namespace) -> int:
    rows = []
    for eid in ENV_IDS:
        name, level = parse_env_id(eid)
        task = TASKS[name]
        modes = "answer,step" if task.step_mode else "answer"
        rows.append((eid, task.category, str(level), modes))
    if args.json:
        print(json.dumps([dict(zip(("id", "category", "level", "modes"), r)) for r in rows], indent=1))
        return 0
    if args.markdown:
        print("| task | category | modes | ids |\n|---|---|---|---|")
        for name, task in TASKS.items():
            ids = " ".join(f"`{e}`" for e, *_ in rows if parse_env_id(e)[0] == name)
            print(f"| {name} | {task.category} | {'answer, step' if task.step_mode else 'answer'} | {ids} |")
        return 0
    width = max(len(r[0]) for r in rows) if rows else 10
    print(f"{'id':<{width}}  {'category':<10}  level  modes")
    for eid, cat, level, modes in rows:
        print(f"{eid:<{width}}  {cat:<10}  {level:>5}  {modes}")
    print(f"{len(rows)} ids, {len(TASKS)} tasks")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    eid = _resolve_id(args.id)
    env = gym.make(eid, modality=args.modality, mode=args.mode, image_size=args.size, render_mode="rgb_array")
    obs, info = env.reset(seed=args.seed)
    if args.out:
        from PIL import Image

        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(env.render()).save(args.out)
        print(f"image: {args.out}", file=sys.stderr)
    print(obs["prompt"])
    print(f"\n[{eid} seed={args.seed} fingerprint={info['fingerprint']}]", file=sys.stderr)
    return 0


def cmd_solve(args: argparse.Namespace) -> int:
    eid = _resolve_id(args.id)
    name, level = parse_env_id(eid)
    inst = make_instance(name, level, args.seed)
    answer = expert_answer(inst)
    verdict = verify(inst, f"\\boxed{{{answer}}}")
    print(answer)
    print(f"verdict: correct={verdict.correct} score={verdict.score:.3f} reason={verdict.reason}", file=sys.stderr)
    return 0 if verdict.correct else 1


def cmd_trace(args: argparse.Namespace) -> int:
    eid = _resolve_id(args.id)
    name, level = parse_env_id(eid)
    print(expert_trace(make_instance(name, level, args.seed)))
    return 0


def cmd_gallery(args: argparse.Namespace) -> int:
    """Render every id (one image each) and play one expert episode per id through the env."""
    from PIL import Image

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ids = [_resolve_id(i) for i in args.ids] if args.ids else list(ENV_IDS)
    lines = ["# MM-HELIX Gym gallery", "", f"seed {args.seed}; one image per id and one solved episode each.", "",
             "| id | image | expert answer | reward | reset ms |", "|---|---|---|---|---|"]
    failures = 0
    for eid in ids:
        name, level = parse_env_id(eid)
        env = gym.make(eid)
        t0 = time.perf_counter()
        obs, info = env.reset(seed=args.seed)
        reset_ms = (time.perf_counter() - t0) * 1000
        file = f"{name}-{info['level_name']}.png"
        Image.fromarray(obs["image"]).save(out / file)
        answer = expert_answer(info["instance"])
        _, reward, terminated, _, step_info = env.step(f"Let me solve it.\n\\boxed{{{answer}}}")
        failures += reward != 1.0
        shown = answer if len(answer) <= 60 else answer[:57] + "..."
        lines.append(f"| `{eid}` | ![]({file}) | `{shown}` | {reward:.0f} | {reset_ms:.1f} |")
        print(f"{eid:<45} reward={reward:.0f} reset={reset_ms:6.1f} ms  {step_info['reason'][:60]}")
        env.close()
    (out / "README.md").write_text("\n".join(lines) + "\n")
    print(f"\n{len(ids)} ids rendered to {out}/, {len(ids) - failures} solved episodes, {failures} failures")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mmhelix_env", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("list", help="registered ids with category and level")
    p.add_argument("--json", action="store_true")
    p.add_argument("--markdown", action="store_true", help="one row per task, for the README")
    p.set_defaults(fn=cmd_list)
    p = sub.add_parser("show", help="render an instance to PNG and print its prompt")
    p.add_argument("id")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="PNG file to write")
    p.add_argument("--modality", choices=("image", "text"), default="image")
    p.add_argument("--mode", choices=("answer", "step"), default="answer")
    p.add_argument("--size", type=int, default=512)
    p.set_defaults(fn=cmd_show)
    p = sub.add_parser("solve", help="the expert answer and its verdict")
    p.add_argument("id")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(fn=cmd_solve)
    p = sub.add_parser("trace", help="the rule-based reasoning trace (expert demonstration)")
    p.add_argument("id")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(fn=cmd_trace)
    p = sub.add_parser("gallery", help="render every id and play one solved episode per id")
    p.add_argument("--out", default="gallery")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ids", nargs="*")
    p.set_defaults(fn=cmd_gallery)
    args = parser.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    raise SystemExit(main())
