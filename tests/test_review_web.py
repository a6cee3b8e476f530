"""The review web page end to end in real headless Chromium (Debian's, driven by Playwright).

The app runs under uvicorn on 127.0.0.1 in a background thread; the browser gets a fresh
profile per test. Screenshots at 1366×768 go to /tmp/jiafang-look/ for a person to look at;
the scripted reviewer's timings go there too (reported, not asserted).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from pipeline.review.app import create_app
from pipeline.store.records import current_record
from pipeline.store.workspace import Workspace
from tests.browser_support import browser_context
from tests.browser_support import serving as serving_app
from tests.review_support import (
    CLASS,
    Issued,
    copy_workspace,
    issue_template,
    store_many,
    store_record,
    store_scan_pages,
    typical_fields,
)

pytestmark = pytest.mark.slow

LOOK = Path("/tmp/jiafang-look")
TOKEN = "t0ken-for-tests"
OPERATOR = "测试复核员"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Issued]]:
    return issue_template(tmp_path_factory.mktemp("web-template"))


@pytest.fixture
def issued(template: tuple[Path, list[Issued]]) -> list[Issued]:
    return template[1]


@pytest.fixture
def ws(template: tuple[Path, list[Issued]], tmp_path: Path) -> Iterator[Workspace]:
    workspace = copy_workspace(template[0], tmp_path / "ws")
    yield workspace
    workspace.close()


@contextmanager
def serving(ws: Workspace) -> Iterator[str]:
    """The review app on a free port of 127.0.0.1; yields its base URL."""
    with serving_app(create_app(ws, operator=OPERATOR, token=TOKEN)) as base:
        yield base


@pytest.fixture
def browser(tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    """A headless Chromium context; after the test, no page may have violated the CSP."""
    with browser_context(tmp_path / "profile") as watched:
        yield watched.context
    assert watched.violations == [], "the pages broke their own Content-Security-Policy"


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    LOOK.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(LOOK / name))


def _item(page, form_id: str, field_id: str):  # type: ignore[no-untyped-def]
    return page.locator(f"#i-{form_id}-{field_id}")


def test_pages_need_the_token(ws: Workspace, issued: list[Issued], browser) -> None:  # type: ignore[no-untyped-def]
    store_record(ws, issued[0], typical_fields(ws))
    with serving(ws) as base:
        page = browser.new_page()
        response = page.goto(f"{base}/queue")
        assert response.status == 403
        assert "需要访问令牌" in page.content()
        assert page.goto(f"{base}/queue?token=wrong").status == 403
        assert httpx.get(f"{base}/queue", params={"token": "令牌"}).status_code == 403
        for path in ("/dashboard", f"/records/{issued[0].form_id}", "/static/review.js", f"/files/{'0' * 64}.png"):
            assert httpx.get(f"{base}{path}").status_code == 403, path
        assert httpx.post(f"{base}/fields/{issued[0].form_id}/mode", data={"value": "电话"}).status_code == 403
        assert page.goto(f"{base}/queue?token={TOKEN}").status == 200
        assert page.url == f"{base}/queue", "the token does not stay in the address bar"
        assert page.goto(f"{base}/dashboard").status == 200, "the cookie set by the link is enough afterwards"
        assert httpx.get(f"{base}/queue", params={"token": TOKEN}).status_code == 403, "the link works once"
    with ws.session() as s:
        assert current_record(s, issued[0].form_id).fields["mode"].status == "review"  # type: ignore[union-attr]


def test_decision_after_the_session_ended_says_to_open_a_new_link(ws: Workspace, issued: list[Issued], browser) -> None:  # type: ignore[no-untyped-def]
    store_record(ws, issued[0], typical_fields(ws))
    with serving(ws) as base:
        page = browser.new_page()
        page.goto(f"{base}/queue?token={TOKEN}")
        browser.clear_cookies()  # as after a restart of jiafang review serve
        page.keyboard.press("Enter")
        note = _item(page, issued[0].form_id, "visit_date").locator(".note .err")
        note.wait_for()
        assert note.inner_text().startswith("未保存：复核网页的登录已失效")
    with ws.session() as s:
        assert current_record(s, issued[0].form_id).fields["visit_date"].status == "review"  # type: ignore[union-attr]


def test_reviewer_corrects_and_accepts_by_keyboard_and_the_statistics_follow(  # type: ignore[no-untyped-def]
    ws: Workspace, issued: list[Issued], browser
) -> None:
    first, second = sorted(issued[:2], key=lambda f: f.student_no)
    store_record(ws, first, typical_fields(ws))
    store_record(ws, second, typical_fields(ws))
    store_scan_pages(ws, first)
    with serving(ws) as base:
        page = browser.new_page()
        page.goto(f"{base}/dashboard?token={TOKEN}")
        assert page.locator("#stat-pending").inner_text() == "4"
        coverage = page.locator(f".bar-row[data-class='{CLASS}'] .num")
        assert coverage.inner_text().startswith("0/")

        page.goto(f"{base}/queue")
        date_input = _item(page, first.form_id, "visit_date").locator("input[name=value]")
        assert date_input.evaluate("e => e === document.activeElement"), "the first pending field has the focus"
        assert date_input.input_value() == "2025-11-08"
        _shot(page, "review-queue.png")

        page.keyboard.type("2025年13月3日")
        page.keyboard.press("Enter")
        page.wait_for_selector(f"#i-{first.form_id}-visit_date.error")
        assert "无法识别" in _item(page, first.form_id, "visit_date").inner_text()
        page.keyboard.press("Escape")
        assert _item(page, first.form_id, "visit_date").locator("input[name=value]").input_value() == "2025-11-08"

        page.keyboard.type("2025年11月3日")
        page.keyboard.press("Enter")
        page.wait_for_selector(f"#i-{first.form_id}-visit_date.done")
        mode_input = _item(page, first.form_id, "mode").locator("input[name=value]")
        assert mode_input.evaluate("e => e === document.activeElement"), "focus moves to the next pending field"
        page.keyboard.press("F9")
        page.wait_for_function("() => document.querySelector('#page-modal img').naturalWidth > 0")
        _shot(page, "review-page-modal.png")
        page.keyboard.press("Escape")
        assert mode_input.evaluate("e => e === document.activeElement"), "closing the page gives the focus back"
        page.keyboard.press("Enter")
        page.wait_for_selector(f"#i-{first.form_id}-mode.done")
        assert page.locator("#pending-count").inner_text() == "2"

        page.keyboard.press("Tab")
        page.keyboard.press("F8")
        page.wait_for_selector(f"#i-{second.form_id}-mode.done")
        assert "无法辨认" in _item(page, second.form_id, "mode").inner_text()

        page.goto(f"{base}/records/{first.form_id}")
        assert page.locator(".rechead .badge").inner_text() == "已核实"
        page.wait_for_function("() => [...document.querySelectorAll('.pages img')].every(i => i.complete && i.naturalWidth > 0)")
        assert page.locator(".pages img").count() == 2
        assert "2025-11-08（待复核）→ 2025-11-03" in page.locator("body").inner_text()
        _shot(page, "review-record.png")

        page.goto(f"{base}/dashboard")
        assert page.locator("#stat-pending").inner_text() == "1"
        assert page.locator("#stat-records-verified").inner_text() == "1"
        assert coverage.inner_text().startswith("1/")
        bar = page.locator(f".bar-row[data-class='{CLASS}'] .fill")
        assert bar.evaluate("e => e.getBoundingClientRect().width > 0"), "the bar is sized by the script"
        _shot(page, "review-dashboard.png")

    with ws.session() as s:
        record = current_record(s, first.form_id)
    assert record is not None and record.status == "verified"
    assert (record.fields["visit_date"].value, record.fields["visit_date"].source) == ("2025-11-03", "human")


def test_scripted_reviewer_over_200_fields(ws: Workspace, issued: list[Issued], browser) -> None:  # type: ignore[no-untyped-def]
    total = store_many(ws, issued, 200)
    with serving(ws) as base:
        page = browser.new_page()
        page.goto(f"{base}/queue?group=1&token={TOKEN}")
        assert page.locator(".group").count() == 5  # dates together, then one group per field
        _shot(page, "review-group.png")
        page.goto(f"{base}/queue")
        assert page.locator(".item.pending").count() == total
        started = time.perf_counter()
        for n in range(total):
            if n % 3 == 0:  # every third field is corrected by typing, the rest accepted
                page.keyboard.type("2025年11月3日" if n % 6 == 0 else "1")
            page.keyboard.press("Enter")
            page.wait_for_function(f"() => document.querySelectorAll('.item.done').length === {n + 1}")
        elapsed = time.perf_counter() - started
        trips = page.evaluate(
            "performance.getEntriesByType('resource')"
            ".filter(e => e.name.includes('/fields/')).map(e => e.duration)"
        )
        assert page.locator(".item.pending").count() == 0
        assert page.locator(".item.error").count() == 0
    figures = {
        "fields": total,
        "seconds_per_field": round(elapsed / total, 4),
        "round_trip_ms_median": round(statistics.median(trips), 1),
        "round_trip_ms_p95": round(sorted(trips)[int(len(trips) * 0.95) - 1], 1),
        "round_trip_ms_max": round(max(trips), 1),
    }
    LOOK.mkdir(parents=True, exist_ok=True)
    (LOOK / "review-timing.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    print(f"\nscripted reviewer: {figures}")
    assert len(trips) == total


def _defaced_scan(entry: Issued, out: Path, dpi: int = 200) -> None:
    """Page 1 of ``entry`` as a scan nobody can place: QR, printed form id, footer and the
    student's name and class whited out (the markers stay, so it can still be registered)."""
    import pypdfium2 as pdfium
    from PIL import ImageDraw

    from pipeline.model.form import load_form

    form = load_form("record")
    pdf = pdfium.PdfDocument(str(entry.pdf))
    image = pdf[entry.first_page - 1].render(scale=dpi / 72, grayscale=True).to_pil()
    pdf.close()
    pen = ImageDraw.Draw(image)
    px = dpi / 25.4
    page = form.pages[0]
    boxes = [page.qr_box, page.footer_box, *(form.field(f).box for f in ("form_id", "student_name", "class_name"))]
    for box in boxes:
        pen.rectangle([box.x * px - 4, box.y * px - 4, box.right * px + 4, box.bottom * px + 4], fill=255)
    image.save(out)


