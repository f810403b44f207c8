"""Mutations of a CryptoMath expert answer that must all be rejected."""

from __future__ import annotations

import re

TASK_NAME = "CryptoMath"

_PAIR = re.compile(r'"([A-Z])"=(\d)')


def _fmt(pairs: list[tuple[str, int]]) -> str:
    return "[" + ",".join(f'"{c}"={v}' for c, v in pairs) + "]"


def mutations(task, inst, answer: str) -> list[str]:
    pairs = [(c, int(v)) for c, v in _PAIR.findall(answer)]
    mapping = dict(pairs)
    letters = [c for c, _ in pairs]
    unused = [v for v in range(10) if v not in mapping.values()]
    outsider = next(ch for ch in "ZYXWVUTSRQ" if ch not in mapping)
    first, second = letters[0], letters[1]
    leading = inst.state["equation"].split("=")[1][0]
    candidates = [
        _fmt(pairs[:-1]),                                                      # a letter missing
        _fmt(pairs + [(outsider, unused[0] if unused else 9)]),                # a letter not in the puzzle
        _fmt([(c, mapping[second] if c == first else v) for c, v in pairs]),   # two letters share a digit
        _fmt(pairs) + f',"{first}"={(mapping[first] + 1) % 10}',               # one letter given two digits
        _fmt(pairs).replace(f'"{first}"={mapping[first]}', f'"{first}"=1{mapping[first]}'),  # not a digit
        _fmt([(c, 0 if c == leading else v) for c, v in pairs]),               # leading zero (or a clash)
        answer[: len(answer) // 2],                                            # truncated
        "no idea",                                                             # no pairs at all
    ]
    for a, b in [(letters[i], letters[j]) for i in range(len(letters)) for j in range(i + 1, len(letters))][:6]:
        candidates.append(_fmt([(c, mapping[b] if c == a else mapping[a] if c == b else v) for c, v in pairs]))
    for v in unused[:2]:  # one letter moved to a free digit
        candidates.append(_fmt([(c, v if c == letters[-1] else x) for c, x in pairs]))
    out: list[str] = []
    for text in candidates:
        if text in out or text == answer or task.verify(inst, text).correct:
            continue
        out.append(text)
    return out
