"""Eulero: field construction, generator levels and uniqueness, rule verifier, lenient parsing, importer (6x6
records refused), step mode, rendering, prompts, trace."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.envs.spaces import CHARSET
from mmhelix_env.tasks.puzzles import eulero as mod
from mmhelix_env.tasks.puzzles.eulero import TASK
from tests import helpers_puzzle as hp
from tests.mutators import eulero as mutators

SEEDS = range(25)


def make(givens, level=1) -> Instance:
    return Instance("Eulero", level, None, "1", {"n": len(givens), "givens": givens})


@pytest.fixture(scope="module")
def instances():
    return {lv: [TASK.instance(lv, s) for s in SEEDS] for lv in range(1, 6)}


# ---------------------------------------------------------------------------------------------------------------
# generator


@pytest.mark.parametrize("q", [3, 4, 5, 7, 8])
def test_field_tables(q):
    add, mul = mod.gf_tables(q)
    for a in range(q):
        assert sorted(add[a]) == list(range(q))
        if a:
            assert sorted(mul[a]) == list(range(q)), "every non-zero element is invertible"
        for b in range(q):
            assert mul[a][b] == mul[b][a] and add[a][b] == add[b][a]
    rng = np.random.default_rng(q)
    for _ in range(10):
        assert mod.is_graeco_latin(mod.random_square(rng, q))


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_level_parameters_and_uniqueness(instances, level):
    n, blanks = mod.LEVEL_PARAMS[level]
    assert n not in (2, 6)
    for inst in instances[level]:
        st_ = inst.state
        assert set(st_) == {"n", "givens"} and st_["n"] == n
        assert sum(1 for row in st_["givens"] for g in row if g is None) == blanks
        sol = inst._witness
        assert mod.is_graeco_latin(sol)
        for r in range(n):
            for c in range(n):
                g = st_["givens"][r][c]
                assert g is None or g == mod.pair_text(sol[r][c])
        assert TASK.count(inst) == 1
    # the relabellings and transposes make squares differ
    assert len({mod.grid_text(i._witness) for i in instances[level]}) > len(instances[level]) // 2


def test_levels_get_harder(instances):
    stats = {lv: [TASK.stats(i) for i in instances[lv][:15]] for lv in range(1, 6)}
    for key in ("n", "blanks", "initial_candidates", "propagations", "deductions"):
        med = {lv: np.median([s[key] for s in stats[lv]]) for lv in range(1, 6)}
        assert all(med[lv] < med[lv + 1] for lv in range(1, 5)), (key, med)
    for lv in range(1, 6):  # the engine's propagation settles the uniqueness count without branching mostly
        assert all(s["search_nodes"] >= 1 and s["guesses"] >= 0 for s in stats[lv])


def test_engine_model_matches_the_rules():
    """The CSP over pair ids: its solutions are exactly the Graeco-Latin squares (all 3x3 ones: 72), the
    uniqueness count stops at 2, and a square's own givens leave one completion."""
    csp = mod.build_csp(3)
    res = csp.search(1000)
    assert res.complete and res.count == 72
    for values in res.solutions:
        assert mod.is_graeco_latin(mod.values_grid(3, values))
    assert csp.count_solutions(2) == 2
    for n in (4, 5, 7, 8):
        sq = mod.random_square(np.random.default_rng(n), n)
        givens = [[mod.pair_text(p) for p in row] for row in sq]
        csp = mod.build_csp(n)
        dom = mod.givens_domains(csp, n, givens)
        assert csp.count_solutions(2, domains=dom) == 1
        assert mod.values_grid(n, csp.solve(domains=dom)) == sq
        # the letter / number projections of the bit layout
        line = csp.constraints[0]
        for letter in range(n):
            for number in range(1, n + 1):
                m = 1 << mod.pair_id(n, (letter, number))
                assert mod.pair_of(n, mod.pair_id(n, (letter, number))) == (letter, number)
                assert line.letters(m) == 1 << (letter * (n + 1) + n) and line.numbers(m) == 1 << (number - 1)
                assert line.letter_pairs(line.letters(m)) & m and line.number_pairs(line.numbers(m)) & m
    # a line that repeats a letter among fixed cells is refuted by the propagator
    csp = mod.build_csp(3)
    dom = mod.givens_domains(csp, 3, [["A1", "A2", None], [None] * 3, [None] * 3])
    assert csp.propagate(dom) is None and csp.count_solutions(2, domains=dom) == 0


