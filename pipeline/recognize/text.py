"""Handwritten text: short single-line values and multi-line boxes with printed guide lines.

A short value (a name, a place) is read by the recognizer alone on its ink, trimmed. A
multi-line box is read band by band: each connected piece of ink belongs to the band that
holds most of it, and each band's ink, trimmed, is one recognizer input (all bands in one
batch). When much of the ink lies outside its band (the writer ignored the lines), the
detector finds the lines inside the box instead, and they are joined in reading order. The
characters of a box's lines are then checked as one paragraph against the words they make
(:mod:`pipeline.recognize.wording`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from pipeline import defs
from pipeline.recognize.engine import BoxPx, OcrEngine
from pipeline.recognize.ink import PAPER, InkMap, binarize, faint_map, ink_map
from pipeline.recognize.lines import LineReading, read_line, read_lines
from pipeline.recognize.wording import word_checked

PX = defs.REGISTERED_PX_PER_MM


def read_short_text(crop: np.ndarray, engine: OcrEngine) -> LineReading | None:
    """The reading of a single-line box (crop inset from its frame); None, with no OCR, when
    nothing is written in it."""
    ink = ink_map(crop)
    if not ink.present:
        return None
    return read_line(engine, ink.line_image(_pad()))


@dataclass(frozen=True)
class WrittenLine:
    """One handwritten line of a multi-line box as read: its text, how sure the recognizer is of
    each character, and where its ink is in the box's crop."""

    text: str
    chars: tuple[float, ...]  # confidence of each character of ``text``
    box_px: BoxPx  # x, y, w, h in the crop's pixels
    unseen_ink: bool = False  # faint ink after the line's end that the recognizer was never shown


def read_multiline(crop: np.ndarray, bands: Sequence[tuple[int, int]], engine: OcrEngine) -> list[WrittenLine]:
    """The written lines of a multi-line box, top to bottom (a line of ink the recognizer reads
    as nothing has no text); ``bands`` are (top, bottom) pixel rows of its guide-line bands in
    the crop. No lines when nothing is written."""
    ink = ink_map(crop, rules=[bottom for _, bottom in bands])  # each band's bottom is a guide line
    if not ink.present:
        return []
    labels, owner, stray = _assign_to_bands(ink.mask, bands)
    if stray > defs.BAND_STRAY_MAX:
        return _detect_lines(ink, engine)
    found = [line for line in (_band_line(ink, labels, owner, b) for b in range(len(bands))) if line is not None]
    lines = _read_long_lines(engine, found)
    unseen = _unseen_ink(faint_map(crop).mask, [line.box_px for line in lines])
    return [replace(line, unseen_ink=i in unseen) for i, line in enumerate(lines)]


def _unseen_ink(faint: np.ndarray, boxes: Sequence[BoxPx]) -> set[int]:
    """Indices of the lines (ink boxes ``boxes``, top to bottom) next to which faint ink lies
    that no line showed the recognizer: a full stop a blurred photo or a thin pen left too light
    for the line's ink, or one wrapped alone onto the next band, too small for a line. The
    recognizer drops such a mark while every character it keeps is sure (the only errors of
    accepted lines on harsh scans and photos). Each such mark counts against the line level
    with it, else the line above it."""
    if not boxes:
        return set()
    gap = round(defs.LINE_MARK_GAP * PX)
    seen = np.zeros(faint.shape, bool)
    for x, y, w, h in boxes:
        seen[max(0, y - gap) : y + h + gap, max(0, x - gap) : x + w + gap] = True
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(faint.astype(np.uint8), connectivity=8)
    touching = np.bincount(labels[seen], minlength=count)  # pixels of each piece inside a line's box
    side, area = round(defs.LINE_MARK_MIN_SIDE * PX), defs.LINE_MARK_MIN_AREA * PX * PX
    out = set()
    for i in range(1, count):
        _, _, w, h, pixels = stats[i]
        if pixels < area or w < side or h < side or touching[i]:
            continue
        cy = centroids[i][1]
        level = [k for k, (_, top, _, height) in enumerate(boxes) if top <= cy <= top + height]
        above = [k for k, (_, top, _, _) in enumerate(boxes) if top <= cy]
        out.add(level[0] if level else above[-1] if above else 0)
    return out


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


def _band_line(ink: InkMap, labels: np.ndarray, owner: np.ndarray, band: int) -> tuple[np.ndarray, BoxPx] | None:
    """The trimmed ink of the pieces owned by ``band`` and where it lies, or None when it holds
    too little."""
    written = InkMap(ink.gray, (owner == band)[labels] & ink.mask)
    box = written.bbox()
    if box is None or written.pixels < defs.INK_MIN_AREA * PX * PX:
        return None
    x0, y0, x1, y1 = box
    return written.line_image(_pad()), (x0, y0, x1 - x0, y1 - y0)


def _detect_lines(ink: InkMap, engine: OcrEngine) -> list[WrittenLine]:
    clean = ink.clean()
    boxes = [b for b in _reading_order(engine.detect_lines(clean)) if b[2] > 0 and b[3] > 0]
    pad = _pad()
    found = [
        (cv2.copyMakeBorder(clean[max(0, y) : y + h, max(0, x) : x + w], 0, 0, pad, pad, cv2.BORDER_CONSTANT, value=PAPER), (x, y, w, h))
        for x, y, w, h in boxes
    ]
    return _read_long_lines(engine, found)


def _read_long_lines(engine: OcrEngine, lines: Sequence[tuple[np.ndarray, BoxPx]]) -> list[WrittenLine]:
    """Each line as read, in pieces no wider than ``LINE_MAX_RATIO`` heights cut
    where the ink has a gap: the recognizer's time grows faster than a line's width (a
    narrative line at 48 px high is ~1,400 px wide), and it reads the pieces as well. Each
    character's confidence is the word check's (the lines are one paragraph to it)."""
    pieces = [_split(image) for image, _ in lines]
    readings = iter(read_lines(engine, [p for line in pieces for p in line]))
    checked = word_checked([[next(readings) for _ in line] for line in pieces])
    out = []
    for chars, (_, box) in zip(checked, lines):
        # A line of ink that reads as nothing is kept (no characters, so never accepted): a
        # paragraph missing one of its written lines must not pass unchecked.
        written = _stripped(chars)
        out.append(WrittenLine("".join(c for c, _ in written), tuple(p for _, p in written), box))
    return out


def _stripped(chars: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """``chars`` without white space at either end (a piece may begin or end on a gap)."""
    start, end = 0, len(chars)
    while start < end and chars[start][0].isspace():
        start += 1
    while end > start and chars[end - 1][0].isspace():
        end -= 1
    return chars[start:end]


def _split(image: np.ndarray) -> list[np.ndarray]:
    """``image`` cut into near-equal pieces at its emptiest columns near each cut."""
    height, width = image.shape[:2]
    count = math.ceil(width / (defs.LINE_MAX_RATIO * height))
    if count <= 1:
        return [image]
    ink = binarize(image).sum(axis=0)
    cuts: list[int] = []
    for k in range(1, count):
        target = round(width * k / count)
        lo, hi = max(target - height, (cuts[-1] if cuts else 0) + 1), min(target + height, width - 1)
        if lo < hi:
            cuts.append(lo + int(np.argmin(ink[lo:hi] * width + np.abs(np.arange(lo, hi) - target))))
    return [image[:, a:b] for a, b in zip([0, *cuts], [*cuts, width])]


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
