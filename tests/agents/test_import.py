"""``import agents`` and its light modules pull in no heavy extras."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "transformers", "vllm", "trl", "tokenizers", "pygame")


def _heavy_after(statement: str) -> list[str]:
    code = f"import sys; {statement}; print([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return eval(out.strip().splitlines()[-1])


def test_import_agents_is_light():
    assert _heavy_after("import agents") == []


def test_light_modules_stay_light():
    statement = ("import agents; from agents import SamplingParams, LLMAgent, ExpertAgent, RandomAgent, "
                 "run_episodes, OpenAIBackend, Conversation, VLLMBackend; import agents.serve")
    assert _heavy_after(statement) == []


def test_unknown_attribute():
    import agents

    try:
        agents.does_not_exist  # noqa: B018
    except AttributeError as err:
        assert "does_not_exist" in str(err)
    else:
        raise AssertionError("expected AttributeError")
