"""A PDF page's own space: where its text, drawings and annotations are placed.

Our layouts measure from the top-left corner of the page, unturned and uncropped. /Rotate (a PDF
app's 旋转页面, saved) only turns the page as shown, and a crop box (裁剪页面) only hides part of
it, so the readers read every page in its own space, as pdfplumber measures it (x as placed, y
down from the media box's height): pdfium places characters and objects in user space but gives
the page's size turned and cropped, and pdfplumber turns what it gives, so it is given the file
with the turn taken off."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import pdfplumber
import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from pipeline import defs

__all__ = ["is_turned", "media_height", "open_unturned", "unturned_size", "upright"]


def unturned_size(page: pdfium.PdfPage) -> tuple[float, float]:
    """The page's width and height in points in its own space, where its objects are drawn
    (pdfium gives the size as shown, turned by /Rotate)."""
    width, height = page.get_size()
    return (height, width) if page.get_rotation() in (90, 270) else (width, height)


def media_height(page: pdfium.PdfPage) -> float:
    """The height in points, in pdfium's user space (y up), from which pdfplumber measures a
    character's top: the media box's, unturned, whatever the crop box shows."""
    _, bottom, _, top = page.get_mediabox()
    return top - bottom


def is_turned(doc: pdfium.PdfDocument, indices: range) -> bool:
    """Whether a page of ``doc`` among ``indices`` is turned for display."""
    return any(doc[i].get_rotation() for i in indices)


def upright(page: pdfium.PdfPage) -> bool:
    """Whether most of the page's characters stand upright in its own space (a document turned
    only by /Rotate), not drawn on their side (a landscape page printed onto portrait paper)."""
    textpage = page.get_textpage()
    angles = [pdfium_c.FPDFText_GetCharAngle(textpage.raw, i) for i in range(textpage.count_chars())]
    level = [a for a in angles if min(a, 2 * math.pi - a) < defs.PDF_UPRIGHT_ANGLE]
    return bool(angles) and len(level) >= defs.PDF_UPRIGHT_SHARE * len(angles)


def open_unturned(path: Path, turned: bool) -> Any:
    """``path`` opened by pdfplumber in its pages' own space: the file as it is when no page is
    ``turned``, else a copy with every page's turn taken off (the file itself is not changed)."""
    if not turned:
        return pdfplumber.open(path)
    copy = io.BytesIO()
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            page.obj.Rotate = 0  # on the page itself: a turn may also be inherited from the page tree
        pdf.save(copy)
    copy.seek(0)
    return pdfplumber.open(copy)
