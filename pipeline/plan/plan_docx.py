"""The class plan as a Word file people edit in Word or WPS (python-docx, built-in styles)."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from pipeline import defs
from pipeline.atomic import atomic_write
from pipeline.plan.plan_doc import ClassPlanDoc, Table

__all__ = ["write_plan_docx"]


def write_plan_docx(doc: ClassPlanDoc, out: Path) -> Path:
    """Write ``doc`` to ``out`` (atomically)."""
    document = Document()
    _east_asian_font(document)
    title = document.add_heading(doc.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = document.add_paragraph(doc.subtitle)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for section in doc.sections:
        document.add_heading(section.heading, level=1)
        for text in section.paragraphs:
            paragraph = document.add_paragraph(text)
            paragraph.paragraph_format.first_line_indent = Pt(defs.PLAN_DOC_TEXT_PT * 2)
        for table in section.tables:
            _table(document, table)
    return atomic_write(out, lambda tmp: document.save(str(tmp)))


def _table(document: DocxDocument, table: Table) -> None:
    grid = document.add_table(rows=1, cols=len(table.headers))
    grid.style = "Table Grid"
    total = sum(table.widths)
    for cell, text, width in zip(grid.rows[0].cells, table.headers, table.widths):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
        cell.width = Cm(defs.PLAN_DOC_TEXT_WIDTH_CM * width / total)
    for values in table.rows:
        for cell, text, width in zip(grid.add_row().cells, values, table.widths):
            cell.text = text
            cell.width = Cm(defs.PLAN_DOC_TEXT_WIDTH_CM * width / total)
    document.add_paragraph()


def _east_asian_font(document: DocxDocument) -> None:
    """Body text in 宋体 at the plan's size: Word and WPS pick the East Asian font from
    w:eastAsia, which python-docx's font.name does not set."""
    style = document.styles["Normal"]
    style.font.size = Pt(defs.PLAN_DOC_TEXT_PT)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), defs.PLAN_DOC_FONT)
