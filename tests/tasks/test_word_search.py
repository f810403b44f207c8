"""WordSearch: generator levels, rule verifier (any valid location), lenient parsing, importer, image, prompts."""

from __future__ import annotations

import hashlib

import pytest

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.core.words import common_words
from mmhelix_env.tasks.puzzles.word_search import DIRS, LEVELS, TASK, direction_code, find_all, read_prefix, word_pool
from tests import helpers_games as hg
from tests import helpers_puzzle as hp
from tests.mutators import word_search as mut

SEEDS = range(30)


def _inst(rows, word, level=1) -> Instance:
    return Instance(TASK.name, level, None, TASK.version, {"n": len(rows), "word": word, "grid": list(rows)},
                    source="reference")


GRID = ("CATXB", "AXXOO", "TXXXB", "QQQQQ", "BOBQQ")


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_generator_respects_level_parameters(level):
    n, lo, hi, dirs, _ = LEVELS[level]
    pool = set(word_pool(level))
    seen_dirs = set()
    for seed in SEEDS:
        inst = TASK.instance(level, seed)
        rows, word = inst.state["grid"], inst.state["word"]
        assert inst.state["n"] == n and len(rows) == n and all(len(r) == n and r.isalpha() and r.isupper()
                                                                 for r in rows)
        assert lo <= len(word) <= hi and word in pool and word != word[::-1]
        assert "word" in inst.state and set(inst.state) == {"n", "word", "grid"}
        found = find_all(rows, word)
        assert len(found) == 1  # exactly one occurrence
        x, y, d = TASK.solution(inst)
        assert found == [(x, y, d)] and d in dirs
        seen_dirs.add(d)
    assert seen_dirs == set(dirs) or len(seen_dirs) >= len(dirs) - 2


@pytest.mark.parametrize("level", [2, 3, 4, 5])
def test_decoys_are_present(level):
    near = 0
    for seed in range(10):
        inst = TASK.instance(level, seed)
        word, rows = inst.state["word"], inst.state["grid"]
        n = len(rows)
        for yy in range(1, n + 1):
            for xx in range(1, n + 1):
                for d in DIRS:
                    if read_prefix(rows, word, xx, yy, d) == len(word) - 1:
                        near += 1
                        break
    assert near >= 5


def test_word_pool_sizes_and_no_palindromes():
    for level, (_, lo, hi, _, _) in LEVELS.items():
        pool = word_pool(level)
        expected = sum(1 for k in range(lo, hi + 1) for w in common_words(k) if w != w[::-1])
        assert len(pool) == expected > 4000
        assert list(pool) == sorted(pool)


def test_difficulty_grows_with_level():
    hg.assert_stats_medians_grow(TASK, 20, ("cells", "letter_checks"))


def test_round_trip_and_solver_from_state_alone():
    for level in range(1, 6):
        for seed in range(10):
            inst = TASK.instance(level, seed)
            fresh = Instance(TASK.name, level, None, TASK.version, inst.state)
            assert TASK.solve(fresh) == TASK.solution(inst)
            assert TASK.verify(inst, TASK.expert_answer(inst)).correct


def test_second_valid_location_accepted():
    inst = _inst(GRID, "CAT")
    assert TASK.verify(inst, "CAT E @ (1, 1)").correct
    assert TASK.verify(inst, "CAT S @ (1, 1)").correct  # the same word also reads down
    bob = _inst(GRID, "BOB")
    for ans in ("BOB E @ (1, 5)", "BOB W @ (3, 5)", "BOB S @ (5, 1)", "BOB N @ (5, 3)"):
        assert TASK.verify(bob, ans).correct, ans
    assert len(find_all(GRID, "BOB")) == 4


@pytest.mark.parametrize("text", [
    "CAT E @ (1, 1)", "cat e @ (1,1)", "CAT E (1, 1) @", "CAT E (1, 1)", "CAT  E@(1,1)", "CAT\\ E\\ @\\ (1,1)",
    "CAT E @ [1, 1]", "CAT EAST @ (1, 1)", "CAT RIGHT @ (1, 1)", "**CAT E @ (1, 1)**", "The answer: CAT E @ (1, 1)",
    "DOG S @ (2, 2) then CAT E @ (1, 1)", "CAT E @ (1, 1); DOG N @ (1, 1)", "CAT, E, (1, 1)", "CAT E at (1, 1)",
])
def test_lenient_formats_accepted(text):
    assert TASK.verify(_inst(GRID, "CAT"), text).correct, text


@pytest.mark.parametrize("text,code", [
    ("NORTH", "N"), ("south-east", "SE"), ("north east", "NE"), ("NORTHEAST", "NE"), ("UP-RIGHT", "NE"),
    ("down left", "SW"), ("nw", "NW"), ("up down", None), ("east west", None), ("W", "W"),
])
def test_direction_words(text, code):
    assert direction_code(text) == code


