"""OpenAIBackend: request building, fault handling against a scripted local server, and a real server
(``agents.serve`` with the tiny model) on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from agents import BackendError, OpenAIBackend, SamplingParams, observation_to_messages
from agents.backends.openai_backend import retry_after_seconds, to_openai_messages

OK_BODY = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "\\boxed{7}"},
                        "finish_reason": "stop"}],
           "usage": {"prompt_tokens": 11, "completion_tokens": 4}}


class Scripted(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server = self.server
        with server.lock:
            server.requests.append({"body": body, "headers": dict(self.headers), "t": time.monotonic()})
            action = server.script.pop(0) if server.script else "ok"
        status, headers, payload = 200, {}, json.dumps(OK_BODY).encode()
        if action == "sleep":
            time.sleep(0.6)
        elif action.startswith("status:"):
            _, code, *retry = action.split(":")
            status, payload = int(code), b'{"error": {"message": "busy"}}'
            if retry:
                headers["Retry-After"] = retry[0]
        elif action == "garbage":
            payload = b"<html>not json</html>"
        elif action == "no-choices":
            payload = json.dumps({"id": "x", "usage": {}}).encode()
        elif action == "no-content":
            payload = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant"}}]}).encode()
        elif action == "echo-n":
            n = body.get("n", 1)
            payload = json.dumps({"choices": [{"index": i, "message": {"content": f"s{i}"}, "finish_reason": "length"}
                                              for i in range(n)], "usage": {"prompt_tokens": 5,
                                                                            "completion_tokens": 3 * n}}).encode()
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _serve(handler, **attributes):
    """A loopback server with ``handler`` in a daemon thread; yields it with ``.url`` set."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    for key, value in attributes.items():
        setattr(server, key, value)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fake():
    yield from _serve(Scripted, script=[], requests=[], lock=threading.Lock())


def _chat(text="hi", image=False):
    obs = {"prompt": text}
    if image:
        obs["image"] = np.zeros((8, 8, 3), np.uint8)
    return observation_to_messages(obs)


def _backend(fake, **kw):
    kw.setdefault("backoff", 0.01)
    return OpenAIBackend(fake.url, "m", api_key="k", **kw)


def test_request_body_and_headers(fake):
    backend = _backend(fake, extra_body={"chat_template_kwargs": {"enable_thinking": False}})
    params = SamplingParams(max_new_tokens=9, temperature=0.5, top_p=0.9, top_k=20, seed=3, stop=("END",))
    (gen,) = backend.generate([_chat("hello", image=True)], params)
    assert gen.text == "\\boxed{7}" and gen.prompt_tokens == 11 and gen.completion_tokens == 4
    assert gen.finish_reason == "stop" and gen.latency_s > 0
    request = fake.requests[0]
    body = request["body"]
    assert body["model"] == "m" and body["max_tokens"] == 9 and body["temperature"] == 0.5
    assert body["top_p"] == 0.9 and body["top_k"] == 20 and body["seed"] == 3 and body["stop"] == ["END"]
    assert body["chat_template_kwargs"] == {"enable_thinking": False} and "n" not in body
    parts = body["messages"][0]["content"]
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert request["headers"]["Authorization"] == "Bearer k"
    plain = backend.request_body(_chat(), SamplingParams())
    assert "top_k" not in plain and "top_p" not in plain and "seed" not in plain


def test_pil_parts_become_data_urls():
    messages = observation_to_messages({"prompt": "x", "image": np.zeros((4, 4, 3), np.uint8)}, image_format="pil")
    converted = to_openai_messages(messages)
    assert converted[0]["content"][1]["type"] == "image_url"
    assert messages[0]["content"][1]["type"] == "image"  # input left untouched


def test_retries_on_429_and_5xx_then_succeeds(fake):
    fake.script = ["status:429:0.2", "status:500", "status:503", "ok"]
    (gen,) = _backend(fake, max_retries=3).generate([_chat()], SamplingParams())
    assert gen.text == "\\boxed{7}" and len(fake.requests) == 4
    gap = fake.requests[1]["t"] - fake.requests[0]["t"]
    assert gap >= 0.18  # Retry-After respected


def test_gives_up_after_max_retries(fake):
    fake.script = ["status:500"] * 5
    with pytest.raises(BackendError, match="giving up after 3 attempt"):
        _backend(fake, max_retries=2).generate([_chat()], SamplingParams())
    assert len(fake.requests) == 3


