"""In-process vLLM (GPU machines; ``pip install vllm``). vllm is imported only when the backend is built."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from ..types import Generation, Messages, SamplingParams
from .hf_backend import split_images, truncate_at_stop


def vllm_sampling_kwargs(params: SamplingParams) -> dict:
    """``vllm.SamplingParams`` keyword arguments for our SamplingParams."""
    kwargs: dict[str, Any] = {
        "max_tokens": params.max_new_tokens,
        "temperature": params.temperature,
        "top_p": params.top_p,
        "n": params.n,
    }
    if params.top_k > 0:
        kwargs["top_k"] = params.top_k
    if params.seed is not None:
        kwargs["seed"] = params.seed
    if params.stop:
        kwargs["stop"] = list(params.stop)
    return kwargs


def build_vllm_requests(batch: Sequence[Messages], apply_chat_template: Callable[[Messages], str],
                        image_limit: int | None = None) -> list[dict]:
    """vLLM prompt dicts: ``{"prompt": text}`` plus ``{"multi_modal_data": {"image": [PIL, ...]}}`` when the
    chat has images. ``apply_chat_template`` gets messages whose image parts are ``{"type": "image"}``."""
    requests = []
    for messages in batch:
        chat, images = split_images(messages)
        if image_limit is not None and len(images) > image_limit:
            raise ValueError(f"a prompt carries {len(images)} images; the engine allows {image_limit} "
                             "(raise limit_mm_per_prompt or lower the conversation's max_images)")
        request: dict[str, Any] = {"prompt": apply_chat_template(chat)}
        if images:
            request["multi_modal_data"] = {"image": images if len(images) > 1 else images[0]}
        requests.append(request)
    return requests


class VLLMBackend:
    """``vllm.LLM`` in this process. ``model`` is a path or hub name; ``engine_kwargs`` go to ``vllm.LLM``
    (e.g. ``tensor_parallel_size``, ``max_model_len``, ``gpu_memory_utilization``). ``max_images`` sets
    ``limit_mm_per_prompt`` (match it to the conversation's image budget)."""

    preferred_image_format = "pil"

    def __init__(self, model: str, *, max_images: int = 1, chat_template_kwargs: dict | None = None,
                 llm: Any = None, **engine_kwargs: Any):
        import vllm  # noqa: F401  (fails here, with a clear ImportError, where vllm is not installed)

        self._vllm = vllm
        self.max_images = int(max_images)
        if llm is None:
            engine_kwargs.setdefault("limit_mm_per_prompt", {"image": self.max_images})
            llm = vllm.LLM(model=model, **engine_kwargs)
        self.llm = llm
        self.chat_template_kwargs = dict(chat_template_kwargs or {})
        self._processor = None
        self.model = model

    def _template(self, chat: Messages) -> str:
        if self._processor is None:
            try:
                from transformers import AutoProcessor

                from ..hf_compat import register_image_only_processors

                register_image_only_processors()
                self._processor = AutoProcessor.from_pretrained(self.model)
            except (OSError, ValueError):
                self._processor = self.llm.get_tokenizer()
        return self._processor.apply_chat_template(chat, add_generation_prompt=True, tokenize=False,
                                                   **self.chat_template_kwargs)

    def generate(self, batch: Sequence[Messages], params: SamplingParams | None = None) -> list[Generation]:
        params = params or SamplingParams()
        requests = build_vllm_requests(batch, self._template, self.max_images)
        t0 = time.perf_counter()
        outputs = self.llm.generate(requests, self._vllm.SamplingParams(**vllm_sampling_kwargs(params)),
                                    use_tqdm=False)
        latency = time.perf_counter() - t0
        results = []
        for output in outputs:
            prompt_tokens = len(output.prompt_token_ids or [])
            for completion in output.outputs:
                text, _ = truncate_at_stop(completion.text, params.stop)
                finish = "length" if completion.finish_reason == "length" else "stop"
                results.append(Generation(text=text, prompt_tokens=prompt_tokens,
                                          completion_tokens=len(completion.token_ids), latency_s=latency,
                                          finish_reason=finish))
        return results
