"""Checkboxes: how much of a box is inked, how evenly, and what that means.

A checkbox crop is the option box cut from the registered page with ``defs.OMR_PAD`` mm of
page around it. The printed outline is located in the crop (registration leaves a pixel or two
of error) and left out. The measures:
- ``fill``: the inked share of the inner area, inset from the outline;
- ``cover``: the fill of the inner area's emptiest quarter (the quarter of its ``OMR_GRID`` x
  ``OMR_GRID`` sub-cells with the least ink). A tick or a cross leaves whole corners or edge
  triangles bare, however thick the pen; a filled box leaves none, even when it is a ballpoint
  scribble with gaps between the strokes;
- ``joined``: the same once gaps in the ink up to ``OMR_JOIN`` mm are closed. A tick's or a
  cross's bare corners are wider than that; the bare gaps of a box filled in pencil and copied
  in 1-bit mode (the copy keeps islands and nets of its graphite) or scribbled loosely are not;
- ``blot``: the width in mm of the widest solid patch of ink. A pen stroke, even where a
  tick's arms meet, stays narrow; a box blackened in part has a wide patch;
- ``ring``: the inked share of a band just outside the outline (a tick straying over it);
- ``pieces``: how many separate pieces of stroke-sized ink the inner area holds. A pen's tick
  or cross is one; pencil on a 1-bit copy breaks into more, and the copy may have kept only
  islands of a filled box, or dropped a tick in the box beside it.

The rule (thresholds in defs, with the measurements they come from):
- fill < OMR_AMBIGUOUS_MIN: ``empty``;
- fill < OMR_TICK_MIN: ``ticked`` when ink also crosses the border into the ring (a tick whose
  arm strays out of the box), else ``ambiguous_light`` (a faint or short mark);
- cover >= OMR_COVER_FILLED_MIN: ``crossed_out`` — the form tells writers to withdraw a choice
  by filling its box, so a filled box is never a choice, ticked before or not;
- joined >= OMR_COVER_HEAVY_MIN, fill >= OMR_HEAVY_MIN or blot >= OMR_BLOT_MIN:
  ``ambiguous_heavy`` — more ink than a tick yet not a filled box (a marker pen's cross, a box
  filled loosely or in part, a filled box whose ink a 1-bit copy broke up);
- else ``ticked``.

Confidence is 0.5 at a threshold and grows linearly with the distance from the nearest
threshold bounding the state, reaching 1.0 at that threshold's softness (``OMR_*_SOFT``), so
ordinary ticks, empty and filled boxes are sure and only marks near a boundary are not. An
ambiguous box reads 0.5 and puts its field in doubt, so a person looks; so does a
single-choice field with more than one tick. A group whose only marks are filled boxes is in
doubt too (withdrawn, or chosen by a writer who fills boxes as on an answer sheet?), though
each box is read surely; with a tick beside them, the filled boxes are withdrawn. A tick in
more than one piece is never sure (at most ``OMR_BROKEN_SURE``): ``auto`` on a page of clear
ink, but a page whose writing is faint sends it to a person (:mod:`pipeline.ingest.scan_page`).

A box that reads empty is looked at once more for faint or broken ink (pencil, a 1-bit copy):
its inner area at the page's faint level (see :func:`pipeline.recognize.quality.page_ink`) with
broken strokes joined. A faint fill from OMR_AMBIGUOUS_MIN makes the box ``ambiguous_light``,
never a sure empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from pipeline import defs
from pipeline.model.form import FieldDef
from pipeline.model.record import RawValue
from pipeline.recognize.ink import binarize, faint_map, pieces

PX = defs.REGISTERED_PX_PER_MM
STATES = ("empty", "ambiguous_light", "ticked", "ambiguous_heavy", "crossed_out")
AMBIGUOUS = ("ambiguous_light", "ambiguous_heavy")
DOUBT_MANY = "选了多个"
DOUBT_FILLED_ONLY = "只有涂满的框，没有勾选：请核对是改选还是选中"
DOUBTS = {"ambiguous_light": "勾选不清", "ambiguous_heavy": "笔迹过重，分不清是勾选还是涂掉"}


@dataclass(frozen=True)
class CheckboxReading:
    fill_ratio: float  # inked share of the inner area
    state: str  # one of STATES
    confidence: float  # 0.5 at a threshold, 1.0 clearly inside the state's range
    ring_ratio: float = 0.0  # inked share of the ring just outside the box
    cover_ratio: float = 0.0  # fill of the inner area's emptiest quarter
    blot_mm: float = 0.0  # width of the widest solid patch of ink in the inner area
    joined_ratio: float = 0.0  # cover once gaps up to OMR_JOIN mm are closed
    pieces: int = 0  # separate pieces of stroke-sized ink in the inner area


def read_checkbox(crop: np.ndarray, *, pad_mm: float = defs.OMR_PAD, faint_level: float = defs.FAINT_INK_LEVEL) -> CheckboxReading:
    """Read one option box cut with ``pad_mm`` of page around it; ``faint_level`` is the
    page's level of faint ink (:func:`pipeline.recognize.quality.page_ink`)."""
    gray = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    dark = binarize(gray)
    side = round(defs.OPTION_BOX * PX)
    x, y = _locate_box(dark, side, round(pad_mm * PX))
    inset = round(defs.OMR_INSET * PX)
    window = (slice(y + inset, y + side - inset), slice(x + inset, x + side - inset))
    inner = dark[window]
    fill = float(inner.mean()) if inner.size else 0.0
    ring = _ring_ratio(dark, x, y, side, inset)
    reading = _judge(_Measures(fill, _cover_ratio(inner), _cover_ratio(_joined(inner)), _blot_mm(inner), ring, pieces(inner)))
    if reading.state == "empty" and faint_map(gray[window], faint_level).ratio >= defs.OMR_AMBIGUOUS_MIN:
        return replace(reading, state="ambiguous_light", confidence=0.5)
    return reading


