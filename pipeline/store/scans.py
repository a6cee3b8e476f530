"""Scanned pages in the database: plain functions, pipeline.model.scan dataclasses in and out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pipeline.model.record import NarrativeLine, RawValue
from pipeline.model.scan import ScannedPage
from pipeline.store.repo import as_utc, now
from pipeline.store.rows import from_row, to_values
from pipeline.store.schema import ScanPageRow


def scanned_page(session: Session, digest: str) -> ScannedPage | None:
    row = session.get(ScanPageRow, digest)
    return _page(row) if row else None


def add_scanned_page(session: Session, page: ScannedPage) -> None:
    values = {fid: _raw_json(v) for fid, v in page.values.items()}
    session.merge(ScanPageRow(**to_values(page, ScanPageRow, values=values, created_at=page.created_at or now())))
    session.flush()


def rival_pages(session: Session, form_id: str, page_no: int) -> list[ScannedPage]:
    """The pages stored as page ``page_no`` of ``form_id`` that are read or wait for a person."""
    query = (
        select(ScanPageRow)
        .where(ScanPageRow.form_id == form_id, ScanPageRow.page_no == page_no, ScanPageRow.status.in_(("read", "quarantined")))
        .order_by(ScanPageRow.created_at)
    )
    return [_page(r) for r in session.scalars(query)]


def read_pages(session: Session, form_id: str) -> list[ScannedPage]:
    """The pages of one form that were read (not duplicates), by page number."""
    query = (
        select(ScanPageRow)
        .where(ScanPageRow.form_id == form_id, ScanPageRow.status == "read")
        .order_by(ScanPageRow.page_no, ScanPageRow.created_at)
    )
    return [_page(r) for r in session.scalars(query)]


def unfilled_page_numbers(session: Session, form_id: str) -> set[int]:
    """Page numbers of ``form_id`` scanned with nothing written on them (stored as blank)."""
    query = select(ScanPageRow.page_no).where(ScanPageRow.form_id == form_id, ScanPageRow.status == "blank")
    return {n for n in session.scalars(query) if n is not None}


def forms_with_new_pages(session: Session) -> list[str]:
    """Form ids with read pages not yet part of a record version."""
    query = select(ScanPageRow.form_id).where(ScanPageRow.status == "read", ScanPageRow.consumed.is_(False)).distinct()
    return sorted(fid for fid in session.scalars(query) if fid)


def has_new_pages(session: Session, form_id: str) -> bool:
    """True when ``form_id`` has read pages not yet part of a record version."""
    query = select(ScanPageRow.digest).where(
        ScanPageRow.form_id == form_id, ScanPageRow.status == "read", ScanPageRow.consumed.is_(False)
    )
    return session.scalar(query.limit(1)) is not None


def is_read(session: Session, digest: str) -> bool:
    """True when the page ``digest`` is stored as read (it may already be part of a record)."""
    return session.scalar(select(ScanPageRow.status).where(ScanPageRow.digest == digest)) == "read"


def mark_consumed(session: Session, form_id: str) -> None:
    session.execute(update(ScanPageRow).where(ScanPageRow.form_id == form_id).values(consumed=True))


def set_status(session: Session, digest: str, status: str, reason: str) -> None:
    session.execute(update(ScanPageRow).where(ScanPageRow.digest == digest).values(status=status, reason=reason))


def pages_with_status(session: Session, status: str) -> list[ScannedPage]:
    query = select(ScanPageRow).where(ScanPageRow.status == status).order_by(ScanPageRow.created_at)
    return [_page(r) for r in session.scalars(query)]


def _raw_json(v: RawValue) -> dict[str, Any]:
    raw = list(v.raw) if isinstance(v.raw, tuple) else v.raw
    lines = {"lines": [line.as_json() for line in v.lines]} if v.lines else {}
    return {"raw": raw, "confidence": v.confidence, "source": v.source, "doubt": v.doubt, "crop": v.crop, **lines}


def _raw_value(d: dict[str, Any]) -> RawValue:
    raw = tuple(d["raw"]) if isinstance(d["raw"], list) else d["raw"]
    lines = tuple(NarrativeLine.from_json(line) for line in d.get("lines", ()))
    return RawValue(raw=raw, confidence=d["confidence"], source=d["source"], doubt=d["doubt"], crop=d["crop"], lines=lines)


def _page(row: ScanPageRow) -> ScannedPage:
    values = {fid: _raw_value(v) for fid, v in row.values.items()}
    return from_row(ScannedPage, row, values=values, created_at=as_utc(row.created_at))
