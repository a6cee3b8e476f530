"""The database tables (SQLAlchemy 2.0 typed declarative).

Only pipeline.store touches these classes; the rest of the code sees the dataclasses of
pipeline.model. Changing a table means a new Alembic migration in store/migrations/versions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    FetchedValue,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


# Named constraints, so later migrations can alter them (SQLite batch mode needs the names).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        dt.datetime: DateTime(timezone=True),
    }


class ClassRow(Base):
    __tablename__ = "classes"

    name: Mapped[str] = mapped_column(String, primary_key=True)
    grade: Mapped[str] = mapped_column(String, default="")


class StudentRow(Base):
    __tablename__ = "students"
    __table_args__ = (Index("ix_students_class_name", "class_name"),)

    student_no: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String)
    class_name: Mapped[str] = mapped_column(ForeignKey("classes.name"))
    grade: Mapped[str] = mapped_column(String, default="")
    gender: Mapped[str] = mapped_column(String, default="")
    address: Mapped[str] = mapped_column(String, default="")
    guardian_name: Mapped[str] = mapped_column(String, default="")
    guardian_relation: Mapped[str] = mapped_column(String, default="")
    phone: Mapped[str] = mapped_column(String, default="")
    caregiver: Mapped[str] = mapped_column(String, default="")
    groups: Mapped[list[Any]] = mapped_column(default=list)
    extra: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    # the school this row belongs to (schools.code); migration 0012 gave older rows the workspace's own
    school_code: Mapped[str] = mapped_column(String, server_default=FetchedValue(), index=True)


class TeacherRow(Base):
    __tablename__ = "teachers"

    teacher_no: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String)
    role: Mapped[str] = mapped_column(String)
    school_code: Mapped[str] = mapped_column(String, server_default=FetchedValue(), index=True)  # schools.code


class TeacherClassRow(Base):
    __tablename__ = "teacher_classes"

    teacher_no: Mapped[str] = mapped_column(
        ForeignKey("teachers.teacher_no", ondelete="CASCADE"), primary_key=True
    )
    class_name: Mapped[str] = mapped_column(ForeignKey("classes.name"), primary_key=True)


class LayoutRow(Base):
    __tablename__ = "layouts"

    layout_hash: Mapped[str] = mapped_column(String, primary_key=True)
    form: Mapped[str] = mapped_column(String)
    version: Mapped[int]
    layout: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime]


class IssuedFormRow(Base):
    __tablename__ = "issued_forms"
    __table_args__ = (
        Index("ix_issued_forms_student_no", "student_no"),
        Index("ix_issued_forms_batch_id", "batch_id"),
    )

    form_id: Mapped[str] = mapped_column(String, primary_key=True)
    form: Mapped[str] = mapped_column(String)
    form_version: Mapped[int]
    layout_hash: Mapped[str] = mapped_column(ForeignKey("layouts.layout_hash"))
    student_no: Mapped[str] = mapped_column(ForeignKey("students.student_no"))
    class_name: Mapped[str] = mapped_column(String)
    pages: Mapped[int]
    batch_id: Mapped[str] = mapped_column(String)
    files: Mapped[list[Any]]
    created_at: Mapped[dt.datetime]
    school_code: Mapped[str] = mapped_column(String, server_default=FetchedValue(), index=True)  # schools.code


class BatchRow(Base):
    __tablename__ = "batches"

    batch_id: Mapped[str] = mapped_column(String, primary_key=True)
    kind: Mapped[str] = mapped_column(String)
    created_at: Mapped[dt.datetime]
    options: Mapped[dict[str, Any]]
    summary: Mapped[dict[str, Any]]


class ReturnedFileRow(Base):
    """Every file handed to ingest, by content hash: what makes ingest idempotent."""

    __tablename__ = "returned_files"

    digest: Mapped[str] = mapped_column(String, primary_key=True)
    suffix: Mapped[str] = mapped_column(String)
    name: Mapped[str] = mapped_column(String)  # the file name it arrived under
    kind: Mapped[str] = mapped_column(String)  # docx / pdf / image / unknown
    size: Mapped[int]
    outcome: Mapped[str] = mapped_column(String)  # record / rejected / waiting
    message: Mapped[str] = mapped_column(String, default="")
    form_id: Mapped[str | None] = mapped_column(String, nullable=True)
    batch_id: Mapped[str] = mapped_column(String)
    received_at: Mapped[dt.datetime]


class RecordRow(Base):
    __tablename__ = "records"
    __table_args__ = (
        UniqueConstraint("form_id", "version", name="uq_records_form_id_version"),
        Index("ix_records_current", "current"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    form_id: Mapped[str] = mapped_column(ForeignKey("issued_forms.form_id"))
    version: Mapped[int]
    current: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String)
    reader: Mapped[str] = mapped_column(String)
    source_file: Mapped[str] = mapped_column(String)
    notes: Mapped[list[Any]]
    created_at: Mapped[dt.datetime]
    school_code: Mapped[str] = mapped_column(String, server_default=FetchedValue(), index=True)  # schools.code


class FieldValueRow(Base):
    __tablename__ = "field_values"

    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    field_id: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    raw: Mapped[str] = mapped_column(String)
    confidence: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String)
    status: Mapped[str] = mapped_column(String)
    message: Mapped[str] = mapped_column(String, default="")
    crop: Mapped[str | None] = mapped_column(String, nullable=True)
    refs: Mapped[list[Any]]
    # What the value was read from (crop digest, or hash of the text read): a person's decision
    # carries into the next version while this stays the same. None for rows of old workspaces
    # whose evidence could not be told.
    evidence: Mapped[str | None] = mapped_column(String, nullable=True)


class ScanPageRow(Base):
    """One scanned page, whatever became of it (see pipeline.model.scan)."""

    __tablename__ = "scan_pages"
    __table_args__ = (
        Index("ix_scan_pages_form_id", "form_id"),
        Index("ix_scan_pages_status", "status"),
    )

    digest: Mapped[str] = mapped_column(String, primary_key=True)
    source_file: Mapped[str] = mapped_column(String)
    page_index: Mapped[int]
    status: Mapped[str] = mapped_column(String)
    reason: Mapped[str] = mapped_column(String, default="")
    form_id: Mapped[str | None] = mapped_column(String, nullable=True)
    page_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    layout_hash: Mapped[str | None] = mapped_column(String, nullable=True)
    image: Mapped[str | None] = mapped_column(String, nullable=True)
    registered: Mapped[str | None] = mapped_column(String, nullable=True)
    residual_mm: Mapped[float | None] = mapped_column(Float, nullable=True)
    quality: Mapped[float] = mapped_column(Float)
    sharpness: Mapped[float | None] = mapped_column(Float, nullable=True)
    values: Mapped[dict[str, Any]]
    batch_id: Mapped[str] = mapped_column(String)
    consumed: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime]


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime]
    action: Mapped[str] = mapped_column(String)
    operator: Mapped[str] = mapped_column(String)
    scope: Mapped[str] = mapped_column(String)
    options: Mapped[dict[str, Any]]
    output: Mapped[str] = mapped_column(String)
    output_sha256: Mapped[str] = mapped_column(String)


class CorrectionRow(Base):
    """One reviewer decision on one field of one record version (see pipeline.model.correction)."""

    __tablename__ = "corrections"
    __table_args__ = (Index("ix_corrections_form_id", "form_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    form_id: Mapped[str] = mapped_column(String)
    version: Mapped[int]
    field_id: Mapped[str] = mapped_column(String)
    action: Mapped[str] = mapped_column(String)
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    old_raw: Mapped[str] = mapped_column(String)
    old_source: Mapped[str] = mapped_column(String)
    old_status: Mapped[str] = mapped_column(String)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    operator: Mapped[str] = mapped_column(String)
    at: Mapped[dt.datetime]
    evidence: Mapped[str | None] = mapped_column(String, nullable=True)  # what the person saw
    # A decision is a labelled example for calibration (pipeline.calibrate) and a timing for
    # the review load; rows from before migration 0008 have None.
    old_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    kind: Mapped[str | None] = mapped_column(String, nullable=True)  # the field's kind
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)  # from showing the field to deciding


class SettingRow(Base):
    """A workspace setting a command stored (e.g. calibrated ``auto`` thresholds), by key."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[dict[str, Any]]
    operator: Mapped[str] = mapped_column(String)
    updated_at: Mapped[dt.datetime]


