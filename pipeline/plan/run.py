"""The plan stage end to end over a workspace: make, update, track and confirm.

The term calendar is the workspace's ``plan/校历_<term>.yaml`` when the school has one;
otherwise it is derived (pipeline.plan.calendar) and written there for the school to edit.
A plan that cannot keep every rule with the capacity given is not stored (its shortfalls say
what is missing) unless ``partial`` is asked for; a plan that breaks a rule it does not
report is a program error and never stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline import defs
from pipeline.atomic import atomic_write
from pipeline.errors import PlanError
from pipeline.model.audit import default_operator
from pipeline.model.classes import normalize_class
from pipeline.model.people import Student, Teacher
from pipeline.model.plan import PlannedVisit, VisitPlan
from pipeline.plan.calendar import TermCalendar, calendar_yaml, default_calendar, load_calendar, term_period
from pipeline.plan.requirements import on_roll
from pipeline.plan.schedule import make_plan
from pipeline.plan.tracking import PlanProgress, track
from pipeline.plan.verify import plan_violations
from pipeline.report.visits import Visit, load_visits
from pipeline.store import plans as plan_store
from pipeline.store import repo
from pipeline.store.workspace import Workspace

__all__ = ["PlanResult", "UpdateResult", "calendar_path", "confirm_visit", "make_term_plan", "plan_status", "stored_progress", "term_calendar", "update_term_plan"]

PLAN_DIR = "plan"


@dataclass(frozen=True)
class PlanResult:
    plan: VisitPlan  # with plan_id when stored
    calendar: TermCalendar
    calendar_written: Path | None  # the derived calendar written for the school to edit
    stored: bool


@dataclass(frozen=True)
class UpdateResult:
    result: PlanResult
    kept: int  # visits done or confirmed, left where they were
    added: tuple[PlannedVisit, ...]  # needs the previous plan did not have
    dropped: tuple[PlannedVisit, ...]  # visits of students who left or need them no more
    moved: int  # open visits now in another week or with another teacher


def calendar_path(ws: Workspace, term: str) -> Path:
    return ws.root / PLAN_DIR / f"校历_{term}.yaml"


def term_calendar(ws: Workspace, term: str, *, path: Path | None = None) -> tuple[TermCalendar, Path | None]:
    """The term's calendar (the given file, else the workspace's, else derived and written
    there); returns it and the path it was just written to, if it was."""
    term_period(ws.policy, term)
    chosen = path or calendar_path(ws, term)
    if chosen.is_file():
        return load_calendar(chosen, ws.policy), None
    if path is not None:
        raise PlanError(f"{path}：校历文件不存在。")
    calendar = default_calendar(ws.policy, term)
    atomic_write(chosen, lambda tmp: tmp.write_text(calendar_yaml(calendar), encoding="utf-8"))
    return calendar, chosen


def make_term_plan(
    ws: Workspace,
    term: str,
    *,
    class_name: str | None = None,
    seed: int = defs.PLAN_DEFAULT_SEED,
    stages: bool | None = None,
    calendar_file: Path | None = None,
    partial: bool = False,
    operator: str | None = None,
) -> PlanResult:
    """Plan ``term`` for the school, or re-plan one class keeping the other classes' visits."""
    calendar, written = term_calendar(ws, term, path=calendar_file)
    students, teachers, records = _roster_and_records(ws)
    kept: list[PlannedVisit] = []
    if class_name is not None:
        class_name = _known_class(students, class_name)
        with ws.session() as session:
            current = plan_store.current_plan(session, term)
        kept = [v for v in current.visits if v.class_name != class_name] if current else []
        students = [s for s in students if s.class_name == class_name]
    plan = _plan(ws, students, teachers, records, calendar, seed=seed, stages=stages, kept=kept)
    return _store(ws, plan, calendar, written, partial=partial, operator=operator, students=students, teachers=teachers, records=records)


def update_term_plan(ws: Workspace, term: str, *, as_of: dt.date | None = None, partial: bool = False, operator: str | None = None) -> UpdateResult:
    """Re-plan what is not done after roster changes: visits done or confirmed with the
    family stay; students who left lose their open visits; new students and new labels get
    theirs."""
    calendar, _ = term_calendar(ws, term)
    students, teachers, records = _roster_and_records(ws)
    with ws.session() as session:
        current = plan_store.current_plan(session, term)
    if current is None:
        raise PlanError(f"学期 {term} 还没有家访计划：请先运行 jiafang plan make --term {term}")
    day = as_of or dt.date.today()
    progress = track(current, records, ws.policy, calendar, day)
    on_roster = {s.student_no for s in students if on_roll(s)}
    tracked = [t.visit for t in progress.tracked]
    kept = [v for v in tracked if v.done or (v.confirmed and v.student_no in on_roster)]
    plan = _plan(ws, students, teachers, records, calendar, seed=current.seed, stages=current.stages, kept=kept, from_week=calendar.week_of(day))
    result = _store(ws, plan, calendar, None, partial=partial, operator=operator, students=students, teachers=teachers, records=records, from_week=calendar.week_of(day))
    before = {(v.student_no, v.purpose): v for v in tracked}
    after = {(v.student_no, v.purpose): v for v in plan.visits}
    return UpdateResult(
        result=result,
        kept=len(kept),
        added=tuple(v for k, v in after.items() if k not in before),
        dropped=tuple(v for k, v in before.items() if k not in after),
        moved=sum(1 for k, v in after.items() if k in before and not v.kept and (v.week, v.teacher_no) != (before[k].week, before[k].teacher_no)),
    )


