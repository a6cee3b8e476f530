"""Registration markers: ArUco symbols drawn as vector modules filling each marker box."""

from __future__ import annotations

from functools import cache

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from pipeline import defs
from pipeline.model.form import Marker

_CELLS = 6  # a 4x4 ArUco code plus its one-module black border


@cache
def marker_bits(marker_id: int) -> tuple[tuple[bool, ...], ...]:
    """Black (True) and white cells of an ArUco marker, top row first, border included."""
    import cv2  # here, not at the top: `jiafang doctor` must start to say that OpenCV cannot load

    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, defs.MARKER_DICTIONARY))
    black = cv2.aruco.generateImageMarker(dictionary, marker_id, _CELLS) < 128
    return tuple(tuple(bool(black[row, col]) for col in range(_CELLS)) for row in range(_CELLS))


def draw_marker(canvas: Canvas, marker: Marker, page_height_mm: float) -> None:
    """Draw ``marker`` so its black border fills ``marker.box`` exactly."""
    cell_w = marker.box.w / _CELLS
    cell_h = marker.box.h / _CELLS
    path = canvas.beginPath()
    for r, row in enumerate(marker_bits(marker.id)):
        y = page_height_mm - marker.box.y - (r + 1) * cell_h
        for c, black in enumerate(row):
            if black:
                path.rect((marker.box.x + c * cell_w) * mm, y * mm, cell_w * mm, cell_h * mm)
    canvas.saveState()
    canvas.setFillGray(0)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
