"""Snake (path puzzle): generator levels and uniqueness, rule verifier, lenient parsing, importer, step mode,
rendering, prompts, trace."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.puzzles import snake as mod
from mmhelix_env.tasks.puzzles.snake import TASK, path_text
from tests.mutators import snake as mutators

FIXTURES = Path("/work/shared/fixtures/reference_sample")
SEEDS = range(20)


def make(n, path, level=1) -> Instance:
    rows, cols = mod.counts_of([r * n + c for r, c in path], n)
    return Instance("Snake", level, None, "1", {"n": n, "start": list(path[0]), "end": list(path[-1]),
                                                "row_counts": rows, "col_counts": cols})


@pytest.fixture(scope="module")
def instances():
    return {lv: [TASK.instance(lv, s) for s in SEEDS] for lv in range(1, 6)}


# ---------------------------------------------------------------------------------------------------------------
# generator


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_level_parameters_and_uniqueness(instances, level):
    sizes, (lo, hi), min_turns, min_detour = mod.LEVEL_PARAMS[level]
    for inst in instances[level]:
        s = inst.state
        n = s["n"]
        assert set(s) == {"n", "start", "end", "row_counts", "col_counts"} and n in sizes
        sol = inst._witness
        cells = [r * n + c for r, c in sol]
        assert lo <= len(sol) <= hi
        assert mod.turns_of(cells, n) >= min_turns and mod.detour_of(cells, n) >= min_detour
        assert list(sol[0]) == list(s["start"]) and list(sol[-1]) == list(s["end"])
        assert TASK.verify(inst, path_text(sol)).correct
        if level <= 4 or inst.seed < 8:
            assert TASK.count(inst) == 1


def brute_force_snakes(n, start, end, rows, cols, limit=50):
    """Every snake from start to end meeting the counts, by plain DFS over cell sequences (no pruning but the
    counts and the rules checked cell by cell): an independent reference for the engine model."""
    out = []
    total = sum(rows)

    def ok_step(path, x):
        xr, xc = divmod(x, n)
        for i, c in enumerate(path):
            cr, cc = divmod(c, n)
            d = abs(cr - xr) + abs(cc - xc)
            gap = len(path) - i
            if c == x or (d == 1 and gap >= 2) or (abs(cr - xr) == 1 and abs(cc - xc) == 1 and gap >= 3):
                return False
        return True

    def dfs(path, r_left, c_left):
        if len(out) >= limit:
            return
        cur = path[-1]
        if len(path) == total:
            if cur == end:
                out.append(list(path))
            return
        if cur == end:
            return
        r, c = divmod(cur, n)
        for dr, dc in ((-1, 0), (0, -1), (0, 1), (1, 0)):
            xr, xc = r + dr, c + dc
            if 0 <= xr < n and 0 <= xc < n and r_left[xr] and c_left[xc] and ok_step(path, xr * n + xc):
                r_left[xr] -= 1
                c_left[xc] -= 1
                path.append(xr * n + xc)
                dfs(path, r_left, c_left)
                path.pop()
                r_left[xr] += 1
                c_left[xc] += 1

    r_left, c_left = list(rows), list(cols)
    sr, sc = divmod(start, n)
    if total < 2 or not r_left[sr] or not c_left[sc]:
        return out
    r_left[sr] -= 1
    c_left[sc] -= 1
    dfs([start], r_left, c_left)
    return out


def test_engine_model_matches_brute_force():
    """The core.csp model (SnakePath: both ends, forced steps, travel and reach bounds) finds exactly the snakes a
    plain DFS finds (up to 10), on drawn paths (unique or not) and on perturbed counts or ends (often unsolvable),
    and every one keeps all the rules."""
    compared = multi = empty = 0
    for seed in range(200):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(4, 7))
        p = mod.grow(rng, n, int(rng.integers(3, 12)))
        if p is None:
            continue
        rows, cols = mod.counts_of(p, n)
        start, end = p[0], p[-1]
        if seed % 3 == 2:
            i, j = (int(x) for x in rng.integers(n, size=2))
            if rows[i] and rows[j] < n:
                rows[i] -= 1
                rows[j] += 1
            end = int(rng.integers(n * n)) if seed % 2 else end
        if start == end:
            continue
        want = brute_force_snakes(n, start, end, rows, cols, limit=10)
        sols, done = mod.Model(n, start, end, rows, cols).search(10, max_nodes=None)
        assert done
        assert sorted(map(tuple, sols)) == sorted(map(tuple, want)), (seed, len(sols), len(want))
        assert all(mod.is_snake(s, n, list(rows), list(cols)) for s in sols)
        compared += 1
        multi += len(want) > 1
        empty += not want
    assert compared >= 150 and empty >= 10
    rng = np.random.default_rng(5)
    for _ in range(3000):  # puzzles with several snakes (rare among drawn paths)
        n = int(rng.integers(5, 7))
        p = mod.grow(rng, n, int(rng.integers(7, 11)))
        if p is None:
            continue
        rows, cols = mod.counts_of(p, n)
        want = brute_force_snakes(n, p[0], p[-1], rows, cols, limit=10)
        if len(want) > 1:
            sols, done = mod.Model(n, p[0], p[-1], rows, cols).search(10, max_nodes=None)
            assert done and sorted(map(tuple, sols)) == sorted(map(tuple, want))
            multi += 1
            if multi >= 8:
                break
    assert multi >= 8


def test_engine_model_branches_on_the_heads():
    """Forced steps are propagation, not search nodes; the engine only branches on a head's candidates, and a
    branch's value is a neighbour of the piece it extends."""
    for seed in range(6):
        inst = TASK.instance(4, seed)
        model = TASK.model(inst)
        log: list = []
        sols, done = model.search(2, max_nodes=None, log=log)
        assert done and len(sols) == 1 and model.result.nodes >= 1
        orth = mod.geometry(model.n)[0]
        for ev in log:
            if ev[0] == "branch":
                _, var, value, _, dom = ev
                assert dom[var].bit_count() >= 2
                fixed_before = dom[var - 1].bit_count() == 1 and orth[dom[var - 1].bit_length() - 1] >> value & 1
                fixed_after = dom[var + 1].bit_count() == 1 and orth[dom[var + 1].bit_length() - 1] >> value & 1
                assert fixed_before or fixed_after


