"""A small OpenAI-compatible server for local models: ``python -m agents.serve --model PATH``.

Serves ``POST /v1/chat/completions`` (non-streaming; text and base64 data-URL images), ``GET /v1/models`` and
``GET /health`` on top of :class:`~agents.backends.hf_backend.TransformersBackend`, with the standard library's
threading HTTP server. Concurrent requests are micro-batched: the model worker takes up to ``--batch-size``
waiting requests with equal sampling settings and generates them together.

    python -m agents.serve --model ./my-vlm --port 8000        # then OpenAIBackend("http://127.0.0.1:8000/v1", ...)
    python -m agents.serve --tiny --port 0                     # the random-weight test model; prints the port
"""

from __future__ import annotations

import argparse
import json
import math
import queue
import sys
import threading
import time
import uuid
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .messages import data_url_to_image
from .types import Backend, Generation, SamplingParams

MAX_BODY_BYTES = 64 * 1024 * 1024


class RequestError(ValueError):
    """A client error: answered with HTTP 400 and an OpenAI-style error object."""


def sampling_from_request(body: dict, default_max_tokens: int) -> SamplingParams:
    """SamplingParams from a chat-completions request body (OpenAI field names; ``top_k`` as in vLLM)."""
    def number(name: str, default: Any, kind: type) -> Any:
        value = body.get(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RequestError(f"'{name}' must be a number")
        if not math.isfinite(value):
            raise RequestError(f"'{name}' must be a finite number")
        return kind(value)

    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    max_tokens = default_max_tokens if max_tokens is None else max_tokens
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int):
        raise RequestError("'max_tokens' must be an integer")
    stop = body.get("stop") or ()
    if isinstance(stop, str):
        stop = (stop,)
    if not isinstance(stop, (list, tuple)) or not all(isinstance(s, str) for s in stop):
        raise RequestError("'stop' must be a string or a list of strings")
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise RequestError("'seed' must be an integer")
    try:
        return SamplingParams(max_new_tokens=max_tokens, temperature=number("temperature", 1.0, float),
                              top_p=number("top_p", 1.0, float), top_k=number("top_k", 0, int), seed=seed,
                              n=number("n", 1, int), stop=tuple(stop))
    except ValueError as err:
        raise RequestError(str(err)) from err


def validate_messages(messages: Any) -> list[dict]:
    """The request's messages with images decoded (PIL parts); RequestError says what is wrong."""
    if not isinstance(messages, list) or not messages:
        raise RequestError("'messages' must be a non-empty list")
    decoded = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("system", "user", "assistant"):
            raise RequestError(f"messages[{i}] needs a role of system, user or assistant")
        content = message.get("content")
        if isinstance(content, str):
            decoded.append({"role": message["role"], "content": content})
            continue
        if not isinstance(content, list):
            raise RequestError(f"messages[{i}].content must be a string or a list of parts")
        parts = []
        for part in content:
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "text" and isinstance(part.get("text"), str):
                parts.append({"type": "text", "text": part["text"]})
                continue
            if kind == "image_url":
                ref = part.get("image_url")
                url = ref.get("url") if isinstance(ref, dict) else ref
                if not (isinstance(url, str) and url.startswith("data:image/")):
                    raise RequestError("images must be base64 data URLs (data:image/...;base64,...); "
                                       "this server does not fetch URLs")
                try:
                    parts.append({"type": "image", "image": data_url_to_image(url)})
                except Exception as err:  # noqa: BLE001  (PIL raises many kinds on bad bytes)
                    raise RequestError(f"messages[{i}] has an unreadable image: {err}") from err
                continue
            raise RequestError(f"messages[{i}] has an unsupported content part: {str(part)[:80]}")
        decoded.append({"role": message["role"], "content": parts})
    return decoded


class BatchingWorker:
    """One thread runs the backend; requests wait in a queue and are generated in batches."""

    def __init__(self, backend: Backend, batch_size: int = 8, wait_s: float = 0.005):
        self.backend = backend
        self.batch_size = max(1, int(batch_size))
        self.wait_s = wait_s
        self.queue: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._loop, name="agents-serve-worker", daemon=True)
        self.thread.start()

    def submit(self, messages: list[dict], params: SamplingParams) -> Future:
        future: Future = Future()
        self.queue.put((messages, params, future))
        return future

    def stop(self) -> None:
        self.queue.put(None)
        self.thread.join(timeout=10)

    def _loop(self) -> None:
        while True:
            first = self.queue.get()
            if first is None:
                return
            pending = [first]
            deadline = time.monotonic() + self.wait_s
            while len(pending) < self.batch_size:
                try:
                    item = self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is None:
                    self.queue.put(None)
                    break
                pending.append(item)
            groups: dict[SamplingParams, list] = {}
            for item in pending:
                groups.setdefault(item[1], []).append(item)
            for params, items in groups.items():
                self._run(params, items)

    def _run(self, params: SamplingParams, items: list) -> None:
        try:
            gens = self.backend.generate([messages for messages, _, _ in items], params)
        except Exception as err:  # noqa: BLE001  (every waiting client gets the error)
            for _, _, future in items:
                future.set_exception(err)
            return
        for i, (_, _, future) in enumerate(items):
            future.set_result(gens[i * params.n:(i + 1) * params.n])


