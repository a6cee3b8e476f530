"""The problem ledger (台账): every problem a visit found, who follows it up, by when, and whether they did.

seeds/002 asks schools to sort the problems found on visits into a ledger with the 四措施
(困难家庭帮扶、学困生学习提升、家庭教育指导、心理健康辅导); the class plans in seeds/003 ask for a
short follow-up within 3–7 days. An item is due on the follow-up date written on the form, or
``policy.deadlines.followup_max_days`` after the visit when none was written.

A follow-up is a later counted visit of the same student, dated after the visit that found the
problem and no later than ``as_of``, that is either of the visit type the record form declares
``counts_as: followup`` (回访; whenever it happened: a late 回访 still closes the item) or falls
inside the follow-up window (on or before the due date, whatever its type: a teacher who
phoned on day 4 has followed up even without ticking 回访).

A problem opens an item once its 发现的问题 field is itself ``auto`` or ``verified``
(pipeline.report.visits leaves a value still in review out); the sheet says how many counted
records still have fields waiting.

:func:`make_ledger_report` runs it end to end: load, compute, write the 问题台账 workbook when
asked (office chrome and list layout: pipeline.report.office_workbook) and log it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.access import require_current
from pipeline.scope.schools import open_scope
from pipeline.errors import ReportError
from pipeline.model.audit import default_operator
from pipeline.model.classes import class_sort_key
from pipeline.model.people import Teacher
from pipeline.model.policy import Policy
from pipeline.report.office_workbook import ListSheet, write_list_sheets
from pipeline.report.visits import Visit, counted_with_pending_by, load_visits, pending_fields_note
from pipeline.report.written import Written, log_written, require_xlsx, roster_class
from pipeline.store import repo
from pipeline.store.workspace import Workspace

HEAD_TEACHER_ROLE = "班主任"
STATUSES = ("open", "done", "overdue")
STATUS_LABELS = {"open": "未完成", "done": "已完成", "overdue": "已逾期"}
# What teachers write in 发现的问题 when they found none: not a ledger item.
NO_PROBLEM = frozenset({"无", "暂无", "没有", "无问题", "暂无问题", "无明显问题", "未发现问题", "/", "-", "—", "——"})
LEDGER_SHEET = "问题台账"
LEDGER_HEADERS = (
    "序号", "班级", "学生", "学籍号", "发现的问题", "四措施", "责任教师", "发现日期", "跟进期限", "跟进记录", "状态",
)


@dataclass(frozen=True)
class FollowUp:
    form_id: str
    date: dt.date
    visit_type: str | None
    mode: str | None


@dataclass(frozen=True)
class LedgerItem:
    form_id: str  # the record that found the problem
    class_name: str
    student_no: str
    student_name: str
    problem: str
    measures: tuple[str, ...]  # 四措施 ticked on the form
    responsible_no: str  # 工号; "" when neither a visiting teacher nor a 班主任 is known
    responsible: str  # name
    opened: dt.date  # the visit date
    due: dt.date
    followups: tuple[FollowUp, ...]
    status: str  # one of STATUSES
    overdue_days: int  # days past due on the ledger's as_of date (0 unless overdue)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class LedgerResult:
    items: tuple[LedgerItem, ...]
    as_of: dt.date
    scope: str  # "全校" or the class name
    written: Written | None  # None when no file was asked for


def make_ledger_report(
    ws: Workspace,
    *,
    as_of: dt.date | None = None,
    class_name: str | None = None,
    status: str | None = None,
    out: Path | None = None,
    policy: Policy | None = None,
    operator: str | None = None,
    school: str | None = None,
) -> LedgerResult:
    """The 台账 on ``as_of`` (default today), optionally one class, one status and one school of
    a district's store; written to ``out`` (.xlsx) and logged when given."""
    require_current("report")
    if status is not None and status not in STATUSES:
        raise ReportError(f"未知的台账状态“{status}”（可用：{'、'.join(STATUSES)}）。")
    day = as_of or dt.date.today()
    with ws.session() as session:
        among = open_scope(session, ws, school, operator or default_operator(), one_school=True)
        policy = policy or among.policy
        scope = roster_class(session, class_name)
        visits = load_visits(session, class_name=scope, school=among.school)
        teachers = repo.list_teachers(session, school=among.school)
        ledger = build_ledger(visits=visits, teachers=teachers, policy=policy, as_of=day)
    items = tuple(only_status(ledger, status))
    label = scope or "全校"
    written = None
    if out is not None:
        require_xlsx(out)
        waiting = counted_with_pending_by(visits, day)
        path = write_ledger_xlsx(items, out, school=policy.school.name, as_of=day, scope=label, counted_with_pending=waiting)
        options: dict[str, object] = {"report": "ledger", "as_of": day.isoformat(), "format": "xlsx", "status": status}
        written = log_written(ws, path, operator=operator or default_operator(), class_name=scope, options=options)
    return LedgerResult(items, day, label, written)