def test_infeasible_counts_and_budget():
    n = 5
    assert mod.Model(n, 0, 24, [1] * 5, [1] * 5).search(2) == ([], True)  # S's corner shares no path
    assert not mod.Model(n, 0, 0, [1, 0, 0, 0, 0], [1, 0, 0, 0, 0]).ok
    assert not mod.Model(n, 0, 4, [2, 0, 0, 0, 0], [1, 0, 0, 0, 0]).ok  # totals differ
    inst = TASK.instance(5, 0)
    sols, done = TASK.model(inst).search(2, max_nodes=1)
    assert not done


def test_is_snake_rules():
    n = 5
    path = [0, 1, 2, 7, 12, 11, 10, 15, 20]  # an S shape: turns touch only at corners
    rows, cols = mod.counts_of(path, n)
    assert mod.is_snake(path, n, rows, cols)
    assert not mod.is_snake([0, 1, 6, 5], n, *mod.counts_of([0, 1, 6, 5], n))  # 0 and 5 touch orthogonally
    assert not mod.is_snake([0, 1, 2, 7, 6, 11], n, *mod.counts_of([0, 1, 2, 7, 6, 11], n))  # 1 and 6 touch
    assert not mod.is_snake([0, 1, 7], n, *mod.counts_of([0, 1, 7], n))  # not adjacent
    assert not mod.is_snake(path, n, [x + (i == 0) for i, x in enumerate(rows)], cols)  # a count differs


def test_levels_get_harder(instances):
    for key in ("cells", "turns", "detour", "search_nodes"):
        med = {lv: np.median([TASK.stats(i)[key] for i in instances[lv][:12]]) for lv in range(1, 6)}
        assert all(med[lv] < med[lv + 1] for lv in range(2, 5)) and med[1] <= med[2], (key, med)


