"""Kukurasu: generator levels and uniqueness, rule verifier, importer (solution leak stripped), step mode,
rendering, prompts, trace."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.core.grid_puzzle import matrix_text
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.puzzles import kukurasu as mod
from mmhelix_env.tasks.puzzles.kukurasu import TASK
from tests.mutators import kukurasu as mutators

FIXTURES = Path("/work/shared/fixtures/reference_sample")
SEEDS = range(40)


def make(rows, cols, level=1) -> Instance:
    return Instance("Kukurasu", level, None, "1", {"n": len(rows), "row_sums": rows, "col_sums": cols})


@pytest.fixture(scope="module")
def instances():
    return {lv: [TASK.instance(lv, s) for s in SEEDS] for lv in range(1, 6)}


# ---------------------------------------------------------------------------------------------------------------
# generator


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_level_parameters_and_uniqueness(instances, level):
    n = mod.LEVEL_SIZE[level]
    density = []
    for inst in instances[level]:
        st_ = inst.state
        assert set(st_) == {"n", "row_sums", "col_sums"} and st_["n"] == n
        assert len(st_["row_sums"]) == len(st_["col_sums"]) == n
        assert all(v >= 1 for v in st_["row_sums"] + st_["col_sums"])  # no empty line
        sol = inst._witness
        rows, cols = mod.line_sums(sol)
        assert rows == list(st_["row_sums"]) and cols == list(st_["col_sums"])
        assert TASK.count(inst) == 1
        density.append(np.mean(sol))
    assert 0.3 <= np.mean(density) <= 0.75


def test_very_easy_has_variety():
    fps = {TASK.instance(1, s).fingerprint for s in range(300)}
    assert len(fps) > 100


def test_levels_get_harder(instances):
    for key in ("propagations", "deductions", "line_options"):
        med = {lv: np.median([TASK.stats(i)[key] for i in instances[lv][:15]]) for lv in range(1, 6)}
        assert all(med[lv] < med[lv + 1] for lv in range(1, 5)), (key, med)


def test_determinism():
    for level in (1, 5):
        a, b = TASK.instance(level, 9), TASK.instance(level, 9)
        assert a.state == b.state
        assert TASK.render(a).tobytes() == TASK.render(b).tobytes()
        assert TASK.prompt(a, "text") == TASK.prompt(b, "text") and TASK.prompt(a) == TASK.prompt(b)


# ---------------------------------------------------------------------------------------------------------------
# verifier


def test_round_trip_without_witness(instances):
    for level in range(1, 6):
        for inst in instances[level][:5]:
            fresh = Instance.from_dict(inst.to_dict())
            answer = TASK.expert_answer(fresh)
            assert answer == matrix_text(inst._witness)
            assert TASK.verify(fresh, answer).correct


def test_lenient_formats(instances):
    inst = instances[3][1]
    sol = [list(r) for r in inst._witness]
    forms = [
        matrix_text(sol),
        json.dumps(sol),
        json.dumps(sol, indent=1),
        "\n".join(" ".join(map(str, r)) for r in sol),
        "\n".join("".join(map(str, r)) for r in sol),
        "\n".join(",".join(map(str, r)) for r in sol),
        " \\\\ ".join(" & ".join(map(str, r)) for r in sol),
        "".join(str(v) for r in sol for v in r),
        " ".join(str(v) for r in sol for v in r),
        "Example answer format: [[1, 1, 0], [1, 0, 1], [0, 0, 1]].\nMy answer: " + matrix_text(sol),
    ]
    for text in forms:
        v = TASK.verify(inst, text)
        assert v.correct, (text, v.reason)
    assert TASK.verify_response(inst, "\\boxed{" + forms[0] + "}")[1].correct


def test_rule_violations(instances):
    inst = instances[4][0]
    n = inst.state["n"]
    sol = [list(r) for r in inst._witness]
    bad = [r[:] for r in sol]
    bad[1][2] = 1 - bad[1][2]
    v = TASK.verify(inst, matrix_text(bad))
    assert not v.correct and "row 2: black cells at columns" in v.reason and "column 3:" in v.reason
    assert v.score == pytest.approx((2 * n - 2) / (2 * n))
    bad[1][2] = 2
    v = TASK.verify(inst, matrix_text(bad))
    assert not v.correct and v.score == 0 and "cell (2,3) holds 2" in v.reason
    v = TASK.verify(inst, matrix_text(sol[:-1]))
    assert not v.correct and "grid" in v.reason
    v = TASK.verify(inst, matrix_text([[0] * n for _ in range(n)]))
    assert not v.correct and "sum to 0" in v.reason


def test_alternative_solutions_accepted():
    groups: dict = {}
    for bits in itertools.product((0, 1), repeat=9):
        grid = [list(bits[0:3]), list(bits[3:6]), list(bits[6:9])]
        rows, cols = mod.line_sums(grid)
        if min(rows + cols) > 0:
            groups.setdefault((tuple(rows), tuple(cols)), []).append(grid)
    (rows, cols), grids = next((k, g) for k, g in sorted(groups.items()) if len(g) >= 2)
    inst = make(list(rows), list(cols))
    assert TASK.count(inst) == 2
    for grid in grids:
        assert TASK.verify(inst, matrix_text(grid)).correct
    assert sum(len(g) for g in groups.values()) == 265  # the spec's count of 3x3 grids without an empty line


def test_mutators(instances):
    for level in range(1, 6):
        for inst in instances[level][:4]:
            answer = TASK.expert_answer(inst)
            muts = mutators.mutations(TASK, inst, answer)
            assert len(set(muts)) >= 5
            for m in muts:
                v = TASK.verify(inst, m)
                assert not v.correct and v.reason


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text):
    v = TASK.verify(TASK.instance(1, 0), text)
    assert isinstance(v.correct, bool) and 0 <= v.score <= 1


def test_garbage_rejected():
    import time

    inst = TASK.instance(5, 0)
    for text in ("", "x" * 100_000, "[" * 10_000 + "]" * 10_000, "١٠١ ٠١٠", "０１", "1" * 20_000,
                 bytes(np.random.default_rng(3).integers(0, 256, 4096, dtype=np.uint8)).decode("latin-1")):
        t0 = time.perf_counter()
        v = TASK.verify(inst, text)
        assert not v.correct and v.reason and time.perf_counter() - t0 < 0.05


# ---------------------------------------------------------------------------------------------------------------
# importer


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_import_fixtures(level):
    records = json.loads((FIXTURES / f"d{level}" / "kukurasu" / "annotations.json").read_text())
    for rec in records:
        inst = TASK.from_record(rec)
        assert inst.task == "Kukurasu" and inst.level == level and inst.state["n"] == level + 2
        assert "solution" not in inst.state  # the record's solution leak is stripped
        assert list(inst.state["row_sums"]) == rec["initial_state"]["row_sums"]
        assert inst._witness is not None and [list(r) for r in inst._witness] == rec["answer"]
        assert TASK.verify(inst, json.dumps(rec["answer"])).correct
        assert TASK.expert_answer(inst) == matrix_text(rec["answer"])


def test_import_published_row_and_bad_records():
    rec = json.loads((FIXTURES / "d2" / "kukurasu" / "annotations.json").read_text())[0]
    row = {"id": 1, "category": "Kukurasu", "question": rec["question"], "question_text": rec["question_language"],
           "answer": json.dumps(rec["answer"]), "difficulty": 2, "initial_state": json.dumps(rec["initial_state"])}
    inst = TASK.from_record(row)
    assert inst.fingerprint == TASK.from_record(rec).fingerprint and inst._witness is not None
    hint = TASK.from_record({"initial_state": rec["initial_state"]})
    assert hint.level == 2
    init = rec["initial_state"]
    for bad in ({}, {"initial_state": [1, 2]}, {"initial_state": dict(init, row_sums=[1])},
                {"initial_state": dict(init, row_sums=[99] * 4)},
                {"initial_state": dict(init, row_sums=[1, 1, 1, 1], col_sums=[10, 10, 10, 10])},
                {"initial_state": init, "category": "kakuro"}):
        with pytest.raises(RecordError):
            TASK.from_record(bad)


# ---------------------------------------------------------------------------------------------------------------
# step mode


def test_step_mode(instances):
    inst = instances[5][3]
    n = inst.state["n"]
    assert TASK.action_shape(inst) == (n, n, 3) == TASK.level_action_shape(5) and TASK.step_limit(inst) == 4 * n * n
    play = TASK.play_init(inst)
    mask = TASK.play_mask(inst, play)
    assert mask.shape == (n, n, 3) and mask.all()
    # white marks are notes only; a no-op is legal
    res = TASK.play_apply(inst, play, (0, 0, 2))
    assert res.legal and res.state[0][0] == 2 and play[0][0] == 0
    assert TASK.play_apply(inst, play, (0, 0, 0)).legal
    marked = res.state
    actions = TASK.expert_actions(inst)
    assert len(actions) == sum(v for row in inst._witness for v in row) and all(a[2] == 1 for a in actions)
    for a in actions:
        assert not TASK.play_solved(inst, marked)
        marked = TASK.play_apply(inst, marked, a).state
    if inst._witness[0][0] == 0:  # the white mark on (0,0) does not spoil the solution
        assert marked[0][0] == 2
    assert TASK.play_solved(inst, marked)
    assert TASK.render(inst, marked).size == (512, 512)
    for modality in ("image", "text"):
        text = TASK.play_prompt(inst, marked, modality)
        assert set(text) <= CHARSET and "value 1 makes the cell black" in text


def test_step_env_reward():
    from mmhelix_env.envs.step_env import StepEnv

    env = StepEnv(TASK, 3, modality="text")
    _, info = env.reset(seed=2)
    assert info["action_mask"].shape == (5, 5, 3)
    actions = TASK.expert_actions(env.instance)
    for k, a in enumerate(actions):
        _, reward, term, _, info = env.step(np.array(a))
        assert not info["illegal"] and reward == (1.0 if k == len(actions) - 1 else 0.0)
    assert term and info["solved"]


# ---------------------------------------------------------------------------------------------------------------
# presentation


def test_render_and_prompts(instances):
    inst = instances[5][0]
    img = TASK.render(inst)
    assert img.size == (512, 512)
    arr = np.asarray(img)
    assert (arr.reshape(-1, 3).min(axis=1) < 60).mean() < 0.05  # no pre-marked cells: the board is mostly light
    solved = np.asarray(TASK.render(inst, TASK.solution_codes(inst)))
    assert (solved.reshape(-1, 3).max(axis=1) < 60).mean() > 0.1
    board = TASK.board(inst)
    assert board.clues["right"] == [str(v) for v in inst.state["row_sums"]] and board.coords == 1
    image_prompt, text_prompt = TASK.prompt(inst, "image"), TASK.prompt(inst, "text")
    for p in (image_prompt, text_prompt):
        assert set(p) <= CHARSET and mod.FORMAT_SENTENCE in p and "blackcells" not in p
        assert matrix_text(inst._witness) not in p and "7x7" in p
    assert "number on the right" in image_prompt and "grey" in image_prompt
    assert "image" not in text_prompt.lower()
    for r, v in enumerate(inst.state["row_sums"]):
        assert f"Row {r + 1}: {v}" in text_prompt
    for c, v in enumerate(inst.state["col_sums"]):
        assert f"Column {c + 1}: {v}" in text_prompt


def test_trace_ends_in_verifying_answer(instances):
    picked = [instances[lv][0] for lv in range(1, 6)]
    guessing = [i for lv in (4, 5) for i in instances[lv] if TASK.search_work(i)["guesses"]][:2]
    for inst in picked + guessing:
        trace = TASK.trace(inst)
        assert trace.splitlines()[-1].startswith("Answer: ")
        assert set(trace) <= CHARSET and "still possible" in trace
        assert TASK.verify(inst, extract_answer(trace)).correct
    # a puzzle that needs a case split is explained with it
    hard = make([3, 3, 3], [3, 3, 3])  # several solutions: the search must branch
    trace = TASK.trace(hard)
    assert "Suppose" in trace and TASK.verify(hard, extract_answer(trace)).correct
