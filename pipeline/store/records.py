"""Records in the database: versions, field values and the files they came from.

Plain functions over a Session, dataclasses of pipeline.model.record in and out. A second
return for the same form id never overwrites: it becomes the current version and the earlier
one stays in the history.

A version is the readings of that return plus the human decisions that still apply: each
field row keeps its evidence (what it was read from, see :func:`field_evidence`), and a
decision on the version being replaced carries over while its evidence is unchanged. The
version number and the carried decisions are decided inside the write transaction with the
form locked (:func:`lock_form`), so concurrent ingests and decisions can neither allocate one
version twice nor slip a decision in between reading and writing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from pipeline.errors import StaleVersionError
from pipeline.model.correction import UNREADABLE
from pipeline.model.form import load_form
from pipeline.model.record import FieldValue, NarrativeLine, Record, ReturnedFile, display_text, is_empty, value_text
from pipeline.store.repo import as_utc, now
from pipeline.store.rows import from_row, to_values
from pipeline.store.schema import FieldValueRow, IssuedFormRow, RecordRow, ReturnedFileRow


def returned_file(session: Session, digest: str) -> ReturnedFile | None:
    row = session.get(ReturnedFileRow, digest)
    return from_row(ReturnedFile, row, received_at=as_utc(row.received_at)) if row else None


def add_returned_file(session: Session, f: ReturnedFile) -> None:
    session.merge(ReturnedFileRow(**to_values(f, ReturnedFileRow)))
    session.flush()


def field_evidence(raw: str, crop: str | None) -> str:
    """What a value was read from: the digest of its crop for scans (the image a reviewer
    judged), else the digest of the text the reader got (Word, PDF)."""
    if crop:
        return crop.split(".")[0]
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def lock_form(session: Session, form_id: str) -> None:
    """Hold ``form_id`` against concurrent new versions and decisions until the transaction ends.

    PostgreSQL locks the issued form's row; on SQLite every transaction already holds the
    database's write lock (BEGIN IMMEDIATE, see pipeline.store.workspace) and FOR UPDATE is
    not rendered.
    """
    session.execute(select(IssuedFormRow.form_id).where(IssuedFormRow.form_id == form_id).with_for_update())


def current_for_decision(session: Session, form_id: str, version: int) -> Record | None:
    """The current version of ``form_id``'s record, locked for a decision a person made while
    looking at ``version``; None when the form has no record.

    Raises StaleVersionError when ``version`` is no longer current: the person saw other
    evidence than the record now holds, so nothing may be written.
    """
    lock_form(session, form_id)
    record = current_record(session, form_id)
    if record is not None and record.version != version:
        raise StaleVersionError(
            f"表单 {form_id}：此记录已有新版本，请刷新后再核对（您核对的是第 {version} 版，现在是第 {record.version} 版）"
        )
    return record


def add_record(session: Session, record: Record) -> Record:
    """Store ``record`` as the newest version of its form, keeping the decisions of the version
    it replaces that still apply; returns it as stored (fields, version and time)."""
    lock_form(session, record.form_id)
    previous = _current_fields(session, record.form_id)
    evidence = {fid: field_evidence(fv.raw, fv.crop) for fid, fv in record.fields.items()}
    record = replace(record, fields={fid: _carried(previous.get(fid), fv, evidence[fid]) for fid, fv in record.fields.items()})
    record = _against_current(record, previous)
    latest = session.scalar(select(func.max(RecordRow.version)).where(RecordRow.form_id == record.form_id))
    session.execute(update(RecordRow).where(RecordRow.form_id == record.form_id).values(current=False))
    record = replace(record, version=(latest or 0) + 1, created_at=now())
    school = session.scalar(select(IssuedFormRow.school_code).where(IssuedFormRow.form_id == record.form_id))
    row = RecordRow(
        **to_values(record, RecordRow, current=True, status=record.status, notes=list(record.notes), school_code=school)
    )
    session.add(row)
    session.flush()
    if record.fields:
        session.execute(
            insert(FieldValueRow),
            [
                field_values(fv) | {"record_id": row.id, "field_id": fid, "evidence": evidence[fid]}
                for fid, fv in record.fields.items()
            ],
        )
    return record


def _current_fields(session: Session, form_id: str) -> dict[str, tuple[FieldValue, str | None]]:
    """Each field of the current version with its evidence (empty when there is no version)."""
    query = (
        select(FieldValueRow)
        .join(RecordRow, RecordRow.id == FieldValueRow.record_id)
        .where(RecordRow.form_id == form_id, RecordRow.current.is_(True))
    )
    return {row.field_id: (_field_value(row), row.evidence) for row in session.scalars(query)}


def _carried(previous: tuple[FieldValue, str | None] | None, new: FieldValue, evidence: str) -> FieldValue:
    """A field of a new version: a person's decision stays while the evidence they judged is
    unchanged; when it changed, the new reading goes to review showing both values."""
    if previous is None:
        return new
    old, judged = previous
    if (old.source, old.status) != ("human", "verified"):
        return new
    if judged == evidence:
        return old
    decided = value_text(old.value) if old.value is not None else ("无法辨认" if old.message == UNREADABLE else "（空）")
    note = f"此前人工核对为“{decided}”，新读到“{display_text(new) or '（空）'}”，请核对"
    return replace(new, status="review", message="；".join(m for m in (note, new.message) if m))


ANOTHER_VISIT = (
    "这份表上次交回时记的是 {old} 的家访，这次是 {new}：若是改正日期，核对后确认即可；"
    "若是另一次家访（旧表又填了一遍），请为这次家访另发一张表，上一次家访的内容在本表的历史版本中"
)
EMPTIED = "上一版此栏为“{old}”，这一版是空的：若是有意删去，核对后确认即可；若交回的是旧稿，请把填全的那份重新交回"


def _against_current(record: Record, previous: dict[str, tuple[FieldValue, str | None]]) -> Record:
    """``record`` with what it would silently undo of the current version sent to a person: a
    value emptied (an earlier draft returned after the finished form), and a visit date changed
    (a form filled again for a later visit). Either would replace the current version without a
    word, the old values left only in the history."""
    fields = dict(record.fields)
    for f in load_form(record.form).fields:
        old, new = previous.get(f.id, (None, None))[0], fields.get(f.id)
        if old is None or new is None or is_empty(old.value) or old.value == new.value:
            continue
        if is_empty(new.value):
            note = EMPTIED.format(old=value_text(old.value))
        elif f.role == "visit_date":
            note = ANOTHER_VISIT.format(old=value_text(old.value), new=value_text(new.value))
        else:
            continue
        fields[f.id] = replace(new, status="review", message="；".join(m for m in (note, new.message) if m))
    return replace(record, fields=fields)


def current_record(session: Session, form_id: str) -> Record | None:
    query = select(RecordRow).where(RecordRow.form_id == form_id, RecordRow.current.is_(True))
    rows = _load(session, session.scalars(query).all())
    return rows[0] if rows else None


def record_history(session: Session, form_id: str) -> list[Record]:
    """Every version of one form's record, oldest first."""
    query = select(RecordRow).where(RecordRow.form_id == form_id).order_by(RecordRow.version)
    return _load(session, session.scalars(query).all())


