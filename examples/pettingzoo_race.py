"""PettingZoo: several agents on the same seeded instance — a step-mode race and an answer-mode group.

    python examples/pettingzoo_race.py [--env MMHelix/Maze-medium] [--seed 3]
    python examples/pettingzoo_race.py --human [--bot-every 2]     # you (W/A/S/D + Enter) against the solver bot

Race (step mode, ``race=True``): "expert" replays the exact solver's moves, "dawdler" does the same but idles every
other round (a missing action skips a round), "random" plays random legal moves. The first to solve ends the race.
Group (answer mode, like a GRPO group): four answers to one instance, each rewarded for its own answer.
``--human``: a person types moves in the terminal (one key per line; an empty line waits a round) and races a bot
that plays the solver's moves but only every ``--bot-every`` rounds.
Needs the ``multiagent`` extra (pettingzoo).
"""

from __future__ import annotations

import argparse

import numpy as np

import mmhelix_env
from mmhelix_env.multiagent import parallel_env


def race(env_id: str, seed: int) -> dict:
    env = parallel_env(env_id, agent_names=["expert", "dawdler", "random"], mode="step", race=True, image_size=128)
    observations, infos = env.reset(seed=seed)
    moves = mmhelix_env.task_of(env.instance).expert_actions(env.instance)
    progress = {"expert": 0, "dawdler": 0}
    rng = np.random.default_rng(seed)
    while env.agents:
        actions = {}
        for agent in env.agents:
            if agent == "random":
                legal = np.flatnonzero(infos[agent]["action_mask"])
                actions[agent] = int(rng.choice(legal))
            elif agent == "expert" or env.round % 2 == 0:
                actions[agent] = moves[progress[agent]]
                progress[agent] += 1
        observations, rewards, terminations, truncations, infos = env.step(actions)
        for agent, reward in rewards.items():
            if reward:
                print(f"round {env.round}: {agent} solved it (reward {reward})")
    print(f"race over after {env.round} rounds; ranks: {env.ranks}")
    return env.ranks


def human_race(env_id: str, seed: int, bot_every: int) -> dict:
    import gymnasium as gym

    keys = {keys[0]: action for keys, action in gym.make(env_id, mode="step").unwrapped.get_keys_to_action().items()}
    env = parallel_env(env_id, agent_names=["human", "bot"], mode="step", race=True, modality="text")
    observations, infos = env.reset(seed=seed)
    moves = iter(mmhelix_env.task_of(env.instance).expert_actions(env.instance))
    print(observations["human"]["prompt"])
    while env.agents:
        typed = input(f"round {env.round + 1} - your move ({'/'.join(keys)}, Enter waits): ").strip().lower()
        actions = {"human": keys[typed]} if typed in keys else {}
        if (env.round + 1) % bot_every == 0:
            actions["bot"] = next(moves)
        observations, rewards, _, _, infos = env.step(actions)
        if infos["human"].get("illegal"):
            print("illegal:", infos["human"]["reason"])
    winner = [agent for agent, rank in env.ranks.items() if rank == 1]
    print(f"race over after {env.round} rounds; winner: {', '.join(winner) or 'nobody'}")
    return env.ranks


def group(env_id: str, seed: int) -> dict:
    env = parallel_env(env_id, num_agents=4, image_size=128)
    observations, infos = env.reset(seed=seed)
    answer = mmhelix_env.expert_answer(env.instance)
    responses = {"agent_0": f"\\boxed{{{answer}}}", "agent_1": "\\boxed{up}", "agent_2": "no idea",
                 "agent_3": f"<think>...</think> Answer: {answer}"}
    _, rewards, terminations, _, infos = env.step(responses)
    for agent in env.possible_agents:
        print(f"{agent}: reward {rewards[agent]}  ({infos[agent]['verdict'].reason[:70]})")
    return rewards


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="MMHelix/Maze-medium")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--human", action="store_true", help="you race the bot, typing moves in the terminal")
    parser.add_argument("--bot-every", type=int, default=2, help="the bot moves every n-th round")
    args = parser.parse_args()
    if args.human:
        human_race(args.env, args.seed, args.bot_every)
        return
    ranks = race(args.env, args.seed)
    rewards = group(args.env, args.seed)
    assert ranks["expert"] == 1 and rewards["agent_0"] == 1.0


if __name__ == "__main__":
    main()
