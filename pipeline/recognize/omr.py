"""Checkboxes: how much of a box's inner area is inked, and what that means.

A checkbox crop is the option box cut from the registered page with ``defs.OMR_PAD`` mm of
page around it. The printed outline is located in the crop (registration leaves a pixel or two
of error) and left out: fill is measured in the inner area inset from the outline, strays in a
ring outside it.

The rule (thresholds in defs, calibrated on synthetic ticks, crosses and fills, see the
lead's report):
- fill >= OMR_FILLED_MIN: ``crossed_out`` — the form tells writers to withdraw a choice by
  filling its box completely, so a filled box is never a choice, ticked before or not;
- fill >= OMR_TICK_MIN: ``ticked``;
- fill >= OMR_AMBIGUOUS_MIN: ``ticked`` when ink also crosses the border into the ring (a tick
  whose arm strays out of the box), else ``ambiguous`` (a faint or short mark: a person looks);
- below: ``empty``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline import defs
from pipeline.model.form import FieldDef
from pipeline.model.record import RawValue
from pipeline.recognize.ink import binarize

PX = defs.REGISTERED_PX_PER_MM
STATES = ("empty", "ticked", "ambiguous", "crossed_out")
DOUBT_MANY = "选了多个"
DOUBT_AMBIGUOUS = "勾选不清"


@dataclass(frozen=True)
class CheckboxReading:
    fill_ratio: float  # inked share of the inner area
    state: str  # one of STATES
    confidence: float  # 0.5 at a threshold, 1.0 far from every threshold
    ring_ratio: float = 0.0  # inked share of the ring just outside the box


def read_checkbox(crop: np.ndarray, *, pad_mm: float = defs.OMR_PAD) -> CheckboxReading:
    """Read one option box cut with ``pad_mm`` of page around it."""
    gray = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    dark = binarize(gray)
    side = round(defs.OPTION_BOX * PX)
    x, y = _locate_box(dark, side, round(pad_mm * PX))
    inset = round(defs.OMR_INSET * PX)
    inner = dark[y + inset : y + side - inset, x + inset : x + side - inset]
    fill = float(inner.mean()) if inner.size else 0.0
    ring = _ring_ratio(dark, x, y, side, inset)
    return _judge(fill, ring)


def read_choice_group(crops: Sequence[np.ndarray], field: FieldDef) -> RawValue:
    """The ticked option values of one choice field, with doubt where a person must look."""
    readings = [read_checkbox(c) for c in crops]
    ticked = tuple(o.value for o, r in zip(field.options, readings) if r.state == "ticked")
    ambiguous = [o.value for o, r in zip(field.options, readings) if r.state == "ambiguous"]
    confidence = min((r.confidence for r in readings), default=1.0)
    doubt = ""
    if ambiguous:
        doubt = f"{DOUBT_AMBIGUOUS}：{'、'.join(ambiguous)}"
    elif field.kind == "single_choice" and len(ticked) > 1:
        doubt = DOUBT_MANY
    if doubt:
        confidence = min(confidence, 0.5)
    return RawValue(raw=ticked, confidence=confidence, source="omr", doubt=doubt)


def _judge(fill: float, ring: float) -> CheckboxReading:
    if fill >= defs.OMR_FILLED_MIN:
        state = "crossed_out"
    elif fill >= defs.OMR_TICK_MIN:
        state = "ticked"
    elif fill >= defs.OMR_AMBIGUOUS_MIN:
        state = "ticked" if ring >= defs.OMR_STRAY_MIN else "ambiguous"
    else:
        state = "empty"
    if state == "ambiguous":
        confidence = 0.5
    else:
        thresholds = (defs.OMR_AMBIGUOUS_MIN, defs.OMR_TICK_MIN, defs.OMR_FILLED_MIN)
        margin = min(abs(fill - t) / t for t in thresholds)
        confidence = 0.5 + 0.5 * min(1.0, 2 * margin)
    return CheckboxReading(fill, state, round(confidence, 4), ring)


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
