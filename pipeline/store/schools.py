"""Schools of one store and the operator → school binding (tables of migration 0012).

A workspace starts with one school, the one its policy profile names; a district registers
more, each with its own policy profile (quotas differ by school) kept in the workspace under
``policies/``. Every student, teacher, issued form and record carries its school's code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pipeline import defs
from pipeline.store.repo import as_utc, now
from pipeline.store.rows import from_row
from pipeline.store.schema import OperatorSchoolRow, SchoolRow, StudentRow, TeacherRow

EVERY_SCHOOL = "*"  # an operator bound to this sees the whole district


@dataclass(frozen=True)
class School:
    code: str
    name: str
    policy_file: str  # relative to the workspace; "" = the workspace's own policy.yaml
    created_at: dt.datetime

    @property
    def label(self) -> str:
        return f"{self.name}（{self.code}）"


def list_schools(session: Session) -> list[School]:
    """Every school of the store, by code."""
    return [_school(r) for r in session.scalars(select(SchoolRow).order_by(SchoolRow.code))]


def get_school(session: Session, code: str) -> School | None:
    row = session.get(SchoolRow, code)
    return _school(row) if row else None


def save_school(session: Session, code: str, name: str, policy_file: str) -> bool:
    """Register ``code`` or update its name and profile; True when it is new."""
    row = session.get(SchoolRow, code)
    if row is None:
        session.add(SchoolRow(code=code, name=name, policy=policy_file, created_at=now()))
        session.flush()
        return True
    row.name, row.policy = name, policy_file
    return False


def schools_holding(session: Session, column: str, keys: Sequence[str], school: str) -> dict[tuple[str, str], str]:
    """(column, key) → the label of another school holding that 学籍号 / 工号, for ``keys``
    (``column`` "学籍号" or "工号") not of ``school``."""
    key_column = StudentRow.student_no if column == "学籍号" else TeacherRow.teacher_no
    owner = StudentRow.school_code if column == "学籍号" else TeacherRow.school_code
    labels = {s.code: s.label for s in list_schools(session)}
    found: dict[tuple[str, str], str] = {}
    for start in range(0, len(keys), defs.SQL_IN_CHUNK):
        chunk = keys[start : start + defs.SQL_IN_CHUNK]
        query = select(key_column, owner).where(key_column.in_(chunk), owner != school)
        found.update({(column, key): labels.get(code, code) for key, code in session.execute(query)})
    return found


# --- operator binding ------------------------------------------------------------------------


def bind_operator(session: Session, operator: str, school_codes: Sequence[str]) -> None:
    """Let ``operator`` see exactly ``school_codes`` (EVERY_SCHOOL: all); replaces earlier bindings."""
    session.execute(delete(OperatorSchoolRow).where(OperatorSchoolRow.operator == operator))
    session.add_all(OperatorSchoolRow(operator=operator, school_code=c) for c in dict.fromkeys(school_codes))
    session.flush()


def bound_schools(session: Session, operator: str) -> set[str]:
    """The school codes ``operator`` is bound to (may hold EVERY_SCHOOL)."""
    return set(session.scalars(select(OperatorSchoolRow.school_code).where(OperatorSchoolRow.operator == operator)))


def bindings(session: Session) -> dict[str, tuple[str, ...]]:
    """Every operator with their schools, for listing."""
    found: dict[str, list[str]] = {}
    for row in session.scalars(select(OperatorSchoolRow).order_by(OperatorSchoolRow.operator, OperatorSchoolRow.school_code)):
        found.setdefault(row.operator, []).append(row.school_code)
    return {k: tuple(v) for k, v in found.items()}


def any_binding(session: Session) -> bool:
    """True once some operator is bound: from then on every operator needs a binding."""
    return session.scalar(select(OperatorSchoolRow.operator).limit(1)) is not None


def _school(row: SchoolRow) -> School:
    return from_row(School, row, policy_file=row.policy, created_at=as_utc(row.created_at))