def test_client_errors_are_not_retried(fake):
    fake.script = ["status:400"]
    with pytest.raises(BackendError, match="HTTP 400"):
        _backend(fake).generate([_chat()], SamplingParams())
    assert len(fake.requests) == 1


def test_timeout_is_retried(fake):
    fake.script = ["sleep", "ok"]
    (gen,) = _backend(fake, timeout=0.2, max_retries=1).generate([_chat()], SamplingParams())
    assert gen.text == "\\boxed{7}" and len(fake.requests) == 2


@pytest.mark.parametrize(("action", "message"), [("garbage", "not JSON"), ("no-choices", "no 'choices'"),
                                                 ("no-content", "no message content")])
def test_malformed_responses_raise_clear_errors(fake, action, message):
    fake.script = [action]
    with pytest.raises(BackendError, match=message):
        _backend(fake).generate([_chat()], SamplingParams())


def test_errors_can_come_back_as_generations(fake):
    fake.script = ["garbage", "ok"]
    gens = _backend(fake, concurrency=1, on_error="return").generate([_chat("a"), _chat("b")], SamplingParams())
    assert gens[0].finish_reason == "error" and "not JSON" in gens[0].error and gens[0].text == ""
    assert gens[1].text == "\\boxed{7}" and gens[1].error is None


def test_concurrency_and_order(fake):
    fake.script = ["sleep"] * 4
    backend = _backend(fake, concurrency=4)
    start = time.monotonic()
    gens = backend.generate([_chat(str(i)) for i in range(4)], SamplingParams())
    assert time.monotonic() - start < 1.5  # 4 x 0.6 s in parallel
    assert len(gens) == 4
    sent = sorted(r["body"]["messages"][0]["content"][0]["text"].split("\n")[0] for r in fake.requests)
    assert sent == ["0", "1", "2", "3"]


def test_n_samples_grouped_per_prompt(fake):
    fake.script = ["echo-n", "echo-n"]
    gens = _backend(fake, concurrency=1).generate([_chat("a"), _chat("b")], SamplingParams(n=3, temperature=1.0))
    assert [g.text for g in gens] == ["s0", "s1", "s2"] * 2
    assert [g.completion_tokens for g in gens[:3]] == [3, 3, 3] and gens[0].finish_reason == "length"


def test_retry_after_parsing():
    assert retry_after_seconds("2") == 2.0 and retry_after_seconds(None) is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None


def test_bad_base_url():
    with pytest.raises(ValueError):
        OpenAIBackend("localhost:8000", "m")


def test_connection_refused_is_an_error():
    backend = OpenAIBackend("http://127.0.0.1:9", "m", max_retries=1, backoff=0.01, timeout=1)
    with pytest.raises(BackendError, match="connection failed"):
        backend.generate([_chat()], SamplingParams())


# --- a real server: agents.serve + the tiny model ---------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_server(request):
    tiny = request.getfixturevalue("tiny_backend")
    from agents.serve import make_server

    server = make_server(tiny, "tiny", batch_size=8)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_real_server_round_trip_matches_local_backend(tiny_server, tiny_backend):
    import mmhelix_env

    env = mmhelix_env.make_env("Maze", "easy", mode="step")
    obs, _ = env.reset(seed=2)
    messages = observation_to_messages(obs)
    params = SamplingParams(max_new_tokens=12, temperature=0.0)
    backend = OpenAIBackend(tiny_server.base_url, "tiny", concurrency=4)
    remote = backend.generate([messages] * 3, params)
    (local,) = tiny_backend.generate([messages], params)
    assert [g.text for g in remote] == [local.text] * 3  # greedy: same text over HTTP, image included
    assert remote[0].prompt_tokens == local.prompt_tokens > 81  # the 81 image tokens arrived
    assert remote[0].completion_tokens == local.completion_tokens


def test_real_server_sampling_n_and_errors(tiny_server):
    backend = OpenAIBackend(tiny_server.base_url, "tiny", max_retries=0)
    gens = backend.generate([_chat("a")], SamplingParams(max_new_tokens=5, temperature=1.0, n=2, seed=1))
    assert len(gens) == 2 and all(g.completion_tokens <= 5 for g in gens)
    with pytest.raises(BackendError, match="unknown model"):
        OpenAIBackend(tiny_server.base_url, "other", max_retries=0).generate([_chat()], SamplingParams())
    bad = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://x/y.png"}}]}]
    with pytest.raises(BackendError, match="data URLs"):
        backend.generate([bad], SamplingParams())


