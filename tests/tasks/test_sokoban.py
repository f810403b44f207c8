"""Sokoban: generator levels, exact move-optimal A*, rule-based verifier, importer, step mode, image, prompts."""

from __future__ import annotations

import json
from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhelix_env.core import RecordError, extract_answer, instance_rng
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.games import _sokoban_solver as S
from mmhelix_env.tasks.games.sokoban import BOX, FORMAT_SENTENCE, GOAL, PLAYER, TASK, WALL, SokobanPlay
from tests import helpers_games as hg
from tests import helpers_puzzle as hp

LEVELS = (1, 2, 3, 4, 5)
SEEDS = range(30)
DELTA = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}


def _inst(rows, level=1, answer=None):
    record = {"category": "sokoban", "initial_state": "\n".join(rows), "difficulty": level}
    if answer is not None:
        record["answer"] = answer
    return TASK.from_record(record)


def _parse(inst):
    H, W, walls, goals, boxes, players = S.parse_rows(inst.state["rows"])
    return H, W, set(walls), set(goals), set(boxes), players[0]


def _brute_force_length(inst) -> int:
    """Plain BFS over single moves (player, boxes): an independent optimum."""
    H, W, walls, goals, boxes, player = _parse(inst)
    start = (player, frozenset(boxes))
    seen = {start}
    queue = deque([(start, 0)])
    while queue:
        (pl, bx), depth = queue.popleft()
        if bx <= goals:
            return depth
        for dr, dc in DELTA.values():
            t = (pl[0] + dr, pl[1] + dc)
            if t in walls or not (0 <= t[0] < H and 0 <= t[1] < W):
                continue
            nbx = bx
            if t in bx:
                beyond = (t[0] + dr, t[1] + dc)
                if beyond in walls or beyond in bx or not (0 <= beyond[0] < H and 0 <= beyond[1] < W):
                    continue
                nbx = (bx - {t}) | {beyond}
            state = (t, nbx)
            if state not in seen:
                seen.add(state)
                queue.append((state, depth + 1))
    return -1


def _connected(H, W, walls) -> bool:
    floor = {(r, c) for r in range(H) for c in range(W) if (r, c) not in walls}
    first = next(iter(sorted(floor)))
    seen = {first}
    stack = [first]
    while stack:
        r, c = stack.pop()
        for dr, dc in DELTA.values():
            n = (r + dr, c + dc)
            if n in floor and n not in seen:
                seen.add(n)
                stack.append(n)
    return seen == floor


# ---------------------------------------------------------------------------------------------- basics
def test_discovered_and_metadata():
    hg.assert_discovered_and_metadata(TASK, "Sokoban", "sokoban", "sokoban_evaluator")


# ------------------------------------------------------------------------------------------- generator
@pytest.mark.parametrize("level", LEVELS)
def test_generator_respects_level_parameters(level):
    params = S.LEVEL_PARAMS[level]
    lo, hi = params.w_range
    sizes = set()
    for seed in SEEDS:
        inst = TASK.instance(level, seed)
        rows = inst.state["rows"]
        assert set(inst.state) == {"rows"}
        H, W, walls, goals, boxes, player = _parse(inst)
        sizes.add((H, W))
        assert lo <= H <= hi and lo <= W <= hi
        assert all(len(r) == W for r in rows)
        assert set("".join(rows)) <= set("# .$@")  # no box and no player on a goal at the start
        assert len(boxes) == len(goals) == params.boxes
        assert all((r, c) in walls for r in range(H) for c in range(W) if r in (0, H - 1) or c in (0, W - 1))
        assert _connected(H, W, walls)
        interior = (H - 2) * (W - 2)
        inner = sum(1 for r, c in walls if 0 < r < H - 1 and 0 < c < W - 1)
        assert inner <= round(params.density * interior)
        witness = inst._witness
        assert params.min_moves <= len(witness) <= params.max_moves
        assert TASK.verify(inst, " ".join(witness)).correct
        stats = TASK.stats(inst)
        assert stats["solution_length"] == len(witness) and stats["boxes"] == params.boxes
    assert len(sizes) > 1


