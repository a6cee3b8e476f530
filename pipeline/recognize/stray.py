"""Writing on a scanned page outside every box a teacher fills: a new address beside the printed
one, a student's name written over the printed name, a note in the margin, answers jotted beside
the outline's questions, the end of a word that runs out of its box. The readers read only the
boxes a teacher fills, so such writing would be lost, and a correction of a printed value
silently overruled by the roster.

The page as printed is known (:func:`pipeline.render.pdf.render_page_image`); the scan's ink that
no printed mark explains, within a tolerance for registration, and that lies outside the boxes a
teacher fills (whose writing is read there, and may run over their frames), is writing. Left out:
the title (a reprint's mark, a renamed school), what identifies the page (QR code, footer) and a
band along the paper's edge (scanner shadow, staples, punch holes). The outline's generated text
is judged only where the scan shows it as rendered now (the policy or the student's groups may
have changed since it was printed). Specks are dropped, and long thin runs are folds or creases.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

import cv2
import numpy as np

from pipeline import defs
from pipeline.model.form import Box, PageDef
from pipeline.recognize.ink import binarize, drop_specks, faint_map

__all__ = ["Stray", "stray_writing", "writing_on_blank"]

PX = defs.REGISTERED_PX_PER_MM


@dataclass(frozen=True)
class Stray:
    """One patch of writing outside the boxes a teacher fills, in mm on the form page, and the
    pre-printed field it lies on (None: a margin, a label, between fields)."""

    box: Box
    field_id: str | None


def stray_writing(
    registered: np.ndarray, printed: np.ndarray, page: PageDef, *, faint_level: float | None = None
) -> list[Stray]:
    """Patches of writing on ``registered`` (a scan in template space) that ``printed`` (the page
    as printed, same space, grey) does not explain, outside the boxes a teacher fills. On a page
    written faintly (pencil, a light pen, a 1-bit copy of them) the pre-printed fields are also
    searched down to its ``faint_level``, broken strokes joined: a correction there is written
    with the pen of the rest, and left unseen the printed value would stand. Not the rest of the
    page: at that level what the duplex back shows through the paper (its QR code, its frames)
    is ink."""
    ink = binarize(registered)
    if faint_level is not None:
        ink |= _faint_on_pre_printed(registered, page, faint_level)
    dark = _printed_dark(printed, registered.shape)
    unexplained = ink & ~_grown(dark, defs.STRAY_PRINT_TOLERANCE).astype(bool)
    unexplained &= ~_not_looked_at(page, ink.shape)
    for box in page.content_boxes:
        if not _printed_as_rendered(box, ink, dark):
            _set(unexplained, box, 0.0, value=False)
    return [Stray(box, _printed_field(page, box)) for box in _patches(unexplained)]


def writing_on_blank(page: np.ndarray, dpi: float) -> list[Box]:
    """Patches of writing on a scanned page where nothing is printed (the back of a sheet
    printed on one side), in mm: a note too short to make the page's ink count as a form's."""
    scale = PX / (dpi / 25.4)
    ink = binarize(cv2.resize(page, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
    ink &= ~_edge(ink.shape)
    return _patches(ink)


def _printed_dark(printed: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Where printed ink lies on a page of ``shape`` (uint8; a rendering may be a pixel larger
    or smaller than the page)."""
    dark = np.zeros(shape[:2], np.uint8)
    rows, cols = min(shape[0], printed.shape[0]), min(shape[1], printed.shape[1])
    dark[:rows, :cols] = printed[:rows, :cols] < defs.STRAY_PRINTED_LEVEL
    return dark


def _printed_as_rendered(box: Box, ink: np.ndarray, dark: np.ndarray) -> bool:
    """Whether the generated text of ``box`` (the outline's guidance, chosen from the policy and
    the student's groups at print time) is on the scan as rendered now: nearly all of the
    rendering's print has the scan's ink near it, and most of the scan's ink is near print.
    Otherwise the policy or the roster changed since printing, and the box is not judged."""
    top, left = round(box.y * PX), round(box.x * PX)
    rows, cols = slice(top, round(box.bottom * PX)), slice(left, round(box.right * PX))
    printed, scanned = dark[rows, cols], ink[rows, cols].astype(np.uint8)
    if not printed.any():
        return not scanned.any()
    found = (_grown(scanned, defs.STRAY_PRINT_TOLERANCE)[printed > 0] > 0).mean()
    explained = (_grown(printed, defs.STRAY_PRINT_TOLERANCE)[scanned > 0] > 0).mean() if scanned.any() else 1.0
    return bool(found >= defs.STRAY_CONTENT_FOUND and explained >= defs.STRAY_CONTENT_EXPLAINED)


