"""A newcomer's day in the office console, in real headless Chromium, one browser session:
open the link, upload the sample roster and one with bad rows, download the blank template,
make the 统计表, build the 督导检查 packet and verify it, look at 设置 and 审计 — by keyboard
where a clerk would, with every request the pages make kept to 127.0.0.1.

Screenshots of each page go to tests/artifacts/console/ (gitignored) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pipeline.console.app import create_console_app
from pipeline.resources import samples_dir
from pipeline.store.workspace import Workspace
from tests.browser_support import browser_context, serving
from tests.console_support import CONSOLE_PAGES, OPERATOR, TOKEN, school_template
from tests.review_support import copy_workspace
from tests.test_roster import HEADER, TEACHER_HEADER, student_row, write_xlsx

pytestmark = pytest.mark.slow

SHOTS = Path(__file__).parent / "artifacts" / "console"


@pytest.fixture
def ws(tmp_path: Path) -> Any:
    workspace = copy_workspace(school_template(tmp_path / "school"), tmp_path / "ws")
    yield workspace
    workspace.close()


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def _submit_by_keyboard(page: Any, button: str) -> None:
    """Focus ``button`` and press Enter, as a clerk tabbing through the form would."""
    with page.expect_navigation():
        page.focus(button)
        page.keyboard.press("Enter")


def _download(page: Any, selector: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.click(selector)
    download = info.value
    target = folder / download.suggested_filename
    download.save_as(target)
    return target


def test_a_newcomers_day_in_the_console(ws: Workspace, tmp_path: Path) -> None:
    bad = write_xlsx(
        tmp_path / "有错的花名册.xlsx",
        {
            "学生": [HEADER, student_row("G001", "王浩宇"), student_row("G002", ""), student_row("G003", "李明", 联系电话="1381234")],
            "教师": [TEACHER_HEADER, ["T01", "张明", "班主任", "七年级（1）班"]],
        },
    )
    got = tmp_path / "downloads"
    got.mkdir()
    with serving(create_console_app(ws, operator=OPERATOR, token=TOKEN)) as base, browser_context(tmp_path / "profile") as watched:
        page = watched.context.new_page()
        page.goto(f"{base}/?token={TOKEN}")
        assert page.url == f"{base}/"  # the token was spent for a session cookie
        assert page.inner_text("#home-visited") == "6/8"
        page.keyboard.press("Tab")
        focused = page.evaluate("() => { const s = getComputedStyle(document.activeElement); return [document.activeElement.textContent, s.outlineStyle, s.outlineWidth]; }")
        assert focused[0] == "首页" and focused[1] != "none" and focused[2] != "0px", "the focused link shows where it is"
        _shot(page, "01-首页.png")

        page.click("nav >> text=花名册")
        page.set_input_files("#roster-file", str(samples_dir() / "roster.xlsx"))
        _submit_by_keyboard(page, "#roster-upload")
        assert "拒绝 0 行" in page.inner_text("#roster-result")
        _shot(page, "02-花名册-导入示例.png")
        page.set_input_files("#roster-file", str(bad))
        _submit_by_keyboard(page, "#roster-upload")
        assert "拒绝 2 行" in page.inner_text("#roster-result")
        problems = page.inner_text("#roster-problems")
        assert "联系电话" in problems and "请改为 11 位数字后重新导入" in problems and "姓名为空" in problems
        _shot(page, "03-花名册-有错的行.png")
        template = _download(page, "#roster-template", got)
        assert template.name == "花名册模板.xlsx" and "说明" in openpyxl.load_workbook(template).sheetnames

        page.click("nav >> text=报表")
        page.select_option("#stats-month", "2026-03")
        _submit_by_keyboard(page, "#stats-make")
        assert "2026-03 统计表已生成" in page.inner_text("#stats-done")
        stats = _download(page, "#stats-done a.download", got)
        assert stats.suffix == ".xlsx" and openpyxl.load_workbook(stats).worksheets
        _shot(page, "04-报表-统计表.png")

        page.select_option("#packet-term", "2025-2026-2")
        page.click("#packet-make")  # htmx: the page stays and says it is working
        page.wait_for_selector("#packet-done", timeout=120_000)
        packet = _download(page, "#packet-done a.download >> nth=0", got)
        assert packet.suffix == ".zip"
        _shot(page, "05-报表-材料包.png")
        page.set_input_files("#verify-file", str(packet))
        _submit_by_keyboard(page, "#verify-check")
        assert "校验通过" in page.inner_text("#verify-result")
        _shot(page, "06-报表-校验.png")

        page.click("nav >> text=设置")
        assert page.inner_text("#school-name") == "青禾市明德实验学校"
        _shot(page, "07-设置.png")

        page.click("nav >> text=审计")
        page.fill("#audit-scope", "school")
        with page.expect_navigation():
            page.keyboard.press("Enter")  # a text field submits its form
        assert "scope=school" in page.url
        actions = page.inner_text("#audit-table")
        assert "检查材料包" in actions and "报表" in actions
        _shot(page, "08-审计.png")

        for path in CONSOLE_PAGES:  # every page once more, for requests the walk did not trigger
            page.goto(f"{base}{path}")
    assert watched.foreign == [], "a page asked for something outside 127.0.0.1"
    assert watched.violations == [], "a page broke its own Content-Security-Policy"
