"""What calibration and the review load read from the database: reviewer decisions as
labelled examples and timings, the fields still waiting, and workspace settings."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.orm import Session

from pipeline import defs
from pipeline.model.calibration import Example, field_kinds, threshold_key
from pipeline.store.repo import as_utc, now
from pipeline.store.schema import CorrectionRow, FieldValueRow, IssuedFormRow, RecordRow, SettingRow

__all__ = [
    "decision_seconds",
    "get_setting",
    "labelled_examples",
    "last_decision_at",
    "put_setting",
    "waiting_confidences",
    "waiting_fields",
]


def labelled_examples(session: Session) -> list[Example]:
    """Every field a person decided, as the reader's confidence and whether its value was right.

    The example is the first decision on a field version made on a reader's value (later ones
    judge a person's); its verdict is the field's last decision: right when the value finally
    kept is the one read. Decisions from before migration 0008 carry no confidence and are left out.
    """
    query = select(CorrectionRow).order_by(CorrectionRow.id)
    first: dict[tuple[str, int, str], CorrectionRow] = {}
    final: dict[tuple[str, int, str], CorrectionRow] = {}
    for row in session.scalars(query):
        at = (row.form_id, row.version, row.field_id)
        final[at] = row
        if row.old_source != "human" and at not in first:
            first[at] = row
    return [
        Example(threshold_key(row.old_source, row.kind), row.old_confidence, _kept(row, final[at]))
        for at, row in first.items()
        if row.old_confidence is not None and row.kind is not None
    ]


def _kept(read: CorrectionRow, last: CorrectionRow) -> bool:
    return last.action != "unreadable" and last.new_value == read.old_value


def decision_seconds(session: Session) -> dict[str, list[float]]:
    """Measured seconds from showing a field to its decision, by field kind."""
    query = select(CorrectionRow.kind, CorrectionRow.seconds).where(
        CorrectionRow.kind.is_not(None), CorrectionRow.seconds.is_not(None)
    )
    found: dict[str, list[float]] = {}
    for kind, seconds in session.execute(query):
        if kind is not None and seconds is not None:  # always, by the query; this tells the type checker
            found.setdefault(kind, []).append(seconds)
    return found


def last_decision_at(session: Session, operator: str) -> dt.datetime | None:
    at = session.scalar(select(func.max(CorrectionRow.at)).where(CorrectionRow.operator == operator))
    return as_utc(at) if at is not None else None


def waiting_fields(session: Session, versions: Collection[tuple[str, int]] | None = None) -> tuple[int, Counter[tuple[str, str]]]:
    """Records considered (current ones, or the given (form id, version) pairs) and their
    fields in ``review`` counted by (form, field id)."""
    if versions is None:
        return _waiting(session, RecordRow.current.is_(True))
    pairs = list(versions)
    records, fields = 0, Counter[tuple[str, str]]()
    step = defs.SQL_IN_CHUNK // 2  # two parameters a pair
    for start in range(0, len(pairs), step):
        n, found = _waiting(session, tuple_(RecordRow.form_id, RecordRow.version).in_(pairs[start : start + step]))
        records, fields = records + n, fields + found
    return records, fields


def _waiting(session: Session, condition: ColumnElement[bool]) -> tuple[int, Counter[tuple[str, str]]]:
    chosen = (
        select(RecordRow.id, IssuedFormRow.form)
        .join(IssuedFormRow, IssuedFormRow.form_id == RecordRow.form_id)
        .where(condition)
        .subquery()
    )
    count = session.scalar(select(func.count()).select_from(chosen)) or 0
    query = (
        select(chosen.c.form, FieldValueRow.field_id, func.count())
        .join(FieldValueRow, FieldValueRow.record_id == chosen.c.id)
        .where(FieldValueRow.status == "review")
        .group_by(chosen.c.form, FieldValueRow.field_id)
    )
    return count, Counter({(form, field_id): n for form, field_id, n in session.execute(query)})


def waiting_confidences(session: Session) -> dict[str, list[float]]:
    """Confidences of the fields of current records waiting for review, by reader and kind."""
    query = (
        select(IssuedFormRow.form, FieldValueRow.field_id, FieldValueRow.source, FieldValueRow.confidence)
        .join(RecordRow, RecordRow.id == FieldValueRow.record_id)
        .join(IssuedFormRow, IssuedFormRow.form_id == RecordRow.form_id)
        .where(RecordRow.current.is_(True), FieldValueRow.status == "review")
    )
    found: dict[str, list[float]] = {}
    for form, field_id, source, confidence in session.execute(query):
        kind = field_kinds(form).get(field_id)
        if kind is not None:
            found.setdefault(threshold_key(source, kind), []).append(confidence)
    return found


def get_setting(session: Session, key: str) -> dict[str, Any] | None:
    row = session.get(SettingRow, key)
    return dict(row.value) if row is not None else None


def put_setting(session: Session, key: str, value: dict[str, Any], operator: str) -> None:
    """Store ``value`` under ``key`` (replacing what was there)."""
    row = session.get(SettingRow, key)
    if row is None:
        session.add(SettingRow(key=key, value=value, operator=operator, updated_at=now()))
    else:
        row.value, row.operator, row.updated_at = value, operator, now()
    session.flush()