def list_records(
    session: Session,
    *,
    class_name: str | None = None,
    status: str | None = None,
    form: str | None = None,
    student_no: str | None = None,
    school: str | None = None,
) -> list[Record]:
    """Current versions, filtered (``school``: a school's code, None for every school); ordered
    by class, student and form id."""
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
    if school is not None:
        query = query.where(RecordRow.school_code == school)
    return _load(session, session.scalars(query).all())


def _load(session: Session, rows: Sequence[RecordRow]) -> list[Record]:
    """``rows`` as records, with their fields and what their issued forms say."""
    if not rows:
        return []
    ids = [r.id for r in rows]
    values: dict[int, dict[str, FieldValue]] = {i: {} for i in ids}
    for fv in session.scalars(select(FieldValueRow).where(FieldValueRow.record_id.in_(ids))):
        values[fv.record_id][fv.field_id] = _field_value(fv)
    issued = {
        i.form_id: i
        for i in session.scalars(select(IssuedFormRow).where(IssuedFormRow.form_id.in_({r.form_id for r in rows})))
    }
    return [_record(r, issued[r.form_id], values[r.id]) for r in rows]


def _record(row: RecordRow, issued: IssuedFormRow, fields: dict[str, FieldValue]) -> Record:
    return from_row(
        Record,
        row,
        form=issued.form,
        student_no=issued.student_no,
        class_name=issued.class_name,
        layout_hash=issued.layout_hash,
        fields=fields,
        created_at=as_utc(row.created_at),
        notes=tuple(row.notes),
    )


def _field_value(row: FieldValueRow) -> FieldValue:
    refs = tuple(r for r in row.refs if isinstance(r, str))
    lines = tuple(NarrativeLine.from_json(r) for r in row.refs if isinstance(r, dict))
    return from_row(FieldValue, row, refs=refs, lines=lines)


def field_values(fv: FieldValue) -> dict[str, Any]:
    """The columns of a field row that hold ``fv``. Its JSON ``refs`` column holds the roster
    keys (strings), then, for a scanned narrative, one object per line read
    (:class:`NarrativeLine`). The lines ride in this column so that the schema needs no new
    one: both are what the value was resolved to."""
    return to_values(fv, FieldValueRow, refs=[*fv.refs, *(line.as_json() for line in fv.lines)])
