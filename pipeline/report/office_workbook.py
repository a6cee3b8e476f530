"""The office's workbook: how every sheet a school office hands in looks.

A merged title row, a line with 填报单位 / the dates, tables with bold, shaded, bordered
headings (kept on screen and on every printed page), notes and the 填报人 line at the foot,
printed A4 landscape fitted to the page width. The 统计表 (pipeline.report.stats.xlsx) draws
its tables of merged headings inside this chrome; the to-do list and the 台账 are list sheets
(:class:`ListSheet`): one header row, rows whose equal class and teacher cells are merged.
Saving goes through pipeline.workbook.save_workbook (atomic, no live formulas).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import defs
from pipeline.export.records import display_width
from pipeline.workbook import save_workbook

SIGN_BLANK = "＿＿＿＿＿＿"
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
NOTHING_TO_DO = "无待办事项"
_BODY = Alignment(vertical="center", wrap_text=True)
_DATE_FORMAT = "yyyy-mm-dd"
_CELL_STYLE, _DATE_STYLE = "jiafang-cell", "jiafang-date"
_LIST_HEADER_ROW = 3  # title, info line, header


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def cn_month(day: dt.date) -> str:
    return f"{day.year}年{day.month}月"


def signature(filled_on: dt.date) -> str:
    """The foot every office sheet ends with: who filled it in, who checked it, and when."""
    return f"填报人：{SIGN_BLANK}    审核人：{SIGN_BLANK}    填报日期：{cn_date(filled_on)}"


def new_workbook() -> Workbook:
    """A workbook without openpyxl's default empty sheet."""
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def set_widths(ws: Worksheet, widths: Sequence[float]) -> None:
    """Column widths in Excel character units, from column A."""
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def title_row(ws: Worksheet, row: int, text: str, widths: Sequence[float]) -> None:
    """The sheet's title: large, bold and centred across the sheet."""
    text_line(ws, row, text, widths, font=Font(bold=True, size=defs.OFFICE_XLSX_TITLE_SIZE), align=CENTRE)
    ws.row_dimensions[row].height = defs.OFFICE_XLSX_TITLE_HEIGHT


def text_line(
    ws: Worksheet, row: int, text: str, widths: Sequence[float], *, font: Font | None = None, align: Alignment = LEFT
) -> None:
    """One merged line of text across the sheet, tall enough for its wrapped lines."""
    cell = ws.cell(row, 1, text)
    cell.alignment = align
    if font is not None:
        cell.font = font
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(widths))
    lines = line_count(text, sum(widths))
    if lines > 1:
        ws.row_dimensions[row].height = lines * defs.OFFICE_XLSX_LINE_HEIGHT + defs.OFFICE_XLSX_ROW_PADDING


def foot(ws: Worksheet, row: int, lines: Sequence[str], widths: Sequence[float]) -> int:
    """Notes and the 填报人 line from ``row``, one merged line each; returns the row after them."""
    for text in lines:
        text_line(ws, row, text, widths)
        row += 1
    return row


def heading_cell(cell: Cell) -> None:
    """A table heading: bold, centred, shaded, bordered."""
    cell.font, cell.alignment, cell.fill, cell.border = Font(bold=True), CENTRE, HEADER_FILL, BORDER


def keep_headings(ws: Worksheet, top: int, body: int, column: int = 1) -> None:
    """Header rows ``top``..``body - 1`` stay on screen (frozen above ``body``, left of
    ``column``) and print on every page."""
    ws.freeze_panes = ws.cell(body, column)
    ws.print_title_rows = f"{top}:{body - 1}"


