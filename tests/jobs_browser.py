"""The console served on 127.0.0.1 and a headless Debian Chromium to walk it (Playwright), for
the 交回 and 打印 browser tests; screenshots go to tests/artifacts/console/ for a person to look at."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).parent / "artifacts" / "console"
VIEWPORT = {"width": 1366, "height": 900}
# Reported to the console so that a test sees every violation of the Content-Security-Policy.
REPORT_CSP = (
    "document.addEventListener('securitypolicyviolation', function (e) {"
    " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI); });"
)


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` under uvicorn on a free port of 127.0.0.1 (its lifespan runs: the job runner
    starts); yields its base URL."""
    sock = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@contextmanager
def chromium(profile: Path) -> Iterator[Any]:
    """A headless Chromium context; on leaving, no page may have violated the CSP or asked
    for anything outside 127.0.0.1."""
    if not CHROMIUM.exists():
        pytest.skip("需要 Debian 的 chromium（/usr/bin/chromium）：apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT,
            locale="zh-CN", accept_downloads=True,
        )
        violations: list[str] = []
        outside: list[str] = []
        context.on("console", lambda m: violations.append(m.text) if m.text.startswith("CSP violation") else None)
        context.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
        context.add_init_script(REPORT_CSP)
        try:
            yield context
        finally:
            context.close()
        assert violations == [], "the pages broke their own Content-Security-Policy"
        assert outside == [], "a page asked for something outside this PC"


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)