def write_ledger_xlsx(
    items: Sequence[LedgerItem], out: Path, *, school: str, as_of: dt.date, scope: str, counted_with_pending: int = 0
) -> Path:
    """The 问题台账 sheet, one row per problem found, with its follow-up and status;
    ``counted_with_pending`` counted records still have other fields (a problem found among
    them) in review."""
    summary = "，".join(f"{k} {v} 项" for k, v in status_counts(items).items())
    sheet = ListSheet(
        LEDGER_SHEET,
        f"{school}家访问题台账",
        f"范围：{scope}    统计日期：{as_of:%Y-%m-%d}    共 {len(items)} 项（{summary}）",
        LEDGER_HEADERS,
        [_ledger_row(n, i) for n, i in enumerate(items, start=1)],
        merge_runs=(1,),
        notes=pending_fields_note(counted_with_pending),
    )
    return write_list_sheets([sheet], out)


def _ledger_row(n: int, item: LedgerItem) -> list[Any]:
    followups = "\n".join(f"{f.date:%Y-%m-%d} {f.visit_type or ''}（{f.mode or '方式未填'}）" for f in item.followups)
    return [
        n,
        item.class_name,
        item.student_name,
        item.student_no,
        item.problem,
        "、".join(item.measures),
        item.responsible or "（未登记）",
        item.opened,
        item.due,
        followups,
        item.status_label + (f"（{item.overdue_days} 天）" if item.overdue_days else ""),
    ]


def build_ledger(
    *, visits: Sequence[Visit], teachers: Sequence[Teacher], policy: Policy, as_of: dt.date
) -> list[LedgerItem]:
    """Ledger items of every counted visit up to ``as_of`` that found a problem, sorted by
    class, student and date."""
    counted = sorted(
        (v for v in visits if v.counted and v.date is not None and v.date <= as_of),
        key=lambda v: (v.date or dt.date.min, v.form_id),
    )
    by_student: dict[str, list[Visit]] = {}
    for v in counted:
        by_student.setdefault(v.student_no, []).append(v)
    heads = class_heads(teachers)
    known = {t.teacher_no: t for t in teachers}
    items = [_item(v, by_student[v.student_no], heads, known, policy, as_of) for v in counted if has_problem(v.problems)]
    return sorted(items, key=lambda i: (class_sort_key(i.class_name), i.student_no, i.opened, i.form_id))


def has_problem(text: str | None) -> bool:
    """True when 发现的问题 names a problem (not empty, not "无")."""
    cleaned = (text or "").strip().rstrip("。.；;")
    return bool(cleaned) and cleaned not in NO_PROBLEM


def due_date(visit: Visit, policy: Policy) -> dt.date:
    """The follow-up date written on the form, else the policy's latest follow-up day."""
    assert visit.date is not None
    return visit.followup_due or visit.date + dt.timedelta(days=policy.deadlines.followup_max_days)


def class_heads(teachers: Iterable[Teacher]) -> dict[str, Teacher]:
    """The 班主任 of each class (the first by 工号 should a class list two)."""
    heads: dict[str, Teacher] = {}
    for t in sorted(teachers, key=lambda t: t.teacher_no):
        if t.role == HEAD_TEACHER_ROLE:
            for c in t.classes:
                heads.setdefault(c, t)
    return heads


def responsible_teacher(visit: Visit, heads: Mapping[str, Teacher], known: Mapping[str, Teacher]) -> Teacher | None:
    """The first visiting teacher the roster knows, else the class's 班主任."""
    return next((known[no] for no in visit.teacher_nos if no in known), None) or heads.get(visit.class_name)


def status_counts(items: Iterable[LedgerItem]) -> dict[str, int]:
    """Items per status label (未完成, 已完成, 已逾期), zeros included."""
    items = list(items)
    return {label: sum(i.status == status for i in items) for status, label in STATUS_LABELS.items()}


def only_status(items: Iterable[LedgerItem], status: str | None) -> list[LedgerItem]:
    return [i for i in items if status is None or i.status == status]


def _item(
    visit: Visit,
    same_student: Sequence[Visit],
    heads: Mapping[str, Teacher],
    known: Mapping[str, Teacher],
    policy: Policy,
    as_of: dt.date,
) -> LedgerItem:
    assert visit.date is not None
    due = due_date(visit, policy)
    followups = tuple(
        FollowUp(w.form_id, w.date, w.visit_type, w.mode)
        for w in same_student
        if w.date is not None and _follows_up(w.date, w.followup, visit.date, due)
    )
    status = "done" if followups else "overdue" if as_of > due else "open"
    teacher = responsible_teacher(visit, heads, known)
    return LedgerItem(
        form_id=visit.form_id,
        class_name=visit.class_name,
        student_no=visit.student_no,
        student_name=visit.student_name,
        problem=(visit.problems or "").strip(),
        measures=visit.measures,
        responsible_no=teacher.teacher_no if teacher else "",
        responsible=teacher.name if teacher else "",
        opened=visit.date,
        due=due,
        followups=followups,
        status=status,
        overdue_days=(as_of - due).days if status == "overdue" else 0,
    )


def _follows_up(day: dt.date, followup: bool, opened: dt.date, due: dt.date) -> bool:
    return day > opened and (followup or day <= due)
