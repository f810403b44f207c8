"""Nibbles: generator floors, exact A* optimum vs plain BFS, rule replay (tail cell counts), importer,
step mode with collisions that lose, image, prompts."""

from __future__ import annotations

from collections import deque

import gymnasium as gym
import pytest

import mmhelix_env  # noqa: F401  (registers the ids)
from mmhelix_env.core import RecordError
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.games.nibbles import DELTAS, LEVEL_PARAMS, MOVES, TASK, advance, astar, state_lines
from tests import helpers_games as hg
from tests import helpers_puzzle as hp

SEEDS = range(25)


def _record(lines: list[str], level=1, answer=None) -> dict:
    rec = {"category": "nibbles", "initial_state": "\n".join(lines), "difficulty": str(level)}
    if answer is not None:
        rec["answer"] = answer
    return rec


def _bfs_optimum(rows, cols, body, apples) -> int | None:
    """Plain BFS over (body, apples): an independent optimum."""
    start = (tuple(body), tuple(sorted(apples)))
    seen = {start}
    queue = deque([(start, 0)])
    while queue:
        (b, a), depth = queue.popleft()
        if not a:
            return depth
        for d in range(4):
            nb, na, problem = advance(rows, cols, b, a, d)
            if problem:
                continue
            key = (nb, na)
            if key not in seen:
                seen.add(key)
                queue.append((key, depth + 1))
    return None


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_generator_respects_level_parameters(level):
    p = LEVEL_PARAMS[level]
    for seed in SEEDS:
        s = TASK.instance(level, seed).state
        assert s["rows"] == s["cols"] == p.size and len(s["apples"]) == p.apples and len(s["snake"]) == 2
        body = [tuple(x) for x in s["snake"]]
        assert abs(body[0][0] - body[1][0]) + abs(body[0][1] - body[1][1]) == 1
        assert MOVES[DELTAS.index((body[0][0] - body[1][0], body[0][1] - body[1][1]))] == s["direction"]
        apples = [tuple(a) for a in s["apples"]]
        assert apples == sorted(apples) and len(set(apples)) == len(apples) and not set(apples) & set(body)
        assert len(TASK.solution(TASK.instance(level, seed))) >= p.min_optimal


@pytest.mark.parametrize("level", [1, 2, 3])
def test_astar_matches_plain_bfs_optimum(level):
    for seed in range(12):
        inst = TASK.instance(level, seed)
        s = inst.state
        body = tuple(tuple(x) for x in s["snake"])
        apples = tuple(tuple(a) for a in s["apples"])
        assert len(TASK.solution(inst)) == _bfs_optimum(s["rows"], s["cols"], body, apples)


def test_difficulty_grows_with_level():
    hg.assert_stats_medians_grow(TASK, len(SEEDS), ("solution_length",))


def test_determinism():
    hp.assert_same_seed_same_instance(TASK, (5,), 11, default_prompt=False)


@pytest.mark.parametrize("level", [1, 3, 5])
def test_round_trip_and_trace(level):
    hg.assert_round_trip_and_trace(TASK, level, 10)


STRAIGHT = ["Grid: 5x5", "Snake: (2,2) (2,1)", "Direction: right", "Apples: (2,4)", "Goal: Eat 1 apple"]


def test_rules_on_a_small_board():
    inst = TASK.from_record(_record(STRAIGHT))
    assert TASK.verify(inst, "right right").correct
    assert TASK.verify(inst, "up right down right").correct  # non-optimal detours are accepted
    v = TASK.verify(inst, "left")
    assert not v.correct and "reverse" in v.reason and "move 1" in v.reason
    v = TASK.verify(inst, "right right right")  # moves after the last apple still count
    assert not v.correct and "wall" in v.reason and "(2, 5)" in v.reason and "move 3" in v.reason
    v = TASK.verify(inst, "right")
    assert not v.correct and "not solved" in v.reason and v.score == 0.0


def test_entering_the_current_tail_cell_is_a_collision():
    # a 2x2 loop: head (1,0), body (1,1), (2,1), tail (2,0); moving down enters the tail cell
    lines = ["Grid: 4x4", "Snake: (1,0) (1,1) (2,1) (2,0)", "Direction: left", "Apples: (3,3)",
             "Goal: Eat 1 apple"]
    inst = TASK.from_record(_record(lines))
    v = TASK.verify(inst, "down")
    assert not v.correct and "tail" in v.reason


def test_lenient_parsing_keeps_punctuated_moves():
    inst = TASK.from_record(_record(STRAIGHT))
    for text in ("right, right.", "RIGHT RIGHT", "r r", "rr", "1. right 2. right", "moves: right -> right"):
        assert TASK.verify(inst, text).correct, text


