"""Flowing archive pages (reportlab platypus) in the CJK font chain: paragraphs, tables, marks.

Dossiers and packets are written as parts (a few dozen records each) so no part holds more
than a bounded number of page images; :class:`PageMark` notes where each record starts so
the joined PDF gets its bookmarks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from pipeline import defs
from pipeline.render.flow import markup
from pipeline.render.fonts import FontSet, default_fonts
from pipeline.render.pen import Pen

PAGE_W, PAGE_H = 210.0, 297.0  # mm, A4
FRAME_W = PAGE_W - 2 * defs.ARCHIVE_MARGIN  # mm, width of the text frame
FRAME_H = PAGE_H - 2 * defs.ARCHIVE_MARGIN  # mm
FOOTER_SIZE = 7.5  # points
GRID_GREY = colors.Color(0.55, 0.55, 0.55)
HEAD_GREY = colors.Color(0.9, 0.9, 0.9)
CELL_PAD = 4.0  # points, left and right padding inside a table cell


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle


@cache
def styles() -> Styles:
    font = default_fonts().primary
    size = defs.ARCHIVE_FONT_SIZE

    def style(name: str, points: float, **kw: object) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=points, leading=points * 1.35, wordWrap="CJK", **kw)

    return Styles(
        title=style("title", defs.ARCHIVE_TITLE_SIZE, spaceAfter=size * 0.8, alignment=1),
        heading=style("heading", size + 2, spaceBefore=size, spaceAfter=size * 0.4),
        body=style("body", size, spaceAfter=size * 0.3),
        small=style("small", size - 1.5, textColor=colors.Color(0.3, 0.3, 0.3), spaceAfter=size * 0.3),
        cell=style("cell", size),
    )


def para(text: str, style: ParagraphStyle, fonts: FontSet | None = None) -> Paragraph:
    """A paragraph of ``text`` (line breaks kept), each character in a font that has it."""
    chain = fonts or default_fonts()
    return Paragraph("<br/>".join(markup(line, chain) for line in text.split("\n")), style)


def grid(
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    head: bool = True,
    shaded: Iterable[int] = (),
) -> Table:
    """A ruled table of text cells; ``widths`` in mm; ``shaded`` row indexes get a grey ground."""
    table = Table(
        [[_cell(str(c), w * mm - 2 * CELL_PAD) for c, w in zip(row, widths, strict=True)] for row in rows],
        colWidths=[w * mm for w in widths],
        repeatRows=1 if head else 0,
    )
    cell = styles().cell
    commands: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID_GREY),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONT", (0, 0), (-1, -1), cell.fontName, cell.fontSize, cell.leading),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if head:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), HEAD_GREY))
    shade = colors.Color(*(defs.ARCHIVE_REVIEW_SHADE,) * 3)
    commands += [("BACKGROUND", (0, i), (-1, i), shade) for i in shaded]
    table.setStyle(TableStyle(commands))
    return table


def _cell(text: str, room: float) -> str | Paragraph:
    """Plain text when one line in the primary font holds it (quick to lay out), else a
    paragraph that wraps and switches fonts for rare characters."""
    cell = styles().cell
    if _primary_only(text) and pdfmetrics.stringWidth(text, cell.fontName, cell.fontSize) <= room:
        return text
    return para(text, cell)


@lru_cache(maxsize=8192)
def _primary_only(text: str) -> bool:
    if "\n" in text:
        return False
    runs = default_fonts().runs(text)
    return len(runs) <= 1 and all(name == default_fonts().primary for name, _ in runs)


class PageMark(Flowable):
    """Takes no room; remembers the page (1-based, within its part) it was drawn on."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.page = 0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return 0.0, 0.0

    def draw(self) -> None:
        self.page = self.canv.getPageNumber()


@dataclass
class Part:
    """One written PDF part: its page count and where its marks landed (0-based pages)."""

    path: Path
    pages: int
    marks: dict[str, int] = field(default_factory=dict)


def write_part(story: list[Flowable], path: Path, *, footer: str, title: str) -> Part:
    """Lay ``story`` out on A4 pages with ``footer`` at the bottom of each; returns the part."""
    marks = [f for f in story if isinstance(f, PageMark)]
    fonts = default_fonts()

    def draw_footer(canvas: Canvas, _doc: object) -> None:
        Pen(canvas, fonts, PAGE_H).text(footer, PAGE_W / 2, PAGE_H - 8, FOOTER_SIZE, align="center", grey=0.4)

    margin = defs.ARCHIVE_MARGIN * mm
    doc = SimpleDocTemplate(
        str(path), pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin,
        bottomMargin=margin, title=title, author="jiafang",
    )
    with _plain_images():
        doc.build(story, onFirstPage=draw_footer, onLaterPages=draw_footer)
    return Part(path, doc.page, {m.key: m.page - 1 for m in marks})


@contextmanager
def _plain_images() -> Iterator[None]:
    """Embed JPEGs as they are: reportlab's default ASCII85 wrapping makes them a quarter larger."""
    before = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = before
