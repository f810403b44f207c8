"""Step-action parsing, expert and random baselines, and the LLM agent over a scripted backend."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium import spaces

import mmhelix_env
from agents import ExpertAgent, Generation, LLMAgent, RandomAgent, SamplingParams, run_episode, run_episodes
from agents.agent import action_text, boxed_response, move_choices, parse_step_action, perturb_answer
from mmhelix_env import LEVELS, extract_answer

STEP_TASKS = sorted(name for name, task in mmhelix_env.TASKS.items() if task.step_mode)
MAZE_PROMPT = "### Your move:\nChoose the next move: 0 = up, 1 = down, 2 = left, 3 = right.\n"
HANOI_PROMPT = ("Choose the next move; it takes the top disk of the first peg and puts it on the second: "
                "0 = peg 1 -> peg 2, 1 = peg 1 -> peg 3, 2 = peg 2 -> peg 1, 3 = peg 2 -> peg 3.")


# --- parsing -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("response", "expected"), [
    ("\\boxed{3}", 3), ("I go right. \\boxed{right}", 3), ("\\boxed{\\text{Up}}", 0), ("<answer>move 2</answer>", 2),
    ("Answer: down", 1), ("\\boxed{LEFT}", 2),
])
def test_parse_discrete_moves(response, expected):
    action, _, error = parse_step_action(response, spaces.Discrete(4), MAZE_PROMPT)
    assert error is None and action == expected


def test_parse_named_moves_from_prompt():
    assert move_choices(HANOI_PROMPT)["peg 2 -> peg 1"] == 2
    assert parse_step_action("\\boxed{peg 2 -> peg 1}", spaces.Discrete(6), HANOI_PROMPT)[0] == 2
    assert parse_step_action("\\boxed{3}", spaces.Discrete(6), HANOI_PROMPT)[0] == 3
    # direction words only mean something for 4-way games
    assert parse_step_action("\\boxed{up}", spaces.Discrete(6), "")[2] is not None


MINESWEEPER_PROMPT = ("### Actions:\n- 0..35: toggle a flag on cell row*6+col (covered cells only)\n"
                      "- 36..71: reveal cell 36+row*6+col\n- 72: submit; you win if the flagged cells are the mines\n")


@pytest.mark.parametrize(("response", "expected"), [
    ("\\boxed{peg 2->peg 3}", 3), ("\\boxed{Peg 2 → Peg 3}", 3), ("\\boxed{ PEG 2  ->  peg 3. }", 3),
    ("\\boxed{3 = peg 2 -> peg 3}", 3), ("\\boxed{3: peg 2 -> peg 3}", 3), ("\\boxed{move 4}", 4),
])
def test_parse_named_moves_normalised(response, expected):
    action, _, error = parse_step_action(response, spaces.Discrete(6), HANOI_PROMPT)
    assert error is None and action == expected


@pytest.mark.parametrize(("response", "prompt", "n"), [
    ("\\boxed{2 -> 3}", HANOI_PROMPT, 6), ("\\boxed{go up twice then 3}", MAZE_PROMPT, 4),
    ("\\boxed{1, 2}", MAZE_PROMPT, 4), ("\\boxed{up then left}", MAZE_PROMPT, 4),
    ("\\boxed{2 = peg 2 -> peg 3}", HANOI_PROMPT, 6), ("\\boxed{5: submit}", MINESWEEPER_PROMPT, 73),
])
def test_parse_several_moves_is_ambiguous(response, prompt, n):
    action, _, error = parse_step_action(response, spaces.Discrete(n), prompt)
    assert action is None and "ambiguous" in error


@pytest.mark.parametrize(("response", "expected"), [
    ("\\boxed{submit}", 72), ("\\boxed{72: submit}", 72), ("\\boxed{Submit.}", 72), ("\\boxed{40}", 40),
])
def test_parse_named_single_actions(response, expected):
    assert move_choices(MINESWEEPER_PROMPT) == {"submit": 72}
    action, _, error = parse_step_action(response, spaces.Discrete(73), MINESWEEPER_PROMPT)
    assert error is None and action == expected


def test_parse_direction_words_agreeing_with_the_number():
    assert parse_step_action("\\boxed{Right.}", spaces.Discrete(4), MAZE_PROMPT)[0] == 3
    assert parse_step_action("\\boxed{right (3)}", spaces.Discrete(4), MAZE_PROMPT)[0] == 3


@pytest.mark.parametrize(("response", "expected"), [
    ("\\boxed{(2, 5, 7)}", (2, 5, 7)), ("row 0, column 1, digit 9 \\boxed{0 1 9}", (0, 1, 9)),
    ("<answer>[3,3,0]</answer>", (3, 3, 0)),
])
def test_parse_multidiscrete(response, expected):
    action, _, error = parse_step_action(response, spaces.MultiDiscrete([9, 9, 10]))
    assert error is None and action == expected


@pytest.mark.parametrize("response", ["\\boxed{(2, 5)}", "no idea", "\\boxed{1, 2, 3, 4}", "", "x" * 5000])
def test_parse_failures_are_reported(response):
    action, _, error = parse_step_action(response, spaces.MultiDiscrete([9, 9, 10]))
    assert action is None and error


def test_action_text_round_trip():
    assert action_text(3) == "\\boxed{3}" and action_text((1, 2, 3)) == "\\boxed{(1, 2, 3)}"
    assert parse_step_action(action_text(np.array([4, 0, 9])), spaces.MultiDiscrete([9, 9, 10]))[0] == (4, 0, 9)


def test_boxed_response_always_extracts_verbatim():
    for answer in ["12", "{1, 2}", "[[1, 2], [3, 4]]", "a}b{c", "\\frac{1}{2}", "x\n y"]:
        assert extract_answer(boxed_response(answer)) == answer.strip()


def test_perturb_answer_keeps_shape():
    rng = np.random.default_rng(0)
    out = perturb_answer("[3, 14, up, left]", rng)
    assert out.startswith("[") and out.count(",") == 3
    assert all(w in ("up", "down", "left", "right") for w in out.strip("[]").split(", ")[2:])


# --- expert: 1.0 everywhere through the text path -------------------------------------------------------
def _expert_specs(full: bool):
    specs = []
    for i, name in enumerate(sorted(mmhelix_env.TASKS)):
        levels = LEVELS if full else (LEVELS[i % 5],)
        for level in levels:
            for modality in ("image", "text"):
                specs.append({"env_id": mmhelix_env.env_id(name, level), "modality": modality, "seed": 11 + i})
                if name in STEP_TASKS:
                    specs.append({"env_id": mmhelix_env.env_id(name, level), "modality": modality, "seed": 11 + i,
                                  "mode": "step"})
    return specs


def _check_expert(specs):
    results = run_episodes(specs, ExpertAgent(), max_in_flight=64)
    failed = [(r.env_id, r.mode, r.modality, r.reason) for r in results if not (r.solved and r.reward == 1.0)]
    assert not failed, failed[:10]
    for r in results:
        assert all(e is None for e in r.parse_errors)
        if r.mode == "step":
            assert not any(r.illegal) and r.terminated and not r.truncated
        else:
            assert r.steps == 1 and r.extracted[0]
    return results


def test_expert_solves_every_task_sampled():
    results = _check_expert(_expert_specs(full=False))
    assert {r.task for r in results} == set(mmhelix_env.TASKS)
    assert {r.task for r in results if r.mode == "step"} == set(STEP_TASKS)


@pytest.mark.slow
def test_expert_solves_every_id_both_modalities_and_modes():
    results = _check_expert(_expert_specs(full=True))
    assert {r.env_id for r in results} == set(mmhelix_env.ENV_IDS)


def test_expert_with_retries_and_replayed_instance():
    env = mmhelix_env.make_env("Sokoban", "medium", max_attempts=3)
    inst = mmhelix_env.make_instance("Sokoban", "medium", 5)
    result = run_episode(env, ExpertAgent(), options={"instance": inst})
    assert result.solved and result.steps == 1 and result.fingerprint == inst.fingerprint


# --- random baseline ------------------------------------------------------------------------------------
def test_random_agent_is_near_zero_and_plays_legal_moves():
    specs = [{"env_id": mmhelix_env.env_id(name, "easy"), "modality": "text", "seed": 3} for name in mmhelix_env.TASKS]
    results = run_episodes(specs, RandomAgent(seed=1))
    assert sum(r.solved for r in results) <= 4  # yes/no tasks can be guessed
    assert all(r.steps == 1 and r.extracted[0] for r in results)
    steps = run_episodes([{"env_id": "MMHelix/Sudoku-easy", "mode": "step", "seed": 2}], RandomAgent(seed=1),
                         max_steps=40)[0]
    assert steps.steps == 40 and not any(steps.illegal) and not any(steps.parse_errors)


def test_random_agent_is_reproducible():
    spec = [{"env_id": "MMHelix/Maze-medium", "mode": "step", "seed": 4}, "MMHelix/24Points-easy"]
    a = run_episodes(spec, RandomAgent(seed=7))
    b = run_episodes(spec, RandomAgent(seed=7))
    assert [r.responses for r in a] == [r.responses for r in b]


# --- LLM agent over a scripted backend ------------------------------------------------------------------
class ScriptedBackend:
    """Answers from a function of the last user text; counts calls and batch sizes."""

    def __init__(self, reply):
        self.reply = reply
        self.batches = []

    def generate(self, batch, params):
        self.batches.append(len(batch))
        out = []
        for messages in batch:
            user = messages[-1]["content"]
            text = " ".join(p["text"] for p in user if p.get("type") == "text")
            out.append(Generation(text=self.reply(text, messages), prompt_tokens=len(text), completion_tokens=3,
                                  latency_s=0.01))
        return out


def test_llm_agent_one_backend_call_per_round():
    backend = ScriptedBackend(lambda text, _: "\\boxed{0}")
    specs = [{"env_id": "MMHelix/Maze-easy", "mode": "step", "seed": s} for s in range(5)]
    specs += [{"env_id": "MMHelix/24Points-easy", "seed": s} for s in range(3)]
    results = run_episodes(specs, LLMAgent(backend), max_in_flight=8, max_steps=6)
    assert backend.batches[0] == 8  # every live env in one call
    assert len(backend.batches) == max(r.steps for r in results)
    assert [r.seed for r in results] == [0, 1, 2, 3, 4, 0, 1, 2]
    assert all(r.prompt_tokens > 0 and r.completion_tokens == 3 * r.steps for r in results)
    assert all(r.actions and all(a == 0 for a in r.actions) for r in results[:5])
    assert all(r.mode == "answer" and r.steps == 1 and r.responses == ["\\boxed{0}"] for r in results[5:])


def test_llm_agent_parse_failure_falls_back_and_is_fed_back():
    seen = []

    def reply(text, messages):
        seen.append(text)
        return "I am not sure."

    results = run_episodes([{"env_id": "MMHelix/Sudoku-easy", "mode": "step", "seed": 1}],
                           LLMAgent(ScriptedBackend(reply)), max_steps=3)
    (r,) = results
    assert r.steps == 3 and all(r.parse_errors) and all(r.illegal)
    assert r.actions[0] == [-1, -1, -1]
    assert "could not be read as a move" in seen[1]
    random_fallback = run_episodes([{"env_id": "MMHelix/Sudoku-easy", "mode": "step", "seed": 1}],
                                   LLMAgent(ScriptedBackend(reply), fallback="random_legal"), max_steps=3)[0]
    assert all(random_fallback.parse_errors) and not any(random_fallback.illegal)


def test_llm_agent_answer_mode_retries_see_feedback():
    def reply(text, messages):
        return "\\boxed{1}" if "Attempt 1" not in text else "\\boxed{2}"

    backend = ScriptedBackend(reply)
    env = mmhelix_env.make_env("24Points", "easy", max_attempts=2, modality="text")
    result = run_episode(env, LLMAgent(backend, system_prompt="Think."), seed=3)
    assert result.steps == 2 and result.responses == ["\\boxed{1}", "\\boxed{2}"]
    assert result.extracted == ["1", "2"] and not result.solved and result.reason


def test_llm_agent_rejects_multiple_samples():
    with pytest.raises(ValueError):
        LLMAgent(ScriptedBackend(lambda *_: ""), SamplingParams(n=2, temperature=1.0))


def test_perturb_answer_handles_digit_runs_past_int64():
    rng = np.random.default_rng(0)
    out = perturb_answer("x 1234567890123456789012 y 7", rng)
    head, number, tail, small = out.split(" ")
    assert head == "x" and tail == "y" and number.isdigit() and len(number) <= 22 and small.isdigit()
    assert perturb_answer("1234567890123456789012", np.random.default_rng(3)) == \
        perturb_answer("1234567890123456789012", np.random.default_rng(3))