def test_instances_pinned_across_the_engine_port():
    """The engine-based carving makes the same exact uniqueness decisions as the former private solver, so the
    instances did not change (givens computed with the pre-port generator)."""
    pinned = {(2, 0): ["C2|A1|..|D3", "..|..|..|A2", "A4|..|..|B1", "..|B2|A3|C4"],
              (4, 1): ["G1|E4|..|..|A2|B7|..", "A7|..|B4|E6|F1|G3|D2", "..|..|..|..|D7|..|..", "C6|..|D1|..|B5|..|..",
                       "D4|G2|A6|..|..|..|..", "..|D3|E7|..|..|C1|..", "E5|A1|..|..|C4|..|.."]}
    for (level, seed), rows in pinned.items():
        state, square = TASK.generate(np.random.default_rng(seed), level)
        assert ["|".join(g or ".." for g in row) for row in state["givens"]] == rows
        assert mod.is_graeco_latin(square)


def test_determinism():
    hp.assert_same_seed_same_instance(TASK, (1, 5), 77, fingerprints=True)


# ---------------------------------------------------------------------------------------------------------------
# verifier


def test_round_trip_without_witness(instances):
    hp.assert_round_trip_without_witness(TASK, instances, 5, lambda inst: mod.grid_text(inst._witness))


def test_lenient_formats(instances):
    inst = instances[2][0]
    rows = TASK.expert_answer(inst).split("\n")
    forms = [
        "\n".join(rows),
        "\n".join(" | ".join(r.split("|")) for r in rows),
        "\n".join(r.lower() for r in rows),
        "\\n".join(rows),
        " \\\\ ".join(r.replace("|", " & ") for r in rows),
        "; ".join(r.replace("|", ", ") for r in rows),
        "|".join(rows),
        "```\n" + "\n".join(rows) + "\n```",
        "Answer:\n" + "\n".join("|" + r + "|" for r in rows),
        "A1|B2\nB2|A1\nsome words\n" + "\n".join(rows),
    ]
    for text in forms:
        v = TASK.verify(inst, text)
        assert v.correct, (text, v.reason)
    assert TASK.verify_response(inst, "so\n<answer>" + forms[0] + "</answer>")[1].correct


def test_rule_violations(instances):
    inst = instances[3][3]
    n = inst.state["n"]
    rows = [r.split("|") for r in TASK.expert_answer(inst).split("\n")]
    givens = inst.state["givens"]
    fixed = [(r, c) for r in range(n) for c in range(n) if givens[r][c]]

    def text(g):
        return "\n".join("|".join(r) for r in g)

    r, c = fixed[0]
    bad = [row[:] for row in rows]
    bad[r][c] = "E" + bad[r][c][1:] if bad[r][c][0] != "E" else "D" + bad[r][c][1:]
    v = TASK.verify(inst, text(bad))
    assert not v.correct and f"the given {givens[r][c]} at ({r + 1},{c + 1}) was changed" in v.reason
    assert 0 < v.score < 1 and "twice" in v.reason
    bad = [row[:] for row in rows]
    bad[0][0] = "F1"
    v = TASK.verify(inst, text(bad))
    assert not v.correct and v.score == 0 and "cell (1,1) holds F1" in v.reason
    bad[0][0] = "A9"
    assert TASK.verify(inst, text(bad)).score == 0
    bad[0][0] = "A?"
    v = TASK.verify(inst, text(bad))
    assert not v.correct and "'A?'" in v.reason
    v = TASK.verify(inst, text(rows[:-1]))
    assert not v.correct and "found 4 row(s)" in v.reason
    # the official scorer's cropping bug: a smaller valid square must not pass
    v = TASK.verify(inst, "A1|B2|C3\nB3|C1|A2\nC2|A3|B1")
    assert not v.correct


