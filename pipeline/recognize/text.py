"""Handwritten text: short single-line values and multi-line boxes with printed guide lines.

A short value (a name, a place) is read by the recognizer alone on its ink, trimmed. A
multi-line box is read band by band: each connected piece of ink belongs to the band that
holds most of it, and each band's ink, trimmed, is one recognizer input (all bands in one
batch). When much of the ink lies outside its band (the writer ignored the lines), the
detector finds the lines inside the box instead, and they are joined in reading order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from pipeline import defs
from pipeline.recognize.engine import BoxPx, OcrEngine
from pipeline.recognize.ink import PAPER, InkMap, binarize, ink_map
from pipeline.recognize.lines import LineReading, read_line, read_lines

PX = defs.REGISTERED_PX_PER_MM


def read_short_text(crop: np.ndarray, engine: OcrEngine) -> LineReading | None:
    """The reading of a single-line box (crop inset from its frame); None, with no OCR, when
    nothing is written in it."""
    ink = ink_map(crop)
    if not ink.present:
        return None
    return read_line(engine, ink.line_image(_pad()))


def read_multiline(crop: np.ndarray, bands: Sequence[tuple[int, int]], engine: OcrEngine) -> tuple[str, float]:
    """Text of a multi-line box; ``bands`` are (top, bottom) pixel rows of its guide-line bands
    in the crop. Lines are joined with newlines; confidence is the weakest line's."""
    ink = ink_map(crop, rules=[bottom for _, bottom in bands])  # each band's bottom is a guide line
    if not ink.present:
        return "", 1.0
    labels, owner, stray = _assign_to_bands(ink.mask, bands)
    if stray > defs.BAND_STRAY_MAX:
        return _detect_lines(ink, engine)
    images = [img for img in (_band_image(ink, labels, owner, b) for b in range(len(bands))) if img is not None]
    return _joined(_read_long_lines(engine, images))


def _assign_to_bands(
    mask: np.ndarray, bands: Sequence[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray, float]:
    """Component labels, the band index owning each label, and the stray share of the ink."""
    # Removing a printed guide line cuts the strokes that cross it; bridge that cut vertically
    # so a character written across a line stays one piece.
    bridged = cv2.dilate(mask.astype(np.uint8), np.ones((defs.BAND_BRIDGE_PX, 1), np.uint8))
    count, labels = cv2.connectedComponents(bridged, connectivity=8)
    row_band = np.full(mask.shape[0], -1, np.int64)
    for i, (top, bottom) in enumerate(bands):
        row_band[max(0, top) : max(0, bottom)] = i
    ys, _ = np.nonzero(mask)
    comp = labels[mask]
    band = row_band[ys]
    band = np.where(band < 0, _nearest_band(ys, bands), band)
    hist = np.zeros((count, len(bands)), np.int64)
    np.add.at(hist, (comp, band), 1)
    owner = hist.argmax(axis=1)
    owner[0] = -1  # label 0 is the background
    total = hist.sum()
    stray = 1.0 - hist.max(axis=1).sum() / total if total else 0.0
    return labels, owner, float(stray)


def _nearest_band(ys: np.ndarray, bands: Sequence[tuple[int, int]]) -> np.ndarray:
    centres = np.array([(t + b) / 2 for t, b in bands])
    return np.abs(ys[:, None] - centres[None, :]).argmin(axis=1)


def _band_image(ink: InkMap, labels: np.ndarray, owner: np.ndarray, band: int) -> np.ndarray | None:
    """The trimmed ink of the pieces owned by ``band``, or None when it holds too little."""
    mask = (owner == band)[labels] & ink.mask
    if mask.sum() < defs.INK_MIN_AREA * PX * PX:
        return None
    return InkMap(ink.gray, mask).line_image(_pad())


def _detect_lines(ink: InkMap, engine: OcrEngine) -> tuple[str, float]:
    clean = ink.clean()
    boxes = _reading_order(engine.detect_lines(clean))
    pad = _pad()
    crops = [
        cv2.copyMakeBorder(clean[max(0, y) : y + h, max(0, x) : x + w], 0, 0, pad, pad, cv2.BORDER_CONSTANT, value=PAPER)
        for x, y, w, h in boxes
        if w > 0 and h > 0
    ]
    return _joined(_read_long_lines(engine, crops))


def _read_long_lines(engine: OcrEngine, images: Sequence[np.ndarray]) -> list[tuple[str, float]]:
    """Text and probability of each line, read in pieces no wider than ``LINE_MAX_RATIO``
    heights cut where the ink has a gap: the recognizer's time grows faster than a line's
    width (a narrative line at 48 px high is ~1,400 px wide), and it reads the pieces as well."""
    pieces = [_split(image) for image in images]
    readings = iter(read_lines(engine, [p for line in pieces for p in line]))
    lines = []
    for line in pieces:
        parts = [next(readings) for _ in line]
        lines.append(("".join(r.text for r in parts).strip(), float(np.prod([r.confidence for r in parts]))))
    return lines


def _split(image: np.ndarray) -> list[np.ndarray]:
    """``image`` cut into near-equal pieces at its emptiest columns near each cut."""
    height, width = image.shape[:2]
    count = math.ceil(width / (defs.LINE_MAX_RATIO * height))
    if count <= 1:
        return [image]
    ink = binarize(image).sum(axis=0)
    cuts = []
    for k in range(1, count):
        target = round(width * k / count)
        lo, hi = max(target - height, (cuts[-1] if cuts else 0) + 1), min(target + height, width - 1)
        if lo < hi:
            cuts.append(lo + int(np.argmin(ink[lo:hi] * width + np.abs(np.arange(lo, hi) - target))))
    return [image[:, a:b] for a, b in zip([0, *cuts], [*cuts, width])]


def _joined(lines: Sequence[tuple[str, float]]) -> tuple[str, float]:
    lines = [(t, c) for t, c in lines if t]
    if not lines:
        return "", 0.0
    return "\n".join(t for t, _ in lines), min(c for _, c in lines)


def _reading_order(boxes: list[BoxPx]) -> list[BoxPx]:
    """Top to bottom by rows (boxes overlapping vertically by half form a row), left to right."""
    rows: list[list[BoxPx]] = []
    for box in sorted(boxes, key=lambda b: b[1]):
        if rows:
            last = rows[-1][0]
            if box[1] < last[1] + last[3] / 2:
                rows[-1].append(box)
                continue
        rows.append([box])
    return [box for row in rows for box in sorted(row, key=lambda b: b[0])]


def _pad() -> int:
    return round(defs.LINE_PAD * PX)
