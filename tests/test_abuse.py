"""The rate limiter, anonymous feedback and slow clients (issue 10), against the app in-process
and, where uvicorn itself decides (forwarded headers, a body that never ends), a real uvicorn on
a free loopback port run with the options `cppcc-qa serve` uses. Model-free (hash embedder)."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cppcc_qa.api.app import create_app
from cppcc_qa.api.middleware import TokenBucket
from cppcc_qa.cli.serving import uvicorn_options
from cppcc_qa.records import Document, Turn
from cppcc_qa.settings import Settings

FEEDBACK = {"question": "武威市政协委员参与诉前调解调结了多少件案件？", "answer": "调结案件35件。", "rating": "up",
            "citations": [{"n": 1, "passage_id": "wuwei-2024-highlights#0003", "quote": "调结案件35件"}]}
SERVER_START_S = 20.0


class TinyService:
    """Enough of the service for routes that do not answer questions."""

    def warm_up(self) -> None:
        return None

    def ask(self, question: str, history: tuple[Turn, ...] = (), budget: Any = None) -> Any:
        raise AssertionError("not asked here")

    def documents(self) -> list[Document]:
        return []

    def health(self) -> dict[str, Any]:
        return {"status": "ok"}


@pytest.fixture
def settings(tmp_path: Any) -> Settings:
    return Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data", embedder="hash",
                    lexicon_embedder="", staff_api_key="staff-key")


def app_for(settings: Settings, **changes: Any) -> FastAPI:
    return create_app(settings.model_copy(update=changes), TinyService())  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(app: FastAPI, settings: Settings) -> Iterator[int]:
    """`app` under uvicorn on 127.0.0.1 with serve's options (uvicorn_options); yields the port."""
    port = free_port()
    config = uvicorn.Config(app, **{**uvicorn_options(settings), "host": "127.0.0.1", "port": port,
                                    "log_level": "warning"})
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_S
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# --------------------------------------------------------------------------- the rate limiter

def test_the_bucket_table_stays_bounded_under_twenty_thousand_keys() -> None:
    bucket = TokenBucket(600, max_clients=1000, clock=lambda: 0.0)  # the clock stands still: no bucket is idle
    t0 = time.perf_counter()
    for i in range(20_000):
        assert bucket.take(f"10.0.{i // 256}.{i % 256}") == 0.0
    elapsed = time.perf_counter() - t0
    assert bucket.tracked == 1000
    assert elapsed < 3.0  # each take is O(1), 0.36 s in all here; the old table's scans took 23 s


def test_the_least_recently_seen_client_is_forgotten_first() -> None:
    bucket = TokenBucket(2, max_clients=2, clock=lambda: 0.0)
    assert bucket.take("a") == 0.0 and bucket.take("a") == 0.0
    assert bucket.take("a") > 0  # "a" has used its 2
    bucket.take("b")
    assert bucket.take("a") > 0  # seen just now: still remembered as spent
    bucket.take("c")  # over 2 clients: "b", the least recently seen, is forgotten
    assert bucket.tracked == 2
    assert bucket.take("a") > 0


def test_a_rotated_forwarded_for_header_does_not_escape_the_limit(settings: Settings) -> None:
    app = app_for(settings, rate_limit_per_minute=5)
    with served(app, settings) as port, httpx.Client(base_url=f"http://127.0.0.1:{port}") as c:
        codes = [c.get("/api/health", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                 for i in range(10)]
    assert codes[:5] == [200] * 5
    assert set(codes[5:]) == {429}


def test_forwarded_for_is_honoured_from_a_configured_proxy(settings: Settings) -> None:
    proxied = settings.model_copy(update={"trusted_proxies": ["127.0.0.1"]})
    app = app_for(proxied, rate_limit_per_minute=5)
    with served(app, proxied) as port, httpx.Client(base_url=f"http://127.0.0.1:{port}") as c:
        codes = [c.get("/api/health", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                 for i in range(10)]
        same = [c.get("/api/health", headers={"X-Forwarded-For": "198.51.100.7"}).status_code for _ in range(6)]
    assert codes == [200] * 10  # ten readers behind one proxy
    assert same[:5] == [200] * 5 and same[5] == 429  # one of them, limited on his own


def test_serve_trusts_no_proxy_by_default() -> None:
    opts = uvicorn_options(Settings())
    assert opts["proxy_headers"] is False
    opts = uvicorn_options(Settings(trusted_proxies=["10.0.0.1", "10.0.0.2"]))
    assert opts["proxy_headers"] is True and opts["forwarded_allow_ips"] == "10.0.0.1,10.0.0.2"


# ------------------------------------------------------------------------- anonymous feedback

def test_an_oversized_feedback_post_is_413_saying_the_limit(settings: Settings) -> None:
    big = {**FEEDBACK, "answer": "调结案件35件。" * 1000,
           "citations": [{"n": i, "passage_id": f"p{i}", "quote": "引" * 1900} for i in range(20)]}
    with TestClient(app_for(settings)) as c:
        r = c.post("/api/feedback", json=big)  # 52 KiB in the probe, within every field's own limit
        assert r.status_code == 413, r.text
        assert r.json()["error"]["code"] == "body_too_large"
        assert f"{settings.max_feedback_bytes // 1024} KiB" in r.json()["error"]["message"]
        assert c.post("/api/feedback", json=FEEDBACK).status_code == 201


def test_feedback_is_rate_limited_per_client(settings: Settings) -> None:
    with TestClient(app_for(settings, feedback_per_minute=3)) as c:
        codes = [c.post("/api/feedback", json=FEEDBACK).status_code for _ in range(5)]
        assert codes == [201, 201, 201, 429, 429]
        r = c.post("/api/feedback", json=FEEDBACK)
        assert r.json()["error"]["code"] == "rate_limited" and int(r.headers["retry-after"]) >= 1
        # reading it back (staff) and the rest of the API are not held by the feedback limit
        assert c.get("/api/feedback", headers={"X-API-Key": "staff-key"}).json()["count"] == 3
        assert c.get("/api/health").status_code == 200


# ------------------------------------------------------------------------------ slow clients

def test_a_body_that_never_finishes_is_answered_408(settings: Settings) -> None:
    slow = settings.model_copy(update={"body_timeout_s": 0.5})
    with served(app_for(slow), slow) as port, socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"POST /api/feedback HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 400\r\n\r\n{\"question\": \"")  # ... and then nothing
        t0 = time.monotonic()
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
        waited = time.monotonic() - t0
    assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
    assert b"request_timeout" in reply or b"connection: close" in reply.lower()
    assert waited < 3.0


def test_a_slow_but_steady_body_within_the_limit_is_read(settings: Settings) -> None:
    slow = settings.model_copy(update={"body_timeout_s": 2.0})
    body = httpx.Request("POST", "http://x/api/feedback", json=FEEDBACK).content
    with served(app_for(slow), slow) as port, socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"POST /api/feedback HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n")
        for i in range(0, len(body), 50):
            s.sendall(body[i : i + 50])
            time.sleep(0.05)
        reply = s.recv(4096)
    assert reply.startswith(b"HTTP/1.1 201"), reply[:200]
