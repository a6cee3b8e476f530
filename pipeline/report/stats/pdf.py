"""The 统计表 printed: the same sheets as the xlsx, on A4 landscape pages.

Each sheet starts a page: title, the 填报单位 / 统计时间 / 单位 line, its tables (a table too
long for the page continues on the next one under repeated headings), notes and the 填报人
line. Text goes through pipeline.render.pen, so any character the roster holds prints and
extracts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from pipeline import defs
from pipeline.atomic import atomic_write
from pipeline.model.form import Box
from pipeline.render.fonts import FontSet, default_fonts
from pipeline.render.pen import PT, Pen
from pipeline.report.stats.count import StatsTable
from pipeline.report.stats.sheet import Grid, Heading, Sheet, cell_text, stats_sheets

PAGE_W, PAGE_H = (side / mm for side in landscape(A4))
TEXT_W = PAGE_W - 2 * defs.STATS_PDF_MARGIN
BOTTOM = PAGE_H - defs.STATS_PDF_MARGIN  # lowest y content may reach (the page number sits below)


def write_stats_pdf(
    table: StatsTable, out: Path, *, filled_on: dt.date | None = None, fonts: FontSet | None = None
) -> Path:
    """Print the 统计表 to ``out`` (atomically); ``filled_on`` is the 填报日期 (today)."""
    sheets = stats_sheets(table, filled_on=filled_on or dt.date.today())
    return atomic_write(out, lambda tmp: _render(sheets, tmp, fonts or default_fonts()))


def write_sheets_pdf(sheets: tuple[Sheet, ...], out: Path, *, fonts: FontSet | None = None) -> Path:
    """Any sheets printed like the 统计表, each from a new page (the 家访安排表 uses it)."""
    return atomic_write(out, lambda tmp: _render(sheets, tmp, fonts or default_fonts()))


def _render(sheets: tuple[Sheet, ...], path: Path, fonts: FontSet) -> None:
    canvas = Canvas(str(path), pagesize=landscape(A4), pageCompression=1)
    canvas.setTitle(sheets[0].title)
    canvas.setCreator("jiafang")
    canvas.setAuthor("jiafang")
    for sheet in sheets:
        page = _Page(Pen(canvas, fonts, PAGE_H))
        _draw_sheet(page, sheet)
        page.finish()
    canvas.save()


@dataclass
class _Page:
    """A y cursor (mm from the top) that moves on to a new page when content would not fit."""

    pen: Pen
    y: float = defs.STATS_PDF_MARGIN

    def fits(self, height: float) -> bool:
        return self.y + height <= BOTTOM

    def ensure(self, height: float) -> bool:
        """Start a new page unless ``height`` fits; True when a page was started."""
        if self.fits(height):
            return False
        self.finish()
        self.y = defs.STATS_PDF_MARGIN
        return True

    def finish(self) -> None:
        canvas = self.pen.canvas
        self.pen.text(f"第 {canvas.getPageNumber()} 页", PAGE_W / 2, PAGE_H - defs.STATS_PDF_MARGIN / 2, defs.STATS_PDF_TEXT_SIZE, align="center")
        canvas.showPage()


def _draw_sheet(page: _Page, sheet: Sheet) -> None:
    pen, size = page.pen, defs.STATS_PDF_TEXT_SIZE
    title_size = defs.STATS_PDF_TITLE_SIZE
    page.y += title_size * PT
    pen.text(sheet.title, PAGE_W / 2, page.y, title_size, align="center", bold=True)
    page.y += defs.STATS_PDF_GAP + size * PT
    *left, right = sheet.info
    pen.text("　　".join(left), defs.STATS_PDF_MARGIN, page.y, size)
    pen.text(right, PAGE_W - defs.STATS_PDF_MARGIN, page.y, size, align="right")
    page.y += defs.STATS_PDF_GAP / 2
    for grid in sheet.grids:
        _draw_grid(page, grid)
        page.y += defs.STATS_PDF_GAP
    for text in (*sheet.notes, "", sheet.signature):
        for line in pen.wrap(text, size, TEXT_W) or [""]:
            page.ensure(size * PT * defs.STATS_PDF_LEADING)
            page.y += size * PT * defs.STATS_PDF_LEADING
            pen.text(line, defs.STATS_PDF_MARGIN, page.y, size)


def _draw_grid(page: _Page, grid: Grid) -> None:
    pen = page.pen
    scale = min(TEXT_W / sum(grid.widths), defs.STATS_PDF_MAX_MM_PER_WIDTH)
    widths = [w * scale for w in grid.widths]
    lefts = [defs.STATS_PDF_MARGIN + sum(widths[:i]) for i in range(len(widths) + 1)]
    heights = _header_heights(pen, grid, widths)
    row_h = defs.STATS_PDF_ROW_HEIGHT
    caption_h = defs.STATS_PDF_TEXT_SIZE * PT * 2 if grid.caption else 0.0
    page.ensure(caption_h + sum(heights) + row_h)
    if grid.caption:
        page.y += caption_h * 0.75
        pen.text(grid.caption, defs.STATS_PDF_MARGIN, page.y, defs.STATS_PDF_TEXT_SIZE, bold=True)
        page.y += caption_h * 0.25
    _draw_headings(page, grid.headings, lefts, heights)
    bold_from = len(grid.rows) - grid.total_rows
    for i, values in enumerate(grid.rows):
        if page.ensure(row_h):
            _draw_headings(page, grid.headings, lefts, heights)
        for c, value in enumerate(values):
            box = Box(lefts[c], page.y, widths[c], row_h)
            pen.rect(box)
            _cell_lines(pen, box, [cell_text(value)], bold=i >= bold_from, fit=True)
        page.y += row_h


def _header_heights(pen: Pen, grid: Grid, widths: list[float]) -> list[float]:
    """Height (mm) of each header row: the least row height, or more for wrapped headings."""
    heights = [defs.STATS_PDF_ROW_HEIGHT] * grid.header_rows
    for h in sorted(grid.headings, key=lambda h: h.rows):
        need = _text_height(len(_wrap(pen, h.text, sum(widths[h.col : h.col + h.cols]))))
        have = sum(heights[h.row : h.row + h.rows])
        if need > have:
            heights[h.row + h.rows - 1] += need - have
    return heights


def _draw_headings(page: _Page, headings: tuple[Heading, ...], lefts: list[float], heights: list[float]) -> None:
    pen = page.pen
    for h in headings:
        box = Box(lefts[h.col], page.y + sum(heights[: h.row]), lefts[h.col + h.cols] - lefts[h.col], sum(heights[h.row : h.row + h.rows]))
        canvas = pen.canvas
        canvas.setFillGray(defs.STATS_PDF_HEADER_GREY)
        canvas.rect(box.x * mm, pen.y(box.bottom), box.w * mm, box.h * mm, stroke=0, fill=1)
        canvas.setFillGray(0)
        pen.rect(box)
        _cell_lines(pen, box, _wrap(pen, h.text, box.w), bold=True)
    page.y += sum(heights)


def _cell_lines(pen: Pen, box: Box, lines: list[str], *, bold: bool, fit: bool = False) -> None:
    """Lines centred in ``box``; with ``fit`` a single line too wide shrinks to fit."""
    size = defs.STATS_PDF_CELL_SIZE
    room = box.w - 2 * defs.STATS_PDF_CELL_PADDING
    if fit and lines and pen.width(lines[0], size) > room:
        size *= room / pen.width(lines[0], size)
    lead = size * PT * defs.STATS_PDF_LEADING
    first = pen.centred_baseline(box, size) - lead * (len(lines) - 1) / 2
    for n, line in enumerate(lines):
        pen.text(line, box.x + box.w / 2, first + n * lead, size, align="center", bold=bold)


def _wrap(pen: Pen, text: str, width: float) -> list[str]:
    room = width - 2 * defs.STATS_PDF_CELL_PADDING
    return [line for part in text.split("\n") for line in pen.wrap(part, defs.STATS_PDF_CELL_SIZE, room)]


def _text_height(lines: int) -> float:
    return lines * defs.STATS_PDF_CELL_SIZE * PT * defs.STATS_PDF_LEADING + 2 * defs.STATS_PDF_CELL_PADDING