def test_wall_density_is_reached():
    for level in LEVELS:
        params = S.LEVEL_PARAMS[level]
        reached = 0
        for seed in range(20):
            H, W, walls, *_ = _parse(TASK.instance(level, seed))
            inner = sum(1 for r, c in walls if 0 < r < H - 1 and 0 < c < W - 1)
            reached += inner == round(params.density * (H - 2) * (W - 2))
        assert reached >= 15, (level, reached)


@pytest.mark.parametrize("level, seeds", [(1, range(12)), (2, range(8)), (3, range(4))])
def test_solver_is_move_optimal_against_brute_force(level, seeds):
    for seed in seeds:
        inst = TASK.instance(level, seed)
        assert len(inst._witness) == _brute_force_length(inst), seed


@pytest.mark.parametrize("level", LEVELS)
def test_solver_from_state_alone_round_trip(level):
    # the same deterministic optimum
    hg.assert_solver_from_state_alone(TASK, level, 8, format_solution=True, expert_is_formatted=True)


def test_solver_reports_unsolvable_and_too_long():
    lv = S.level_from_rows(("#####", "#@$.#", "#####"))
    assert S.astar(lv.board, lv.boxes, lv.player).cost == 1
    assert S.astar(lv.board, lv.boxes, lv.player, max_cost=0).status == "too_long"
    dead = S.level_from_rows(("#####", "#$ .#", "# @ #", "#####"))  # box in a corner
    assert S.astar(dead.board, dead.boxes, dead.player).status == "unsolvable"


def test_solver_on_imported_shapes():
    four = _inst(["########", "#  .   #", "# $$ . #", "#. $$  #", "#  @ . #", "########"])  # k = 4: subset DP
    no_ring = _inst(["@$ .", " $.  "])  # no wall ring, a short row padded with wall
    for inst in (four, no_ring):
        solution = TASK.solve(inst)
        assert len(solution) == _brute_force_length(inst)
        assert TASK.verify(inst, " ".join(solution)).correct


def test_trace_of_an_imported_instance_narrates_the_optimum():
    rec = hp.fixture_record(4, "sokoban")
    inst = TASK.from_record(dict(rec, answer="down up " + rec["answer"]))  # a valid detour as witness
    assert len(inst._witness) == rec["step_count"] + 2
    trace = TASK.trace(inst)
    assert TASK.verify(inst, extract_answer(trace)).correct
    assert len(extract_answer(trace).split()) == TASK.stats(inst)["solution_length"]


def test_locally_simple_never_disconnects():
    rng = np.random.default_rng(3)
    W = 9
    Wp = W + 2
    ring = (-Wp, -Wp + 1, 1, Wp + 1, Wp, Wp - 1, -1, -Wp - 1)
    for _ in range(300):
        floor = 0
        for r in range(1, 8):
            for c in range(1, 8):
                if rng.random() < 0.7:
                    floor |= 1 << ((r + 1) * Wp + c + 1)
        if not floor:
            continue
        floor = S._flood(floor & -floor, floor, Wp)
        for cell in S._bits(floor):
            trial = floor & ~(1 << cell)
            if trial and S._locally_simple(floor, cell, ring):
                assert S._flood(trial & -trial, trial, Wp) == trial


def test_determinism_same_seed_same_state_and_image():
    hg.assert_same_seed_same_instances(TASK, 11)


def test_fresh_processes_agree():
    hg.assert_fresh_processes_agree("Sokoban", (1, 3, 5), None)


def test_stats_grow_with_level():
    hg.assert_stats_medians_grow(TASK, 20, ("solution_length",), ("search_nodes",))


