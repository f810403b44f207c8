"""agents.serve against malformed requests: always an HTTP 400 JSON error, keep-alive stays in step after early
errors, and a silent client is dropped after the socket timeout. Uses a fake backend (no model)."""

from __future__ import annotations

import http.client
import json
import socket
import threading

import pytest

from agents.serve import make_server
from agents.types import Generation

MESSAGES = [{"role": "user", "content": "hi"}]
CHAT = "/v1/chat/completions"


class Echo:
    def generate(self, batch, params):
        return [Generation(text="ok", prompt_tokens=1, completion_tokens=1) for _ in range(len(batch) * params.n)]


@pytest.fixture
def server():
    srv = make_server(Echo(), "m", request_timeout=5, socket_timeout=0.5)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _post(srv, body: bytes, path: str = CHAT):
    conn = http.client.HTTPConnection(*srv.server_address[:2], timeout=5)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


@pytest.mark.parametrize("body", [
    b'{"messages": "\xff\xfe"}',
    b"[" * 100_000,
    b'{"messages": [{"role": "user", "content": "hi"}], "top_k": 1e400}',
    b'{"messages": [{"role": "user", "content": "hi"}], "temperature": Infinity}',
    b'{"messages": [{"role": "user", "content": "hi"}], "top_p": NaN}',
    b'{"messages": [{"role": "user", "content": "hi"}], "n": -Infinity}',
])
def test_malformed_requests_get_a_400_json_error(server, body):
    status, payload = _post(server, body)
    assert status == 400 and payload["error"]["code"] == 400
    assert _post(server, json.dumps({"messages": MESSAGES}).encode())[0] == 200  # and the server lives on


@pytest.mark.parametrize("path", ["/v1/wrong", CHAT])
def test_early_errors_do_not_leave_the_body_on_a_keep_alive_connection(server, path):
    """A 404 (body unread) must not let the body be read as the next request on the same connection."""
    body = json.dumps({"messages": MESSAGES}).encode()
    sock = socket.create_connection(server.server_address[:2], timeout=5)
    headers = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
    if path == CHAT:  # declared too large: 413 before reading
        headers = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {10 ** 12}\r\n"
    sock.sendall(headers.encode() + b"\r\n" + body)
    reply = b""
    while chunk := sock.recv(65536):
        reply += chunk
    sock.close()
    assert reply.startswith((b"HTTP/1.1 404", b"HTTP/1.1 413")) and b"Connection: close" in reply
    assert reply.count(b"HTTP/1.1") == 1  # no second (400 Bad request-line) reply made from the body


def test_keep_alive_client_recovers_after_a_404(server):
    conn = http.client.HTTPConnection(*server.server_address[:2], timeout=5)
    body = json.dumps({"messages": MESSAGES}).encode()
    conn.request("POST", "/v1/wrong", body=body)
    first = conn.getresponse()
    assert first.status == 404 and json.loads(first.read())["error"]["type"] == "not_found"
    conn.request("POST", CHAT, body=body)
    second = conn.getresponse()
    assert second.status == 200 and json.loads(second.read())["choices"][0]["message"]["content"] == "ok"
    conn.close()


def test_silent_client_is_dropped_after_the_socket_timeout(server):
    sock = socket.create_connection(server.server_address[:2], timeout=5)
    sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"messages\"")
    assert sock.recv(100) == b""  # closed by the server after 0.5 s instead of waiting forever
    sock.close()


def test_socket_timeout_defaults_to_a_minute():
    srv = make_server(Echo(), "m")
    try:
        assert srv.socket_timeout == 60.0
    finally:
        srv.server_close()
