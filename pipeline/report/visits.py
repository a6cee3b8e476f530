"""Visits as the reports count them: current record versions of the 家访记录表.

Only records whose status is ``auto`` or ``verified`` count; ``review`` ones are pending and
reported as such, never silently dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from pipeline.model.record import Record
from pipeline.store import records as record_store

COUNTED_STATUSES = ("auto", "verified")


@dataclass(frozen=True)
class Visit:
    form_id: str
    student_no: str
    class_name: str
    status: str  # record status
    date: dt.date | None
    mode: str | None  # option value of the record form's `mode` field
    visit_type: str | None
    teacher_nos: tuple[str, ...]  # 工号 resolved from the teachers field
    problems: str | None
    measures: tuple[str, ...]  # the 四措施 ticked
    followup_due: dt.date | None
    recorded_at: dt.datetime | None  # when the first version was stored (entry time)
    end_time: str | None  # "HH:MM" end of the visit, when written
    student_name: str = ""  # as pre-filled on the form (what the record says, not the roster)

    @property
    def counted(self) -> bool:
        return self.status in COUNTED_STATUSES


def load_visits(session: Session, *, class_name: str | None = None) -> list[Visit]:
    """Every returned record form (current version), counted or pending."""
    records = record_store.list_records(session, form="record", class_name=class_name)
    first_stored = {r.form_id: _first_time(session, r) for r in records}
    return [_visit(r, first_stored[r.form_id]) for r in records]


def _first_time(session: Session, record: Record) -> dt.datetime | None:
    if record.version == 1:
        return record.created_at
    history = record_store.record_history(session, record.form_id)
    return history[0].created_at if history else record.created_at


def _visit(record: Record, recorded_at: dt.datetime | None) -> Visit:
    f = record.fields

    def value(field_id: str) -> object:
        fv = f.get(field_id)
        return fv.value if fv else None

    time_range = value("visit_time")
    return Visit(
        form_id=record.form_id,
        student_no=record.student_no,
        class_name=record.class_name,
        status=record.status,
        date=_date(value("visit_date")),
        mode=value("mode") or None,  # type: ignore[arg-type]
        visit_type=value("visit_type") or None,  # type: ignore[arg-type]
        teacher_nos=tuple(f["teachers"].refs) if "teachers" in f else (),
        problems=value("problems") or None,  # type: ignore[arg-type]
        measures=tuple(value("followup_measures") or ()),  # type: ignore[arg-type]
        followup_due=_date(value("followup_due")),
        recorded_at=recorded_at,
        end_time=time_range.split("-")[1] if isinstance(time_range, str) and "-" in time_range else None,
        student_name=str(value("student_name") or ""),
    )


def _date(value: object) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None