def test_quarantined_page_assigned_by_hand_is_read(  # type: ignore[no-untyped-def]
    ws: Workspace, issued: list[Issued], browser, tmp_path: Path
) -> None:
    from pipeline.ingest import ingest
    from pipeline.store.scans import pages_with_status

    entry = issued[0]
    scan = tmp_path / "无法识别的扫描.png"
    _defaced_scan(entry, scan)
    ingest(ws, [scan], workers=1)
    with ws.session() as s:
        (page,) = pages_with_status(s, "quarantined")
        assert current_record(s, entry.form_id) is None
    with serving(ws) as base:
        browser_page = browser.new_page()
        browser_page.goto(f"{base}/dashboard?token={TOKEN}")
        row = browser_page.locator(f"#q-{page.digest[:16]}")
        assert page.reason and page.reason[:10] in row.inner_text()
        row.locator("input[name=form_id]").fill(entry.form_id)
        row.locator("input[name=page_no]").fill("1")
        row.locator("button").click()
        browser_page.wait_for_selector(f"#q-{page.digest[:16]} td.ok", timeout=120_000)
    with ws.session() as s:
        record = current_record(s, entry.form_id)
        assert pages_with_status(s, "quarantined") == []
    assert record is not None, "the assigned page was read into a record"
    assert record.fields["student_name"].value


