"""Is every box where the layout says? The printed outline of each option box and comb cell,
looked for on the registered page near its place.

Registration and a photo's refinement are checked on the page's markers and on windows of its
printed frames; a sheet bent or creased between them, or a frame window matched one box over,
can still leave a small region of the page sheared, with every box there a few millimetres from
its place while the page's residual reads a tenth of a millimetre. The readers look for a box
only near its place (OMR within ``OMR_SEARCH``), so a box outside that reach is read from
whatever lies there: the edge of its outline, the first stroke of its label. Each unit whose
outline is not found whole within that reach — every one of its four sides inked along
``PLACEMENT_SIDE_MIN`` of its length — puts its field in doubt, for a person to read.

On a flat scan (registered on its markers alone, nothing warped locally) a unit's outline can
also be missing where it is: a 1-bit copy at a light threshold wipes the thin outlines of comb
cells while the table's lines stand. There the field's own frame — the table cell around its
label and value, ruled in the table's heavier lines — says where the inside is: a fold or a
shear that moved the inside moves that frame too. A photo's frames are what its local warp
was fitted to, so there a unit must be found itself.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline import defs
from pipeline.model.form import Box, FieldDef, PageDef
from pipeline.recognize.ink import binarize
from pipeline.scan.geometry import crop_mm, mm_to_px

DOUBT_MISPLACED = "此栏的框线与版面对不上（纸张弯折或照片变形），请对照原图核对"


def misplaced_fields(registered: np.ndarray, form_page: PageDef, *, flat: bool = False) -> frozenset[str]:
    """Ids of the fillable fields with an option box or comb cell not found in place; on a
    ``flat`` scan, not those whose own frame is found in place."""
    return frozenset(
        f.id for f in form_page.fields
        if f.fillable and not all(_in_place(registered, u) for u in _units(f)) and not (flat and _in_place(registered, f.box))
    )


def _units(field: FieldDef) -> tuple[Box, ...]:
    return tuple(o.box for o in field.options) + tuple(field.cells)


def _in_place(registered: np.ndarray, box: Box) -> bool:
    return outline_shown(registered, box) >= defs.PLACEMENT_SIDE_MIN


def outline_shown(registered: np.ndarray, box: Box) -> float:
    """How whole the printed outline of ``box`` is where it fits best within OMR_SEARCH of its
    place: the least share, over its four sides, of the side's length inked within
    PLACEMENT_LINE_TOL of the side (corners left out, where neighbouring lines meet)."""
    reach, tol = mm_to_px(defs.OMR_SEARCH), mm_to_px(defs.PLACEMENT_LINE_TOL)
    dark = binarize(crop_mm(registered, box, pad_mm=defs.OMR_SEARCH + defs.PLACEMENT_LINE_TOL), defs.PRINT_LINE_LEVEL).astype(np.uint8)
    width, height = mm_to_px(box.right) - mm_to_px(box.x), mm_to_px(box.bottom) - mm_to_px(box.y)
    template = np.zeros((height + 2 * tol, width + 2 * tol), np.float32)
    cv2.rectangle(template, (tol, tol), (tol + width - 1, tol + height - 1), 1.0, 2)
    if dark.shape[0] < template.shape[0] or dark.shape[1] < template.shape[1]:
        return 0.0  # the box runs off the page
    scores = cv2.matchTemplate(dark.astype(np.float32), template, cv2.TM_CCORR)
    _, _, _, (x, y) = cv2.minMaxLoc(scores[: 2 * reach + 1, : 2 * reach + 1])
    return min(_side_shares(dark[y : y + template.shape[0], x : x + template.shape[1]], tol))


def _side_shares(window: np.ndarray, tol: int) -> list[float]:
    """Top, bottom, left and right: the inked share of each side's length in a window holding
    the outline ``tol`` px in from its edges."""
    rows, cols = window.shape
    corner = 2 * tol + 1
    across = slice(0, 2 * tol + 2), slice(rows - 2 * tol - 2, rows), slice(0, 2 * tol + 2), slice(cols - 2 * tol - 2, cols)
    top, bottom = (window[band, corner : cols - corner].any(axis=0) for band in across[:2])
    left, right = (window[corner : rows - corner, band].any(axis=1) for band in across[2:])
    return [float(side.mean()) if side.size else 0.0 for side in (top, bottom, left, right)]
