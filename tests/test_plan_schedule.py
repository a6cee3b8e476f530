"""The visit plan's schedule: every rule of the policy profile met or its shortfall named,
the same plan for the same input, a small school whose schedule is known, the term calendar
and the address areas."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.errors import PlanError, PolicyError
from pipeline.model.people import Student, Teacher
from pipeline.model.policy import load_policy
from pipeline.plan.address import parse_address
from pipeline.plan.calendar import calendar_yaml, default_calendar, load_calendar
from pipeline.plan.explain import explain
from pipeline.plan.requirements import STAGES, stage_weeks, student_needs
from pipeline.plan.schedule import make_plan
from pipeline.plan.verify import plan_violations
from pipeline.synth.school import generated_school
from plan_support import CLASS, FIXTURE_CALENDAR, FIXTURE_POLICY, FIXTURE_STUDENTS, FIXTURE_TEACHERS, policy_file, policy_with

TERM = "2025-2026-1"


def _unmet(plan, students, policy, calendar) -> set[str]:  # type: ignore[no-untyped-def]
    have = {(v.student_no, v.purpose) for v in plan.visits}
    return {f"{n.student.name}（{n.student.student_no}）" for n in student_needs(students, policy, calendar, stages=plan.stages) if (n.student.student_no, n.purpose) not in have}


@settings(max_examples=40, deadline=dt.timedelta(seconds=10), suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(
    size=st.integers(30, 1500),
    special=st.floats(0.0, 0.6),
    focus=st.floats(0.0, 0.4),
    subject=st.integers(0, 3),
    leaders=st.integers(0, 4),
    weekly=st.integers(1, 5),
    evening=st.integers(1, 3),
    stages=st.booleans(),
    seed=st.integers(0, 1000),
)
@example(size=1500, special=0.5, focus=0.3, subject=0, leaders=4, weekly=2, evening=1, stages=True, seed=1)  # short of time
@example(size=1500, special=0.2, focus=0.1, subject=3, leaders=2, weekly=3, evening=2, stages=False, seed=2)
def test_generated_schools_keep_every_rule_or_name_exactly_what_cannot_be_met(
    size: int, special: float, focus: float, subject: int, leaders: int, weekly: int, evening: int, stages: bool, seed: int
) -> None:
    school = generated_school(size, seed=seed, special_share=special, focus_share=focus, subject_teachers=subject, middle_leaders=leaders)
    policy = policy_with(weekly_visits=weekly, evening_visits=evening)
    calendar = default_calendar(policy, TERM)
    plan = make_plan(school.students, school.teachers, policy, calendar, seed=seed, stages=stages)
    assert plan_violations(plan, school.students, school.teachers, policy, calendar) == []
    # a shortfall names exactly the students the plan leaves without a visit the rules ask for
    named = {who for s in plan.shortfalls if s.class_name for who in s.who}
    assert named == _unmet(plan, school.students, policy, calendar)
    assert all(s.extra_hours > 0 and s.visits == len(s.who) for s in plan.shortfalls if s.class_name)
    assert make_plan(school.students, school.teachers, policy, calendar, seed=seed, stages=stages) == plan


def test_too_little_teacher_time_is_reported_with_the_students_rule_and_hours_instead_of_a_broken_plan() -> None:
    school = generated_school(90, seed=3, special_share=0.5, subject_teachers=0, middle_leaders=0)
    policy = policy_with(weekly_visits=1, evening_visits=1)
    calendar = default_calendar(policy, TERM)
    plan = make_plan(school.students, school.teachers, policy, calendar)
    assert not plan.feasible
    assert plan_violations(plan, school.students, school.teachers, policy, calendar) == []
    text = "\n".join(s.text for s in plan.shortfalls)
    assert "每学年须入户一次" in text and "排不下" in text and "个教师工时" in text
    # 2 classes × 18 usable weeks × 1 visit a week = 36 visits for 90 families: the rest are named
    placed = sum(v.purpose == "home" for v in plan.visits)
    assert placed == 36
    assert sum(s.visits for s in plan.shortfalls if s.class_name) >= 90 - 36


def test_a_different_seed_gives_another_plan_that_keeps_the_rules_too() -> None:
    school = generated_school(200, seed=5)
    policy = policy_with()
    calendar = default_calendar(policy, TERM)
    one, other = (make_plan(school.students, school.teachers, policy, calendar, seed=s) for s in (1, 2))
    assert one != other
    assert plan_violations(other, school.students, school.teachers, policy, calendar) == []


def test_fixture_school_gets_the_known_schedule() -> None:
    plan = make_plan(FIXTURE_STUDENTS, FIXTURE_TEACHERS, FIXTURE_POLICY, FIXTURE_CALENDAR, seed=1)
    assert plan.feasible
    assert Counter(v.week for v in plan.visits) == {1: 2, 2: 2, 4: 1, 5: 1, 6: 1}  # week 3: exams
    by_student = {(v.student_name, v.purpose): v for v in plan.visits}
    # neighbours share an evening: the two 锦绣花园 families, then the two 柳树村 families
    assert by_student[("张伟", "home")].day == by_student[("刘洋", "home")].day == dt.date(2025, 9, 2)
    assert (by_student[("张伟", "home")].time, by_student[("刘洋", "home")].time) == ("18:30", "19:30")
    assert by_student[("王堃", "home")].day == by_student[("陈静", "home")].day == dt.date(2025, 9, 9)
    # 困境儿童: two teachers, the principal meeting his share (2 a year: 1 this term)
    assert explain(by_student[("李娜", "home")]) == (
        "李娜：困境儿童，本学期须入户一次；班主任林春燕，第 4 周周二（9月23日）18:30 入户走访，"
        "与高校长同去（困境儿童家庭，按安全保障两位教师结伴）"
    )
    # the 重点 student's second contact two weeks on or more, skipping the 国庆 Tuesday
    assert by_student[("张伟", "contact2")].day == dt.date(2025, 10, 8)
    assert by_student[("张伟", "contact2")].mode == "邀请来校"
    assert {v.teacher_no for v in plan.visits} == {"T01"}  # the 班主任's two visits a week suffice


def test_leaders_join_special_group_visits_spread_over_classes_and_weeks() -> None:
    school = generated_school(180, seed=8, special_share=0.3, middle_leaders=1)
    policy = load_policy()
    calendar = default_calendar(policy, TERM)
    plan = make_plan(school.students, school.teachers, policy, calendar)
    for leader, share in (("L001", 3), ("L100", 5)):  # 5 and 10 a year over two semesters
        joined = [v for v in plan.visits if v.companion_no == leader]
        assert len(joined) >= share
        assert max(Counter(v.week for v in joined).values()) == 1  # at most one a week
        assert len({v.class_name for v in joined}) == min(len(joined), 4)  # as many of the 4 classes as it can
        assert all(v.visit_type == "重点" for v in joined)


def test_three_stages_put_new_students_first_calls_in_the_first_month_and_focus_contacts_after_the_midterm() -> None:
    students = (
        Student("N1", "新同学", CLASS, address="青禾市清源区文昌路1号", extra=(("新转入", "是"),)),
        Student("F1", "重点生", CLASS, address="青禾市清源区文昌路2号", groups=("心理问题",)),
        *(Student(f"P{i}", f"普通{i}", CLASS, address="青禾市清源区学府街3号") for i in range(6)),
    )
    teachers = (Teacher("T01", "林春燕", "班主任", (CLASS,)),)
    policy = policy_with(quotas={})
    calendar = default_calendar(policy, TERM)
    plan = make_plan(students, teachers, policy, calendar, stages=True)
    stages = stage_weeks(calendar, policy)
    visits = {(v.student_no, v.purpose): v for v in plan.visits}
    assert plan.feasible
    assert visits[("N1", "home")].stage == visits[("F1", "home")].stage == STAGES[0]
    assert visits[("F1", "contact2")].week > (calendar.midterm_week or 0)
    assert all(visits[(f"P{i}", "call")].week in stages[STAGES[0]] for i in range(6))
    assert all(visits[(f"P{i}", "home")].stage in STAGES[1:] for i in range(6))


def test_students_marked_as_gone_get_no_visits() -> None:
    gone = Student("G1", "转走了", CLASS, address="青禾市清源区文昌路1号", extra=(("学籍状态", "转出"),))
    plan = make_plan((gone, *FIXTURE_STUDENTS), FIXTURE_TEACHERS, FIXTURE_POLICY, FIXTURE_CALENDAR, seed=1)
    assert "G1" not in {v.student_no for v in plan.visits}


def test_default_calendar_leaves_exam_weeks_and_national_holidays_free() -> None:
    calendar = default_calendar(load_policy(), TERM)
    assert len(calendar.weeks) == 21 and calendar.exam_weeks == (11, 20, 21)
    assert [h.name for h in calendar.holidays] == ["国庆节", "元旦"]
    national_day_week = calendar.weeks[calendar.week_of(dt.date(2025, 10, 1)) - 1]
    assert calendar.visit_days(national_day_week, (1, 2, 3, 4)) == (dt.date(2025, 9, 29), dt.date(2025, 9, 30))
    assert calendar.visit_days(calendar.weeks[10], (1, 2, 3, 4, 5)) == ()  # mid-term exams


def test_calendar_file_round_trips_and_a_wrong_one_names_the_file_and_the_fix(tmp_path: Path) -> None:
    policy = load_policy()
    calendar = default_calendar(policy, TERM)
    path = tmp_path / "校历.yaml"
    path.write_text(calendar_yaml(calendar), encoding="utf-8")
    assert load_calendar(path, policy) == calendar
    path.write_text(calendar_yaml(calendar).replace("start: 2025-10-01", "start: 十月一日"), encoding="utf-8")
    with pytest.raises(PlanError, match=r"校历.yaml：校历有误（国庆节 的 start 不是日期（应写成 2025-09-01））"):
        load_calendar(path, policy)
    path.write_text("term: 2031-2032-1\n", encoding="utf-8")
    with pytest.raises(PlanError, match="政策配置中没有学期“2031-2032-1”"):
        load_calendar(path, policy)


def test_a_plan_setting_naming_an_unknown_group_or_mode_is_refused_in_chinese(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as err:
        load_policy(policy_file(tmp_path, two_teacher_groups=["孤儿"], focus_followup_mode="上门"))
    assert "“上门”不是表单“家访方式”的选项" in str(err.value)
    with pytest.raises(PolicyError, match="plan.two_teacher_groups 中的“孤儿”不是本配置的特殊群体"):
        load_policy(policy_file(tmp_path, two_teacher_groups=["孤儿"]))


@pytest.mark.parametrize(
    ("text", "area", "rural"),
    [
        ("青禾市清源区文昌路12号锦绣花园3栋2单元1204室", "清源区文昌路锦绣花园", False),
        ("青禾市清源区河口镇柳树村三组15号", "清源区河口镇柳树村", True),
        ("青禾市清源区河口镇柳树村民委员会下湾自然村第三村民小组8号附2号", "清源区河口镇柳树村", True),
        ("四川省达州市渠县有庆镇有庆村2组", "渠县有庆镇有庆村", True),
        ("北京市海淀区中关村大街27号", "海淀区中关村大街", False),
        ("江苏省南京市鼓楼区宁海路街道北京西路122号", "鼓楼区宁海路街道北京西路", False),
    ],
)
def test_addresses_split_into_the_area_an_evening_is_chosen_from(text: str, area: str, rural: bool) -> None:
    parsed = parse_address(text)
    assert (parsed.area, parsed.rural) == (area, rural)


def test_a_profile_without_plan_settings_and_with_other_groups_still_loads(tmp_path: Path) -> None:
    path = policy_file(tmp_path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["plan"]
    data["special_groups"] = [{"name": "留守儿童"}, {"name": "学习困难"}]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    policy = load_policy(path)
    assert (policy.plan.two_teacher_groups, policy.plan.focus_groups, policy.plan.weekly_visits) == ((), ("学习困难",), 3)