def test_determinism():
    for level in (1, 4):
        a, b = TASK.instance(level, 9), TASK.instance(level, 9)
        assert a.state == b.state
        assert TASK.render(a).tobytes() == TASK.render(b).tobytes()
        assert TASK.prompt(a, "text") == TASK.prompt(b, "text") and TASK.prompt(a) == TASK.prompt(b)


# ---------------------------------------------------------------------------------------------------------------
# verifier


def test_round_trip_without_witness(instances):
    for level in range(1, 5):
        for inst in instances[level][:4]:
            fresh = Instance.from_dict(inst.to_dict())
            answer = TASK.expert_answer(fresh)
            assert answer == path_text(inst._witness)
            assert TASK.verify(fresh, answer).correct


def test_lenient_formats(instances):
    inst = instances[2][1]
    sol = list(inst._witness)
    forms = [
        path_text(sol),
        ", ".join(f"({r}, {c})" for r, c in sol),
        " -> ".join(f"({r},{c})" for r, c in sol),
        " → ".join(f"({r},{c})" for r, c in sol),
        "\n".join(f"({r},{c})" for r, c in sol),
        json.dumps([list(p) for p in sol]),
        " ".join(f"[{r},{c}]" for r, c in sol),
        path_text(sol[::-1]),  # from E to S
        "Start at " + " then ".join(f"({r},{c})" for r, c in sol) + ".",
    ]
    for text in forms:
        v = TASK.verify(inst, text)
        assert v.correct, (text, v.reason)
    assert TASK.verify_response(inst, "\\boxed{" + forms[0] + "}")[1].correct


def test_rule_violations():
    n = 6
    path = [(0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (3, 0), (4, 0)]
    inst = make(n, path)
    assert TASK.verify(inst, path_text(path)).correct
    v = TASK.verify(inst, path_text(path[:-1]))
    assert not v.correct and "runs from (0,0) to (3,0)" in v.reason and "row 4 has 0" in v.reason
    v = TASK.verify(inst, path_text(path[:3] + path[4:]))
    assert not v.correct and "are not orthogonal neighbours" in v.reason
    v = TASK.verify(inst, path_text(path[:3] + [path[2]] + path[3:]))
    assert not v.correct and "used twice" in v.reason
    v = TASK.verify(inst, path_text(path + [(9, 9)]))
    assert not v.correct and "outside the 6x6 grid" in v.reason and v.score == 0
    # touching: a U-turn whose arms share a side
    u = [(0, 0), (0, 1), (1, 1), (1, 0), (2, 0)]
    inst_u = make(n, u)
    v = TASK.verify(inst_u, path_text(u))
    assert not v.correct and "touches itself orthogonally" in v.reason and 0 < v.score < 1
    d = [(0, 0), (0, 1), (1, 1), (1, 2), (2, 2), (2, 1), (3, 1)]  # (2,1) shares a side with (1,1)
    v = TASK.verify(make(n, d), path_text(d))
    assert not v.correct and "touches itself" in v.reason
    diag = [(1, 0), (0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1)]  # (2,1) diagonal to (1,0): 6 apart
    v = TASK.verify(make(n, diag), path_text(diag))
    assert not v.correct and "touches itself diagonally" in v.reason
    turn = [(0, 0), (0, 1), (1, 1)]  # the corner contact of a turn is allowed
    assert TASK.verify(make(n, turn), path_text(turn)).correct
    for text in ("(0,0)", "no cells", ""):
        assert not TASK.verify(inst, text).correct


def test_alternative_solutions_accepted():
    """A drawn (non-generated) puzzle with two snakes: both pass the rule check."""
    found = None
    for sz in (5, 6):
        rng = np.random.default_rng(sz)
        for _ in range(400):
            p = mod.grow(rng, sz, 9)
            if p is None:
                continue
            rows, cols = mod.counts_of(p, sz)
            sols = mod.Model(sz, p[0], p[-1], rows, cols).search(2, max_nodes=None)[0]
            if len(sols) == 2:
                found = (sz, sols)
                break
        if found:
            break
    assert found is not None
    sz, sols = found
    path = [divmod(i, sz) for i in sols[0]]
    inst = make(sz, path)
    assert TASK.count(inst) == 2
    for sol in sols:
        assert TASK.verify(inst, path_text([divmod(i, sz) for i in sol])).correct


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


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(-2, 8), st.integers(-2, 8)), max_size=40))
def test_arbitrary_paths_never_raise(path):
    v = TASK.verify(TASK.instance(1, 0), path_text(path))
    assert isinstance(v.correct, bool) and 0 <= v.score <= 1 and (v.correct or v.reason)