# ---------------------------------------------------------------------------------------- verification
def test_rule_violations_are_named():
    inst = _inst(["######", "#    #", "# $@ #", "#.   #", "######"])
    v = TASK.verify(inst, "up up")
    assert not v.correct and "illegal move 2 (up)" in v.reason and "wall at (0, 3)" in v.reason
    v = TASK.verify(inst, "left left")
    assert not v.correct and "move 2 (left)" in v.reason and "into the wall at (2, 0)" in v.reason
    v = TASK.verify(inst, "down")
    assert not v.correct and v.reason.startswith("not solved") and "off goal: (2, 2)" in v.reason
    assert v.score == 0.0
    two = _inst(["#######", "#@$$ .#", "#    .#", "#######"])
    v = TASK.verify(two, "right")
    assert not v.correct and "blocked by another box at (1, 3)" in v.reason
    open_map = _inst(["@$ .", "    "])  # no wall ring: moving off the map leaves the grid
    v = TASK.verify(open_map, "left")
    assert not v.correct and "leave the grid" in v.reason
    assert TASK.verify(open_map, "right right").correct
    v = TASK.verify(open_map, "right right right")
    assert not v.correct and "pushed out of the grid" in v.reason and 0.99 <= v.score < 1.0


def test_partial_score_counts_boxes_on_goals():
    inst = _inst(["#######", "#@$ . #", "# $ . #", "#     #", "#######"])
    v = TASK.verify(inst, "right right")
    assert not v.correct and 0.49 < v.score < 0.51 and "1 of 2 boxes" in v.reason
    v = TASK.verify(inst, "right right up")  # illegal third move: score of the legal prefix
    assert not v.correct and "illegal move 3" in v.reason and 0.49 < v.score < 0.51
    assert TASK.verify(inst, "right right left left down right right").correct


def test_every_valid_solution_is_accepted():
    for level in LEVELS:
        inst = TASK.instance(level, 4)
        moves = inst._witness
        H, W, walls, goals, boxes, player = _parse(inst)
        # a detour: step away and back before the real plan (no push involved)
        for word, (dr, dc) in DELTA.items():
            t = (player[0] + dr, player[1] + dc)
            if t not in walls and t not in boxes:
                back = {"up": "down", "down": "up", "left": "right", "right": "left"}[word]
                assert TASK.verify(inst, " ".join([word, back] + moves)).correct
                break
        # walking on after solving is fine while the boxes stay on the goals
        assert TASK.verify(inst, " ".join(moves + [m for m in _walk_away(inst, moves)])).correct


def _walk_away(inst, moves):
    """A legal non-push move after the solution, if any."""
    H, W, walls, goals, boxes, player = _parse(inst)
    pl = player
    bx = set(boxes)
    for m in moves:
        dr, dc = DELTA[m]
        t = (pl[0] + dr, pl[1] + dc)
        if t in bx:
            bx.discard(t)
            bx.add((t[0] + dr, t[1] + dc))
        pl = t
    for word, (dr, dc) in DELTA.items():
        t = (pl[0] + dr, pl[1] + dc)
        if t not in walls and t not in bx and 0 <= t[0] < H and 0 <= t[1] < W:
            return [word]
    return []


def test_second_solution_with_another_route():
    inst = _inst(["#######", "#     #", "# @$ .#", "#     #", "#######"])
    assert TASK.verify(inst, "right right").correct
    assert TASK.verify(inst, "right left right right").correct  # a longer, non-optimal solution
    assert TASK.verify(inst, "left right right right").correct  # a detour first
    assert not TASK.verify(inst, "up right down right").correct  # pushes the box down instead


def test_lenient_formats():
    inst = TASK.instance(2, 3)
    moves = inst._witness
    hg.assert_move_list_formats_accepted(TASK, inst, moves)
    v = TASK.verify(inst, "Moves: " + " ".join(moves))
    assert "ignored 1 non-move word" in v.reason


