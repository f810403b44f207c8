"""MM-HELIX Gym: the 42 MM-HELIX reasoning tasks as verified Gymnasium environments.

``import mmhelix_env`` registers every id ``MMHelix/<Name>-<level>``::

    import gymnasium as gym, mmhelix_env
    env = gym.make("MMHelix/Sokoban-hard")
    obs, info = env.reset(seed=7)              # obs = {"image": HxWx3 uint8, "prompt": str}
    obs, reward, terminated, truncated, info = env.step(response_text)
"""

from __future__ import annotations

from .core import LEVELS, Instance, Task, Verdict, extract_answer, level_number
from .envs import AnswerEnv, CurriculumEnv, MixtureEnv, StepEnv, env_id, make_env, make_vec, parse_env_id, register_all
from .tasks import discover

__version__ = "0.1.0"

TASKS: dict[str, Task] = discover()
ENV_IDS: tuple[str, ...] = register_all(TASKS)


def task_of(instance: Instance) -> Task:
    return TASKS[instance.task]


def make_instance(task: str, level: int | str, seed: int) -> Instance:
    """The instance an env with this task and level shows after ``reset(seed=seed)``."""
    return TASKS[task].instance(level_number(level), seed)


def verify(instance: Instance, response: object) -> Verdict:
    """Extract the final answer from a whole model response (benchmark rules) and verify it."""
    return task_of(instance).verify_response(instance, response)[1]


def expert_answer(instance: Instance) -> str:
    """The exact solver's answer in the benchmark's answer format."""
    return task_of(instance).expert_answer(instance)


def expert_trace(instance: Instance) -> str:
    """Rule-based step-by-step reasoning that ends in the expert answer."""
    return task_of(instance).trace(instance)


__all__ = ["ENV_IDS", "LEVELS", "TASKS", "AnswerEnv", "CurriculumEnv", "Instance", "MixtureEnv", "StepEnv", "Task",
           "Verdict", "env_id",
           "expert_answer", "expert_trace", "extract_answer", "make_env", "make_instance", "make_vec",
           "parse_env_id", "verify"]
