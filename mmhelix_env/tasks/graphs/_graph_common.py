"""Pieces shared by the graph tasks (``tasks/graphs/*``), each defined once here.

- king grid: vertex i at row i // cols, column i % cols (the last row may be partial). :func:`grid_cols`,
  :func:`grid_tables` (king neighbours, orthogonal / diagonal / "far" pair tables), the at-most-one-diagonal-
  per-unit-cell rule (:func:`diagonal_allowed`, :func:`mark_diagonal`), :func:`random_spanning_tree` (randomised
  DFS over the 8 king moves) and :func:`diagonal_pass`;
- bitmask helpers: :func:`bits`, :func:`adjacency_masks`, :func:`reach`;
- text helpers: neighbour lists and ``u: [...]`` adjacency lines, vertex lists, clipped lists;
- drawing helpers: :func:`grid_layout` and :func:`node_radius` for graphs drawn on the king grid;
- answers: :func:`number_verdict` (single-number answers), and two generic parsers (:func:`parse_yes_no`,
  :func:`parse_vertex_list`) that non-graph tasks could use as well;
- reference records: the adjacency-list regexes and the record field readers;
- :class:`GraphTask`, the base class of the graph tasks (category, version, ``render`` from ``drawing``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np

from ...core import (
    Instance,
    NodeList,
    ParseError,
    RecordError,
    Task,
    Verdict,
    bounded,
    clean_markup,
    parse_number,
    record_field,
)
from ...render.graph import grid_positions, grid_spacing

Edge = tuple[int, int]

# ---------------------------------------------------------------------------------------------- king grid
KING_OFFSETS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))
#: |row offset|, |column offset| of the allowed "far" pairs: primitive vectors, so a straight edge between
#: them stays >= 1/sqrt(13) ~ 0.277 grid units away from every other vertex centre.
FAR_OFFSETS = frozenset({(1, 2), (2, 1), (1, 3), (3, 1), (2, 3), (3, 2)})


def grid_cols(n: int, min_cols: int = 2) -> int:
    """Columns of the near-square drawing grid for n vertices: ceil(sqrt n), at least ``min_cols``
    (with the default: 2 up to 4 vertices, 3 up to 9, 4 up to 16, 5 up to 25)."""
    return max(min_cols, math.isqrt(max(n, 1) - 1) + 1)


def norm(u: int, v: int) -> Edge:
    """The undirected pair (u, v) with the smaller id first."""
    return (u, v) if u < v else (v, u)


@dataclass(frozen=True)
class GridTables:
    """Fixed pair tables of one (n, cols) king grid; unit cells are numbered row-major, (rows-1)·(cols-1)."""

    n: int
    cols: int
    king: tuple[tuple[int, ...], ...]              # sorted king neighbours per vertex
    orth: tuple[Edge, ...]                          # orthogonal pairs, sorted
    diag: tuple[Edge, ...]                          # diagonal pairs, sorted
    cell_pairs: tuple[tuple[Edge | None, Edge | None], ...]   # per unit cell: ('\' pair, '/' pair) if present
    diag_of: dict[Edge, tuple[int, int]]            # diagonal pair -> (cell, 0 for '\' / 1 for '/')
    far: tuple[Edge, ...]                           # far pairs, sorted
    allowed: frozenset[Edge]                        # every pair an edge may join (king or far)


@lru_cache(maxsize=64)
def grid_tables(n: int, cols: int) -> GridTables:
    """The pair tables of n vertices on a grid with ``cols`` columns (cached)."""
    rows = -(-n // cols)
    king = []
    for v in range(n):
        r, c = divmod(v, cols)
        king.append(tuple(sorted((r + dr) * cols + c + dc for dr, dc in KING_OFFSETS
                                 if 0 <= r + dr < rows and 0 <= c + dc < cols and (r + dr) * cols + c + dc < n)))
    orth = []
    for v in range(n):
        r, c = divmod(v, cols)
        if c + 1 < cols and v + 1 < n:
            orth.append((v, v + 1))
        if v + cols < n:
            orth.append((v, v + cols))
    cell_pairs = []
    diag_of: dict[Edge, tuple[int, int]] = {}
    for r in range(rows - 1):
        for c in range(cols - 1):
            cell = len(cell_pairs)
            tl = r * cols + c
            back = (tl, tl + cols + 1) if tl + cols + 1 < n else None
            slash = (tl + 1, tl + cols) if tl + cols < n else None
            cell_pairs.append((back, slash))
            for o, pair in enumerate((back, slash)):
                if pair is not None:
                    diag_of[pair] = (cell, o)
    far = []
    for u in range(n):
        for v in range(u + 1, n):
            (ru, cu), (rv, cv) = divmod(u, cols), divmod(v, cols)
            if (abs(ru - rv), abs(cu - cv)) in FAR_OFFSETS:
                far.append((u, v))
    allowed = frozenset(orth) | frozenset(diag_of) | frozenset(far)
    return GridTables(n, cols, tuple(king), tuple(sorted(orth)), tuple(sorted(diag_of)), tuple(cell_pairs), diag_of,
                      tuple(far), allowed)


def diagonal_allowed(tab: GridTables, diag: list[int], pair: Edge) -> bool:
    """Whether ``pair`` (u < v) keeps at most one diagonal per unit cell; ``diag`` holds per unit cell -1 (none),
    0 ('\\') or 1 ('/'). Orthogonal and far pairs always do."""
    cell = tab.diag_of.get(pair)
    return cell is None or diag[cell[0]] in (-1, cell[1])


def mark_diagonal(tab: GridTables, diag: list[int], pair: Edge, present: bool = True) -> None:
    """Record that the diagonal ``pair`` (u < v) was added (or removed); other pairs leave ``diag`` alone."""
    cell = tab.diag_of.get(pair)
    if cell is not None:
        diag[cell[0]] = cell[1] if present else -1


def random_spanning_tree(rng: np.random.Generator, tab: GridTables, can_add: Callable[[int, int], bool],
                         add: Callable[[int, int], None]) -> int:
    """Randomised DFS over the king moves from a uniformly drawn root, each vertex's neighbours in a fresh
    random order: the move u -> v to an unvisited v is taken when ``can_add(u, v)``, and ``add(u, v)``
    records its edge. Returns the number of vertices reached (all of them unless ``can_add`` refused)."""
    visited = [False] * tab.n
    root = int(rng.integers(tab.n))
    visited[root] = True
    count = 1
    stack = [(root, iter(rng.permutation(len(tab.king[root])).tolist()))]
    while stack:
        u, order = stack[-1]
        for k in order:
            v = tab.king[u][k]
            if visited[v] or not can_add(u, v):
                continue
            add(u, v)
            visited[v] = True
            count += 1
            stack.append((v, iter(rng.permutation(len(tab.king[v])).tolist())))
            break
        else:
            stack.pop()
    return count


def diagonal_pass(rng: np.random.Generator, tab: GridTables, diag: list[int], p: float) -> list[Edge]:
    """Each unit cell still without a diagonal draws both of its diagonals with probability ``p`` (a fair coin
    picks one when both hit). Marks them in ``diag`` and returns the added pairs."""
    draws = rng.random((len(tab.cell_pairs), 3))
    added = []
    for cell, pairs in enumerate(tab.cell_pairs):
        if diag[cell] != -1:
            continue
        hit = [o for o in (0, 1) if pairs[o] is not None and draws[cell, o] < p]
        if len(hit) == 2:
            hit = [0 if draws[cell, 2] < 0.5 else 1]
        if hit:
            diag[cell] = hit[0]
            added.append(pairs[hit[0]])
    return added  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------- bitmasks
def bits(mask: int) -> list[int]:
    """The set bits of ``mask`` (vertex ids), ascending."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def adjacency_masks(n: int, edges: Iterable[Sequence[int]]) -> list[int]:
    """Per vertex the bitmask of its neighbours in the undirected graph with these edges."""
    adj = [0] * n
    for u, v in edges:
        adj[u] |= 1 << v
        adj[v] |= 1 << u
    return adj


