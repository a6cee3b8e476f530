"""Records typed online: the visit record form as a web page, and what its submission becomes.

The page is derived from the same form model as the print PDF (:func:`web_form` walks
``FormDef.fields`` and their kinds, options, rules and prefill), so a field added to
``forms/record.yaml`` appears in both. A submission is read like any other return: it becomes a
:class:`Reading` whose values go through pipeline.validate with the school's rules; when a
rule objects nothing is stored and the page shows the message at the field. Otherwise the
record is stored as the next version of its form with source ``web`` and every field
``verified`` (the teacher typed it). Which form id a record gets: the one the page was opened
for (editing an online record), else an issued 家访记录表 of the student that nothing came back
for yet, else a new one issued now (no print file).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.access import require_current
from pipeline.calibrate import workspace_thresholds
from pipeline.scope.schools import student_policy
from pipeline.errors import JiafangError
from pipeline.model.audit import AuditEvent
from pipeline.model.form import FieldDef, FormDef, load_form
from pipeline.model.issuance import IssuedForm
from pipeline.model.people import Student
from pipeline.model.policy import VISIT_FORM
from pipeline.model.prefill import prefill_values
from pipeline.model.record import FieldValue, RawValue, Reading, Record, value_text
from pipeline.store import repo
from pipeline.store.audit import log_event
from pipeline.store.records import add_record, current_for_decision, current_record, list_records
from pipeline.store.schema import RecordRow
from pipeline.store.workspace import Workspace
from pipeline.validate import ValidationContext, to_record

SOURCE = "web"  # FieldValue.source and Record.reader of a record typed online
BATCH_PREFIX = "W"  # batch id of a form issued for an online record (no print batch)
# The HTML control each field kind is typed in.
CONTROLS = {
    "text": "text",
    "multiline": "textarea",
    "date": "date",
    "time_range": "time_range",
    "phone": "tel",
    "digits": "digits",
    "single_choice": "radio",
    "multi_choice": "checkbox",
    "signature": "confirm",
}


class OnlineRecordError(JiafangError):
    """A submission is refused; ``problems`` says why at each field (field id → message)."""

    def __init__(self, message: str, problems: Mapping[str, str] | None = None) -> None:
        self.problems = dict(problems or {})
        super().__init__(message)


@dataclass(frozen=True)
class WebField:
    """One field of the web form: what the page shows and what the teacher typed (or was pre-filled)."""

    id: str
    label: str
    kind: str
    control: str  # one of CONTROLS' values
    required: bool
    hint: str
    options: tuple[str, ...]
    prefilled: bool  # printed from the roster: shown, not typed
    value: Any  # normalised value (as a record keeps it), None when empty
    problem: str = ""

    @property
    def text(self) -> str:
        return value_text(self.value)

    @property
    def chosen(self) -> tuple[str, ...]:
        """The options ticked (choice kinds)."""
        if isinstance(self.value, list):
            return tuple(self.value)
        return (self.value,) if isinstance(self.value, str) else ()

    @property
    def times(self) -> tuple[str, str]:
        """Start and end of a time range ("", "" when empty)."""
        start, _, end = (self.value or "").partition("-")
        return start, end


@dataclass(frozen=True)
class WebForm:
    form_id: str  # "" until the first submission issues one
    version: int  # the record version the page shows (0: no record yet)
    title: str
    student: Student
    fields: tuple[WebField, ...]

    @property
    def prefilled(self) -> tuple[WebField, ...]:
        return tuple(f for f in self.fields if f.prefilled)

    @property
    def typed(self) -> tuple[WebField, ...]:
        return tuple(f for f in self.fields if not f.prefilled)


def web_form(
    form: FormDef,
    student: Student,
    *,
    school_name: str,
    form_id: str = "",
    version: int = 0,
    values: Mapping[str, Any] | None = None,
    problems: Mapping[str, str] | None = None,
) -> WebForm:
    """The web page of ``form`` for ``student``: every field of the definition, in its order,
    with the roster's values in the pre-filled ones and ``values`` in the others."""
    prefill = prefill_values(form, student, school_name=school_name, form_id=form_id or "（提交后分配）")
    values, problems = values or {}, problems or {}
    return WebForm(
        form_id=form_id,
        version=version,
        title=form.title,
        student=student,
        fields=tuple(
            WebField(
                id=f.id,
                label=f.label,
                kind=f.kind,
                control=CONTROLS[f.kind],
                required=f.required,
                hint=f.hint,
                options=f.option_values,
                prefilled=not f.fillable,
                value=prefill[f.id] if not f.fillable else values.get(f.id),
                problem=problems.get(f.id, ""),
            )
            for f in form.fields
        ),
    )


