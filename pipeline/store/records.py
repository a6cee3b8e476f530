"""Records in the database: versions, field values and the files they came from.

Plain functions over a Session, dataclasses of pipeline.model.record in and out. A second
return for the same form id never overwrites: it becomes the current version and the earlier
one stays in the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.orm import Session

from pipeline.model.record import FieldValue, Record, ReturnedFile
from pipeline.store.repo import as_utc, now
from pipeline.store.schema import FieldValueRow, IssuedFormRow, RecordRow, ReturnedFileRow


def returned_file(session: Session, digest: str) -> ReturnedFile | None:
    row = session.get(ReturnedFileRow, digest)
    if row is None:
        return None
    return ReturnedFile(
        digest=row.digest,
        suffix=row.suffix,
        name=row.name,
        kind=row.kind,
        size=row.size,
        outcome=row.outcome,
        message=row.message,
        form_id=row.form_id,
        batch_id=row.batch_id,
        received_at=as_utc(row.received_at),
    )


def add_returned_file(session: Session, f: ReturnedFile) -> None:
    session.merge(
        ReturnedFileRow(
            digest=f.digest,
            suffix=f.suffix,
            name=f.name,
            kind=f.kind,
            size=f.size,
            outcome=f.outcome,
            message=f.message,
            form_id=f.form_id,
            batch_id=f.batch_id,
            received_at=f.received_at,
        )
    )
    session.flush()


def add_record(session: Session, record: Record) -> Record:
    """Store ``record`` as the newest version of its form; returns it with version and time."""
    latest = session.scalar(select(func.max(RecordRow.version)).where(RecordRow.form_id == record.form_id))
    version = (latest or 0) + 1
    session.execute(update(RecordRow).where(RecordRow.form_id == record.form_id).values(current=False))
    stamp = now()
    row = RecordRow(
        form_id=record.form_id,
        version=version,
        current=True,
        status=record.status,
        reader=record.reader,
        source_file=record.source_file,
        notes=list(record.notes),
        created_at=stamp,
    )
    session.add(row)
    session.flush()
    if record.fields:
        session.execute(
            insert(FieldValueRow),
            [
                {
                    "record_id": row.id,
                    "field_id": fid,
                    "value": fv.value,
                    "raw": fv.raw,
                    "confidence": fv.confidence,
                    "source": fv.source,
                    "status": fv.status,
                    "message": fv.message,
                    "crop": fv.crop,
                    "refs": list(fv.refs),
                }
                for fid, fv in record.fields.items()
            ],
        )
    return replace(record, version=version, created_at=stamp)


def current_record(session: Session, form_id: str) -> Record | None:
    rows = _load(session, select(RecordRow).where(RecordRow.form_id == form_id, RecordRow.current.is_(True)))
    return rows[0] if rows else None


def record_history(session: Session, form_id: str) -> list[Record]:
    """Every version of one form's record, oldest first."""
    return _load(session, select(RecordRow).where(RecordRow.form_id == form_id).order_by(RecordRow.version))


def list_records(
    session: Session,
    *,
    class_name: str | None = None,
    status: str | None = None,
    form: str | None = None,
    student_no: str | None = None,
) -> list[Record]:
    """Current versions, filtered; ordered by class, student and form id."""
    query = (
        select(RecordRow)
        .join(IssuedFormRow, IssuedFormRow.form_id == RecordRow.form_id)
        .where(RecordRow.current.is_(True))
        .order_by(IssuedFormRow.class_name, IssuedFormRow.student_no, RecordRow.form_id)
    )
    if class_name:
        query = query.where(IssuedFormRow.class_name == class_name)
    if status:
        query = query.where(RecordRow.status == status)
    if form:
        query = query.where(IssuedFormRow.form == form)
    if student_no:
        query = query.where(IssuedFormRow.student_no == student_no)
    return _load(session, query)


def _load(session: Session, query: Select[tuple[RecordRow]]) -> list[Record]:
    rows: Sequence[RecordRow] = session.scalars(query).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    values: dict[int, dict[str, FieldValue]] = {i: {} for i in ids}
    for fv in session.scalars(select(FieldValueRow).where(FieldValueRow.record_id.in_(ids))):
        values[fv.record_id][fv.field_id] = FieldValue(
            value=fv.value,
            raw=fv.raw,
            confidence=fv.confidence,
            source=fv.source,
            status=fv.status,
            message=fv.message,
            crop=fv.crop,
            refs=tuple(fv.refs),
        )
    issued = {
        i.form_id: i
        for i in session.scalars(select(IssuedFormRow).where(IssuedFormRow.form_id.in_({r.form_id for r in rows})))
    }
    return [
        Record(
            form_id=r.form_id,
            form=issued[r.form_id].form,
            student_no=issued[r.form_id].student_no,
            class_name=issued[r.form_id].class_name,
            layout_hash=issued[r.form_id].layout_hash,
            fields=values[r.id],
            source_file=r.source_file,
            version=r.version,
            created_at=as_utc(r.created_at),
            reader=r.reader,
            notes=tuple(r.notes),
        )
        for r in rows
    ]
