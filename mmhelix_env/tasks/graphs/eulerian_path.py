"""EulerianPath: is there a trail through every edge of an undirected connected graph exactly once?

Spec: spec/tasks/EulerianPath.md. King-grid graphs on n = 6, 8, 10, 12, 16 vertices (p = 0.25, 0.25, 0.15,
0.2, 0.2); the label (No with probability 1/3) and the number of odd-degree vertices (Yes: 2 with probability
0.8, else 0; No: 4 or 6 at levels 1-2, exactly 4 from level 3 on, a near miss) are drawn first and reached by
parity repair instead of the reference's rejection sampling. Everything else lives in :mod:`._eulerian`.
"""

from __future__ import annotations

from ._eulerian import EulerianTask


class EulerianPath(EulerianTask):
    name = "EulerianPath"
    benchmark_id = "eulerian_path"
    generator_key = "eulerian_path"
    score_function = "eulerian_path_evaluator"
    answer_format = "vertex list [v0, v1, ..., vE] using every edge exactly once, or No"

    closed = False
    kind = "path"
    level_params = {1: (6, 0.25), 2: (8, 0.25), 3: (10, 0.15), 4: (12, 0.2), 5: (16, 0.2)}
    no_odd_counts = {1: (4, 6), 2: (4, 6), 3: (4,), 4: (4,), 5: (4,)}
    yes_odd_counts = ((2, 0.8), (0, 0.2))
    definition = ("An Eulerian path is a trail (a walk that may revisit vertices) that uses every edge exactly "
                  "once; it may start at any vertex, and it may also end where it started.")
    format_sentence = "If it exists, output the path as a list (e.g., [0,1,2,3]). If not, output 'No'."


TASK = EulerianPath()
