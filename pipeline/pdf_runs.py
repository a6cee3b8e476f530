"""Reading a long PDF in runs of pages, with the document reopened for each run.

PDFium keeps every object it has parsed, each page's image stream included, until the document
is closed, so a copier's 500-page stack read in one go would end up wholly in memory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium

from pipeline import defs


def page_runs(path: Path, count: int, *, start: int = 0) -> Iterator[tuple[pdfium.PdfDocument, range]]:
    """(document, page indices) for pages ``start``..``count - 1``, at most
    ``PDF_REOPEN_PAGES`` at a time; each document is closed once its run has been used.
    Raises ``pdfium.PdfiumError`` when the file can no longer be opened."""
    for first in range(start, count, defs.PDF_REOPEN_PAGES):
        doc = pdfium.PdfDocument(path)
        try:
            yield doc, range(first, min(first + defs.PDF_REOPEN_PAGES, count))
        finally:
            doc.close()
