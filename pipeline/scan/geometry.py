"""Template-space geometry of registered pages: millimetres to pixels and box crops."""

from __future__ import annotations

import numpy as np

from pipeline import defs
from pipeline.model.form import Box, PageDef


def mm_to_px(v: float) -> int:
    """A length or coordinate in mm as whole pixels of a registered page."""
    return round(v * defs.REGISTERED_PX_PER_MM)


def px_to_mm(v: float) -> float:
    """Pixels of a registered page as mm."""
    return v / defs.REGISTERED_PX_PER_MM


def registered_shape(page_size_mm: tuple[float, float]) -> tuple[int, int]:
    """(rows, columns) of a registered page of ``page_size_mm`` (width, height)."""
    width, height = page_size_mm
    return mm_to_px(height), mm_to_px(width)


def crop_mm(registered: np.ndarray, box: Box, *, pad_mm: float = 0.0) -> np.ndarray:
    """The part of a registered page inside ``box`` grown by ``pad_mm``, clipped to the page.

    A view, not a copy: copy it before drawing on it.
    """
    rows, cols = registered.shape[:2]
    top = min(max(mm_to_px(box.y - pad_mm), 0), rows)
    bottom = min(max(mm_to_px(box.bottom + pad_mm), top), rows)
    left = min(max(mm_to_px(box.x - pad_mm), 0), cols)
    right = min(max(mm_to_px(box.right + pad_mm), left), cols)
    return registered[top:bottom, left:right]


def sheet_size_mm(form_page: PageDef) -> tuple[float, float]:
    """(width, height) of the paper in mm, from the markers' symmetric inset."""
    right = max(m.box.right for m in form_page.markers) + defs.MARKER_INSET
    bottom = max(m.box.bottom for m in form_page.markers) + defs.MARKER_INSET
    return right, bottom
