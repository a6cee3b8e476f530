"""A clerk's walk through 交回 and 打印 in real headless Chromium: drop a stack of returns, watch
the progress bar finish, read the outcome table; print a class, download the ZIP; reprint one
student's form. Screenshots: tests/artifacts/console/."""

from __future__ import annotations

import base64
import json
import zipfile
from pathlib import Path

import pytest

from PIL import Image

from pipeline.console.app import create_console_app
from pipeline.generate import generate
from pipeline.model.form import load_form
from tests.ingest_support import CLASS
from tests.browser_support import browser_context, screenshot, serving
from tests.jobs_support import class_workspace, word_returns
from tests.scan_support import TEMPLATE_DPI, mark_options, rasterise

pytestmark = pytest.mark.slow
TOKEN = "console-walk-token"

# Drops files on the drop zone as a browser does when a person drags them from the desktop.
DROP = """([selector, files]) => {
  const data = new DataTransfer();
  for (const f of files) {
    const bytes = Uint8Array.from(atob(f.b64), c => c.charCodeAt(0));
    data.items.add(new File([bytes], f.name));
  }
  const zone = document.querySelector(selector);
  for (const type of ["dragenter", "dragover", "drop"]) {
    zone.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
  }
}"""


def _scanned_page(ws, out: Path) -> Path:  # type: ignore[no-untyped-def]
    """Page 1 of a record form printed for the class, ticked and scanned (a clean grey scan)."""
    generate(ws, forms=["record"], formats=["pdf"], out_dir=out, class_name=CLASS)
    entry = json.loads((out / "manifest.json").read_text(encoding="utf-8"))[0]
    page = rasterise(out / entry["file"], entry["first_page"] - 1)
    mark_options(page, load_form("record"), {("mode", "电话"): "tick"})
    path = out / "扫描_0001.png"
    Image.fromarray(page).save(path, dpi=(TEMPLATE_DPI, TEMPLATE_DPI))
    return path


def test_a_clerk_drops_returns_watches_them_read_then_prints_a_class_and_reprints_a_form(tmp_path: Path) -> None:
    ws = class_workspace(tmp_path / "ws", 4)
    returns = [*word_returns(ws, tmp_path / "交回"), _scanned_page(ws, tmp_path / "扫描")]  # Word files and a scanned page
    stray = tmp_path / "扫描说明.txt"
    stray.write_text("这不是家访表", encoding="utf-8")
    app = create_console_app(ws, operator="李老师", token=TOKEN)
    with serving(app) as base, browser_context(tmp_path / "profile") as watched:
        page = watched.context.new_page()
        page.set_default_timeout(90_000)  # a loaded CI machine; every wait below ends as soon as it can
        page.goto(f"{base}/returns?token={TOKEN}")
        screenshot(page, "returns-empty.png")
        files = [{"name": p.name, "b64": base64.b64encode(p.read_bytes()).decode()} for p in returns]
        page.evaluate(DROP, ["#drop", files])
        page.get_by_text(f"已拖入 {len(returns)} 个文件").wait_for()
        page.get_by_label("选择文件", exact=True).set_input_files(str(stray))  # the picker, as by keyboard
        page.get_by_role("button", name="上传并读入").click()
        page.wait_for_url("**/returns?job=*")
        job = page.locator(".job")
        job.locator("progress").wait_for()
        screenshot(page, "returns-progress.png")
        job.get_by_text("已完成").wait_for()
        table = page.locator("table.outcomes")
        assert table.locator("tr.read").count() == len(returns)
        assert "拒收" in table.locator("tr.refused").inner_text() and "扫描说明.txt" in table.inner_text()
        screenshot(page, "returns-done.png")
        page.reload()  # a reload (or a browser closed and opened again) shows the same outcome
        assert page.locator("table.outcomes tr.read").count() == len(returns)

        page.get_by_role("link", name="打印").click()
        page.get_by_label(CLASS).check()
        page.get_by_role("button", name="生成").click()
        page.locator(".job").get_by_text("已完成").wait_for()
        page.locator("#recent-jobs").get_by_text("已完成").wait_for()  # the list below follows
        screenshot(page, "print-done.png")
        with page.expect_download() as download:
            page.get_by_role("link", name="全部文件（全部表单.zip）").click()
        saved = tmp_path / "全部表单.zip"
        download.value.save_as(saved)
        names = zipfile.ZipFile(saved).namelist()
        assert f"pdf/record/{CLASS}.pdf" in names
        manifest = json.loads(zipfile.ZipFile(saved).read("manifest.json"))
        assert len(manifest) == len(returns) - 1, "the class's four students, one form each"

        student, form_id = manifest[0]["student_id"], manifest[0]["form_id"]
        page.get_by_label("学籍号").fill(student)
        page.get_by_role("button", name="查找").click()
        page.locator("tr", has_text=form_id).get_by_role("button", name="补打").click()
        page.locator(".job").get_by_text("已完成").wait_for()
        assert form_id in page.locator(".job").inner_text()
        screenshot(page, "print-reprint.png")
    assert watched.violations == [] and watched.foreign == [], "CSP kept, nothing requested outside this PC"
    ws.close()
