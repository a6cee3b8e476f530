"""A PDF page's text and marks in layout units (mm, origin top-left), as lines a person reads.

pdfplumber gives characters and vector objects in points; everything here is converted to
millimetres once, so readers compare them with the form definition's boxes directly.
Lines are joined the way they were typed: a line that ends because the next word would
not have fitted is a soft wrap (joined), any other line end is a real line break.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pypdfium2.raw as pdfium_c
from pdfminer.pdftypes import resolve1
from pdfminer.utils import decode_text

from pipeline import defs
from pipeline.model.form import Box
from pipeline.pdf_annots import COMMENTS, WRITING, comment_text
from pipeline.pdf_space import media_height

MM_PER_PT = 25.4 / 72


@dataclass(frozen=True)
class Glyph:
    text: str
    x0: float  # mm
    x1: float
    top: float
    bottom: float
    size: float  # mm, the font size
    grey: bool  # drawn in a mid grey (Word's placeholder text)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    def centre_in(self, box: Box) -> bool:
        return box.contains(self.cx, self.cy)


@dataclass(frozen=True)
class Mark:
    """A vector object (rectangle, line, curve) by its bounding box in mm."""

    kind: str  # rect / line / curve
    box: Box


@dataclass(frozen=True)
class Note:
    """Something a page shows for a person to read beside its text: a comment's words, or the
    text a comment strikes out (Chinese, ready for a doubt)."""

    box: Box
    text: str


@dataclass(frozen=True)
class Line:
    glyphs: tuple[Glyph, ...]

    @property
    def text(self) -> str:
        return _spaced(self.glyphs).strip()

    @property
    def x1(self) -> float:
        return max(g.x1 for g in self.glyphs if not g.text.isspace())


def page_glyphs(page: Any) -> list[Glyph]:
    """Every character of a pdfplumber page, in mm."""
    return [
        Glyph(
            text=c["text"],
            x0=c["x0"] * MM_PER_PT,
            x1=c["x1"] * MM_PER_PT,
            top=c["top"] * MM_PER_PT,
            bottom=c["bottom"] * MM_PER_PT,
            size=c["size"] * MM_PER_PT,
            grey=_is_grey(c.get("non_stroking_color")),
        )
        for c in page.chars
    ]


def pdfium_glyphs(page: Any) -> list[Glyph]:
    """Every character of a pypdfium2 page, in mm (fast; no colour). Boxes span the font's
    ascent to descent, as pdfplumber's do, so a flat glyph (一, 、) still sits on its line."""
    textpage = page.get_textpage()
    height = media_height(page)  # pdfium's own size of the page is turned and cropped
    glyphs = []
    for i in range(textpage.count_chars()):
        if pdfium_c.FPDFText_IsGenerated(textpage.raw, i):
            continue
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        size = pdfium_c.FPDFText_GetFontSize(textpage.raw, i)
        text = chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i))
        glyphs.append(Glyph(text, left * MM_PER_PT, right * MM_PER_PT, (height - top) * MM_PER_PT, (height - bottom) * MM_PER_PT, size * MM_PER_PT, False))
    return glyphs


def page_marks(page: Any) -> list[Mark]:
    """Rectangles, lines and curves of a pdfplumber page, in mm."""
    return [Mark(kind, _mm_box(o)) for kind, objects in (("rect", page.rects), ("line", page.lines), ("curve", page.curves)) for o in objects]


def page_pictures(page: Any) -> list[Box]:
    """Where a pdfplumber page shows pictures, in mm."""
    return [_mm_box(o) for o in page.images]


def page_ink(page: Any) -> list[Box]:
    """Where something was written or drawn on a pdfplumber page besides its text, in mm: pen
    strokes (paths that are neither straight lines nor rectangles) and a PDF app's writing
    annotations."""
    notes = [a for a in _annotations(page) if _literal(a["data"].get("Subtype")) in WRITING]
    return [_mm_box(o) for o in (*page.curves, *notes)]


def page_notes(page: Any, glyphs: Sequence[Glyph]) -> list[Note]:
    """The comments of a pdfplumber page that say anything, and the words of its writing
    annotations (a text box typed with 添加文字): their words, the file attached, the text (of
    ``glyphs``) a strike-out comment covers."""
    notes = []
    for a in _annotations(page):
        kind = _literal(a["data"].get("Subtype"))
        if kind not in COMMENTS + WRITING:
            continue
        words = " ".join(str(a.get("contents") or "").split())
        box = _mm_box(a)
        struck = squash("".join(g.text for g in inside(box, glyphs))) if kind == "StrikeOut" else ""
        attached = _attached_name(a["data"]) if kind == "FileAttachment" else ""
        if text := comment_text(kind, words, struck=struck, attached=attached):
            notes.append(Note(box, text))
    return notes


def _annotations(page: Any) -> list[dict[str, Any]]:
    """pdfplumber's annotations of a page, without those it cannot place: one with no /Rect (some
    PDF apps write such) made pdfplumber fail on the page, and the whole file was refused as damaged."""
    raw = resolve1(page.page_obj.annots) or []
    placed = [a for a in raw if _placed(resolve1(a))]
    if len(placed) != len(raw):
        page.page_obj.annots = placed
    annots: list[dict[str, Any]] = page.annots
    return annots


def _placed(annot: Any) -> bool:
    """Whether an annotation (its dictionary, resolved one level) has a rectangle of four numbers."""
    rect = resolve1(annot.get("Rect")) if isinstance(annot, dict) else None
    return isinstance(rect, (list, tuple)) and len(rect) == 4 and all(isinstance(resolve1(v), (int, float)) for v in rect)


