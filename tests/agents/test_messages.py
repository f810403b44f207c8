"""Observation → chat messages, and conversation history budgets."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import mmhelix_env
from agents.messages import (
    BOXED_INSTRUCTION,
    IMAGE_PLACEHOLDER,
    Conversation,
    data_url_to_image,
    image_to_data_url,
    observation_to_messages,
    part_image,
    with_boxed_instruction,
)


def _image(seed=0, size=64):
    return np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)


def _texts(message):
    return [p["text"] for p in message["content"] if p.get("type") == "text"]


def test_env_prompt_keeps_a_single_boxed_instruction():
    env = mmhelix_env.make_env("Sudoku", "easy")
    obs, _ = env.reset(seed=1)
    assert obs["prompt"].count(BOXED_INSTRUCTION) == 1
    messages = observation_to_messages(obs)
    (text,) = _texts(messages[-1])
    assert text.count(BOXED_INSTRUCTION) == 1 and text == obs["prompt"]


def test_boxed_instruction_added_when_env_omits_it():
    env = mmhelix_env.make_env("Maze", "easy", modality="text", boxed_instruction=False)
    obs, _ = env.reset(seed=1)
    assert BOXED_INSTRUCTION not in obs["prompt"]
    (text,) = _texts(observation_to_messages(obs)[-1])
    assert text.endswith("\n" + BOXED_INSTRUCTION)
    assert with_boxed_instruction(text) == text
    (raw,) = _texts(observation_to_messages(obs, boxed_instruction=False)[-1])
    assert raw == obs["prompt"]


def test_image_as_data_url_after_text_and_system_prompt():
    obs = {"prompt": "Solve it.", "image": _image()}
    messages = observation_to_messages(obs, system_prompt="Be careful.")
    assert messages[0] == {"role": "system", "content": "Be careful."}
    parts = messages[1]["content"]
    assert [p["type"] for p in parts] == ["text", "image_url"]  # benchmark order: text, then image
    url = parts[1]["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    assert np.array_equal(np.asarray(data_url_to_image(url)), obs["image"])  # PNG is lossless
    first = observation_to_messages(obs, image_first=True)[0]["content"]
    assert [p["type"] for p in first] == ["image_url", "text"]


def test_pil_format_and_text_modality():
    obs = {"prompt": "Solve it.", "image": _image(1)}
    parts = observation_to_messages(obs, image_format="pil")[0]["content"]
    assert isinstance(parts[1]["image"], Image.Image)
    assert np.array_equal(np.asarray(part_image(parts[1])), obs["image"])
    text_only = observation_to_messages(obs, modality="text")[0]["content"]
    assert [p["type"] for p in text_only] == ["text"]
    with pytest.raises(ValueError):
        observation_to_messages(obs, image_format="jpeg")
    with pytest.raises(TypeError):
        observation_to_messages({"image": obs["image"]})


def test_bad_data_url_is_rejected():
    with pytest.raises(ValueError):
        data_url_to_image("http://example.com/x.png")
    assert image_to_data_url(Image.new("RGB", (4, 4))).startswith("data:image/png;base64,")


def _play(conv, n):
    for i in range(n):
        conv.observe({"prompt": f"state {i}", "image": _image(i, 16)})
        if i < n - 1:
            conv.reply(f"move {i}")


def test_conversation_turn_and_image_budgets():
    conv = Conversation(system_prompt="sys", max_turns=2, max_images=2)
    _play(conv, 5)
    messages = conv.messages()
    roles = [m["role"] for m in messages]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user"]
    assert _texts(messages[1])[0].startswith("state 2\n") and messages[2]["content"] == "move 2"
    assert _texts(messages[-1])[0].startswith("state 4\n")
    # only the two newest images are sent; the older kept turn gets the placeholder
    assert IMAGE_PLACEHOLDER in _texts(messages[1])
    assert any(p["type"] == "image_url" for p in messages[3]["content"])
    assert any(p["type"] == "image_url" for p in messages[5]["content"])


def test_conversation_unbounded_and_zero_budgets():
    conv = Conversation(max_turns=None, max_images=None)
    _play(conv, 4)
    messages = conv.messages()
    assert sum(p["type"] == "image_url" for m in messages if m["role"] == "user" for p in m["content"]) == 4
    conv0 = Conversation(max_turns=0, max_images=0)
    _play(conv0, 3)
    (only,) = conv0.messages()
    assert _texts(only) == ["state 2\n" + BOXED_INSTRUCTION, IMAGE_PLACEHOLDER]


def test_conversation_protocol_errors():
    conv = Conversation()
    with pytest.raises(RuntimeError):
        conv.messages()
    conv.observe({"prompt": "a"})
    with pytest.raises(RuntimeError):
        conv.observe({"prompt": "b"})
    conv.reply("x")
    with pytest.raises(RuntimeError):
        conv.reply("y")
    with pytest.raises(ValueError):
        Conversation(max_images=-1)
