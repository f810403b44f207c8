"""verl reward: ``compute_score`` for verl's ``custom_reward_function`` (verl itself is not imported).

Matches the verl parquet export of the bench layer: ``data_source`` =
``"mmhelix/<Task>"``, ``reward_model.ground_truth`` = ``json.dumps(instance.to_dict())``, ``extra_info`` =
``{id, task, level, seed, fingerprint, modality}``. verl config::

    custom_reward_function:
      path: /path/to/mmhelix_env/integrations/verl.py   # where: python -m mmhelix_env.integrations.verl
      name: compute_score

verl loads the file by path; ``mmhelix_env`` must be importable in verl's reward workers.
"""

from __future__ import annotations

from typing import Any

DATA_SOURCE_PREFIX = "mmhelix/"


def compute_score(data_source: str, solution_str: str, ground_truth: Any, extra_info: dict | None = None,
                  **kwargs: Any) -> float:
    """1.0 if ``solution_str`` (a whole model response) is a verified answer to the stored instance, else 0.0.

    Never raises: a row of another data source, a malformed ground truth or a fingerprint mismatch scores 0.0.
    A ``fingerprint`` in ``extra_info`` must match the rebuilt instance.
    """
    try:
        from mmhelix_env.integrations.common import as_instance, score
    except Exception:  # verl may load this file by path, outside the package
        return 0.0
    if not isinstance(data_source, str) or not data_source.lower().startswith(DATA_SOURCE_PREFIX):
        return 0.0
    try:
        instance = as_instance(ground_truth)
    except Exception:
        return 0.0
    if data_source[len(DATA_SOURCE_PREFIX):] != instance.task:
        return 0.0
    if isinstance(extra_info, dict) and extra_info.get("fingerprint") not in (None, instance.fingerprint):
        return 0.0
    return score(instance, solution_str)


__all__ = ["compute_score"]


if __name__ == "__main__":
    print(__file__)