def completion_response(model: str, gens: list[Generation]) -> dict:
    return {
        "id": "chatcmpl-" + uuid.uuid4().hex,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": i, "message": {"role": "assistant", "content": gen.text},
                     "finish_reason": gen.finish_reason} for i, gen in enumerate(gens)],
        "usage": {"prompt_tokens": gens[0].prompt_tokens if gens else 0,
                  "completion_tokens": sum(g.completion_tokens for g in gens),
                  "total_tokens": (gens[0].prompt_tokens if gens else 0) + sum(g.completion_tokens for g in gens)},
    }


class ChatServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], backend: Backend, model_name: str, *, batch_size: int = 8,
                 default_max_tokens: int = 512, request_timeout: float = 600.0, socket_timeout: float | None = 60.0):
        super().__init__(address, _Handler)
        self.model_name = model_name
        self.default_max_tokens = default_max_tokens
        self.request_timeout = request_timeout
        self.socket_timeout = socket_timeout  # a client idle this long mid-request (or between requests) is dropped
        self.worker = BatchingWorker(backend, batch_size)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/v1"

    def server_close(self) -> None:
        self.worker.stop()
        super().server_close()


class _Handler(BaseHTTPRequestHandler):
    server: ChatServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        self.timeout = self.server.socket_timeout  # StreamRequestHandler.setup applies it to the socket
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:  # quiet by default
        pass

    def _send(self, status: int, payload: dict, close: bool = False) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if close:  # also sets close_connection: an unread request body must not be taken for the next request
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, kind: str = "invalid_request_error", close: bool = False) -> None:
        self._send(status, {"error": {"message": message, "type": kind, "code": status}}, close)

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0].rstrip("/")
        if path in ("/health", "/v1/health"):
            self._send(200, {"status": "ok"})
        elif path == "/v1/models":
            self._send(200, {"object": "list", "data": [{"id": self.server.model_name, "object": "model",
                                                         "owned_by": "agents.serve"}]})
        else:
            self._error(404, f"no route {self.path}", "not_found")

    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0].rstrip("/")
        if path not in ("/v1/chat/completions", "/chat/completions"):
            self._error(404, f"no route {self.path}", "not_found", close=True)
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 < length <= MAX_BODY_BYTES:
            self._error(400 if length <= 0 else 413, "a JSON body with a valid Content-Length is required",
                        close=True)
            return
        try:
            raw = self.rfile.read(length)
        except OSError:  # the client went quiet past the socket timeout, or away
            self.close_connection = True
            return
        if len(raw) < length:
            self.close_connection = True
            return
        try:
            try:
                body = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as err:
                raise RequestError(f"body is not UTF-8: {err}") from err
            except RecursionError as err:
                raise RequestError("body JSON is nested too deeply") from err
            if not isinstance(body, dict):
                raise RequestError("the body must be a JSON object")
            if body.get("stream"):
                raise RequestError("streaming is not supported; send stream=false")
            requested = body.get("model")
            if requested not in (None, "", self.server.model_name):
                raise RequestError(f"unknown model {requested!r}; this server serves {self.server.model_name!r}")
            messages = validate_messages(body.get("messages"))
            params = sampling_from_request(body, self.server.default_max_tokens)
        except json.JSONDecodeError as err:
            self._error(400, f"body is not JSON: {err}")
            return
        except RequestError as err:
            self._error(400, str(err))
            return
        except (ValueError, TypeError, OverflowError, RecursionError) as err:  # any other malformed request
            self._error(400, f"malformed request: {type(err).__name__}: {err}")
            return
        future = self.server.worker.submit(messages, params)
        try:
            gens = future.result(timeout=self.server.request_timeout)
        except FutureTimeout:
            self._error(504, "generation timed out", "timeout")
            return
        except Exception as err:  # noqa: BLE001
            self._error(500, f"generation failed: {type(err).__name__}: {err}", "server_error")
            return
        self._send(200, completion_response(self.server.model_name, gens))


def make_server(backend: Backend, model_name: str, host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> ChatServer:
    """A ready (not yet serving) server; run ``serve_forever()`` in a thread and ``shutdown()`` to stop it."""
    return ChatServer((host, port), backend, model_name, **kwargs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agents.serve", description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", help="local model directory or hub name (image-text-to-text)")
    source.add_argument("--tiny", action="store_true", help="serve the random-weight test model (agents.testing)")
    parser.add_argument("--served-model-name", help="name clients pass as 'model' (default: --model, or 'tiny')")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port (printed)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=512, help="default when a request sets none")
    parser.add_argument("--device", default=None)
    parser.add_argument("--dtype", default=None, help="e.g. bfloat16, float32, auto")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--socket-timeout", type=float, default=60.0,
                        help="seconds a client may stay silent mid-request or between requests (0: no limit)")
    args = parser.parse_args(argv)

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from .backends.hf_backend import TransformersBackend

    if args.tiny:
        from .testing import tiny_vlm

        tiny = tiny_vlm()
        backend = TransformersBackend(tiny.model, tiny.processor, device=args.device, batch_size=args.batch_size)
        name = args.served_model_name or "tiny"
    else:
        backend = TransformersBackend(args.model, device=args.device, dtype=args.dtype, batch_size=args.batch_size)
        name = args.served_model_name or args.model
    server = make_server(backend, name, args.host, args.port, batch_size=args.batch_size,
                         default_max_tokens=args.max_tokens, socket_timeout=args.socket_timeout or None)
    print(f"agents.serve: serving {name!r} at {server.base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
