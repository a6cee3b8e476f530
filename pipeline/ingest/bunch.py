"""Phone photos arrive in bunches: of several pictures of one form page in a batch, keep one.

A teacher photographs a page twice, or sends it again a minute later. Pictures (see
:func:`pipeline.ingest.classify.is_picture`) are grouped by the form page their QR code names;
the best of a group is kept (read beats quarantined, then the reading's quality, then the
picture's sharpness) and every other one is set aside as a duplicate naming the kept file, so a
page photographed twice makes one record version and one quarantined page at most, never two.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np
from sqlalchemy.orm import Session

from pipeline.model.scan import ScannedPage
from pipeline.store import scans

SAME_PAGE = "与“{kept}”是同一页（表单 {form_id} 第 {page} 页）的照片，已保留“{kept}”，这一张不再使用"


def sharpness(image: np.ndarray) -> float:
    """Variance of the Laplacian: higher for a sharper picture with more pixels on fine detail."""
    return float(cv2.Laplacian(image, cv2.CV_32F).var())


@dataclass(frozen=True)
class Shot:
    digest: str
    name: str  # file name, as the clerk knows it
    rank: tuple[bool, float, float]  # (read, quality of the reading, sharpness)


@dataclass
class Bunch:
    """The kept picture of every form page seen in one batch."""

    kept: dict[tuple[str, int], Shot] = field(default_factory=dict)

    def place(self, session: Session, page: ScannedPage, name: str, picture_sharpness: float) -> ScannedPage:
        """``page`` (of the picture file ``name``) as it is to be stored: a duplicate when a
        better picture of its form page was kept; else kept, and the picture kept before it
        becomes a duplicate in the store."""
        if page.status not in ("read", "quarantined") or page.form_id is None or page.page_no is None:
            return page
        key = (page.form_id, page.page_no)
        read = page.status == "read"
        shot = Shot(page.digest, name, (read, page.quality if read else 0.0, picture_sharpness))
        kept = self.kept.get(key)
        if kept is not None and kept.rank >= shot.rank:
            return replace(page, status="duplicate", reason=_same_page(kept.name, key))
        self.kept[key] = shot
        if kept is not None:
            scans.set_status(session, kept.digest, "duplicate", _same_page(name, key))
        return page


def _same_page(kept: str, key: tuple[str, int]) -> str:
    return SAME_PAGE.format(kept=kept, form_id=key[0], page=key[1])
