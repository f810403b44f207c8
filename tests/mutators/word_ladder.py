"""Mutations of a WordLadder expert answer that must all be rejected."""

from __future__ import annotations

import json

TASK_NAME = "WordLadder"


def _fmt(words) -> str:
    return json.dumps(list(words))


def mutations(task, inst, answer: str) -> list[str]:
    words = json.loads(answer)
    k = len(words) - 1
    mid = k // 2 if k >= 2 else 1
    candidates = [
        _fmt(words[:-1]),  # truncated: the target is missing
        _fmt(words[:mid] + words[mid + 1:]),  # a middle word dropped: a two-letter jump
        _fmt(words[::-1]),  # reversed: wrong start and end
        _fmt(words[:2] + words[:2] + words[2:]),  # start and first step repeated
        _fmt(words[:mid] + ["x" * len(words[0])] + words[mid + 1:]),  # a non-word in the middle
        _fmt(words[:mid] + [words[mid][:-1] + ("q" if words[mid][-1] != "q" else "z")] + words[mid + 1:]),
        _fmt(words) + " done",  # an extra token
        _fmt(words[:-1] + [words[-1][::-1] if words[-1][::-1] != words[-1] else "zzz"]),  # wrong target
        _fmt(words[:1] + words[2:]),  # first step skipped
    ]
    out: list[str] = []
    for text in candidates:
        if text in out or text.strip() == answer.strip():
            continue
        if task.verify(inst, text).correct:
            continue
        out.append(text)
    return out
