"""How much of the printed form a registered page still shows: the scan's own quality check.

The field frames and comb cells are printed with thin lines (``defs.FRAME_LINE``), the finest
strokes on the page besides handwriting. A scan that loses them in places — a 1-bit copier scan
with a low threshold, a strongly blurred one — loses thin pen strokes too, and then a 4 whose
cross-stroke is gone reads as a confident 1. The share of those lines still found where the
layout prints them says whether handwriting on the page can be read unchecked at all.
"""

from __future__ import annotations

import numpy as np

from pipeline import defs
from pipeline.model.form import Box, PageDef

PX = defs.REGISTERED_PX_PER_MM


def print_survival(registered: np.ndarray, page: PageDef) -> float:
    """Share of the columns of every printed horizontal frame line (field boxes, comb cells)
    in which the line is found on the registered page; 1.0 for a page without frames."""
    found = [_line_found(registered, y, box) for box in _framed_boxes(page) for y in (box.y, box.bottom)]
    found = [f for f in found if f is not None]
    return float(np.mean(found)) if found else 1.0


def _framed_boxes(page: PageDef) -> list[Box]:
    return [b for f in page.fields for b in (f.box, *f.cells)]


def _line_found(registered: np.ndarray, y_mm: float, box: Box) -> float | None:
    reach, inset = round(defs.PRINT_LINE_SEARCH * PX), round(defs.PRINT_LINE_INSET * PX)
    y, x0, x1 = round(y_mm * PX), round(box.x * PX) + inset, round(box.right * PX) - inset
    band = registered[max(0, y - reach) : y + reach + 1, max(0, x0) : x1]
    if band.shape[0] < 2 or band.shape[1] < 2:
        return None
    paper = max(float(np.percentile(band, defs.INK_PAPER_PERCENTILE)), defs.INK_MIN_PAPER)
    return float((band.min(axis=0) < paper * defs.PRINT_LINE_LEVEL).mean())
