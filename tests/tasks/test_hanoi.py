"""Hanoi: level bands, exact distance and unique optimal path, replay verifier, importer, step mode, image, prompts."""

from __future__ import annotations

import itertools
import json
from collections import Counter, deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhelix_env.core import RecordError, extract_answer, instance_rng
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.games import hanoi as H
from mmhelix_env.tasks.games.hanoi import FORMAT_SENTENCE, PAIRS, TASK, HanoiPlay
from tests import helpers_games as hg
from tests import helpers_puzzle as hp

LEVELS = (1, 2, 3, 4, 5)


def _inst(pegs, level=1, answer=None):
    record = {"category": "hanoi", "initial_state": str(pegs), "difficulty": level}
    if answer is not None:
        record["answer"] = answer
    return TASK.from_record(record)


def _bfs(n: int) -> dict[tuple, int]:
    """Independent distances to the goal: plain BFS over configurations (pos tuples)."""
    goal = (0,) + (3,) * n
    dist = {goal: 0}
    queue = deque([goal])
    while queue:
        pos = queue.popleft()
        for a, b in PAIRS:
            on_a = [d for d in range(1, n + 1) if pos[d] == a]
            if not on_a:
                continue
            disk = min(on_a)
            on_b = [d for d in range(1, n + 1) if pos[d] == b]
            if on_b and min(on_b) < disk:
                continue
            nxt = list(pos)
            nxt[disk] = b
            nxt = tuple(nxt)
            if nxt not in dist:
                dist[nxt] = dist[pos] + 1
                queue.append(nxt)
    return dist


def _replay(pegs, moves):
    """Reference replay: the final pegs, or None at the first illegal move."""
    pegs = [list(p) for p in pegs]
    n = sum(len(p) for p in pegs)
    for disk, peg in moves:
        if not 1 <= disk <= n or peg not in (1, 2, 3):
            return None
        src = next(i for i, p in enumerate(pegs) if disk in p)
        if pegs[src][-1] != disk or src == peg - 1 or (pegs[peg - 1] and pegs[peg - 1][-1] < disk):
            return None
        pegs[src].pop()
        pegs[peg - 1].append(disk)
    return pegs


# ---------------------------------------------------------------------------------------------- basics
def test_discovered_and_metadata():
    hg.assert_discovered_and_metadata(TASK, "Hanoi", "hanoi", "hanoi_evaluator")


# ------------------------------------------------------------------------------------------- the maths
@pytest.mark.parametrize("n", [3, 4, 5])
def test_distance_and_optimal_path_match_bfs(n):
    dist = _bfs(n)
    assert len(dist) == 3 ** n
    for pos, d in dist.items():
        assert H.distance(pos) == d
        moves = H.optimal_moves(pos)
        assert len(moves) == d
        final = _replay(H.pegs_of(pos), moves)
        assert final == [[], [], list(range(n, 0, -1))]
    # the counts the spec quotes: 2^popcount(d) configurations at distance d; 2*3^(n-1) with disk n off peg 3
    by_d = Counter(dist.values())
    assert all(by_d[d] == 2 ** bin(d).count("1") for d in range(2 ** n))
    assert sum(1 for pos in dist if pos[n] != 3) == 2 * 3 ** (n - 1)


def test_optimal_path_is_unique():
    dist = _bfs(4)
    for pos, d in dist.items():
        # every optimal path takes a step to a neighbour one closer; uniqueness = exactly one such neighbour
        closer = 0
        for a, b in PAIRS:
            on_a = [x for x in range(1, 5) if pos[x] == a]
            on_b = [x for x in range(1, 5) if pos[x] == b]
            if on_a and (not on_b or min(on_b) > min(on_a)):
                nxt = list(pos)
                nxt[min(on_a)] = b
                closer += dist[tuple(nxt)] == d - 1
        assert closer == (1 if d else 0)


