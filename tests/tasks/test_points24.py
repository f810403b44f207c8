"""24Points: generator levels, exact solution counting, lenient parsing, rule checks, importer, trace, image."""

from __future__ import annotations

import json
from fractions import Fraction
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhelix_env.core import Instance, RecordError, extract_answer
from mmhelix_env.tasks.algorithms import points24 as mod
from mmhelix_env.tasks.algorithms.points24 import TASK, card_layout, count_solutions, format_expr, parse_expression

FIXTURES = Path("/work/shared/fixtures/reference_sample")
RANGES = {1: (1, 9), 2: (1, 13), 3: (1, 20), 4: (1, 20), 5: (3, 25)}
OBS_CHARSET = set("×÷−–—→←↑↓·…’“”≤≥≠█")


def inst_of(numbers, level: int = 3) -> Instance:
    return Instance(TASK.name, level, None, TASK.version, {"numbers": sorted(numbers)})


# ----- an independent brute force over expression trees (Fractions, canonical strings) ------------------------


@cache
def brute(nums: tuple[int, ...]) -> frozenset:
    """All (canonical string, value) trees over the multiset ``nums`` (operands of + and × sorted)."""
    if len(nums) == 1:
        return frozenset({(str(nums[0]), Fraction(nums[0]))})
    out = set()
    n = len(nums)
    for mask in range(1, (1 << n) - 1):
        a = tuple(sorted(nums[i] for i in range(n) if mask >> i & 1))
        b = tuple(sorted(nums[i] for i in range(n) if not mask >> i & 1))
        for sa, va in brute(a):
            for sb, vb in brute(b):
                lo, hi = sorted((sa, sb))
                out.add((f"({lo}+{hi})", va + vb))
                out.add((f"({lo}*{hi})", va * vb))
                out.add((f"({sa}-{sb})", va - vb))
                if vb != 0:
                    out.add((f"({sa}/{sb})", va / vb))
    return frozenset(out)


def brute_solutions(numbers) -> list[str]:
    return sorted(s for s, v in brute(tuple(sorted(numbers))) if v == 24)


def to_answer(canon: str) -> str:
    return canon.replace("*", " × ").replace("/", " ÷ ").replace("+", " + ").replace("-", " - ")


# ----- class attributes and generation ------------------------------------------------------------------------


def test_attributes():
    assert TASK.name == "24Points" and TASK.category == "algorithms"
    assert TASK.benchmark_id == "24Points" and TASK.generator_key == "24_points"
    assert TASK.score_function == "24points_evaluator" and TASK.version == "1"
    assert TASK.answer_format and TASK.max_answer_chars == 200
    assert not TASK.step_mode


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_generator_respects_level(level):
    lo, hi = RANGES[level]
    seen = set()
    for seed in range(150):
        inst = TASK.instance(level, seed)
        nums = list(inst.state["numbers"])
        assert len(nums) == 4 and nums == sorted(nums)
        assert all(lo <= x <= hi for x in nums)
        assert tuple(nums) != (2, 3, 8, 9)
        count = count_solutions(nums)
        assert count >= 1
        if level >= 4:
            assert len(set(nums)) == 4
            assert count <= (4 if level == 4 else 2)
        seen.add(tuple(nums))
    assert len(seen) > 100  # varied
    if level <= 3:  # repeats do occur where allowed
        assert any(len(set(s)) < 4 for s in seen)


def test_excluded_example_set_is_solvable_but_never_generated():
    assert count_solutions((2, 3, 8, 9)) > 0
    assert mod.EXCLUDED == (2, 3, 8, 9)


def test_determinism():
    for level in range(1, 6):
        a, b = TASK.instance(level, 1234), TASK.instance(level, 1234)
        assert a.state == b.state and a.fingerprint == b.fingerprint
        assert TASK.render(a).tobytes() == TASK.render(b).tobytes()
        assert TASK.prompt(a, "image") == TASK.prompt(b, "image")
        assert TASK.prompt(a, "text") == TASK.prompt(b, "text")
        assert TASK.expert_answer(a) == TASK.expert_answer(b)
    assert len({tuple(TASK.instance(3, seed).state["numbers"]) for seed in range(5)}) > 1


# ----- counting and solving -----------------------------------------------------------------------------------