def reach(adj: list[int], start: int, allowed: int = -1) -> int:
    """Bitmask of the vertices reachable from ``start`` inside ``allowed`` (default: everywhere; ``start`` must
    be in ``allowed``), by breadth-first search on neighbour bitmasks."""
    seen = frontier = 1 << start
    while frontier:
        nb = 0
        m = frontier
        while m:
            low = m & -m
            m ^= low
            nb |= adj[low.bit_length() - 1]
        nb &= allowed & ~seen
        seen |= nb
        frontier = nb
    return seen


# ---------------------------------------------------------------------------------------------- text
def neighbour_lists(n: int, edges: Iterable[Sequence[int]], directed: bool = False) -> list[list]:
    """Sorted neighbour lists: entries v for pairs (u, v), (v, w) for weighted triples (u, v, w); each edge in
    both directions unless ``directed``."""
    rows: list[list] = [[] for _ in range(n)]
    for u, v, *w in edges:
        rows[u].append((v, *w) if w else v)
        if not directed:
            rows[v].append((u, *w) if w else u)
    for row in rows:
        row.sort()
    return rows


def adjacency_lines(rows: Iterable[Iterable], item: Callable[[Any], str] = str) -> list[str]:
    """One ``u: [a, b, ...]`` line per vertex u (the u-th of ``rows``), entries written by ``item``."""
    return [f"{u}: [" + ", ".join(map(item, row)) + "]" for u, row in enumerate(rows)]