# ------------------------------------------------------------------------------------------- generator
@pytest.mark.parametrize("level", LEVELS)
def test_generator_respects_level_bands(level):
    n, lo, hi = H.LEVEL_PARAMS[level]
    seen = set()
    for seed in range(150):
        inst = TASK.instance(level, seed)
        state = inst.state
        assert set(state) == {"n", "pegs"} and state["n"] == n and len(state["pegs"]) == 3
        disks = sorted(d for p in state["pegs"] for d in p)
        assert disks == list(range(1, n + 1))
        assert all(list(p) == sorted(p, reverse=True) for p in state["pegs"])
        d = H.distance(H.positions(state["pegs"]))
        assert lo <= d <= hi
        assert len(inst._witness) == d and TASK.verify(inst, TASK.expert_answer(inst)).correct
        seen.add(tuple(tuple(p) for p in state["pegs"]))
    pool = len(H.band_configs(n, lo, hi))
    assert pool == {1: 8, 2: 18, 3: 54, 4: 54, 5: 108}[level]
    assert len(seen) >= min(pool, 40)  # draws spread over the pool
    if level == 2:
        assert all(H.positions(pegs)[3] != 3 for pegs in seen)  # disk 3 off peg 3


def test_bands_are_disjoint_and_grow():
    highs = [H.LEVEL_PARAMS[lv][2] for lv in LEVELS]
    lows = [H.LEVEL_PARAMS[lv][1] for lv in LEVELS]
    assert all(h < lo for h, lo in zip(highs, lows[1:]))
    assert [H.LEVEL_PARAMS[lv][0] for lv in LEVELS] == [3, 3, 4, 5, 5]


def test_determinism_and_rng_only():
    hg.assert_same_seed_same_instances(TASK, 11, distinct_level=0)
    assert TASK.generate(instance_rng("Hanoi", 4, 9), 4) == TASK.generate(instance_rng("Hanoi", 4, 9), 4)


def test_fresh_processes_agree():
    hg.assert_fresh_processes_agree("Hanoi", (1, 3, 5), '"image"')


def test_stats_grow_with_level():
    hg.assert_stats_medians_grow(TASK, 30, ("solution_length", "search_nodes"))


@pytest.mark.parametrize("level", LEVELS)
def test_solver_from_state_alone(level):
    hg.assert_solver_from_state_alone(TASK, level, 10)


# ---------------------------------------------------------------------------------------- verification
def test_rule_violations_are_named():
    inst = _inst([[3, 1], [2], []])
    cases = [
        ("(4,3)", "illegal move 1 (4,3): unknown disk 4 (disks are 1..3)"),
        ("(0,3)", "unknown disk 0"),
        ("(1,4)", "illegal move 1 (1,4): bad peg 4"),
        ("(1,0)", "bad peg 0"),
        ("(3,3)", "disk 3 is not the top disk of peg 1 (disk 1 is on top of it)"),
        ("(1,1)", "disk 1 is already on peg 1"),
        ("(2,1)", "disk 2 cannot go onto the smaller disk 1 on peg 1"),
        ("(1,3) (2,3)", "illegal move 2 (2,3): disk 2 cannot go onto the smaller disk 1 on peg 3"),
    ]
    for text, reason in cases:
        v = TASK.verify(inst, text)
        assert not v.correct and reason in v.reason, (text, v.reason)
    v = TASK.verify(inst, "(1,2)")
    assert not v.correct and v.reason.startswith("not solved") and "[[3], [2, 1], []]" in v.reason
    assert TASK.verify(inst, "nothing here").reason.startswith("no moves found")


def test_partial_score_uses_remaining_distance():
    inst = _inst([[3, 1], [2], []])  # D = 4 (disk 3 off peg 3) + 1 (disk 1 to peg 2) = 5
    d0 = H.distance(H.positions(inst.state["pegs"]))
    assert d0 == 5 and len(TASK.expert_answer(inst).split()) == 5
    moves = TASK.expert_answer(inst).split()
    v = TASK.verify(inst, " ".join(moves[:2]))
    assert not v.correct and abs(v.score - (1 - 3 / 5)) < 1e-9
    v = TASK.verify(inst, " ".join(moves[:2]) + " (3,3)")  # illegal third move: score of the legal prefix
    assert not v.correct and "illegal move 3" in v.reason and abs(v.score - 0.4) < 1e-9
    v = TASK.verify(inst, "(1,3)")  # off the optimal path: no progress, score 0
    assert not v.correct and v.score == 0.0


