"""WordLadder (puzzles): turn a start word into a target word one letter at a time, every step a word.

Word lists ship with the package (``core.words``): the verifier accepts A_L = web2 ∪ SCOWL-35 (length L); puzzles
are drawn from the common pool C_L = web2 ∩ SCOWL-35 minus a blocklist. Both neighbour graphs are built exactly and
undirected with wildcard buckets and cached per length. A target is chosen with a shortest ladder of exactly D steps
in the accept graph (D drawn from the level's range) and a ladder of common words of at most max_steps, so no valid
answer is shorter than min_steps. Spec: spec/tasks/WordLadder.md.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import numpy as np

from ...core import (
    GenerationError,
    Instance,
    ParseError,
    RecordError,
    Task,
    Verdict,
    bounded,
    clean_markup,
    level_number,
    record_field,
)
from ...core.words import accept_words, common_words, data_hash
from ...render import INK, MUTED, WHITE, draw_text, fit_font, font, new_canvas

# level -> (word length, min_steps (d_A low), max_steps (d_A high, d_C bound))
LEVEL_PARAMS: dict[int, tuple[int, int, int]] = {1: (3, 3, 5), 2: (4, 4, 6), 3: (4, 5, 7), 4: (5, 6, 8),
                                                 5: (5, 7, 10)}
LENGTHS = (3, 4, 5)
MAX_START_DRAWS = 2_000
EXAMPLE = '["hug", "bug", "beg", "bet", "set"]'
MAX_WORDS = 200

_ARROW = re.compile(r"\s*(?:->|=>|\u2192|\u27f6|\u21d2)\s*")
_BULLET = re.compile(r"^\s*(?:\(?\d{1,3}[.):]|[-*\u2022\u00b7])\s*", re.ASCII)
_WORD = re.compile(r"[A-Za-z]+", re.ASCII)
_TRIM = " \t\r\n\"'`.,;:!?()[]{}<>"

BG = (250, 248, 242)
BOX_EDGE = (40, 60, 110)
BOX_FILL = WHITE
START_FILL = (222, 240, 225)
TARGET_FILL = (248, 225, 222)


# ------------------------------------------------------------------------------------------------ graphs
class WordGraph:
    """An exact, undirected one-letter-substitution graph on a sorted word list."""

    __slots__ = ("words", "index", "adj")

    def __init__(self, words) -> None:
        self.words = tuple(sorted(words))
        self.index = {w: i for i, w in enumerate(self.words)}
        buckets: dict[str, list[int]] = {}
        for i, w in enumerate(self.words):
            for p in range(len(w)):
                buckets.setdefault(w[:p] + "_" + w[p + 1:], []).append(i)
        adj: list[set[int]] = [set() for _ in self.words]
        for members in buckets.values():
            if len(members) > 1:
                for i in members:
                    adj[i].update(members)
        self.adj = tuple(tuple(sorted(a - {i})) for i, a in enumerate(adj))

    def bfs(self, source: int, max_depth: int | None = None, goal: int | None = None) -> tuple[list[int], int]:
        """Distances from ``source`` (-1 unreached) up to ``max_depth``; stops once ``goal`` is reached.
        Returns (dist, nodes expanded)."""
        dist = [-1] * len(self.words)
        dist[source] = 0
        frontier = [source]
        depth = 0
        expanded = 0
        adj = self.adj
        while frontier and (max_depth is None or depth < max_depth):
            if goal is not None and dist[goal] >= 0:
                break
            depth += 1
            nxt = []
            for u in frontier:
                expanded += 1
                for v in adj[u]:
                    if dist[v] < 0:
                        dist[v] = depth
                        nxt.append(v)
            frontier = nxt
        return dist, expanded

    def path_back(self, dist: list[int], target: int, rng: np.random.Generator | None = None) -> list[str]:
        """A shortest path source -> target from BFS distances (ties: the stream, else the first word)."""
        path = [target]
        cur = target
        while dist[cur] > 0:
            options = [v for v in self.adj[cur] if dist[v] == dist[cur] - 1]
            cur = options[int(rng.integers(len(options)))] if rng is not None else options[0]
            path.append(cur)
        return [self.words[i] for i in reversed(path)]


@cache
def accept_graph(n: int) -> WordGraph:
    return WordGraph(accept_words(n))


@cache
def pool_graph(n: int) -> WordGraph:
    return WordGraph(common_words(n))


@cache
def _pool_in_accept(n: int) -> tuple[int, ...]:
    """For each pool word, its index in the accept graph."""
    a = accept_graph(n).index
    return tuple(a[w] for w in pool_graph(n).words)


def one_letter(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b)) == 1


# ------------------------------------------------------------------------------------------------ parsing
def parse_ladder(text: str, max_chars: int = 5_000) -> list[str]:
    """A word list: JSON list; a list with single or no quotes; an arrow chain (->, →, =>); comma-separated
    words; one word per line (numbering or bullets allowed). Words are lower-cased; prose is refused."""
    t = clean_markup(bounded(text, max_chars)).strip()
    t = t.rstrip(" .")
    if t.startswith("[") and t.endswith("]"):
        try:
            value = json.loads(t)
        except (ValueError, RecursionError):
            value = None
        if isinstance(value, list) and all(isinstance(x, str) for x in value):
            items = value
        else:
            items = t[1:-1].split(",")
    elif _ARROW.search(t):
        items = _ARROW.split(t)
    elif "," in t:
        items = t.split(",")
    elif "\n" in t:
        items = [_BULLET.sub("", line) for line in t.split("\n") if line.strip()]
    else:
        items = [t]
    if len(items) > MAX_WORDS:
        raise ParseError(f"too many words ({len(items)}; at most {MAX_WORDS})")
    words = []
    for raw in items:
        tok = raw.strip(_TRIM)
        if not tok and not raw.strip():
            continue  # a trailing comma
        if not _WORD.fullmatch(tok):
            raise ParseError(f"unexpected item {raw.strip()[:30]!r}: answer with a list of words like {EXAMPLE}")
        words.append(tok.lower())
    if len(words) < 2:
        raise ParseError(f"need a list of at least two words (start and target), like {EXAMPLE}")
    return words


# ------------------------------------------------------------------------------------------------ task
class WordLadder(Task):
    name = "WordLadder"
    category = "puzzles"
    benchmark_id = "WordLadder"
    generator_key = "wordladder"
    score_function = "wordladder_evaluator"
    version = "1-" + data_hash()
    answer_format = 'the full ladder from start to target as a list of words, e.g. ["cat", "cot", "cog", "dog"]'
    max_answer_chars = 5_000
    record_categories = ("word_ladder",)

    # ----- generation ---------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator, level: int) -> tuple[dict, Any]:
        n, lo, hi = LEVEL_PARAMS[level_number(level)]
        ga, gc = accept_graph(n), pool_graph(n)
        to_a = _pool_in_accept(n)
        d = int(rng.integers(lo, hi + 1))
        for _ in range(MAX_START_DRAWS):
            s = int(rng.integers(len(gc.words)))
            dist_c, _ = gc.bfs(s, hi)
            # d_A <= d_C, so a candidate needs d <= d_C <= hi
            near = [t for t, x in enumerate(dist_c) if d <= x <= hi]
            if not near:
                continue
            dist_a, _ = ga.bfs(to_a[s], d)
            cands = [t for t in near if dist_a[to_a[t]] == d]
            if not cands:
                continue
            t = cands[int(rng.integers(len(cands)))]
            ladder = gc.path_back(dist_c, t, rng)
            state = {"length": n, "start": gc.words[s], "target": gc.words[t], "min_steps": lo, "max_steps": hi}
            return state, tuple(ladder)
        raise GenerationError(f"WordLadder level {level}: no start word with a target at distance {d}")

    # ----- solving ------------------------------------------------------------------------------
    @staticmethod
    def _ends(inst: Instance) -> tuple[int, str, str, int | None]:
        st = inst.state
        return int(st["length"]), str(st["start"]), str(st["target"]), st.get("max_steps")

    def _search(self, inst: Instance) -> tuple[str, WordGraph, list[int], int]:
        """Which graph the expert ladder uses ('pool' if a common-word ladder within the bound exists,
        else 'accept'), that graph, BFS distances from the start, and the nodes expanded."""
        n, s, t, hi = self._ends(inst)
        gc = pool_graph(n)
        if s in gc.index and t in gc.index:
            dist, work = gc.bfs(gc.index[s], hi, gc.index[t])
            d = dist[gc.index[t]]
            if d >= 0 and (hi is None or d <= hi):
                return "pool", gc, dist, work
        ga = accept_graph(n)
        if s not in ga.index or t not in ga.index:
            raise ValueError(f"'{s}' or '{t}' is not in the word list")
        dist, work = ga.bfs(ga.index[s], hi, ga.index[t])
        d = dist[ga.index[t]]
        if d < 0:
            raise ValueError(f"no ladder from '{s}' to '{t}'" + (f" within {hi} steps" if hi else ""))
        return "accept", ga, dist, work

    def solve(self, inst: Instance) -> tuple[str, ...]:
        _, g, dist, _ = self._search(inst)
        return tuple(g.path_back(dist, g.index[self._ends(inst)[2]]))

    def format_answer(self, inst: Instance, solution: Any) -> str:
        return json.dumps(list(solution))

    def stats(self, inst: Instance) -> dict:
        n, s, t, _ = self._ends(inst)
        ga = accept_graph(n)
        dist, work = ga.bfs(ga.index[s], None, ga.index[t])
        # solution_length (the shortest ladder in the accept graph) is the level's difficulty measure; the
        # BFS work dips from level 3 to 4 because the 5-letter graph is sparser than the 4-letter one
        return {"solution_length": dist[ga.index[t]], "expert_length": len(self.solution(inst)) - 1,
                "search_nodes": work, "reached_words": sum(1 for x in dist if x >= 0),
                "dictionary_size": len(ga.words)}

    # ----- verification -------------------------------------------------------------------------
    def check(self, inst: Instance, answer: str) -> Verdict:
        words = parse_ladder(answer, self.max_answer_chars)
        n, s, t, hi = self._ends(inst)
        accept = accept_words(n)
        pairs = len(words) - 1
        problems: list[str] = []
        halve = False
        if words[0] != s or words[-1] != t:
            halve = True
            if words[0] != s:
                problems.append(f"the ladder must start with '{s}', not '{words[0]}'")
            if words[-1] != t:
                problems.append(f"the ladder must end with '{t}', not '{words[-1]}'")
        bad_len = [w for w in words if len(w) != n]
        if bad_len:
            problems.append(f"'{bad_len[0]}' does not have {n} letters" + (f" ({len(bad_len)} such words)"
                                                                              if len(bad_len) > 1 else ""))
        unknown = [w for w in words if len(w) == n and w not in accept]
        if unknown:
            shown = ", ".join(f"'{w}'" for w in dict.fromkeys(unknown[:5]))
            problems.append(f"not in the word list: {shown}")
        good = 0
        first_bad = None
        for i in range(pairs):
            a, b = words[i], words[i + 1]
            if one_letter(a, b) and a in accept and b in accept:
                good += 1
            elif first_bad is None and not one_letter(a, b):
                first_bad = i
        if first_bad is not None:
            a, b = words[first_bad], words[first_bad + 1]
            diff = sum(x != y for x, y in zip(a, b)) if len(a) == len(b) else None
            what = "the lengths differ" if diff is None else f"{diff} letters change" if diff else "nothing changes"
            problems.append(f"step {first_bad + 1} '{a}' -> '{b}' is not a one-letter change ({what})")
        seen: set[str] = set()
        repeated = [w for w in words if w in seen or seen.add(w)]
        if repeated:
            halve = True
            problems.append(f"'{repeated[0]}' appears more than once")
        if hi is not None and pairs > hi:
            halve = True
            problems.append(f"{pairs} steps; at most {hi} are allowed")
        if not problems:
            return Verdict.ok(words, f"correct: a valid {pairs}-step ladder from '{s}' to '{t}'")
        score = good / pairs * (0.5 if halve else 1.0)
        return Verdict.fail("; ".join(problems), score=score, parsed=words)

    # ----- presentation -------------------------------------------------------------------------
    def render(self, inst: Instance, play: Any = None, size: int = 512):
        n, s, t, hi = self._ends(inst)
        img, draw = new_canvas(size, BG)
        k = size / 512
        draw_text(draw, (size / 2, 44 * k), "Word Ladder", font(max(8, round(34 * k)), bold=True), fill=INK)
        gap = 10 * k
        box = min(84 * k, (size - 40 * k - gap * (n - 1)) / n)
        letter = fit_font("W", box * 0.8, box * 0.62, bold=True, start=max(8, round(box * 0.8)))
        x0 = (size - (n * box + (n - 1) * gap)) / 2
        ys = (120 * k, 120 * k + box + 110 * k)
        for word, y, fill in ((s, ys[0], START_FILL), (t, ys[1], TARGET_FILL)):
            for i, ch in enumerate(word.upper()):
                x = x0 + i * (box + gap)
                draw.rectangle((round(x), round(y), round(x + box), round(y + box)), fill=fill, outline=BOX_EDGE,
                               width=max(2, round(3 * k)))
                draw_text(draw, (x + box / 2, y + box / 2), ch, letter, fill=INK)
        # the down arrow between the two words
        cx = size / 2
        top, bottom = ys[0] + box + 18 * k, ys[1] - 18 * k
        w = max(3, round(8 * k))
        draw.line((cx, top, cx, bottom - 22 * k), fill=BOX_EDGE, width=w)
        draw.polygon([(cx - 22 * k, bottom - 26 * k), (cx + 22 * k, bottom - 26 * k), (cx, bottom)], fill=BOX_EDGE)
        label = "one letter per step" + (f" \u00b7 at most {hi} steps" if hi is not None else "")
        draw_text(draw, (size / 2, ys[1] + box + 50 * k), label, fit_font(label, size - 40 * k, 26 * k),
                  fill=MUTED)
        return img

    def prompt(self, inst: Instance, modality: str = "image") -> str:
        n, s, t, hi = self._ends(inst)
        lo = inst.state.get("min_steps")
        if modality not in ("image", "text"):
            raise ValueError(f"modality must be 'image' or 'text', got {modality!r}")
        rules = ["Change exactly one letter at a time.", "Each step must form a valid English word.",
                 "No word may appear twice in the ladder."]
        if hi is not None:
            if modality == "text" and lo is not None:
                rules.append(f"Find a solution path with {lo} to {hi} steps.")
            else:
                rules.append(f"Use at most {hi} steps.")
        head = ("This is a Word Ladder puzzle. Build a ladder of words from the start word to the target word by "
                "changing one letter at a time, ensuring that each step forms a valid word.")
        if modality == "image":
            head += (" The image shows the start word (top) and the target word (bottom), one letter per box; "
                     f"both have {n} letters.")
        lines = [head, "The rules are as follows"]
        lines += [f"{i}. {r}" for i, r in enumerate(rules, 1)]
        if modality == "text":
            lines += [f"Starting word: {s}.", f"Target word: {t}."]
        lines += [f"Please provide the complete solution path from '{s}' to '{t}' as a list of strings.",
                  f"Example answer format: {EXAMPLE}."]
        return "\n".join(lines)

    def trace(self, inst: Instance) -> str:
        n, s, t, hi = self._ends(inst)
        which, g, dist, _ = self._search(inst)
        ladder = list(self.solution(inst))
        d_t = dist[g.index[t]]
        shortest_here = (len(ladder) - 1 == d_t and all(w in g.index for w in ladder)
                         and all(dist[g.index[w]] == i for i, w in enumerate(ladder)))
        if not shortest_here:
            ladder = g.path_back(dist, g.index[t])
        pool = "common English words" if which == "pool" else "all words of the word list"
        lines = [f"Start '{s}', target '{t}': {n} letters each"
                 + (f", at most {hi} steps." if hi is not None else "."),
                 f"Breadth-first search from '{s}' over {pool}: the neighbours of a word are the words that "
                 "differ from it in exactly one position. Layer k holds the words first reached after k steps.",
                 f"'{s}' and '{t}' differ in {sum(x != y for x, y in zip(s, t))} positions, "
                 f"so at least that many steps are needed."]
        layers: dict[int, list[str]] = {}
        for i, x in enumerate(dist):
            if 0 < x <= d_t:
                layers.setdefault(x, []).append(g.words[i])
        for k in range(1, d_t + 1):
            ws = layers.get(k, [])
            on_path = ladder[k]
            shown = [on_path] + [w for w in ws if w != on_path][:7]
            more = f", ... ({len(ws)} words)" if len(ws) > len(shown) else f" ({len(ws)} words)"
            lines.append(f"Layer {k}: " + ", ".join(shown) + more
                         + (f" -- the target '{t}' is reached." if k == d_t else ""))
        lines.append(f"Trace back from '{t}', each time to a word one letter away in the previous layer:")
        for k in range(d_t, 0, -1):
            a, b = ladder[k - 1], ladder[k]
            p = next(i for i in range(n) if a[i] != b[i])
            lines.append(f"  '{b}' (layer {k}) <- '{a}' (layer {k - 1}): position {p + 1} '{a[p]}' -> '{b[p]}'")
        lines.append(f"The ladder has {d_t} steps, every word is in the word list and none repeats.")
        lines.append(f"Answer: {self.format_answer(inst, ladder)}")
        return "\n".join(lines)

    # ----- reference records --------------------------------------------------------------------
    def record_state(self, record: dict) -> dict:
        raw = record_field(record.get("initial_state"))
        if not isinstance(raw, dict):
            raise RecordError("record has no initial_state dict with start_word and target_word")
        s, t = raw.get("start_word"), raw.get("target_word")
        if not isinstance(s, str) or not isinstance(t, str):
            raise RecordError("initial_state needs start_word and target_word strings")
        s, t = s.strip().lower(), t.strip().lower()
        if not (_WORD.fullmatch(s) and _WORD.fullmatch(t)):
            raise RecordError(f"start/target must be letters only, got {s[:20]!r} / {t[:20]!r}")
        if len(s) != len(t) or len(s) not in LENGTHS:
            raise RecordError(f"start and target must have the same length in {LENGTHS}, got {s!r} and {t!r}")
        if s == t:
            raise RecordError("start and target are the same word")
        ga = accept_graph(len(s))
        for w in (s, t):
            if w not in ga.index:
                raise RecordError(f"'{w}' is not in the word list")
        dist, _ = ga.bfs(ga.index[s], None, ga.index[t])
        if dist[ga.index[t]] < 0:
            raise RecordError(f"no ladder from '{s}' to '{t}' inside the word list")
        # the leaked initial_state.solution is dropped: only the stored answer may become the witness
        return {"length": len(s), "start": s, "target": t, "min_steps": None, "max_steps": None}

    def record_level_hint(self, record: dict, state: dict) -> int | None:
        return {3: 1, 4: 2, 5: 4}.get(int(state["length"]))

    def record_witness(self, inst: Instance, answer: str, verdict: Verdict) -> tuple[str, ...]:
        return tuple(verdict.parsed)


TASK = WordLadder()
