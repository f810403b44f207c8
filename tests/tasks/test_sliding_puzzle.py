"""SlidingPuzzle: BFS table and IDA* exactness, level bands, replay verifier (words and tiles), importer, step
mode, image, prompts."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhelix_env.core import RecordError, extract_answer, instance_rng
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.games import _sliding_solver as S
from mmhelix_env.tasks.games.sliding_puzzle import BANDS, FORMAT_SENTENCE, HOLE, TASK, TILE, SlidingPlay
from tests import helpers_games as hg
from tests import helpers_puzzle as hp

LEVELS = (1, 2, 3, 4, 5)
# tile moves in the benchmark convention: the word names where the tile goes, so the blank moves the other way
BLANK = {"up": (1, 0), "down": (-1, 0), "left": (0, 1), "right": (0, -1)}


def _inst(board, level=1, answer=None):
    record = {"category": "slidingpuzzle", "initial_state": str(board), "difficulty": level}
    if answer is not None:
        record["answer"] = answer
    return TASK.from_record(record)


def _replay(board, words):
    """Reference replay on a 4x4 list of lists: the final board, or None at the first illegal move."""
    grid = [list(r) for r in board]
    r, c = next((i, j) for i in range(4) for j in range(4) if grid[i][j] == 0)
    for w in words:
        dr, dc = BLANK[w]
        nr, nc = r + dr, c + dc
        if not (0 <= nr < 4 and 0 <= nc < 4):
            return None
        grid[r][c], grid[nr][nc] = grid[nr][nc], 0
        r, c = nr, nc
    return grid


GOAL = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 0]]


def _exact_distance(cells) -> int:
    """Independent optimum for d* <= 22: breadth-first search from the board to depth 9, met with the table."""
    tab = S.table()
    best = 1 << 30
    frontier = {S.pack(cells): list(cells).index(0)}
    seen = set(frontier)
    for depth in range(0, 10):
        for key, _ in frontier.items():
            code = tab.get(key)
            if code is not None:
                best = min(best, depth + (code >> 2))
        if best <= depth + 13:  # a longer prefix cannot beat it (the table holds everything within 13)
            return best
        nxt = {}
        for key, b in frontier.items():
            cells_k = list(S.unpack(key))
            for _, q in S.NEIGHBOURS[b]:
                c2 = cells_k[:]
                c2[b], c2[q] = c2[q], 0
                k2 = S.pack(c2)
                if k2 not in seen:
                    seen.add(k2)
                    nxt[k2] = q
        frontier = nxt
    return best


# ---------------------------------------------------------------------------------------------- basics
def test_discovered_and_metadata():
    hg.assert_discovered_and_metadata(TASK, "SlidingPuzzle", "slidingpuzzle", "sliding_puzzle_evaluator")


# ------------------------------------------------------------------------------------------- the search
def test_bfs_table_counts_match_the_spec():
    counts = [len(S.boards_at(d)) for d in range(14)]
    assert counts == [1, 2, 4, 10, 24, 54, 107, 212, 446, 946, 1948, 3938, 7808, 15544]
    assert [len(S.band(*BANDS[lv])) for lv in (1, 2, 3, 4)] == [88, 765, 2894, 27290]
    pool = S.band(*BANDS[3])
    assert list(pool) == sorted(pool, key=S.unpack)  # canonical order = row-major lexicographic


def test_table_paths_are_optimal_and_solvability_parity():
    rng = np.random.default_rng(1)
    for d in (1, 5, 9, 13):
        layer = S.boards_at(d)
        for i in rng.choice(len(layer), size=min(40, len(layer)), replace=False):
            cells = S.unpack(layer[int(i)])
            path = S.table_path(layer[int(i)])
            assert len(path) == d and S.apply_moves(cells, path) == S.GOAL_TUPLE
            assert S.solvable(cells)
            assert S.manhattan(cells) + S.linear_conflict(cells) <= d  # the lower bound is admissible
            swapped = list(cells)
            a, b = [p for p, t in enumerate(swapped) if t][:2]
            swapped[a], swapped[b] = swapped[b], swapped[a]
            assert not S.solvable(swapped)


def test_linear_conflict_counts_fewest_removals():
    # row 1 holds 3 2 1 4: the longest run in goal order has 2 tiles, so 2 tiles must step aside: 2 x 2 = 4
    assert S._line_conflict(0, 0, (3, 2, 1, 4)) == 4
    assert S._line_conflict(0, 0, (4, 3, 2, 1)) == 6  # 3 removals (pairwise counting would say 12)
    assert S._line_conflict(0, 0, (1, 2, 0, 3)) == 0
    assert S._line_conflict(0, 0, (2, 5, 1, 9)) == 2
    assert S._line_conflict(1, 3, (8, 4, 12, 0)) == 2  # column 4 (goal 4, 8, 12)


def test_ida_star_is_optimal_on_level_5_boards():
    for seed in range(12):
        inst = TASK.instance(5, seed)
        cells = tuple(t for r in inst.state["board"] for t in r)
        assert len(inst._witness) == _exact_distance(cells)
        found = S.solve(cells)
        assert S.apply_moves(cells, found.moves) == S.GOAL_TUPLE and not found.in_table


def test_solver_beyond_the_band_and_limits():
    cells = list(S.GOAL_TUPLE)  # a long walk: IDA* still exact, and max_cost cuts it off
    rng = np.random.default_rng(5)
    blank, back = 15, -1
    for _ in range(60):
        opts = [q for _, q in S.NEIGHBOURS[blank] if q != back]
        q = opts[int(rng.integers(len(opts)))]
        cells[blank], cells[q] = cells[q], 0
        back, blank = blank, q
    found = S.solve(cells)
    assert S.apply_moves(cells, found.moves) == S.GOAL_TUPLE
    d = len(found.moves)
    assert S.solve(cells, max_cost=d - 1) is None and len(S.solve(cells, max_cost=d).moves) == d
    with pytest.raises(ValueError, match="not solvable"):
        S.solve([2, 1] + list(range(3, 16)) + [0])


# ------------------------------------------------------------------------------------------- generator
@pytest.mark.parametrize("level", LEVELS)
def test_generator_respects_level_bands(level):
    lo, hi = BANDS[level]
    seen, lengths = set(), []
    for seed in range(60):
        inst = TASK.instance(level, seed)
        board = inst.state["board"]
        assert set(inst.state) == {"board"} and len(board) == 4 and all(len(r) == 4 for r in board)
        cells = tuple(t for r in board for t in r)
        assert sorted(cells) == list(range(16)) and S.solvable(cells)
        d = len(inst._witness)
        assert lo <= d <= hi
        if level < 5:
            assert S.table()[S.pack(cells)] >> 2 == d  # exact by the table
        else:
            assert S.pack(cells) not in S.table()  # beyond 13 moves
        assert _replay(board, inst._witness) == GOAL
        seen.add(cells)
        lengths.append(d)
    assert len(seen) >= (35 if level == 1 else 50)  # level 1 draws 60 times from a pool of 88
    assert len(set(lengths)) >= min(3, hi - lo + 1)


def test_determinism_and_rng_only():
    hg.assert_same_seed_same_instances(TASK, 11, distinct_level=0)
    assert TASK.generate(instance_rng("SlidingPuzzle", 5, 9), 5) == TASK.generate(instance_rng("SlidingPuzzle", 5, 9),
                                                                                   5)


def test_fresh_processes_agree():
    hg.assert_fresh_processes_agree("SlidingPuzzle", (1, 4, 5), '"image"')


def test_stats_grow_with_level():
    hg.assert_stats_medians_grow(TASK, 30, ("solution_length", "search_nodes"))


@pytest.mark.parametrize("level", LEVELS)
def test_solver_from_state_alone(level):
    hg.assert_solver_from_state_alone(TASK, level, 8)


# ---------------------------------------------------------------------------------------- verification
BOARD = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 0, 12], [13, 14, 11, 15]]  # blank at (3, 3): "up left" solves it


def test_the_tile_convention():
    inst = _inst(BOARD)
    assert TASK.verify(inst, "up left").correct
    assert not TASK.verify(inst, "down right").correct  # blank-movement reading is wrong
    assert TASK.verify(inst, "11 15").correct and TASK.verify(inst, "11, 15").correct
    assert TASK.verify(inst, "[11, 15]").correct


def test_rule_violations_are_named():
    inst = _inst([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 0, 15]])  # blank at (4, 3)
    v = TASK.verify(inst, "up")
    assert not v.correct
    assert v.reason.startswith("illegal move 1 (up): there is no tile below the empty space at (4, 3)")
    v = TASK.verify(inst, "down down down down")
    assert not v.correct and "illegal move 4 (down): there is no tile above the empty space at (1, 3)" in v.reason
    v = TASK.verify(inst, "right right right")
    assert "illegal move 3 (right): there is no tile to the left of the empty space at (4, 1)" in v.reason
    v = TASK.verify(inst, "left left")
    assert "illegal move 2 (left): there is no tile to the right of the empty space at (4, 4)" in v.reason
    v = TASK.verify(inst, "1 2")
    assert "illegal move 1 (tile 1): tile 1 at (1, 1) is not next to the empty space at (4, 3)" in v.reason
    v = TASK.verify(inst, "15 16")
    assert "illegal move 2 (tile 16): there is no tile 16" in v.reason
    v = TASK.verify(inst, "right")
    assert not v.correct and v.reason.startswith("not solved") and "2 tiles are out of place" in v.reason
    assert TASK.verify(inst, "nothing here").reason == "no moves found"
    assert TASK.verify(inst, "... --- ...").reason == "no moves found"


def test_partial_score_uses_manhattan():
    inst = _inst(BOARD)  # H = 2
    v = TASK.verify(inst, "up")
    assert not v.correct and abs(v.score - 0.5) < 1e-9
    v = TASK.verify(inst, "up up")  # illegal second move: score of the legal prefix
    assert not v.correct and "illegal move 2" in v.reason and abs(v.score - 0.5) < 1e-9
    assert TASK.verify(inst, "down").score == 0.0  # H grows: clipped at 0


def test_every_valid_solution_is_accepted():
    for level in LEVELS:
        inst = TASK.instance(level, 4)
        moves = list(inst._witness)
        board = inst.state["board"]
        # a detour (a tile slides out and back) before the optimal plan
        for w, back in (("up", "down"), ("down", "up"), ("left", "right"), ("right", "left")):
            if _replay(board, [w]) is not None:
                assert TASK.verify(inst, " ".join([w, back] + moves)).correct
                break
        # a different optimal or near-optimal plan: move first, then solve the new board exactly
        for w in ("up", "down", "left", "right"):
            nxt = _replay(board, [w])
            if nxt is not None and nxt != GOAL and w != moves[0]:
                other = [w] + TASK.solve(_inst(nxt))
                assert other != moves and TASK.verify(inst, " ".join(other)).correct
                break


def test_lenient_formats():
    inst = TASK.instance(2, 3)
    moves = inst._witness
    cells = [t for r in inst.state["board"] for t in r]
    tiles, blank = [], cells.index(0)
    for m in moves:
        q = blank + S.BLANK_STEP[S.MOVES.index(m)]
        tiles.append(cells[q])
        cells[blank], cells[q] = cells[q], 0
        blank = q
    hg.assert_move_list_formats_accepted(TASK, inst, moves, [", ".join(map(str, tiles)), " ".join(map(str, tiles)),
                                                             str(tiles)])
    assert TASK.verify(inst, str(tiles)).parsed == list(moves)  # tile answers normalise to words
    assert "ignored 1 non-move word" in TASK.verify(inst, "Moves: " + " ".join(moves)).reason
    assert not TASK.verify(inst, "tiles " + " ".join(map(str, tiles))).correct  # letters present: words only


def test_move_cap_and_digits():
    inst = _inst(BOARD)
    v = TASK.verify(inst, "up down " * 5_001)
    assert not v.correct and "too many moves" in v.reason
    v = TASK.verify(inst, "up down " * 4_998 + "up left")  # 9,998 moves
    assert v.correct, v.reason
    assert not TASK.verify(inst, "١١ ١٥").correct and not TASK.verify(inst, "１１ １５").correct


def test_garbage_is_rejected_quickly():
    texts = hg.game_garbage("up " * 40_000, "1 " * 40_000, "{" * 10_000 + "}" * 10_000, "١٢٣ ２４", "u" * 99_999)
    hp.assert_garbage_rejected(TASK, TASK.instance(5, 0), texts, seconds=None)


test_arbitrary_text_never_raises = hp.arbitrary_text_test(TASK, 1, max_examples=200, check="reason")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["up", "down", "left", "right", "x", ",", "1."]), max_size=60))
def test_random_move_lists_match_a_reference_replay(tokens):
    inst = TASK.instance(1, 2)
    words = [t for t in tokens if t in BLANK]
    v = TASK.verify(inst, " ".join(tokens))
    if not words:
        assert not v.correct
        return
    final = _replay(inst.state["board"], words)
    assert v.correct == (final == GOAL)


# --------------------------------------------------------------------------------------------- importer
@pytest.mark.parametrize("level", LEVELS)
def test_importer_on_fixtures(level):
    records = hp.fixture_records(level, "slidingpuzzle")
    for record in records:
        inst = TASK.from_record(record)
        assert inst.task == "SlidingPuzzle" and inst.level == int(record["difficulty"])
        assert inst.source == "reference" and inst.seed is None
        assert [list(r) for r in inst.state["board"]] == json.loads(record["initial_state"])
        assert TASK.verify(inst, record["answer"]).correct
        assert inst._witness == record["answer"].split()
        assert len(TASK.solve(inst)) <= len(record["answer"].split())
        assert "answer" not in json.dumps(inst.to_dict()["state"])


def test_importer_published_row_and_rejections():
    rec = hp.fixture_record(3, "slidingpuzzle")
    row = {"id": "slidingpuzzle_1", "category": "slidingpuzzle", "images": ["x.png"], "question": rec["question"],
           "question_text": rec["question_language"], "answer": rec["answer"], "difficulty": 3,
           "metric_info": {"score_function": "sliding_puzzle_evaluator"}, "initial_state": rec["initial_state"]}
    a, b = TASK.from_record(row), TASK.from_record(rec)
    assert a.state == b.state and a.fingerprint == b.fingerprint and a.level == 3
    unsolvable = [[2, 1, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 0]]
    bad = [
        (str(unsolvable), "not solvable"),
        (str(GOAL), "already solved"),
        ("[[1, 2, 3], [4, 5, 6], [7, 8, 0]]", "4x4"),
        ("[[1, 1, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 0]]", "each of 0..15"),
        ("[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]", "each of 0..15"),
        ("hello", "4x4"),
    ]
    for state, why in bad:
        with pytest.raises(RecordError, match=why):
            TASK.from_record({"category": "slidingpuzzle", "initial_state": state, "difficulty": 1})
    with pytest.raises(RecordError, match="category"):
        TASK.from_record({"category": "hanoi", "initial_state": str(BOARD), "difficulty": 1})
    assert TASK.from_record({"category": "slidingpuzzle", "initial_state": str(BOARD)}).level == 1  # d* = 2
    far = TASK.instance(5, 0).state["board"]
    assert TASK.from_record({"category": "slidingpuzzle", "initial_state": str([list(r) for r in far])}).level == 5


def test_importer_drops_a_wrong_stored_answer():
    inst = _inst(BOARD, answer="up")
    assert inst._witness is None and TASK.expert_answer(inst) == "up left"
    inst = _inst(BOARD, answer="11 15")  # the official tile form: kept, as words
    assert inst._witness == ["up", "left"]
    inst = _inst(BOARD, answer="down up up left")  # valid, not optimal: kept as the witness
    assert inst._witness == ["down", "up", "up", "left"]


def test_env_replays_a_reference_record():
    hg.assert_env_replays_reference(5, "slidingpuzzle", "MMHelix/SlidingPuzzle-very-hard")


# ------------------------------------------------------------------------------------------ step mode
def test_step_mode_expert_and_reward():
    hg.assert_expert_step_episodes(TASK, "SlidingPuzzle", 4, lambda level, inst: 10 * BANDS[level][1])


def test_step_mode_illegal_moves_mask_and_truncation():
    inst = _inst([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 0, 15]])
    play = TASK.play_init(inst)
    assert TASK.play_mask(inst, play).tolist() == [False, True, True, True]
    r = TASK.play_apply(inst, play, 0)
    assert not r.legal and r.state is play and "no tile below the empty space at (4, 3)" in r.reason
    r = TASK.play_apply(inst, play, 2)
    assert r.legal and r.info["tile"] == 15 and TASK.play_solved(inst, r.state)
    assert play.cells[14] == 0  # the input state is untouched
    assert not TASK.play_apply(inst, play, 4).legal and not TASK.play_apply(inst, play, None).legal
    hg.assert_mask_matches_legality(TASK, TASK.instance(5, 2), 4, 300)
    hg.assert_blocked_action_truncates(TASK, "MMHelix/SlidingPuzzle-very-easy", 4, 50)


def test_step_prompt_and_limits():
    inst = _inst(BOARD)
    play = TASK.play_apply(inst, TASK.play_init(inst), 0).state
    text = TASK.play_prompt(inst, play, "text")
    assert "[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 0, 15]]" in text and "0 = up" in text
    assert "image" not in text.lower() and "image" in TASK.play_prompt(inst, play, "image").lower()
    assert [TASK.step_limit(TASK.instance(lv, 0)) for lv in LEVELS] == [50, 80, 100, 130, 220]


# ---------------------------------------------------------------------------------------- image, prompts
def test_render_tiles_and_blank():
    from mmhelix_env.render import GridLayout

    inst = _inst(BOARD)
    for size in (512, 300, 1024):
        img = TASK.render(inst, size=size)
        assert img.size == (size, size) and img.mode == "RGB"
    img = TASK.render(inst)
    lay = GridLayout.fit(4, 4, 512, margin=round(512 * 0.025), label_margin=round(512 * 0.045))
    assert lay.cell >= 105  # about 110 px per tile
    cx, cy = lay.center(2, 2)
    assert img.getpixel((round(cx), round(cy))) == HOLE
    cx, cy = lay.center(0, 0)
    assert img.getpixel((round(cx + lay.cell * 0.35), round(cy))) == TILE
    play = TASK.play_apply(inst, TASK.play_init(inst), 0).state
    assert TASK.render(inst, play).tobytes() != img.tobytes()
    assert TASK.render(inst, SlidingPlay(TASK.play_init(inst).cells)).tobytes() == img.tobytes()


def test_prompts():
    inst = TASK.instance(4, 2)
    text, image = TASK.prompt(inst, "text"), TASK.prompt(inst, "image")
    board = str([list(r) for r in inst.state["board"]])
    for p in (text, image):
        assert p.rstrip().endswith(FORMAT_SENTENCE) and set(p) <= CHARSET and "boxed" not in p
        assert '"up" means the tile below the empty space moves up into the empty space' in p
        assert '"right" means the tile to the left of the empty space moves right into the empty space' in p
        assert "Fourth row: 13, 14, 15, empty space" in p and "15 numbered tiles and one empty space" in p
    assert board in text and "image" not in text.lower()
    assert "image" in image and board not in image


# ---------------------------------------------------------------------------------------------- trace
@pytest.mark.parametrize("level", LEVELS)
def test_trace_ends_in_a_verifying_answer(level):
    for seed in range(4):
        inst = TASK.instance(level, seed)
        trace = TASK.trace(inst)
        lines = trace.splitlines()
        assert lines[-1] == f"Answer: {TASK.expert_answer(inst)}"
        assert TASK.verify(inst, extract_answer(trace)).correct
        d = len(inst._witness)
        assert sum(1 for ln in lines if ln.startswith("Move ") and "Board: " in ln) == d
        assert ("IDA*" in trace) == (level == 5) and set(trace) <= CHARSET


def test_trace_of_an_imported_instance_narrates_the_optimum():
    inst = _inst(BOARD, answer="down up up left")
    trace = TASK.trace(inst)
    assert extract_answer(trace) == "up left" and TASK.verify(inst, extract_answer(trace)).correct
