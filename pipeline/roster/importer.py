"""``import_roster``: read roster files, check every row, write the good rows in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from pipeline.access import require_current
from pipeline.scope.schools import school_policy, scoped_school
from pipeline.errors import RosterFileError
from pipeline.model.people import Student, Teacher
from pipeline.roster.columns import STUDENTS, TEACHERS
from pipeline.roster.reader import RawSheet, read_roster
from pipeline.roster.validate import (
    RosterContext,
    RosterProblem,
    missing_headers,
    teacher_names,
    validate_students,
    validate_teachers,
)
from pipeline.store import repo
from pipeline.store.schools import schools_holding
from pipeline.store.workspace import Workspace


@dataclass(frozen=True)
class RosterImportReport:
    students_added: int
    students_updated: int
    teachers_added: int
    teachers_updated: int
    rejected_rows: int
    problems: tuple[RosterProblem, ...]

    @property
    def errors(self) -> list[RosterProblem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[RosterProblem]:
        return [p for p in self.problems if not p.is_error]


def import_roster(ws: Workspace, paths: Sequence[Path], *, school: str | None = None) -> RosterImportReport:
    """Import the students and teachers in ``paths`` into ``school`` (a registered school's code;
    None: the workspace's own school); bad rows are reported, not imported. Rows are checked
    against that school's policy profile, and a 学籍号 or 工号 of another school is refused."""
    require_current("roster")
    sheets: list[RawSheet] = []
    problems: list[RosterProblem] = []
    for path in paths:
        try:
            sheets += read_roster(path)
        except RosterFileError as exc:
            problems.append(RosterProblem(exc.file, "", None, None, "", exc.reason, exc.fix))
    usable = []
    rejected = 0
    for sheet in sheets:
        if (problem := missing_headers(sheet)) is not None:
            problems.append(problem)
            rejected += len(sheet.rows)
        else:
            usable.append(sheet)

    with ws.session() as session:
        owner = scoped_school(session, ws, school)
        ctx = RosterContext(
            school_policy(ws, owner),
            known_classes=set(repo.list_classes(session)),
            known_teachers={t.name for t in repo.list_teachers(session, school=owner.code)} | teacher_names(usable),
            elsewhere=_keys_elsewhere(session, usable, owner.code),
        )
        students, teachers, checked = _validate_all(usable, ctx)
        problems += checked
        students_added, students_updated = repo.upsert_students(session, students, school=owner.code)
        teachers_added, teachers_updated = repo.upsert_teachers(session, teachers, school=owner.code)

    rejected += len({(p.file, p.sheet, p.row) for p in checked if p.is_error})
    return RosterImportReport(
        students_added, students_updated, teachers_added, teachers_updated, rejected, tuple(problems)
    )


def _keys_elsewhere(session: Session, sheets: list[RawSheet], school: str) -> dict[tuple[str, str], str]:
    """The 学籍号 and 工号 of ``sheets`` that another school of the store already holds."""
    found: dict[tuple[str, str], str] = {}
    for kind, column in ((STUDENTS, "学籍号"), (TEACHERS, "工号")):
        keys = [k for s in sheets if s.kind == kind for r in s.rows if (k := r.values.get(column, "").strip())]
        found |= schools_holding(session, column, keys, school)
    return found


def _validate_all(
    sheets: list[RawSheet], ctx: RosterContext
) -> tuple[list[Student], list[Teacher], list[RosterProblem]]:
    """Students first, so teachers' 任教班级 can name classes of this same import."""
    students: list[Student] = []
    teachers: list[Teacher] = []
    problems: list[RosterProblem] = []
    for sheet in (s for s in sheets if s.kind == STUDENTS):
        good, bad = validate_students(sheet, ctx)
        students += good
        problems += bad
    ctx.known_classes |= {s.class_name for s in students}
    for sheet in (s for s in sheets if s.kind == TEACHERS):
        hired, bad = validate_teachers(sheet, ctx)
        teachers += hired
        problems += bad
    return students, teachers, problems
