"""What the policy profile asks of each student and each leader in one term.

Each rule with its source:

- every student one 入户 visit a school year (seed 002: 每名学生一年内至少开展一次入户家访);
  planned in the first term that finds it not yet done;
- each special-group student one 入户 visit a semester (seed 002: 八类特殊学生群体每学期要入户家访一遍);
- each 重点 student (seed 003 篇一: 学困, 行为偏差, 心理, 新转入 …) at least
  ``plan.focus_contacts`` contacts a term, ``plan.focus_gap_weeks`` apart: the 入户 visit
  and 约谈 in the profile's ``focus_followup_mode``;
- leaders' yearly quotas (seed 002: 校长 ≥ 5, 中层 ≥ 10) split over the semesters;
- two teachers for the profile's ``two_teacher_groups`` (and village addresses when
  ``two_teachers_rural``; seed 003 安全保障);
- with the three-stage model (seed 003 篇二): new students' visits in the first month,
  a first call to every other family then, 重点 contacts after the mid-term, the remaining
  families' visits through the 成长观测期 and 总结展望期.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from pipeline import defs
from pipeline.model.people import Student, Teacher
from pipeline.model.plan import CALL, CONTACT, HOME
from pipeline.model.policy import Policy
from pipeline.plan.address import Address, parse_address
from pipeline.plan.calendar import TermCalendar

__all__ = ["LeaderNeed", "Need", "STAGES", "focus_labels", "leader_needs", "on_roll", "stage_of", "stage_weeks", "student_needs", "usable_weeks"]

STAGES = ("启航适应期", "成长观测期", "总结展望期")
_YES = ("是", "√", "1", "y", "yes", "true", "重点")


@dataclass(frozen=True)
class Need:
    """One visit a rule asks for, before it has a week and a teacher."""

    student: Student
    address: Address
    purpose: str  # HOME, CALL or contactN
    mode: str
    visit_type: str
    reasons: tuple[str, ...]
    weeks: tuple[int, ...]  # the weeks it may take, earliest first
    two_teachers: str = ""  # why two teachers go; "" for one
    urgent: bool = False  # special group, 重点 or new: placed before the others

    @property
    def rule(self) -> str:
        """The rule it is counted under when it cannot be placed."""
        return self.reasons[0]


@dataclass(frozen=True)
class LeaderNeed:
    teacher: Teacher
    visits: int  # visits to join this term
    quota: int  # the yearly quota it comes from


def usable_weeks(calendar: TermCalendar, policy: Policy) -> tuple[int, ...]:
    """Weeks with at least one day visits may be planned on."""
    return tuple(w.number for w in calendar.weeks if calendar.visit_days(w, policy.plan.visit_days))


def stage_weeks(calendar: TermCalendar, policy: Policy) -> dict[str, tuple[int, ...]]:
    """The usable weeks of each stage: the first and last months, and what lies between."""
    weeks = usable_weeks(calendar, policy)
    total = len(calendar.weeks)
    first = tuple(w for w in weeks if w <= defs.PLAN_STAGE_WEEKS)
    last = tuple(w for w in weeks if w > total - defs.PLAN_STAGE_WEEKS - defs.PLAN_FINAL_EXAM_WEEKS and w not in first)
    middle = tuple(w for w in weeks if w not in first and w not in last)
    return dict(zip(STAGES, (first, middle, last)))


def stage_of(week: int, stages: dict[str, tuple[int, ...]]) -> str:
    return next((name for name, weeks in stages.items() if week in weeks), "")


def on_roll(student: Student) -> bool:
    """False for a student the roster marks as gone (学籍状态 转出, 离校 …): no visits are
    planned for them and their open ones are dropped by a plan update."""
    extra = student.extra_dict
    return not any(extra.get(c, "").strip() in defs.PLAN_LEFT_WORDS for c in defs.PLAN_STATUS_COLUMNS)


def focus_labels(student: Student, policy: Policy) -> tuple[str, ...]:
    """Why ``student`` is a 重点 student: their focus groups and marked roster columns."""
    extra = student.extra_dict
    marked = tuple(c for c in policy.plan.focus_columns if extra.get(c, "").strip().lower() in _YES)
    return tuple(g for g in student.groups if g in policy.plan.focus_groups) + marked


def student_needs(
    students: Sequence[Student],
    policy: Policy,
    calendar: TermCalendar,
    *,
    home_done_this_year: Collection[str] = (),
    stages: bool = False,
) -> list[Need]:
    """Every visit the rules ask of ``students`` this term (see the module note)."""
    weeks = usable_weeks(calendar, policy)
    windows = stage_weeks(calendar, policy) if stages else {}
    first_term = calendar.term == policy.semesters[0].id
    needs: list[Need] = []
    for s in filter(on_roll, students):
        needs += _needs_of(s, policy, weeks, windows, calendar, yearly=first_term or s.student_no not in home_done_this_year)
    return needs


def _needs_of(
    s: Student,
    policy: Policy,
    weeks: tuple[int, ...],
    windows: dict[str, tuple[int, ...]],
    calendar: TermCalendar,
    *,
    yearly: bool,
) -> list[Need]:
    rules = policy.plan
    address = parse_address(s.address)
    special = [g for g in s.groups if policy.canonical_group(g)]
    focus = focus_labels(s, policy)
    new = defs.PLAN_NEW_STUDENT_COLUMN in focus
    reasons = [f"{g}，本学期须入户一次" for g in special]
    if focus:
        reasons.append(f"重点学生（{'、'.join(focus)}），本学期至少联系 {rules.focus_contacts} 次")
    if yearly and not special:  # a special group's visit this semester is the year's visit too
        reasons.append("每名学生，每学年须入户一次")
    if not reasons:
        return []
    home_mode = policy.coverage.home_visit_mode
    visit_type = "重点" if focus or special else "普访"
    urgent = bool(special or focus)
    home_weeks = _home_weeks(weeks, windows, new=new, urgent=urgent, focus=bool(focus), gap=rules.focus_gap_weeks * (rules.focus_contacts - 1))
    two = _two_teachers(s, address, policy)
    needs = [Need(s, address, HOME, home_mode, visit_type, tuple(reasons), home_weeks, two, urgent)]
    if focus:
        contact_weeks = _contact_weeks(weeks, windows, calendar)
        for n in range(2, rules.focus_contacts + 1):
            why = f"重点学生（{'、'.join(focus)}），本学期第 {n} 次联系"
            needs.append(Need(s, address, f"{CONTACT}{n}", rules.focus_followup_mode, "重点", (why,), contact_weeks, "", True))
    if windows and not (new or urgent):
        needs.append(Need(s, address, CALL, rules.call_mode, "普访", ("启航适应期，与每个家庭首次联系",), windows[STAGES[0]]))
    return needs


def _home_weeks(
    weeks: tuple[int, ...], windows: dict[str, tuple[int, ...]], *, new: bool, urgent: bool, focus: bool, gap: int
) -> tuple[int, ...]:
    """Weeks a home visit may take: all usable ones, less the last ``gap`` weeks for a 重点
    student (their further contacts follow it); with stages, new and 重点 students in the
    first month, special groups before the last, everyone else after the first."""
    if windows:
        first, middle, last = (windows[s] for s in STAGES)
        chosen = first if new or focus else (first + middle if urgent else middle + last)
    else:
        chosen = weeks
    if focus and gap and not windows:
        chosen = tuple(w for w in chosen if w + gap <= (weeks[-1] if weeks else 0))
    return chosen


def _contact_weeks(weeks: tuple[int, ...], windows: dict[str, tuple[int, ...]], calendar: TermCalendar) -> tuple[int, ...]:
    """Weeks a 重点 student's further contacts may take: any (each some weeks after the one
    before, which the scheduler keeps); with stages, the 成长观测期 after the mid-term."""
    if not windows:
        return weeks
    middle = windows[STAGES[1]]
    mid = calendar.midterm_week
    return tuple(w for w in middle if mid is None or w > mid) or middle


def _two_teachers(s: Student, address: Address, policy: Policy) -> str:
    groups = [g for g in s.groups if g in policy.plan.two_teacher_groups]
    if groups:
        return f"{'、'.join(groups)}家庭，按安全保障两位教师结伴"
    if policy.plan.two_teachers_rural and address.rural:
        return "偏远村居，按安全保障两位教师结伴"
    return ""


def leader_needs(teachers: Sequence[Teacher], policy: Policy, term: str, *, done_this_year: dict[str, int]) -> list[LeaderNeed]:
    """Each leader's share of their yearly quota in ``term``: the quota spread evenly over
    the semesters, rounded up, less the visits already counted this school year."""
    index = next(i for i, s in enumerate(policy.semesters) if s.id == term)
    terms = len(policy.semesters)
    needs = []
    for t in sorted(teachers, key=lambda t: t.teacher_no):
        quota = policy.quota_for(t.role)
        if not quota:
            continue
        target = math.ceil(quota * (index + 1) / terms)
        left = max(0, target - done_this_year.get(t.teacher_no, 0))
        if left:
            needs.append(LeaderNeed(t, left, quota))
    return needs
