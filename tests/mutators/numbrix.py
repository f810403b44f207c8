"""Mutations of a Numbrix expert answer that are wrong by construction (generated puzzles have exactly one
solution, so any other grid fails; the shape and given mutations fail on any instance)."""

from __future__ import annotations

from mmhelix_env.tasks.puzzles.numbrix import answer_text, parse_numbrix

TASK_NAME = "Numbrix"


def mutations(task, inst, answer: str) -> list[str]:
    n = int(inst.state["n"])
    grid, _ = parse_numbrix(answer, n, 100_000)
    givens = inst.state["grid"]
    free = [(r, c) for r in range(n) for c in range(n) if not givens[r][c]]
    fixed = [(r, c) for r in range(n) for c in range(n) if givens[r][c]]
    out: list[str] = []

    def emit(g) -> None:
        text = answer_text(g) if isinstance(g, list) else g
        if text != answer and text not in out:
            out.append(text)

    def copy():
        return [list(row) for row in grid]

    (r1, c1), (r2, c2) = free[0], free[-1]
    g = copy()
    g[r1][c1], g[r2][c2] = g[r2][c2], g[r1][c1]     # two free cells swapped
    emit(g)
    g = copy()
    g[r1][c1] = 0                                   # a free cell left empty
    emit(g)
    g = copy()
    g[r1][c1] = g[r2][c2]                           # a number written twice
    emit(g)
    g = copy()
    r, c = fixed[0]
    g[r][c] = givens[r][c] % (n * n) + 1            # a given changed
    emit(g)
    g = copy()
    g[r2][c2] = n * n + 1                           # out of range
    emit(g)
    lines = answer.split("\n")
    emit("\n".join(lines[:-1]))                     # a row missing
    emit(answer + "\n" + lines[-1])                 # an extra row
    return out
