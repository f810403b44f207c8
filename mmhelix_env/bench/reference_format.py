"""``initial_state`` in the reference generator's format (spec/tasks/<Name>.md, "Reference records"), so that
exported rows read like the published ones and the official evaluators can parse them.

Tasks not listed here keep their state as JSON: their reference ``initial_state`` is that JSON object already (the
nine array tasks; Skyscrapers plus our ``grid`` of givens). MaxFlow, ShortestDistance and GraphIsomorphism records
have no state (the importers parse the question text), so theirs is empty, as published. Solution fields the
reference leaks (Campsite ``reference_solution``, Kukurasu ``solution``, WordLadder ``solution``) are left out, and
Bridges gets an empty ``bridges`` list. tests/bench checks that each task's importer rebuilds the same instance from
these rows alone, except where the reference format cannot hold part of our state (Numbrix ``full``, Minesweeper's
revealed zeros under ``blank_rule=False``, WordLadder's step bounds): there the export's typed ``state_json`` column
keeps the exact instance.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from ..core import Instance
from ..core.instance import thaw


def _maze(s: dict) -> str:
    n = s["n"]
    lines = ["+" + "-+" * n]
    for r in range(n):
        row = "|"
        for c in range(n):
            row += "S" if [r, c] == list(s["start"]) else "E" if [r, c] == list(s["end"]) else "0"
            row += "|" if c == n - 1 or s["v_walls"][r][c] else " "
        lines.append(row)
        if r < n - 1:
            lines.append("+" + "".join(("-" if s["h_walls"][r][c] else " ") + "+" for c in range(n)))
    lines.append("+" + "-+" * n)
    return "\n".join(lines)


def _nibbles(s: dict) -> str:
    pairs = " ".join(f"({r},{c})" for r, c in s["snake"])
    apples = " ".join(f"({r},{c})" for r, c in s["apples"])
    k = len(s["apples"])
    return (f"Grid: {s['rows']}x{s['cols']}\nSnake: {pairs}\nDirection: {s['direction']}\nApples: {apples}\n"
            f"Goal: Eat {k} apple{'s' if k != 1 else ''}")


def _topological_sort(s: dict) -> str:
    adjacency: dict[str, list[int]] = {str(u): [] for u in range(s["n"])}
    for u, v in s["edges"]:
        adjacency[str(u)].append(v)
    return json.dumps({u: sorted(vs) for u, vs in adjacency.items()})


def _eulero(s: dict) -> str:
    return "\n".join("|".join(cell if cell else " " for cell in row) for row in s["givens"])


def _numbrix(s: dict) -> str:
    return "\n" + "\n".join("|" + "|".join(str(v) if v else " " for v in row) + "|" for row in s["grid"])


def _shingoki(s: dict) -> str:
    n = s["n"]
    grid = [["."] * n for _ in range(n)]
    for r, c, color, value in s["circles"]:
        grid[r][c] = f"{color}{value}"
    return json.dumps(grid)


def _snake(s: dict) -> str:
    n = s["n"]
    grid: list[list[str | None]] = [[None] * n for _ in range(n)]
    grid[s["start"][0]][s["start"][1]] = "S"
    grid[s["end"][0]][s["end"][1]] = "E"
    return json.dumps(grid)


def _tapa(s: dict) -> str:
    n = s["n"]
    grid = [["."] * n for _ in range(n)]
    for r, c, k in s["clues"]:
        grid[r][c] = str(k)
    return "\n".join("".join(row) for row in grid)


def _minesweeper(s: dict) -> str:
    return "\n".join("|" + "|".join(" " if ch == "?" else ch for ch in row) + "|" for row in s["rows"])


def _adjacency(s: dict) -> str:
    adjacency: dict[str, list[int]] = {str(u): [] for u in range(s["n"])}
    for u, v in s["edges"]:
        adjacency[str(u)].append(v)
        adjacency[str(v)].append(u)
    return json.dumps({u: sorted(vs) for u, vs in adjacency.items()})


def _calcudoku(s: dict) -> str:
    regions = [{"cells": [[r + 1, c + 1] for r, c in cage["cells"]], "operator": cage["op"],
                "target": cage["target"]} for cage in s["cages"]]
    return json.dumps({"size": s["n"], "regions": regions})


def _campsite(s: dict) -> str:
    return json.dumps({"input_grid": [list(row) for row in s["grid"]], "row_constraints": s["row_counts"],
                       "col_constraints": s["col_counts"]})


def _sudoku(s: dict) -> str:
    return "\n".join(" ".join(str(v) if v else "." for v in row) for row in s["grid"])


WRITERS: dict[str, Callable[[dict], str]] = {
    "EulerianCycle": _adjacency,
    "EulerianPath": _adjacency,
    "HamiltonianCycle": _adjacency,
    "HamiltonianPath": _adjacency,
    "MaxFlow": lambda s: "",
    "ShortestDistance": lambda s: "",
    "GraphIsomorphism": lambda s: "",
    "Aquarium": lambda s: json.dumps({"regions": s["regions"], "row_clues": s["row_clues"],
                                      "col_clues": s["col_clues"], "grid_size": [s["n"], s["n"]]}),
    "Binairo": lambda s: json.dumps(s["givens"]),
    "Bridges": lambda s: json.dumps({"islands": s["islands"], "bridges": []}),
    "Calcudoku": _calcudoku,
    "Campsite": _campsite,
    "Futoshiki": lambda s: json.dumps({"grid": s["grid"], "inequalities": s["inequalities"], "size": s["n"]}),
    "Hitori": lambda s: json.dumps(s["grid"]),
    "Kakuro": lambda s: json.dumps(s["cells"]),
    "Kukurasu": lambda s: json.dumps({"row_sums": s["row_sums"], "col_sums": s["col_sums"], "size": s["n"]}),
    "Nonogram": lambda s: json.dumps([s["rows"], s["cols"]]),
    "Sudoku": _sudoku,
    "TopologicalSort": _topological_sort,
    "Eulero": _eulero,
    "Numbrix": _numbrix,
    "Shingoki": _shingoki,
    "Snake": _snake,
    "Tapa": _tapa,
    "WordLadder": lambda s: json.dumps({"start_word": s["start"], "target_word": s["target"]}),
    "WordSearch": lambda s: json.dumps([list(row) for row in s["grid"]]),
    "Maze": _maze,
    "Minesweeper": _minesweeper,
    "Nibbles": _nibbles,
    "SlidingPuzzle": lambda s: str([list(row) for row in s["board"]]),
    "Sokoban": lambda s: "\n".join(s["rows"]),
    "Hanoi": lambda s: str([list(peg) for peg in s["pegs"]]),
}


def reference_initial_state(task, inst: Instance) -> str:
    """``inst``'s state as the reference ``initial_state`` string of its task."""
    state = thaw(inst.state)
    writer = WRITERS.get(task.name)
    return writer(state) if writer else json.dumps(state)