def test_one_letter_forms_only_without_direction_words():
    inst = _inst(["#####", "#@$.#", "#####"])
    assert TASK.verify(inst, "r").correct
    assert TASK.verify(inst, "R").correct
    v = TASK.verify(inst, "I'd go right")  # "d" in "I'd" must not become a move
    assert v.correct and v.parsed == ["right"]
    v = TASK.verify(inst, "I'd r")
    assert not v.correct and v.reason == "no moves found"
    assert TASK.verify(inst, "nothing here").reason == "no moves found"


def test_move_cap():
    inst = _inst(["#######", "#@ $ .#", "#######"])
    v = TASK.verify(inst, "right " * 10_001)
    assert not v.correct and "too many moves" in v.reason
    v = TASK.verify(inst, "right left " * 4_998 + "right right right")  # 9,999 moves
    assert v.correct, v.reason


def test_garbage_is_rejected_quickly():
    texts = hg.game_garbage("up " * 40_000, "{" * 10_000 + "}" * 10_000, "١٢٣ ２４", "u" * 99_999)
    hp.assert_garbage_rejected(TASK, TASK.instance(5, 0), texts, seconds=None)


test_arbitrary_text_never_raises = hp.arbitrary_text_test(TASK, 1, max_examples=200, check="reason")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["up", "down", "left", "right", "U", "x", ",", "1."]), max_size=80))
def test_random_move_lists_match_a_reference_replay(tokens):
    inst = TASK.instance(3, 1)
    text = " ".join(tokens)
    v = TASK.verify(inst, text)
    words = [t.lower() for t in tokens if t.lower() in DELTA]
    if not words:
        return
    H, W, walls, goals, boxes, pl = _parse(inst)
    bx = set(boxes)
    legal = True
    for m in words:
        dr, dc = DELTA[m]
        t = (pl[0] + dr, pl[1] + dc)
        if t in walls:
            legal = False
            break
        if t in bx:
            b2 = (t[0] + dr, t[1] + dc)
            if b2 in walls or b2 in bx:
                legal = False
                break
            bx.discard(t)
            bx.add(b2)
        pl = t
    assert v.correct == (legal and bx <= goals)


# --------------------------------------------------------------------------------------------- importer
@pytest.mark.parametrize("level", LEVELS)
def test_importer_on_fixtures(level):
    records = hp.fixture_records(level, "sokoban")
    for record in records:
        inst = TASK.from_record(record)
        assert inst.task == "Sokoban" and inst.level == level and inst.source == "reference" and inst.seed is None
        assert inst.state["rows"] == tuple(record["initial_state"].split("\n"))
        assert TASK.verify(inst, record["answer"]).correct
        assert inst._witness == record["answer"].split()  # kept as the witness only
        assert "answer" not in json.dumps(inst.to_dict()["state"])
        assert len(TASK.solve(inst)) <= record["step_count"]
        assert TASK.verify(inst, TASK.format_answer(inst, TASK.solve(inst))).correct


def test_importer_published_row_and_quoting():
    rec = hp.fixture_record(3, "sokoban")
    row = {"id": "sokoban_7", "category": "sokoban", "images": ["x.png"], "question": rec["question"],
           "question_text": rec["question_language"], "answer": rec["answer"], "difficulty": 3,
           "metric_info": {"score_function": "sokoban_evaluator"},
           "initial_state": rec["initial_state"].replace("\n", "\\n")}
    a = TASK.from_record(row)
    b = TASK.from_record(dict(row, initial_state=json.dumps(rec["initial_state"])))
    c = TASK.from_record(rec)
    assert a.state == b.state == c.state and a.fingerprint == c.fingerprint and a.level == 3
    assert TASK.verify(a, row["answer"]).correct


