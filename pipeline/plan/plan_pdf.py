"""The class plan printed: A4 portrait, title, sections of wrapped paragraphs and tables whose
rows continue on the next page under repeated headings. Text goes through
pipeline.render.pen, so any character of the roster prints."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from pipeline import defs
from pipeline.atomic import atomic_write
from pipeline.model.form import Box
from pipeline.plan.plan_doc import ClassPlanDoc, Table
from pipeline.render.fonts import FontSet, default_fonts
from pipeline.render.pen import PT, Pen

__all__ = ["write_plan_pdf"]

PAGE_W, PAGE_H = (side / mm for side in A4)
TEXT_W = PAGE_W - 2 * defs.PLAN_PDF_MARGIN


def write_plan_pdf(doc: ClassPlanDoc, out: Path, *, fonts: FontSet | None = None) -> Path:
    """Print ``doc`` to ``out`` (atomically)."""
    return atomic_write(out, lambda tmp: _render(doc, tmp, fonts or default_fonts()))


@dataclass
class _Cursor:
    pen: Pen
    y: float = defs.PLAN_PDF_MARGIN

    def ensure(self, height: float) -> bool:
        if self.y + height <= PAGE_H - defs.PLAN_PDF_MARGIN:
            return False
        self.pen.canvas.showPage()
        self.y = defs.PLAN_PDF_MARGIN
        return True


def _render(doc: ClassPlanDoc, path: Path, fonts: FontSet) -> None:
    canvas = Canvas(str(path), pagesize=A4, pageCompression=1)
    canvas.setTitle(doc.title)
    canvas.setCreator("jiafang")
    at = _Cursor(Pen(canvas, fonts, PAGE_H))
    _line(at, doc.title, defs.PLAN_PDF_TITLE_PT, align="center", bold=True)
    _line(at, doc.subtitle, defs.PLAN_DOC_TEXT_PT, align="center")
    for section in doc.sections:
        at.y += defs.PLAN_DOC_TEXT_PT * PT
        _line(at, section.heading, defs.PLAN_PDF_HEADING_PT, bold=True)
        for text in section.paragraphs:
            for line in at.pen.wrap("　　" + text, defs.PLAN_DOC_TEXT_PT, TEXT_W):
                _line(at, line, defs.PLAN_DOC_TEXT_PT)
        for table in section.tables:
            _table(at, table)
    canvas.showPage()
    canvas.save()


def _line(at: _Cursor, text: str, size: float, *, align: str = "left", bold: bool = False) -> None:
    height = size * PT * defs.PLAN_PDF_LEADING
    at.ensure(height)
    at.y += height
    x = PAGE_W / 2 if align == "center" else defs.PLAN_PDF_MARGIN
    at.pen.text(text, x, at.y - size * PT * (defs.PLAN_PDF_LEADING - 1), size, align=align, bold=bold)


def _table(at: _Cursor, table: Table) -> None:
    total = sum(table.widths)
    widths = [TEXT_W * w / total for w in table.widths]
    at.y += defs.PLAN_PDF_CELL_PADDING * 2
    _row(at, table.headers, widths, bold=True)
    for values in table.rows:
        if _row(at, values, widths, bold=False):
            _row(at, table.headers, widths, bold=True)  # the page broke before this row: headings again, then the row
            _row(at, values, widths, bold=False)


def _row(at: _Cursor, values: tuple[str, ...], widths: list[float], *, bold: bool) -> bool:
    """Draw one row (cells wrapped); True, drawing nothing, when it starts a new page first."""
    size, pad = defs.PLAN_PDF_CELL_PT, defs.PLAN_PDF_CELL_PADDING
    lines = [at.pen.wrap(v, size, w - 2 * pad) or [""] for v, w in zip(values, widths)]
    lead = size * PT * defs.PLAN_PDF_LEADING
    height = max(len(cell) for cell in lines) * lead + 2 * pad
    if at.ensure(height):
        return True
    x = defs.PLAN_PDF_MARGIN
    for cell, width in zip(lines, widths):
        at.pen.rect(Box(x, at.y, width, height))
        for n, text in enumerate(cell):
            at.pen.text(text, x + pad, at.y + pad + (n + 1) * lead - lead * 0.3, size, bold=bold)
        x += width
    at.y += height
    return False