def print_setup(ws: Worksheet, columns: int) -> None:
    """A4 landscape, centred, fitted to one page wide over ``columns`` columns."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.print_area = f"A1:{get_column_letter(columns)}{ws.max_row}"


def line_count(text: str, width: float) -> int:
    """Lines ``text`` takes in a cell ``width`` characters wide (explicit breaks included)."""
    return sum(max(1, math.ceil(display_width(part) / max(width, 1))) for part in text.split("\n"))


@dataclass(frozen=True)
class ListSheet:
    """A sheet of one header row and one row per item (the to-do list, the 台账)."""

    name: str
    title: str
    info: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    merge_runs: Sequence[int] = ()  # 0-based columns whose equal consecutive cells are merged
    notes: Sequence[str] = ()


def write_list_sheets(sheets: Sequence[ListSheet], out: Path) -> Path:
    """Write ``sheets`` (atomically) to ``out``; dates as dates, counts as numbers, the 填报日期 today."""
    wb = new_workbook()
    # One named style per kind of body cell: setting border and alignment cell by cell costs
    # seconds for a school-size list.
    wb.add_named_style(NamedStyle(_CELL_STYLE, border=BORDER, alignment=_BODY))
    wb.add_named_style(NamedStyle(_DATE_STYLE, border=BORDER, alignment=_BODY, number_format=_DATE_FORMAT))
    for sheet in sheets:
        _fill(wb.create_sheet(sheet.name), sheet)
    return save_workbook(wb, out)


def _fill(ws: Worksheet, sheet: ListSheet) -> None:
    widths = _fitted_widths(sheet)
    set_widths(ws, widths)
    title_row(ws, 1, sheet.title, widths)
    text_line(ws, 2, sheet.info, widths)
    body = _LIST_HEADER_ROW + 1
    for c, header in enumerate(sheet.headers, start=1):
        heading_cell(ws.cell(_LIST_HEADER_ROW, c, header))
    for r, values in enumerate(sheet.rows, start=body):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c, value).style = _DATE_STYLE if isinstance(value, dt.date) else _CELL_STYLE
    row = body + len(sheet.rows)
    if not sheet.rows:
        text_line(ws, row, NOTHING_TO_DO, widths, align=_BODY)
        row += 1
    _merge_runs(ws, body, sheet.rows, sheet.merge_runs)
    foot(ws, row + 1, [*(f"说明：{note}" for note in sheet.notes), signature(dt.date.today())], widths)
    keep_headings(ws, _LIST_HEADER_ROW, body)
    print_setup(ws, len(widths))


def _merge_runs(ws: Worksheet, body: int, rows: Sequence[Sequence[Any]], columns: Sequence[int]) -> None:
    """Merge the runs of equal cells in ``columns`` (the office's grouping); a later column's
    runs stay inside the earlier columns' runs (a teacher's cells never span two classes)."""
    for depth, column in enumerate(columns):
        keys = [tuple(r[c] for c in columns[: depth + 1]) for r in rows]
        start = 0
        for n in range(1, len(keys) + 1):
            if n < len(keys) and keys[n] == keys[start]:
                continue
            if n - start > 1:
                _merge_column(ws, column + 1, body + start, body + n - 1)
            start = n


def _merge_column(ws: Worksheet, column: int, top: int, bottom: int) -> None:
    """Merge rows ``top``..``bottom`` of ``column``: the value stays in the top cell.

    Not ws.merge_cells: it restyles every cell of the range (seconds for a school-size list),
    and these cells already carry their borders.
    """
    for row in range(top + 1, bottom + 1):
        ws.cell(row, column).value = None
    ws.merged_cells.add(CellRange(min_col=column, min_row=top, max_col=column, max_row=bottom))


def _fitted_widths(sheet: ListSheet) -> list[float]:
    """Each column as wide as its widest text, within the export's narrowest and widest."""
    widths: list[float] = []
    for i, header in enumerate(sheet.headers):
        widest = max(display_width(t) for t in {header, *(_text(r[i]) for r in sheet.rows)})
        widths.append(min(max(widest + 2, defs.XLSX_MIN_COLUMN_WIDTH), defs.XLSX_MAX_COLUMN_WIDTH))
    return widths


def _text(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:%Y-%m-%d}" if isinstance(value, dt.date) else str(value)