def _grown(mask: np.ndarray, by_mm: float) -> np.ndarray:
    """``mask`` (uint8) grown by ``by_mm`` each way (a square: fast, and as good here)."""
    side = 2 * round(by_mm * PX) + 1
    return cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (side, side)))


def _not_looked_at(page: PageDef, shape: tuple[int, ...]) -> np.ndarray:
    """The boxes a teacher fills (grown: a tick or a word runs over the frame), the printed
    text that varies between printings, what identifies the page (its QR code and footer: a
    photo's bottom edge may lie further off than the tolerance), and the paper's edge."""
    mask = np.zeros(shape[:2], bool)
    pad = defs.STRAY_FIELD_PAD
    for f in page.fields:
        if f.fillable:
            _set(mask, f.box, pad)
    for box in (page.qr_box, page.footer_box):
        _set(mask, box, pad)
    _set(mask, Box(0, 0, shape[1] / PX, defs.STRAY_TITLE_BOTTOM), 0.0)
    return mask | _edge(shape)


def _faint_on_pre_printed(registered: np.ndarray, page: PageDef, level: float) -> np.ndarray:
    """Faint strokes (:func:`faint_map`: a fold's shadow is a long run, no stroke) in the boxes
    of the fields printed from the roster, but where the QR code on the sheet's back, seen
    mirrored through the paper, may lie (every page prints it in the same place)."""
    mask = np.zeros(registered.shape[:2], bool)
    boxes = [f.box for f in page.fields if not f.fillable]
    if not boxes:
        return mask
    area = reduce(Box.united, boxes)
    rows, cols = slice(round(area.y * PX), round(area.bottom * PX)), slice(round(area.x * PX), round(area.right * PX))
    mask[rows, cols] = faint_map(registered[rows, cols], level).mask
    boxed = np.zeros_like(mask)
    for box in boxes:
        _set(boxed, box, 0.0)
    qr = page.qr_box
    _set(boxed, Box(registered.shape[1] / PX - qr.right, qr.y, qr.w, qr.h), defs.STRAY_QR_THROUGH_PAD, value=False)
    return mask & boxed


def _edge(shape: tuple[int, ...]) -> np.ndarray:
    """A band along the paper's edge (scanner shadow, staples, punch holes)."""
    edge, band = round(defs.STRAY_EDGE * PX), np.zeros(shape[:2], bool)
    band[:edge, :] = band[-edge:, :] = True
    band[:, :edge] = band[:, -edge:] = True
    return band


def _set(mask: np.ndarray, box: Box, pad: float, *, value: bool = True) -> None:
    top, left = max(0, round((box.y - pad) * PX)), max(0, round((box.x - pad) * PX))
    mask[top : round((box.y + box.h + pad) * PX), left : round((box.x + box.w + pad) * PX)] = value


def _patches(ink: np.ndarray) -> list[Box]:
    """Strokes near each other joined into patches; those the size of writing, not a fold.
    Most pages have no ink to judge at all (less than one patch's worth): none is looked for."""
    if np.count_nonzero(ink) < defs.STRAY_MIN_INK * PX * PX:
        return []
    ink = drop_specks(ink)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(_grown(ink.astype(np.uint8), defs.STRAY_JOIN), connectivity=8)
    strokes = np.bincount(labels[ink], minlength=count) / PX / PX
    boxes = (Box(*(float(v) / PX for v in stats[i, :4])) for i in range(1, count))
    return [box for box, mm2 in zip(boxes, strokes[1:]) if _is_writing(box, float(mm2))]


def _is_writing(box: Box, ink_mm2: float) -> bool:
    """A patch the size of a written character or more, with the ink of one, that is not a
    long thin run (a fold, a crease, a ruler line)."""
    short, long = sorted((box.w, box.h))
    return short >= defs.STRAY_MIN_SIDE and ink_mm2 >= defs.STRAY_MIN_INK and long / short <= defs.STRAY_MAX_ELONGATION


def _printed_field(page: PageDef, box: Box) -> str | None:
    """The pre-printed field whose box holds the patch's centre."""
    centre = (box.x + box.w / 2, box.y + box.h / 2)
    return next((f.id for f in page.fields if not f.fillable and f.box.contains(*centre)), None)
