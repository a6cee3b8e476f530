"""``jiafang report district``: the district 统计表 from the schools of one store, logged.

A school has reported a month when the store holds any record (counted or waiting for
review) of a visit dated in it; the others are listed as not reported, and only the bureau
(an operator bound to every school, or anyone where nobody is bound) may make the table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from pipeline.scope.access import check_scope
from pipeline.scope.schools import school_policy
from pipeline.district.sheet import write_district_xlsx
from pipeline.district.table import DistrictTable, Reported, SchoolReport, district_table, policy_quotas
from pipeline.errors import ReportError
from pipeline.model.audit import AuditEvent, default_operator
from pipeline.report.stats.count import DateRange, compute_stats, month_in_school_year
from pipeline.report.visits import load_visits
from pipeline.store import repo
from pipeline.store import schools as school_store
from pipeline.store.audit import file_sha256, log_event
from pipeline.store.schools import School
from pipeline.store.workspace import Workspace


@dataclass(frozen=True)
class DistrictReport:
    table: DistrictTable
    path: Path
    sha256: str


def make_district_report(
    ws: Workspace, *, month: str, out: Path, operator: str | None = None, filled_on: dt.date | None = None
) -> DistrictReport:
    """Write the district 统计表 of ``month`` ("YYYY-MM") to ``out`` (.xlsx) and log it."""
    if out.suffix.lower() != ".xlsx":
        raise ReportError(f"{out}：区统计表只能写成 .xlsx，请换一个文件名后缀。")
    who = operator or default_operator()
    month_range = month_in_school_year(month, ws.policy)
    with ws.session() as session:
        check_scope(session, who, None)
        reports = [_school_report(ws, session, s, month) for s in school_store.list_schools(session)]
    year = DateRange(ws.policy.school_year.start, month_range.end)
    table = district_table(reports, district=ws.policy.school.district or "全区", month=month_range, year=year)
    path = write_district_xlsx(table, out, filled_on=filled_on).resolve()
    digest = file_sha256(path)
    event = AuditEvent(
        action="report",
        operator=who,
        scope="district",
        options={"report": "district", "month": table.month, "schools": len(reports), "missing": len(table.missing)},
        output=str(path),
        output_sha256=digest,
    )
    with ws.session() as session:
        log_event(session, event)
    return DistrictReport(table, path, digest)


def _school_report(ws: Workspace, session: Session, school: School, month: str) -> SchoolReport:
    policy = school_policy(ws, school)
    visits = load_visits(session, school=school.code)
    table = compute_stats(
        visits=visits,
        students=repo.list_students(session, school=school.code),
        teachers=repo.list_teachers(session, school=school.code),
        policy=policy,
        month=month,
    )
    reported = any(v.date in table.month_range for v in visits)
    return SchoolReport(school.code, school.name, Reported.of(table) if reported else None, policy_quotas(policy))
