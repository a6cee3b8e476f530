"""Ink on a registered crop: what is writing, once printed lines and scanner noise are gone.

Works on grey crops of the registered page (8 px/mm), whether the scan was grey or 1-bit:
ink is judged against the crop's own paper level, printed frame lines near the crop's edges
and long horizontal lines (guide lines a 1-bit scan may have turned black) are removed
morphologically, and specks below a writing-sized area are dropped.

Pencil, light pens and 1-bit copies leave writing that this ordinary measure misses: strokes
lighter than its ink level, or broken into dots. :func:`faint_map` looks again at a lighter
level and joins broken strokes (a closing sized in mm, inside the crop) before specks are
dropped, so such a cell is read from its joined strokes and never taken for an empty one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from pipeline import defs

PX = defs.REGISTERED_PX_PER_MM
PAPER = 255


@dataclass(frozen=True)
class InkMap:
    """A crop with its writing separated from print and noise."""

    gray: np.ndarray  # the crop, uint8
    mask: np.ndarray  # bool, True where writing is

    @cached_property
    def pixels(self) -> int:
        return int(self.mask.sum())

    @property
    def ratio(self) -> float:
        return self.pixels / self.mask.size if self.mask.size else 0.0

    @property
    def present(self) -> bool:
        return self.pixels >= defs.INK_MIN_AREA * PX * PX

    def clean(self) -> np.ndarray:
        """The crop with everything that is not writing turned to paper."""
        out = np.full_like(self.gray, PAPER)
        out[self.mask] = self.gray[self.mask]
        return out

    def bbox(self) -> tuple[int, int, int, int] | None:
        """x0, y0, x1, y1 (exclusive) of the writing, or None when there is none."""
        ys, xs = np.nonzero(self.mask)
        if not len(xs):
            return None
        return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1

    def line_image(self, pad_px: int) -> np.ndarray:
        """The crop's own grey pixels of the writing's rows, from ``pad_px`` of paper before the
        writing to ``pad_px`` after it (a paper square when there is no writing).

        No paper above and below beyond what makes the line ``LINE_MIN_HEIGHT`` high: the
        recognizer scales every line to 48 px high, and reads glyphs best when they fill that
        height (bench: 92 % of short texts and 92-95 % of narrative characters right, against
        84 % and 87-91 % with a millimetre of paper all round). The
        recognizer gets the scan's grey strokes, not the mask, because a thin or light pen
        leaves anti-aliased strokes that a mask would break into specks.
        """
        box = self.bbox()
        if box is None:
            return np.full((2 * pad_px + 1, 2 * pad_px + 1), PAPER, np.uint8)
        x0, y0, x1, y1 = box
        inner = self.gray[y0:y1, max(0, x0 - pad_px) : x1 + pad_px]
        # Lower writing is padded to the recognizer's input height rather than enlarged to it:
        # a flat mark (a dash, a lone 一) would otherwise become tens of thousands of pixels
        # wide, and its whole batch with it.
        short = max(0, round(defs.LINE_MIN_HEIGHT * PX) - inner.shape[0])
        top = short // 2
        return cv2.copyMakeBorder(inner, top, short - top, pad_px, pad_px, cv2.BORDER_CONSTANT, value=PAPER)


def ink_map(crop: np.ndarray, *, rules: Sequence[int] = ()) -> InkMap:
    """Separate writing from print and noise on one grey (or 1-bit) crop; ``rules`` are the
    rows where the layout prints horizontal lines inside the crop (guide lines)."""
    gray = _as_gray(crop)
    if gray.size == 0:
        return InkMap(gray, np.zeros(gray.shape, bool))
    dark = _unprinted(gray, defs.INK_LEVEL)
    for row in rules:
        _clear_rule(dark, row)
    return InkMap(gray, drop_specks(dark))


def faint_map(crop: np.ndarray, level: float = defs.FAINT_INK_LEVEL) -> InkMap:
    """Writing too light (pencil, a light pen) or too broken (a 1-bit copy) for
    :func:`ink_map`: ink at the lighter ``level`` of the paper, broken strokes joined by a
    closing ``INK_JOIN`` mm wide before specks are dropped. Its grey image is the joined
    strokes drawn solid, which is what the recognizer reads for such a cell."""
    gray = _as_gray(crop)
    if gray.size == 0:
        return InkMap(gray, np.zeros(gray.shape, bool))
    side = _px(defs.INK_JOIN)
    joint = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    # the crop's own border stops the closing, so strokes are never joined to what lies outside
    joined = cv2.morphologyEx(_u8(_unprinted(gray, level)), cv2.MORPH_CLOSE, joint).astype(bool)
    mask = drop_specks(joined)
    return InkMap(np.where(mask, 0, PAPER).astype(np.uint8), mask)


@dataclass(frozen=True)
class Writing:
    """What a cell or box holds: the map its writing is read from, and how sure that is."""

    ink: InkMap | None  # None: nothing written
    faint: bool = False  # the writing is faint or broken, read from its joined strokes
    trace: bool = False  # nothing to read, yet a trace of faint ink


def writing(crop: np.ndarray, faint_level: float = defs.FAINT_INK_LEVEL) -> Writing:
    """The writing in one crop: ordinary ink when it is most of the faint ink, else the faint
    ink at ``faint_level`` (the page's own, :func:`pipeline.recognize.quality.page_ink`) when
    there is enough of it."""
    plain, joined = ink_map(crop), faint_map(crop, faint_level)
    if plain.present and plain.pixels >= defs.INK_SOLID_SHARE * joined.pixels:
        return Writing(plain)
    if joined.present:
        return Writing(joined, faint=True)
    return Writing(None, trace=joined.pixels >= defs.INK_TRACE_AREA * PX * PX)


def _unprinted(gray: np.ndarray, level: float) -> np.ndarray:
    dark = binarize(gray, level)
    dark &= ~printed_lines(dark)
    return dark


def ink_ratio(crop: np.ndarray) -> float:
    """Share of the crop covered by writing."""
    return ink_map(crop).ratio


def has_ink(crop: np.ndarray) -> bool:
    """True when the crop holds at least a short stroke of writing."""
    return ink_map(crop).present


def binarize(gray: np.ndarray, level: float = defs.INK_LEVEL) -> np.ndarray:
    """Dark pixels, darker than ``level`` times the crop's own paper level (so grey, dim and
    1-bit scans agree)."""
    paper = float(np.percentile(gray, defs.INK_PAPER_PERCENTILE))
    if paper < defs.INK_MIN_PAPER:
        paper = PAPER
    return gray < paper * level


def printed_lines(dark: np.ndarray) -> np.ndarray:
    """Pixels of printed lines: long horizontal runs anywhere, frame runs along the edges."""
    bridged = cv2.morphologyEx(_u8(dark), cv2.MORPH_CLOSE, _kernel(_px(defs.LINE_GAP_BRIDGE), 1))
    h, w = dark.shape
    lines = _runs(bridged, _px(defs.LINE_MIN_LENGTH), horizontal=True)
    frame_h = _crossing(_runs(bridged, max(3, int(w * defs.FRAME_MIN_SPAN)), horizontal=True), bridged)
    frame_v = _crossing(_runs(_u8(dark), max(3, int(h * defs.FRAME_MIN_SPAN)), horizontal=False).T, _u8(dark).T).T
    edge = _edge_band(dark.shape, _px(defs.FRAME_MARGIN))
    found = lines | ((frame_h | frame_v) & edge)
    # anti-aliased line edges sit one pixel beside the run
    return cv2.dilate(_u8(found), np.ones((3, 3), np.uint8)).astype(bool) & dark


def _crossing(runs: np.ndarray, dark: np.ndarray) -> np.ndarray:
    """The rows of ``runs`` whose ink reaches across ``FRAME_CROSSING`` of the crop: a printed
    frame line runs on beyond the crop, while a written stroke along an edge (a 1 beside the
    cell's side, the bar of a 7 under its top) stops short of the ends and is writing."""
    rows = np.flatnonzero(runs.any(axis=1))
    if not len(rows):
        return runs
    # a line that drifts by a pixel across the crop still crosses it
    spread = cv2.dilate(dark, np.ones((3, 1), np.uint8))[rows].astype(bool)
    first = spread.argmax(axis=1)
    last = spread.shape[1] - 1 - spread[:, ::-1].argmax(axis=1)
    crossing = np.zeros(runs.shape[0], bool)
    crossing[rows] = last - first + 1 >= defs.FRAME_CROSSING * spread.shape[1]
    return runs & crossing[:, None]


def _clear_rule(dark: np.ndarray, row: int) -> None:
    """Remove a known printed line at ``row``, however broken a 1-bit scan left it (too broken
    for :func:`printed_lines`): ink near the row in columns where nothing continues above or
    below it. A stroke written across the line continues, and is kept."""
    reach, edge = _px(defs.RULE_SEARCH), _px(defs.RULE_EDGE)
    top, bottom = max(0, row - reach), min(dark.shape[0], row + reach + 1)
    if top >= bottom:
        return
    above = dark[max(0, top - edge) : top].any(axis=0)
    below = dark[bottom : bottom + edge].any(axis=0)
    dark[top:bottom, ~(above | below)] = False


def drop_specks(dark: np.ndarray) -> np.ndarray:
    """Remove connected blobs smaller than a writing stroke (scanner noise, JPEG dirt)."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(_u8(dark), connectivity=8)
    keep = _stroke_sized(stats)
    keep[0] = False
    return keep[labels]


def pieces(dark: np.ndarray) -> int:
    """How many separate blobs of ``dark`` are the size of a writing stroke or more."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(_u8(dark), connectivity=8)
    return int(_stroke_sized(stats)[1:].sum())


def _stroke_sized(stats: np.ndarray) -> np.ndarray:
    return stats[:, cv2.CC_STAT_AREA] >= defs.INK_SPECK_AREA * PX * PX


def _runs(binary: np.ndarray, length: int, *, horizontal: bool) -> np.ndarray:
    kernel = _kernel(length, 1) if horizontal else _kernel(1, length)
    return cv2.morphologyEx(binary, cv2.MORPH_OPEN, kernel).astype(bool)


def _edge_band(shape: tuple[int, ...], margin: int) -> np.ndarray:
    band = np.zeros(shape[:2], bool)
    band[:margin, :] = band[-margin:, :] = True
    band[:, :margin] = band[:, -margin:] = True
    return band


def _kernel(width: int, height: int) -> np.ndarray:
    return np.ones((max(1, height), max(1, width)), np.uint8)


def _px(mm: float) -> int:
    return max(1, round(mm * PX))


def _u8(mask: np.ndarray) -> np.ndarray:
    return mask.astype(np.uint8)


def _as_gray(crop: np.ndarray) -> np.ndarray:
    if crop.ndim == 3:
        crop = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    if crop.dtype == bool:
        return np.where(crop, PAPER, 0).astype(np.uint8)
    return crop.astype(np.uint8, copy=False)
