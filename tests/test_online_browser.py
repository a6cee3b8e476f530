"""A teacher on the school LAN, in Chromium on a phone-sized screen: a real ``jiafang serve
--lan`` process, sign-in, only their class, an online record filled (a refusal first), saved.
Screenshots: tests/artifacts/console/lan-*.png."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.store.records import list_records
from pipeline.store.workspace import open_workspace
from tests.browser_support import PHONE, browser_context, screenshot
from tests.online_support import CLASS, OTHER, PASSWORD, TEACHER, issued_in, lan_template

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
VISIT_DAY = "2026-07-01"  # inside the sample school year and before any day this test runs


@pytest.fixture
def lan_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``jiafang serve --lan`` on a free port over a fresh workspace; yields (base URL, workspace)."""
    root = lan_template(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "pipeline", "serve", "--lan", "--port", "0", "--no-browser", "-w", str(root)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        assert server.stdout is not None
        started = server.stdout.readline()
        port = re.search(r":(\d+)/\s*$", started)
        assert port is not None, started + server.stdout.read()
        _wait_for(int(port[1]))
        yield f"http://127.0.0.1:{port[1]}", root
    finally:
        server.terminate()
        server.wait(timeout=20)


def _wait_for(port: int) -> None:
    import socket

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"jiafang serve --lan did not listen on {port}")


def test_a_teacher_signs_in_on_a_phone_sees_only_their_class_and_fills_an_online_record(
    lan_server: tuple[str, Path], tmp_path: Path
) -> None:
    base, root = lan_server
    with browser_context(tmp_path / "profile", viewport=PHONE) as watched:
        page = watched.context.new_page()
        page.goto(f"{base}/")
        assert page.url.startswith(f"{base}/login")
        screenshot(page, "lan-login.png")
        page.fill("#name", TEACHER)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")

        page.wait_for_url(f"{base}/online*")
        options = page.locator("#class_name option").all_inner_texts()
        assert CLASS in options and OTHER not in options
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "lan-online-class.png")

        student = page.locator(".students li a.fill").nth(1)
        name = student.inner_text()
        student.click()
        page.fill("#in-visit_date", VISIT_DAY)
        page.fill("input[name=visit_time__start]", "19:00")
        page.fill("input[name=visit_time__end]", "19:30")
        page.check("input[name=mode][value=电话]")
        page.check("input[name=visit_type][value=普访]")
        page.fill("#in-teachers", TEACHER)
        page.check("input[name=topics][value=学习情况]")
        page.fill("#in-school_feedback", "上课认真，作业按时完成。家长反映在家阅读时间少。")
        page.click("button.submit")  # not confirmed (unsigned): refused at the field
        assert page.locator("#field-teacher_signature .problem").inner_text() == "缺少签名"
        assert page.input_value("#in-teachers") == TEACHER  # what was typed stays
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "lan-online-refused.png")

        page.check("input[name=teacher_signature]")
        page.click("button.submit")
        page.wait_for_selector(".saved")
        assert "已保存家访记录" in page.inner_text(".saved")
        assert "已填 2026-07-01 电话" in page.locator(".students li", has_text=name).inner_text()
        screenshot(page, "lan-online-saved.png")

        page.goto(f"{base}/queue")
        own, _ = issued_in_root(root, CLASS)
        other, _ = issued_in_root(root, OTHER)
        assert page.locator(f"a[href='/records/{own}']").count() > 0
        assert page.locator(f"a[href='/records/{other}']").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "lan-teacher-queue.png")
    assert watched.violations == [] and watched.foreign == [], "CSP kept, nothing requested outside this machine"

    ws = open_workspace(root)
    try:
        with ws.session() as session:
            web = [r for r in list_records(session, class_name=CLASS) if r.reader == "web"]
    finally:
        ws.close()
    assert len(web) == 1 and web[0].fields["visit_date"].value == VISIT_DAY and web[0].status == "verified"


def issued_in_root(root: Path, class_name: str) -> tuple[str, str]:
    ws = open_workspace(root)
    try:
        return issued_in(ws, class_name)[0]
    finally:
        ws.close()
