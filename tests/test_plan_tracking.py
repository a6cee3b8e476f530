"""Tracking the plan: returns matched to planned visits (student, week, mode), the plan's
status by class and teacher, a plan update after roster changes that leaves done and
confirmed visits alone, the compliance list, and a plan that is refused for want of time."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.model.plan import DONE, DONE_EARLY, DONE_LATE, DUE, NOT_YET_DUE, OVERDUE, PlannedVisit, VisitPlan
from pipeline.model.people import Student
from pipeline.plan.run import confirm_visit, make_term_plan, plan_status, update_term_plan
from pipeline.plan.tracking import progress_by, track
from pipeline.report import make_compliance_report
from pipeline.report.visits import Visit
from pipeline.store import plans as plan_store
from pipeline.store import repo
from pipeline.store.workspace import Workspace, init_workspace
from pipeline.synth.school import generated_school
from plan_support import CLASS, FIXTURE_CALENDAR, FIXTURE_POLICY, FIXTURE_STUDENTS, FIXTURE_TEACHERS, TERM, policy_file, store_record

HOME_MODE = "入户走访"


def _planned(student_no: str, week: int, purpose: str = "home", mode: str = HOME_MODE) -> PlannedVisit:
    monday = FIXTURE_CALENDAR.weeks[week - 1].monday
    return PlannedVisit(student_no, student_no, CLASS, purpose, mode, "普访", week, monday + dt.timedelta(days=1), "18:30", "T01", "林春燕", "班主任", ("每名学生，每学年须入户一次",))


def _record(form_id: str, student_no: str, day: dt.date, mode: str = HOME_MODE) -> Visit:
    return Visit(form_id, student_no, CLASS, "auto", day, mode, "普访", ("T01",), None, (), None, None, None)


def test_returns_are_done_on_time_early_late_and_open_visits_overdue_due_or_not_yet_due() -> None:
    plan = VisitPlan(TERM, 1, False, (_planned("A", 2), _planned("B", 4), _planned("C", 1), _planned("D", 1), _planned("E", 4), _planned("F", 5)))
    records = [
        _record("R1", "A", dt.date(2025, 9, 10)),  # week 2: as planned
        _record("R2", "B", dt.date(2025, 9, 3)),  # week 1: early
        _record("R3", "C", dt.date(2025, 9, 24)),  # week 4: late
        _record("R4", "X", dt.date(2025, 9, 24)),  # nobody planned: not counted anywhere
    ]
    progress = track(plan, records, FIXTURE_POLICY, FIXTURE_CALENDAR, dt.date(2025, 9, 23))  # Tuesday of week 4
    states = {t.visit.student_no: t.state for t in progress.tracked}
    assert states == {"A": DONE, "B": DONE_EARLY, "C": DONE_LATE, "D": OVERDUE, "E": DUE, "F": NOT_YET_DUE}
    assert {t.visit.student_no: t.visit.done_form_id for t in progress.tracked if t.visit.done} == {"A": "R1", "B": "R2", "C": "R3"}
    assert progress.unplanned == 0  # X is not a planned student; the plan's own records were all taken
    assert progress_by(progress, lambda v: v.teacher_name)["林春燕"][OVERDUE] == 1


def test_a_phone_call_does_not_carry_out_a_planned_home_visit_but_carries_out_a_focus_contact() -> None:
    plan = VisitPlan(TERM, 1, False, (_planned("A", 1), _planned("A", 4, "contact2", "邀请来校")))
    call = _record("R1", "A", dt.date(2025, 9, 24), "电话")
    tracked = {t.visit.purpose: t for t in track(plan, [call], FIXTURE_POLICY, FIXTURE_CALENDAR, dt.date(2025, 9, 30)).tracked}
    assert tracked["home"].state == OVERDUE
    assert tracked["contact2"].state == DONE and tracked["contact2"].other_mode
    home = _record("R2", "A", dt.date(2025, 9, 2))
    tracked = {t.visit.purpose: t for t in track(plan, [call, home], FIXTURE_POLICY, FIXTURE_CALENDAR, dt.date(2025, 9, 30)).tracked}
    assert (tracked["home"].state, tracked["home"].visit.done_form_id) == (DONE, "R2")


@pytest.fixture
def school(tmp_path: Path) -> Iterator[Workspace]:
    ws = init_workspace(tmp_path / "ws")
    with ws.session() as s:
        repo.upsert_students(s, FIXTURE_STUDENTS)
        repo.upsert_teachers(s, FIXTURE_TEACHERS)
    yield ws
    ws.close()


def test_status_records_what_was_done_and_update_keeps_done_and_confirmed_visits_where_they_are(school: Workspace) -> None:
    made = make_term_plan(school, TERM)
    assert made.stored and made.calendar_written is not None and made.calendar_written.is_file()
    with school.session() as s:
        assert plan_store.current_plan(s, TERM).visits == made.plan.visits  # type: ignore[union-attr]
    planned = {(v.student_no, v.purpose): v for v in made.plan.visits}
    # 刘洋 visited at home a week after the plan said; 赵敏's date agreed with the family
    late_day = planned[("S4", "home")].day + dt.timedelta(days=7)
    store_record(school, "R1", FIXTURE_STUDENTS[3], late_day, HOME_MODE, ("T01",))
    _, progress = plan_status(school, TERM, as_of=late_day)
    assert {t.visit.student_no: t.state for t in progress.tracked if t.visit.done} == {"S4": DONE_LATE}
    confirm_visit(school, TERM, "S6")
    # the roster changes: 陈静 leaves, 王堃 now also 学习困难 (a 重点 student), a new 留守 pupil
    with school.session() as s:
        repo.upsert_students(
            s,
            [
                dataclasses.replace(FIXTURE_STUDENTS[4], extra=(("学籍状态", "转出"),)),
                dataclasses.replace(FIXTURE_STUDENTS[0], groups=("留守儿童", "学习困难")),
                Student("S7", "孙悦", CLASS, address="青禾市清源区学府街9号翠湖苑5栋", groups=("留守儿童",)),
            ],
        )
    update = update_term_plan(school, TERM, as_of=late_day)
    after = {(v.student_no, v.purpose): v for v in update.result.plan.visits}
    assert update.result.stored and update.kept == 2
    assert after[("S4", "home")].done_form_id == "R1" and after[("S4", "home")].week == planned[("S4", "home")].week
    assert after[("S6", "home")].confirmed and after[("S6", "home")].day == planned[("S6", "home")].day
    assert {(v.student_no, v.purpose) for v in update.added} == {("S7", "home"), ("S1", "contact2")}
    assert {(v.student_no, v.purpose) for v in update.dropped} == {("S5", "home")}
    # what is still open is planned from this week on, never into the past
    assert all(v.week >= progress.week for v in after.values() if not v.kept)


def test_compliance_list_shows_planned_visits_overdue_and_due_with_the_plan_counts(school: Workspace) -> None:
    plan = make_term_plan(school, TERM).plan
    first = min(plan.visits, key=lambda v: v.day)
    as_of = first.day + dt.timedelta(days=7)
    report = make_compliance_report(school, as_of=as_of).report
    overdue = report.of_kind("plan_overdue")
    assert {i.student_no for i in overdue} == {v.student_no for v in plan.visits if v.day < as_of and v.week < first.week + 1}
    assert overdue[0].responsible == first.teacher_name and report.labels["plan_overdue"] == "计划家访已逾期"
    assert any(note.startswith("家访计划（第 2 周）：共 ") for note in report.notes)


def test_plan_make_without_enough_teacher_time_stores_nothing_and_says_what_is_missing(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws", policy_path=policy_file(tmp_path, weekly_visits=1, evening_visits=1))
    school = generated_school(90, seed=3, subject_teachers=0, middle_leaders=0)
    with ws.session() as s:
        repo.upsert_students(s, school.students)
        repo.upsert_teachers(s, school.teachers)
    result = CliRunner().invoke(main, ["plan", "make", "--term", TERM, "--workspace", str(ws.root)])
    assert result.exit_code == 1
    assert "以下规定在现有教师时间内排不下" in result.output and "每名学生，每学年须入户一次" in result.output
    assert "计划未保存" in result.output and "Traceback" not in result.output
    with ws.session() as s:
        assert plan_store.current_plan(s, TERM) is None
    ws.close()


def test_plan_commands_have_help_with_an_example() -> None:
    for command in ("make", "update", "confirm", "status", "docs"):
        result = CliRunner().invoke(main, ["plan", command, "--help"])
        assert result.exit_code == 0 and "示例" in result.output


def test_cli_makes_the_plan_and_shows_its_status_by_class_and_teacher(school: Workspace) -> None:
    runner = CliRunner()
    made = runner.invoke(main, ["plan", "make", "--term", TERM, "--explain", "--workspace", str(school.root)])
    assert made.exit_code == 0, made.output
    assert "李娜：困境儿童，本学期须入户一次；班主任林春燕" in made.output and "计划已保存" in made.output
    with school.session() as s:
        plan = plan_store.current_plan(s, TERM)
    assert plan is not None
    first = plan.visits[0]
    store_record(school, "R1", next(st for st in FIXTURE_STUDENTS if st.student_no == first.student_no), first.day, HOME_MODE, ("T01",))
    status = runner.invoke(main, ["plan", "status", "--term", TERM, "--as-of", first.day.isoformat(), "--workspace", str(school.root)])
    assert status.exit_code == 0, status.output
    assert "按班级" in status.output and "按负责教师" in status.output
    assert "七年级（1）班" in status.output and "林春燕" in status.output
    with school.session() as s:
        stored = plan_store.current_plan(s, TERM)
    assert stored is not None and [v.done_form_id for v in stored.visits if v.done_form_id] == ["R1"]


def test_replanning_one_class_leaves_the_other_classes_visits_as_they_were(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    school = generated_school(80, seed=9)
    with ws.session() as s:
        repo.upsert_students(s, school.students)
        repo.upsert_teachers(s, school.teachers)
    first = make_term_plan(ws, TERM).plan
    again = make_term_plan(ws, TERM, class_name="七年级（1）班", seed=7).plan
    assert again.of_class("七年级（2）班") == first.of_class("七年级（2）班")
    assert again.of_class("七年级（1）班") != first.of_class("七年级（1）班")
    ws.close()