def test_garbage_rejected():
    inst = TASK.instance(4, 0)
    noise = bytes(np.random.default_rng(3).integers(0, 256, 4096, dtype=np.uint8)).decode("latin-1")
    for text in ("", "x" * 100_000, "[" * 10_000 + "]" * 10_000, "(١,٢) (٢,٢)", "(２,４)", "(1,1) " * 3_000,
                 "1 " * 9_000, noise, "(" * 15_000):
        t0 = time.perf_counter()
        v = TASK.verify(inst, text)
        assert not v.correct and v.reason and time.perf_counter() - t0 < 0.05


# ---------------------------------------------------------------------------------------------------------------
# importer


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_import_fixtures(level):
    records = json.loads((FIXTURES / f"d{level}" / "snake" / "annotations.json").read_text())
    for rec in records:
        inst = TASK.from_record(rec)
        assert inst.task == "Snake" and inst.level == level and inst.state["n"] == rec["grid_size"]["rows"]
        assert inst._witness is not None
        assert TASK.verify(inst, rec["answer_str"]).correct
        assert TASK.verify(inst, json.dumps(rec["answer"])).correct
        fresh = Instance.from_dict(inst.to_dict())
        assert TASK.verify(fresh, TASK.expert_answer(fresh)).correct


def test_import_published_row_and_bad_records():
    rec = json.loads((FIXTURES / "d3" / "snake" / "annotations.json").read_text())[0]
    row = {"id": 1, "category": "snake", "question": rec["question"], "answer": rec["answer_str"],
           "difficulty": 3, "initial_state": json.dumps(rec["initial_state"])}
    inst = TASK.from_record(row)  # counts recomputed from the stored path
    assert inst.fingerprint == TASK.from_record(rec).fingerprint and inst._witness is not None
    assert TASK.from_record({k: v for k, v in rec.items() if k != "difficulty"}).level == 3
    for bad in ({}, {"initial_state": 5}, dict(rec, start={"row": 99, "col": 0}),
                dict(rec, row_counts=[2] * 8), {"initial_state": rec["initial_state"], "grid_size": {"rows": 8}},
                dict(rec, category="kakuro")):
        with pytest.raises(RecordError):
            TASK.from_record(bad)


# ---------------------------------------------------------------------------------------------------------------
# step mode


def test_step_mode(instances):
    inst = instances[3][3]
    n = inst.state["n"]
    assert TASK.action_shape(inst) == (n, n, 3) and TASK.level_action_shape(3) == (9, 9, 3)
    assert TASK.step_limit(inst) == 4 * n * n
    play = TASK.play_init(inst)
    mask = TASK.play_mask(inst, play)
    (sr, sc), (er, ec) = TASK.ends(inst)
    assert mask.shape == (9, 9, 3) and not mask[sr, sc].any() and not mask[er, ec].any()
    assert mask[:n, :n].sum() == (n * n - 2) * 3 and not mask[n:].any()
    assert not TASK.play_apply(inst, play, (sr, sc, 0)).legal
    free = next((r, c) for r in range(n) for c in range(n) if (r, c) not in inst._witness)
    res = TASK.play_apply(inst, play, (*free, 2))  # an "empty" mark is a note only
    assert res.legal and res.state[free[0]][free[1]] == 2
    play = res.state
    actions = TASK.expert_actions(inst)
    assert len(actions) == len(inst._witness) - 2
    for a in actions:
        assert not TASK.play_solved(inst, play)
        play = TASK.play_apply(inst, play, a).state
    assert TASK.play_solved(inst, play)
    assert mod.snake_from_cells(play, (sr, sc)) == list(inst._witness)
    assert TASK.render(inst, play).size == (512, 512)
    for modality in ("image", "text"):
        assert set(TASK.play_prompt(inst, play, modality)) <= CHARSET