def test_every_valid_solution_is_accepted():
    for level in LEVELS:
        inst = TASK.instance(level, 4)
        moves = inst._witness
        pegs = inst.state["pegs"]
        top_peg = next(i + 1 for i, p in enumerate(pegs) if 1 in p)
        away = next(p for p in (1, 2, 3) if p != top_peg)
        detour = [(1, away), (1, top_peg)] + list(moves)  # a non-optimal second solution
        text = " ".join(f"({d},{p})" for d, p in detour)
        assert TASK.verify(inst, text).correct
        # a genuinely different route: first move disk 1 somewhere else, then solve optimally from there
        first = [(1, away)]
        after = _replay(pegs, first)
        if after[2] != list(range(inst.state["n"], 0, -1)):
            mid = TASK.from_record({"category": "hanoi", "difficulty": level, "initial_state": str(after)})
            route = first + TASK.solve(mid)
            assert TASK.verify(inst, " ".join(f"({d},{p})" for d, p in route)).correct


def test_lenient_formats():
    inst = TASK.instance(3, 2)
    moves = inst._witness
    variants = [
        " ".join(f"({d},{p})" for d, p in moves),
        " ".join(f"( {d} , {p} )" for d, p in moves),
        " ".join(f"({d} {p})" for d, p in moves),
        ", ".join(f"[{d},{p}]" for d, p in moves),
        json.dumps([list(m) for m in moves]),
        "\n".join(f"{i}. Move ({d},{p})" for i, (d, p) in enumerate(moves, 1)),
        "Moves: " + " -> ".join(f"({d},{p})" for d, p in moves) + ".",
        "**" + "".join(f"({d},{p})" for d, p in moves) + "**",
    ]
    for text in variants:
        v = TASK.verify(inst, text)
        assert v.correct, (text, v.reason)


def test_move_cap_and_digits():
    inst = _inst([[2, 1], [], [3]])
    v = TASK.verify(inst, "(1,2) (1,1) " * 5_001)
    assert not v.correct and "too many moves" in v.reason
    v = TASK.verify(inst, "(1,2) (1,1) " * 4_998 + "(1,2) (2,3) (1,3)")  # 9,999 moves
    assert v.correct, v.reason
    assert not TASK.verify(inst, "(١,٢) (٢,٣) (١,٣)").correct  # only ASCII digits are digits
    assert not TASK.verify(inst, "(１,２) (２,３) (１,３)").correct


def test_garbage_is_rejected_quickly():
    texts = hg.game_garbage("(1,3) " * 40_000, "(" * 10_000 + ")" * 10_000, "[" * 10_000, "١٢٣ ２４")
    hp.assert_garbage_rejected(TASK, TASK.instance(5, 0), texts, seconds=None)


test_arbitrary_text_never_raises = hp.arbitrary_text_test(TASK, 1, max_examples=200, check="reason")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 4)), min_size=1, max_size=40))
def test_random_move_lists_match_a_reference_replay(moves):
    inst = TASK.instance(2, 7)
    v = TASK.verify(inst, " ".join(f"({d},{p})" for d, p in moves))
    final = _replay(inst.state["pegs"], moves)
    assert v.correct == (final is not None and not final[0] and not final[1])


# --------------------------------------------------------------------------------------------- importer
@pytest.mark.parametrize("level", LEVELS)
def test_importer_on_fixtures(level):
    records = hp.fixture_records(level, "hanoi")
    for record in records:
        inst = TASK.from_record(record)
        # the reference labels by optimal length, whatever level was asked for; the label is kept
        assert inst.task == "Hanoi" and inst.level == int(record["difficulty"])
        assert inst.source == "reference" and inst.seed is None
        assert [list(p) for p in inst.state["pegs"]] == eval(record["initial_state"])  # noqa: S307 (test data)
        assert inst.state["n"] == 3
        assert TASK.verify(inst, record["answer"]).correct
        assert TASK.format_answer(inst, inst._witness) == record["answer"]
        assert len(TASK.solve(inst)) == record["step_count"]  # the reference answers are optimal
        assert "answer" not in json.dumps(inst.to_dict()["state"])


