"""The monthly 统计表: pure counting over visits, the roster and the policy profile.

Rules (each one is also printed on the sheet, so the office can check a number by hand):

- Only counted visits (student, date, mode, type and measures ``auto`` or ``verified``: see
  pipeline.report.visits) with a known date count, however many of their other fields still
  wait; how many do is said. Record forms whose counting fields are still in ``review`` and
  whose visit date is in the school year up to the month's end (or not readable) are reported
  as pending, never counted.
- The month is the calendar month clipped to the school year; "cumulative" runs from the
  school year's start to the month's end.
- 走访学生数 counts distinct students (人), 家访人次 counts visits; a student visited twice is
  1 人 and 2 人次. 人次 are split by the options of the record form's visit_mode field, in
  the form's order. A home visit (入户) is a visit whose mode is the policy's
  ``coverage.home_visit_mode`` (by default the option the form declares ``counts_as:
  home_visit``).
- Special groups: 应访 are the students in the group, 已访 those with a counted home visit in
  the group period (the semester of the month, or the school year, as
  ``coverage.special_group_per`` says) up to the month's end.
- Teachers taking part: distinct teachers of each role named on a counted visit.
- Leaders with a quota (``policy.quota_for``) are listed per person with the visits naming
  them; they are counted school-wide even for a one-class table, because a quota is a
  person's yearly task, not a class's.
- Ledger (台账) items are those of pipeline.report.ledger as of the month's end: an item
  opens on the date of the counted visit that found the problem and closes on the date of
  its first follow-up (a later 回访, or any later visit within the follow-up window).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from pipeline.errors import ReportError
from pipeline.model.classes import class_sort_key, normalize_class
from pipeline.model.people import Student, Teacher
from pipeline.model.form import FormDef, load_form
from pipeline.model.policy import ROLES, VISIT_FORM, Period, Policy
from pipeline.report.ledger import build_ledger
from pipeline.report.visits import Visit

TOTAL = "合计"
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


@dataclass(frozen=True)
class DateRange:
    start: dt.date
    end: dt.date  # inclusive

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


@dataclass(frozen=True)
class Tally:
    """What one class (or the school) did in one period."""

    visited: int  # distinct students with a counted visit (人)
    visits: int  # counted visits (人次)
    by_mode: tuple[int, ...]  # visits per mode, in StatsTable.modes order
    home_visited: int  # distinct students with a counted home visit (人)
    coverage: float  # visited / students, 0..1
    home_rate: float  # home_visited / students, 0..1
    ledger_opened: int
    ledger_closed: int


@dataclass(frozen=True)
class ClassRow:
    class_name: str  # TOTAL for the school (or scope) total
    students: int
    month: Tally
    year: Tally  # school year start to the month's end


@dataclass(frozen=True)
class GroupRow:
    group: str  # policy name; TOTAL for distinct students in any group
    expected: int  # 应访: students in the group
    visited: int  # 已访: with a counted home visit in the group period

    @property
    def missing(self) -> int:
        return self.expected - self.visited


@dataclass(frozen=True)
class RoleRow:
    role: str  # one of ROLES; TOTAL for all
    teachers: int  # teachers of the role on the roster (school-wide)
    month: int  # distinct teachers of the role on a counted visit this month
    year: int  # … cumulative


@dataclass(frozen=True)
class LeaderRow:
    teacher_no: str
    name: str
    role: str
    month: int  # counted visits naming this teacher this month (人次)
    year: int  # … cumulative
    quota: int  # visits a school year (policy)

    @property
    def done(self) -> bool:
        return self.year >= self.quota


@dataclass(frozen=True)
class StatsTable:
    school: str
    month: str  # "YYYY-MM"
    class_name: str | None  # None: the whole school
    month_range: DateRange
    year_range: DateRange
    group_period: str  # e.g. "2025—2026学年第一学期"
    home_mode: str
    modes: tuple[str, ...]  # the visit_mode options of the record form, the by_mode columns
    classes: tuple[ClassRow, ...]
    total: ClassRow
    groups: tuple[GroupRow, ...]  # empty when left out (outward without --include-sensitive)
    groups_included: bool
    roles: tuple[RoleRow, ...]  # ROLES order, then TOTAL
    leaders: tuple[LeaderRow, ...]
    pending_review: int  # record forms in review, not counted
    counted_with_pending: int = 0  # counted record forms with other fields still in review


def compute_stats(
    *,
    visits: Sequence[Visit],
    students: Sequence[Student],
    teachers: Sequence[Teacher],
    policy: Policy,
    month: str,
    class_name: str | None = None,
    form: FormDef | None = None,
) -> StatsTable:
    """The 统计表 of ``month`` ("YYYY-MM") for the school, or for one class; ``form`` is the
    record form whose visit_mode options head the 人次 columns (the shipped one unless given)."""
    modes = visit_modes(form or load_form(VISIT_FORM))
    month_range = month_in_school_year(month, policy)
    year_range = DateRange(policy.school_year.start, month_range.end)
    group_period = group_period_of(month_range, policy)
    group_range = DateRange(group_period.start, min(group_period.end, month_range.end))
    scope_name = normalize_class(class_name) if class_name else None
    in_scope = _scope(scope_name, students, visits)
    scoped_students = [s for s in students if in_scope(s.class_name)]
    scoped_visits = [v for v in visits if in_scope(v.class_name)]
    counted = [v for v in scoped_visits if v.counted and v.date in year_range]
    home = policy.coverage.home_visit_mode
    closures = ledger_closures(scoped_visits, teachers, policy, month_range.end)

    def row(name: str, pupils: int, own: list[Visit]) -> ClassRow:
        return ClassRow(
            name,
            pupils,
            _tally(own, pupils, month_range, closures, home=home, modes=modes),
            _tally(own, pupils, year_range, closures, home=home, modes=modes),
        )

    names = sorted({s.class_name for s in scoped_students} | {v.class_name for v in counted}, key=class_sort_key)
    per_class = tuple(
        row(n, sum(s.class_name == n for s in scoped_students), [v for v in counted if v.class_name == n])
        for n in names
    )
    all_counted = [v for v in visits if v.counted and v.date in year_range]
    return StatsTable(
        school=policy.school.name,
        month=f"{month_range.start:%Y-%m}",
        class_name=scope_name,
        month_range=month_range,
        year_range=year_range,
        group_period=group_period.name,
        home_mode=home,
        modes=modes,
        classes=per_class,
        total=row(TOTAL, len(scoped_students), counted),
        groups=_groups(scoped_students, counted, policy, group_range),
        groups_included=True,
        roles=_roles(teachers, counted, month_range),
        leaders=_leaders(teachers, all_counted, policy, month_range),
        pending_review=sum(not v.counted and (v.date is None or v.date in year_range) for v in scoped_visits),
        counted_with_pending=sum(v.counted_with_pending for v in counted),
    )


def without_groups(table: StatsTable) -> StatsTable:
    """The table for use outside the school: the special-group counts left out."""
    return replace(table, groups=(), groups_included=False)


def month_in_school_year(month: str, policy: Policy) -> DateRange:
    """The days of ``month`` ("YYYY-MM") inside the school year; ReportError when none."""
    m = _MONTH.fullmatch(month.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ReportError(f"月份“{month}”格式不对：请写成 YYYY-MM，如 2025-11。")
    first = dt.date(int(m.group(1)), int(m.group(2)), 1)
    last = (first + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
    year = policy.school_year
    if last < year.start or first > year.end:
        raise ReportError(
            f"月份 {month} 不在 {year.name}（{year.start} 至 {year.end}）之内：请换一个月份，"
            "或用 --policy 指定该学年的政策配置文件。"
        )
    return DateRange(max(first, year.start), min(last, year.end))


def group_period_of(month: DateRange, policy: Policy) -> Period:
    """The period special-group coverage is judged over for ``month``.

    With ``special_group_per: semester`` it is the last semester that has begun by the
    month's end (the first semester for a month before any), so a winter-break month still
    reports the semester just ended; otherwise the school year.
    """
    if policy.coverage.special_group_per != "semester" or not policy.semesters:
        return policy.school_year
    begun = [s for s in policy.semesters if s.start <= month.end]
    return max(begun, key=lambda s: s.start) if begun else min(policy.semesters, key=lambda s: s.start)


def ledger_closures(
    visits: Sequence[Visit], teachers: Sequence[Teacher], policy: Policy, as_of: dt.date
) -> dict[str, dt.date | None]:
    """Ledger items (pipeline.report.ledger) by the form id that opened them, with the day
    each was closed by its first follow-up (None while open)."""
    items = build_ledger(visits=visits, teachers=teachers, policy=policy, as_of=as_of)
    return {i.form_id: min((f.date for f in i.followups), default=None) for i in items}


def _scope(class_name: str | None, students: Sequence[Student], visits: Sequence[Visit]) -> Callable[[str], bool]:
    if class_name is None:
        return lambda _name: True
    known = {s.class_name for s in students} | {v.class_name for v in visits}
    if class_name not in known:
        listed = "、".join(sorted(known, key=class_sort_key)) or "（花名册为空）"
        raise ReportError(f"没有班级“{class_name}”：请核对班级名称（已有：{listed}）。")
    return lambda name: name == class_name


def visit_modes(form: FormDef) -> tuple[str, ...]:
    """The options of ``form``'s visit_mode field (none when it has no such field)."""
    field = form.with_role("visit_mode")
    return field.option_values if field else ()