def test_importer_padding_unknown_symbols_and_rejections():
    inst = _inst(["#####", "#@$.#", "###"])
    assert inst.state["rows"] == ("#####", "#@$.#", "#####")
    inst = _inst(["######", "#@$x.#", "######"])  # unknown character reads as floor
    assert inst.state["rows"][1] == "#@$ .#"
    assert TASK.verify(inst, "right right").correct
    bad = [
        (["#####", "#@$.#", "#@  #", "#####"], "one player"),
        (["#####", "# $.#", "#####"], "one player"),
        (["#####", "#@$ #", "#####"], "as many boxes as goals"),
        (["#####", "#@ .#", "#####"], "as many boxes as goals"),
        (["#####", "#@* #", "#####"], "already solved"),
    ]
    for rows, why in bad:
        with pytest.raises(RecordError, match=why):
            _inst(rows)
    with pytest.raises(RecordError, match="category"):
        TASK.from_record({"category": "sudoku", "initial_state": "#####\n#@$.#\n#####", "difficulty": 1})
    with pytest.raises(RecordError, match="initial_state"):
        TASK.from_record({"category": "sokoban", "difficulty": 1})
    with pytest.raises(RecordError, match="difficulty"):
        TASK.from_record({"category": "sokoban", "initial_state": "#####\n#@$.#\n#####", "difficulty": 9})


def test_importer_drops_a_wrong_stored_answer():
    inst = _inst(["######", "#@$ .#", "######"], answer="right")
    assert inst._witness is None
    assert TASK.expert_answer(inst) == "right right"
    inst = _inst(["######", "#@$ .#", "######"], answer="right right left right")
    assert inst._witness == ["right", "right", "left", "right"]  # valid, not optimal: kept as the witness


def test_env_replays_a_reference_record():
    hg.assert_env_replays_reference(5, "sokoban", "MMHelix/Sokoban-very-hard")


# ------------------------------------------------------------------------------------------ step mode
def test_step_mode_expert_and_reward():
    hg.assert_expert_step_episodes(TASK, "Sokoban", 4, lambda level, inst: 4 * S.LEVEL_PARAMS[level].max_moves)


def test_step_mode_illegal_moves_mask_and_truncation():
    inst = _inst(["######", "#    #", "# $@ #", "#.   #", "######"])
    play = TASK.play_init(inst)
    assert play == SokobanPlay((2, 3), ((2, 2),))
    up = TASK.play_apply(inst, play, 0)
    assert up.legal and up.state.player == (1, 3)
    wall = TASK.play_apply(inst, up.state, 0)
    assert not wall.legal and wall.state == up.state and "wall at (0, 3)" in wall.reason
    assert TASK.play_mask(inst, up.state).tolist() == [False, True, True, True]
    push = TASK.play_apply(inst, play, 2)
    assert push.legal and push.info["pushed"] and push.state.boxes == ((2, 1),) and play.boxes == ((2, 2),)
    assert push.info["deadlock"] is False
    blocked = TASK.play_apply(inst, push.state, 2)
    assert not blocked.legal and "blocked by a wall" in blocked.reason
    assert not TASK.play_apply(inst, play, 7).legal
    # mask always agrees with legality along a random walk
    hg.assert_mask_matches_legality(TASK, TASK.instance(5, 2), 4, 200, masked_walk=False)
    hg.assert_blocked_action_truncates(TASK, "MMHelix/Sokoban-very-easy", 4, 60)


def test_deadlock_info_is_sound():
    inst = _inst(["######", "#    #", "# $@ #", "#  . #", "######"])
    push = TASK.play_apply(inst, TASK.play_init(inst), 2)  # box to (2, 1): against the wall, goal unreachable
    assert push.legal and push.info["deadlock"] is True
    assert not TASK.play_solved(inst, push.state)
    ok = TASK.play_apply(inst, TASK.play_apply(inst, TASK.play_init(inst), 0).state, 2)
    assert ok.legal and ok.info["deadlock"] is False


