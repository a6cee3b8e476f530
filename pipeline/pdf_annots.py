"""A PDF app's annotations on a page, as every reader of PDFs sorts them.

Some write on the page: pen strokes, a typed text box, a stamp, a shape (what "fill & sign"
adds) — they are part of what the page shows. Others comment on it: a sticky note, a stretch of
text marked or struck out, an insertion mark, an attached file — their words (a head teacher's
"日期写错了") show on no page image and must be put before a person. Links and form widgets are
neither."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

__all__ = ["COMMENTS", "WRITING", "PageComment", "comment_text", "comments_on", "writes_on"]

WRITING = ("FreeText", "Ink", "Stamp", "Square", "Circle", "Line", "PolyLine", "Polygon")
COMMENTS = ("Text", "Caret", "Highlight", "Underline", "Squiggly", "StrikeOut", "FileAttachment")
_WRITING = {getattr(pdfium_c, f"FPDF_ANNOT_{name.upper()}") for name in WRITING}
_COMMENTS = {getattr(pdfium_c, f"FPDF_ANNOT_{name.upper()}"): name for name in COMMENTS}


def writes_on(page: pdfium.PdfPage) -> bool:
    """Whether a PDF app wrote on ``page``: a text box, pen strokes, a stamp or a shape."""
    return any(annotation.subtype in _WRITING for annotation in _annotations(page))


@dataclass(frozen=True)
class PageComment:
    """What a comment on a page says, and where its mark's centre lies: as shares of the page's
    width and height from its top-left corner as shown (turned by its /Rotate)."""

    text: str
    at: tuple[float, float] | None = None


def comments_on(page: pdfium.PdfPage) -> list[PageComment]:
    """What each comment on ``page`` says (see :func:`comment_text`), and where; comments that
    say nothing are left out (a bare highlight)."""
    said = []
    for annotation in _annotations(page):
        if annotation.subtype in _COMMENTS and (text := comment_text(_COMMENTS[annotation.subtype], annotation.words)):
            said.append(PageComment(text, _share_of(page, annotation.rect) if annotation.rect else None))
    return said


def _share_of(page: pdfium.PdfPage, rect: tuple[float, float, float, float]) -> tuple[float, float] | None:
    """The centre of ``rect`` (left, bottom, right, top in PDF points) as shares of the page as
    shown, from its top-left corner (/Rotate turns the page clockwise); None on a page of no size."""
    left, bottom, right, top = page.get_cropbox()
    if right <= left or top <= bottom:
        return None
    x = ((rect[0] + rect[2]) / 2 - left) / (right - left)
    y = (top - (rect[1] + rect[3]) / 2) / (top - bottom)
    turned = {0: (x, y), 90: (1 - y, x), 180: (1 - x, 1 - y), 270: (y, 1 - x)}
    return turned.get(page.get_rotation())


def comment_text(kind: str, words: str, *, struck: str = "", attached: str = "") -> str:
    """What an annotation of ``kind`` (a PDF subtype name) says, in Chinese for a doubt: its
    ``words``, after what it does when that is more than a remark — the text it strikes out
    (``struck``, when known), the file it holds (``attached``); "" when it says nothing."""
    said = [f"“{words}”"] if words else []
    if kind == "StrikeOut":
        said.insert(0, f"划去了“{struck}”" if struck else "划去了一段文字")
    elif kind == "FileAttachment":
        said.insert(0, f"附有文件“{attached}”" if attached else "附有文件")
    return "，".join(said)


@dataclass(frozen=True)
class _Annotation:
    subtype: int
    words: str  # of its Contents
    rect: tuple[float, float, float, float] | None  # left, bottom, right, top in PDF points (None: it has no /Rect)


def _annotations(page: pdfium.PdfPage) -> list[_Annotation]:
    """Each annotation on ``page``."""
    found = []
    for index in range(pdfium_c.FPDFPage_GetAnnotCount(page.raw)):
        annot = pdfium_c.FPDFPage_GetAnnot(page.raw, index)
        try:
            rect = pdfium_c.FS_RECTF()
            # pdfium gives a zero rectangle for a comment written without one
            placed = pdfium_c.FPDFAnnot_HasKey(annot, b"Rect") and pdfium_c.FPDFAnnot_GetRect(annot, rect)
            box = (min(rect.left, rect.right), min(rect.bottom, rect.top), max(rect.left, rect.right), max(rect.bottom, rect.top))
            found.append(_Annotation(pdfium_c.FPDFAnnot_GetSubtype(annot), _contents(annot), box if placed else None))
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annot)
    return found


def _contents(annot: pdfium_c.FPDF_ANNOTATION) -> str:
    """An annotation's /Contents with its whitespace collapsed ("" when it has none)."""
    size = pdfium_c.FPDFAnnot_GetStringValue(annot, b"Contents", None, 0)
    if size <= 2:  # the terminating NUL alone
        return ""
    buffer = ctypes.create_string_buffer(size)
    pdfium_c.FPDFAnnot_GetStringValue(annot, b"Contents", ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR)), size)
    return " ".join(buffer.raw[: size - 2].decode("utf-16-le", "replace").split())