def format_vertex_list(ids: Iterable[int]) -> str:
    """``[a, b, c]``."""
    return "[" + ", ".join(str(int(v)) for v in ids) + "]"


def brace_set(items: Iterable) -> str:
    """``{a, b, c}``."""
    return "{" + ", ".join(map(str, items)) + "}"


def clipped(items: Iterable, limit: int, item: Callable[[Any], str] = str, count: bool = True) -> str:
    """The first ``limit`` items joined by commas, then ``, ... (N in all)`` (``, ...`` without ``count``)
    when there are more."""
    items = list(items)
    shown = ", ".join(map(item, items[:limit]))
    if len(items) <= limit:
        return shown
    return shown + (f", ... ({len(items)} in all)" if count else ", ...")


def per_vertex(values: Iterable) -> str:
    """``0:a, 1:b, ...``: one value per vertex id."""
    return ", ".join(f"{v}:{d}" for v, d in enumerate(values))


# ---------------------------------------------------------------------------------------------- drawing
def node_radius(step: float, share: float, size: int) -> float:
    """Node radius: ``share`` of the grid step, clamped to 16..30 px at size 512 (scaled with the size)."""
    k = size / 512
    return min(max(share * step, 16 * k), 30 * k)


def grid_layout(n: int, cols: int, size: int, margin: float) -> tuple[list[tuple[float, float]], float]:
    """Vertex centres on the drawing grid (``margin`` in px at size 512, scaled) and the grid step."""
    m = margin * (size / 512)
    return grid_positions(n, cols, size, m), grid_spacing(n, cols, size, m)


# ---------------------------------------------------------------------------------------------- answers
def number_verdict(answer: str, best: Callable[[], int], *, max_chars: int, hint: str, what: str, label: str,
                   why: Callable[[Fraction, Fraction, int | float], str]) -> Verdict:
    """Rule verdict on a single-number answer (:func:`~mmhelix_env.core.parse_number`; a parse error gets
    ``hint`` appended). Correct iff it equals the exact value ``best()`` (computed after parsing); otherwise the
    diagnostic partial score 0.5 · max(0, 1 − |x − a| / a) (0 when a = 0) and the reason
    ``wrong <label> <x>: <why(x, a, shown x)>``. ``what`` names the value in the correct reason."""
    try:
        value = parse_number(answer, max_chars=max_chars)
    except ParseError as err:
        raise ParseError(f"{err}: {hint}") from None
    exact = Fraction(int(best()))
    parsed: int | float = int(value) if value.denominator == 1 else float(value)
    if value == exact:
        return Verdict.ok(parsed, f"correct: {what} is {parsed}")
    score = 0.5 * max(0.0, 1.0 - float(abs(value - exact) / exact)) if exact > 0 else 0.0
    return Verdict.fail(f"wrong {label} {parsed}: {why(value, exact, parsed)}", score=score, parsed=parsed)


