"""Real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against an app
served by uvicorn on 127.0.0.1 in a background thread: the launch pattern of
tests/test_review_web.py, shared.

``browser_context`` gives a fresh profile that reports every Content-Security-Policy violation
and every request to anything but 127.0.0.1 (such a request is aborted, so a page that would
fetch a CDN font or script fails its test instead of reaching the network).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}  # CSS px of a common phone (iPhone 12-15)
SCREENSHOTS = Path(__file__).parent / "artifacts" / "console"  # pages people look at
LOCAL_HOST = "127.0.0.1"
# Reported to the console so that a test sees every violation of the pages' CSP
# (Playwright's init scripts are not subject to it).
REPORT_CSP = (
    "document.addEventListener('securitypolicyviolation', function (e) {"
    " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI); });"
)


@dataclass
class Watched:
    """What the pages did that they must not: CSP violations, requests leaving 127.0.0.1."""

    context: Any  # playwright BrowserContext
    violations: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` on a free port of 127.0.0.1; yields its base URL."""
    sock = socket.create_server((LOCAL_HOST, 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://{LOCAL_HOST}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def browser_context(profile: Path, *, downloads: Path | None = None, viewport: dict[str, int] = VIEWPORT) -> Iterator[Watched]:
    """A headless Chromium context with a fresh profile in ``profile``; skips without Chromium."""
    if not CHROMIUM.exists():
        pytest.skip("需要 Debian 的 chromium（/usr/bin/chromium）：apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=viewport,
            locale="zh-CN",
            accept_downloads=True,
            downloads_path=str(downloads) if downloads else None,
        )
        watched = Watched(context)
        context.on("console", lambda m: watched.violations.append(m.text) if m.text.startswith("CSP violation") else None)
        context.add_init_script(REPORT_CSP)
        context.route("**/*", lambda route: _local_only(route, watched))
        try:
            yield watched
        finally:
            context.close()


def _local_only(route: Any, watched: Watched) -> None:
    url = route.request.url
    if urlsplit(url).hostname == LOCAL_HOST or url.startswith(("data:", "blob:", "about:")):
        route.continue_()
    else:
        watched.foreign.append(url)
        route.abort()


def screenshot(page: Any, name: str) -> Path:
    """Save the whole page as tests/artifacts/console/``name``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    return path
