"""The review queue: every field waiting for a person, with what is needed to decide at once.

An item carries the field's crop (scans) or read text (Word/PDF), the value as it would be
pre-filled, the confidence and why it is in review, and the student's context. Group mode
puts like fields side by side so the eye does not travel (ABBYY's group verification): all
uncertain answers of one checkbox group together, all dates together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from pipeline.access import require_current
from pipeline.scope.access import visible_students
from pipeline.model.form import CHOICE_KINDS, FieldDef, FormDef, load_form
from pipeline.model.record import NarrativeLine, Record
from pipeline.review.corrections import display_text
from pipeline.store import repo
from pipeline.store.records import list_records
from pipeline.store.workspace import Workspace

__all__ = ["QueueGroup", "QueueItem", "group_items", "queue_item", "review_queue"]


@dataclass(frozen=True)
class QueueItem:
    form_id: str
    form: str
    form_title: str
    version: int
    field_id: str
    label: str
    kind: str
    page: int
    page_y: float  # top of the field's box as a fraction of the page height (to scroll to it)
    options: tuple[str, ...]  # option values of choice fields, in the form's order
    text: str  # pre-filled in the reviewer's input (display_text of the field)
    raw: str  # as the reader saw it
    confidence: float
    source: str
    status: str
    message: str  # why a person should look
    crop: str | None  # file-store name of the field's image, scans only
    student_no: str
    student_name: str
    class_name: str
    visit_date: str | None  # the form's first date field, for context
    lines: tuple[NarrativeLine, ...] = ()  # a scanned narrative's lines (uncertain ones shown cropped)

    @property
    def key(self) -> str:
        return f"{self.form_id}/{self.field_id}"


@dataclass(frozen=True)
class QueueGroup:
    key: str
    title: str
    items: tuple[QueueItem, ...]


def review_queue(
    ws: Workspace,
    *,
    class_name: str | None = None,
    form: str | None = None,
    kind: str | None = None,
    operator: str | None = None,
) -> list[QueueItem]:
    """Fields with status ``review`` in current records, by class, student, form and field order;
    only the classes the operator the request acts for may review, of the schools ``operator``
    may see (a district's store)."""
    visible = require_current("review", class_name).visible_classes()
    with ws.session() as session:
        students = visible_students(session, operator) if operator else None
        found = list_records(session, status="review", class_name=class_name, form=form)
        records = [r for r in found if (visible is None or r.class_name in visible) and (students is None or r.student_no in students)]
        names = _student_names(session, records)
    return [
        queue_item(r, f, names.get(r.student_no, ""))
        for r in records
        for f in load_form(r.form).fields
        if f.id in r.fields and r.fields[f.id].status == "review" and (kind is None or f.kind == kind)
    ]


def queue_item(record: Record, field: FieldDef, student_name: str) -> QueueItem:
    fv = record.fields[field.id]
    form = load_form(record.form)
    return QueueItem(
        form_id=record.form_id,
        form=record.form,
        form_title=form.title,
        version=record.version,
        field_id=field.id,
        label=field.label,
        kind=field.kind,
        page=field.page,
        page_y=round(field.box.y / form.page_size[1], 3),
        options=field.option_values,
        text=display_text(fv),
        raw=fv.raw,
        confidence=fv.confidence,
        source=fv.source,
        status=fv.status,
        message=fv.message,
        crop=fv.crop,
        student_no=record.student_no,
        student_name=student_name,
        class_name=record.class_name,
        visit_date=_first_date(record, form),
        lines=fv.lines,
    )


def group_items(items: Sequence[QueueItem]) -> list[QueueGroup]:
    """Items of one checkbox group (or one field) together, all dates together; groups in
    the order their first item comes in the queue."""
    groups: dict[str, list[QueueItem]] = {}
    titles: dict[str, str] = {}
    for item in items:
        key, title = _group_of(item)
        groups.setdefault(key, []).append(item)
        titles[key] = title
    return [QueueGroup(k, titles[k], tuple(v)) for k, v in groups.items()]


def _group_of(item: QueueItem) -> tuple[str, str]:
    if item.kind == "date":
        return "date", "日期"
    if item.kind in CHOICE_KINDS:
        return f"{item.form}.{item.field_id}", f"{item.label}（{'／'.join(item.options)}）"
    return f"{item.form}.{item.field_id}", f"{item.label}（{item.form_title}）"


def _first_date(record: Record, form: FormDef) -> str | None:
    for f in form.fields:
        if f.kind == "date" and f.id in record.fields and isinstance(record.fields[f.id].value, str):
            return record.fields[f.id].value
    return None


def _student_names(session: Session, records: Sequence[Record]) -> dict[str, str]:
    wanted = {r.student_no for r in records}
    found = (repo.get_student(session, no) for no in wanted)
    return {s.student_no: s.name for s in found if s is not None}

