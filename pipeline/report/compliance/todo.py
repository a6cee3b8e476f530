"""Compliance to-do lists: what the policy profile asks for that has not happened yet.

Five kinds of item, each from one rule of the profile (seeds/002):

- ``no_home_visit``: a student with no counted 入户 visit in the coverage period
  (``coverage.every_student_per``, the school year by default) up to ``as_of``;
- ``special_group``: a special-group student with none in the ``coverage.special_group_per``
  period (the semester containing ``as_of`` by default; outside any semester this check is
  skipped and the report says so);
- ``leader_pace``: a leader whose role has a quota and whose counted visits (人次) this school
  year are behind the pro-rata pace: quota × elapsed share of the school year, rounded down;
- ``followup_overdue``: a ledger item (pipeline.report.ledger) past its due date without a
  follow-up;
- ``late_entry``: a record first stored more than ``deadlines.record_within_hours`` after the
  visit ended (visit date + end time, or the end of the visit day when no time was written).
  The entry time is when the record reached the database, so for scanned paper this measures
  the office's entry, not when the teacher wrote the form. Entry times are read in the
  computer's local time zone.

Only counted records (student, date, mode, type and measures ``auto``/``verified``: see
pipeline.report.visits) are visits; the others are counted apart as pending, and counted ones
whose other fields still wait are counted too. Each item names the person who has to act: the class's 班主任 for coverage, the leader
for pace, the visiting teacher (else the 班主任) for follow-ups and late entries.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from pipeline import defs
from pipeline.errors import ReportError
from pipeline.model.classes import class_sort_key
from pipeline.model.people import Student, Teacher
from pipeline.model.policy import Period, Policy
from pipeline.report.ledger import LedgerItem, build_ledger, class_heads, responsible_teacher
from pipeline.report.visits import Visit, counted_with_pending_by

KINDS = ("no_home_visit", "special_group", "leader_pace", "followup_overdue", "late_entry")
# Planned visits past their week or due this week (pipeline.report.compliance.plan; only with a plan).
PLAN_KINDS = ("plan_overdue", "plan_due")
PERIOD_WORDS = {"school_year": "学年", "semester": "学期"}
LEADERS_GROUP = "学校领导"  # how the class-less group of leaders' own items is shown


@dataclass(frozen=True)
class ComplianceItem:
    kind: str  # one of KINDS
    class_name: str  # "" for a leader's own quota item
    responsible_no: str  # 工号 of who has to act; "" when the class has no 班主任 on the roster
    responsible: str
    student_no: str  # "" for a leader's quota item (the leader is the responsible teacher)
    student_name: str
    detail: str  # Chinese, one line
    due: dt.date | None
    overdue_days: int  # 0 when not (yet) overdue
    form_id: str = ""  # the record concerned, for follow-ups and late entries


@dataclass(frozen=True)
class ComplianceReport:
    as_of: dt.date
    school: str
    school_year: str  # name of the school year
    semester: str | None  # name of the semester containing as_of
    class_name: str | None  # None: the whole school
    labels: Mapping[str, str]  # kind → Chinese heading, in KINDS order
    items: tuple[ComplianceItem, ...]  # sorted: class, responsible teacher, kind, student
    pending_review: int  # records waiting for review, not counted as visits
    notes: tuple[str, ...]  # what the reader should know about checks not made
    counted_with_pending: int = 0  # counted records with other fields still in review

    def of_kind(self, kind: str) -> tuple[ComplianceItem, ...]:
        return tuple(i for i in self.items if i.kind == kind)


def compliance_todo(
    *,
    visits: Sequence[Visit],
    students: Sequence[Student],
    teachers: Sequence[Teacher],
    policy: Policy,
    as_of: dt.date,
    class_name: str | None = None,
) -> ComplianceReport:
    """Every to-do item on ``as_of``, of the school or of one class (whose cut leaves out the
    leaders' quota items: a quota is a person's yearly task, not a class's); raises
    ReportError when ``as_of`` is outside the school year."""
    year = policy.school_year
    if not year.contains(as_of):
        raise ReportError(
            f"日期 {as_of} 不在政策配置的学年（{year.name}：{year.start} 至 {year.end}）之内；"
            "请用 --as-of 指定学年内的日期，或更新政策配置中的 school_year。"
        )
    semester = policy.semester_of(as_of)
    counted = [v for v in visits if v.counted and v.date is not None and v.date <= as_of]
    heads = class_heads(teachers)
    notes: list[str] = []
    items = [
        *_coverage_items(counted, students, heads, policy, as_of, notes),
        *_leader_items(counted, teachers, policy, as_of),
        *_followup_items(build_ledger(visits=visits, teachers=teachers, policy=policy, as_of=as_of)),
        *_late_items(counted, students, teachers, heads, policy),
    ]
    scoped = [v for v in visits if class_name in (None, v.class_name)]
    undated = sum(v.counted and v.date is None for v in scoped)
    if undated:
        notes.append(f"{undated} 条记录没有家访日期，未计入各项检查，请补录日期。")
    return ComplianceReport(
        as_of=as_of,
        school=policy.school.name,
        school_year=year.name,
        semester=semester.name if semester else None,
        class_name=class_name,
        labels=kind_labels(policy),
        items=tuple(sorted((i for i in items if class_name in (None, i.class_name)), key=item_order)),
        pending_review=sum(not v.counted for v in scoped),
        notes=tuple(notes),
        counted_with_pending=counted_with_pending_by(scoped, as_of),
    )


def default_as_of(policy: Policy, today: dt.date) -> dt.date:
    """Today, or the school year's last day once the year is over (its final to-do list)."""
    return min(today, policy.school_year.end)


def kind_labels(policy: Policy) -> dict[str, str]:
    """Chinese headings of the kinds, naming the periods the profile sets."""
    every = PERIOD_WORDS[policy.coverage.every_student_per]
    special = PERIOD_WORDS[policy.coverage.special_group_per]
    return {
        "no_home_visit": f"本{every}无入户家访",
        "special_group": f"本{special}特殊群体未入户",
        "leader_pace": "领导家访进度落后",
        "followup_overdue": "跟进逾期",
        "late_entry": "记录逾期录入",
    }


def by_class(items: Iterable[ComplianceItem]) -> dict[str, tuple[ComplianceItem, ...]]:
    """Items grouped by class, in the order given; leaders' quota items under LEADERS_GROUP."""
    return _group(items, lambda i: i.class_name or LEADERS_GROUP)


def by_teacher(items: Iterable[ComplianceItem]) -> dict[str, tuple[ComplianceItem, ...]]:
    """Items grouped by the responsible teacher's 工号 ("" for none), in the order given."""
    return _group(items, lambda i: i.responsible_no)


def teacher_label(item: ComplianceItem) -> str:
    return f"{item.responsible}（{item.responsible_no}）" if item.responsible_no else "（未登记班主任）"


def _group(
    items: Iterable[ComplianceItem], key: Callable[[ComplianceItem], str]
) -> dict[str, tuple[ComplianceItem, ...]]:
    groups: dict[str, list[ComplianceItem]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return {k: tuple(v) for k, v in groups.items()}


def item_order(item: ComplianceItem) -> tuple[object, ...]:
    """How items are listed: by class, responsible teacher, kind, student."""
    return (
        item.class_name == "",
        class_sort_key(item.class_name),
        item.responsible_no,
        (KINDS + PLAN_KINDS).index(item.kind),
        item.student_no,
        item.form_id,
    )


# --- coverage ---------------------------------------------------------------------------


def _period(per: str, policy: Policy, as_of: dt.date) -> Period | None:
    return policy.school_year if per == "school_year" else policy.semester_of(as_of)


def _coverage_items(
    counted: Sequence[Visit],
    students: Sequence[Student],
    heads: Mapping[str, Teacher],
    policy: Policy,
    as_of: dt.date,
    notes: list[str],
) -> list[ComplianceItem]:
    home = policy.coverage.home_visit_mode
    items = []
    every = _period(policy.coverage.every_student_per, policy, as_of)
    special = _period(policy.coverage.special_group_per, policy, as_of)
    if every is None:
        notes.append(f"{as_of} 不在任何学期内，未检查每名学生的入户家访。")
    if special is None:
        notes.append(f"{as_of} 不在任何学期内（假期），未检查特殊群体学生本学期的入户家访。")
    by_student: dict[str, list[Visit]] = {}
    for v in counted:
        by_student.setdefault(v.student_no, []).append(v)
    for s in students:
        own = by_student.get(s.student_no, [])
        if every is not None and not _home_visits(own, home, every):
            items.append(_coverage_item("no_home_visit", s, heads, every, _no_home_detail(own, every, home)))
        groups = [g for g in s.groups if policy.canonical_group(g)]
        if special is not None and groups and not _home_visits(own, home, special):
            items.append(_coverage_item("special_group", s, heads, special, _special_detail(own, groups, special, home)))
    return items


def _home_visits(visits: Iterable[Visit], home: str, period: Period) -> list[Visit]:
    return [v for v in visits if v.mode == home and v.date is not None and period.contains(v.date)]


def _coverage_item(
    kind: str, student: Student, heads: Mapping[str, Teacher], period: Period, detail: str
) -> ComplianceItem:
    head = heads.get(student.class_name)
    return ComplianceItem(
        kind=kind,
        class_name=student.class_name,
        responsible_no=head.teacher_no if head else "",
        responsible=head.name if head else "",
        student_no=student.student_no,
        student_name=student.name,
        detail=detail,
        due=period.end,
        overdue_days=0,
    )


def _no_home_detail(own: Sequence[Visit], period: Period, home: str) -> str:
    others = [v.mode or "方式未填" for v in own if v.date is not None and period.contains(v.date)]
    if not others:
        return f"{period.name}尚无家访记录"
    kinds = "、".join(dict.fromkeys(others))
    return f"{period.name}尚无{home}；已有其他方式 {len(others)} 次（{kinds}）"


def _special_detail(own: Sequence[Visit], groups: Sequence[str], period: Period, home: str) -> str:
    earlier = [v.date for v in own if v.mode == home and v.date is not None and v.date < period.start]
    last = f"；上次{home} {max(earlier)}" if earlier else ""
    return f"特殊群体（{'、'.join(groups)}）{period.name}尚无{home}{last}"


# --- leaders ----------------------------------------------------------------------------


def _leader_items(
    counted: Sequence[Visit], teachers: Sequence[Teacher], policy: Policy, as_of: dt.date
) -> list[ComplianceItem]:
    year = policy.school_year
    in_year = [v for v in counted if v.date is not None and year.contains(v.date)]
    elapsed = (as_of - year.start).days + 1
    length = (year.end - year.start).days + 1
    items = []
    for t in teachers:
        quota = policy.quota_for(t.role)
        if not quota:
            continue
        done = sum(t.teacher_no in v.teacher_nos for v in in_year)
        expected = quota * elapsed // length
        if done < expected:
            items.append(
                ComplianceItem(
                    kind="leader_pace",
                    class_name="",
                    responsible_no=t.teacher_no,
                    responsible=t.name,
                    student_no="",
                    student_name="",
                    detail=f"{t.role}：已访 {done} 人次，按进度到 {as_of} 应达 {expected} 人次，全年定额 {quota} 人次",
                    due=year.end,
                    overdue_days=0,
                )
            )
    return items


# --- follow-ups and late entry -------------------------------------------------------------


def _followup_items(ledger: Iterable[LedgerItem]) -> list[ComplianceItem]:
    return [
        ComplianceItem(
            kind="followup_overdue",
            class_name=i.class_name,
            responsible_no=i.responsible_no,
            responsible=i.responsible,
            student_no=i.student_no,
            student_name=i.student_name,
            detail=f"{i.opened} 家访发现：{_quote(i.problem)}；应于 {i.due} 前跟进，尚无回访",
            due=i.due,
            overdue_days=i.overdue_days,
            form_id=i.form_id,
        )
        for i in ledger
        if i.status == "overdue"
    ]


def _late_items(
    counted: Sequence[Visit],
    students: Sequence[Student],
    teachers: Sequence[Teacher],
    heads: Mapping[str, Teacher],
    policy: Policy,
) -> list[ComplianceItem]:
    limit = dt.timedelta(hours=policy.deadlines.record_within_hours)
    names = {s.student_no: s.name for s in students}
    known = {t.teacher_no: t for t in teachers}
    items = []
    for v in counted:
        if v.recorded_at is None or v.date is None or not policy.school_year.contains(v.date):
            continue
        ended = _visit_end(v.date, v.end_time)
        entered = v.recorded_at.astimezone().replace(tzinfo=None)
        late = entered - (ended + limit)
        if late <= dt.timedelta(0):
            continue
        teacher = responsible_teacher(v, heads, known)
        late_hours = math.ceil(late.total_seconds() / 3600)
        items.append(
            ComplianceItem(
                kind="late_entry",
                class_name=v.class_name,
                responsible_no=teacher.teacher_no if teacher else "",
                responsible=teacher.name if teacher else "",
                student_no=v.student_no,
                student_name=names.get(v.student_no, v.student_name),
                detail=(
                    f"家访 {ended:%Y-%m-%d %H:%M} 结束，{entered:%Y-%m-%d %H:%M} 录入，"
                    f"超过 {policy.deadlines.record_within_hours} 小时时限 {late_hours} 小时"
                ),
                due=(ended + limit).date(),
                overdue_days=math.ceil(late_hours / 24),
                form_id=v.form_id,
            )
        )
    return items


def _visit_end(day: dt.date, end_time: str | None) -> dt.datetime:
    """When the visit ended: its written end time, else the end of the visit day."""
    if end_time:
        try:
            return dt.datetime.combine(day, dt.time.fromisoformat(end_time))
        except ValueError:
            pass  # an unreadable time is treated like a missing one
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time())


def _quote(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= defs.TODO_PROBLEM_CHARS else line[: defs.TODO_PROBLEM_CHARS] + "…"
