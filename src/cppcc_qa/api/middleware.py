"""ASGI middleware of the HTTP API: body size (413), body time (408), per-client rate (429),
security headers.

All are plain ASGI middleware, so the limits act before FastAPI parses a body. The rate limit is an
in-memory token bucket per client address: good for one process. The address is the one that
connected: uvicorn rewrites it from X-Forwarded-For only for the proxies in
`settings.trusted_proxies` (cli/serving.py), so a forged header cannot pick it.
"""
from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection

import anyio
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["TokenBucket", "BodySizeLimit", "BodyTooLarge", "BodyTimeout", "BodyTimedOut", "RateLimit",
           "SecurityHeaders", "error_body"]

# Client buckets remembered by default (settings.rate_limit_clients says why).
MAX_TRACKED_CLIENTS = 10_000


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    """The one error shape every API failure answers with."""
    return {"error": {"code": code, "message": message}}


async def _send_error(send: Send, status: int, code: str, message: str,
                      headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps(error_body(code, message), ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        *(headers or []),
    ]})
    await send({"type": "http.response.body", "body": body})


async def _send_exception(send: Send, exc: HTTPException) -> None:
    """One of our own HTTPExceptions (it has a `code`) as the error answer, with its headers."""
    await _send_error(send, exc.status_code, getattr(exc, "code", "http_error"), exc.detail,
                      [(k.lower().encode(), v.encode()) for k, v in (exc.headers or {}).items()])


async def _run_guarded(app: ASGIApp, scope: Scope, receive: Receive, send: Send,
                       errors: type[HTTPException]) -> None:
    """Run `app` with a checking `receive`: an `errors` exception raised from it (a body too large
    or too late) becomes its error answer, unless the app has already begun its response."""
    started = False

    async def watched_send(message: Message) -> None:
        nonlocal started
        started = started or message["type"] == "http.response.start"
        await send(message)

    try:
        await app(scope, receive, watched_send)
    except errors as exc:
        if started:
            raise
        await _send_exception(send, exc)


class TokenBucket:
    """`per_minute` requests per client per minute, with bursts up to the same number, for at most
    `max_clients` clients: the least recently seen is forgotten first (it starts again with a full
    bucket, which is what an idle client would have). Each `take` is O(1)."""

    def __init__(self, per_minute: int, max_clients: int = MAX_TRACKED_CLIENTS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_clients < 1:
            raise ValueError(f"max_clients must be at least 1. Currently, it is {max_clients}")
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens per second
        self.max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, last time)
        self._lock = threading.Lock()

    @property
    def tracked(self) -> int:
        """How many clients are remembered now."""
        return len(self._buckets)

    def take(self, key: str) -> float:
        """Spend one token for `key`; return 0 if allowed, else seconds until one is free."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)  # now the most recently seen
            if len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return 0.0 if allowed else (1.0 - tokens) / self.rate


class RateLimit:
    """Answer 429 once a client address has used up its bucket (only for paths under `prefix`, and
    only for `methods` when given, e.g. POST on /api/feedback)."""

    def __init__(self, app: ASGIApp, per_minute: int, prefix: str = "/api/",
                 methods: Collection[str] | None = None, max_clients: int = MAX_TRACKED_CLIENTS) -> None:
        self.app = app
        self.prefix = prefix
        self.methods = frozenset(methods) if methods else None
        self.bucket = TokenBucket(per_minute, max_clients) if per_minute > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.bucket is None or scope["type"] != "http" or not scope["path"].startswith(self.prefix) \
                or (self.methods is not None and scope["method"] not in self.methods):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self.bucket.take(client[0] if client else "unknown")
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            await _send_error(send, 429, "rate_limited",
                              f"请求过于频繁，请 {seconds} 秒后再试。"
                              f"(Too many requests; retry in {seconds} s.)",
                              [(b"retry-after", str(seconds).encode())])
            return
        await self.app(scope, receive, send)


class BodyTooLarge(HTTPException):
    """Raised from inside `receive`; an HTTPException so FastAPI's body parsing lets it through."""

    code = "body_too_large"

    def __init__(self, max_bytes: int) -> None:
        size = f"{max_bytes / 1048576:.0f} MiB" if max_bytes >= 1048576 else f"{max_bytes // 1024} KiB"
        super().__init__(413, f"请求内容过大（上限 {size}）。(Request body too large; limit {size}.)")


class BodySizeLimit:
    """Answer 413 for a request body over `max_bytes` (or over `path_limits[path]` for the paths
    named there, such as uploads), whether or not it declares its length."""

    def __init__(self, app: ASGIApp, max_bytes: int, path_limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = dict(path_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.path_limits.get(scope["path"], self.max_bytes)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(send, limit)
            return
        seen = 0

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await _run_guarded(self.app, scope, counted_receive, send, BodyTooLarge)

    async def _reject(self, send: Send, limit: int) -> None:
        await _send_exception(send, BodyTooLarge(limit))


class BodyTimedOut(HTTPException):
    """Raised from inside `receive` when the body is late; an HTTPException so FastAPI's body
    parsing lets it through."""

    code = "request_timeout"

    def __init__(self, seconds: float) -> None:
        super().__init__(408, f"请求内容发送超时（上限 {seconds:g} 秒）。"
                              f"(The request body did not arrive within {seconds:g} s.)",
                         headers={"Connection": "close"})  # the rest of the body may still come: end it


class BodyTimeout:
    """Answer 408 when a request's body has not all arrived `seconds` after the request began (or
    `path_seconds[path]` for the paths named there, such as uploads). A client that sends its
    headers and then the body a byte at a time, or never, would otherwise hold a connection and
    a worker for as long as it likes."""

    def __init__(self, app: ASGIApp, seconds: float, path_seconds: dict[str, float] | None = None) -> None:
        self.app = app
        self.seconds = seconds
        self.path_seconds = dict(path_seconds or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.path_seconds.get(scope["path"], self.seconds)
        deadline = time.monotonic() + limit
        complete = False

        async def timed_receive() -> Message:
            nonlocal complete
            if complete:  # after the body only the disconnect is left to wait for: no limit
                return await receive()
            try:
                with anyio.fail_after(max(0.0, deadline - time.monotonic())):
                    message = await receive()
            except TimeoutError:
                raise BodyTimedOut(limit) from None
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await _run_guarded(self.app, scope, timed_receive, send, BodyTimedOut)


# The page loads nothing from elsewhere; say so to the browser. (Not on /docs, whose Swagger UI
# FastAPI loads from a CDN.)
PAGE_CSP = (b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            b"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_DOC_PATHS = ("/docs", "/redoc")


class SecurityHeaders:
    """Add nosniff, no-referrer and (outside the API docs) a strict Content-Security-Policy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        strict = not scope["path"].startswith(_DOC_PATHS)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"no-referrer")]
                if strict:
                    headers.append((b"content-security-policy", PAGE_CSP))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
