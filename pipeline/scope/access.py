"""Who may see which school: the operator → school binding, checked by the library.

A workspace where nobody is bound is one school's office: everyone sees everything, as
before. Once any operator is bound, every operator needs a binding: one school's operator
sees that school only, and only an operator bound to every school (``*``, the bureau) may
make district-wide reports. The web console and the CLI both call :func:`check_scope`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from pipeline.errors import AccessError
from pipeline.store import repo
from pipeline.store import schools as school_store
from pipeline.store.schools import EVERY_SCHOOL


def check_scope(session: Session, operator: str, school: str | None) -> None:
    """Raise AccessError unless ``operator`` may see ``school`` (None: the whole district)."""
    if not school_store.any_binding(session):
        return
    bound = school_store.bound_schools(session, operator)
    if EVERY_SCHOOL in bound or (school is not None and school in bound):
        return
    if not bound:
        raise AccessError(
            f"操作人“{operator}”未绑定任何学校，不能查看数据。请区管理员运行 jiafang school bind {operator} 学校代码。"
        )
    mine = "、".join(sorted(bound))
    wanted = f"学校 {school}" if school is not None else "全区"
    raise AccessError(f"操作人“{operator}”只能查看本校（{mine}）的数据，不能查看{wanted}的数据。请加 --school {sorted(bound)[0]}。")


def visible_schools(session: Session, operator: str) -> list[str]:
    """The school codes ``operator`` may see, by code."""
    codes = [s.code for s in school_store.list_schools(session)]
    if not school_store.any_binding(session):
        return codes
    bound = school_store.bound_schools(session, operator)
    return codes if EVERY_SCHOOL in bound else [c for c in codes if c in bound]


def check_student_scope(session: Session, operator: str, student_no: str) -> None:
    """:func:`check_scope` for the school of the student a record is of."""
    check_scope(session, operator, repo.student_school(session, student_no))


def visible_students(session: Session, operator: str) -> set[str] | None:
    """The 学籍号 of the schools ``operator`` may see; None when that is every school."""
    schools = visible_schools(session, operator)
    if len(schools) == len(school_store.list_schools(session)):
        return None
    return {s.student_no for code in schools for s in repo.list_students(session, school=code)}
