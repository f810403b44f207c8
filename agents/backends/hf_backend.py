"""Local image-text-to-text models through transformers (batched, left padding)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from ..messages import part_image
from ..types import Generation, Messages, SamplingParams


def split_images(messages: Messages) -> tuple[Messages, list]:
    """Messages with every image part replaced by ``{"type": "image"}`` (what HF chat templates expect), and
    the PIL images in order."""
    images: list = []
    out: Messages = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str) or content is None:
            out.append({"role": message["role"], "content": content or ""})
            continue
        parts = []
        for part in content:
            image = part_image(part)
            if image is not None:
                images.append(image)
                parts.append({"type": "image"})
            elif "text" in part:
                parts.append({"type": "text", "text": str(part["text"])})
            else:
                raise ValueError(f"unsupported content part: {sorted(part)}")
        out.append({"role": message["role"], "content": parts})
    return out, images


def flatten_text(messages: Messages) -> Messages:
    """String contents for text-only chat templates."""
    out = []
    for message in messages:
        content = message["content"]
        if not isinstance(content, str):
            content = "\n".join(p["text"] for p in content if "text" in p)
        out.append({"role": message["role"], "content": content})
    return out


def truncate_at_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    cut = min((i for i in (text.find(s) for s in stop if s) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


class TransformersBackend:
    """Any local image-text-to-text model (AutoProcessor + AutoModelForImageTextToText), or given objects.

    ``model_or_path``: a model object or a local path / hub name. Prompts go through the processor's chat
    template; batches of up to ``batch_size`` are padded on the left and generated together. Greedy at
    temperature 0. Text-only models work too when the processor is a plain tokenizer (images then raise).
    """

    preferred_image_format = "pil"

    def __init__(self, model_or_path: Any, processor: Any = None, *, device: str | None = None,
                 dtype: Any = None, batch_size: int = 8, chat_template_kwargs: dict | None = None):
        import torch

        from ..hf_compat import register_image_only_processors

        register_image_only_processors()
        if isinstance(model_or_path, (str, bytes)) or hasattr(model_or_path, "__fspath__"):
            from transformers import AutoModelForImageTextToText, AutoProcessor

            path = str(model_or_path)
            kwargs = {"dtype": _torch_dtype(dtype)} if dtype is not None else {}
            model = AutoModelForImageTextToText.from_pretrained(path, **kwargs)
            processor = processor if processor is not None else AutoProcessor.from_pretrained(path)
        else:
            model = model_or_path
            if processor is None:
                raise ValueError("pass the processor along with a model object")
            if dtype is not None:
                model = model.to(_torch_dtype(dtype))
        if device is not None:
            model = model.to(device)
        self.model = model.eval()
        self.processor = processor
        self.tokenizer = getattr(processor, "tokenizer", processor)
        self.has_images = hasattr(processor, "image_processor")
        self.batch_size = max(1, int(batch_size))
        self.chat_template_kwargs = dict(chat_template_kwargs or {})
        self.device = next(self.model.parameters()).device
        self._torch = torch
        eos = self.model.generation_config.eos_token_id
        eos = [eos] if isinstance(eos, int) else list(eos or [])
        if self.tokenizer.eos_token_id is not None:
            eos.append(self.tokenizer.eos_token_id)
        self.eos_ids = set(eos)
        pad = self.tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else (eos[0] if eos else 0)

    # --- prompt building -----------------------------------------------------------------------------
    def render(self, messages: Messages) -> tuple[str, list]:
        """The prompt text (chat template applied, generation prompt added) and its images."""
        chat, images = split_images(messages)
        if not self.has_images:
            if images:
                raise ValueError("this backend's processor has no image processor; send text-only messages")
            chat = flatten_text(chat)
        text = self.processor.apply_chat_template(chat, add_generation_prompt=True, tokenize=False,
                                                  **self.chat_template_kwargs)
        return text, images

    def _encode(self, texts: list[str], images: list[list]) -> Any:
        # left padding so every row's generation starts right after its prompt (the tokenizer is not changed)
        if self.has_images:
            kwargs = {"images": images} if any(images) else {}
            return self.processor(text=texts, padding=True, padding_side="left", return_tensors="pt", **kwargs)
        return self.tokenizer(texts, padding=True, padding_side="left", return_tensors="pt", add_special_tokens=False)

    # --- generation ----------------------------------------------------------------------------------
    def generate(self, batch: Sequence[Messages], params: SamplingParams | None = None) -> list[Generation]:
        params = params or SamplingParams()
        rendered = [self.render(messages) for messages in batch]
        results: list[Generation] = []
        for start in range(0, len(rendered), self.batch_size):
            chunk = rendered[start:start + self.batch_size]
            results.extend(self._generate_chunk(chunk, params, start))
        return results

    def _generate_chunk(self, chunk: list[tuple[str, list]], params: SamplingParams, offset: int) -> list[Generation]:
        torch = self._torch
        t0 = time.perf_counter()
        inputs = self._encode([text for text, _ in chunk], [images for _, images in chunk]).to(self.device)
        prompt_len = inputs["input_ids"].shape[1]
        prompt_tokens = inputs["attention_mask"].sum(dim=1).tolist()
        kwargs: dict[str, Any] = dict(max_new_tokens=params.max_new_tokens, pad_token_id=self.pad_id,
                                      num_return_sequences=params.n, do_sample=not params.greedy)
        if params.greedy:
            kwargs.update(temperature=None, top_p=None, top_k=None)
        else:
            kwargs.update(temperature=params.temperature, top_p=params.top_p,
                          top_k=params.top_k if params.top_k > 0 else None)
        if params.stop:
            kwargs.update(stop_strings=list(params.stop), tokenizer=self.tokenizer)
        with torch.random.fork_rng(devices=[] if self.device.type == "cpu" else [self.device]), torch.no_grad():
            if params.seed is not None:
                torch.manual_seed(params.seed + offset)
            output = self.model.generate(**inputs, **kwargs)
        new_tokens = output[:, prompt_len:].tolist()
        latency = time.perf_counter() - t0
        results = []
        for row, tokens in enumerate(new_tokens):
            end = next((i for i, tok in enumerate(tokens) if tok in self.eos_ids), None)
            kept = tokens if end is None else tokens[:end]
            text = self.tokenizer.decode(kept, skip_special_tokens=True)
            text, stopped = truncate_at_stop(text, params.stop)
            finish = "stop" if end is not None or stopped else "length"
            used = len(tokens) if end is None else end + 1
            results.append(Generation(text=text, prompt_tokens=int(prompt_tokens[row // params.n]),
                                      completion_tokens=used, latency_s=latency, finish_reason=finish))
        return results


def _torch_dtype(dtype: Any) -> Any:
    import torch

    if dtype is None or dtype == "auto" or isinstance(dtype, torch.dtype):
        return dtype
    return getattr(torch, str(dtype))