def test_real_server_plays_an_episode(tiny_server):
    from agents import LLMAgent, run_episodes

    agent = LLMAgent(OpenAIBackend(tiny_server.base_url, "tiny"), SamplingParams(max_new_tokens=8))
    results = run_episodes([{"env_id": "MMHelix/Hanoi-easy", "mode": "step", "seed": 1},
                            {"env_id": "MMHelix/Sudoku-easy", "modality": "text", "seed": 1}], agent, max_steps=4)
    assert results[0].steps == 4 or results[0].terminated
    assert results[1].steps == 1 and results[1].prompt_tokens > 0


@pytest.mark.slow
def test_serve_cli_subprocess(tmp_path, tiny):
    path = tmp_path / "tiny"
    tiny.model.save_pretrained(path)
    tiny.processor.save_pretrained(path)
    proc = subprocess.Popen([sys.executable, "-m", "agents.serve", "--model", str(path), "--port", "0",
                             "--served-model-name", "t", "--threads", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        assert "serving 't' at http://127.0.0.1:" in line, line
        url = line.strip().rsplit(" ", 1)[-1]
        (gen,) = OpenAIBackend(url, "t").generate([_chat("x", image=True)], SamplingParams(max_new_tokens=4))
        assert gen.completion_tokens >= 1 and gen.prompt_tokens > 4
        import urllib.request

        models = json.loads(urllib.request.urlopen(url + "/models", timeout=10).read())
        assert models["data"][0]["id"] == "t"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


class OddReplies(BaseHTTPRequestHandler):
    """Answers every request with the raw bytes in ``server.reply``."""

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.server.reply)))
        self.end_headers()
        self.wfile.write(self.server.reply)


@pytest.fixture
def odd():
    yield from _serve(OddReplies)


def _message(text, **extra):
    return {"message": {"role": "assistant", "content": text}, "finish_reason": "stop", **extra}


@pytest.mark.parametrize(("indices", "order"), [((None, 1), ["a", "b"]), (("1", 0), ["b", "a"]),
                                                (("x", True), ["a", "b"]), ((1, 0), ["b", "a"])])
def test_odd_choice_indices_sort_safely(odd, indices, order):
    odd.reply = json.dumps({"choices": [_message("a", index=indices[0]), _message("b", index=indices[1])]}).encode()
    gens = OpenAIBackend(odd.url, "m", api_key="", max_retries=0).generate([_chat()], SamplingParams(n=2,
                                                                                                  temperature=1))
    assert [g.text for g in gens] == order


@pytest.mark.parametrize("usage", [b"1e400", b"-3", b"NaN", b"\"many\""])
def test_odd_token_counts_become_zero(odd, usage):
    odd.reply = b'{"choices": [{"message": {"content": "a"}}], "usage": {"prompt_tokens": ' + usage + \
        b', "completion_tokens": ' + usage + b"}}"
    gens = OpenAIBackend(odd.url, "m", api_key="", max_retries=0).generate([_chat()], SamplingParams())
    assert gens[0].text == "a" and gens[0].prompt_tokens == 0 and gens[0].completion_tokens == 0


def test_deeply_nested_reply_is_a_backend_error(odd):
    odd.reply = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(BackendError, match="nested too deeply"):
        OpenAIBackend(odd.url, "m", api_key="", max_retries=0).generate([_chat()], SamplingParams())
    gens = OpenAIBackend(odd.url, "m", api_key="", max_retries=0, on_error="return").generate([_chat()])
    assert gens[0].finish_reason == "error" and "nested" in gens[0].error


def test_unforeseen_parse_failure_is_a_backend_error(odd, monkeypatch):
    odd.reply = json.dumps(OK_BODY).encode()
    backend = OpenAIBackend(odd.url, "m", api_key="", max_retries=0)

    def broken(data, n):
        raise KeyError("surprise")

    monkeypatch.setattr(backend, "parse_response", broken)
    with pytest.raises(BackendError, match="KeyError"):
        backend.generate([_chat()])
    backend.on_error = "return"
    assert backend.generate([_chat()])[0].finish_reason == "error"


def test_non_finite_retry_after_is_ignored():
    assert retry_after_seconds("nan") is None and retry_after_seconds("inf") is None
