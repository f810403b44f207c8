"""Any OpenAI-compatible chat-completions server (vLLM, SGLang, llama.cpp, TGI, hosted APIs), stdlib only."""

from __future__ import annotations

import email.utils
import http.client
import json
import math
import os
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..messages import image_to_data_url
from ..types import BackendError, Generation, Messages, SamplingParams

RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


def to_openai_messages(messages: Messages) -> Messages:
    """PIL/array image parts → ``image_url`` data-URL parts; everything else unchanged."""
    out = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            parts = []
            for part in content:
                if part.get("type") == "image" or ("image" in part and "image_url" not in part):
                    image = part.get("image")
                    url = image if isinstance(image, str) else image_to_data_url(image)
                    parts.append({"type": "image_url", "image_url": {"url": url}})
                else:
                    parts.append(part)
            message = {**message, "content": parts}
        out.append(message)
    return out


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header (seconds or an HTTP date) in seconds from now."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _Retryable(Exception):
    def __init__(self, message: str, wait: float | None = None):
        super().__init__(message)
        self.wait = wait


class OpenAIBackend:
    """Chat completions over HTTP with a thread pool, timeouts and retries.

    Up to ``concurrency`` requests run at once. A request is retried up to ``max_retries`` times on HTTP
    408/409/429/5xx, timeouts and connection errors, waiting ``backoff * 2**attempt`` seconds (with jitter, at most
    ``max_backoff``) or what the server's ``Retry-After`` asks. Other HTTP errors and malformed responses raise
    :class:`BackendError` at once, or with ``on_error="return"`` come back as a Generation with
    ``finish_reason="error"``. ``api_key`` defaults to ``$OPENAI_API_KEY`` (none is sent if unset). ``top_k`` is
    sent only when set (> 0): OpenAI itself rejects it, vLLM and SGLang accept it. ``extra_body`` is merged into
    every request (e.g. ``{"chat_template_kwargs": {...}}``). ``include_reasoning`` puts a server's separate
    ``reasoning_content`` back in front of the answer as ``<think>...</think>``.
    """

    preferred_image_format = "url"

    def __init__(self, base_url: str, model: str, api_key: str | None = None, *, concurrency: int = 8,
                 timeout: float = 600.0, max_retries: int = 5, backoff: float = 1.0, max_backoff: float = 60.0,
                 on_error: str = "raise", extra_body: dict | None = None, max_tokens_field: str = "max_tokens",
                 include_reasoning: bool = False, headers: dict | None = None):
        if on_error not in ("raise", "return"):
            raise ValueError("on_error must be 'raise' or 'return'")
        self.url = base_url.rstrip("/") + "/chat/completions"
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {base_url!r}")
        self.model = model
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.concurrency = max(1, int(concurrency))
        self.timeout = float(timeout)
        self.max_retries = max(0, int(max_retries))
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.on_error = on_error
        self.extra_body = dict(extra_body or {})
        self.max_tokens_field = max_tokens_field
        self.include_reasoning = include_reasoning
        self.headers = dict(headers or {})
        self._jitter = random.Random(0)
        self._lock = threading.Lock()

    def request_body(self, messages: Messages, params: SamplingParams) -> dict:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": to_openai_messages(messages),
            self.max_tokens_field: params.max_new_tokens,
            "temperature": params.temperature,
        }
        if params.top_p < 1:
            body["top_p"] = params.top_p
        if params.top_k > 0:
            body["top_k"] = params.top_k
        if params.seed is not None:
            body["seed"] = params.seed
        if params.n > 1:
            body["n"] = params.n
        if params.stop:
            body["stop"] = list(params.stop)
        body.update(self.extra_body)
        return body

    def generate(self, batch: Sequence[Messages], params: SamplingParams | None = None) -> list[Generation]:
        params = params or SamplingParams()
        bodies = [self.request_body(messages, params) for messages in batch]
        if len(bodies) <= 1 or self.concurrency == 1:
            groups = [self._complete(body, params.n) for body in bodies]
        else:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(bodies))) as pool:
                groups = list(pool.map(lambda body: self._complete(body, params.n), bodies))
        return [gen for group in groups for gen in group]

    # --- one request -------------------------------------------------------------------------------
    def _complete(self, body: dict, n: int) -> list[Generation]:
        t0 = time.perf_counter()
        try:
            data = self._post_with_retries(body)
            try:
                gens = self.parse_response(data, n)
            except BackendError:
                raise
            except Exception as err:  # a reply shape parse_response did not foresee must not escape as a crash
                raise BackendError(f"{self.url}: malformed response ({type(err).__name__}: {err})") from err
        except BackendError as err:
            if self.on_error == "raise":
                raise
            return [Generation(text="", latency_s=time.perf_counter() - t0, finish_reason="error", error=str(err))
                    for _ in range(n)]
        latency = time.perf_counter() - t0
        for gen in gens:
            gen.latency_s = latency
        return gens

    def _post_with_retries(self, body: dict) -> Any:
        payload = json.dumps(body).encode("utf-8")
        last = ""
        for attempt in range(self.max_retries + 1):
            try:
                return self._post(payload)
            except _Retryable as err:
                last = str(err)
                if attempt == self.max_retries:
                    break
                wait = err.wait
                if wait is None:
                    with self._lock:
                        jitter = 1 + 0.25 * self._jitter.random()
                    wait = self.backoff * (2 ** attempt) * jitter
                time.sleep(min(wait, self.max_backoff))
        raise BackendError(f"{self.url}: giving up after {self.max_retries + 1} attempt(s): {last}")

    def _post(self, payload: bytes) -> Any:
        headers = {"Content-Type": "application/json", "Accept": "application/json", **self.headers}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.url, data=payload, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as err:
            detail = _snippet(err.read() if err.fp else b"")
            message = f"HTTP {err.code} {err.reason}: {detail}"
            if err.code in RETRY_STATUS:
                raise _Retryable(message, retry_after_seconds(err.headers.get("Retry-After"))) from err
            raise BackendError(f"{self.url}: {message}") from err
        except TimeoutError as err:
            raise _Retryable(f"timed out after {self.timeout:g}s") from err
        except urllib.error.URLError as err:
            if isinstance(err.reason, TimeoutError):
                raise _Retryable(f"timed out after {self.timeout:g}s") from err
            raise _Retryable(f"connection failed: {err.reason}") from err
        except (ConnectionError, http.client.HTTPException) as err:
            raise _Retryable(f"connection failed: {err!r}") from err
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise BackendError(f"{self.url}: response is not JSON ({err}): {_snippet(raw)}") from err
        except RecursionError as err:
            raise BackendError(f"{self.url}: response JSON is nested too deeply: {_snippet(raw[:100])}") from err

    def parse_response(self, data: Any, n: int) -> list[Generation]:
        """Generations from a chat-completions response; BackendError names what is missing."""
        if not isinstance(data, dict):
            raise BackendError(f"{self.url}: response is not a JSON object: {_snippet(data)}")
        if "error" in data and "choices" not in data:
            raise BackendError(f"{self.url}: server error: {_snippet(data['error'])}")
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices:
            raise BackendError(f"{self.url}: response has no 'choices' list: {_snippet(data)}")
        if len(choices) != n:
            raise BackendError(f"{self.url}: asked for {n} choice(s), got {len(choices)}")
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
        prompt_tokens = _int(usage.get("prompt_tokens"))
        completion_total = _int(usage.get("completion_tokens"))
        choices = [choice for _, choice in sorted(enumerate(choices), key=_choice_order)]
        gens = []
        for i, choice in enumerate(choices):
            message = choice.get("message") if isinstance(choice, dict) else None
            if not isinstance(message, dict) or "content" not in message:
                raise BackendError(f"{self.url}: choice {i} has no message content: {_snippet(choice)}")
            content = message["content"]
            if content is None:
                content = ""
            if not isinstance(content, str):
                raise BackendError(f"{self.url}: choice {i} content is not a string: {_snippet(content)}")
            reasoning = message.get("reasoning_content") or message.get("reasoning")
            if self.include_reasoning and isinstance(reasoning, str) and reasoning:
                content = f"<think>{reasoning}</think>{content}"
            share = completion_total // n + (1 if i < completion_total % n else 0)
            finish = choice.get("finish_reason") or "stop"
            gens.append(Generation(text=content, prompt_tokens=prompt_tokens, completion_tokens=share,
                                   finish_reason=str(finish)))
        return gens


def _choice_order(position_choice: tuple[int, Any]) -> tuple[int, int]:
    """Sort key for choices: a usable integer ``index`` first by value, anything else keeps its position."""
    position, choice = position_choice
    index = choice.get("index") if isinstance(choice, dict) else None
    if isinstance(index, str) and index.strip().isdigit():
        index = int(index)
    if isinstance(index, bool) or not isinstance(index, int):
        index = position
    return index, position


def _int(value: Any) -> int:
    """A non-negative token count; anything unusable (missing, text, NaN, inf, negative) counts as 0."""
    try:
        return max(0, int(value))
    except (TypeError, ValueError, OverflowError):
        return 0


def _snippet(value: Any, limit: int = 300) -> str:
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", errors="replace")
    elif not isinstance(value, str):
        try:
            value = json.dumps(value)
        except (TypeError, ValueError):
            value = repr(value)
    value = value.strip()
    return value if len(value) <= limit else value[:limit] + "…"