_QUOTE = "*_\"'`\u201c\u201d\u2018\u2019"
_BARE = re.compile(rf"[{_QUOTE}\s]*(yes|no)[{_QUOTE}]*\s*[.!]?[{_QUOTE}\s]*", re.I)
_LEADING = re.compile(rf"[{_QUOTE}\s]*(yes|no)[{_QUOTE}]*\s*[,.;:!]\s*(\S.*)", re.I | re.S)
_YES_NO_WORD = re.compile(r"\b(yes|no)\b", re.I)


def parse_yes_no(text: str, max_chars: int = 2_000) -> str:
    """'Yes' or 'No': case-insensitive, quotes/markdown/\\text{} around it, a trailing period, or a leading
    Yes/No followed by a comma or period and an explanation with no other yes/no word."""
    text = clean_markup(bounded(text, max_chars))
    m = _BARE.fullmatch(text)
    if m:
        return m.group(1).capitalize()
    m = _LEADING.fullmatch(text)
    if m:
        if _YES_NO_WORD.search(m.group(2)):
            raise ParseError("the answer says both yes and no (or repeats it); answer with a single 'Yes' or 'No'")
        return m.group(1).capitalize()
    if _YES_NO_WORD.search(text):
        raise ParseError("the answer must start with 'Yes' or 'No' (optionally followed by a comma or period and "
                         "an explanation)")
    raise ParseError("no 'Yes' or 'No' found; answer with 'Yes' or 'No'")


MAX_ID_DIGITS = 6
_NO_ANSWER = re.compile(r"['\"‘’“”]?\s*no\s*['\"‘’“”]?\s*\.?", re.I)
_QUOTED = re.compile(r"(['\"‘’“”])\s*(\d+)\s*(['\"‘’“”])", re.ASCII)
_TOKEN = re.compile(r"(?P<id>\d+)|(?P<sep>->|→|[,\-–—])|(?P<ws>\s+)|(?P<bad>.)", re.ASCII | re.S)
_CLOSE = {"[": "]", "(": ")"}


def parse_vertex_list(text: str, max_chars: int) -> NodeList:
    """A vertex list (``[0, 1, 2, 0]``, ``0 -> 1 -> 2``, ``(0 1 2)``, ids may be quoted; separators comma,
    whitespace, ``->``, ``→``, ``-``) or ``No`` (any case, optional quotes and trailing period). Anything else
    raises ParseError with the reason."""
    text = clean_markup(bounded(text, max_chars)).strip()
    if _NO_ANSWER.fullmatch(text):
        return NodeList((), True)
    body = text.rstrip(". \t\r\n")
    if body[:1] in _CLOSE:
        if not body.endswith(_CLOSE[body[0]]):
            raise ParseError(f"unbalanced brackets: the list opens with {body[0]!r} but does not end with "
                             f"{_CLOSE[body[0]]!r}")
        body = body[1:-1]
    body = _QUOTED.sub(lambda m: f" {m.group(2)} ", body)
    nodes: list[int] = []
    pending = None  # the separator met since the last id (None: no separator yet)
    for m in _TOKEN.finditer(body):
        kind, tok = m.lastgroup, m.group()
        if kind == "id":
            if len(tok) > MAX_ID_DIGITS:
                raise ParseError(f"vertex id {tok[:12]}{'...' if len(tok) > 12 else ''} is far too large")
            nodes.append(int(tok))
            pending = None
        elif kind == "ws":
            continue
        elif kind == "sep":
            if not nodes or pending is not None:
                raise ParseError(f"missing or negative vertex id before {tok!r} (entry {len(nodes) + 1})")
            pending = tok
        else:
            what = "a nested bracket" if tok in "[]()" else f"unexpected character {tok!r}"
            raise ParseError(f"{what} in the vertex list; answer with a list like [0, 1, 2] or 'No'")
    if not nodes:
        raise ParseError("no vertex ids found; answer with a list like [0, 1, 2] or 'No'")
    if pending is not None and pending != ",":
        raise ParseError(f"the list ends with a dangling {pending!r}")
    return NodeList(tuple(nodes), False)