@pytest.mark.parametrize("numbers", [
    (1, 2, 3, 4), (2, 5, 8, 8), (3, 3, 8, 8), (6, 6, 6, 6), (4, 4, 4, 4), (1, 1, 1, 1), (1, 1, 12, 12),
    (1, 5, 5, 5), (3, 9, 17, 20), (8, 9, 17, 20), (4, 5, 6, 9), (12, 16, 17, 23), (2, 2, 2, 9), (1, 1, 1, 24),
    (3, 3, 3, 3), (5, 5, 5, 1), (7, 7, 3, 3), (12, 12, 12, 12),
])
def test_count_matches_brute_force(numbers):
    assert count_solutions(numbers) == len(brute_solutions(numbers))


def test_count_matches_brute_force_random():
    rng = np.random.default_rng(7)
    for _ in range(60):
        nums = tuple(sorted(int(x) for x in rng.integers(1, 26, 4)))
        assert count_solutions(nums) == len(brute_solutions(nums)), nums


def test_count_cap_stops_early_but_is_exact_below_cap():
    for nums in [(1, 2, 3, 4), (1, 1, 12, 12), (8, 9, 17, 20)]:
        full = count_solutions(nums)
        capped = count_solutions(nums, cap=2)
        assert (capped > 2) == (full > 2)
        if full <= 2:
            assert capped == full


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_solver_verifier_round_trip(level):
    for seed in range(40):
        inst = TASK.instance(level, seed)
        answer = TASK.expert_answer(inst)
        verdict = TASK.verify(inst, answer)
        assert verdict.correct and verdict.score == 1.0, (inst.state, answer, verdict)
        # the solver from the state alone (no witness) gives the same canonical solution
        fresh = inst_of(inst.state["numbers"], level)
        assert TASK.expert_answer(fresh) == answer


def test_canonical_solution_format():
    assert format_expr(mod.search((1, 2, 3, 4))[0]) == "(1 + 2 + 3) × 4"
    inst = inst_of((3, 8, 3, 8))
    assert TASK.verify(inst, TASK.solve(inst)).correct  # needs a fraction: 8 ÷ (3 - 8 ÷ 3)
    assert TASK.verify(inst, "8 ÷ (3 - 8 ÷ 3)").correct


def test_every_distinct_solution_is_accepted():
    for nums in [(1, 2, 3, 4), (2, 5, 8, 8), (3, 3, 8, 8), (1, 1, 12, 12), (8, 9, 17, 20), (4, 5, 6, 9)]:
        inst = inst_of(nums)
        sols = brute_solutions(nums)
        assert sols
        for canon in sols:
            verdict = TASK.verify(inst, to_answer(canon))
            assert verdict.correct, (nums, canon, verdict.reason)


def test_stats_grow_with_level():
    med = {}
    for level in range(1, 6):
        rows = [TASK.stats(TASK.instance(level, seed)) for seed in range(40)]
        med[level] = {k: float(np.median([r[k] for r in rows])) for k in rows[0]}
    assert set(med[1]) == {"search_nodes", "distinct_solutions", "max_number"}
    assert med[5]["distinct_solutions"] <= 2 and med[4]["distinct_solutions"] <= 4
    assert med[4]["search_nodes"] > med[3]["search_nodes"]
    assert med[5]["search_nodes"] > med[1]["search_nodes"]
    assert med[1]["max_number"] < med[3]["max_number"] < med[5]["max_number"]


# ----- parsing and verification -------------------------------------------------------------------------------

NUMS = (1, 2, 3, 4)


@pytest.mark.parametrize("text", [
    "(1 + 2 + 3) × 4", "(1+2+3)*4", "4*(3+2+1)", "1 × 2 × 3 × 4", "4 * 3 * 2 * 1", "(4 + 2) × (3 + 1)",
    "[1 + 2 + 3] x 4", "{1 + 2 + 3} X 4", "(1 + 2 + 3) · 4", "\\left(1+2+3\\right)\\times 4",
    "\\left[1+2+3\\right]\\times 4", "\\left\\{1+2+3\\right\\}\\times 4", "\\{1+2+3\\}\\times 4",
    "(1+2+3) \\cdot 4", "$(1 + 2 + 3) \\times 4$", "$$ (1+2+3)*4 $$", "\\( (1+2+3) \\times 4 \\)",
    "\\[ (1+2+3)\\times4 \\]", "(1 + 2 + 3) × 4 = 24", "24 = (1 + 2 + 3) × 4", "(1 + 2 + 3) × 4.",
    "(1 + 2 + 3) × 4 = 24.", "  (1\t+ 2\n+ 3) × 4  ", "2 × 3 ÷ (1 ÷ 4)", "2 × 3 : (1 : 4)",
    "2 \\times 3 \\div (1 \\div 4)", "2*3/(1/4)", "((1 + 3) × (2 + 4))", "2 × 3 × 4 ÷ 1", "4 ÷ (1 ÷ (3 × 2))",
    "(1+3)*(2+4)", "1\\,\\times\\,2\\times3\\times4",
])
def test_lenient_formats_accepted(text):
    verdict = TASK.verify(inst_of(NUMS), text)
    assert verdict.correct, (text, verdict.reason)