def posted_values(form: FormDef, posted: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """What the page posted, field by field, as a reader's raw value: text, the options
    ticked, a confirmed signature, a time range joined "HH:MM-HH:MM"."""
    return {f.id: _posted(f, posted) for f in form.fields if f.fillable}


def _posted(field: FieldDef, posted: Mapping[str, Sequence[str]]) -> Any:
    def first(name: str) -> str:
        return (list(posted.get(name, ())) or [""])[0].strip()

    control = CONTROLS[field.kind]
    if control in ("radio", "checkbox"):
        return tuple(v for v in posted.get(field.id, ()) if v)
    if control == "confirm":
        return first(field.id) == "1"
    if control == "time_range":
        start, end = first(f"{field.id}__start"), first(f"{field.id}__end")
        return f"{start}-{end}" if start or end else ""
    return first(field.id)


def online_form(ws: Workspace, student_no: str, form_id: str = "") -> WebForm:
    """The page for a new online record of ``student_no`` (``form_id`` empty), or for
    editing the online record ``form_id`` (its current values)."""
    form = load_form(VISIT_FORM)
    with ws.session() as session:
        student = _student(session, student_no)
        require_current("online_record", student.class_name)
        target = form_id or _unreturned_form(session, student_no) or ""
        record = current_record(session, target) if target else None
        if form_id:
            _check_editable(form_id, student, repo.get_issued_form(session, form_id), record)
    values = {k: fv.value for k, fv in record.fields.items()} if record else None
    return web_form(
        form,
        student,
        school_name=ws.policy.school.name,
        form_id=target,
        version=record.version if record else 0,
        values=values,
    )


def submit_online_record(
    ws: Workspace,
    student_no: str,
    posted: Mapping[str, Sequence[str]],
    *,
    form_id: str = "",
    version: int = 0,
    operator: str,
    today: dt.date | None = None,
) -> Record:
    """Validate what the page posted and store it as the next version of the student's
    record form (see the module docstring); OnlineRecordError when a rule objects, and
    StaleVersionError when someone stored a version after ``version`` (nothing is written)."""
    form = load_form(VISIT_FORM)
    with ws.session() as session:
        student = _student(session, student_no)
        require_current("online_record", student.class_name)
        teachers = repo.list_teachers(session, school=repo.student_school(session, student_no))
        policy = student_policy(session, ws, student_no)  # the student's school's, in a district's store
        thresholds = workspace_thresholds(session)
        classmates = repo.classmates(session, student)
    raw = posted_values(form, posted)
    context = ValidationContext(policy, student, teachers, today or dt.date.today(), thresholds, classmates)

    def store(session: Session) -> Record:
        issued = _target(session, form, student, form_id)
        current = current_for_decision(session, issued.form_id, version)
        _check_editable(issued.form_id, student, issued, current)
        reading = Reading(issued.form_id, {fid: RawValue(v, 1.0, SOURCE) for fid, v in raw.items()}, SOURCE)
        record = _verified(to_record(reading, form=form, issued=issued, context=context, source_file=""))
        stored = add_record(session, record)
        scope = f"record {stored.form_id}"
        log_event(session, AuditEvent("online_record", operator, scope, {"student_no": student_no, "version": stored.version}))
        return stored

    return ws.write(store)


def _verified(record: Record) -> Record:
    """Every field as typed by the teacher (``verified``), or OnlineRecordError with what the
    rules found at each field."""
    problems = {fid: fv.message for fid, fv in record.fields.items() if fv.status == "review"}
    if problems:
        raise OnlineRecordError(f"有 {len(problems)} 项需要改正后再提交，见各项下方的提示", problems)
    return replace(record, fields={fid: _typed(fv) for fid, fv in record.fields.items()})


def _typed(fv: FieldValue) -> FieldValue:
    return replace(fv, raw=fv.raw or value_text(fv.value), confidence=1.0, source=SOURCE, status="verified", message="")


def _target(session: Session, form: FormDef, student: Student, form_id: str) -> IssuedForm:
    """The issued form the record is stored under (see the module docstring)."""
    if form_id:
        issued = repo.get_issued_form(session, form_id)
        if issued is None:
            raise OnlineRecordError(f"表单编号 {form_id} 从未在本工作区发放，请从在线填写页面重新打开该学生")
        return issued
    unreturned = _unreturned_form(session, student.student_no)
    if unreturned:
        found = repo.get_issued_form(session, unreturned)
        assert found is not None  # just listed
        return found
    return _issue(session, form, student)


def _issue(session: Session, form: FormDef, student: Student) -> IssuedForm:
    repo.save_layout(session, form)
    issued = IssuedForm(
        form_id=repo.unused_form_ids(session, form.id, 1)[0],
        form=form.id,
        form_version=form.version,
        layout_hash=form.layout_hash,
        student_no=student.student_no,
        class_name=student.class_name,
        pages=form.page_count,
        batch_id=repo.new_batch_id(BATCH_PREFIX),
        files=(),
        created_at=repo.now(),
    )
    repo.add_issued_forms(session, [issued])
    return issued


def _unreturned_form(session: Session, student_no: str) -> str | None:
    """The student's earliest issued 家访记录表 that no return or online record was stored for."""
    returned = set(session.scalars(select(RecordRow.form_id).distinct()))
    return next(
        (i.form_id for i in repo.issued_forms_for(session, student_no) if i.form == VISIT_FORM and i.form_id not in returned),
        None,
    )


def _check_editable(form_id: str, student: Student, issued: IssuedForm | None, record: Record | None) -> None:
    """Only the student's own 家访记录表, and only one that came back online (a paper or Word
    return is corrected at the review station, where its evidence is shown)."""
    if issued is None or issued.student_no != student.student_no or issued.form != VISIT_FORM:
        raise OnlineRecordError(f"表单 {form_id} 不是{student.name}的家访记录表，请从在线填写页面重新打开该学生")
    if record is not None and record.reader != SOURCE:
        raise OnlineRecordError(f"表单 {form_id} 已由纸质或 Word 交回读入，请在复核页面核对修改，不能在线改写")


def _student(session: Session, student_no: str) -> Student:
    student = repo.get_student(session, student_no)
    if student is None:
        raise OnlineRecordError(f"学籍号 {student_no} 不在花名册中，请从在线填写页面选择班级和学生")
    return student


@dataclass(frozen=True)
class OnlineClass:
    """A class as the online-record page lists it: its students and their online records."""

    name: str
    students: tuple[Student, ...]
    records: Mapping[str, tuple[Record, ...]]  # 学籍号 → that student's online records


def online_classes(ws: Workspace) -> list[str]:
    """The classes the operator the request acts for may fill online records for."""
    visible = require_current("online_record").visible_classes()
    with ws.session() as session:
        return [c for c in repo.list_classes(session) if visible is None or c in visible]


def online_class(ws: Workspace, class_name: str) -> OnlineClass:
    """The students of ``class_name`` with the online records stored for them."""
    require_current("online_record", class_name)
    with ws.session() as session:
        students = repo.list_students(session, class_name=class_name)
        found = list_records(session, class_name=class_name, form=VISIT_FORM)
    records: dict[str, tuple[Record, ...]] = {}
    for r in found:
        if r.reader == SOURCE:
            records[r.student_no] = (*records.get(r.student_no, ()), r)
    return OnlineClass(class_name, tuple(students), records)
