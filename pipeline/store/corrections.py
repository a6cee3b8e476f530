"""Reviewer decisions in the database: a field of the current record version set in place,
the record's status recomputed, the old value and the evidence judged kept in the
``corrections`` table. Callers first take the record with
:func:`pipeline.store.records.current_for_decision` in the same transaction, which refuses a
decision made on an older version."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pipeline.model.correction import Correction
from pipeline.model.record import FieldValue, weakest
from pipeline.store.records import field_values
from pipeline.store.repo import as_utc, now
from pipeline.store.rows import from_row, to_values
from pipeline.store.schema import CorrectionRow, FieldValueRow, IssuedFormRow, RecordRow


def set_field_value(session: Session, form_id: str, version: int, field_id: str, value: FieldValue) -> str:
    """Replace one field of version ``version`` of ``form_id``'s record (its evidence stays:
    the decision was made on it); returns the record's new status (the weakest of its fields')."""
    record_id = _record_id(session, form_id, version)
    session.execute(
        update(FieldValueRow)
        .where(FieldValueRow.record_id == record_id, FieldValueRow.field_id == field_id)
        .values(field_values(value))
    )
    statuses = session.scalars(select(FieldValueRow.status).where(FieldValueRow.record_id == record_id))
    status = weakest(statuses)
    session.execute(update(RecordRow).where(RecordRow.id == record_id).values(status=status))
    return status


def add_correction(session: Session, correction: Correction) -> Correction:
    """Keep ``correction`` with its time and the evidence of the field it decided."""
    evidence = session.scalar(
        select(FieldValueRow.evidence).where(
            FieldValueRow.record_id == _record_id(session, correction.form_id, correction.version),
            FieldValueRow.field_id == correction.field_id,
        )
    )
    stamped = replace(correction, at=now(), evidence=evidence)
    session.add(CorrectionRow(**to_values(stamped, CorrectionRow)))
    session.flush()
    return stamped


def _record_id(session: Session, form_id: str, version: int) -> int:
    record_id = session.scalar(select(RecordRow.id).where(RecordRow.form_id == form_id, RecordRow.version == version))
    if record_id is None:
        raise LookupError(f"no record version {version} for form {form_id}")
    return record_id


def corrections_for(session: Session, form_id: str) -> list[Correction]:
    """Every decision on ``form_id``'s records, oldest first."""
    query = select(CorrectionRow).where(CorrectionRow.form_id == form_id).order_by(CorrectionRow.id)
    return [from_row(Correction, r, at=as_utc(r.at)) for r in session.scalars(query)]


def pending_count(session: Session, *, classes: Collection[str] | None = None) -> int:
    """Fields of current record versions still waiting for review (of ``classes`` only, when given)."""
    query = (
        select(func.count())
        .select_from(FieldValueRow)
        .join(RecordRow, RecordRow.id == FieldValueRow.record_id)
        .where(RecordRow.current.is_(True), FieldValueRow.status == "review")
    )
    if classes is not None:
        query = query.join(IssuedFormRow, IssuedFormRow.form_id == RecordRow.form_id).where(IssuedFormRow.class_name.in_(classes))
    return session.scalar(query) or 0