def read_choice_group(crops: Sequence[np.ndarray], field: FieldDef, *, faint_level: float = defs.FAINT_INK_LEVEL) -> RawValue:
    """The ticked option values of one choice field, with doubt where a person must look;
    ``faint_level`` as for :func:`read_checkbox`."""
    readings = [read_checkbox(c, faint_level=faint_level) for c in crops]
    ticked = tuple(o.value for o, r in zip(field.options, readings) if r.state == "ticked")
    confidence = min((r.confidence for r in readings), default=1.0)
    unclear = {s: [o.value for o, r in zip(field.options, readings) if r.state == s] for s in AMBIGUOUS}
    doubts = [f"{DOUBTS[s]}：{'、'.join(values)}" for s, values in unclear.items() if values]
    if not doubts and field.kind == "single_choice" and len(ticked) > 1:
        doubts = [DOUBT_MANY]
    if doubts:
        confidence = min(confidence, 0.5)
    elif not ticked and any(r.state == "crossed_out" for r in readings):
        # Every box is read surely, but what the writer meant is not: many fill boxes to
        # choose, as on an answer sheet, though the form says a filled box is withdrawn.
        doubts = [DOUBT_FILLED_ONLY]
    return RawValue(raw=ticked, confidence=confidence, source="omr", doubt="；".join(doubts))


@dataclass(frozen=True)
class _Measures:
    """What the rule in the module docstring looks at."""

    fill: float
    cover: float
    joined: float
    blot: float
    ring: float
    pieces: int


def _judge(m: _Measures) -> CheckboxReading:
    state = _state(m)
    confidence = _confidence(state, m)
    if state == "ticked" and m.pieces > 1:
        confidence = min(confidence, defs.OMR_BROKEN_SURE)
    return CheckboxReading(m.fill, state, round(confidence, 4), m.ring, m.cover, m.blot, m.joined, m.pieces)


def _state(m: _Measures) -> str:
    """The rule in the module docstring."""
    if m.fill < defs.OMR_AMBIGUOUS_MIN:
        return "empty"
    if m.fill < defs.OMR_TICK_MIN:
        return "ticked" if m.ring >= defs.OMR_STRAY_MIN else "ambiguous_light"
    if m.cover >= defs.OMR_COVER_FILLED_MIN:
        return "crossed_out"
    if m.joined >= defs.OMR_COVER_HEAVY_MIN or m.fill >= defs.OMR_HEAVY_MIN or m.blot >= defs.OMR_BLOT_MIN:
        return "ambiguous_heavy"
    return "ticked"


