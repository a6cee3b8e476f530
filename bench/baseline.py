"""Whole-page OCR baseline for bench/ingest.py: values found next to their printed labels.

Detection + recognition run on the full page (no markers, no registration, no field boxes).
For every fillable field of the page's layout the label's text is looked for among the detected
lines; the value is the text that follows it on its row up to the next label (short text, digit
combs), or the lines under it down to the next label (free text, signatures: any ink found
counts as signed). Checkboxes cannot be read by OCR and get no value. Rows are compared after
turning the page by its skew, estimated from where pairs of labels were found against where the
layout prints them — the layout's own label positions, not our marker registration.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import Levenshtein

from pipeline.model.form import FieldDef, PageDef
from pipeline.recognize.engine import TextLine

BELOW_KINDS = ("multiline", "signature")  # the value is under the label, not beside it
ROW_BAND = 0.75  # label heights: a piece centred this close to the label's centre is on its row
SKEW_PAIR_MM = 30.0  # labels at least this far apart in the layout give a skew estimate
STATIC_PREFIX = 6  # characters of a printed sentence that identify it
FUZZY_MIN = 4  # labels this long may be found with one character misread
FOOTER = re.compile(r"第\s*\d+\s*/\s*\d+\s*页")


@dataclass(frozen=True)
class Piece:
    """Part of a detected line in deskewed page pixels: a label (``key``), a stop or text."""

    key: str | None  # field id of a label, "" for printed text that only bounds, None for text
    text: str
    x0: float
    x1: float
    cy: float
    h: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass(frozen=True)
class _Span:
    line: int
    start: int
    end: int
    key: str


def page_values(page: PageDef, lines: Sequence[TextLine]) -> dict[str, Any]:
    """Values of the page's fillable non-checkbox fields, in the export contract's form."""
    spans = _label_spans(page, lines)
    theta = _skew(page, lines, spans)
    pieces = [p for i, line in enumerate(lines) for p in _pieces(line, [s for s in spans if s.line == i], theta)]
    labels = {p.key: p for p in pieces if p.key}
    bounds = [p for p in pieces if p.key is not None]
    values: dict[str, Any] = {}
    for f in page.fields:
        if f.fillable and not f.options:
            label = labels.get(f.id)
            texts = [] if label is None else _below(label, bounds, pieces) if f.kind in BELOW_KINDS else _beside(label, bounds, pieces)
            values[f.id] = _value(f, texts) if label is not None else None
    return values


# --- finding the printed labels ---------------------------------------------------------------


def _label_spans(page: PageDef, lines: Sequence[TextLine]) -> list[_Span]:
    """Where each label (field id) and each bounding printed text ("") sits in the lines."""
    spans: list[_Span] = []
    for f in sorted(page.fields, key=lambda f: -len(f.label)):  # 家长意见建议 before 家长
        found = _locate(f.label, lines, spans)
        if found:
            spans.append(_Span(*found, key=f.id))
    for i, line in enumerate(lines):
        text = _squash(line.text)
        printed = any(_squash(t.text)[:STATIC_PREFIX] in text for t in page.texts) or FOOTER.search(text)
        if printed and not any(s.line == i for s in spans):
            spans.append(_Span(i, 0, len(text), ""))
    return spans


def _locate(label: str, lines: Sequence[TextLine], taken: list[_Span]) -> tuple[int, int, int] | None:
    """(line, start, end) of the first free occurrence of ``label``: at a line's start, else
    anywhere (the school name in the title holds 学校), else with one character misread."""
    tiers = [(0, True), (0, False)] + ([(1, False)] if len(label) >= FUZZY_MIN else [])
    for tolerance, at_start in tiers:
        for i, line in enumerate(lines):
            text = _squash(line.text)
            for start in range(min(1, len(text)) if at_start else len(text) - len(label) + 1):
                end = start + len(label)
                free = not any(s.line == i and s.start < end and start < s.end for s in taken)
                if free and Levenshtein.distance(text[start:end], label) <= tolerance:
                    return i, start, end
    return None


def _skew(page: PageDef, lines: Sequence[TextLine], spans: list[_Span]) -> float:
    """Radians the page is turned by: median over label pairs of found minus printed angle."""
    by_id = {f.id: f for f in page.fields}
    points = [(by_id[s.key], _span_start(lines[s.line], s)) for s in spans if s.key]
    angles = []
    for n, (fa, pa) in enumerate(points):
        for fb, pb in points[n + 1 :]:
            ta, tb = _printed_at(fa), _printed_at(fb)
            if math.dist(ta, tb) >= SKEW_PAIR_MM:
                found = math.atan2(pb[1] - pa[1], pb[0] - pa[0])
                printed = math.atan2(tb[1] - ta[1], tb[0] - ta[0])
                angles.append(math.remainder(found - printed, math.tau))
    return statistics.median(angles) if angles else 0.0


def _printed_at(f: FieldDef) -> tuple[float, float]:
    return f.label_box.x, f.label_box.y + f.label_box.h / 2


def _span_start(line: TextLine, span: _Span) -> tuple[float, float]:
    x, y, w, h = line.box_px
    return x + w * span.start / max(len(_squash(line.text)), 1), y + h / 2


# --- pieces, rows and columns -----------------------------------------------------------------


def _pieces(line: TextLine, spans: list[_Span], theta: float) -> list[Piece]:
    """The line cut at its labels; each part placed by its share of the line's characters."""
    text = _squash(line.text)
    cuts = sorted({0, len(text), *(b for s in spans for b in (s.start, s.end))})
    keys = {(s.start, s.end): s.key for s in spans}
    parts = [(a, b, keys.get((a, b))) for a, b in zip(cuts, cuts[1:])] or [(0, 0, None)]
    return [_place(line, text, a, b, key, theta) for a, b, key in parts if key is not None or b > a or not text]


