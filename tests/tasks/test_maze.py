"""Maze: perfect-maze generator, wall-enforcing replay verifier, importer, step mode, image, prompts."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import mmhelix_env  # noqa: F401  (registers the ids)
from mmhelix_env.core import RecordError
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.games.maze import LEVEL_SIZE, TASK, Grid, MazePlay
from tests import helpers_games as hg
from tests import helpers_puzzle as hp

SEEDS = range(25)
DELTA = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}


def _record(text: str, level=1, answer=None) -> dict:
    rec = {"category": "maze", "initial_state": text, "difficulty": str(level)}
    if answer is not None:
        rec["answer"] = answer
    return rec


SMALL = "+-+-+\n|S 0|\n+-+ +\n|E 0|\n+-+-+"


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_generator_makes_perfect_mazes_with_the_far_end(level):
    n = LEVEL_SIZE[level]
    lengths = []
    for seed in SEEDS:
        inst = TASK.instance(level, seed)
        g = Grid(inst.state)
        assert g.n == n and g.start != g.end
        passages = sum(1 - x for row in g.h for x in row) + sum(1 - x for row in g.v for x in row)
        assert passages == n * n - 1  # a spanning tree: n² cells, n²-1 passages ...
        tree = g.bfs(g.start)
        assert len(tree) == n * n  # ... and connected
        far = max(d for d, _, _ in tree.values())
        assert tree[g.end][0] == far
        lengths.append(far)
        assert len(TASK.solution(inst)) == far
    assert np.median(lengths) >= {1: 3, 2: 8, 3: 15, 4: 21, 5: 33}[level]


def test_difficulty_grows_with_level():
    hg.assert_stats_medians_grow(TASK, len(SEEDS), ("solution_length",))


def test_many_distinct_puzzles_even_at_very_easy():
    fps = {TASK.instance(1, s).fingerprint for s in range(200)}
    assert len(fps) > 100


def test_determinism_same_seed_same_state_and_image():
    hp.assert_same_seed_same_instance(TASK, (4,), 77, default_prompt=False)


@pytest.mark.parametrize("level", [1, 3, 5])
def test_round_trip_and_trace(level):
    hg.assert_round_trip_and_trace(TASK, level, 10)


def test_detours_and_revisits_are_accepted():
    inst = TASK.instance(3, 5)
    moves = TASK.solution(inst)
    g = Grid(inst.state)
    back = {"up": "down", "down": "up", "left": "right", "right": "left"}
    detour = [moves[0], back[moves[0]], *moves]  # step out and back, then the path
    assert TASK.verify(inst, " ".join(detour)).correct
    # wander into a dead end first: any legal walk that ends on E is a solution
    first = g.open_dirs(g.start)
    d = ["up", "down", "left", "right"][first[-1]]
    assert TASK.verify(inst, " ".join([d, back[d], *moves])).correct


def test_lenient_formats():
    inst = TASK.from_record(_record(SMALL))
    for text in ("right down left", "RIGHT, down; Left.", "r d l", "rdl", "1. right\n2. down\n3. left",
                 "Moves: right -> down -> left", "[\"right\", \"down\", \"left\"]"):
        assert TASK.verify(inst, text).correct, text


def test_wall_crossing_is_rejected_with_step_cell_and_direction():
    inst = TASK.from_record(_record(SMALL))
    v = TASK.verify(inst, "down")
    assert not v.correct and "move 1" in v.reason and "(0, 0)" in v.reason and "down" in v.reason
    v = TASK.verify(inst, "left")
    assert not v.correct and "outer wall" in v.reason
    v = TASK.verify(inst, "up")
    assert not v.correct and "outer wall" in v.reason


def test_passing_through_the_end_is_not_a_solution():
    inst = TASK.from_record(_record(SMALL))
    v = TASK.verify(inst, "right down left right")
    assert not v.correct and "not solved" in v.reason and "(1, 1)" in v.reason


def test_partial_score_is_progress_toward_the_end():
    inst = TASK.from_record(_record(SMALL))
    assert TASK.verify(inst, "right").score == pytest.approx(1 / 3)
    assert TASK.verify(inst, "right down").score == pytest.approx(2 / 3)
    assert TASK.verify(inst, "right down left").score == 1.0
    assert TASK.verify(inst, "down").score == 0.0
    assert TASK.verify(inst, "nothing here").score == 0.0


test_arbitrary_text_never_raises = hp.arbitrary_text_test(TASK, 2, max_examples=200, check="reason")


def test_text_maze_round_trips_through_the_importer():
    for level in (1, 5):
        inst = TASK.instance(level, 3)
        g = Grid(inst.state)
        text = "\n".join(g.text_rows())
        again = TASK.from_record(_record(text, level))
        assert again.state == inst.state and again.fingerprint == inst.fingerprint


@pytest.mark.parametrize("d", [1, 2, 3, 4, 5])
def test_importer_reads_every_fixture_level(d):
    records = hp.fixture_records(d, "maze")
    records = records if isinstance(records, list) else [records]
    for rec in records:
        inst = TASK.from_record(rec)
        assert inst.task == "Maze" and inst.level == d and inst.source == "reference"
        assert Grid(inst.state).n == LEVEL_SIZE[d]
        assert TASK.verify(inst, rec["answer"]).correct
        assert inst._witness == rec["answer"].split()
        # the published rows carry literal "\n" escapes
        escaped = dict(rec, initial_state=rec["initial_state"].replace("\n", "\\n"))
        assert TASK.from_record(escaped).state == inst.state


@pytest.mark.parametrize("bad, why", [
    ("+-+-+\n|S 0|\n+-+ +\n|0 0|\n+-+-+", "E must appear"),
    ("+-+-+\n|S E|\n+-+ +\n|E 0|\n+-+-+", "E must appear"),
    ("+-+-+\n|S 0|\n+-+ +\n|E 0|", "square"),
    ("+-+-+\n|S|0|\n+-+-+\n|E 0|\n+-+-+", "not reachable"),
    ("+-+-+\n|S 0|\n+-+ +\n|E x|\n+-+-+", "holds"),
])
def test_importer_rejects_bad_mazes(bad, why):
    with pytest.raises(RecordError, match=why):
        TASK.from_record(_record(bad))


def test_importer_level_hint_from_size_and_wrong_category():
    rec = {"category": "maze", "initial_state": "\n".join(Grid(TASK.instance(2, 1).state).text_rows())}
    assert TASK.from_record(rec).level == 2
    with pytest.raises(RecordError):
        TASK.from_record(dict(_record(SMALL), category="sokoban"))


def test_stored_wrong_answer_is_not_kept_as_witness():
    inst = TASK.from_record(_record(SMALL, answer="down"))
    assert inst._witness is None
    assert TASK.expert_answer(inst) == "right down left"


def test_step_mode_expert_solves_with_reward_on_the_last_step():
    env = gym.make("MMHelix/Maze-medium", mode="step")
    obs, info = env.reset(seed=4)
    inst = info["instance"]
    actions = TASK.expert_actions(inst)
    total = 0.0
    for i, a in enumerate(actions):
        assert info["action_mask"][a]
        obs, reward, terminated, truncated, info = env.step(a)
        total += reward
        assert terminated == (i == len(actions) - 1)
        assert reward == (1.0 if terminated else 0.0)
    assert total == 1.0
    assert set(obs["prompt"]) <= set(CHARSET)


def test_step_mode_wall_bump_is_a_flagged_no_op_and_mask_matches_walls():
    inst = TASK.instance(2, 9)
    g = Grid(inst.state)
    play = TASK.play_init(inst)
    mask = TASK.play_mask(inst, play)
    for d in range(4):
        res = TASK.play_apply(inst, play, d)
        assert res.legal == bool(mask[d]) == (g.blocked(g.start, d) is None)
        if not res.legal:
            assert res.state == play and res.reason
    assert not TASK.play_apply(inst, play, 7).legal
    assert not TASK.play_apply(inst, play, "x").legal
    assert TASK.step_limit(inst) == 4 * 25
    assert [TASK.step_limit(TASK.instance(lv, 0)) for lv in range(1, 6)] == [36, 100, 196, 324, 484]


def test_step_play_state_is_immutable_and_rendered():
    inst = TASK.instance(1, 2)
    play = TASK.play_init(inst)
    a = TASK.expert_actions(inst)[0]
    new = TASK.play_apply(inst, play, a).state
    assert play == MazePlay(Grid(inst.state).start, (Grid(inst.state).start,))
    assert new.pos != play.pos and len(new.trail) == 2
    assert TASK.render(inst, new).tobytes() != TASK.render(inst).tobytes()
    assert "P" in TASK.play_prompt(inst, new, "text")


def test_image_shows_start_end_and_outer_wall():
    inst = TASK.from_record(_record(SMALL))
    img = np.asarray(TASK.render(inst))
    assert img.shape == (512, 512, 3)
    colours = {tuple(p) for p in img.reshape(-1, 3)[::7]}
    from mmhelix_env.tasks.games.maze import END, START, WALL
    assert START in colours and END in colours and WALL in colours
    # the outer boundary is drawn: the pixel row just inside the top margin is wall-dark across the maze
    top = next(y for y in range(512) if (img[y, 256] < 60).all())
    assert (img[top, 40:470] < 60).all()


def test_prompts_state_rules_and_format():
    inst = TASK.instance(3, 1)
    for modality in ("image", "text"):
        text = TASK.prompt(inst, modality)
        assert "Your final answer should be in the format like: right down left up" in text
        assert set(text) <= set(CHARSET)
    assert "green circle" in TASK.prompt(inst, "image") and "red cross" in TASK.prompt(inst, "image")
    text = TASK.prompt(inst, "text")
    assert "line 2r+1, column 2c+1" in text and "\n".join(Grid(inst.state).text_rows()) in text
    assert "image" not in text.lower()
