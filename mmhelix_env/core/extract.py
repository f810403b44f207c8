"""Final-answer extraction from a model response, in the benchmark's rule order.

Rules (first that matches wins; within a rule the last occurrence):
1. ``<|begin_of_box|> … <|end_of_box|>`` (GLM)
2. ``<answer> … </answer>``
3. ``\\boxed{ … }`` with arbitrarily nested braces; inside it every ``\\text{…}`` piece is
   unwrapped and kept in order (the official scorer keeps only the last one)
4. the text after the *last* ``Answer:`` / ``Answer：`` (the official regex takes the first)
5. the whole response

Reasoning inside ``<think>…</think>`` is dropped first. Every step is linear in the input length,
so adversarial input (1 MB, deep nesting) is handled in bounded time.
"""

from __future__ import annotations

import re

MAX_RESPONSE_CHARS = 1_000_000

_THINK_CLOSE = "</think>"
_ANSWER_COLON = re.compile(r"answer\s*[:：]", re.I)
_TEXT_CMD = re.compile(r"\\?(?:text|textbf|mathrm|mathbf|textrm|texttt|operatorname)\s*\{")
_ARRAY = re.compile(r"\\begin\{(array|bmatrix|pmatrix|matrix)\}(?:\{[^{}]*\})?(.*?)\\end\{\1\}", re.S)


def strip_think(text: str) -> str:
    """Drop reasoning: everything up to the last ``</think>``; an unclosed ``<think>`` is kept."""
    idx = text.rfind(_THINK_CLOSE)
    if idx >= 0:
        rest = text[idx + len(_THINK_CLOSE):]
        if rest.strip():
            return rest
    return text


def _last_tagged(text: str, open_tag: str, close_tag: str) -> str | None:
    end = text.rfind(close_tag)
    if end < 0:
        return None
    start = text.rfind(open_tag, 0, end)
    if start < 0:
        return None
    return text[start + len(open_tag) : end]


def _match_braces(text: str) -> dict[int, int]:
    """Map each '{' index to its matching '}' index (unmatched braces are left out). O(n)."""
    stack: list[int] = []
    pairs: dict[int, int] = {}
    for m in re.finditer(r"(?<!\\)[{}]", text):
        if m.group() == "{":
            stack.append(m.start())
        elif stack:
            pairs[stack.pop()] = m.start()
    return pairs


def _last_boxed(text: str) -> str | None:
    starts = [m.end() - 1 for m in re.finditer(r"\\boxed\s*\{", text)]
    if not starts:
        return None
    pairs = _match_braces(text)
    best = None
    covered_until = -1
    for open_idx in starts:  # left to right, skipping boxes nested inside an earlier box
        if open_idx <= covered_until:
            continue
        close_idx = pairs.get(open_idx)
        if close_idx is None:
            continue
        best = text[open_idx + 1 : close_idx]
        covered_until = close_idx
    return best


def _unwrap_latex(body: str) -> str:
    array = _ARRAY.search(body) if "\\end{" in body and len(body) < 20_000 else None
    if array:
        body = array.group(2).replace("\\\\", "\n").replace("&", " ")
    if not _TEXT_CMD.search(body):
        return body
    pairs = _match_braces(body)
    out: list[str] = []
    pos = 0
    for m in _TEXT_CMD.finditer(body):
        if m.start() < pos:
            continue
        open_idx = m.end() - 1
        close_idx = pairs.get(open_idx)
        if close_idx is None:
            continue
        out.append(body[pos : m.start()])
        out.append(body[open_idx + 1 : close_idx])
        pos = close_idx + 1
    out.append(body[pos:])
    return "".join(out)


def extract_answer(response: object) -> str:
    """The final answer in a model response (see module doc). Never raises."""
    if response is None:
        return ""
    if isinstance(response, (bytes, bytearray)):
        response = bytes(response).decode("utf-8", errors="replace")
    if not isinstance(response, str):
        response = str(response)
    if len(response) > MAX_RESPONSE_CHARS:
        response = response[-MAX_RESPONSE_CHARS:]
    text = strip_think(response)

    answer = _last_tagged(text, "<|begin_of_box|>", "<|end_of_box|>")
    if answer is None:
        answer = _last_tagged(text, "<answer>", "</answer>")
    if answer is not None:
        answer = answer.strip()
    else:
        boxed = _last_boxed(text)
        if boxed is not None:
            answer = _unwrap_latex(boxed).strip()
        else:
            colons = list(_ANSWER_COLON.finditer(text))
            answer = text[colons[-1].end():].strip() if colons else text.strip()
    if not answer:
        answer = text.strip()
    return answer
