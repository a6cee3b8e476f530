"""The compliance to-do list end to end: load the workspace, compute (with the visit plan's
items when there is a plan), write the workbook when asked, and log it in the audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pipeline.access import require_current
from pipeline.scope.schools import open_scope
from pipeline.model.audit import default_operator
from pipeline.model.policy import Policy
from pipeline.report.compliance.plan import with_plan_progress
from pipeline.report.compliance.todo import ComplianceReport, compliance_todo, default_as_of
from pipeline.report.compliance.xlsx import write_compliance_xlsx
from pipeline.report.visits import load_visits
from pipeline.report.written import Written, log_written, require_xlsx, roster_class
from pipeline.store import repo
from pipeline.store.workspace import Workspace


@dataclass(frozen=True)
class ComplianceResult:
    report: ComplianceReport
    written: Written | None  # None when no file was asked for


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
        scope = roster_class(session, class_name)
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
        require_xlsx(out)
        options: dict[str, object] = {"report": "compliance", "as_of": report.as_of.isoformat(), "format": "xlsx"}
        written = log_written(
            ws, write_compliance_xlsx(report, out), operator=operator or default_operator(), class_name=scope, options=options
        )
    return ComplianceResult(report, written)
