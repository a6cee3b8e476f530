"""Handwritten text: short single-line values and multi-line boxes with printed guide lines.

A short value (a name, a place) is read by the recognizer alone on its trimmed ink. A
multi-line box is read band by band: each connected piece of ink belongs to the band that
holds most of it, and each band's ink, trimmed, is one recognizer input (all bands in one
batch). When much of the ink lies outside its band (the writer ignored the lines), the
detector finds the lines inside the box instead, and they are joined in reading order.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from pipeline import defs
from pipeline.recognize.engine import OcrEngine, TextLine
from pipeline.recognize.ink import InkMap, ink_map

PX = defs.REGISTERED_PX_PER_MM


def read_short_text(crop: np.ndarray, engine: OcrEngine) -> tuple[str, float]:
    """Text of a single-line box (crop inset from its frame); ("", 1.0) with no OCR when empty."""
    ink = ink_map(crop)
    if not ink.present:
        return "", 1.0
    text, confidence = engine.recognize_line(ink.rows(_pad()))
    return text.strip(), confidence


def read_multiline(crop: np.ndarray, bands: Sequence[tuple[int, int]], engine: OcrEngine) -> tuple[str, float]:
    """Text of a multi-line box; ``bands`` are (top, bottom) pixel rows of its guide-line bands
    in the crop. Lines are joined with newlines; confidence is the weakest line's."""
    ink = ink_map(crop)
    if not ink.present:
        return "", 1.0
    labels, owner, stray = _assign_to_bands(ink.mask, bands)
    if stray > defs.BAND_STRAY_MAX:
        return _detect_lines(ink, engine)
    images = [img for img in (_band_image(ink, labels, owner, b) for b in range(len(bands))) if img is not None]
    results = [(t.strip(), c) for t, c in engine.recognize_lines(images)]
    results = [(t, c) for t, c in results if t]
    if not results:
        return "", 0.0
    return "\n".join(t for t, _ in results), min(c for _, c in results)


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
    total = hist.sum()
    stray = 1.0 - hist.max(axis=1).sum() / total if total else 0.0
    return labels, owner, float(stray)


def _nearest_band(ys: np.ndarray, bands: Sequence[tuple[int, int]]) -> np.ndarray:
    centres = np.array([(t + b) / 2 for t, b in bands])
    return np.abs(ys[:, None] - centres[None, :]).argmin(axis=1)


def _band_image(ink: InkMap, labels: np.ndarray, owner: np.ndarray, band: int) -> np.ndarray | None:
    """The trimmed ink of the pieces owned by ``band``, or None when it holds too little."""
    mine = np.flatnonzero(owner == band)
    mine = mine[mine > 0]
    if not len(mine):
        return None
    mask = np.isin(labels, mine) & ink.mask
    if mask.sum() < defs.INK_MIN_AREA * PX * PX:
        return None
    return InkMap(ink.gray, mask).trimmed(_pad())


def _detect_lines(ink: InkMap, engine: OcrEngine) -> tuple[str, float]:
    lines = [line for line in engine.detect_and_recognize(ink.clean()) if line.text.strip()]
    if not lines:
        return "", 0.0
    return "\n".join(line.text.strip() for line in _reading_order(lines)), min(line.confidence for line in lines)


def _reading_order(lines: list[TextLine]) -> list[TextLine]:
    """Top to bottom by rows (boxes overlapping vertically by half form a row), left to right."""
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda line: line.box_px[1]):
        y = line.box_px[1]
        if rows:
            last = rows[-1][0].box_px
            if y < last[1] + last[3] / 2:
                rows[-1].append(line)
                continue
        rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda line: line.box_px[0])]


def _pad() -> int:
    return round(defs.TRIM_PAD * PX)

