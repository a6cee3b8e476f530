"""Read roster spreadsheets (.xlsx, .xls, .csv) into raw rows of text, keyed by canonical header.

Nothing is validated here except that the file can be read; values come back as stripped
strings exactly as the school wrote them (numbers Excel stored as floats become digit strings).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import charset_normalizer
import openpyxl
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import defs
from pipeline.errors import RosterFileError
from pipeline.roster.old_workbooks import OLE2_SIGNATURE, SheetCells, html_sheets, markup_kind, spreadsheetml_sheets, xls_sheets
from pipeline.roster.columns import (
    KEY_COLUMN,
    SHEET_KINDS,
    STUDENT_COLUMNS,
    TEACHER_COLUMNS,
    canonical_header,
)

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
ROSTER_SUFFIXES = (*WORKBOOK_SUFFIXES, ".csv")  # the files read_roster reads
_KNOWN_HEADERS = frozenset(STUDENT_COLUMNS) | frozenset(TEACHER_COLUMNS)
_CSV_DELIMITERS = ",\t;"


@dataclass(frozen=True)
class RawRow:
    row_number: int  # as the spreadsheet program shows it (1-based, header rows counted)
    values: dict[str, str]  # canonical column -> stripped text ("" for an empty cell)
    merged: tuple[str, ...] = ()  # columns whose cell lies in a merged range


@dataclass(frozen=True)
class RawSheet:
    path: Path
    sheet: str  # "" for a CSV file
    kind: str  # "students" | "teachers"
    header_row: int
    columns: tuple[str, ...]  # canonical headers in column order
    rows: list[RawRow] = field(default_factory=list)

    @property
    def file(self) -> str:
        return self.path.name


def read_roster(path: Path) -> list[RawSheet]:
    """The roster sheets in ``path``; raises RosterFileError when the file cannot be read."""
    if not path.is_file():
        raise RosterFileError(path.name, "文件不存在。", "请检查文件名和路径。")
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return _read_workbook(path)
    if suffix == ".csv":
        return _read_csv(path)
    raise RosterFileError(
        path.name,
        f"不支持的文件类型“{path.suffix or '（无扩展名）'}”。",
        "请在 Excel 或 WPS 中另存为 .xlsx 或 .csv 后重新导入。",
    )


def _read_workbook(path: Path) -> list[RawSheet]:
    """A workbook read by what it holds: systems save .xlsx content, Excel 97 files, web pages
    and Excel 2003 XML under either name."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(OLE2_SIGNATURE):
        return _sheets(path, xls_sheets(path))
    if kind := markup_kind(head):
        sheets = spreadsheetml_sheets(path, path.read_bytes()) if kind == "xml" else html_sheets(path, _decode(path))
        return _sheets(path, sheets)
    return _read_xlsx(path)


# --- xlsx ------------------------------------------------------------------------------------


