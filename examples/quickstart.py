"""Quickstart: make an env, show its prompt, answer with the expert solver, read the verdict.

    python examples/quickstart.py MMHelix/Sokoban-hard 7
"""

import sys

import gymnasium as gym

import mmhelix_env

env_id = sys.argv[1] if len(sys.argv) > 1 else "MMHelix/Sokoban-hard"
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 7

env = gym.make(env_id)
obs, info = env.reset(seed=seed)
print(obs["prompt"])
print("image:", obs["image"].shape, "fingerprint:", info["fingerprint"])

answer = mmhelix_env.expert_answer(info["instance"])
obs, reward, terminated, truncated, info = env.step(f"<think>...</think>\n\\boxed{{{answer}}}")
print("answer:", info["answer"], "| reward:", reward, "| reason:", info["reason"])

# A wrong answer with feedback for a second attempt:
env = gym.make(env_id, max_attempts=2)
obs, info = env.reset(seed=seed)
obs, reward, terminated, truncated, info = env.step("\\boxed{up}")
print("after a wrong answer the prompt ends with:\n" + "\n".join(obs["prompt"].splitlines()[-4:]))
