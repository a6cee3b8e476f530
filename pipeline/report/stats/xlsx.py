"""The 统计表 as an xlsx workbook, laid out the way a school office hands it in.

Each sheet in the office chrome (pipeline.report.office_workbook): a merged title, a line with
填报单位 / 统计时间 / 单位, tables with merged, centred, bordered headings, counts as integers and
rates as numbers in a percent format, notes, and the 填报人 line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import defs
from pipeline.report.office_workbook import (
    BORDER,
    CENTRE,
    foot,
    heading_cell,
    keep_headings,
    line_count,
    new_workbook,
    print_setup,
    set_widths,
    text_line,
    title_row,
)
from pipeline.report.stats.count import StatsTable
from pipeline.report.stats.sheet import Grid, Sheet, stats_sheets
from pipeline.workbook import save_workbook

PERCENT_FORMAT = "0.0%"


def write_stats_xlsx(table: StatsTable, out: Path, *, filled_on: dt.date | None = None) -> Path:
    """Write the 统计表 workbook to ``out`` (atomically); ``filled_on`` is the 填报日期 (today)."""
    return write_sheets_xlsx(stats_sheets(table, filled_on=filled_on or dt.date.today()), out)


def write_sheets_xlsx(sheets: tuple[Sheet, ...], out: Path) -> Path:
    """Any sheets laid out like the 统计表 (the visit plan's 家访安排表 uses it)."""
    return save_workbook(_workbook(sheets), out)


def _workbook(sheets: tuple[Sheet, ...]) -> Workbook:
    wb = new_workbook()
    for sheet in sheets:
        _write_sheet(wb.create_sheet(sheet.name), sheet)
    return wb


def _write_sheet(ws: Worksheet, sheet: Sheet) -> None:
    widths = _column_widths(sheet.grids)
    set_widths(ws, widths)
    title_row(ws, 1, sheet.title, widths)
    text_line(ws, 2, "　　".join(sheet.info), widths)
    row = 3
    for n, grid in enumerate(sheet.grids):
        if grid.caption:
            text_line(ws, row, grid.caption, widths, font=Font(bold=True))
            row += 1
        if n == 0 and not grid.caption:
            # a long class list: keep the headings on screen and on every printed page
            keep_headings(ws, row, row + grid.header_rows, column=2)
        row = _write_grid(ws, row, grid) + 1
    foot(ws, row, (*sheet.notes, sheet.signature), widths)
    print_setup(ws, len(widths))


def _write_grid(ws: Worksheet, top: int, grid: Grid) -> int:
    """Headings and rows of ``grid`` from row ``top``; returns the row after it."""
    for h in grid.headings:
        first, last = (top + h.row, 1 + h.col), (top + h.row + h.rows - 1, h.col + h.cols)
        ws.cell(*first, h.text)
        for r in range(first[0], last[0] + 1):
            for c in range(first[1], last[1] + 1):
                heading_cell(ws.cell(r, c))
        if h.rows > 1 or h.cols > 1:
            ws.merge_cells(start_row=first[0], start_column=first[1], end_row=last[0], end_column=last[1])
    for r in range(grid.header_rows):
        ws.row_dimensions[top + r].height = _header_height(grid, r)
    body = top + grid.header_rows
    bold_from = len(grid.rows) - grid.total_rows
    for i, values in enumerate(grid.rows):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(body + i, c, value)
            cell.border, cell.alignment = BORDER, CENTRE
            cell.font = Font(bold=i >= bold_from)
            if isinstance(value, float):
                cell.number_format = PERCENT_FORMAT
    return body + len(grid.rows)


def _header_height(grid: Grid, row: int) -> float:
    """Points for header row ``row``: enough lines for its widest one-row heading."""
    lines = [line_count(h.text, sum(grid.widths[h.col : h.col + h.cols]) - 1) for h in grid.headings if h.row == row and h.rows == 1]
    return max([1, *lines]) * defs.OFFICE_XLSX_LINE_HEIGHT + defs.OFFICE_XLSX_ROW_PADDING


def _column_widths(grids: tuple[Grid, ...]) -> list[float]:
    count = max(len(g.widths) for g in grids)
    return [max(g.widths[i] for g in grids if i < len(g.widths)) for i in range(count)]