def test_step_prompt_and_limits():
    inst = TASK.instance(2, 0)
    play = TASK.play_init(inst)
    text = TASK.play_prompt(inst, play, "text")
    assert "\n".join(inst.state["rows"]) in text and "0 = up" in text and "image" not in text.lower()
    assert "image" in TASK.play_prompt(inst, play, "image").lower()
    assert [TASK.step_limit(TASK.instance(lv, 0)) for lv in LEVELS] == [60, 100, 160, 200, 240]


# ---------------------------------------------------------------------------------------- image, prompts
def _pixel(img, lay, r, c, dx=0.0, dy=0.0):
    cx, cy = lay.center(r, c)
    return img.getpixel((round(cx + dx * lay.cell), round(cy + dy * lay.cell)))


def test_render_sizes_and_markers():
    from mmhelix_env.render import GridLayout

    inst = _inst(["#######", "#+*$  #", "#  $ .#", "#######"])
    for size in (512, 300):
        img = TASK.render(inst, size=size)
        assert img.size == (size, size) and img.mode == "RGB"
    img = TASK.render(inst)
    lay = GridLayout.fit(4, 7, 512, margin=max(4, 512 // 40))
    assert _pixel(img, lay, 0, 0) == WALL
    assert _pixel(img, lay, 1, 3) == BOX  # box off goal: blue at the centre and near the edge
    assert _pixel(img, lay, 1, 3, 0.3) == BOX
    assert _pixel(img, lay, 1, 2) == GOAL  # box on goal: yellow ring (and dot) stay visible
    assert _pixel(img, lay, 1, 2, 0.375) == GOAL
    assert _pixel(img, lay, 1, 2, 0.12) == BOX
    assert _pixel(img, lay, 1, 1) == PLAYER  # player on goal: ring around the red disc
    assert _pixel(img, lay, 1, 1, 0.375) == GOAL
    assert _pixel(img, lay, 2, 5, 0.375) == GOAL and _pixel(img, lay, 2, 5) != GOAL  # empty goal: a ring
    play = SokobanPlay((1, 4), ((1, 2), (1, 3), (2, 3)))
    assert TASK.render(inst, play).tobytes() != img.tobytes()


def test_prompts():
    inst = TASK.instance(4, 2)
    text = TASK.prompt(inst, "text")
    image = TASK.prompt(inst, "image")
    for p in (text, image):
        assert FORMAT_SENTENCE in p and p.rstrip().endswith(FORMAT_SENTENCE)
        assert set(p) <= CHARSET and "boxed" not in p
        assert "push" in p and "pull" in p
    assert "\n".join(inst.state["rows"]) in text and "map below" in text and "image" not in text.lower()
    for sym in ("# wall", "(space) empty floor", ". target", "$ box", "@ player", "* box on a target",
                "+ player on a target"):
        assert sym in text
    assert "image" in image and "Red circles" in image and "Blue squares" in image and "Yellow" in image
    assert "Brown" in image and "top of the picture" in image
    assert "\n".join(inst.state["rows"]) not in image


# ---------------------------------------------------------------------------------------------- trace
@pytest.mark.parametrize("level", LEVELS)
def test_trace_ends_in_a_verifying_answer(level):
    inst = TASK.instance(level, 6)
    trace = TASK.trace(inst)
    lines = trace.splitlines()
    assert lines[-1] == f"Answer: {TASK.expert_answer(inst)}"
    assert TASK.verify(inst, extract_answer(trace)).correct
    pushes = TASK.stats(inst)["pushes"]
    assert sum(1 for ln in lines if ln.startswith("Push ")) == pushes
    assert trace.count(inst.state["rows"][0]) >= pushes + 1  # the board after every push
    assert "Targets:" in trace and "Boxes:" in trace and "Player:" in trace
    assert set(trace) <= CHARSET


def test_seeded_rng_only():
    rng_a, rng_b = instance_rng("Sokoban", 3, 9), instance_rng("Sokoban", 3, 9)
    assert TASK.generate(rng_a, 3) == TASK.generate(rng_b, 3)