def test_partial_score_counts_apples_before_the_violation():
    lines = ["Grid: 6x6", "Snake: (0,1) (0,0)", "Direction: right", "Apples: (0,2) (0,4)", "Goal: Eat 2 apples"]
    inst = TASK.from_record(_record(lines, 2))
    assert TASK.verify(inst, "right right right").correct
    assert TASK.verify(inst, "right up").score == 0.5
    assert TASK.verify(inst, "right left").score == 0.5


test_arbitrary_text_never_raises = hp.arbitrary_text_test(TASK, 2, max_examples=200, check="reason")


@pytest.mark.parametrize("d", [1, 2, 3, 4, 5])
def test_importer_reads_every_fixture_level(d):
    records = hp.fixture_records(d, "nibbles")
    records = records if isinstance(records, list) else [records]
    for rec in records:
        inst = TASK.from_record(rec)
        assert inst.task == "Nibbles" and inst.level == d
        assert TASK.verify(inst, rec["answer"]).correct
        assert len(TASK.solve(inst)) == len(rec["answer"].split())  # the reference answer is optimal
        escaped = dict(rec, initial_state=rec["initial_state"].replace("\n", "\\n"))
        assert TASK.from_record(escaped).state == inst.state


def test_state_lines_round_trip():
    inst = TASK.instance(4, 3)
    s = inst.state
    lines = state_lines(s["rows"], s["cols"], s["snake"], s["direction"], s["apples"])
    again = TASK.from_record({"category": "nibbles", "initial_state": "\n".join(lines)})
    assert again.state == inst.state and again.level == 4


@pytest.mark.parametrize("lines, why", [
    (["Grid: 5x5", "Snake: (2,2) (2,1)", "Direction: up", "Apples: (2,4)"], "disagrees"),
    (["Grid: 5x5", "Snake: (2,2) (2,0)", "Direction: right", "Apples: (2,4)"], "not adjacent"),
    (["Grid: 5x5", "Snake: (2,2) (2,1)", "Direction: right", "Apples: (2,1)"], "off the snake"),
    (["Grid: 5x5", "Snake: (2,2) (2,1)", "Direction: right", "Apples: (7,1)"], "outside"),
    (["Grid: 5x5", "Snake: (2,2) (2,1)", "Direction: right"], "Apples"),
    (["Grid: five", "Snake: (2,2) (2,1)", "Direction: right", "Apples: (2,4)"], "Grid"),
])
def test_importer_rejects_bad_states(lines, why):
    with pytest.raises(RecordError, match=why):
        TASK.from_record(_record(lines))


def test_astar_reports_unsolvable():
    # the head faces the wall in a corner and may not reverse: every move collides
    res = astar(2, 2, ((0, 0), (0, 1)), [(1, 1)])
    assert res.moves is not None or res.status == "unsolvable"
    res = astar(1, 3, ((0, 0), (0, 1)), [(0, 2)])
    assert res.moves is None and res.status == "unsolvable"


def test_step_mode_expert_and_collision_loses():
    env = gym.make("MMHelix/Nibbles-hard", mode="step")
    obs, info = env.reset(seed=3)
    assert info["safe_mask"].dtype == bool and info["apples_left"] == 4
    actions = TASK.expert_actions(info["instance"])
    total = 0.0
    for a in actions:
        obs, reward, terminated, truncated, info = env.step(a)
        total += reward
    assert terminated and total == 1.0 and info["solved"]

    env = gym.make("MMHelix/Nibbles-very-easy", mode="step")
    _, info = env.reset(options={"instance": _record(STRAIGHT)})
    assert info["action_mask"].tolist() == [True, True, False, True]  # left would reverse
    _, reward, terminated, _, info = env.step(2)
    assert info["illegal"] and not terminated and "reverse" in info["reason"]
    env.step(0)  # up to (1, 2)
    env.step(0)  # up to (0, 2)
    _, info_safe = None, env.unwrapped.task.play_info(env.unwrapped.instance, env.unwrapped.play)
    assert info_safe["safe_mask"].tolist() == [False, False, True, True]
    _, reward, terminated, truncated, info = env.step(0)  # into the top wall
    assert terminated and reward == 0.0 and info["lost"] and "wall" in info["collision"]


def test_step_limits():
    assert [TASK.step_limit(TASK.instance(lv, 0)) for lv in range(1, 6)] == [144, 196, 256, 324, 400]


def test_prompts():
    inst = TASK.instance(3, 2)
    for modality in ("image", "text"):
        text = TASK.prompt(inst, modality)
        assert "Your answer should be a sequence of directional moves separated by spaces." in text
        assert "Valid moves are: up, down, left, right" in text
        assert "tail is on right now" in text and "Reversing is not allowed" in text
        assert set(text) <= set(CHARSET)
    text = TASK.prompt(inst, "text")
    assert "Snake: (" in text and "Direction: " in text and "image" not in text.lower()
    assert "H/S/A" not in text
