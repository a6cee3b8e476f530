"""Every rule of the profile checked on a finished plan, independently of how it was made.

``plan make`` runs it before anything is stored (a plan that breaks a rule it does not report
as a shortfall is a program error, never a plan), and the property tests run it on generated
schools. A rule is met when the plan meets it or a shortfall names the student (or leader).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence

from pipeline.model.people import Student, Teacher
from pipeline.model.plan import CALL, HOME, VisitPlan
from pipeline.model.policy import Policy
from pipeline.plan.calendar import TermCalendar
from pipeline.plan.requirements import leader_needs, student_needs

__all__ = ["plan_violations"]


def plan_violations(
    plan: VisitPlan,
    students: Sequence[Student],
    teachers: Sequence[Teacher],
    policy: Policy,
    calendar: TermCalendar,
    *,
    home_done_this_year: set[str] | None = None,
    leader_done_this_year: dict[str, int] | None = None,
    from_week: int = 1,
) -> list[str]:
    """Each broken rule as one Chinese line; empty when the plan keeps every rule or names
    what it cannot meet in its shortfalls."""
    return [
        *_missing(plan, students, policy, calendar, home_done_this_year or set()),
        *_capacity(plan, policy, teachers),
        *_calendar(plan, policy, calendar, from_week),
        *_companions(plan),
        *_evening_areas(plan),
        *_focus_gaps(plan, policy),
        *_leaders(plan, teachers, policy, calendar, leader_done_this_year or {}),
    ]


def _reported(plan: VisitPlan) -> set[str]:
    return {who for s in plan.shortfalls for who in s.who}


def _missing(plan: VisitPlan, students: Sequence[Student], policy: Policy, calendar: TermCalendar, home_done: set[str]) -> list[str]:
    have = {(v.student_no, v.purpose) for v in plan.visits}
    reported = _reported(plan)
    needs = student_needs(students, policy, calendar, home_done_this_year=home_done, stages=plan.stages)
    return [
        f"{n.student.name}（{n.student.student_no}）：{n.rule} 未排入计划，也未报告"
        for n in needs
        if (n.student.student_no, n.purpose) not in have and f"{n.student.name}（{n.student.student_no}）" not in reported
    ]


def _capacity(plan: VisitPlan, policy: Policy, teachers: Sequence[Teacher]) -> list[str]:
    rules = policy.plan
    visits: Counter[tuple[str, int]] = Counter()
    calls: Counter[tuple[str, int]] = Counter()
    evening: Counter[tuple[str, dt.date]] = Counter()
    for v in plan.visits:
        if v.purpose == CALL:
            calls[(v.teacher_no, v.week)] += 1
            continue
        for no in v.teacher_nos:
            visits[(no, v.week)] += 1
            if v.purpose == HOME:
                evening[(no, v.day)] += 1
    leaders = {t.teacher_no for t in teachers if policy.quota_for(t.role)}
    out = []
    for (no, week), n in visits.items():
        cap = rules.leader_weekly_visits if no in leaders else rules.weekly_visits
        if n > cap:
            out.append(f"教师 {no} 第 {week} 周 {n} 次家访，超过每周 {cap} 次")
    out += [f"教师 {no} 第 {w} 周 {n} 次电话，超过每周 {rules.weekly_calls} 次" for (no, w), n in calls.items() if n > rules.weekly_calls]
    out += [f"教师 {no} {d} 晚 {n} 次入户，超过 {rules.evening_visits} 次" for (no, d), n in evening.items() if n > rules.evening_visits]
    return out


def _calendar(plan: VisitPlan, policy: Policy, calendar: TermCalendar, from_week: int) -> list[str]:
    allowed = {w.number: set(calendar.visit_days(w, policy.plan.visit_days)) for w in calendar.weeks if w.number >= from_week}
    return [
        f"{v.student_name}：{v.day} 不是可家访的日子（第 {v.week} 周：已过去、考试周、假期或不在学期内）"
        for v in plan.visits
        if not v.kept and v.day not in allowed.get(v.week, set())
    ]


def _companions(plan: VisitPlan) -> list[str]:
    return [
        f"{v.student_name}：{v.companion_why}，却只排了一位教师"
        for v in plan.visits
        if v.purpose == HOME and v.companion_why and (not v.companion_no or v.companion_no == v.teacher_no)
    ]


def _evening_areas(plan: VisitPlan) -> list[str]:
    areas: defaultdict[tuple[str, dt.date], set[str]] = defaultdict(set)
    for v in plan.visits:
        if v.purpose == HOME and not v.kept:
            areas[(v.teacher_no, v.day)].add(v.area)
    return [f"教师 {no} {d} 晚的家访不在同一片区：{'、'.join(sorted(a))}" for (no, d), a in areas.items() if len(a) > 1]


def _focus_gaps(plan: VisitPlan, policy: Policy) -> list[str]:
    weeks: defaultdict[str, list[int]] = defaultdict(list)
    for v in plan.visits:
        if v.visit_type == "重点" and v.purpose != CALL and any(r.startswith("重点学生") for r in v.reasons):
            weeks[v.student_no].append(v.week)
    gap = policy.plan.focus_gap_weeks
    return [
        f"重点学生 {no}：两次联系相隔不足 {gap} 周（第 {'、'.join(map(str, sorted(w)))} 周）"
        for no, w in weeks.items()
        if any(b - a < gap for a, b in zip(sorted(w), sorted(w)[1:]))
    ]


def _leaders(plan: VisitPlan, teachers: Sequence[Teacher], policy: Policy, calendar: TermCalendar, done: dict[str, int]) -> list[str]:
    joined = Counter(no for v in plan.visits for no in v.teacher_nos)
    reported = _reported(plan)
    return [
        f"{n.teacher.name}（{n.teacher.role}）本学期应参加 {n.visits} 次家访，计划中只有 {joined[n.teacher.teacher_no]} 次，也未报告"
        for n in leader_needs(teachers, policy, calendar.term, done_this_year=done)
        if joined[n.teacher.teacher_no] < n.visits and n.teacher.name not in reported
    ]