def _confidence(state: str, m: _Measures) -> float:
    """0.5 at the nearest threshold bounding ``state``, 1.0 at that threshold's softness."""
    if state in AMBIGUOUS:
        return 0.5
    if state == "empty":
        bounds = [(m.fill, defs.OMR_AMBIGUOUS_MIN, defs.OMR_AMBIGUOUS_SOFT)]
    elif state == "crossed_out":
        bounds = [(m.cover, defs.OMR_COVER_FILLED_MIN, defs.OMR_COVER_FILLED_SOFT)]
    elif m.fill < defs.OMR_TICK_MIN:  # a faint mark that strays over the border
        bounds = [
            (m.fill, defs.OMR_AMBIGUOUS_MIN, defs.OMR_AMBIGUOUS_SOFT),
            (m.ring, defs.OMR_STRAY_MIN, defs.OMR_STRAY_SOFT),
        ]
    else:
        bounds = [
            (m.fill, defs.OMR_TICK_MIN, defs.OMR_TICK_SOFT),
            (m.fill, defs.OMR_HEAVY_MIN, defs.OMR_HEAVY_SOFT),
            (m.joined, defs.OMR_COVER_HEAVY_MIN, defs.OMR_COVER_HEAVY_SOFT),
            (m.blot, defs.OMR_BLOT_MIN, defs.OMR_BLOT_SOFT),
        ]
    return min(_sure(value, threshold, soft) for value, threshold, soft in bounds)


def _sure(value: float, threshold: float, soft: float) -> float:
    """0.5 at ``threshold``, rising linearly to 1.0 at ``soft`` from it."""
    return min(1.0, 0.5 + 0.5 * abs(value - threshold) / soft)


def _cover_ratio(inner: np.ndarray) -> float:
    """Fill of the emptiest quarter of the inner area's OMR_GRID x OMR_GRID sub-cells."""
    n = defs.OMR_GRID
    if inner.shape[0] < n or inner.shape[1] < n:
        return float(inner.mean()) if inner.size else 0.0
    cells = sorted(float(c.mean()) for band in np.array_split(inner, n, axis=0) for c in np.array_split(band, n, axis=1))
    return float(np.mean(cells[: max(1, len(cells) // 4)]))


def _joined(inner: np.ndarray) -> np.ndarray:
    """The inner area's ink with gaps up to ``OMR_JOIN`` mm closed, within the area (paper
    around it, so the printed outline never joins in)."""
    side = round(defs.OMR_JOIN * PX) | 1  # odd: a closing with an even kernel shifts the ink
    reach = side // 2
    padded = cv2.copyMakeBorder(inner.astype(np.uint8), reach, reach, reach, reach, cv2.BORDER_CONSTANT, value=0)
    joined = cv2.morphologyEx(padded, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)))
    return joined[reach:-reach, reach:-reach].astype(bool)


def _blot_mm(inner: np.ndarray) -> float:
    """Width in mm of the widest solid patch of ink: twice the largest disk that fits in it."""
    ink = cv2.copyMakeBorder(inner.astype(np.uint8), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    return 2 * float(cv2.distanceTransform(ink, cv2.DIST_L2, cv2.DIST_MASK_PRECISE).max()) / PX


def _locate_box(dark: np.ndarray, side: int, pad: int) -> tuple[int, int]:
    """Top-left of the printed outline in the crop: the expected spot, nudged to the best fit."""
    reach = round(defs.OMR_SEARCH * PX)
    template = np.zeros((side, side), np.float32)
    cv2.rectangle(template, (0, 0), (side - 1, side - 1), 1.0, 2)
    x0, y0 = max(0, pad - reach), max(0, pad - reach)
    window = dark[y0 : pad + side + reach, x0 : pad + side + reach].astype(np.float32)
    if window.shape[0] < side or window.shape[1] < side:
        return pad, pad
    scores = cv2.matchTemplate(window, template, cv2.TM_CCORR)
    _, best, _, (bx, by) = cv2.minMaxLoc(scores)
    ey, ex = min(pad - y0, scores.shape[0] - 1), min(pad - x0, scores.shape[1] - 1)
    if best <= scores[ey, ex] * 1.05:  # no clearly better fit: trust registration
        return pad, pad
    return x0 + bx, y0 + by


def _ring_ratio(dark: np.ndarray, x: int, y: int, side: int, inset: int) -> float:
    """Inked share of a band just outside the outline (strays), clear of neighbouring print."""
    gap = max(1, inset // 2)
    width = round(defs.OMR_RING * PX)
    outer = dark[max(0, y - gap - width) : y + side + gap + width, max(0, x - gap - width) : x + side + gap + width]
    hole = dark[max(0, y - gap) : y + side + gap, max(0, x - gap) : x + side + gap]
    ring_area = outer.size - hole.size
    return float(outer.sum() - hole.sum()) / ring_area if ring_area > 0 else 0.0
