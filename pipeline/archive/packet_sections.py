"""The front sections of the 督导检查 packet: cover, contents, monthly statistics, compliance.

Statistics and compliance come from pipeline.report (the same numbers as `jiafang report`);
this module only decides what an outward packet may show of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from reportlab.platypus import Flowable, PageBreak

from pipeline.archive.privacy import Privacy
from pipeline.archive.story import grid, para, styles
from pipeline.model.people import Student, Teacher
from pipeline.model.policy import Period, Policy
from pipeline.report.compliance import ComplianceItem, ComplianceReport, by_class
from pipeline.report.ledger import LedgerItem
from pipeline.report.stats.count import StatsTable, compute_stats, without_groups
from pipeline.report.visits import Visit

# Kinds whose lists name a student's special group or quote 发现的问题: counts only outward.
SENSITIVE_KINDS = frozenset({"special_group", "followup_overdue"})


@dataclass(frozen=True)
class Cover:
    school: str
    scope: str  # "全校" or the class name
    term: Period
    generated: dt.date
    operator: str
    records: int
    note: str  # the privacy line
    contents_note: str  # what the ZIP holds or leaves out


@dataclass(frozen=True)
class Entry:
    title: str
    page: int  # 1-based page in the joined PDF


def term_months(term: Period, today: dt.date) -> list[str]:
    """"YYYY-MM" of every month of ``term`` that has begun by ``today``."""
    months = []
    day = term.start.replace(day=1)
    while day <= term.end and day <= today:
        months.append(f"{day:%Y-%m}")
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def monthly_stats(
    *,
    visits: Sequence[Visit],
    students: Sequence[Student],
    teachers: Sequence[Teacher],
    policy: Policy,
    months: Sequence[str],
    class_name: str | None,
    privacy: Privacy,
) -> list[StatsTable]:
    """The 统计表 of each month, without special-group counts unless sensitive content is asked for."""
    tables = [
        compute_stats(
            visits=visits, students=students, teachers=teachers, policy=policy, month=m, class_name=class_name
        )
        for m in months
    ]
    return [without_groups(t) for t in tables] if privacy.hides_sensitive else tables


def outward_compliance(report: ComplianceReport, privacy: Privacy) -> ComplianceReport:
    """The to-do list as the packet's spreadsheet may hold it: student numbers (a 学籍号 holds
    the ID number) and numbers in the text masked, the sensitive kinds left out unless asked for."""
    kept = (i for i in report.items if not privacy.hides_sensitive or i.kind not in SENSITIVE_KINDS)
    items = tuple(replace(i, student_no=privacy.text(i.student_no), detail=privacy.text(i.detail)) for i in kept)
    return replace(report, items=items, notes=tuple(privacy.text(n) for n in report.notes))


def outward_ledger(items: Sequence[LedgerItem], privacy: Privacy) -> list[LedgerItem]:
    """The problem ledger as the packet holds it when sensitive content is asked for: the
    problems as written, but student numbers and numbers in the text masked."""
    return [replace(i, student_no=privacy.text(i.student_no), problem=privacy.text(i.problem)) for i in items]


def cover_story(cover: Cover, contents: Sequence[Entry]) -> list[Flowable]:
    s = styles()
    rows = [
        ["学校", cover.school],
        ["检查范围", cover.scope],
        ["学期", f"{cover.term.name}（{cover.term.start} 至 {cover.term.end}）"],
        ["家访记录", f"{cover.records} 份"],
        ["生成日期", f"{cover.generated:%Y-%m-%d}"],
        ["操作员", cover.operator],
    ]
    return [
        para("家访工作督导检查材料", s.title),
        grid(rows, (30, 145), head=False),
        para(cover.note, s.body),
        para(cover.contents_note, s.small),
        PageBreak(),
        para("目　录", s.title),
        grid([["内容", "页码"], *([e.title, str(e.page)] for e in contents)], (150, 25)),
    ]


def compliance_story(report: ComplianceReport, privacy: Privacy) -> list[Flowable]:
    s = styles()
    semester = f"，{report.semester}" if report.semester else ""
    story: list[Flowable] = [
        para(f"合规情况汇总（截至 {report.as_of}{semester}）", s.title),
        para(f"尚待复核、未计入的记录：{report.pending_review} 份。", s.body),
        *(para(privacy.text(n), s.small) for n in report.notes),
        para("各班待办事项数", s.heading),
        _count_table(report),
    ]
    listed = outward_compliance(report, privacy).items
    if privacy.hides_sensitive:
        story.append(para("特殊群体与跟进逾期事项涉及敏感信息，对外材料只列数量，不列名单。", s.small))
    story.append(para("待办事项明细", s.heading))
    if listed:
        story.append(grid([["类别", "班级", "学生", "责任教师", "说明"], *_item_rows(listed, report)], (30, 25, 20, 25, 75)))
    else:
        story.append(para("无。", s.body))
    return story


def _count_table(report: ComplianceReport) -> Flowable:
    kinds = list(report.labels)
    header = ["班级", *(report.labels[k] for k in kinds), "合计"]
    rows = []
    for class_name, items in by_class(report.items).items():
        counts = [sum(i.kind == k for i in items) for k in kinds]
        rows.append([class_name, *map(str, counts), str(sum(counts))])
    totals = [sum(i.kind == k for i in report.items) for k in kinds]
    rows.append(["合计", *map(str, totals), str(sum(totals))])
    first = 175 - 20 * (len(kinds) + 1)
    return grid([header, *rows], (first, *([20] * (len(kinds) + 1))))


def _item_rows(items: Sequence[ComplianceItem], report: ComplianceReport) -> list[list[str]]:
    return [
        [report.labels[i.kind], i.class_name or "—", i.student_name or "—", i.responsible or "—", i.detail]
        for i in items
    ]
