"""A PDF app's annotations on a page, as every reader of PDFs sorts them.

Some write on the page: pen strokes, a typed text box, a stamp, a shape (what "fill & sign"
adds) — they are part of what the page shows. Others comment on it: a sticky note, a stretch of
text marked or struck out, an insertion mark, an attached file — their words (a head teacher's
"日期写错了") show on no page image and must be put before a person. Links and form widgets are
neither."""

from __future__ import annotations

import ctypes

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

__all__ = ["COMMENTS", "WRITING", "comment_text", "comments_on", "writes_on"]

WRITING = ("FreeText", "Ink", "Stamp", "Square", "Circle", "Line", "PolyLine", "Polygon")
COMMENTS = ("Text", "Caret", "Highlight", "Underline", "Squiggly", "StrikeOut", "FileAttachment")
_WRITING = {getattr(pdfium_c, f"FPDF_ANNOT_{name.upper()}") for name in WRITING}
_COMMENTS = {getattr(pdfium_c, f"FPDF_ANNOT_{name.upper()}"): name for name in COMMENTS}


def writes_on(page: pdfium.PdfPage) -> bool:
    """Whether a PDF app wrote on ``page``: a text box, pen strokes, a stamp or a shape."""
    return any(subtype in _WRITING for subtype, _ in _annotations(page))


def comments_on(page: pdfium.PdfPage) -> list[str]:
    """What each comment on ``page`` says (see :func:`comment_text`); comments that say nothing
    are left out (a bare highlight)."""
    said = [comment_text(_COMMENTS[subtype], words) for subtype, words in _annotations(page) if subtype in _COMMENTS]
    return [text for text in said if text]


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


def _annotations(page: pdfium.PdfPage) -> list[tuple[int, str]]:
    """(subtype, words of its Contents) of each annotation on ``page``."""
    found = []
    for index in range(pdfium_c.FPDFPage_GetAnnotCount(page.raw)):
        annot = pdfium_c.FPDFPage_GetAnnot(page.raw, index)
        try:
            found.append((pdfium_c.FPDFAnnot_GetSubtype(annot), _contents(annot)))
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
