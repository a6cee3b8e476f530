"""Visits as the reports count them: current record versions of the 家访记录表.

A visit counts as soon as the fields the reports count it by (the roles in COUNTING_ROLES:
student, date, mode, type, measures) are ``auto`` or ``verified``, whatever its other fields
wait for (a scanned narrative draft keeps a record in ``review`` for days); visits whose
counting fields still wait are pending and reported as such, never silently dropped. Any
other value a report shows (the teachers named, the problem found) is taken only once it is
known itself: until then it is absent, and the sheets say how many counted records still
have fields pending. Values are read from the fields the form declares by ``role`` and
options by ``counts_as`` (forms/record.yaml), never by field id or option text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from pipeline.model.form import FormDef, load_form
from pipeline.model.policy import VISIT_FORM
from pipeline.model.record import FieldValue, Record, weakest
from pipeline.store import records as record_store

COUNTED_STATUSES = ("auto", "verified")
# The roles a visit is counted by in the 统计表, the compliance to-do list and the ledger.
COUNTING_ROLES = ("student", "visit_date", "visit_mode", "visit_type", "four_measures")


@dataclass(frozen=True)
class Visit:
    form_id: str
    student_no: str
    class_name: str
    status: str  # the weakest status of its COUNTING_ROLES fields: counted when auto or verified
    date: dt.date | None
    mode: str | None  # option ticked in the record form's visit_mode field
    visit_type: str | None
    teacher_nos: tuple[str, ...]  # 工号 resolved from the teachers field
    problems: str | None
    measures: tuple[str, ...]  # the 四措施 ticked
    followup_due: dt.date | None
    recorded_at: dt.datetime | None  # when the first version was stored (entry time)
    end_time: str | None  # "HH:MM" end of the visit, when written
    student_name: str = ""  # as pre-filled on the form (what the record says, not the roster)
    followup: bool = False  # its visit type is the one the form declares counts_as: followup
    others_pending: bool = False  # fields outside COUNTING_ROLES still wait for review

    @property
    def counted(self) -> bool:
        return self.status in COUNTED_STATUSES

    @property
    def counted_with_pending(self) -> bool:
        """Counted, while other fields of its record still wait for review."""
        return self.counted and self.others_pending


def load_visits(
    session: Session, *, class_name: str | None = None, form: FormDef | None = None, school: str | None = None
) -> list[Visit]:
    """Every returned record form (current version) of ``school`` (a code; None: every school),
    counted or pending; ``form`` is the definition its fields are read by (the shipped record
    form unless given)."""
    form = form or load_form(VISIT_FORM)
    records = record_store.list_records(session, form=form.id, class_name=class_name, school=school)
    first_stored = {r.form_id: _first_time(session, r) for r in records}
    return [visit_of(r, form, first_stored[r.form_id]) for r in records]


def _first_time(session: Session, record: Record) -> dt.datetime | None:
    if record.version == 1:
        return record.created_at
    history = record_store.record_history(session, record.form_id)
    return history[0].created_at if history else record.created_at


def visit_of(record: Record, form: FormDef, recorded_at: dt.datetime | None = None) -> Visit:
    """One record as the reports see it, each value taken from the field with its role. A
    value outside COUNTING_ROLES is taken only once its field is ``auto`` or ``verified``;
    those of COUNTING_ROLES are known whenever the visit counts, and on a pending visit their
    drafts only place it in a month as pending."""

    def known(role: str) -> FieldValue | None:
        fv = form.by_role(record.fields, role)
        return fv if fv is not None and (role in COUNTING_ROLES or fv.status in COUNTED_STATUSES) else None

    def value(role: str) -> object:
        fv = known(role)
        return fv.value if fv else None

    status = weakest(fv.status for role in COUNTING_ROLES if (fv := form.by_role(record.fields, role)) is not None)
    teachers = known("teachers")
    time_range = value("visit_time")
    visit_type = value("visit_type") or None
    type_field = form.with_role("visit_type")
    followup_type = type_field.option_meaning("followup") if type_field else None
    return Visit(
        form_id=record.form_id,
        student_no=record.student_no,
        class_name=record.class_name,
        status=status,
        date=_date(value("visit_date")),
        mode=value("visit_mode") or None,  # type: ignore[arg-type]
        visit_type=visit_type,  # type: ignore[arg-type]
        teacher_nos=tuple(teachers.refs) if teachers else (),
        problems=value("problems") or None,  # type: ignore[arg-type]
        measures=tuple(value("four_measures") or ()),  # type: ignore[arg-type]
        followup_due=_date(value("followup_due")),
        recorded_at=recorded_at,
        end_time=time_range.split("-")[1] if isinstance(time_range, str) and "-" in time_range else None,
        student_name=str(value("student") or ""),
        followup=visit_type is not None and visit_type == followup_type,
        others_pending=record.status not in COUNTED_STATUSES,
    )


def counted_with_pending_by(visits: Iterable[Visit], as_of: dt.date) -> int:
    """How many counted visits up to ``as_of`` still have other fields in review."""
    return sum(v.counted_with_pending and v.date is not None and v.date <= as_of for v in visits)


def _date(value: object) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None


def pending_fields_note(records: int) -> tuple[str, ...]:
    """The note on counted records whose other fields (narratives, names) still wait."""
    return (f"其中 {records} 份记录仍有其他栏目待核对（已计入；核对不改变以上计数所用的栏目）。",) if records else ()