# ---------------------------------------------------------------------------------------------- records
FROM_TO = re.compile(r"from node (\d+) to node (\d+)", re.ASCII)
ADJ_ENTRY = re.compile(r"(\d+)\s*:\s*\[([^\[\]]*)\]", re.ASCII)
PAIR = re.compile(r"\(\s*(\d+)\s*,\s*(\d+)\s*\)", re.ASCII)


def initial_state(record: dict) -> Any:
    """The record's decoded ``initial_state`` (None when absent)."""
    raw = record.get("initial_state")
    return record_field(raw) if raw is not None else None


def question_text(record: dict) -> str:
    """The record's decoded text question (``question_language``, else ``question_text``) as a string."""
    text = record_field(record.get("question_language") or record.get("question_text") or "")
    return text if isinstance(text, str) else str(text)


def record_texts(record: dict, fields: Sequence[str]) -> Iterator[str]:
    """The decoded text of each of these record fields in order (a list joined by newlines; other non-text
    values skipped)."""
    for name in fields:
        text = record_field(record.get(name))
        if isinstance(text, (list, tuple)):  # the reference's one-element list
            text = "\n".join(str(x) for x in text)
        if isinstance(text, str):
            yield text


def adjacency_entries(text: str) -> Iterator[tuple[str, str]]:
    """Each ``u: [...]`` entry of an adjacency text (no nested brackets): (u's digits, the text inside)."""
    for m in ADJ_ENTRY.finditer(text):
        yield m.group(1), m.group(2)


def id_items(inside: str) -> list[int] | None:
    """The comma-separated ids of an adjacency entry; None when an item is not a plain non-negative integer."""
    items = [x.strip() for x in inside.split(",") if x.strip()]
    if not all(x.isdigit() for x in items):
        return None
    return [int(x) for x in items]


def source_target(record: dict, coerce_question: bool = False) -> tuple[int, int, str]:
    """(s, t, body): s and t of the ``from node s to node t`` in a record's text question (else in its
    ``question`` field; a non-text one only with ``coerce_question``) and the text question after it (all of it
    when only the ``question`` field names them). Raises RecordError when neither does."""
    text = question_text(record)
    question = record_field(record.get("question") or "")
    if coerce_question and not isinstance(question, str):
        question = str(question)
    m = FROM_TO.search(text)
    body = text[m.end():] if m else text
    if m is None and isinstance(question, str):
        m = FROM_TO.search(question)
    if m is None:
        raise RecordError("no 'from node s to node t' in the question")
    return int(m.group(1)), int(m.group(2)), body


def weighted_entries(body: str) -> Iterator[tuple[int, int, int]]:
    """(u, v, w) for each ``(v, w)`` of each ``u: [(v, w), ...]`` entry of an adjacency text, in order."""
    for key, inside in adjacency_entries(body):
        u = int(key)
        for vs, ws in PAIR.findall(inside):
            yield u, int(vs), int(ws)


def listed_vertices(body: str) -> set[int]:
    """Every u with a ``u: [...]`` entry in an adjacency text."""
    return {int(key) for key, _ in adjacency_entries(body)}


# ---------------------------------------------------------------------------------------------- task base
class GraphTask(Task):
    """Base of the graph tasks: the category, version 1, ``render`` as the image of ``drawing`` (which returns
    the image first), and the solver's solution as the witness of a stored answer that verified."""

    category = "graphs"
    version = "1"

    def render(self, inst: Instance, play: Any = None, size: int = 512):
        return self.drawing(inst, size)[0]

    def drawing(self, inst: Instance, size: int = 512) -> tuple:
        raise NotImplementedError(f"{self.name} draws in render()")

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> Any:
        return self.solution(inst)