def _place(line: TextLine, text: str, a: int, b: int, key: str | None, theta: float) -> Piece:
    x, y, w, h = line.box_px
    n = max(len(text), 1)
    x0, x1 = x + w * a / n, x + w * (b if text else n) / n
    cx, cy = (x0 + x1) / 2, y + h / 2
    turned_x = cx * math.cos(theta) + cy * math.sin(theta)
    turned_y = -cx * math.sin(theta) + cy * math.cos(theta)
    return Piece(key, text[a:b], turned_x - (x1 - x0) / 2, turned_x + (x1 - x0) / 2, turned_y, float(h))


def _on_row(piece: Piece, label: Piece) -> bool:
    return abs(piece.cy - label.cy) <= ROW_BAND * label.h


def _right_bound(label: Piece, bounds: Sequence[Piece]) -> float:
    """Where the next label to the right on the label's row starts."""
    return min((b.x0 for b in bounds if b is not label and _on_row(b, label) and b.x0 > label.x1), default=math.inf)


def _beside(label: Piece, bounds: Sequence[Piece], pieces: Sequence[Piece]) -> list[str]:
    right = _right_bound(label, bounds)
    row = [p for p in pieces if p.key is None and _on_row(p, label) and label.x1 - label.h <= p.cx < right]
    return [p.text for p in sorted(row, key=lambda p: p.cx)]


def _below(label: Piece, bounds: Sequence[Piece], pieces: Sequence[Piece]) -> list[str]:
    """Text under the label, in its column, above the row of the next label down."""
    left, right = label.x0 - label.h, _right_bound(label, bounds)
    under = [b.cy - ROW_BAND * b.h for b in bounds if b.cy > label.cy + label.h and b.x1 > left and b.x0 < right]
    bottom = min(under, default=math.inf)
    region = [p for p in pieces if p.key is None and label.cy + label.h / 2 < p.cy < bottom and left <= p.cx < right]
    return [p.text for p in _reading_order(region, label.h)]


def _reading_order(pieces: list[Piece], line_h: float) -> list[Piece]:
    """Rows top to bottom (a piece starts a new row half a line below the row's first), each left to right."""
    rows: list[list[Piece]] = []
    for piece in sorted(pieces, key=lambda p: p.cy):
        if rows and piece.cy - rows[-1][0].cy < line_h / 2:
            rows[-1].append(piece)
        else:
            rows.append([piece])
    return [p for row in rows for p in sorted(row, key=lambda p: p.cx)]


# --- values -----------------------------------------------------------------------------------


def _value(f: FieldDef, texts: list[str]) -> Any:
    if f.kind == "signature":
        return bool(texts)
    text = "".join(texts).strip(":：")
    if f.kind in ("date", "time_range", "phone", "digits"):
        return _digits_value(f.kind, "".join(re.findall(r"\d", text)))
    return text or None


def _digits_value(kind: str, digits: str) -> str | None:
    if kind == "date" and len(digits) == 8:
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
    if kind == "time_range" and len(digits) == 8:
        return f"{digits[:2]}:{digits[2:4]}-{digits[4:6]}:{digits[6:]}"
    return digits or None


def _squash(text: str) -> str:
    return "".join(text.split())
