"""Reviewer decisions on single fields: accept, correct, mark unreadable.

Each decision names the record version the person was looking at (``version``, required:
every decision here is a person's, and a person always saw one version). It applies only
while that version is current; after a newer return it raises StaleVersionError and writes
nothing, because the person judged evidence the record no longer holds. The check and the
write are one transaction with the form locked, so a new version cannot slip in between.
Later versions keep the decision while its evidence is unchanged (pipeline.store.records).

A decision makes the field ``verified``
with source ``human``, the record's status is recomputed (reports count it from then on),
the old value is kept in the ``corrections`` table and the decision is written to the audit
log as "old → new". A typed value is normalised and validated like a value read from a
returned form: what cannot be read as the field's kind is refused; what only breaks a rule
(a date outside the school year, a teacher not in the list) is refused unless the reviewer
confirms it against the paper (``confirm=True``), and the rule's message stays on the field.

Unreadable: the value becomes None, status ``verified``, message :data:`UNREADABLE` — a
person has looked and the ink says nothing usable, so the record no longer waits for review.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from pipeline import defs
from pipeline.access import require_current
from pipeline.scope.access import check_student_scope
from pipeline.scope.schools import student_policy
from pipeline.errors import CorrectionError, ReviewError
from pipeline.model.audit import AuditEvent
from pipeline.model.correction import UNREADABLE, Correction
from pipeline.model.form import CHOICE_KINDS, FieldDef, load_form
from pipeline.model.record import FieldValue, Raw, Record, display_text, value_text
from pipeline.store import repo
from pipeline.store.audit import log_event
from pipeline.store.calibration import last_decision_at
from pipeline.store.corrections import add_correction, set_field_value
from pipeline.store.records import current_for_decision
from pipeline.store.repo import now
from pipeline.store.workspace import Workspace
from pipeline.validate import ValidationContext, normalise, raw_text
from pipeline.validate.rules import Finding, check_field

__all__ = ["UNREADABLE", "accept_field", "correct_field", "display_text", "mark_unreadable", "review_field", "value_text"]

Typed = str | list[str] | bool

_SEPARATORS = re.compile(r"[、,;/\s]+")  # after NFKC: ，；／ are ASCII
_SIGNED = frozenset({"是", "有", "√", "✓", "✔", "已签", "1", "y", "yes", "true"})
_UNSIGNED = frozenset({"", "否", "无", "没有", "未签", "0", "n", "no", "false"})


def review_field(
    ws: Workspace,
    form_id: str,
    field_id: str,
    typed: str,
    *,
    version: int,
    operator: str,
    confirm: bool = False,
    shown_at: dt.datetime | None = None,
) -> Record:
    """What a reviewer pressing Enter means: the shown value unchanged accepts it, anything
    else corrects it. ``shown_at``: when the station showed the field (times the decision)."""

    def decide(session: Session) -> Record:
        record, field, old = _field(session, form_id, field_id, version, operator)
        if old.value is not None and typed.strip() == display_text(old):
            return _decide(session, record, field_id, old, _accepted(old), "accept", operator, shown_at)
        new = _corrected(session, ws, record, field, old, typed, confirm)
        return _decide(session, record, field_id, old, new, "correction", operator, shown_at)

    return ws.write(decide)


def correct_field(
    ws: Workspace, form_id: str, field_id: str, typed: Typed, *, version: int, operator: str, confirm: bool = False
) -> Record:
    """Set the field to the value a person typed (validated by the field's kind and rules)."""

    def decide(session: Session) -> Record:
        record, field, old = _field(session, form_id, field_id, version, operator)
        new = _corrected(session, ws, record, field, old, typed, confirm)
        return _decide(session, record, field_id, old, new, "correction", operator)

    return ws.write(decide)


def accept_field(ws: Workspace, form_id: str, field_id: str, *, version: int, operator: str) -> Record:
    """Confirm the value as read: same value, now ``verified`` by a person."""

    def decide(session: Session) -> Record:
        record, _, old = _field(session, form_id, field_id, version, operator)
        return _decide(session, record, field_id, old, _accepted(old), "accept", operator)

    return ws.write(decide)


def mark_unreadable(
    ws: Workspace, form_id: str, field_id: str, *, version: int, operator: str, shown_at: dt.datetime | None = None
) -> Record:
    """A person looked and cannot read the ink: value None, ``verified``, message UNREADABLE."""

    def decide(session: Session) -> Record:
        record, _, old = _field(session, form_id, field_id, version, operator)
        new = FieldValue(None, old.raw, 1.0, "human", "verified", UNREADABLE, old.crop)
        return _decide(session, record, field_id, old, new, "unreadable", operator, shown_at)

    return ws.write(decide)


def _accepted(old: FieldValue) -> FieldValue:
    return FieldValue(old.value, old.raw, 1.0, "human", "verified", "", old.crop, old.refs)


def _corrected(
    session: Session, ws: Workspace, record: Record, field: FieldDef, old: FieldValue, typed: Typed, confirm: bool
) -> FieldValue:
    """The typed value normalised and checked; raises CorrectionError when it is refused."""
    raw = _typed_raw(field, typed)
    n = normalise(field, raw, school_year=ws.policy.school_year)
    if n.problem:
        raise CorrectionError(f"{field.label}：{n.problem}")
    findings = _rule_findings(session, ws, record, field, n.value)
    warnings = [f.message for f in findings if f.message]
    if warnings and not confirm:
        raise CorrectionError(f"{field.label}：{'；'.join(warnings)}", overridable=True)
    return FieldValue(
        value=n.value,
        raw=raw_text(raw),
        confidence=1.0,
        source="human",
        status="verified",
        message="；".join(f"人工确认：{w}" for w in warnings),
        crop=old.crop,
        refs=tuple(ref for f in findings for ref in f.refs),
    )


def _field(session: Session, form_id: str, field_id: str, version: int, operator: str) -> tuple[Record, FieldDef, FieldValue]:
    record = current_for_decision(session, form_id, version)
    if record is None:
        raise ReviewError(f"表单 {form_id} 还没有读回的记录，无法复核。请检查表单编号")
    require_current("review", record.class_name)
    check_student_scope(session, operator, record.student_no)
    form = load_form(record.form)
    if field_id not in record.fields or field_id not in {f.id for f in form.fields}:
        raise ReviewError(f"表单 {form_id}（{form.title}）没有字段 {field_id}。请检查字段编号")
    return record, form.field(field_id), record.fields[field_id]


def _typed_raw(field: FieldDef, typed: Typed) -> Raw:
    """A typed value as a reader would have seen it: option numbers become option values,
    signature words become ink present or not."""
    if isinstance(typed, bool):
        if field.kind != "signature":
            raise CorrectionError(f"{field.label}：不是签名栏，不能填“是/否”")
        return typed
    if isinstance(typed, list):
        return tuple(typed)
    text = unicodedata.normalize("NFKC", typed).strip()
    if field.kind == "signature":
        return _signature(field, text)
    if field.kind in CHOICE_KINDS:
        return _option_numbers(field, text)
    return typed.strip()


def _signature(field: FieldDef, text: str) -> bool:
    word = text.casefold()
    if word in _SIGNED:
        return True
    if word in _UNSIGNED:
        return False
    raise CorrectionError(f"{field.label}：“{text}”无法理解，请填“是”（有签名）或“否”（无签名）")


def _option_numbers(field: FieldDef, text: str) -> str | tuple[str, ...]:
    """"1、3" means the first and third options, unless an option is itself a number."""
    parts = [p for p in _SEPARATORS.split(text) if p]
    numbered = parts and all(p.isdigit() and 1 <= int(p) <= len(field.options) for p in parts)
    if not numbered or any(v.isdigit() for v in field.option_values):
        return text
    return tuple(field.option_values[int(p) - 1] for p in parts)


def _rule_findings(
    session: Session, ws: Workspace, record: Record, field: FieldDef, value: Any
) -> list[Finding]:
    student = repo.get_student(session, record.student_no)
    if student is None:
        raise ReviewError(f"表单 {record.form_id} 的学生（学籍号 {record.student_no}）不在花名册中。请先导入花名册")
    teachers = repo.list_teachers(session, school=repo.student_school(session, record.student_no))
    context = ValidationContext(
        student_policy(session, ws, record.student_no), student, teachers, dt.date.today(), classmates=repo.classmates(session, student)
    )
    values = {fid: fv.value for fid, fv in record.fields.items()} | {field.id: value}
    # flagged: an empty value is the reviewer's statement that the paper is empty
    return check_field(field, values, load_form(record.form), context, flagged=True)


def _decide(
    session: Session,
    record: Record,
    field_id: str,
    old: FieldValue,
    new: FieldValue,
    action: str,
    operator: str,
    shown_at: dt.datetime | None = None,
) -> Record:
    seconds = _decision_seconds(session, operator, shown_at)
    set_field_value(session, record.form_id, record.version, field_id, new)
    add_correction(
        session,
        Correction(
            form_id=record.form_id,
            version=record.version,
            field_id=field_id,
            action=action,
            old_value=old.value,
            old_raw=old.raw,
            old_source=old.source,
            old_status=old.status,
            new_value=new.value,
            operator=operator,
            old_confidence=old.confidence,
            kind=load_form(record.form).field(field_id).kind,
            seconds=seconds,
        ),
    )
    log_event(
        session,
        AuditEvent(
            action="correction",
            operator=operator,
            scope=f"record {record.form_id} field {field_id}",
            options={"decision": action, "version": record.version, "label": _label(record, field_id)},
            output=f"{_shown(old)} → {_shown(new)}",
        ),
    )
    return replace(record, fields={**record.fields, field_id: new})


def _decision_seconds(session: Session, operator: str, shown_at: dt.datetime | None) -> float | None:
    """Seconds this decision took: from when the field was shown, or from the operator's
    previous decision when that came later (a queue page shows many fields at once). None
    when not shown by the station or after a pause longer than defs.REVIEW_TIMING_MAX."""
    if shown_at is None:
        return None
    previous = last_decision_at(session, operator)
    started = max(shown_at, previous) if previous is not None else shown_at
    seconds = (now() - started).total_seconds()
    return seconds if 0 <= seconds <= defs.REVIEW_TIMING_MAX else None


def _label(record: Record, field_id: str) -> str:
    return load_form(record.form).field(field_id).label


def _shown(fv: FieldValue) -> str:
    return value_text(fv.value) if fv.value is not None else "（空）"