@pytest.mark.parametrize("text", ["5 × 8 - 2 × 8", "5 × 8 − 2 × 8", "5*8 – 2*8", "5x8—2x8", "8 × (5 - 2) × 8 ÷ 8"])
def test_minus_symbols(text):
    verdict = TASK.verify(inst_of((2, 5, 8, 8)), text)
    if text.count("8") == 3:
        assert not verdict.correct and "8 used 3 times but given 2 times" in verdict.reason
    else:
        assert verdict.correct, (text, verdict.reason)


@pytest.mark.parametrize("text, needle", [
    ("(1 + 2 + 3) × 5", "missing 4"),
    ("(1 + 2 + 3) × 4 × 1", "1 used 2 times"),
    ("(1 + 2 + 3) × 4 + 0", "not given: 0"),
    ("(1 + 2) × 3 × 4", "evaluates to 36, not 24"),
    ("(1 + 2) ÷ 3 + 4", "evaluates to 5, not 24"),
    ("1 ÷ 2 + 3 + 4", "evaluates to 15/2"),
    ("4 ÷ (3 - 2 - 1)", "division by zero"),
    ("-1 + 2 × 3 × 4 + 1", "unary '-'"),
    ("(-1 + 3) × 3 × 4", "unary '-'"),
    ("+1 × 2 × 3 × 4", "unary '+'"),
    ("1 × 2 × 3 × 4 ** 1", "'**'"),
    ("(1 + 3) ^ 2 + 2 + 4", "power"),
    ("4 // 1 × 3 × 2", "'//'"),
    ("4! × 1 × 2 × 3", "factorial"),
    ("4 % 3 + 2 + 1", "modulo"),
    ("1.5 × 4 × 2 × 3", "decimal"),
    ("sqrt(4) × 3 × 2 × 1", "'sqrt'"),
    ("2(3 + 1) × 3", "implicit multiplication"),
    ("(1 + 2 + 3)4", "implicit multiplication"),
    ("((1 + 2 + 3) × 4", "never closed"),
    ("(1 + 2 + 3)) × 4", "unmatched ')'"),
    ("(1 + 2 + 3) ×", "ends after '×'"),
    ("(1 + 2 + 3) × × 4", "unexpected '×'"),
    ("()", "unexpected ')'"),
    ("12 × 34", "missing 1, 2, 3, 4"),
    ("(1 + 2 + 3) × 4 = 25", "unexpected '='"),
    ("\\frac{4}{1} × 2 × 3", "'\\frac'"),
    ("١ + ٢ + ٣ + ٤", "unexpected character"),
    ("(１ + ２ + ３) × ４", "unexpected character"),
    ("1, 2, 3, 4", "','"),
    ("(" * 21 + "1" + ")" * 21 + " × 2 × 3 × 4", "deeper than 20"),
    ("(" + "1 + 2 + 3" + ") × 4" + " " * 200, "too long"),
    ("", "empty"),
    ("   ", "empty"),
    ("$$", "empty"),
])
def test_rule_violations_rejected_with_reason(text, needle):
    verdict = TASK.verify(inst_of(NUMS), text)
    assert not verdict.correct
    assert needle in verdict.reason, (text, verdict.reason)


def test_partial_scores():
    inst = inst_of(NUMS)
    v = TASK.verify(inst, "(1 + 2) × 3 + 4")  # 13
    assert v.score == pytest.approx(0.25 + 0.25 + 0.4 * (1 - 11 / 24))
    v = TASK.verify(inst, "1 + 2 + 3 + 5")  # numbers do not match
    assert v.score == pytest.approx(0.25)
    v = TASK.verify(inst, "4 ÷ (3 - 2 - 1)")
    assert v.score == pytest.approx(0.5)
    v = TASK.verify(inst, "1 × 2 × 3 × 400")
    assert v.score == pytest.approx(0.25)
    assert TASK.verify(inst, "hello").score == 0.0
    assert TASK.verify(inst, "1 × 2 × 3 × 4").score == 1.0