def test_importer_published_row_and_rejections():
    rec = hp.fixture_record(2, "hanoi")
    row = {"id": "hanoi_1", "category": "hanoi", "images": ["x.png"], "question": rec["question"],
           "question_text": rec["question_language"], "answer": rec["answer"], "difficulty": 2,
           "metric_info": {"score_function": "hanoi_evaluator"}, "initial_state": rec["initial_state"]}
    a, b = TASK.from_record(row), TASK.from_record(rec)
    assert a.state == b.state and a.fingerprint == b.fingerprint and a.level == 2
    bad = [
        ("[[3, 1], [2]]", "exactly three pegs"),
        ("[[1, 3], [2], []]", "strictly decreasing"),
        ("[[3, 1], [1], [2]]", "exactly 1..n"),
        ("[[4, 1], [2], []]", "exactly 1..n"),
        ("[[], [], [3, 2, 1]]", "already the goal"),
        ("[[], [], []]", "exactly 1..n"),
        ("[['a'], [], []]", "disk numbers"),
        ("hello", "three pegs"),
    ]
    for state, why in bad:
        with pytest.raises(RecordError, match=why):
            TASK.from_record({"category": "hanoi", "initial_state": state, "difficulty": 1})
    with pytest.raises(RecordError, match="category"):
        TASK.from_record({"category": "sokoban", "initial_state": "[[2, 1], [], [3]]", "difficulty": 1})
    inst = TASK.from_record({"category": "hanoi", "initial_state": "[[5, 4, 3, 2, 1], [], []]"})  # no difficulty
    assert inst.level == 5 and inst.state["n"] == 5


def test_importer_drops_a_wrong_stored_answer():
    inst = _inst([[2, 1], [], [3]], answer="(1,3)")
    assert inst._witness is None and TASK.expert_answer(inst) == "(1,2) (2,3) (1,3)"
    inst = _inst([[2, 1], [], [3]], answer="(1,1) (1,2) (2,3) (1,3)")  # (1,1) is illegal: already on peg 1
    assert inst._witness is None
    inst = _inst([[2, 1], [], [3]], answer="(1,3) (1,2) (2,3) (1,3)")  # valid, not optimal: kept as the witness
    assert inst._witness == [(1, 3), (1, 2), (2, 3), (1, 3)]


def test_env_replays_a_reference_record():
    hg.assert_env_replays_reference(4, "hanoi", "MMHelix/Hanoi-hard")


# ------------------------------------------------------------------------------------------ step mode
def test_step_mode_expert_and_reward():
    def same_length(inst, actions):
        assert len(actions) == len(inst._witness)

    hg.assert_expert_step_episodes(TASK, "Hanoi", 6, lambda level, inst: 4 * (2 ** inst.state["n"] - 1), same_length)


def test_step_limits():
    assert [TASK.step_limit(TASK.instance(lv, 0)) for lv in LEVELS] == [28, 28, 60, 124, 124]


def test_step_mode_illegal_moves_mask_and_truncation():
    inst = _inst([[3, 1], [2], []])
    play = TASK.play_init(inst)
    assert play == HanoiPlay(((3, 1), (2,), ()))
    assert TASK.play_mask(inst, play).tolist() == [True, True, False, True, False, False]
    r = TASK.play_apply(inst, play, 2)  # 2 -> 1: disk 2 onto disk 1
    assert not r.legal and r.state is play and "cannot go onto the smaller disk 1" in r.reason
    r = TASK.play_apply(inst, play, 4)  # 3 -> 1: peg 3 is empty
    assert not r.legal and "peg 3 is empty" in r.reason
    r = TASK.play_apply(inst, play, 1)
    assert r.legal and r.state.pegs == ((3,), (2,), (1,)) and r.state.last == (1, 1, 3)
    assert play.pegs == ((3, 1), (2,), ())  # the input state is untouched
    assert not TASK.play_apply(inst, play, 6).legal and not TASK.play_apply(inst, play, "x").legal
    # the mask agrees with legality along a random walk
    hg.assert_mask_matches_legality(TASK, TASK.instance(5, 2), 6, 300)
    hg.assert_blocked_action_truncates(TASK, "MMHelix/Hanoi-very-easy", 6, 28, seeds=[3])


