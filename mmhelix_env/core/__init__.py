"""Layer 1: the task protocol, instances, verdicts, seeding, answer extraction and shared parsers.

Depends on numpy alone; knows nothing of any task, Gymnasium, pygame or torch.
"""

from .cache import BoundedCache
from .directions import FourWayStepMode
from .extract import extract_answer, strip_think
from .instance import LEVELS, FrozenDict, Instance, Verdict, canonical_json, level_name, level_number
from .parsing import (
    NodeList,
    ParseError,
    bounded,
    clean_markup,
    find_ints,
    numeric,
    parse_coords,
    parse_int,
    parse_int_grid,
    parse_moves,
    parse_node_list,
    parse_number,
)
from .seeding import derived_rng, instance_rng
from .task import (
    CATEGORIES,
    MODALITIES,
    GenerationError,
    RecordError,
    StepResult,
    Task,
    record_answer_text,
    record_field,
    record_level,
    unescape,
)

__all__ = [
    "BoundedCache", "CATEGORIES", "FourWayStepMode", "LEVELS", "MODALITIES", "FrozenDict", "GenerationError",
    "Instance", "NodeList",
    "ParseError", "RecordError", "StepResult", "Task", "Verdict", "bounded", "canonical_json",
    "clean_markup", "derived_rng", "extract_answer", "find_ints", "instance_rng", "numeric", "level_name",
    "level_number", "parse_coords", "parse_int", "parse_int_grid", "parse_moves", "parse_node_list",
    "parse_number", "record_answer_text", "record_field", "record_level", "strip_think", "unescape",
]