def test_step_env_reward():
    from mmhelix_env.envs.step_env import StepEnv

    env = StepEnv(TASK, 2, modality="text")
    _, info = env.reset(seed=2)
    assert info["action_mask"].shape == (7, 7, 3)
    actions = TASK.expert_actions(env.instance)
    for k, a in enumerate(actions):
        _, reward, term, _, info = env.step(np.array(a))
        assert not info["illegal"] and reward == (1.0 if k == len(actions) - 1 else 0.0)
    assert term and info["solved"]


# ---------------------------------------------------------------------------------------------------------------
# presentation


def test_render_and_prompts(instances):
    inst = instances[5][0]
    img = np.asarray(TASK.render(inst))
    assert img.shape == (512, 512, 3)
    assert ((img[..., 1] > 140) & (img[..., 0] < 80)).sum() > 100    # green S
    assert ((img[..., 0] > 190) & (img[..., 1] < 60)).sum() > 100    # red E
    board = TASK.board(inst)
    assert board.clues["right"] == [str(x) for x in inst.state["row_counts"]] and board.coords == 0
    image_prompt, text_prompt = TASK.prompt(inst, "image"), TASK.prompt(inst, "text")
    for p in (image_prompt, text_prompt):
        assert set(p) <= CHARSET and mod.FORMAT_SENTENCE in p and mod.FORMAT_EXAMPLE in p
        assert path_text(inst._witness) not in p
    assert "green" in image_prompt and "image" not in text_prompt.lower()
    assert ", ".join(map(str, inst.state["row_counts"])) in text_prompt
    assert ", ".join(map(str, inst.state["row_counts"])) not in image_prompt


def test_trace_ends_in_verifying_answer(instances):
    for inst in [instances[lv][0] for lv in range(1, 6)]:
        trace = TASK.trace(inst)
        assert trace.splitlines()[-1].startswith("Answer: ")
        assert set(trace) <= CHARSET and "Grow the snake from both ends" in trace
        assert TASK.verify(inst, extract_answer(trace)).correct


def test_trace_is_the_engine_search_in_words(instances):
    """The trace replays the engine's search for one snake: forced cells with their reasons, and where the engine
    guessed, the guess, any dead branch and its undo; the cells it names as forced are the answer's cells."""
    guessed = forced = 0
    for inst in instances[5][:6]:
        trace = TASK.trace(inst)
        model = TASK.model(inst)
        log: list = []
        model.search(1, max_nodes=None, log=log)
        branches = {(ev[1], ev[2]) for ev in log if ev[0] == "branch"}
        n = model.n
        tries = [line.strip() for line in trace.splitlines() if line.strip().startswith("Try cell ")]
        assert len(tries) <= len([ev for ev in log if ev[0] == "branch"])
        for line in tries:
            k, rc = line.split()[2], line.split()[4]
            r, c = (int(x) for x in rc.strip("()").split(","))
            assert (int(k), r * n + c) in branches
        answer = list(inst._witness)
        for line in trace.splitlines()[3:-2]:
            if not line.startswith(" "):  # root deductions (no guess yet) hold in the solution
                for k, r, c in re.findall(r"Cell (\d+) must be \((\d+),(\d+)\)", line):
                    assert answer[int(k)] == (int(r), int(c))
                    forced += 1
        if branches:
            guessed += 1
            assert "No cell is forced at either end" in trace
            assert any(ev[0] == "fail" for ev in log) == ("That fails, so cell" in trace)
    assert guessed >= 3 and forced >= 10
