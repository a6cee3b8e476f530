"""How much of the printed form a registered page still shows: the scan's own quality check.

The field frames and comb cells are printed with thin lines (``defs.FRAME_LINE``), the finest
strokes on the page besides handwriting. A scan that loses them in places — a 1-bit copier scan
with a low threshold, a strongly blurred one — loses thin pen strokes too, and then a 4 whose
cross-stroke is gone reads as a confident 1. The share of those lines still found where the
layout prints them says whether handwriting on the page can be read unchecked at all.

The page's handwriting is judged too (:func:`page_ink`): how dark its blank checkboxes get
(the baseline every faint measure on the page is taken against), and whether most of its
writing is faint or broken (pencil, a light pen, a 1-bit copy of them), so that the page is
reviewed and rescanned in grey; and whether the scan was thresholded to black and white
(:func:`thresholded`), which loses punctuation in handwritten paragraphs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline import defs
from pipeline.model.form import CHOICE_KINDS, COMB_KINDS, Box, FieldDef, PageDef
from pipeline.recognize.ink import ink_map, writing
from pipeline.recognize.omr import read_checkbox
from pipeline.scan.geometry import crop_mm

PX = defs.REGISTERED_PX_PER_MM


def print_survival(registered: np.ndarray, page: PageDef) -> float:
    """Share of the columns of every printed horizontal frame line (field boxes, comb cells)
    in which the line is found on the registered page; 1.0 for a page without frames."""
    lines = [_line_found(registered, y, box) for box in _framed_boxes(page) for y in (box.y, box.bottom)]
    found = [f for f in lines if f is not None]
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


@dataclass(frozen=True)
class PageInk:
    """The handwriting of one registered page as a whole."""

    faint_level: float  # share of the paper level below which a pixel may be faint writing here
    written: int  # comb cells, checkboxes and text boxes holding writing
    faint: int  # of them, those whose writing is faint or broken

    @property
    def is_faint(self) -> bool:
        """Most writing faint or broken; or none to be seen in any comb, checkbox or short
        text of a page that is not blank (a 1-bit copy can wipe pencil out entirely, so
        what such a page shows empty may not be)."""
        return self.faint >= defs.FAINT_PAGE_SHARE * self.written

    @property
    def written_faintly(self) -> float | None:
        """The faint level where the page's boxes hold writing and most of it is faint or
        broken (the teacher's pen is faint, wherever else on the page they wrote), else None."""
        return self.faint_level if self.faint and self.is_faint else None


def thresholded(image: np.ndarray) -> bool:
    """Black and white, or nearly: a 1-bit scan, also once saved as JPEG (a phone scanner
    app's black-and-white mode), where a grey scan gives every stroke soft grey edges."""
    dark = image <= defs.INK_MID_GREY[1]
    mid = dark & (image >= defs.INK_MID_GREY[0])
    return int(mid.sum()) < defs.THRESHOLDED_MID_SHARE * max(int(dark.sum()), 1)


def page_ink(registered: np.ndarray, page: PageDef) -> PageInk:
    """Faint level and faint writing of the boxes a teacher fills on ``page``."""
    # narrative boxes are left out: a 1-bit copy breaks their guide lines into dots that,
    # joined, would look like faint writing
    fields = [f for f in page.fields if f.fillable and f.kind != "multiline"]
    level = faint_level(registered, fields)
    marks = [mark for f in fields for mark in _marks(registered, f, level)]
    return PageInk(level, sum(1 for m in marks if m is not None), sum(1 for m in marks if m))


def faint_level(registered: np.ndarray, fields: list[FieldDef]) -> float:
    """The level (share of the paper) below which ink counts as faint writing on this page:
    ``FAINT_INK_LEVEL``, or darker where the page's own blank checkboxes (no ordinary ink;
    most boxes of a form stay unticked) are darker — a grey copy's speckle, show-through, a
    tinted sheet — so that none of that is taken for writing. The median over the blank
    boxes, so one box that registration cut into its printed outline does not decide."""
    inners = [crop_mm(registered, o.box, pad_mm=-defs.OMR_INSET) for f in fields if f.kind in CHOICE_KINDS for o in f.options]
    blank = [_darkest(c) for c in inners if c.size and ink_map(c).pixels == 0]
    if not blank:
        return defs.FAINT_INK_LEVEL
    return float(np.clip(np.median(blank) - defs.FAINT_MARGIN, defs.INK_LEVEL, defs.FAINT_INK_LEVEL))


def _darkest(crop: np.ndarray) -> float:
    """The ``BLANK_DARK_PERCENTILE`` grey of a crop as a share of its paper level."""
    paper = float(np.percentile(crop, defs.INK_PAPER_PERCENTILE))
    paper = paper if paper >= defs.INK_MIN_PAPER else 255.0
    return float(np.percentile(crop, defs.BLANK_DARK_PERCENTILE)) / paper


def _marks(registered: np.ndarray, f: FieldDef, level: float) -> list[bool | None]:
    """Per cell or box of ``f``: None when blank, else whether its writing is faint."""
    if f.kind in CHOICE_KINDS:
        readings = [read_checkbox(crop_mm(registered, o.box, pad_mm=defs.OMR_PAD), faint_level=level) for o in f.options]
        # a faint or broken mark leaves little ordinary ink (less than a tick's), or leaves it in
        # pieces (a 1-bit copy of pencil; where it wiped the rest of the page, all that is left)
        return [None if r.state == "empty" else r.fill_ratio < defs.OMR_TICK_MIN or r.pieces > 1 for r in readings]
    if f.kind in COMB_KINDS:
        crops = [crop_mm(registered, c, pad_mm=-defs.CELL_INSET) for c in f.cells]
    else:
        crops = [crop_mm(registered, f.value_box, pad_mm=-defs.TEXT_INSET)]
    found = [writing(c, level) for c in crops]
    return [None if w.ink is None else w.faint for w in found]
