"""A real server on loopback and Debian's headless Chromium, for the browser tests."""
from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SERVER_START_S = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(app: FastAPI, port: int) -> Iterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1:`port` in a thread; yields the base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (never a browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@contextmanager
def serve_corpus(root: Path, wrap: Callable[[FastAPI], FastAPI] = lambda app: app,
           **settings: Any) -> Iterator[tuple[str, Any]]:
    """The app over an index of the built-in corpus built under `root` (Settings `settings` on top
    of the folders and a free port), served on loopback; yields (base URL, service)."""
    from cppcc_qa.api.app import create_app
    from cppcc_qa.service import build_service
    from cppcc_qa.settings import Settings

    config = Settings(index_dir=root / "index", data_dir=root / "data", port=free_port(), **settings)
    service = build_service(config)
    service.build()
    with running(wrap(create_app(config, service)), config.port) as url:
        yield url, service


def watch(page: Any, base_url: str) -> Any:
    """Record on `page` (as `page.problems`) its console errors, dialogs and requests to anything
    but this server (data: URLs and downloads made in memory are allowed)."""
    page.problems = []
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
    page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("request", lambda r: r.url.startswith((base_url, "data:", "blob:" + base_url.rstrip("/")))
            or page.problems.append(f"external request: {r.url}"))
    return page


def open_page(browser: Any, base_url: str, path: str = "", width: int = 1280, height: int = 900,
              locale: str | None = None) -> Any:
    """A watched page (`watch`) at `base_url` + `path`, in a browser context of its own (so a
    session storage of its own), downloads accepted; `locale` as a reader's browser sets it."""
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True,
                                  **({"locale": locale} if locale else {}))
    page = watch(context.new_page(), base_url)
    page.goto(base_url + path)
    return page


def shot(page: Any, name: str) -> Path:
    """A picture of the page; never into the checkout unless CPPCC_QA_SCREENSHOT_DIR=docs says so."""
    folder = Path(os.environ.get("CPPCC_QA_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="cppcc-shot-"))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name))
    assert (folder / name).stat().st_size > 10_000
    return folder / name
