"""Layer 4: Gymnasium envs (answer mode and step mode), the id registry and vector envs."""

from .answer_env import AnswerEnv
from .base import TaskEnv
from .mixture import CurriculumEnv, MixtureEnv
from .registry import MODES, NAMESPACE, env_id, make_env, make_vec, parse_env_id, register_all
from .spaces import BOXED_INSTRUCTION, CHARSET
from .step_env import StepEnv
from .text_memory import SharedMemoryText

__all__ = ["AnswerEnv", "BOXED_INSTRUCTION", "CHARSET", "CurriculumEnv", "MODES", "MixtureEnv", "NAMESPACE",
           "SharedMemoryText", "StepEnv", "TaskEnv", "env_id", "make_env", "make_vec", "parse_env_id", "register_all"]
