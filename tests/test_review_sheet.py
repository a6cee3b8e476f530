"""Review by spreadsheet: export with crops, edit, import with row-level validation."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.errors import ReviewSheetError
from pipeline.review.sheet import HEADERS, SHEET, export_sheet, import_sheet
from pipeline.store.audit import list_events
from pipeline.store.records import current_record
from pipeline.store.workspace import Workspace
from tests.review_support import Issued, copy_workspace, issue_template, store_record, typical_fields

OPERATOR = "教务员"
COL = {h: i + 1 for i, h in enumerate(HEADERS)}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Issued]]:
    return issue_template(tmp_path_factory.mktemp("sheet-template"))


@pytest.fixture
def issued(template: tuple[Path, list[Issued]]) -> list[Issued]:
    return template[1][:3]


@pytest.fixture
def ws(template: tuple[Path, list[Issued]], issued: list[Issued], tmp_path: Path) -> Iterator[Workspace]:
    workspace = copy_workspace(template[0], tmp_path / "ws")
    for entry in issued:
        store_record(workspace, entry, typical_fields(workspace))
    yield workspace
    workspace.close()


def _edit(path: Path, edits: dict[tuple[str, str], dict[str, str]]) -> dict[tuple[str, str], int]:
    """Apply {(form_id, field_id): {header: text}} to an exported sheet; returns their rows."""
    book = openpyxl.load_workbook(path)
    sheet = book[SHEET]
    rows = {}
    for row in range(2, sheet.max_row + 1):
        key = (sheet.cell(row, COL["表单编号"]).value, sheet.cell(row, COL["字段编号"]).value)
        rows[key] = row
        for header, text in edits.get(key, {}).items():
            sheet.cell(row, COL[header]).value = text
    book.save(path)
    return rows


def _value(ws: Workspace, form_id: str, field_id: str):  # type: ignore[no-untyped-def]
    with ws.session() as s:
        record = current_record(s, form_id)
    assert record is not None
    return record.fields[field_id]


def test_export_has_one_row_per_review_field_with_crops_embedded(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "复核表.xlsx"
    assert export_sheet(ws, out, operator=OPERATOR) == 6
    sheet = openpyxl.load_workbook(out)[SHEET]
    assert [c.value for c in sheet[1]] == list(HEADERS)
    assert sheet.cell(2, COL["识别值"]).value == sheet.cell(2, COL["核对值"]).value == "2025-11-08"
    with zipfile.ZipFile(out) as zf:
        media = [n for n in zf.namelist() if n.startswith("xl/media/")]
    assert len(media) == 6, "every row's crop is embedded"
    with ws.session() as s:
        (event,) = list_events(s, action="export")
    assert event.operator == OPERATOR and event.output_sha256


def test_round_trip_applies_corrections_ticks_and_unreadable_and_leaves_the_rest(
    ws: Workspace, issued: list[Issued], tmp_path: Path
) -> None:
    out = tmp_path / "复核表.xlsx"
    export_sheet(ws, out, operator=OPERATOR)
    a, b = issued[0].form_id, issued[1].form_id
    _edit(
        out,
        {
            (a, "visit_date"): {"核对值": "2025年11月3日"},
            (a, "mode"): {"已核对": "√"},
            (b, "visit_date"): {"核对值": "无法辨认"},
            (b, "mode"): {"核对值": "1"},
        },
    )
    result = import_sheet(ws, out, operator=OPERATOR)
    assert result.problems == []
    assert dict(result.decided) == {"correction": 2, "accept": 1, "unreadable": 1}
    assert result.untouched == 2
    assert _value(ws, a, "visit_date").value == "2025-11-03"
    assert (_value(ws, a, "mode").value, _value(ws, a, "mode").status) == ("电话", "verified")
    assert _value(ws, b, "visit_date").value is None
    assert _value(ws, b, "mode").value == "入户走访"
    assert _value(ws, issued[2].form_id, "mode").status == "review"
    again = import_sheet(ws, out, operator=OPERATOR)
    assert again.already == 4 and not again.decided, "a second import decides nothing twice"


def test_bad_cell_is_reported_with_its_row_and_the_other_rows_go_on(
    ws: Workspace, issued: list[Issued], tmp_path: Path
) -> None:
    out = tmp_path / "复核表.xlsx"
    export_sheet(ws, out, operator=OPERATOR)
    a, b = issued[0].form_id, issued[1].form_id
    rows = _edit(
        out,
        {
            (a, "visit_date"): {"核对值": "2025年13月40日"},
            (b, "visit_date"): {"核对值": "2024-03-01"},  # outside the school year, not ticked
            (b, "mode"): {"核对值": "视频(线上)"},
        },
    )
    result = import_sheet(ws, out, operator=OPERATOR)
    assert [p.row for p in result.problems] == [rows[(a, "visit_date")], rows[(b, "visit_date")]]
    assert "无法识别" in result.problems[0].message
    assert "已核对" in result.problems[1].message, "the message says how to confirm such a value"
    assert _value(ws, b, "mode").value == "视频(线上)"
    assert _value(ws, a, "visit_date").status == "review"

    _edit(out, {(b, "visit_date"): {"已核对": "√"}})
    assert import_sheet(ws, out, operator=OPERATOR).decided["correction"] == 1
    assert _value(ws, b, "visit_date").value == "2024-03-01"


def test_row_of_a_record_replaced_after_export_is_refused(ws: Workspace, issued: list[Issued], tmp_path: Path) -> None:
    out = tmp_path / "复核表.xlsx"
    export_sheet(ws, out, operator=OPERATOR)
    store_record(ws, issued[0], typical_fields(ws))  # a second return: version 2
    rows = _edit(out, {(issued[0].form_id, "mode"): {"已核对": "√"}})
    result = import_sheet(ws, out, operator=OPERATOR)
    assert [(p.row, "此记录已有新版本" in p.message) for p in result.problems] == [(rows[(issued[0].form_id, "mode")], True)]
    assert "重新导出复核表" in result.problems[0].message
    assert _value(ws, issued[0].form_id, "mode").status == "review", "nothing written on the new version"


def test_file_that_is_not_a_review_sheet_is_refused(ws: Workspace, tmp_path: Path) -> None:
    fake = tmp_path / "复核表.xlsx"
    fake.write_bytes(b"not a zip")
    with pytest.raises(ReviewSheetError, match="不是有效的 .xlsx"):
        import_sheet(ws, fake, operator=OPERATOR)
    other = tmp_path / "其他.xlsx"
    book = openpyxl.Workbook()
    book.active.title = SHEET  # type: ignore[union-attr]
    book.active.append(["姓名", "电话"])  # type: ignore[union-attr]
    book.save(other)
    with pytest.raises(ReviewSheetError, match="列与导出时不同"):
        import_sheet(ws, other, operator=OPERATOR)


def test_cli_export_and_import_report_bad_rows_by_number(ws: Workspace, issued: list[Issued], tmp_path: Path) -> None:
    out = tmp_path / "复核表.xlsx"
    runner = CliRunner()
    done = runner.invoke(main, ["review", "export", "--out", str(out), "--kind", "date", "-w", str(ws.root)])
    assert done.exit_code == 0, done.output
    assert "已导出 3 个待复核字段" in done.output
    rows = _edit(out, {(issued[0].form_id, "visit_date"): {"核对值": "明天"}, (issued[1].form_id, "visit_date"): {"核对值": "2025.11.3"}})
    done = runner.invoke(main, ["review", "import", str(out), "--operator", OPERATOR, "-w", str(ws.root)])
    assert done.exit_code == 1
    assert f"第 {rows[(issued[0].form_id, 'visit_date')]} 行" in done.output
    assert _value(ws, issued[1].form_id, "visit_date").value == "2025-11-03"