def _attached_name(data: Mapping[str, Any]) -> str:
    """The name of the file a FileAttachment comment holds ("" when it gives none)."""
    spec = resolve1(data.get("FS"))
    name = resolve1(spec.get("UF") or spec.get("F")) if isinstance(spec, Mapping) else spec
    return decode_text(name) if isinstance(name, bytes) else ""


def struck_through(glyphs: Sequence[Glyph], marks: Sequence[Mark]) -> list[Glyph]:
    """The glyphs a thin horizontal rule crosses in their middle: text struck through (删除线),
    as Word (a filled rectangle) and LibreOffice (a line) export it."""
    rules = sorted(
        ((m.box.y + m.box.h / 2, m.box) for m in marks if m.kind in ("line", "rect") and m.box.h <= defs.PDF_STRIKE_THICKNESS and m.box.w > 0),
        key=lambda rule: rule[0],
    )
    heights = [y for y, _ in rules]
    low, high = defs.PDF_STRIKE_BAND
    struck = []
    for g in glyphs:
        band = (g.top + low * (g.bottom - g.top), g.top + high * (g.bottom - g.top))
        near = rules[bisect_left(heights, band[0]) : bisect_right(heights, band[1])]  # a page's table rules are many
        if not g.text.isspace() and any(r.x <= g.cx <= r.right for _, r in near):
            struck.append(g)
    return struck


def _literal(value: Any) -> str:
    name = getattr(value, "name", "")
    return name.decode("latin-1") if isinstance(name, bytes) else str(name)


def _mm_box(o: Mapping[str, Any]) -> Box:
    return Box(o["x0"] * MM_PER_PT, o["top"] * MM_PER_PT, (o["x1"] - o["x0"]) * MM_PER_PT, (o["bottom"] - o["top"]) * MM_PER_PT)


def _is_grey(colour: Any) -> bool:
    values = colour if isinstance(colour, (tuple, list)) else (colour,)
    if not values or not all(isinstance(v, (int, float)) for v in values):
        return False
    if len(values) == 4:  # CMYK: grey is K alone
        return not any(values[:3]) and defs.PDF_GREY_RANGE[0] <= 1 - values[3] <= defs.PDF_GREY_RANGE[1]
    low, high = defs.PDF_GREY_RANGE
    return max(values) - min(values) < 0.02 and low <= values[0] <= high


def text_lines(glyphs: Iterable[Glyph]) -> list[Line]:
    """Glyphs grouped into lines, top to bottom; a glyph whose middle lies within a line's
    height belongs to it (so a tick symbol of another font stays on its option's line)."""
    lines: list[list[Glyph]] = []
    for g in sorted(glyphs, key=lambda g: (g.cy, g.x0)):
        if lines and lines[-1][0].top <= g.cy <= lines[-1][0].bottom:
            lines[-1].append(g)
        else:
            lines.append([g])
    return [Line(tuple(sorted(line, key=lambda g: g.x0))) for line in lines if not all(g.text.isspace() for g in line)]


def _spaced(glyphs: Sequence[Glyph]) -> str:
    """Glyph texts in order, with a space where the gap between two glyphs is a word gap."""
    out: list[str] = []
    for prev, g in zip((None, *glyphs), glyphs):
        gap = g.x0 - prev.x1 if prev is not None else 0.0
        if prev is not None and gap > defs.PDF_SPACE_GAP * g.size and not (g.text.isspace() or prev.text.isspace()):
            out.append(" ")
        out.append(g.text)
    return re.sub(" {2,}", " ", "".join(out))


def join_lines(lines: Sequence[Line], right: float) -> str:
    """The text of ``lines`` with soft wraps joined; ``right`` is the writing area's right edge (mm)."""
    out = ""
    for prev, line in zip((None, *lines), lines):
        text = line.text
        if prev is not None:
            out += _joiner(prev, line, right)
        out += text
    return out


def _joiner(prev: Line, line: Line, right: float) -> str:
    first = _first_word(line)
    room = right - prev.x1
    if first > room:
        return " " if not (is_cjk(prev.text[-1]) or is_cjk(line.text[0])) else ""
    return "\n"


def _first_word(line: Line) -> float:
    """Width (mm) of the line's first word: its first glyph if CJK, else up to a space."""
    glyphs = [g for g in line.glyphs if not g.text.isspace()] or list(line.glyphs)
    start = glyphs[0]
    if is_cjk(start.text):
        return start.x1 - start.x0
    end = start
    for g in glyphs[1:]:
        if g.x0 - end.x1 > defs.PDF_SPACE_GAP * g.size or is_cjk(g.text):
            break
        end = g
    return end.x1 - start.x0 + defs.PDF_SPACE_GAP * start.size


def is_cjk(char: str) -> bool:
    """CJK ideographs, punctuation and full-width forms: lines of these wrap without spaces."""
    return bool(char) and ord(char[0]) >= 0x2E80


def squash(text: str) -> str:
    """Text without any whitespace (ideographic spaces and line breaks included)."""
    return "".join(text.split())


def inside(box: Box, glyphs: Iterable[Glyph], *, spaces: bool = False) -> list[Glyph]:
    """Glyphs whose middle lies in ``box`` (spaces only when asked: they separate words)."""
    return [g for g in glyphs if g.centre_in(box) and (spaces or not g.text.isspace())]


def inset(box: Box, by: float) -> Box:
    return Box(box.x + by, box.y + by, max(box.w - 2 * by, 0.0), max(box.h - 2 * by, 0.0))


def overlaps(a: Box, b: Box) -> bool:
    return a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom
