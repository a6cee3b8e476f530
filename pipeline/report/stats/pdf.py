"""The 统计表 printed: the same sheets as the xlsx, on A4 landscape pages (reportlab platypus).

Each sheet starts a page: title, the 填报单位 / 统计时间 / 单位 line, its tables, notes and the
填报人 line. A table is a platypus ``Table`` whose merged headings are ``SPAN`` cells; a table
too long for the page continues on the next one under its repeated headings. Text goes
through pipeline.render.pen (a font per character, bold as stroked outlines, since CJK fonts
have no bold face), so any character the roster holds prints and extracts.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, CondPageBreak, Flowable, Frame, PageBreak, PageTemplate, Spacer, Table, TableStyle

from pipeline import defs
from pipeline.atomic import atomic_write
from pipeline.model.form import Box
from pipeline.render.fonts import FontSet, default_fonts
from pipeline.render.pen import PT, Pen
from pipeline.report.stats.count import StatsTable
from pipeline.report.stats.sheet import Grid, Sheet, cell_text, stats_sheets

PAGE_W, PAGE_H = (side / mm for side in landscape(A4))
TEXT_W = PAGE_W - 2 * defs.STATS_PDF_MARGIN


def write_stats_pdf(
    table: StatsTable, out: Path, *, filled_on: dt.date | None = None, fonts: FontSet | None = None
) -> Path:
    """Print the 统计表 to ``out`` (atomically); ``filled_on`` is the 填报日期 (today)."""
    return write_sheets_pdf(stats_sheets(table, filled_on=filled_on or dt.date.today()), out, fonts=fonts)


def write_sheets_pdf(sheets: tuple[Sheet, ...], out: Path, *, fonts: FontSet | None = None) -> Path:
    """Any sheets printed like the 统计表, each from a new page (the 家访安排表 uses it)."""
    return atomic_write(out, lambda tmp: _render(sheets, tmp, fonts or default_fonts()))


def _render(sheets: tuple[Sheet, ...], path: Path, fonts: FontSet) -> None:
    margin = defs.STATS_PDF_MARGIN * mm
    frame = Frame(
        margin, margin, TEXT_W * mm, (PAGE_H - 2 * defs.STATS_PDF_MARGIN) * mm,
        leftPadding=0, bottomPadding=0, rightPadding=0, topPadding=0,
    )

    def page_number(canvas: Canvas, _doc: object) -> None:
        number = f"第 {canvas.getPageNumber()} 页"
        Pen(canvas, fonts, PAGE_H).text(number, PAGE_W / 2, PAGE_H - defs.STATS_PDF_MARGIN / 2, defs.STATS_PDF_TEXT_SIZE, align="center")

    doc = BaseDocTemplate(
        str(path), pagesize=landscape(A4), pageTemplates=[PageTemplate("sheet", [frame], onPage=page_number)],
        title=sheets[0].title, author="jiafang", creator="jiafang", pageCompression=1,
    )
    # Heading heights are needed before the tables exist; measuring text needs fonts only.
    measure = Pen(Canvas(io.BytesIO()), fonts, PAGE_H)
    story: list[Flowable] = []
    for n, sheet in enumerate(sheets):
        story += ([PageBreak()] if n else []) + _sheet_story(sheet, measure)
    doc.build(story)


def _sheet_story(sheet: Sheet, measure: Pen) -> list[Flowable]:
    size = defs.STATS_PDF_TEXT_SIZE
    *left, right = sheet.info
    story: list[Flowable] = [
        _Lines(measure.fonts, [sheet.title], defs.STATS_PDF_TITLE_SIZE, align="center", bold=True),
        Spacer(0, defs.STATS_PDF_GAP * mm),
        _Lines(measure.fonts, ["　　".join(left)], size, right=right),
        Spacer(0, defs.STATS_PDF_GAP / 2 * mm),
    ]
    for grid in sheet.grids:
        story += _grid_story(grid, measure)
        story.append(Spacer(0, defs.STATS_PDF_GAP * mm))
    for text in (*sheet.notes, "", sheet.signature):
        story.append(_Lines(measure.fonts, measure.wrap(text, size, TEXT_W) or [""], size, leading=defs.STATS_PDF_LEADING))
    return story


def _grid_story(grid: Grid, measure: Pen) -> list[Flowable]:
    """The caption and the table of ``grid``, moved to a new page unless the caption, the
    headings and one row fit on this one."""
    scale = min(TEXT_W / sum(grid.widths), defs.STATS_PDF_MAX_MM_PER_WIDTH)
    widths = [w * scale for w in grid.widths]
    heights = _header_heights(measure, grid, widths)
    caption_h = defs.STATS_PDF_TEXT_SIZE * PT * 2 if grid.caption else 0.0
    story: list[Flowable] = [CondPageBreak((caption_h + sum(heights) + defs.STATS_PDF_ROW_HEIGHT) * mm)]
    if grid.caption:
        # the caption's baseline three quarters down its two lines' room, as the headings follow
        story.append(_Lines(measure.fonts, [grid.caption], defs.STATS_PDF_TEXT_SIZE, bold=True, leading=1.5))
        story.append(Spacer(0, caption_h * 0.25 * mm))
    story.append(_table(grid, widths, heights, measure))
    return story


def _table(grid: Grid, widths: list[float], heights: list[float], measure: Pen) -> Table:
    """Headings as SPAN cells over the header rows (repeated on every page), then the rows."""
    fonts = measure.fonts
    span = len(widths)
    data: list[list[Flowable | str]] = [[""] * span for _ in range(grid.header_rows)]
    commands: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), defs.FRAME_LINE, colors.black),
        ("BACKGROUND", (0, 0), (-1, grid.header_rows - 1), colors.Color(*(defs.STATS_PDF_HEADER_GREY,) * 3)),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]
    for h in grid.headings:
        room = sum(widths[h.col : h.col + h.cols])
        data[h.row][h.col] = _Cell(fonts, _wrap(measure, h.text, room), bold=True)
        if h.rows > 1 or h.cols > 1:
            commands.append(("SPAN", (h.col, h.row), (h.col + h.cols - 1, h.row + h.rows - 1)))
    bold_from = len(grid.rows) - grid.total_rows
    data += [[_Cell(fonts, [cell_text(v)], bold=i >= bold_from, fit=True) for v in values] for i, values in enumerate(grid.rows)]
    row_heights = [h * mm for h in heights] + [defs.STATS_PDF_ROW_HEIGHT * mm] * len(grid.rows)
    table = Table(data, colWidths=[w * mm for w in widths], rowHeights=row_heights, repeatRows=grid.header_rows, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def _header_heights(measure: Pen, grid: Grid, widths: list[float]) -> list[float]:
    """Height (mm) of each header row: the least row height, or more for wrapped headings."""
    heights = [defs.STATS_PDF_ROW_HEIGHT] * grid.header_rows
    for h in sorted(grid.headings, key=lambda h: h.rows):
        need = _text_height(len(_wrap(measure, h.text, sum(widths[h.col : h.col + h.cols]))))
        have = sum(heights[h.row : h.row + h.rows])
        if need > have:
            heights[h.row + h.rows - 1] += need - have
    return heights


def _wrap(measure: Pen, text: str, width: float) -> list[str]:
    room = width - 2 * defs.STATS_PDF_CELL_PADDING
    return [line for part in text.split("\n") for line in measure.wrap(part, defs.STATS_PDF_CELL_SIZE, room)]


def _text_height(lines: int) -> float:
    return lines * defs.STATS_PDF_CELL_SIZE * PT * defs.STATS_PDF_LEADING + 2 * defs.STATS_PDF_CELL_PADDING


class _Lines(Flowable):
    """Lines of text across the frame, each ``leading`` × its size high with its baseline at
    the foot of its room; ``right`` is set flush right on the first line."""

    def __init__(
        self, fonts: FontSet, lines: list[str], size: float, *, align: str = "left", bold: bool = False,
        right: str = "", leading: float = 1.0,
    ) -> None:
        super().__init__()
        self.fonts, self.lines, self.size, self.align, self.bold, self.right = fonts, lines, size, align, bold, right
        self.line_h = size * PT * leading  # mm

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return availWidth, len(self.lines) * self.line_h * mm

    def draw(self) -> None:
        pen = Pen(self.canv, self.fonts, len(self.lines) * self.line_h)
        x = {"left": 0.0, "center": TEXT_W / 2}[self.align]
        for n, line in enumerate(self.lines, start=1):
            pen.text(line, x, n * self.line_h, self.size, align=self.align, bold=self.bold)
        if self.right:
            pen.text(self.right, TEXT_W, self.line_h, self.size, align="right")


class _Cell(Flowable):
    """Lines centred in their (merged) table cell; with ``fit`` a single line too wide shrinks to fit."""

    def __init__(self, fonts: FontSet, lines: list[str], *, bold: bool, fit: bool = False) -> None:
        super().__init__()
        self.fonts, self.lines, self.bold, self.fit = fonts, lines, bold, fit

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.box = Box(0.0, 0.0, availWidth / mm, availHeight / mm)
        return availWidth, availHeight

    def draw(self) -> None:
        pen, box = Pen(self.canv, self.fonts, self.box.h), self.box
        size = defs.STATS_PDF_CELL_SIZE
        room = box.w - 2 * defs.STATS_PDF_CELL_PADDING
        if self.fit and self.lines and pen.width(self.lines[0], size) > room:
            size *= room / pen.width(self.lines[0], size)
        lead = size * PT * defs.STATS_PDF_LEADING
        first = pen.centred_baseline(box, size) - lead * (len(self.lines) - 1) / 2
        for n, line in enumerate(self.lines):
            pen.text(line, box.x + box.w / 2, first + n * lead, size, align="center", bold=self.bold)