def plan_status(ws: Workspace, term: str, *, as_of: dt.date | None = None) -> tuple[VisitPlan, PlanProgress]:
    """Match the returns to the term's current plan, store what was done, and return both."""
    calendar, _ = term_calendar(ws, term)
    with ws.session() as session:
        plan = plan_store.current_plan(session, term)
        if plan is None:
            raise PlanError(f"学期 {term} 还没有家访计划：请先运行 jiafang plan make --term {term}")
        records = load_visits(session)
    progress = track(plan, records, ws.policy, calendar, as_of or dt.date.today())
    found = tuple(t.visit for t in progress.tracked)  # a tuple: ws.write may run the work twice
    ws.write(lambda session: plan_store.mark_tracked(session, plan.plan_id, found))
    return plan, progress


def stored_progress(ws: Workspace, as_of: dt.date) -> tuple[VisitPlan, PlanProgress] | None:
    """Where the current plan of the semester holding ``as_of`` stands (nothing is written:
    the compliance list reads it); None without such a plan."""
    semester = ws.policy.semester_of(as_of)
    if semester is None:
        return None
    with ws.session() as session:
        plan = plan_store.current_plan(session, semester.id)
        if plan is None:
            return None
        records = load_visits(session)
    path = calendar_path(ws, semester.id)
    calendar = load_calendar(path, ws.policy) if path.is_file() else default_calendar(ws.policy, semester.id)
    return plan, track(plan, records, ws.policy, calendar, as_of)


def confirm_visit(ws: Workspace, term: str, student_no: str, purpose: str = "home") -> PlannedVisit:
    """Mark a planned visit agreed with the family, so a plan update leaves it where it is."""
    with ws.session() as session:
        plan = plan_store.current_plan(session, term)
        if plan is None:
            raise PlanError(f"学期 {term} 还没有家访计划：请先运行 jiafang plan make --term {term}")
        if not plan_store.set_confirmed(session, plan.plan_id, student_no, purpose):
            raise PlanError(f"学期 {term} 的计划中没有学籍号 {student_no} 的这次家访（{purpose}）：请用 jiafang plan status 核对。")
    return next(v for v in plan.visits if v.student_no == student_no and v.purpose == purpose)


def _roster_and_records(ws: Workspace) -> tuple[list[Student], list[Teacher], list[Visit]]:
    with ws.session() as session:
        students = repo.list_students(session)
        teachers = repo.list_teachers(session)
        records = load_visits(session)
    if not students:
        raise PlanError("工作区中还没有学生。请先运行：jiafang roster import 花名册.xlsx")
    return students, teachers, records


def _known_class(students: Sequence[Student], class_name: str) -> str:
    name = normalize_class(class_name)
    known = sorted({s.class_name for s in students})
    if name not in known:
        raise PlanError(f"没有班级“{class_name}”：请核对班级名称（已有：{'、'.join(known)}）。")
    return name


def _plan(
    ws: Workspace,
    students: Sequence[Student],
    teachers: Sequence[Teacher],
    records: Sequence[Visit],
    calendar: TermCalendar,
    *,
    seed: int,
    stages: bool | None,
    kept: Sequence[PlannedVisit],
    from_week: int = 1,
) -> VisitPlan:
    home_done, led = _history(ws, records, calendar)
    return make_plan(
        students,
        teachers,
        ws.policy,
        calendar,
        seed=seed,
        stages=stages,
        kept=kept,
        home_done_this_year=home_done,
        leader_done_this_year=led,
        from_week=from_week,
    )


def _history(ws: Workspace, records: Sequence[Visit], calendar: TermCalendar) -> tuple[set[str], dict[str, int]]:
    """What this school year counted before the term: students visited at home, and each
    teacher's visits (a leader's quota counts them)."""
    earlier = [r for r in records if r.counted and r.date is not None and ws.policy.school_year.start <= r.date < calendar.start]
    home = ws.policy.coverage.home_visit_mode
    return {r.student_no for r in earlier if r.mode == home}, dict(Counter(no for r in earlier for no in r.teacher_nos))


def _store(
    ws: Workspace,
    plan: VisitPlan,
    calendar: TermCalendar,
    written: Path | None,
    *,
    partial: bool,
    operator: str | None,
    students: Sequence[Student],
    teachers: Sequence[Teacher],
    records: Sequence[Visit],
    from_week: int = 1,
) -> PlanResult:
    home_done, led = _history(ws, records, calendar)
    broken = plan_violations(plan, students, teachers, ws.policy, calendar, home_done_this_year=home_done, leader_done_this_year=led, from_week=from_week)
    if broken:
        raise RuntimeError("scheduler broke rules it did not report: " + "; ".join(broken[:5]))
    if plan.shortfalls and not partial:
        return PlanResult(plan, calendar, written, stored=False)
    stored = ws.write(lambda session: plan_store.save_plan(session, plan, operator=operator or default_operator()))
    return PlanResult(dataclasses.replace(stored, shortfalls=plan.shortfalls), calendar, written, stored=True)
