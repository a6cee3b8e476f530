"""Light on a photographed page: uneven light and shadows flattened, glare found.

A phone photo's paper is bright on one side and dim on the other, often with the phone's shadow
across it. The paper's own light is estimated by a grayscale closing wider than any dark print
a reader looks at (ink and lines vanish, a shadow's edge stays a step) and the page is divided
by it, so paper comes out one grey and a tick in shadow has the same contrast as a tick in light.
Glare is where the photo is saturated over an area big enough to hide a stroke.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline import defs

_WORK_PX_PER_MM = 2.0  # the light estimate is smooth: it is computed at a quarter of the registered scale


def flatten_light(page: np.ndarray) -> np.ndarray:
    """``page`` (grey, registered at REGISTERED_PX_PER_MM) divided by its paper's light."""
    factor = _WORK_PX_PER_MM / defs.REGISTERED_PX_PER_MM
    small = cv2.resize(page, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    side = round(defs.LIGHT_KERNEL * _WORK_PX_PER_MM) | 1
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (side, side)))
    paper = cv2.GaussianBlur(paper.astype(np.float32), (0, 0), defs.LIGHT_SMOOTH * _WORK_PX_PER_MM)
    paper = cv2.resize(paper, (page.shape[1], page.shape[0]), interpolation=cv2.INTER_LINEAR)
    flat = page.astype(np.float32) * defs.LIGHT_PAPER_LEVEL / np.maximum(paper, 1.0)
    return np.clip(flat, 0, 255).astype(np.uint8)


def glare_mask(page: np.ndarray) -> np.ndarray:
    """Where ``page`` (grey, registered) is saturated in blobs of GLARE_MIN_AREA or more."""
    saturated = (page >= defs.GLARE_LEVEL).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(saturated, connectivity=8)
    least = defs.GLARE_MIN_AREA * defs.REGISTERED_PX_PER_MM**2
    keep = np.zeros(count, dtype=bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= least
    return keep[labels]


def sharpen(page: np.ndarray) -> np.ndarray:
    """``page`` (grey, registered) with its strokes' blur halo narrowed by an unsharp mask: a
    phone's defocus and shake spread a pen stroke into a grey rim that the ink measures take
    for faint or broken writing (sending right digits to review), which a scan's stroke has not.
    The sensor's and the JPEG's pixel noise is taken out first (a small median, which keeps
    edges), so the full-strength mask sharpens strokes, not grains beside them that the faint
    measure would join to the stroke's rim."""
    quiet = cv2.medianBlur(page, defs.PHOTO_DENOISE_APERTURE)
    sigma = defs.PHOTO_SHARPEN_SIGMA * defs.REGISTERED_PX_PER_MM
    amount = defs.PHOTO_SHARPEN_AMOUNT
    return cv2.addWeighted(quiet, 1 + amount, cv2.GaussianBlur(quiet, (0, 0), sigma), -amount, 0)
