"""SERG: rule traces, rewrite through any backend object of the agents interface, verifier filter, outputs."""

from __future__ import annotations

import json

import pytest

import mmhelix_env
from agents.types import Generation
from algorithms.ahpo.data import expert_records, format_expert, rule_expert, strip_final_answer
from algorithms.serg import (
    REWRITE_PROMPT_VERSION,
    SergStats,
    anchor_recall,
    finalize_rewrite,
    main,
    parse_seeds,
    rewrite_messages,
    serg_rows,
)


class FakeBackend:
    """Backend shape of ``agents``: generate(list_of_chat_messages, SamplingParams) -> list[Generation]."""

    def __init__(self, mode: str):
        self.mode = mode
        self.calls: list[list] = []

    def generate(self, batch, params):
        self.calls.append(batch)
        out = []
        for messages in batch:
            user = messages[-1]["content"]
            answer = user.split("## Correct final answer\n")[1].split("\n\n")[0]
            path = user.split("## Rule-based solution path\n")[1].split("\n\n## Correct final answer")[0]
            if self.mode == "good":
                text = (f"Let me look at the picture first.\n{path}\nHmm, wait, let me re-check... yes.\n"
                        f"\\boxed{{{answer}}}")
            elif self.mode == "wrong":
                text = "I think the answer is \\boxed{definitely not this}"
            elif self.mode == "lossy":
                text = f"Looks easy.\n\\boxed{{{answer}}}"
            else:
                text = ""
            out.append(Generation(text, error="boom" if self.mode == "error" else None))
        return out


ITEMS = [("GraphIsomorphism", 1, 0), ("Maze", 1, 3), ("Sudoku", 1, 1)]


def test_rule_trace_rows_verify_and_match_the_layout():
    rows = serg_rows(ITEMS)
    assert len(rows) == 3
    for row, (task, level, seed) in zip(rows, ITEMS):
        inst = mmhelix_env.make_instance(task, level, seed)
        assert row["fingerprint"] == inst.fingerprint and row["source"] == "rule_trace"
        assert row["response"].startswith("<think>\n") and "</think>\n\\boxed{" in row["response"]
        assert mmhelix_env.verify(inst, row["response"]).correct
        assert row["prompt"].endswith("The final answer MUST BE enclosed within \\boxed{}")
        assert "Answer:" not in row["response"].split("</think>")[0].splitlines()[-1]


def test_100k_style_uses_final_answer_line():
    inst = mmhelix_env.make_instance("Maze", 1, 3)
    demo = rule_expert(inst, "100k")
    assert demo.rstrip().splitlines()[-1] == f"Final Answer: {mmhelix_env.expert_answer(inst)}"
    assert mmhelix_env.verify(inst, demo).correct
    # the closing "Answer:" line of the trace is removed from the thinking part
    assert not strip_final_answer("a\nb\nAnswer: x").endswith("x")


def test_rewrite_with_fake_backend_keeps_verified_traces():
    backend = FakeBackend("good")
    stats = SergStats()
    rows = serg_rows(ITEMS, backend=backend, sampling=object(), stats=stats, batch_size=2, model_name="fake")
    assert stats.kept == 3 and not stats.dropped
    assert [len(b) for b in backend.calls] == [2, 1]
    for row in rows:
        assert row["source"] == "serg" and row["prompt_version"] == REWRITE_PROMPT_VERSION
        assert "re-check" in row["response"] and row["anchor_recall"] == 1.0
        assert row["response"].startswith("<think>") and row["response"].rstrip().endswith("}")
    messages = rewrite_messages(mmhelix_env.make_instance(*ITEMS[0]), "step 1\nAnswer: No", "No")
    assert messages[0]["role"] == "system" and "anchors" in messages[1]["content"]


@pytest.mark.parametrize(("mode", "reason"), [("wrong", "rewrite_wrong_or_no_answer"), ("error", "backend_error"),
                                              ("lossy", "anchors_lost")])
def test_filter_drops_bad_rewrites(mode, reason):
    stats = SergStats()
    rows = serg_rows(ITEMS[1:], backend=FakeBackend(mode), sampling=None, stats=stats, min_anchor_recall=0.5)
    assert rows == [] and stats.dropped[reason] == 2


def test_too_long_and_duplicates_dropped():
    stats = SergStats()
    rows = serg_rows([ITEMS[2], ITEMS[2], ITEMS[0]], max_tokens=300, stats=stats)
    assert [r["task"] for r in rows] == ["GraphIsomorphism"]
    assert stats.dropped == {"too_long": 2}
    stats = SergStats()
    serg_rows([ITEMS[0], ITEMS[0]], stats=stats)
    assert stats.dropped == {"duplicate": 1}


def test_helpers():
    assert parse_seeds(["0-3", "7,9"]) == [0, 1, 2, 3, 7, 9]
    assert anchor_recall("x = 3\nno numbers\ny = 4 5", "3 and 4 and 5") == 1.0
    assert anchor_recall("x = 3\ny = 4 5", "only 3") == 0.5
    text, answer = finalize_rewrite("thinking 1 2\nAnswer: maybe\n\\boxed{No}")
    assert answer == "No" and text == format_expert("thinking 1 2", "No")


def test_cli_writes_jsonl_and_datasets_readable_by_the_trainer_data(tmp_path, capsys):
    out = tmp_path / "traces.jsonl"
    assert main(["--tasks", "GraphIsomorphism", "Maze", "--levels", "1", "--seeds", "0-1", "--out", str(out),
                 "--format", "jsonl", "datasets"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 4 and {r["task"] for r in rows} == {"GraphIsomorphism", "Maze"}
    assert (tmp_path / "traces").is_dir()
    records = expert_records(rows)
    assert all(r["expert"] == row["response"] for r, row in zip(records, rows))
    assert "kept 4" in capsys.readouterr().out


def test_rewrite_through_a_real_agents_backend(tmp_path):
    """The tiny random model as a TransformersBackend: its rewrites never verify, so the filter drops them all."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    from agents.testing import tiny_vlm

    tiny_vlm(tmp_path / "tiny")
    out = tmp_path / "serg.jsonl"
    assert main(["--tasks", "GraphIsomorphism", "--seeds", "0", "--out", str(out), "--backend", "transformers",
                 "--model", str(tmp_path / "tiny"), "--max-new-tokens", "8"]) == 0
    assert out.read_text() == ""


def test_token_count_includes_eos_like_the_trainer():
    """A demo the trainer accepts (its tokens + EOS <= max_completion_length) is one SERG keeps, and vice versa."""
    pytest.importorskip("transformers")
    from agents.testing import build_tokenizer
    from algorithms.serg import count_tokens

    tokenizer = build_tokenizer()
    text = "<think>check</think> \\boxed{Yes}"
    assert count_tokens(text, tokenizer) == len(tokenizer(text, add_special_tokens=False)["input_ids"]) + 1
