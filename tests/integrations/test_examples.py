"""Every integration example runs end to end with a small budget (as CI runs them)."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
       "PYTHONPATH": str(ROOT)}


def _run(script, *args, timeout=240, stdin=None):
    done = subprocess.run([sys.executable, str(ROOT / "examples" / script), *args], capture_output=True, text=True,
                          timeout=timeout, env=ENV, cwd=ROOT, input=stdin)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout


def _needs(*modules):
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")


def test_trl_grpo_two_steps():
    _needs("trl", "datasets", "torch")
    out = _run("trl_grpo.py", "--steps", "2", "--seeds", "2")
    assert "reward_fn on the expert answers: 4/4" in out and "GRPO steps: 2 in" in out


def test_verl_reward():
    out = _run("verl_reward.py", "--seeds", "1")
    assert "expert responses: 4/4" in out and "wrong responses:  0/4" in out


def test_sb3_ppo_maze_tiny_budget():
    _needs("stable_baselines3", "torch")
    out = _run("sb3_ppo_maze.py", "--timesteps", "256", "--n-envs", "2", "--eval-episodes", "5")
    assert "trained 256 steps" in out and out.count("success rate") == 3 and "expert (shortest)" in out


def test_gym_play_headless_solves_with_the_keyboard():
    _needs("pygame")
    out = _run("gym_play.py", "MMHelix/Maze-easy", "--headless", "--seconds", "30")
    assert "(0 illegal), total reward 1.0" in out and "solved=True" in out


def test_pettingzoo_race():
    _needs("pettingzoo")
    out = _run("pettingzoo_race.py", "--env", "MMHelix/Maze-easy")
    assert "expert solved it" in out and "agent_0: reward 1.0" in out


def test_pettingzoo_race_person_against_the_bot():
    _needs("pettingzoo")
    import gymnasium as gym

    import mmhelix_env

    instance = mmhelix_env.make_instance("Maze", "easy", 3)
    key_of = {action: keys[0] for keys, action in
              gym.make("MMHelix/Maze-easy", mode="step").unwrapped.get_keys_to_action().items()}
    typed = "\n".join(["", "x"] + [key_of[a] for a in mmhelix_env.task_of(instance).expert_actions(instance)])
    out = _run("pettingzoo_race.py", "--human", "--env", "MMHelix/Maze-easy", "--seed", "3", stdin=typed + "\n")
    assert "winner: human" in out  # the person waited two rounds and still beat a bot moving every other round


def test_curriculum():
    out = _run("curriculum.py", "--episodes", "60", "--window", "4")
    assert "restored curriculum reproduced all 30 instances" in out


def test_vector_resets_benchmark():
    from benchmarks import vector_resets

    row = vector_resets.measure("MMHelix/Maze-easy", "async-shm", num_envs=2, batches=2)
    assert row["median_resets_per_s"] > 0 and row["num_envs"] == 2
    assert "| `MMHelix/Maze-easy` |" in vector_resets.markdown([row])
