"""Ink on a registered crop: what is writing, once printed lines and scanner noise are gone.

Works on grey crops of the registered page (8 px/mm), whether the scan was grey or 1-bit:
ink is judged against the crop's own paper level, printed frame lines near the crop's edges
and long horizontal lines (guide lines a 1-bit scan may have turned black) are removed
morphologically, and specks below a writing-sized area are dropped.
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
    dark = binarize(gray)
    dark &= ~printed_lines(dark)
    for row in rules:
        _clear_rule(dark, row)
    return InkMap(gray, drop_specks(dark))


def ink_ratio(crop: np.ndarray) -> float:
    """Share of the crop covered by writing."""
    return ink_map(crop).ratio


def has_ink(crop: np.ndarray) -> bool:
    """True when the crop holds at least a short stroke of writing."""
    return ink_map(crop).present


def binarize(gray: np.ndarray) -> np.ndarray:
    """Dark pixels against the crop's own paper level (so grey, dim and 1-bit scans agree)."""
    paper = float(np.percentile(gray, defs.INK_PAPER_PERCENTILE))
    if paper < defs.INK_MIN_PAPER:
        paper = PAPER
    return gray < paper * defs.INK_LEVEL


def printed_lines(dark: np.ndarray) -> np.ndarray:
    """Pixels of printed lines: long horizontal runs anywhere, frame runs along the edges."""
    bridged = cv2.morphologyEx(_u8(dark), cv2.MORPH_CLOSE, _kernel(_px(defs.LINE_GAP_BRIDGE), 1))
    h, w = dark.shape
    lines = _runs(bridged, _px(defs.LINE_MIN_LENGTH), horizontal=True)
    frame_h = _runs(bridged, max(3, int(w * defs.FRAME_MIN_SPAN)), horizontal=True)
    frame_v = _runs(_u8(dark), max(3, int(h * defs.FRAME_MIN_SPAN)), horizontal=False)
    edge = _edge_band(dark.shape, _px(defs.FRAME_MARGIN))
    found = lines | ((frame_h | frame_v) & edge)
    # anti-aliased line edges sit one pixel beside the run
    return cv2.dilate(_u8(found), np.ones((3, 3), np.uint8)).astype(bool) & dark


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
    count, labels, stats, _ = cv2.connectedComponentsWithStats(_u8(dark), connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= defs.INK_SPECK_AREA * PX * PX
    keep[0] = False
    return keep[labels]


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
