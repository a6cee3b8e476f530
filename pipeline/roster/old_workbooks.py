"""The ".xls" rosters school systems export, as sheets of cell values: Excel 97-2003 workbooks
(read by xlrd), and the web pages (an HTML table) and Excel 2003 XML files that many web-based
systems save under that name. Which one a file is comes from its first bytes, never its name.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html
import xlrd

from pipeline.errors import RosterFileError

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (and WPS .et) compound file
_SPREADSHEET_ML = "urn:schemas-microsoft-com:office:spreadsheet"
_RESAVE = "请在 Excel 或 WPS 中打开后另存为 .xlsx，再重新导入。"
# What xlrd raises on damaged files (xlrd's own, and its parser's slips on odd records: seen
# on the test files of its repository, e.g. AttributeError on an invalid formula).
_XLRD_ERRORS = (xlrd.XLRDError, xlrd.compdoc.CompDocError, struct.error, AssertionError, AttributeError, IndexError, KeyError, TypeError, ValueError)


@dataclass(frozen=True)
class SheetCells:
    title: str
    rows: list[list[Any]]  # cell values: str, float, bool, datetime or None
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (min_row, max_row, min_col, max_col), 1-based


def markup_kind(head: bytes) -> str | None:
    """"xml" for an Excel 2003 XML workbook, "html" for a web page, None for neither."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"<"):
        return None
    return "xml" if _SPREADSHEET_ML.encode() in head else "html"


def xls_sheets(path: Path) -> list[SheetCells]:
    """The sheets of an Excel 97-2003 workbook."""
    try:
        # formatting_info: merged ranges are only read with it; xlrd's log (a corrupt file's
        # stream dump) goes nowhere rather than to the user's terminal
        book = xlrd.open_workbook(path, formatting_info=True, logfile=io.StringIO())
    except _XLRD_ERRORS as exc:
        raise RosterFileError(path.name, f"无法作为 Excel 97-2003 工作簿打开（{exc.__class__.__name__}，文件可能已损坏或加了密码）。", _RESAVE) from exc
    return [
        SheetCells(
            sheet.name,
            [[_xls_value(book, sheet.cell(r, c)) for c in range(sheet.ncols)] for r in range(sheet.nrows)],
            [(rlo + 1, rhi, clo + 1, chi) for rlo, rhi, clo, chi in sheet.merged_cells],
        )
        for sheet in book.sheets()
    ]


def _xls_value(book: Any, cell: Any) -> Any:
    if cell.ctype == xlrd.XL_CELL_DATE:
        return xlrd.xldate_as_datetime(cell.value, book.datemode)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    return cell.value


def html_sheets(path: Path, text: str) -> list[SheetCells]:
    """Each table of a web page saved as ".xls", its cells' text; a cell spanning columns is
    followed by empty ones, so the columns below it stay under their headers."""
    try:
        tables = lxml.html.fromstring(text).xpath("//table[not(ancestor::table)]") if text.strip() else []
    except lxml.etree.ParserError as exc:  # e.g. a page of nothing but a comment
        raise RosterFileError(path.name, f"无法作为网页表格读取（{exc.__class__.__name__}，文件不完整或已损坏）。", _RESAVE) from exc
    return [
        SheetCells("" if len(tables) == 1 else f"第{n}个表格", [list(_html_row(tr)) for tr in table.xpath(".//tr")])
        for n, table in enumerate(tables, start=1)
    ]


def _html_row(tr: Any) -> Iterator[str]:
    for cell in tr.xpath("./td|./th"):
        yield " ".join(cell.text_content().split())
        yield from [""] * (_span(cell.get("colspan")) - 1)


def spreadsheetml_sheets(path: Path, data: bytes) -> list[SheetCells]:
    """The worksheets of an Excel 2003 XML workbook (ss:Index skips cells, ss:MergeAcross spans)."""
    try:
        root = lxml.etree.fromstring(data, parser=lxml.etree.XMLParser(resolve_entities=False, no_network=True))
    except lxml.etree.XMLSyntaxError as exc:
        raise RosterFileError(path.name, f"无法作为 Excel 2003 XML 工作簿读取（{exc.__class__.__name__}，文件不完整或已损坏）。", _RESAVE) from exc
    ns = {"ss": _SPREADSHEET_ML}
    sheets = []
    for ws in root.iterfind("ss:Worksheet", ns):
        rows: list[list[Any]] = []
        merged = []
        for row in ws.iterfind("ss:Table/ss:Row", ns):
            r = _span(row.get(f"{{{_SPREADSHEET_ML}}}Index"), default=len(rows) + 1)
            rows += [[] for _ in range(r - 1 - len(rows))]
            cells: list[Any] = []
            for cell in row.iterfind("ss:Cell", ns):
                index = _span(cell.get(f"{{{_SPREADSHEET_ML}}}Index"), default=len(cells) + 1)
                cells += [None] * (index - 1 - len(cells))
                data_el = cell.find("ss:Data", ns)
                cells.append("".join(data_el.itertext()) if data_el is not None else None)
                if across := _span(cell.get(f"{{{_SPREADSHEET_ML}}}MergeAcross"), default=0):
                    merged.append((r, r, index, index + across))
                    cells += [None] * across
            rows.append(cells)
        sheets.append(SheetCells(ws.get(f"{{{_SPREADSHEET_ML}}}Name", ""), rows, merged))
    return sheets


def _span(value: str | None, default: int = 1) -> int:
    return int(value) if value and value.strip().isdigit() else default
