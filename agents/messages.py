"""Observations → chat messages (OpenAI format), and multi-turn conversations with history budgets.

An image goes out as an ``image_url`` part holding a ``data:image/png;base64`` URL (``image_format="url"``, what
HTTP servers take) or as ``{"type": "image", "image": PIL.Image}`` (``image_format="pil"``, what local processors
take); every backend accepts both. As in the benchmark's scorer, the image part follows the text by default.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from .types import Message, Messages

BOXED_INSTRUCTION = "The final answer MUST BE enclosed within \\boxed{}"
IMAGE_PLACEHOLDER = "[image of an earlier state omitted]"
IMAGE_FORMATS = ("url", "pil")
_DATA_URL = re.compile(r"^data:image/[\w.+-]+;base64,", re.IGNORECASE)


def to_pil(image: Any) -> Image.Image:
    if isinstance(image, Image.Image):
        return image
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        raise TypeError(f"image arrays must be uint8, got {arr.dtype}")
    return Image.fromarray(arr)


def image_to_data_url(image: Any) -> str:
    """A PIL image or HxWx3 uint8 array → ``data:image/png;base64,...``."""
    buf = io.BytesIO()
    to_pil(image).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def data_url_to_image(url: str) -> Image.Image:
    match = _DATA_URL.match(url)
    if not match:
        raise ValueError(f"not a base64 image data URL: {url[:40]!r}")
    image = Image.open(io.BytesIO(base64.b64decode(url[match.end():])))
    image.load()
    return image.convert("RGB")


def image_part(image: Any, image_format: str = "url") -> dict:
    if image_format == "url":
        return {"type": "image_url", "image_url": {"url": image_to_data_url(image)}}
    if image_format == "pil":
        return {"type": "image", "image": to_pil(image).convert("RGB")}
    raise ValueError(f"image_format must be one of {IMAGE_FORMATS}, got {image_format!r}")


def part_image(part: dict) -> Image.Image | None:
    """The image a content part carries (either format), else None."""
    if part.get("type") == "image_url" or "image_url" in part:
        ref = part.get("image_url")
        url = ref.get("url") if isinstance(ref, dict) else ref
        return data_url_to_image(str(url))
    if part.get("type") == "image" or "image" in part:
        image = part.get("image")
        if image is None:
            raise ValueError("image part carries no image")
        if isinstance(image, str):
            return data_url_to_image(image)
        return to_pil(image).convert("RGB")
    return None


def with_boxed_instruction(prompt: str) -> str:
    """``prompt`` ending in the benchmark's \\boxed{} instruction, added only when it is not there yet."""
    if BOXED_INSTRUCTION.lower() in prompt.lower():
        return prompt
    return f"{prompt.rstrip()}\n{BOXED_INSTRUCTION}"


def user_message(prompt: str, image: Any = None, *, image_format: str = "url", image_first: bool = False) -> Message:
    """One user turn; text only when ``image`` is None."""
    if image is None:
        return {"role": "user", "content": [{"type": "text", "text": prompt}]}
    parts = [{"type": "text", "text": prompt}, image_part(image, image_format)]
    return {"role": "user", "content": parts[::-1] if image_first else parts}


def observation_to_messages(obs: dict, *, system_prompt: str | None = None, modality: str | None = None,
                            image_format: str = "url", image_first: bool = False,
                            boxed_instruction: bool = True) -> Messages:
    """A single-turn chat for an env observation ``{"prompt": str, "image"?: HxWx3}``.

    ``modality="text"`` sends no image even when the observation has one; ``None`` sends the image if present.
    """
    prompt, image = _observation_parts(obs, modality, boxed_instruction)
    messages: Messages = []
    if system_prompt:
        messages.append({"role": "system", "content": system_prompt})
    messages.append(user_message(prompt, image, image_format=image_format, image_first=image_first))
    return messages


def _observation_parts(obs: dict, modality: str | None, boxed_instruction: bool) -> tuple[str, Any]:
    if not isinstance(obs, dict) or "prompt" not in obs:
        raise TypeError("an observation is a dict with a 'prompt' (and, in image mode, an 'image')")
    if modality not in (None, "image", "text"):
        raise ValueError(f"modality must be 'image', 'text' or None, got {modality!r}")
    prompt = str(obs["prompt"])
    if boxed_instruction:
        prompt = with_boxed_instruction(prompt)
    image = obs.get("image") if modality != "text" else None
    return prompt, image


@dataclass
class _Turn:
    prompt: str
    image: Any
    response: str | None = None
    encoded: dict | None = None  # cached image part


@dataclass
class Conversation:
    """Multi-turn chat history for step mode and answer-mode retries, with budgets.

    ``max_turns``: past exchanges (user turn + the agent's reply) kept before the current user turn
    (``None`` keeps all, ``0`` sends only the current observation). ``max_images``: images kept, counted from the
    newest (the current observation's image counts; ``None`` keeps all); older images become
    ``image_placeholder`` text, so the model still sees where one was.
    """

    system_prompt: str | None = None
    max_turns: int | None = 2
    max_images: int | None = 1
    image_format: str = "url"
    image_first: bool = False
    modality: str | None = None
    boxed_instruction: bool = True
    image_placeholder: str = IMAGE_PLACEHOLDER
    turns: list[_Turn] = field(default_factory=list)

    def __post_init__(self):
        if self.image_format not in IMAGE_FORMATS:
            raise ValueError(f"image_format must be one of {IMAGE_FORMATS}, got {self.image_format!r}")
        for name in ("max_turns", "max_images"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must be >= 0 or None")

    def reset(self) -> None:
        self.turns.clear()

    def observe(self, obs: dict) -> None:
        """Add the next user turn (an env observation)."""
        if self.turns and self.turns[-1].response is None:
            raise RuntimeError("the previous observation has no reply yet; call reply() first")
        prompt, image = _observation_parts(obs, self.modality, self.boxed_instruction)
        self.turns.append(_Turn(prompt, image))

    def reply(self, text: str) -> None:
        """Record the agent's reply to the current observation."""
        if not self.turns or self.turns[-1].response is not None:
            raise RuntimeError("no observation awaits a reply")
        self.turns[-1].response = text

    @property
    def awaiting_reply(self) -> bool:
        return bool(self.turns) and self.turns[-1].response is None

    def messages(self) -> Messages:
        """The chat to send now: system prompt, the kept past exchanges, the current observation."""
        if not self.awaiting_reply:
            raise RuntimeError("no observation awaits a reply")
        past = self.turns[:-1]
        if self.max_turns is not None:
            past = past[-self.max_turns:] if self.max_turns else []
        kept = [*past, self.turns[-1]]
        with_image = [t for t in kept if t.image is not None]
        budget = len(with_image) if self.max_images is None else self.max_images
        shown = {id(t) for t in with_image[len(with_image) - budget:]} if budget else set()

        messages: Messages = []
        if self.system_prompt:
            messages.append({"role": "system", "content": self.system_prompt})
        for turn in kept:
            messages.append(self._user(turn, show_image=id(turn) in shown))
            if turn.response is not None:
                messages.append({"role": "assistant", "content": turn.response})
        return messages

    def _user(self, turn: _Turn, show_image: bool) -> Message:
        text = {"type": "text", "text": turn.prompt}
        if turn.image is None:
            return {"role": "user", "content": [text]}
        if show_image:
            if turn.encoded is None:
                turn.encoded = image_part(turn.image, self.image_format)
            image = turn.encoded
        else:
            image = {"type": "text", "text": self.image_placeholder}
        parts = [image, text] if self.image_first else [text, image]
        return {"role": "user", "content": parts}
