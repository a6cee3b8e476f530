"""Every workbook jiafang writes keeps read values as text: a value such as
``=HYPERLINK(...)`` read off a return or typed into a roster never becomes a live formula.
Files are written through the commands an office uses and inspected in their sheet XML."""

from __future__ import annotations

import dataclasses
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.errors import OutputError
from pipeline.model.people import Student
from pipeline.model.record import FieldValue
from pipeline.store import repo
from pipeline.store.records import add_record
from pipeline.store.workspace import Workspace
from pipeline.workbook import FORMULA_START, save_workbook
from report_support import Visit, _issued, _record, build_school

INJECTED = '=HYPERLINK("http://x","y")'
WIDE = {"COLUMNS": "200"}


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """The report school plus a roster student and class named INJECTED, an OCR'd problem
    text INJECTED in a counted record, and a place read as INJECTED waiting for review."""
    for workspace in build_school(tmp_path_factory.mktemp("school")):
        counted = Visit("R10", "S04", "2026-03-12", "入户走访", "普访", ("T03",), INJECTED, ("家庭教育指导",))
        pending = Visit("R11", "S04", "2026-03-13", "电话", "普访", ("T03",), status="review")
        place = FieldValue(INJECTED, INJECTED, 0.41, "ocr", "review", message="识别把握不足，请核对")
        with workspace.session() as s:
            repo.upsert_students(s, [Student("S09", INJECTED, INJECTED)])
            repo.add_issued_forms(s, [_issued(counted), _issued(pending)])
        with workspace.session() as s:
            add_record(s, _record(counted))
        with workspace.session() as s:
            record = _record(pending)
            add_record(s, dataclasses.replace(record, fields={**record.fields, "place": place}))
        yield workspace


def _formula_sheets(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        return [n for n in sheets if re.search(rb"<f[\s>/]", z.read(n))]


def _cell_values(path: Path) -> set[object]:
    book = openpyxl.load_workbook(path)
    return {c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row}


@pytest.mark.parametrize(
    "args",
    [
        ["review", "export"],
        ["records", "export", "--format", "xlsx"],
        ["report", "stats", "--month", "2026-03"],
        ["report", "compliance", "--as-of", "2026-03-20"],
        ["report", "ledger", "--as-of", "2026-03-20"],
    ],
    ids=["review-export", "records-export", "stats", "compliance", "ledger"],
)
def test_read_value_that_looks_like_a_formula_is_written_as_text(ws: Workspace, tmp_path: Path, args: list[str]) -> None:
    out = tmp_path / "导出.xlsx"
    result = CliRunner().invoke(main, [*args, "--out", str(out), "-w", str(ws.root)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert _formula_sheets(out) == [], "a cell was saved as a live formula"
    assert INJECTED in _cell_values(out), "the text itself is kept intact"


def test_every_formula_start_is_saved_as_quoted_text(tmp_path: Path) -> None:
    texts = [f"{start}1+1" for start in FORMULA_START]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row, text in enumerate([*texts, "普通文字", "1+1"], start=1):
        sheet.cell(row, 1, text)
    sheet.cell(len(texts) + 3, 1, 42)
    out = save_workbook(book, tmp_path / "表.xlsx")
    assert _formula_sheets(out) == []
    cells = [row[0] for row in openpyxl.load_workbook(out).active.iter_rows()]  # type: ignore[union-attr]
    assert [c.value for c in cells] == [*texts, "普通文字", "1+1", 42]
    assert [c.quotePrefix for c in cells] == [True] * len(texts) + [False] * 3
    assert all(c.data_type == "s" for c in cells[: len(texts)])


def test_workbook_held_open_by_another_program_says_so_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "统计表.xlsx"
    out.write_bytes(b"the file Excel has open")

    def sharing_violation(src: str, dst: str) -> None:
        # what Windows raises when Excel holds the target open (WinError 32)
        raise PermissionError(13, "The process cannot access the file because it is being used by another process")

    monkeypatch.setattr(os, "replace", sharing_violation)
    with pytest.raises(OutputError) as caught:
        save_workbook(openpyxl.Workbook(), out)
    assert str(caught.value) == f"文件“{out}”正被其他程序（如 Excel）打开，请关闭后重试。"
    assert out.read_bytes() == b"the file Excel has open"
    assert [p.name for p in tmp_path.iterdir()] == [out.name], "no partial file is left behind"