def test_verify_via_response_extraction():
    inst = inst_of(NUMS)
    answer, verdict = TASK.verify_response(inst, "Let me think... 1+2+3=6, 6*4=24.\n\\boxed{(1 + 2 + 3) \\times 4}")
    assert verdict.correct, (answer, verdict.reason)
    answer, verdict = TASK.verify_response(inst, "<answer>(1+2+3)*4</answer>")
    assert verdict.correct


@pytest.mark.parametrize("junk", [
    "a" * 1_000_000,
    bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8)).decode("latin-1"),
    "\\boxed{" + "{" * 10_000 + "}" * 10_000 + "}",
    "{" * 10_000,
    "١٢٣٤ ２４ ๓๔ ⁴²",
    "(" * 100 + "1",
    "1" * 199,
    "9" * 150 + " × " + "9" * 40,
])
def test_garbage_is_rejected_fast(junk):
    inst = inst_of(NUMS)
    verdict = TASK.verify(inst, junk)
    assert not verdict.correct and verdict.reason


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text):
    verdict = TASK.verify(inst_of(NUMS), text)
    assert isinstance(verdict.correct, bool) and verdict.reason


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789+-*/×÷()[]{}x. =:\\", max_size=80))
def test_arbitrary_expression_text_never_raises(text):
    verdict = TASK.verify(inst_of(NUMS), text)
    assert isinstance(verdict.correct, bool) and verdict.reason


_EXPR = st.recursive(
    st.integers(1, 30),
    lambda sub: st.tuples(st.sampled_from("+-*/"), sub, sub),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(_EXPR)
def test_format_parse_round_trip_keeps_value(tree):
    def value(e):
        if isinstance(e, int):
            return Fraction(e)
        a, b = value(e[1]), value(e[2])
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else None}[e[0]] if (
            a is not None and b is not None) else None

    expected = value(tree)
    text = format_expr(tree)
    parsed = parse_expression(text)
    assert sorted(mod.leaves(parsed)) == sorted(mod.leaves(tree))
    if expected is None:
        with pytest.raises(ZeroDivisionError):
            mod.evaluate(parsed)
    else:
        n, d = mod.evaluate(parsed)
        assert Fraction(n, d) == expected
        verdict = TASK.verify(inst_of(tuple(mod.leaves(tree))[:4] if len(mod.leaves(tree)) == 4 else NUMS), text)
        assert verdict.correct == (len(mod.leaves(tree)) == 4 and expected == 24)


# ----- importer -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_import_fixture(level):
    records = json.loads((FIXTURES / f"d{level}" / "24_points" / "annotations.json").read_text())
    for record in records:
        inst = TASK.from_record(record)
        assert inst.task == "24Points" and inst.level == level and inst.source == "reference"
        assert list(inst.state["numbers"]) == sorted(record["initial_state"]["numbers"])
        assert inst._witness == record["answer"]
        assert TASK.verify(inst, record["answer"]).correct
        assert TASK.verify(inst, TASK.solve(inst)).correct
        # a generated instance with the same numbers has the same fingerprint
        assert inst.fingerprint == inst_of(record["initial_state"]["numbers"], level).fingerprint


def test_import_published_row_layout():
    row = {
        "id": 17, "category": "24Points", "images": [], "question": "…", "question_text": "…",
        "answer": "(3 × (13 - 4)) - 3", "difficulty": "2",
        "metric_info": "{'score_function': '24points_evaluator'}",
        "initial_state": "{'numbers': [3, 3, 4, 13]}",
    }
    inst = TASK.from_record(row)
    assert inst.level == 2 and list(inst.state["numbers"]) == [3, 3, 4, 13]
    assert inst._witness == "(3 × (13 - 4)) - 3"
    row["initial_state"] = json.dumps({"numbers": [13, 4, 3, 3]})
    assert list(TASK.from_record(row).state["numbers"]) == [3, 3, 4, 13]


