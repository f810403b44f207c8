"""Play a step-mode game with Gymnasium's own keyboard player, ``gymnasium.utils.play.play``.

The env supplies its keys (``StepEnv.get_keys_to_action``: W/A/S/D for the four-way games, digits for small move
sets such as Hanoi). Needs the ``play`` extra (pygame). For puzzles with grid moves and the mouse, use
``python -m mmhelix_env.play`` instead.

    python examples/gym_play.py [MMHelix/Maze-easy] [--seed 0] [--zoom 1.0]
    python examples/gym_play.py --headless [--seconds 10]   # no window: types the expert's moves, then quits
"""

from __future__ import annotations

import argparse
import os


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("env_id", nargs="?", default="MMHelix/Maze-easy")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--zoom", type=float, default=None)
    parser.add_argument("--headless", action="store_true", help="dummy video driver; scripted key presses")
    parser.add_argument("--seconds", type=float, default=10.0, help="headless: quit after this long at most")
    args = parser.parse_args()
    if args.headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ["SDL_AUDIODRIVER"] = "dummy"
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

    import gymnasium as gym
    from gymnasium.utils.play import play

    import mmhelix_env

    env = gym.make(args.env_id, mode="step", render_mode="rgb_array")
    keys_to_action = env.unwrapped.get_keys_to_action()
    print(f"{args.env_id}: keys {', '.join(f'{k[0]}={v}' for k, v in keys_to_action.items())}; Esc quits")

    played = {"steps": 0, "reward": 0.0, "illegal": 0}

    def record(obs_before, obs_after, action, reward, terminated, truncated, info):
        played["steps"] += 1
        played["reward"] += reward
        played["illegal"] += bool(info.get("illegal"))
        if terminated or truncated:
            print(f"episode over after {info['steps']} moves: reward {reward}, solved={info.get('solved')}")

    fps = env.metadata.get("render_fps", 4)
    if args.headless:
        # Scripted keyboard: the expert's moves as key presses, one move per press; quits when done or timed out.
        from mmhelix_env.play.gym_keys import scripted_keyboard

        fps = 30
        instance = mmhelix_env.make_instance(*mmhelix_env.parse_env_id(args.env_id), args.seed)
        moves = mmhelix_env.task_of(instance).expert_actions(instance)
        callback = scripted_keyboard(keys_to_action, moves, seconds=args.seconds, on_step=record)
    else:
        callback = record

    play(env, keys_to_action=keys_to_action, seed=args.seed, fps=fps, zoom=args.zoom, callback=callback,
         wait_on_player=True, noop=0)
    print(f"played {played['steps']} moves ({played['illegal']} illegal), total reward {played['reward']}")


if __name__ == "__main__":
    main()