def _read_xlsx(path: Path) -> list[RawSheet]:
    try:
        # Not read_only: merged ranges are only visible on a fully loaded sheet. Opened as a
        # stream, so that an .xlsx saved under the name .xls is read too.
        with path.open("rb") as fh:
            book = openpyxl.load_workbook(fh, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise RosterFileError(
            path.name,
            f"无法作为 Excel 工作簿打开（{exc.__class__.__name__}）。",
            "请确认文件未损坏，或在 Excel 或 WPS 中另存为 .xlsx 后重新导入。",
        ) from exc
    return _sheets(path, [_xlsx_cells(ws) for ws in book.worksheets])


def _xlsx_cells(ws: Worksheet) -> SheetCells:
    merged = [(r.min_row, r.max_row, r.min_col, r.max_col) for r in ws.merged_cells.ranges]
    return SheetCells(ws.title, [list(row) for row in ws.iter_rows(values_only=True)], merged)


def _sheets(path: Path, found: Sequence[SheetCells]) -> list[RawSheet]:
    """The roster sheets among a workbook's sheets; none is an error naming the sheets."""
    grids = ((c, [[cell_text(v) for v in row] for row in c.rows]) for c in found)
    sheets = [s for c, grid in grids if (s := _sheet_from_grid(path, c.title, grid, c.merged))]
    if not sheets:
        names = "、".join(c.title for c in found if c.title) or "无"
        raise RosterFileError(
            path.name,
            f"没有找到学生或教师名单（工作表：{names}）。",
            "请把工作表命名为“学生”或“教师”，或在表头中包含“学籍号”或“工号”列。",
        )
    return sheets


def cell_text(value: Any) -> str:
    """A cell value as the text the school sees; 13812345678.0 -> "13812345678"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        # Excel keeps 15 significant digits: a longer number typed into a number cell (an ID
        # number, an 18-digit 学籍号) has lost its last digits, so it is shown as Excel shows it,
        # in scientific notation, for the check that names such cells, not as made-up digits
        return str(int(value)) if abs(value) < defs.EXCEL_EXACT_INTEGER else f"{value:.5E}"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


# --- csv -------------------------------------------------------------------------------------


def _read_csv(path: Path) -> list[RawSheet]:
    text = _decode(path)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=_CSV_DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    grid = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    sheet = _sheet_from_grid(path, "", grid, [])
    if sheet is None:
        raise RosterFileError(
            path.name,
            "表头中没有“学籍号”或“工号”列，无法判断是学生还是教师名单。",
            "请检查表头（第一行）后重新导入。",
        )
    return [sheet]


def _decode(path: Path) -> str:
    """CSV text in UTF-8 (with or without BOM), else GB18030/GBK, else a detected charset."""
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise RosterFileError(
            path.name,
            "无法识别文件编码，可能不是文本格式的 CSV。",
            "请在 Excel 或 WPS 中另存为“CSV UTF-8”后重新导入。",
        )
    return str(best)


# --- shared ----------------------------------------------------------------------------------


def _sheet_from_grid(
    path: Path, title: str, grid: list[list[str]], merged: Sequence[tuple[int, int, int, int]]
) -> RawSheet | None:
    header_index = _header_index(grid)
    columns = _columns(grid[header_index] if grid else [])
    kind = SHEET_KINDS.get("".join(title.split())) or _kind_from_headers([h for _, h in columns])
    if kind is None:
        return None
    header_row = header_index + 1
    rows = []
    for number, cells in enumerate(grid[header_index + 1 :], start=header_row + 1):
        values = {h: (cells[i] if i < len(cells) else "") for i, h in columns}
        touched = _merged_columns(number, columns, merged)
        if any(values.values()) or touched:
            rows.append(RawRow(number, values, touched))
    return RawSheet(path, title, kind, header_row, tuple(h for _, h in columns), rows)


def _header_index(grid: list[list[str]]) -> int:
    """The row (0-based) among the first few with the most known headers (titles sit above)."""
    top = grid[: defs.ROSTER_HEADER_SEARCH_ROWS]
    scores = [sum(canonical_header(c) in _KNOWN_HEADERS for c in row) for row in top]
    if scores and max(scores) > 0:
        return scores.index(max(scores))
    return next((i for i, row in enumerate(top) if any(row)), 0)


def _columns(header_cells: list[str]) -> list[tuple[int, str]]:
    """(index, canonical header) of each named column; a second column for the same field
    (e.g. 家长电话 beside 联系电话) keeps its own name, so it becomes an extra attribute."""
    columns: list[tuple[int, str]] = []
    taken: set[str] = set()
    for i, cell in enumerate(header_cells):
        header = canonical_header(cell)
        if header in taken:
            header = "".join(cell.split())
        if header and header not in taken:
            columns.append((i, header))
            taken.add(header)
    return columns


def _kind_from_headers(headers: Sequence[str]) -> str | None:
    return next((kind for kind, key in KEY_COLUMN.items() if key in headers), None)


def _merged_columns(
    row: int, columns: Sequence[tuple[int, str]], merged: Sequence[tuple[int, int, int, int]]
) -> tuple[str, ...]:
    return tuple(
        h
        for i, h in columns
        if any(r0 <= row <= r1 and c0 <= i + 1 <= c1 for r0, r1, c0, c1 in merged)
    )