class IntakeRow(Base):
    """What became of one input file in one ingest batch: the accounting every summary reads."""

    __tablename__ = "intake"
    __table_args__ = (Index("ix_intake_batch_id", "batch_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(String)
    path: Mapped[str] = mapped_column(String)  # as handed to ingest
    digest: Mapped[str | None] = mapped_column(String, nullable=True)  # None: never stored
    outcome: Mapped[str] = mapped_column(String)  # see pipeline.ingest.intake.FILE_OUTCOMES
    reason: Mapped[str] = mapped_column(String, default="")
    form_ids: Mapped[list[Any]]
    pages: Mapped[int | None] = mapped_column(Integer, nullable=True)  # scan files: pages found
    pages_read: Mapped[list[Any]]  # scan files: 1-based pages read, blank or already stored
    created_at: Mapped[dt.datetime]


class VisitPlanRow(Base):
    """One visit plan of a term (pipeline.plan); a plan update stores a new one and the
    term's earlier plan stops being current."""

    __tablename__ = "visit_plans"
    __table_args__ = (Index("ix_visit_plans_term", "term"),)

    plan_id: Mapped[str] = mapped_column(String, primary_key=True)
    term: Mapped[str] = mapped_column(String)
    seed: Mapped[int]
    stages: Mapped[bool] = mapped_column(Boolean)
    current: Mapped[bool] = mapped_column(Boolean)
    operator: Mapped[str] = mapped_column(String)
    summary: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime]


class PlannedVisitRow(Base):
    """One planned visit (see pipeline.model.plan.PlannedVisit)."""

    __tablename__ = "planned_visits"
    __table_args__ = (
        Index("ix_planned_visits_plan_id", "plan_id"),
        Index("ix_planned_visits_student_no", "student_no"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("visit_plans.plan_id", ondelete="CASCADE"))
    student_no: Mapped[str] = mapped_column(String)
    student_name: Mapped[str] = mapped_column(String)
    class_name: Mapped[str] = mapped_column(String)
    purpose: Mapped[str] = mapped_column(String)
    mode: Mapped[str] = mapped_column(String)
    visit_type: Mapped[str] = mapped_column(String)
    week: Mapped[int]
    day: Mapped[dt.date] = mapped_column(Date)
    time: Mapped[str] = mapped_column(String)
    teacher_no: Mapped[str] = mapped_column(String)
    teacher_name: Mapped[str] = mapped_column(String)
    teacher_role: Mapped[str] = mapped_column(String)
    reasons: Mapped[list[Any]]
    area: Mapped[str] = mapped_column(String, default="")
    companion_no: Mapped[str] = mapped_column(String, default="")
    companion_name: Mapped[str] = mapped_column(String, default="")
    companion_why: Mapped[str] = mapped_column(String, default="")
    stage: Mapped[str] = mapped_column(String, default="")
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    done_form_id: Mapped[str] = mapped_column(String, default="")
    done_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    done_mode: Mapped[str] = mapped_column(String, default="")
class OperatorRow(Base):
    """A person who may sign in to the console in LAN mode (see pipeline.access); keyed by name."""

    __tablename__ = "operators"

    name: Mapped[str] = mapped_column(String, primary_key=True)
    role: Mapped[str] = mapped_column(String)  # office / teacher / leader
    classes: Mapped[list[Any]]  # a teacher's classes; empty for other roles
    password_hash: Mapped[str] = mapped_column(String)  # argon2id, never the password
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
class JobRow(Base):
    """One long piece of work (print, ingest, watch folder) run by the console's job runner."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String)  # see pipeline.jobs.kinds.KINDS
    params: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String)  # queued / running / done / failed / interrupted
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String, default="")  # what is being worked on now
    pages_per_minute: Mapped[float | None] = mapped_column(Float, nullable=True)
    eta_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    message: Mapped[str] = mapped_column(String, default="")  # for people: why it failed, what it did
    result: Mapped[dict[str, Any]]
    operator: Mapped[str] = mapped_column(String)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # runs started (a resumed job: 2+)
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    heartbeat: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
# --- many schools in one store (migration 0012) -------------------------------------------------


class SchoolRow(Base):
    """A school whose roster, forms and records live in this store (see pipeline.store.schools)."""

    __tablename__ = "schools"

    code: Mapped[str] = mapped_column(String, primary_key=True)  # as in its policy profile and QR codes
    name: Mapped[str] = mapped_column(String)
    policy: Mapped[str] = mapped_column(String, default="")  # profile file in the workspace; "" = policy.yaml
    created_at: Mapped[dt.datetime]


class OperatorSchoolRow(Base):
    """Which schools an operator may see; keyed by operator name, independent of any account table."""

    __tablename__ = "operator_schools"

    operator: Mapped[str] = mapped_column(String, primary_key=True)
    school_code: Mapped[str] = mapped_column(String, primary_key=True)  # a schools.code, or "*": every school