def test_spelled_diagonals_verify():
    inst = _inst(("AXXXX", "XBXXX", "XXCXX", "XXXXX", "XXXXX"), "ABC")
    for ans in ("ABC SE @ (1, 1)", "ABC south-east @ (1, 1)", "ABC DOWN-RIGHT (1, 1)", "ABC SOUTHEAST [1,1]"):
        assert TASK.verify(inst, ans).correct, ans
    assert TASK.verify(inst, "CBA NW @ (3, 3)").reason.startswith("wrong word")
    assert TASK.verify(_inst(("AXXXX", "XBXXX", "XXCXX", "XXXXX", "XXXXX"), "CBA"), "CBA NW @ (3, 3)").correct


@pytest.mark.parametrize("text,phrase,score", [
    ("DOG E @ (1, 1)", "wrong word", 0.0),
    ("CAT E @ (6, 1)", "outside", 0.0),
    ("CAT E @ (0, 1)", "outside", 0.0),
    ("CAT W @ (1, 1)", "leaves the grid after 1", 1 / 3),
    ("CAT E @ (1, 2)", "letter 1", 0.0),
    ("CAT SE @ (1, 1)", "letter 2 at (2, 2) is X, not A", 1 / 3),
    ("CAT UP DOWN @ (1, 1)", "direction", 0.0),
])
def test_rule_violations(text, phrase, score):
    v = TASK.verify(_inst(GRID, "CAT"), text)
    assert not v.correct and phrase in v.reason and v.score == pytest.approx(score)


def test_unparseable_and_garbage():
    inst = TASK.instance(3, 0)
    hp.assert_garbage_rejected(inst=inst, task=TASK, texts=hp.small_garbage(
        "CAT SE", "(1, 2)", "SE @ (1, 2)", "CAT SE @ (２, ３)", "CAT SE @ (١, ٢)", "CAT SE @ (1" + "0" * 5000 + ", 2)",
        "A " * 40_000, "{" * 10_000, "CAT SE @ (" * 5000))
    assert "no location" in TASK.verify(inst, "CAT SE").reason


test_arbitrary_text_never_raises = hp.arbitrary_text_test(TASK, 2, max_examples=100, check="wrong")


def test_mutations_rejected():
    for level in range(1, 6):
        for seed in range(5):
            inst = TASK.instance(level, seed)
            muts = mut.mutations(TASK, inst, TASK.expert_answer(inst))
            assert len(set(muts)) >= 5
            for m in muts:
                v = TASK.verify(inst, m)
                assert not v.correct and v.reason


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_importer_on_fixtures(level):
    n = LEVELS[level][0]
    for rec, inst in hp.imported_fixtures(TASK, "WordSearch", level, "wordsearch", n=n):
        word = rec["answer"].split()[0]
        assert inst.state["word"] == word
        assert TASK.verify(inst, rec["answer"]).correct  # sandbox order WORD DIR (x, y) @
        x, y, d = TASK.solution(inst)
        assert TASK.verify(inst, f"{word} {d} @ ({x}, {y})").correct
        assert TASK.verify(inst, TASK.expert_answer(inst)).correct


def test_importer_rejects_bad_records():
    good = hp.fixture_record(1, "wordsearch")
    for bad in (
        {**good, "initial_state": "[['A', 'B'], ['C']]"},
        {**good, "initial_state": "[['1', 'B'], ['C', 'D']]"},
        {**good, "initial_state": None},
        {**good, "answer": "(1, 2) @"},
        {**good, "answer": "ABCDEFGHIJ E (1, 1) @"},
        {**good, "category": "maze"},
    ):
        with pytest.raises(RecordError):
            TASK.from_record(bad)
    rec = {k: v for k, v in good.items() if k != "difficulty"}
    assert TASK.from_record(rec).level == 1  # level from the grid size


def test_determinism_and_fresh_processes():
    a, b = TASK.instance(4, 9), TASK.instance(4, 9)
    assert a.state == b.state and TASK.prompt(a, "text") == TASK.prompt(b, "text")
    assert hashlib.sha256(TASK.render(a).tobytes()).digest() == hashlib.sha256(TASK.render(b).tobytes()).digest()
    hg.assert_fresh_processes_agree("WordSearch", levels=(1, 5))


def test_render_and_prompts():
    for level in (1, 5):
        inst = TASK.instance(level, 1)
        hp.assert_render_sizes(TASK, inst)
        image_prompt, text_prompt = hp.assert_prompts_clean(TASK, inst)
        word = inst.state["word"]
        assert word in image_prompt and "image" in image_prompt
        assert f"Word to find: {word}" in text_prompt and "image" not in text_prompt
        for row in inst.state["grid"]:
            assert " ".join(row) in text_prompt
        for p in (image_prompt, text_prompt):
            assert "WORD DIRECTION @ (x, y)" in p and "(3, 4) means column 3 from the left, row 4 from the top" in p


def test_trace_ends_in_verifying_answer():
    for level in range(1, 6):
        for seed in range(4):
            inst = TASK.instance(level, seed)
            trace = hp.assert_trace_verifies(TASK, inst, contains=("Cells with",))
            assert extract_answer(trace) == TASK.expert_answer(inst)
