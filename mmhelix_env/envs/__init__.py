"""Layer 4: Gymnasium envs (answer mode and step mode), the id registry and vector envs."""

from .answer_env import AnswerEnv
from .base import TaskEnv
from .registry import MODES, NAMESPACE, env_id, make_env, make_vec, parse_env_id, register_all
from .spaces import BOXED_INSTRUCTION, CHARSET
from .step_env import StepEnv

__all__ = ["AnswerEnv", "BOXED_INSTRUCTION", "CHARSET", "MODES", "NAMESPACE", "StepEnv", "TaskEnv", "env_id",
           "make_env", "make_vec", "parse_env_id", "register_all"]
