"""HTTP methods as RFC 9110 has them: 405 with `Allow`, HEAD like GET without a body, OPTIONS.

FastAPI answers none of these by itself here: its routes do not take HEAD, and the page's static
mount at "/" matched every path, so a wrong method on an API route was the page's 404. The page
mount now leaves the API's paths to the routes (`PageMount`), the app's 405 handler lists what a
path takes (`allowed_methods`), and `MethodRules` answers OPTIONS and HEAD for every route.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["API_PREFIX", "PageMount", "MethodRules", "allowed_methods"]

#: Paths under this prefix are the API's routes, never files of the page.
API_PREFIX = "/api/"
_FILE_METHODS = frozenset({"GET", "HEAD"})
#: The methods a route is asked about (HEAD and OPTIONS follow from them).
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class PageMount(Mount):
    """The page's static files at "/", which leave the API's paths to the API's routes (so a
    method an API route does not take is 405, and an unknown API path the router's 404)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope.get("path", "").startswith(API_PREFIX):
            return Match.NONE, {}
        return super().matches(scope)


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> list[str]:
    """The methods some route takes at `scope`'s path, sorted, with HEAD beside GET and OPTIONS
    beside any; empty when no route has the path."""
    methods: set[str] = set()
    for route in routes:
        if isinstance(route, Mount):  # the page and the docs' assets: static files, any method matches
            if route.matches({**scope, "method": "GET"})[0] is not Match.NONE:
                methods |= _FILE_METHODS
            continue
        # asked method by method: an included router (FastAPI's _IncludedRouter) is no Route
        methods.update(m for m in _METHODS if route.matches({**scope, "method": m})[0] is Match.FULL)
    if "GET" in methods:
        methods.add("HEAD")
    if methods:
        methods.add("OPTIONS")
    return sorted(methods)


class MethodRules:
    """OPTIONS on a path any route has is 204 with `Allow`; HEAD runs as GET and sends the same
    status and headers (Content-Length included) with no body. Anything else passes through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method") if scope["type"] == "http" else None
        if method == "OPTIONS":
            allow = allowed_methods(_routes(scope), scope)
            if allow:
                await send({"type": "http.response.start", "status": 204,
                            "headers": [(b"allow", ", ".join(allow).encode())]})
                await send({"type": "http.response.body", "body": b""})
                return
        elif method == "HEAD":
            async def without_body(message: Message) -> None:
                if message["type"] == "http.response.body":
                    message = {**message, "body": b""}
                await send(message)

            await self.app({**scope, "method": "GET"}, receive, without_body)
            return
        await self.app(scope, receive, send)


def _routes(scope: Scope) -> list[Any]:
    """The routes of the app serving `scope` (Starlette puts the app in the scope)."""
    app = scope.get("app")
    return list(getattr(getattr(app, "router", None), "routes", []))