def test_step_prompt():
    inst = _inst([[3, 1], [2], []])
    play = TASK.play_apply(inst, TASK.play_init(inst), 1).state
    text = TASK.play_prompt(inst, play, "text")
    assert "[[3], [2], [1]]" in text and "0 = peg 1 -> peg 2" in text and "5 = peg 3 -> peg 2" in text
    assert "Last move: disk 1 from peg 1 to peg 3" in text and "image" not in text.lower()
    assert "image" in TASK.play_prompt(inst, play, "image").lower()


# ---------------------------------------------------------------------------------------- image, prompts
def _colours(img) -> set:
    return {tuple(int(v) for v in px) for px in np.unique(np.asarray(img).reshape(-1, 3), axis=0)}


def test_render_sizes_disks_and_highlights():
    inst = TASK.instance(5, 3)
    for size in (512, 300, 1024):
        img = TASK.render(inst, size=size)
        assert img.size == (size, size) and img.mode == "RGB"
    img = TASK.render(inst)
    colours = _colours(img)
    for d in range(1, 6):
        assert H.DISK_COLOURS[d - 1] in colours
    play = TASK.play_init(inst)
    assert TASK.render(inst, play).tobytes() == img.tobytes()
    moved = TASK.play_apply(inst, play, TASK.expert_actions(inst)[0]).state
    held = moved._replace(held=next(i + 1 for i, p in enumerate(moved.pegs) if p))
    a, b = TASK.render(inst, moved), TASK.render(inst, held)
    assert a.tobytes() != img.tobytes() and b.tobytes() != a.tobytes()
    assert H.HIGHLIGHT in _colours(b)  # the held peg is highlighted


def test_prompts():
    inst = TASK.instance(4, 2)
    text, image = TASK.prompt(inst, "text"), TASK.prompt(inst, "image")
    for p in (text, image):
        assert p.rstrip().endswith(FORMAT_SENTENCE) and set(p) <= CHARSET and "boxed" not in p
        assert "5 disks" in p and "numbered 1 (smallest) to 5 (largest)" in p and "peg 3" in p
        assert "maybe" not in p and "For 3 disks" not in p
    pegs = "[" + ", ".join(str(list(p)) for p in inst.state["pegs"]) + "]"
    assert pegs in text and "[[], [], [5, 4, 3, 2, 1]]" in text and "image" not in text.lower()
    assert "first element is the bottom disk" in text
    assert "image" in image and "labelled 1, 2, 3" in image and pegs not in image


# ---------------------------------------------------------------------------------------------- trace
@pytest.mark.parametrize("level", LEVELS)
def test_trace_ends_in_a_verifying_answer(level):
    for seed in range(5):
        inst = TASK.instance(level, seed)
        trace = TASK.trace(inst)
        lines = trace.splitlines()
        assert lines[-1] == f"Answer: {TASK.expert_answer(inst)}"
        assert TASK.verify(inst, extract_answer(trace)).correct
        d = len(inst._witness)
        assert sum(1 for ln in lines if ln.lstrip().startswith("Move ")) == d
        assert sum(1 for ln in lines if "Pegs: [[" in ln) == d  # the pegs after every move
        assert f"Optimal length D = {d}" in trace and set(trace) <= CHARSET


def test_instances_cover_all_configurations_of_level_1():
    seen = {tuple(tuple(p) for p in TASK.instance(1, s).state["pegs"]) for s in range(200)}
    assert len(seen) == 8
    expected = {H.pegs_of(pos) for pos in (p for p in [(0, *t) for t in itertools.product((1, 2, 3), repeat=3)]
                                            if 1 <= H.distance(p) <= 3)}
    assert seen == expected