def _tally(
    visits: list[Visit],
    students: int,
    period: DateRange,
    closures: dict[str, dt.date | None],
    *,
    home: str,
    modes: tuple[str, ...],
) -> Tally:
    inside = [v for v in visits if v.date in period]
    visited = len({v.student_no for v in inside})
    home_visited = len({v.student_no for v in inside if v.mode == home})
    return Tally(
        visited=visited,
        visits=len(inside),
        by_mode=tuple(sum(v.mode == m for v in inside) for m in modes),
        home_visited=home_visited,
        coverage=_rate(visited, students),
        home_rate=_rate(home_visited, students),
        ledger_opened=sum(v.form_id in closures for v in inside),
        ledger_closed=sum(closures.get(v.form_id) in period for v in visits),
    )


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _groups(students: Sequence[Student], counted: list[Visit], policy: Policy, period: DateRange) -> tuple[GroupRow, ...]:
    home = policy.coverage.home_visit_mode
    visited = {v.student_no for v in counted if v.mode == home and v.date in period}
    rows = []
    for g in policy.special_groups:
        members = {s.student_no for s in students if g.name in s.groups}
        rows.append(GroupRow(g.name, len(members), len(members & visited)))
    anyone = {s.student_no for s in students if s.groups}
    return (*rows, GroupRow(TOTAL, len(anyone), len(anyone & visited)))


def _roles(teachers: Sequence[Teacher], counted: list[Visit], month: DateRange) -> tuple[RoleRow, ...]:
    role_of = {t.teacher_no: t.role for t in teachers}
    year_active = {n for v in counted for n in v.teacher_nos if n in role_of}
    month_active = {n for v in counted if v.date in month for n in v.teacher_nos if n in role_of}

    def row(name: str, members: set[str]) -> RoleRow:
        return RoleRow(name, len(members), len(members & month_active), len(members & year_active))

    rows = [row(r, {t.teacher_no for t in teachers if t.role == r}) for r in ROLES]
    return (*rows, row(TOTAL, set(role_of)))


def _leaders(teachers: Sequence[Teacher], counted: list[Visit], policy: Policy, month: DateRange) -> tuple[LeaderRow, ...]:
    rows = []
    for t in sorted(teachers, key=lambda t: (ROLES.index(t.role) if t.role in ROLES else len(ROLES), t.teacher_no)):
        quota = policy.quota_for(t.role)
        if quota is None:
            continue
        own = [v for v in counted if t.teacher_no in v.teacher_nos]
        rows.append(LeaderRow(t.teacher_no, t.name, t.role, sum(v.date in month for v in own), len(own), quota))
    return tuple(rows)
