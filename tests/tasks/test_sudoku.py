"""Sudoku: generator levels, uniqueness, verifier, importer, step mode, rendering, trace."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.tasks.puzzles import sudoku as mod
from mmhelix_env.tasks.puzzles.sudoku import TASK
from tests import helpers_puzzle as hp
from tests.mutators import sudoku as mutators

CHARSET = set("".join(chr(c) for c in range(32, 127)) + "\n\t\r\x0b\x0c" + "×÷−–—→←↑↓·…’“”≤≥≠█")


def flat(grid) -> list[int]:
    return [int(v) for row in grid for v in row]


def is_valid_solution(givens: list[int], sol: list[int]) -> bool:
    if any(not 1 <= v <= 9 for v in sol) or any(g and g != s for g, s in zip(givens, sol)):
        return False
    return all(sorted(sol[i] for i in unit) == list(range(1, 10)) for unit in mod.UNITS)


def make_instance(grid: list[int], level: int = 1) -> Instance:
    return Instance("Sudoku", level, None, "1", {"size": 9, "givens": sum(1 for v in grid if v),
                                                 "grid": [grid[r * 9:r * 9 + 9] for r in range(9)]})


@pytest.fixture(scope="module")
def instances():
    return {lv: [TASK.instance(lv, s) for s in range(25)] for lv in range(1, 6)}


# ---------------------------------------------------------------------------------------------------------------
# generator


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_level_parameters_and_uniqueness(instances, level):
    for inst in instances[level]:
        state = inst.state
        grid = flat(state["grid"])
        assert state["size"] == 9 and len(state["grid"]) == 9 and all(len(r) == 9 for r in state["grid"])
        assert all(0 <= v <= 9 for v in grid)
        n = sum(1 for v in grid if v)
        assert state["givens"] == n
        if level < 5:
            assert n == mod.GIVENS[level]
        else:
            assert 24 <= n <= 26
        assert TASK.count(inst, 2) == 1, "generated puzzles have exactly one solution"
        assert is_valid_solution(grid, flat(inst._witness))
        assert "solution" not in state and "answer" not in state


def test_level5_mostly_reaches_24(instances):
    counts = [inst.state["givens"] for inst in instances[5]]
    assert sum(1 for n in counts if n == 24) >= 0.9 * len(counts)


def test_levels_get_harder(instances):
    med = {lv: np.median([TASK.stats(i)["initial_candidates"] for i in instances[lv][:10]]) for lv in range(1, 6)}
    assert all(med[lv] < med[lv + 1] for lv in range(1, 5))
    s = TASK.stats(instances[5][0])
    assert set(s) >= {"givens", "blanks", "search_nodes", "guesses"}


def test_full_grid_valid_and_varied():
    grids = {tuple(mod.full_grid(np.random.default_rng(s))) for s in range(20)}
    assert len(grids) == 20
    for g in grids:
        assert is_valid_solution([0] * 81, list(g))


def test_counter():
    sol = flat(TASK.instance(3, 1)._witness)
    assert mod.count_solutions(sol, 2)[0] == 1
    assert mod.count_solutions([0] * 81, 2)[0] == 2  # stops at 2
    bad = list(sol)
    bad[1] = bad[0]  # clash in row 1
    assert mod.count_solutions(bad, 2)[0] == 0
    # a puzzle with a deadly rectangle: exactly two solutions
    for seed in range(50):
        full = mod.full_grid(np.random.default_rng(seed))
        for a in range(81):
            for b in range(a + 1, 81):
                ra, ca, rb, cb = a // 9, a % 9, b // 9, b % 9
                if ra == rb or ca == cb or (ra // 3 != rb // 3):
                    continue
                c, d = ra * 9 + cb, rb * 9 + ca
                if full[a] == full[b] and full[c] == full[d]:
                    puz = list(full)
                    for k in (a, b, c, d):
                        puz[k] = 0
                    n, sols = mod.count_solutions(puz, 5)
                    assert n == 2 and len(sols) == 2
                    inst = make_instance(puz)
                    for s in sols:  # both valid answers are accepted
                        assert TASK.verify(inst, " ".join(map(str, s))).correct
                    return
    pytest.fail("no deadly rectangle found")


def test_carve_keeps_uniqueness():
    rng = np.random.default_rng(5)
    full = mod.full_grid(rng)
    puz, n = mod.carve(full, rng.permutation(81).tolist(), 22)
    assert n == sum(1 for v in puz if v) and n >= 17
    assert mod.count_solutions(puz, 2)[0] == 1


def test_determinism():
    hp.assert_same_seed_same_instance(TASK, (1, 5), 123, fingerprints=True, default_prompt=False)


# ---------------------------------------------------------------------------------------------------------------
# verifier


def test_round_trip_without_witness(instances):
    for level in range(1, 6):
        for inst in instances[level][:5]:
            fresh = Instance.from_dict(inst.to_dict())
            assert fresh._witness is None
            answer = TASK.expert_answer(fresh)
            v = TASK.verify(fresh, answer)
            assert v.correct and v.score == 1.0, v.reason
            assert answer == TASK.expert_answer(inst)  # unique


def test_lenient_formats(instances):
    inst = instances[2][0]
    sol = flat(inst._witness)
    rows = [sol[r * 9:r * 9 + 9] for r in range(9)]
    forms = [
        " ".join(map(str, sol)),
        "\n".join(" ".join(map(str, r)) for r in rows),
        ", ".join(map(str, sol)),
        json.dumps(rows),
        str([tuple(r) for r in rows]),
        "".join(map(str, sol)),
        "\n".join("".join(map(str, r)) for r in rows),
        "\n".join(" | ".join(" ".join(map(str, r[k:k + 3])) for k in (0, 3, 6))
                  + ("\n------+-------+------" if i in (2, 5) else "") for i, r in enumerate(rows)),
        "  " + "\n\n".join(" ".join(map(str, r)) + "  " for r in rows) + "\n",
    ]
    for text in forms:
        v = TASK.verify(inst, text)
        assert v.correct, (text, v.reason)
    assert TASK.verify_response(inst, "thinking...\n\\boxed{" + forms[0] + "}")[1].correct
    assert TASK.verify_response(inst, "<answer>" + forms[3] + "</answer>")[1].correct


def test_rule_violations(instances):
    inst = instances[3][0]
    sol = flat(inst._witness)
    givens = flat(inst.state["grid"])
    free = [i for i in range(81) if not givens[i]]
    fixed = [i for i in range(81) if givens[i]]

    def text(vals):
        return " ".join(map(str, vals))

    # a given changed: score 0, reason names the given
    bad = list(sol)
    g = fixed[0]
    bad[g] = bad[g] % 9 + 1
    v = TASK.verify(inst, text(bad))
    assert not v.correct and v.score == 0 and "given" in v.reason and mod.cell_name(g) in v.reason
    # a free cell changed: a unit holds a digit twice
    bad = list(sol)
    f = free[0]
    bad[f] = bad[f] % 9 + 1
    v = TASK.verify(inst, text(bad))
    assert not v.correct and "twice" in v.reason and 0 < v.score < 1
    # an empty cell (0 or .)
    for blank in ("0", "."):
        vals = [str(x) for x in sol]
        vals[f] = blank
        v = TASK.verify(inst, " ".join(vals))
        assert not v.correct and f"{mod.cell_name(f)} is empty" in v.reason
    # out-of-range value
    vals = [str(x) for x in sol]
    vals[f] = "12"
    v = TASK.verify(inst, " ".join(vals))
    assert not v.correct and "not a digit" in v.reason
    # wrong count
    v = TASK.verify(inst, text(sol[:80]))
    assert not v.correct and "81" in v.reason and v.score == 0
    v = TASK.verify(inst, text(sol + [1]))
    assert not v.correct and "81" in v.reason
    # swapped free cells of one row: columns break
    for r in range(9):
        row_free = [k for k in free if k // 9 == r and sol[k]]
        if len(row_free) >= 2:
            bad = list(sol)
            a, b = row_free[:2]
            bad[a], bad[b] = bad[b], bad[a]
            v = TASK.verify(inst, text(bad))
            assert not v.correct and "column" in v.reason and "twice" in v.reason
            break


def test_alternative_solutions_of_open_grid():
    inst = make_instance([0] * 81)
    sol = mod.full_grid(np.random.default_rng(0))
    transposed = [sol[(i % 9) * 9 + i // 9] for i in range(81)]
    relabel = [(v % 9) + 1 for v in sol]
    for grid in (sol, transposed, relabel):
        assert TASK.verify(inst, " ".join(map(str, grid))).correct


def test_mutators(instances):
    hp.assert_mutations_rejected(TASK, mutators, instances, 4)


GARBAGE = [
    "",
    "   ",
    "a" * 1_000_000,
    bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8)).decode("latin-1"),
    "\\boxed{" + "{" * 10_000 + "}" * 10_000 + "}",
    "١٢٣٤٥٦٧٨٩ " * 9,
    "２４ " * 81,
    "9" * 5000,
    " ".join(["9" * 5000] * 81),
    "[" * 10_000 + "]" * 10_000,
    "1 " * 19_999,
]


def test_garbage_rejected(instances):
    inst = instances[1][0]
    for text in GARBAGE:
        v = TASK.verify(inst, text)
        assert not v.correct and v.reason
        answer, v = TASK.verify_response(inst, text)
        assert not v.correct


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=400))
def test_arbitrary_text_never_raises(text):
    inst = TASK.instance(1, 0)
    v = TASK.verify(inst, text)
    assert not v.correct and 0 <= v.score < 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=75, max_size=88), st.sampled_from([" ", ",", "\n", ""]))
def test_arbitrary_number_lists(values, sep):
    inst = TASK.instance(2, 0)
    v = TASK.verify(inst, sep.join(map(str, values)))
    assert isinstance(v.correct, bool) and v.reason


# ---------------------------------------------------------------------------------------------------------------
# importer


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_import_fixtures(level):
    for rec, inst in hp.imported_fixtures(TASK, "Sudoku", level, "sudoku"):
        assert inst.state["givens"] == rec["givens"]
        assert TASK.count(inst) == 1
        v = TASK.verify(inst, rec["answer"])
        assert v.correct, v.reason
        assert inst._witness is not None
        assert TASK.expert_answer(inst) == " ".join(rec["answer"].split())


def test_import_published_row_layout():
    rec = hp.fixture_record(4, "sudoku")
    row = {"id": 7, "category": "sudoku", "question": rec["question"], "question_text": rec["question_language"],
           "answer": rec["answer"], "difficulty": 4, "metric_info": "{'score_function': 'sudoku_evaluator'}",
           "initial_state": rec["initial_state"].replace("\n", "\\n")}
    inst = TASK.from_record(row)
    assert inst.level == 4 and inst.fingerprint == TASK.from_record(rec).fingerprint
    # zeros as blanks, a nested list, no difficulty (level inferred from the givens)
    zeros = {"initial_state": rec["initial_state"].replace(".", "0"), "answer": "1 2 3"}
    inst2 = TASK.from_record(zeros)
    assert inst2.fingerprint == inst.fingerprint and inst2.level == 4 and inst2._witness is None
    nested = {"initial_state": json.dumps([[int(t) if t != "." else 0 for t in line.split()]
                                            for line in rec["initial_state"].splitlines()]), "difficulty": "4"}
    assert TASK.from_record(nested).fingerprint == inst.fingerprint


def test_import_bad_records():
    rec = hp.fixture_record(1, "sudoku")
    lines = rec["initial_state"].splitlines()
    toks = lines[0].split()
    digits = [t for t in toks if t != "."]
    clash = " ".join([digits[0]] * 2 + ["."] * 7)
    cases = [
        {},
        {"initial_state": "1 2 3"},
        {"initial_state": "\n".join([clash] + lines[1:]), "difficulty": "1"},
        {"initial_state": rec["initial_state"].replace(".", "x", 1), "difficulty": "1"},
        {"initial_state": rec["initial_state"], "difficulty": "9"},
        {"initial_state": 42},
    ]
    for bad in cases:
        with pytest.raises(RecordError):
            TASK.from_record(bad)
    # a record whose stored answer is wrong imports without a witness
    wrong = dict(rec, answer=" ".join(["1"] * 81))
    assert TASK.from_record(wrong)._witness is None


# ---------------------------------------------------------------------------------------------------------------
# step mode


def test_step_mode_expert_and_rules(instances):
    inst = instances[4][0]
    givens = flat(inst.state["grid"])
    assert TASK.step_mode and TASK.action_shape(inst) == (9, 9, 10) and TASK.step_limit(inst) == 324
    play = TASK.play_init(inst)
    mask = TASK.play_mask(inst, play)
    assert mask.shape == (9, 9, 10) and mask.dtype == bool
    for i in range(81):
        assert mask[i // 9, i % 9].all() != bool(givens[i])
        assert not mask[i // 9, i % 9].any() == bool(givens[i])
    # illegal: writing on a given; state unchanged
    g = next(i for i in range(81) if givens[i])
    res = TASK.play_apply(inst, play, (g // 9, g % 9, 5))
    assert not res.legal and res.state == play and "given" in res.reason
    res = TASK.play_apply(inst, play, (9, 0, 1))
    assert not res.legal and res.state == play
    # conflicts are allowed while playing; erase works; input state is not mutated
    f = next(i for i in range(81) if not givens[i] and any(givens[(i // 9) * 9 + c] for c in range(9)))
    clash = next(givens[(f // 9) * 9 + c] for c in range(9) if givens[(f // 9) * 9 + c])
    before = play
    res = TASK.play_apply(inst, play, (f // 9, f % 9, clash))
    assert res.legal and play == before and res.state != play
    assert f in mod._conflicts(flat(res.state))
    assert TASK.play_apply(inst, res.state, (f // 9, f % 9, 0)).state == play
    TASK.render(inst, res.state)
    # the expert solves it on the last action only
    actions = TASK.expert_actions(inst)
    assert len(actions) == 81 - inst.state["givens"] <= TASK.step_limit(inst)
    for action in actions:
        assert mask[action]
        assert not TASK.play_solved(inst, play)
        res = TASK.play_apply(inst, play, action)
        assert res.legal
        play = res.state
    assert TASK.play_solved(inst, play)
    assert TASK.verify(inst, " ".join(str(v) for v in flat(play))).correct
    for modality in ("image", "text"):
        text = TASK.play_prompt(inst, play, modality)
        assert set(text) <= CHARSET and "(row, column, digit)" in text


def test_step_env_reward():
    given = hp.write_on_first_given("grid", 9, 1, given=lambda v: int(v) != 0)
    hp.assert_step_env_reward(TASK, 1, 3, (9, 9, 10), illegal=given)


# ---------------------------------------------------------------------------------------------------------------
# presentation


def test_render_and_prompts(instances):
    inst = instances[5][1]
    for size in (512, 300):
        img = TASK.render(inst, size=size)
        assert img.size == (size, size) and img.mode == "RGB"
    arr = np.asarray(TASK.render(inst))
    assert arr.std() > 10
    image_prompt = TASK.prompt(inst, "image")
    text_prompt = TASK.prompt(inst, "text")
    for p in (image_prompt, text_prompt):
        assert set(p) <= CHARSET
        assert "81 integers in row-major order, separated by single spaces" in p
        assert "{n*n}" not in p and "boxed" not in p
    assert "image" in image_prompt and "image" not in text_prompt.lower()
    assert "`.` marks an empty cell" in text_prompt
    for line in mod.grid_lines(inst.state["grid"]):
        assert line in text_prompt
        assert len(line.split()) == 9


def test_trace_ends_in_verifying_answer(instances):
    picked = [instances[lv][0] for lv in range(1, 6)]
    picked += [i for i in instances[5] if TASK.stats(i)["guesses"] >= 2][:2]
    assert any(TASK.stats(i)["guesses"] for i in picked), "a trace with guesses is covered"
    for inst in picked:
        trace = TASK.trace(inst)
        assert trace.splitlines()[-1].startswith("Answer: ")
        assert set(trace) <= CHARSET
        assert TASK.verify(inst, extract_answer(trace)).correct
        assert "single" in trace
        if TASK.stats(inst)["guesses"]:
            assert "Guess" in trace
