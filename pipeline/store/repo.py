"""Reading and writing the model through a Session: plain functions, dataclasses in and out.

Callers never see ORM rows; every function takes the session first and leaves committing to
the ``Workspace.session()`` block around it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from pipeline import defs
from pipeline.identity import new_form_id
from pipeline.model.classes import class_sort_key, normalize_class
from pipeline.model.form import FormDef
from pipeline.model.issuance import IssuedForm
from pipeline.model.layout import layout_dict
from pipeline.model.people import Student, Teacher
from pipeline.store.rows import from_row, to_values
from pipeline.store.schema import (
    BatchRow,
    ClassRow,
    IssuedFormRow,
    LayoutRow,
    StudentRow,
    TeacherClassRow,
    TeacherRow,
)


def now() -> dt.datetime:
    """The current time in UTC, as every timestamp in the database is kept."""
    return dt.datetime.now(dt.timezone.utc)


# --- roster -----------------------------------------------------------------------------


def upsert_students(session: Session, students: Sequence[Student], *, school: str | None = None) -> tuple[int, int]:
    """Insert new students and overwrite known ones (by 学籍号); returns (added, updated).
    ``school``: their school's code (None: the workspace's own school, for new rows)."""
    _ensure_classes(session, {s.class_name: s.grade for s in students})
    existing = _existing_keys(session, StudentRow.student_no, [s.student_no for s in students])
    stamp = now()
    owner = _school_value(school)
    new = [_student_values(s) | owner | {"created_at": stamp, "updated_at": stamp} for s in students if s.student_no not in existing]
    known = [_student_values(s) | owner | {"updated_at": stamp} for s in students if s.student_no in existing]
    if new:
        session.execute(insert(StudentRow), new)
    if known:
        session.execute(update(StudentRow), known)
    return len(new), len(known)


def upsert_teachers(session: Session, teachers: Sequence[Teacher], *, school: str | None = None) -> tuple[int, int]:
    """Insert new teachers and overwrite known ones (by 工号) with their classes; (added, updated).
    ``school``: their school's code (None: the workspace's own school, for new rows)."""
    keys = [t.teacher_no for t in teachers]
    existing = _existing_keys(session, TeacherRow.teacher_no, keys)
    rows = [to_values(t, TeacherRow) | _school_value(school) for t in teachers]
    new = [r for r in rows if r["teacher_no"] not in existing]
    known = [r for r in rows if r["teacher_no"] in existing]
    if new:
        session.execute(insert(TeacherRow), new)
    if known:
        session.execute(update(TeacherRow), known)
    for chunk in _chunks(keys):
        session.execute(delete(TeacherClassRow).where(TeacherClassRow.teacher_no.in_(chunk)))
    links = [{"teacher_no": t.teacher_no, "class_name": c} for t in teachers for c in dict.fromkeys(t.classes)]
    if links:
        session.execute(insert(TeacherClassRow), links)
    return len(new), len(known)


def list_students(session: Session, *, class_name: str | None = None, school: str | None = None) -> list[Student]:
    """Students (of one class, however its parentheses are written; of one school's code, or of
    every school when None) ordered by class (七年级 before 八年级, （2）班 before （10）班), then 学籍号."""
    query = select(StudentRow)
    if school is not None:
        query = query.where(StudentRow.school_code == school)
    if class_name is not None:
        query = query.where(StudentRow.class_name == normalize_class(class_name))
    rows = session.scalars(query).all()
    return [_student(r) for r in sorted(rows, key=lambda r: (class_sort_key(r.class_name), r.student_no))]


def get_student(session: Session, student_no: str) -> Student | None:
    row = session.get(StudentRow, student_no)
    return _student(row) if row else None


def student_school(session: Session, student_no: str) -> str | None:
    """The code of the school ``student_no`` belongs to (None for an unknown 学籍号)."""
    return session.scalar(select(StudentRow.school_code).where(StudentRow.student_no == student_no))


def classmates(session: Session, student: Student) -> list[Student]:
    """The students of ``student``'s class in ``student``'s school, ``student`` among them, with
    the names the roster holds for them and their families (the other fields left empty: this
    is read for every returned form, and a whole row costs ten times as much)."""
    school = select(StudentRow.school_code).where(StudentRow.student_no == student.student_no).scalar_subquery()
    names = ("student_no", "name", "class_name", "guardian_name", "guardian_relation", "caregiver")
    query = select(*(getattr(StudentRow, n) for n in names))
    rows = session.execute(query.where(StudentRow.class_name == student.class_name, StudentRow.school_code == school))
    return [Student(**dict(zip(names, row))) for row in rows]


def list_teachers(session: Session, *, school: str | None = None) -> list[Teacher]:
    """Teachers (of one school's code, or of every school when None) by 工号, with their classes."""
    classes: dict[str, list[str]] = {}
    for link in session.scalars(select(TeacherClassRow)):
        classes.setdefault(link.teacher_no, []).append(link.class_name)
    query = select(TeacherRow).order_by(TeacherRow.teacher_no)
    rows = session.scalars(query if school is None else query.where(TeacherRow.school_code == school))
    return [from_row(Teacher, r, classes=tuple(sorted(classes.get(r.teacher_no, ()), key=class_sort_key))) for r in rows]


def list_classes(session: Session) -> list[str]:
    return sorted(session.scalars(select(ClassRow.name)), key=class_sort_key)


# --- layouts, issued forms, batches ----------------------------------------------------------


def save_layout(session: Session, form: FormDef) -> None:
    """Keep the layout of ``form`` under its hash (once), so old printouts stay readable."""
    if session.get(LayoutRow, form.layout_hash) is None:
        session.add(
            LayoutRow(
                layout_hash=form.layout_hash,
                form=form.id,
                version=form.version,
                layout=layout_dict(form),
                created_at=now(),
            )
        )
        session.flush()


def get_layout(session: Session, layout_hash: str) -> dict[str, Any] | None:
    row = session.get(LayoutRow, layout_hash)
    return row.layout if row else None


def add_issued_forms(session: Session, items: Sequence[IssuedForm]) -> None:
    """Record issued forms in one executemany (thousands per batch), each of its student's school."""
    if items:
        school_of = _school_of_students(session, [i.student_no for i in items])
        session.execute(
            insert(IssuedFormRow),
            [
                to_values(
                    i,
                    IssuedFormRow,
                    files=list(i.files),
                    created_at=as_utc(i.created_at),
                    school_code=school_of.get(i.student_no, ""),  # no student: the foreign key refuses the row
                )
                for i in items
            ],
        )


def issued_form_ids(session: Session, form_ids: Sequence[str]) -> set[str]:
    """Those of ``form_ids`` already issued in the store."""
    return _existing_keys(session, IssuedFormRow.form_id, form_ids)


def unused_form_ids(
    session: Session, form: str, count: int, *, draw: Callable[[str], str] = new_form_id
) -> list[str]:
    """``count`` fresh ids for ``form``, none issued before in the store. A district's store
    issues millions of forms over the years, so a random draw meeting an issued id is to be
    expected (400,000 forms: more than one such pair in 32^7 on average); those are drawn again."""
    ids: list[str] = []
    while len(ids) < count:
        drawn = list(dict.fromkeys(draw(form) for _ in range(count - len(ids))))
        taken = issued_form_ids(session, drawn) | set(ids)
        ids += [i for i in drawn if i not in taken]
    return ids


def get_issued_form(session: Session, form_id: str) -> IssuedForm | None:
    row = session.get(IssuedFormRow, form_id)
    return _issued(row) if row else None


def issued_forms_for(session: Session, student_no: str) -> list[IssuedForm]:
    query = (
        select(IssuedFormRow)
        .where(IssuedFormRow.student_no == student_no)
        .order_by(IssuedFormRow.created_at, IssuedFormRow.form_id)
    )
    return [_issued(r) for r in session.scalars(query)]


def new_batch_id(prefix: str) -> str:
    """A sortable, unique batch id: prefix + local time + 8 random hex digits (many batches a second never collide)."""
    return f"{prefix}{dt.datetime.now():%Y%m%d%H%M%S}{secrets.token_hex(4).upper()}"


def add_batch(
    session: Session, batch_id: str, kind: str, options: dict[str, Any], summary: dict[str, Any]
) -> None:
    session.add(BatchRow(batch_id=batch_id, kind=kind, created_at=now(), options=options, summary=summary))
    session.flush()


@dataclass(frozen=True)
class Batch:
    """One generate or ingest run, with the summary it ended with."""

    batch_id: str
    kind: str  # "generate", "ingest", …
    created_at: dt.datetime
    options: dict[str, Any]
    summary: dict[str, Any]


def list_batches(session: Session, *, limit: int = 20, kind: str | None = None) -> list[Batch]:
    """The most recent batches, newest first."""
    query = select(BatchRow).order_by(BatchRow.created_at.desc(), BatchRow.batch_id.desc()).limit(limit)
    if kind:
        query = query.where(BatchRow.kind == kind)
    return [
        from_row(Batch, r, created_at=as_utc(r.created_at), options=dict(r.options), summary=dict(r.summary))
        for r in session.scalars(query)
    ]


# --- helpers ---------------------------------------------------------------------------------

def _school_value(school: str | None) -> dict[str, str]:
    # left out, the column's server default (the workspace's own school, migration 0012) applies
    return {} if school is None else {"school_code": school}


def _school_of_students(session: Session, keys: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in _chunks(list(dict.fromkeys(keys))):
        query = select(StudentRow.student_no, StudentRow.school_code).where(StudentRow.student_no.in_(chunk))
        found.update({no: code for no, code in session.execute(query)})
    return found


def _ensure_classes(session: Session, grades: dict[str, str]) -> None:
    existing = _existing_keys(session, ClassRow.name, list(grades))
    new = [{"name": name, "grade": grade} for name, grade in grades.items() if name not in existing]
    if new:
        session.execute(insert(ClassRow), new)


def _existing_keys(session: Session, column: Any, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(keys):
        found.update(session.scalars(select(column).where(column.in_(chunk))))
    return found


def _chunks(keys: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(keys), defs.SQL_IN_CHUNK):
        yield keys[start : start + defs.SQL_IN_CHUNK]


def _student_values(s: Student) -> dict[str, Any]:
    return to_values(s, StudentRow, groups=list(s.groups), extra=[list(kv) for kv in s.extra])


def _student(row: StudentRow) -> Student:
    return from_row(Student, row, groups=tuple(row.groups), extra=tuple((k, v) for k, v in row.extra))


def _issued(row: IssuedFormRow) -> IssuedForm:
    return from_row(IssuedForm, row, files=tuple(row.files), created_at=as_utc(row.created_at))


def as_utc(value: dt.datetime) -> dt.datetime:
    # SQLite keeps timestamps without their zone, so everything is stored in UTC and a naive
    # value read back is UTC.
    return value.astimezone(dt.timezone.utc) if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
