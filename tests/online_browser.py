"""Headless Debian Chromium for the console's browser tests (the launch of test_review_web.py,
shared): a persistent context that reports every Content-Security-Policy violation, and a
folder for the screenshots people look at."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parent / "artifacts" / "console"
PHONE = {"width": 390, "height": 844}  # CSS px of a common phone (iPhone 12-15)
# Playwright's init scripts are not subject to the CSP, so this one can report to the console.
REPORT_CSP = (
    "document.addEventListener('securitypolicyviolation', function (e) {"
    " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI); });"
)


@contextmanager
def chromium(profile: Path, viewport: dict[str, int]) -> Iterator[Any]:
    """A browser context; on leaving it, asserts that no page violated its CSP and that no
    request left this machine."""
    if not CHROMIUM.exists():
        pytest.skip("需要 Debian 的 chromium（/usr/bin/chromium）：apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, viewport=viewport, locale="zh-CN"
        )
        violations: list[str] = []
        outside: list[str] = []
        context.on("console", lambda m: violations.append(m.text) if m.text.startswith("CSP violation") else None)
        context.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:")) else outside.append(r.url))
        context.add_init_script(REPORT_CSP)
        try:
            yield context
        finally:
            context.close()
        assert violations == [], "the pages broke their own Content-Security-Policy"
        assert outside == [], "a page requested something outside this machine"


def screenshot(page: Any, name: str) -> Path:
    """Save the whole page as tests/artifacts/console/``name``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    return path