def test_pair_rule_and_partial_score():
    # two orthogonal-looking Latin squares that repeat pairs: letters and numbers valid, pairs not
    inst = make([[None] * 3 for _ in range(3)])
    v = TASK.verify(inst, "A1|B2|C3\nB2|C3|A1\nC3|A1|B2")
    assert not v.correct and "the pair B2 appears twice (cells (1,2) and (2,1))" in v.reason
    assert v.score == pytest.approx(6 / 7)
    assert TASK.verify(inst, "A1|B2|C3\nB3|C1|A2\nC2|A3|B1").correct


def test_alternative_solutions_accepted():
    inst = make([[None] * 3 for _ in range(3)])
    csp = mod.build_csp(3)
    sols = [mod.values_grid(3, v) for v in csp.search(100).solutions]
    assert len(sols) > 2
    for sol in sols:
        assert TASK.verify(inst, mod.grid_text(sol)).correct
    # a 4x4 with a few givens has several completions; all are accepted
    base = mod.random_square(np.random.default_rng(3), 4)
    givens = [[mod.pair_text(base[r][c]) if (r, c) in {(0, 0), (1, 2)} else None for c in range(4)] for r in range(4)]
    inst = make(givens, 2)
    csp = mod.build_csp(4)
    sols = [mod.values_grid(4, v) for v in csp.search(5, domains=mod.givens_domains(csp, 4, givens)).solutions]
    assert len(sols) >= 2
    for sol in sols:
        assert TASK.verify(inst, mod.grid_text(sol)).correct


def test_mutators(instances):
    hp.assert_mutations_rejected(TASK, mutators, instances, 4)


GARBAGE = hp.grid_garbage("١ ٢ ٣ ٢ ٣ ١ ٣ ١ ٢", "Ａ１|Ｂ２", "A1|" * 6000, "\n" * 20_000, "|" * 19_000,
                          "A١|B٢|C٣\nB3|C1|A2\nC2|A3|B1")


def test_garbage_rejected(instances):
    hp.assert_garbage_rejected(TASK, instances[5][0], GARBAGE)


test_arbitrary_text_never_raises = hp.arbitrary_text_test(TASK, 1)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["A1", "B2", "C3", "D4", "A3", "c2", "B1", "Z9", "A10", " "]),
                         min_size=2, max_size=4), min_size=2, max_size=4))
def test_arbitrary_grids(rows):
    v = TASK.verify(TASK.instance(1, 1), "\n".join("|".join(r) for r in rows))
    assert isinstance(v.correct, bool) and v.reason


# ---------------------------------------------------------------------------------------------------------------
# importer


@pytest.mark.parametrize("level", [1, 2, 3, 5])
def test_import_fixtures(level):
    for rec, inst in hp.imported_fixtures(TASK, "Eulero", level, "eulero"):
        lines = rec["initial_state"].split("\n")
        n = len(lines)
        assert inst.state["n"] == n
        for r, line in enumerate(lines):
            for c, cell in enumerate(line.split("|")):
                assert inst.state["givens"][r][c] == (None if cell == " " else cell)
        v = TASK.verify(inst, rec["answer"])
        assert v.correct, v.reason
        assert inst._witness is not None and TASK.expert_answer(inst) == rec["answer"]
        assert TASK.count(inst) >= 1


def test_import_level4_six_by_six_refused():
    for rec in hp.fixture_records(4, "eulero"):
        with pytest.raises(RecordError, match="6x6"):
            TASK.from_record(rec)


def test_import_published_row_and_bad_records():
    rec = hp.fixture_record(3, "eulero")
    row = {"id": 5, "category": "eulero", "question": rec["question"], "question_text": rec["question_language"],
           "answer": rec["answer"].replace("\n", "\\n"), "difficulty": 3,
           "initial_state": rec["initial_state"].replace("\n", "\\n"),
           "metric_info": "{'score_function': 'eulero_evaluator'}"}
    inst = TASK.from_record(row)
    assert inst.fingerprint == TASK.from_record(rec).fingerprint
    inst2 = TASK.from_record({"initial_state": rec["initial_state"], "answer": "A1"})
    assert inst2.level == 3 and inst2._witness is None
    lines = rec["initial_state"].split("\n")
    clash = "\n".join(["A1|A1|" + "|".join(lines[0].split("|")[2:])] + lines[1:])
    for bad in ({}, {"initial_state": "nope"}, {"initial_state": clash, "difficulty": 3},
                {"initial_state": "\n".join(lines[:-1]), "difficulty": 3},
                {"initial_state": rec["initial_state"].replace("|", "|Q7", 1), "difficulty": 3},
                {"initial_state": rec["initial_state"], "difficulty": 3, "category": "sudoku"}):
        with pytest.raises(RecordError):
            TASK.from_record(bad)


