"""The compliance to-do list and the ledger end to end: load the workspace, compute, write
xlsx when asked, and log what was written in the audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from pipeline.access import require_current
from pipeline.scope.schools import open_scope
from pipeline.errors import ReportError
from pipeline.model.audit import AuditEvent, default_operator
from pipeline.model.classes import normalize_class
from pipeline.model.policy import Policy
from pipeline.report.compliance import ComplianceReport, compliance_todo, default_as_of
from pipeline.report.plan_todo import with_plan_progress
from pipeline.report.ledger import STATUSES, LedgerItem, build_ledger, only_status
from pipeline.report.todo_xlsx import write_compliance_xlsx, write_ledger_xlsx
from pipeline.report.visits import counted_with_pending_by, load_visits
from pipeline.store import repo
from pipeline.store.audit import file_sha256, log_event
from pipeline.store.workspace import Workspace


@dataclass(frozen=True)
class Written:
    path: Path
    sha256: str


@dataclass(frozen=True)
class ComplianceResult:
    report: ComplianceReport
    written: Written | None  # None when no file was asked for


@dataclass(frozen=True)
class LedgerResult:
    items: tuple[LedgerItem, ...]
    as_of: dt.date
    scope: str  # "全校" or the class name
    written: Written | None


def make_compliance_report(
    ws: Workspace,
    *,
    as_of: dt.date | None = None,
    class_name: str | None = None,
    out: Path | None = None,
    policy: Policy | None = None,
    operator: str | None = None,
    school: str | None = None,
) -> ComplianceResult:
    """The to-do list on ``as_of`` (default: today, or the school year's last day once it is
    over), for the school or one class (``school``: one school of a district's store); written
    to ``out`` (.xlsx) and logged when given."""
    require_current("report")
    with ws.session() as session:
        among = open_scope(session, ws, school, operator or default_operator(), one_school=True)
        policy = policy or among.policy
        scope = _class(session, class_name)
        report = compliance_todo(
            visits=load_visits(session, school=among.school),
            students=repo.list_students(session, school=among.school),
            teachers=repo.list_teachers(session, school=among.school),
            policy=policy,
            as_of=as_of or default_as_of(policy, dt.date.today()),
            class_name=scope,
        )
    report = with_plan_progress(ws, report)
    written = None
    if out is not None:
        _check_xlsx(out)
        written = _log(ws, write_compliance_xlsx(report, out), "compliance", report.as_of, scope, operator, {})
    return ComplianceResult(report, written)


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
        scope = _class(session, class_name)
        visits = load_visits(session, class_name=scope, school=among.school)
        teachers = repo.list_teachers(session, school=among.school)
        ledger = build_ledger(visits=visits, teachers=teachers, policy=policy, as_of=day)
    items = tuple(only_status(ledger, status))
    label = scope or "全校"
    written = None
    if out is not None:
        _check_xlsx(out)
        waiting = counted_with_pending_by(visits, day)
        path = write_ledger_xlsx(items, out, school=policy.school.name, as_of=day, scope=label, counted_with_pending=waiting)
        written = _log(ws, path, "ledger", day, scope, operator, {"status": status})
    return LedgerResult(items, day, label, written)


def _class(session: Session, class_name: str | None) -> str | None:
    """The class as the roster spells it; ReportError naming the known classes if unknown."""
    if class_name is None:
        return None
    name = normalize_class(class_name)
    known = repo.list_classes(session)
    if name not in known:
        listed = "、".join(known) or "（花名册为空）"
        raise ReportError(f"没有班级“{class_name}”：请核对班级名称（已有：{listed}）。")
    return name


def _check_xlsx(out: Path) -> None:
    if out.suffix.lower() != ".xlsx":
        raise ReportError(f"{out}：待办清单和台账写成 .xlsx 文件，请换一个文件名后缀。")


def _log(
    ws: Workspace,
    path: Path,
    report: str,
    as_of: dt.date,
    class_name: str | None,
    operator: str | None,
    extra: dict[str, object],
) -> Written:
    path = path.resolve()
    digest = file_sha256(path)
    event = AuditEvent(
        action="report",
        operator=operator or default_operator(),
        scope=f"class {class_name}" if class_name else "school",
        options={"report": report, "as_of": as_of.isoformat(), "format": "xlsx", **extra},
        output=str(path),
        output_sha256=digest,
    )
    with ws.session() as session:
        log_event(session, event)
    return Written(path, digest)
