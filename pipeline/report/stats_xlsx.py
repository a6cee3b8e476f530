"""The 统计表 as an xlsx workbook, laid out the way a school office hands it in.

Each sheet: a merged title, a line with 填报单位 / 统计时间 / 单位, tables with merged,
centred, bordered headings, counts as integers and rates as numbers in a percent format,
notes, and the 填报人 line; printed A4 landscape, fitted to the page width.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import defs
from pipeline.export.records import display_width
from pipeline.report.stats import StatsTable
from pipeline.report.stats_sheet import Grid, Sheet, stats_sheets
from pipeline.workbook import save_workbook

PERCENT_FORMAT = "0.0%"
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)


def write_stats_xlsx(table: StatsTable, out: Path, *, filled_on: dt.date | None = None) -> Path:
    """Write the 统计表 workbook to ``out`` (atomically); ``filled_on`` is the 填报日期 (today)."""
    return write_sheets_xlsx(stats_sheets(table, filled_on=filled_on or dt.date.today()), out)


def write_sheets_xlsx(sheets: tuple[Sheet, ...], out: Path) -> Path:
    """Any sheets laid out like the 统计表 (the visit plan's 家访安排表 uses it)."""
    return save_workbook(_workbook(sheets), out)


def _workbook(sheets: tuple[Sheet, ...]) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        _write_sheet(wb.create_sheet(sheet.name), sheet)
    return wb


def _write_sheet(ws: Worksheet, sheet: Sheet) -> None:
    widths = _column_widths(sheet.grids)
    span = len(widths)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    _line(ws, 1, sheet.title, widths, font=Font(bold=True, size=defs.STATS_XLSX_TITLE_SIZE), align=_CENTRE)
    ws.row_dimensions[1].height = defs.STATS_XLSX_TITLE_HEIGHT
    _line(ws, 2, "　　".join(sheet.info), widths)
    row = 3
    for n, grid in enumerate(sheet.grids):
        if grid.caption:
            _line(ws, row, grid.caption, widths, font=Font(bold=True))
            row += 1
        if n == 0 and not grid.caption:
            # a long class list: keep the headings on screen and on every printed page
            body = row + grid.header_rows
            ws.freeze_panes = ws.cell(body, 2)
            ws.print_title_rows = f"{row}:{body - 1}"
        row = _write_grid(ws, row, grid) + 1
    for note in (*sheet.notes, sheet.signature):
        _line(ws, row, note, widths)
        row += 1
    _print_setup(ws, span)


def _write_grid(ws: Worksheet, top: int, grid: Grid) -> int:
    """Headings and rows of ``grid`` from row ``top``; returns the row after it."""
    for h in grid.headings:
        first, last = (top + h.row, 1 + h.col), (top + h.row + h.rows - 1, h.col + h.cols)
        ws.cell(*first, h.text)
        for r in range(first[0], last[0] + 1):
            for c in range(first[1], last[1] + 1):
                cell = ws.cell(r, c)
                cell.font, cell.alignment, cell.fill, cell.border = Font(bold=True), _CENTRE, _HEADER_FILL, _BORDER
        if h.rows > 1 or h.cols > 1:
            ws.merge_cells(start_row=first[0], start_column=first[1], end_row=last[0], end_column=last[1])
    for r in range(grid.header_rows):
        ws.row_dimensions[top + r].height = _header_height(grid, r)
    body = top + grid.header_rows
    bold_from = len(grid.rows) - grid.total_rows
    for i, values in enumerate(grid.rows):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(body + i, c, value)
            cell.border, cell.alignment = _BORDER, _CENTRE
            cell.font = Font(bold=i >= bold_from)
            if isinstance(value, float):
                cell.number_format = PERCENT_FORMAT
    return body + len(grid.rows)


def _header_height(grid: Grid, row: int) -> float:
    """Points for header row ``row``: enough lines for its widest one-row heading."""
    lines = [_line_count(h.text, sum(grid.widths[h.col : h.col + h.cols]) - 1) for h in grid.headings if h.row == row and h.rows == 1]
    return max([1, *lines]) * defs.STATS_XLSX_LINE_HEIGHT + defs.STATS_XLSX_ROW_PADDING


def _line_count(text: str, width: float) -> int:
    """Lines ``text`` takes in a cell ``width`` characters wide (explicit breaks included)."""
    return sum(max(1, math.ceil(display_width(part) / max(width, 1))) for part in text.split("\n"))


def _line(
    ws: Worksheet, row: int, text: str, widths: list[float], *, font: Font | None = None, align: Alignment = _LEFT
) -> None:
    """One merged line of text across the sheet, tall enough for its wrapped lines."""
    cell = ws.cell(row, 1, text)
    cell.alignment = align
    if font is not None:
        cell.font = font
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(widths))
    lines = _line_count(text, sum(widths))
    if lines > 1:
        ws.row_dimensions[row].height = lines * defs.STATS_XLSX_LINE_HEIGHT + defs.STATS_XLSX_ROW_PADDING


def _column_widths(grids: tuple[Grid, ...]) -> list[float]:
    count = max(len(g.widths) for g in grids)
    return [max(g.widths[i] for g in grids if i < len(g.widths)) for i in range(count)]


def _print_setup(ws: Worksheet, columns: int) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.print_area = f"A1:{get_column_letter(columns)}{ws.max_row}"