def test_dashboard_lists_a_quarantined_page_with_its_reason(  # type: ignore[no-untyped-def]
    ws: Workspace, issued: list[Issued], browser, tmp_path: Path
) -> None:
    from pipeline.ingest import ingest

    scan = tmp_path / "无法识别的扫描.png"
    _defaced_scan(issued[0], scan)
    ingest(ws, [scan], workers=1)
    store_record(ws, issued[1], typical_fields(ws))
    with serving(ws) as base:
        page = browser.new_page()
        page.goto(f"{base}/dashboard?token={TOKEN}")
        row = page.locator("table.quarantine tbody tr")
        assert row.count() == 1
        assert "二维码" in row.inner_text()
        page.wait_for_function("() => [...document.querySelectorAll('img.thumb')].every(i => i.complete && i.naturalWidth > 0)")
        _shot(page, "review-dashboard-quarantine.png")


def test_serve_command_prints_a_link_with_the_token(ws: Workspace, issued: list[Issued]) -> None:
    import subprocess
    import sys

    store_record(ws, issued[0], typical_fields(ws))
    ws.close()
    command = [sys.executable, "-m", "pipeline", "review", "serve", "--port", "0", "--operator", OPERATOR, "-w", str(ws.root)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("复核网页已启动：http://127.0.0.1:"), line
        url = line.split("：", 1)[1].strip()
        clean = url.split("?")[0]
        assert httpx.get(clean).status_code == 403
        with httpx.Client() as reviewer:
            queue = reviewer.get(url, follow_redirects=True)
            assert queue.status_code == 200 and "家访日期" in queue.text
            assert str(queue.url) == clean
        assert httpx.get(url).status_code == 403, "the printed link opens the station once"
    finally:
        server.terminate()
        server.wait(timeout=10)
