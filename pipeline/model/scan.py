"""Scanned pages: what the scan reader learnt about one page image, stored before any record.

Every page of a returned stack gets one :class:`ScannedPage`, keyed by the hash of its pixels,
whatever became of it: read, blank, a duplicate of a better page, quarantined with the
reason, or refused (a photo or screenshot that is no form of ours). Records are built from the
read pages of a form, so a page that arrives later (a missing page found) simply makes a new
version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from pipeline.model.record import RawValue

PAGE_STATUSES = ("read", "blank", "duplicate", "quarantined", "refused")  # refused: a picture that is no form of ours


@dataclass(frozen=True)
class ScannedPage:
    digest: str  # SHA-256 of the page's pixels: what makes scan ingest idempotent
    source_file: str  # file-store name of the scan file the page came from
    page_index: int  # 0-based position in that file
    status: str  # one of PAGE_STATUSES
    reason: str = ""  # why quarantined / which page it duplicates (Chinese)
    form_id: str | None = None
    page_no: int | None = None
    layout_hash: str | None = None
    image: str | None = None  # file-store name of the page image as scanned
    registered: str | None = None  # file-store name of the page warped onto the template
    residual_mm: float | None = None  # registration fit
    quality: float = 0.0  # higher is better; decides which of two scans of one page is kept
    sharpness: float | None = None  # of a phone's picture (None for a scanner's page): ranks two pictures of one page
    values: Mapping[str, RawValue] = field(default_factory=dict)
    batch_id: str = ""
    consumed: bool = False  # already part of a record version
    created_at: dt.datetime | None = None