# ---------------------------------------------------------------------------------------------------------------
# step mode


def test_step_mode(instances):
    inst = instances[3][2]
    n = inst.state["n"]
    assert TASK.action_shape(inst) == (n, n, n * n + 1) == TASK.level_action_shape(3)
    assert TASK.step_limit(inst) == 4 * n * n
    play = TASK.play_init(inst)
    mask = TASK.play_mask(inst, play)
    assert mask.shape == (n, n, n * n + 1)
    for r in range(n):
        for c in range(n):
            assert mask[r, c].any() == (inst.state["givens"][r][c] is None)
    r, c = next((r, c) for r in range(n) for c in range(n) if inst.state["givens"][r][c])
    res = TASK.play_apply(inst, play, (r, c, 1))
    assert not res.legal and res.state == play
    actions = TASK.expert_actions(inst)
    assert len(actions) == mod.LEVEL_PARAMS[3][1]
    for a in actions:
        assert not TASK.play_solved(inst, play)
        res = TASK.play_apply(inst, play, a)
        assert res.legal
        v = a[2] - 1
        assert f"wrote {'ABCDE'[v // n]}{v % n + 1} at" in res.reason
        play = res.state
    assert TASK.play_solved(inst, play)
    img = TASK.render(inst, play)
    assert img.size == (512, 512) and img.tobytes() != TASK.render(inst).tobytes()
    for modality in ("image", "text"):
        text = TASK.play_prompt(inst, play, modality)
        assert set(text) <= CHARSET and "(row, column, value)" in text
    assert "..|" not in "\n".join(TASK.play_text(inst, play))


def test_step_env_reward():
    hp.assert_step_env_reward(TASK, 2, 4, (4, 4, 17), illegal=hp.write_on_first_given("givens", 4))


# ---------------------------------------------------------------------------------------------------------------
# presentation


def test_render_and_prompts(instances):
    inst = instances[5][0]
    hp.assert_render_sizes(TASK, inst)
    arr = np.asarray(TASK.render(inst)).astype(int)
    blue = ((arr[..., 2] > 150) & (arr[..., 0] < 90)).sum()
    red = ((arr[..., 0] > 150) & (arr[..., 2] < 90) & (arr[..., 1] < 90)).sum()
    assert blue > 100 and red > 100
    image_prompt, text_prompt = hp.assert_prompts_clean(TASK, inst)
    for p in (image_prompt, text_prompt):
        assert "8×8" in p and "A-H" in p
        assert "separated by `|` (without spaces).\nEach row must be on a new line." in p
        assert TASK.expert_answer(inst) not in p
    assert "image" in image_prompt and "image" not in text_prompt.lower()
    grid = "\n".join("|".join(g or ".." for g in row) for row in inst.state["givens"])
    assert grid in text_prompt


def test_trace_ends_in_verifying_answer(instances):
    picked = [instances[lv][0] for lv in range(1, 6)]
    # generated puzzles are mostly settled by propagation; sparse hand-made grids need the engine's guesses
    rng = np.random.default_rng(11)
    guessing = []
    for n, keep in ((5, 4), (5, 8)):
        sq = mod.random_square(rng, n)
        cells = set(rng.permutation(n * n)[:keep].tolist())
        givens = [[mod.pair_text(sq[r][c]) if r * n + c in cells else None for c in range(n)] for r in range(n)]
        inst = make(givens, mod.SIZE_LEVEL[n])
        assert TASK.stats(inst)["guesses"] > 0
        guessing.append(inst)
    for inst in picked + guessing:
        trace = TASK.trace(inst)
        assert "Answer: " in trace.splitlines()[-inst.state["n"]]
        assert set(trace) <= CHARSET
        assert TASK.verify(inst, extract_answer(trace)).correct
    assert "Guess" in TASK.trace(guessing[0]) and "fits only in" in TASK.trace(picked[4])
    assert "Row 1: has letter" in TASK.trace(picked[2])
