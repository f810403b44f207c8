"""Mutations of a GraphIsomorphism expert answer ("Yes" / "No") that must all be rejected."""

from __future__ import annotations

TASK_NAME = "GraphIsomorphism"


def mutations(task, inst, answer: str) -> list[str]:
    said = answer.strip()
    other = "No" if said.lower() == "yes" else "Yes"
    candidates = [
        other,                                   # the wrong label
        other.lower(),
        other.upper() + ".",
        f"**{other}**",
        f"{said} and {other}",                   # both words: ambiguous
        f"{said}, {other.lower()} wait",         # a leading label contradicted by another yes/no word
        "Maybe",                                 # neither word
        said[:1],                                # truncated to one letter
        f"{said}{said}",                         # an extra token glued on
        "I think so",
    ]
    out: list[str] = []
    for text in candidates:
        if text in out or text.strip() == said:
            continue
        if task.verify(inst, text).correct:
            continue
        out.append(text)
    return out
