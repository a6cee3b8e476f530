"""Two of our pages side by side on one picture: a form printed two pages to a sheet (Word's and
WPS's 每版打印 2 页: both pages of a record, or two students' forms, shrunk onto one A4 sheet) or
two sheets laid side by side on an A3 scanner. Each page's QR symbol lies in its own half of the
picture across its long side; the halves are then read as pages of their own, at the scale the
sheet was printed (a half holds a page shrunk to fit it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.identity import PagePayload
from pipeline.scan.identify import Point, rotation_of

_LABELS = {1: ("左半页", "右半页"), 0: ("上半页", "下半页")}  # by the axis cut across


@dataclass(frozen=True, eq=False)
class Half:
    label: str  # where on the picture, as a clerk says it (左半页 …)
    image: np.ndarray
    scale: float  # printed size of a page in this half / its size on paper (0.71 on a 2-up A4 sheet)
    shares: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)  # left, top, right, bottom of the picture it covers, as shares


def halves(
    image: np.ndarray, symbols: Sequence[tuple[PagePayload, tuple[Point, ...]]], *, dpi: float, page_size: tuple[float, float]
) -> list[Half]:
    """The two halves of ``image`` (scanned at ``dpi``) when its QR ``symbols`` name two pages,
    upright alike, one in each half across the picture's long side; [] otherwise (one page, the
    back's symbol showing through, two sheets overlapping). ``page_size`` (mm) is the form's."""
    pages = {(p.form_id, p.page): points for p, points in symbols}
    if len(pages) != 2 or len({rotation_of(points) for points in pages.values()}) != 1:
        return []
    axis = 1 if image.shape[1] > image.shape[0] else 0
    middle = image.shape[axis] / 2
    if {_side(points, axis, middle) for points in pages.values()} != {"before", "after"}:
        return []
    cut = image.shape[axis] // 2
    parts = (image[:, :cut], image[:, cut:]) if axis else (image[:cut], image[cut:])
    share = cut / image.shape[axis]
    shares = ((0.0, 0.0, share, 1.0), (share, 0.0, 1.0, 1.0)) if axis else ((0.0, 0.0, 1.0, share), (0.0, share, 1.0, 1.0))
    return [
        Half(label, np.ascontiguousarray(part), _scale(part.shape, dpi, page_size), where)
        for label, part, where in zip(_LABELS[axis], parts, shares)
    ]


def _side(points: tuple[Point, ...], axis: int, middle: float) -> str:
    coordinates = [point[1 - axis] for point in points]  # a point is (x, y); axis 1 is x
    return "before" if max(coordinates) < middle else "after" if min(coordinates) >= middle else "across"


def _scale(half: tuple[int, ...], dpi: float, page_size: tuple[float, float]) -> float:
    """How much a page fitted into a ``half`` of the sheet is shrunk: 0.71 on an A4 sheet printed
    two pages to a side, 1.0 for two A4 sheets on an A3 scanner."""
    short, long = (px * 25.4 / dpi for px in sorted(half[:2]))
    short_page, long_page = sorted(page_size)
    return min(short / short_page, long / long_page, 1.0)
