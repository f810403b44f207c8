"""WordLadder: word graphs, generator levels, verifier rules and formats, importer, image, prompts, trace."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhelix_env.core import Instance, ParseError, RecordError, extract_answer
from mmhelix_env.core.words import accept_words, common_words
from mmhelix_env.tasks.puzzles.word_ladder import (
    LEVEL_PARAMS,
    TASK,
    accept_graph,
    parse_ladder,
    pool_graph,
)

FIXTURES = Path("/work/shared/fixtures/reference_sample")


def _fmt(words) -> str:
    return json.dumps(list(words))


def _dist(graph, a: str, b: str) -> int:
    dist, _ = graph.bfs(graph.index[a], None, graph.index[b])
    return dist[graph.index[b]]


# ------------------------------------------------------------------------------------------------ graphs
def test_word_lists_and_graph_exact():
    assert [len(accept_words(n)) for n in (3, 4, 5)] == [1168, 4754, 9884]
    g = accept_graph(3)
    arr = np.array([list(w) for w in g.words])
    diff = (arr[:, None, :] != arr[None, :, :]).sum(axis=2)
    for i in range(len(g.words)):
        assert list(g.adj[i]) == np.flatnonzero(diff[i] == 1).tolist()
    assert pool_graph(4).words == common_words(4)
    assert "cats" in accept_words(4) and "aal" not in common_words(3)


# ------------------------------------------------------------------------------------------------ generator
@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_generator_respects_level(level):
    n, lo, hi = LEVEL_PARAMS[level]
    ds = set()
    for seed in range(25):
        inst = TASK.instance(level, seed)
        st_ = inst.state
        assert (st_["length"], st_["min_steps"], st_["max_steps"]) == (n, lo, hi)
        assert set(st_) == {"length", "start", "target", "min_steps", "max_steps"}  # no solution inside
        s, t = st_["start"], st_["target"]
        pool = set(common_words(n))
        assert s in pool and t in pool and len(s) == len(t) == n
        d_a = _dist(accept_graph(n), s, t)
        assert lo <= d_a <= hi and _dist(pool_graph(n), s, t) <= hi
        ds.add(d_a)
        ladder = TASK.solution(inst)
        assert all(w in pool for w in ladder) and len(ladder) - 1 == _dist(pool_graph(n), s, t)
        assert TASK.stats(inst)["solution_length"] == d_a
    assert len(ds) >= 2


def test_difficulty_rises():
    med = [np.median([TASK.stats(TASK.instance(lv, s))["solution_length"] for s in range(30)]) for lv in range(1, 6)]
    assert med == sorted(med) and med[0] < med[-1]


def test_determinism():
    a, b = TASK.instance(4, 7), TASK.instance(4, 7)
    assert a.state == b.state and a.fingerprint == b.fingerprint
    assert TASK.render(a).tobytes() == TASK.render(b).tobytes()
    assert TASK.prompt(a, "text") == TASK.prompt(b, "text")
    assert TASK.instance(4, 8).state != a.state


# ------------------------------------------------------------------------------------------------ verification
def test_round_trip_and_second_valid_ladder():
    differing = 0
    for level in range(1, 6):
        for seed in range(20):
            inst = TASK.instance(level, seed)
            v = TASK.verify(inst, TASK.expert_answer(inst))
            assert v.correct and v.parsed == list(TASK.solution(inst))
            other = TASK.solve(Instance.from_json(inst.to_json()))
            assert TASK.verify(inst, _fmt(other)).correct
            differing += other != TASK.solution(inst)
    assert differing >= 10


def test_longer_ladder_and_accept_only_words_accepted():
    inst = TASK.instance(2, 0)
    n, s, t = 4, inst.state["start"], inst.state["target"]
    ladder = list(TASK.solution(inst))
    # a detour: go to a neighbour of the start not on the ladder and back to the second word if possible
    g = accept_graph(n)
    for nb in g.adj[g.index[s]]:
        w = g.words[nb]
        if w not in ladder and sum(x != y for x, y in zip(w, ladder[1])) == 1 and len(ladder) <= 6:
            assert TASK.verify(inst, _fmt([s, w] + ladder[1:])).correct
            break
    # a shortest ladder through the accept graph (may use web2-only words) is valid too
    dist, _ = g.bfs(g.index[s])
    assert TASK.verify(inst, _fmt(g.path_back(dist, g.index[t]))).correct


@pytest.fixture(scope="module")
def inst3():
    return TASK.instance(3, 4)


def test_lenient_formats(inst3):
    w = list(TASK.solution(inst3))
    for text in (_fmt(w), "[" + ", ".join(f"'{x}'" for x in w) + "]", "[" + ", ".join(w) + "]",
                 " -> ".join(w), " → ".join(w), " => ".join(w), ", ".join(w), "\n".join(w),
                 "\n".join(f"{i}. {x}" for i, x in enumerate(w, 1)), "\n".join(f"- {x}" for x in w),
                 _fmt([x.upper() for x in w]), " -> ".join(x.capitalize() for x in w) + ".", f"**{_fmt(w)}**",
                 "[" + ", ".join(w) + ",]"):
        v = TASK.verify(inst3, text)
        assert v.correct, (text, v)
    assert TASK.verify_response(inst3, f"so\n\\boxed{{{_fmt(w)}}}")[1].correct
    assert TASK.verify_response(inst3, f"thinking\nAnswer: {' -> '.join(w)}")[1].correct


def test_rule_violations(inst3):
    w = list(TASK.solution(inst3))
    s, t = w[0], w[-1]
    v = TASK.verify(inst3, _fmt(w[:-1]))
    assert not v.correct and f"must end with '{t}'" in v.reason and v.score == 0.5
    v = TASK.verify(inst3, _fmt(w[1:]))
    assert not v.correct and f"must start with '{s}'" in v.reason
    v = TASK.verify(inst3, _fmt(w[:2] + w[2:3] + w[1:2] + w[2:]))
    assert not v.correct and "more than once" in v.reason and v.score == 0.5
    v = TASK.verify(inst3, _fmt(w[:2] + w[3:]))
    assert not v.correct and "step 2" in v.reason and "not a one-letter change" in v.reason
    v = TASK.verify(inst3, _fmt(w[:2] + ["qqqq"] + w[3:]))
    assert not v.correct and "not in the word list: 'qqqq'" in v.reason
    v = TASK.verify(inst3, _fmt(w[:2] + ["abc"] + w[3:]))
    assert not v.correct and "does not have 4 letters" in v.reason
    # too many steps: a long back-and-forth detour stays one-letter but repeats, so use a fake bound
    short = TASK.instance(1, 0)
    sw = list(TASK.solution(short))
    capped = Instance(TASK.name, 1, None, TASK.version, dict(short.state, max_steps=len(sw) - 2))
    v = TASK.verify(capped, _fmt(sw))
    assert not v.correct and "steps; at most" in v.reason and v.score == 0.5


def test_unreadable(inst3):
    w = list(TASK.solution(inst3))
    for text in ("", "no idea", f"The ladder is {w[0]} then {w[1]}", "١٢٣", "２４", "{" * 10_000, "[1, 2]",
                 "[" + ", ".join(w) + "] done", w[0], "ｃａｔ, ｃｏｔ"):
        v = TASK.verify(inst3, text)
        assert not v.correct and v.reason, text
    with pytest.raises(ParseError):
        parse_ladder("I think the words are cat and dog")


def test_garbage_fast(inst3):
    rng = np.random.default_rng(0)
    for text in (bytes(rng.integers(0, 256, 4000, dtype=np.uint8)).decode("latin-1"), "[" * 10_000,
                 "a, " * 1600, "x" * 1_000_000, "a -> " * 900):
        t0 = time.perf_counter()
        v = TASK.verify(inst3, text)
        assert not v.correct and v.reason and time.perf_counter() - t0 < 0.05


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text):
    v = TASK.verify(TASK.instance(1, 0), text)
    assert isinstance(v.correct, bool) and v.reason


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(sorted(accept_words(3))[:300]), min_size=2, max_size=7))
def test_random_ladders_judged_by_rules(words):
    inst = TASK.instance(1, 3)
    s, t = inst.state["start"], inst.state["target"]
    ladder = [s, *words, t]
    ok = (all(sum(x != y for x, y in zip(a, b)) == 1 for a, b in zip(ladder, ladder[1:]))
          and len(set(ladder)) == len(ladder) and len(ladder) - 1 <= 5)
    assert TASK.verify(inst, _fmt(ladder)).correct == ok


# ------------------------------------------------------------------------------------------------ image, prompts
def test_render():
    for level in (1, 3, 5):
        inst = TASK.instance(level, 2)
        img = TASK.render(inst)
        assert img.size == (512, 512) and img.mode == "RGB"
        a = np.asarray(img)
        # letter ink inside the first box of the start word: at least 40 px tall
        box = a[125:200, 40:256]
        rows = np.flatnonzero((box.sum(axis=2) < 150).any(axis=1))
        assert rows.size and rows[-1] - rows[0] + 1 >= 40
    assert TASK.render(TASK.instance(2, 0), size=300).size == (300, 300)


def test_prompts():
    inst = TASK.instance(5, 3)
    s, t = inst.state["start"], inst.state["target"]
    text, image = TASK.prompt(inst, "text"), TASK.prompt(inst, "image")
    fmt = f"Please provide the complete solution path from '{s}' to '{t}' as a list of strings."
    for p in (text, image):
        assert fmt in p and 'Example answer format: ["hug", "bug", "beg", "bet", "set"].' in p
        assert "from the start word to the target word" in p
        assert "\\boxed" not in p
        allowed = set(map(chr, range(32, 127))) | set("\n×÷−–—→←↑↓·…’“”≤≥≠█")
        assert set(p) <= allowed
    assert "Find a solution path with 7 to 10 steps." in text and f"Starting word: {s}." in text
    assert f"Target word: {t}." in text and "image" not in text.lower()
    assert "image" in image and "at most 10 steps" in image and "Starting word" not in image
    with pytest.raises(ValueError):
        TASK.prompt(inst, "audio")


def test_trace():
    for level in range(1, 6):
        inst = TASK.instance(level, 11)
        tr = TASK.trace(inst)
        ans = extract_answer(tr)
        assert TASK.verify(inst, ans).correct and tr.rstrip().splitlines()[-1] == f"Answer: {ans}"
        assert "Layer 1:" in tr and "Trace back" in tr


# ------------------------------------------------------------------------------------------------ importer
def _fixture(level):
    return json.loads((FIXTURES / f"d{level}" / "wordladder" / "annotations.json").read_text())[0]


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_importer_on_fixtures(level):
    rec = _fixture(level)
    inst = TASK.from_record(rec)
    assert inst.task == "WordLadder" and inst.level == level and inst.source == "reference"
    st_ = inst.state
    assert st_["start"] == rec["initial_state"]["start_word"].lower() and st_["max_steps"] is None
    assert "solution" not in st_ and st_["length"] == len(st_["start"])
    assert TASK.verify(inst, rec["answer"]).correct and inst._witness is not None
    assert TASK.verify(inst, TASK.format_answer(inst, TASK.solve(inst))).correct
    assert TASK.verify(inst, extract_answer(TASK.trace(inst))).correct
    assert "Find a solution path" not in TASK.prompt(inst, "text")
    assert TASK.render(inst).size == (512, 512)


def test_importer_rejects_broken_records():
    rec = _fixture(2)
    with pytest.raises(RecordError):
        TASK.from_record(dict(rec, initial_state={"start_word": "cat", "target_word": "dogs"}))
    with pytest.raises(RecordError):
        TASK.from_record(dict(rec, initial_state={"start_word": "qzxv", "target_word": "wham"}))
    with pytest.raises(RecordError):
        TASK.from_record(dict(rec, initial_state="nothing"))
    with pytest.raises(RecordError):
        TASK.from_record(dict(rec, category="wordsearch"))
    row = dict(rec, initial_state=json.dumps(rec["initial_state"]), difficulty="2")
    assert TASK.from_record(row).fingerprint == TASK.from_record(rec).fingerprint
    no_level = {k: v for k, v in rec.items() if k != "difficulty"}
    assert TASK.from_record(no_level).level == 2


def test_json_round_trip():
    inst = TASK.instance(5, 1)
    back = Instance.from_json(inst.to_json())
    assert back == inst and back._witness is None and TASK.verify(back, _fmt(TASK.solve(back))).correct
