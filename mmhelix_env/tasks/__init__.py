"""Layer 3: one module per task under ``<category>/``. Each module defines ``TASK = <Task subclass>()``.

Modules are discovered, so adding a task means adding its module; ``TASK_ORDER`` fixes the listing
order to the paper's (spec/README.md).
"""

from __future__ import annotations

import importlib
import pkgutil

from ..core import CATEGORIES, Task

TASK_ORDER = (
    "24Points", "BestTimeToBuyAndSellStock", "ContainerWithMostWater", "CountHillsAndValleys", "CryptoMath",
    "HIndex", "LargestRectangleInHistogram", "LongestIncreasingSubsequence", "TrappingRainWater",
    "EulerianCycle", "EulerianPath", "GraphIsomorphism", "HamiltonianCycle", "HamiltonianPath", "MaxFlow",
    "ShortestDistance", "TopologicalSort",
    "Aquarium", "Binairo", "Bridges", "Calcudoku", "Campsite", "Eulero", "Futoshiki", "Hitori", "Kakuro",
    "Kukurasu", "Nonogram", "Numbrix", "Shingoki", "Skyscrapers", "Snake", "Sudoku", "Tapa", "WordLadder",
    "WordSearch",
    "Maze", "Minesweeper", "Nibbles", "SlidingPuzzle", "Sokoban", "Hanoi",
)


def discover() -> dict[str, Task]:
    found: dict[str, Task] = {}
    for category in CATEGORIES:
        package = importlib.import_module(f"{__name__}.{category}")
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            task = getattr(module, "TASK", None)
            if not isinstance(task, Task):
                continue
            if task.category != category:
                raise RuntimeError(f"{task.name} declares category {task.category} but lives in {category}/")
            if task.name in found:
                raise RuntimeError(f"task {task.name} defined twice")
            found[task.name] = task
    rank = {name: i for i, name in enumerate(TASK_ORDER)}
    return dict(sorted(found.items(), key=lambda kv: rank.get(kv[0], len(rank))))
