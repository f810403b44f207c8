"""EulerianCycle: is there a closed trail through every edge of an undirected connected graph exactly once?

Spec: spec/tasks/EulerianCycle.md. King-grid graphs on n = 8, 10, 12, 14, 16 vertices (p = 0.2); the label
(No with probability 1/3) and the number of odd-degree vertices (Yes: 0; No: 2 or 4 at levels 1-2, exactly 2
from level 3 on, a near miss with an open Eulerian trail) are drawn first and reached by parity repair instead
of the reference's rejection sampling. Everything else lives in :mod:`._eulerian`.
"""

from __future__ import annotations

from ._eulerian import EulerianTask


class EulerianCycle(EulerianTask):
    name = "EulerianCycle"
    benchmark_id = "eulerian_cycle"
    generator_key = "eulerian_cycle"
    score_function = "eulerian_cycle_evaluator"
    answer_format = "closed vertex list [v0, v1, ..., v0] using every edge exactly once, or No"

    closed = True
    kind = "cycle"
    level_params = {1: (8, 0.2), 2: (10, 0.2), 3: (12, 0.2), 4: (14, 0.2), 5: (16, 0.2)}
    no_odd_counts = {1: (2, 4), 2: (2, 4), 3: (2,), 4: (2,), 5: (2,)}
    yes_odd_counts = ((0, 1.0),)
    definition = ("An Eulerian cycle is a closed trail that uses every edge exactly once and returns to its "
                  "starting vertex; vertices may be visited more than once.")
    format_sentence = "If it exists, output the cycle as a list (e.g., [0,1,2,3,0]). If not, output 'No'."


TASK = EulerianCycle()