def test_import_failure_value_and_bad_records():
    record = {"index": "24Points_difficulty3_4", "category": "24Points", "answer": "[[No solution found]]",
              "initial_state": {"numbers": [1, 2, 3, 4]}}
    inst = TASK.from_record(record)
    assert inst.level == 3 and inst._witness is None
    assert TASK.verify(inst, TASK.expert_answer(inst)).correct
    wrong = dict(record, answer="(1 + 2) × 3 × 4")
    assert TASK.from_record(wrong)._witness is None
    bad = [
        dict(record, category="sudoku"),
        dict(record, initial_state={"numbers": [1, 2, 3]}),
        dict(record, initial_state={"numbers": [1, 2, 3, True]}),
        dict(record, initial_state={"numbers": [1, 2, 3, 0]}),
        dict(record, initial_state={"numbers": [1, 1, 1, 1]}),  # no solution
        dict(record, initial_state="not a state"),
        {"initial_state": {"numbers": [1, 2, 3, 4]}},  # no difficulty
        dict(record, difficulty=9),
        "not a dict",
    ]
    for rec in bad:
        with pytest.raises(RecordError):
            TASK.from_record(rec)


# ----- presentation -------------------------------------------------------------------------------------------


def test_render_size_and_cards():
    inst = TASK.instance(5, 3)
    for size in (512, 256, 384):
        img = TASK.render(inst, size=size)
        assert img.size == (size, size) and img.mode == "RGB"
    for nums in ([1, 2, 3, 4], [20, 21, 22, 25], [9, 10, 11, 12]):
        boxes, fs = card_layout(nums, 512)
        assert fs >= 64
        assert all(boxes[k + 1][0] - boxes[k][2] >= 16 for k in range(3))
        assert all(0 <= b[0] and b[2] < 512 and 0 <= b[1] and b[3] < 512 for b in boxes)
    assert not any(ch.isdigit() for ch in mod.TITLE + mod.HINT)


def test_render_draws_cards_white():
    inst = inst_of((3, 9, 17, 20))
    arr = np.asarray(TASK.render(inst))
    boxes, _ = card_layout([3, 9, 17, 20])
    for x0, y0, x1, y1 in boxes:
        assert tuple(arr[y0 + 12, x0 + 12]) == (255, 255, 255)  # card face near its corner
        face = arr[y0 + 5 : y1 - 5, x0 + 5 : x1 - 5]
        assert (face.sum(axis=2) < 200).any()  # dark digits on the card


def test_prompts():
    inst = TASK.instance(2, 11)
    nums = sorted(inst.state["numbers"])
    image = TASK.prompt(inst, "image")
    text = TASK.prompt(inst, "text")
    fmt = ("Please provide your answer as an expression that includes only numbers, operators, and parentheses.\n"
           "Example answer format: (9 - 3) × 8 ÷ 2.")
    assert fmt in image and fmt in text
    assert "cards" in image and "image" in image and "Numbers:" not in image
    assert f"Numbers: [{', '.join(map(str, nums))}]" in text
    assert "image" not in text.lower() and "picture" not in text.lower()
    for p in (image, text):
        assert "\\boxed" not in p
        assert all((32 <= ord(c) < 127) or c == "\n" or c in OBS_CHARSET for c in p), p
    with pytest.raises(ValueError):
        TASK.prompt(inst, "audio")


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_trace_ends_in_verifying_answer(level):
    for seed in range(8):
        inst = TASK.instance(level, seed)
        trace = TASK.trace(inst)
        assert trace.rstrip().splitlines()[-1].startswith("Answer: ")
        answer = extract_answer(trace)
        assert answer == TASK.expert_answer(inst)
        assert TASK.verify(inst, answer).correct
        assert "Step 1: numbers" in trace and "-> " in trace


def test_trace_shows_dead_ends_and_intermediate_values():
    trace = TASK.trace(inst_of((12, 16, 17, 23), 5))
    assert "12 + 16 = 28 -> 17, 23, 28: no combination" in trace
    assert "16 - 12 = 4 -> 4, 17, 23: these can still make 24" in trace
    assert "17 ÷ 4 = 17/4" in trace
    assert "4 × 6 = 24: that is 24" in trace
    assert trace.endswith("Answer: (16 - 12) × (23 - 17)")


def test_discovered_and_env_roundtrip():
    import mmhelix_env

    assert mmhelix_env.TASKS["24Points"] is TASK or type(mmhelix_env.TASKS["24Points"]).__name__ == "Points24"
    inst = mmhelix_env.make_instance("24Points", "hard", 5)
    assert mmhelix_env.verify(inst, "\\boxed{" + mmhelix_env.expert_answer(inst) + "}").correct
    assert extract_answer(mmhelix_env.expert_trace(inst)) == mmhelix_env.expert_answer(inst)
