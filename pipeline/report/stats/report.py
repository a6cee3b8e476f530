"""The 统计表 end to end: load the workspace, count, write xlsx or PDF, log the export.

Statistics hold no personal data, but which students are in a special group is a sensitive
label: a table that leaves the school (``outward``) drops the special-group counts unless
``include_sensitive`` is given, and the audit log records which it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.access import require_current
from pipeline.scope.schools import open_scope
from pipeline.errors import ReportError
from pipeline.model.audit import default_operator
from pipeline.model.policy import Policy
from pipeline.report.stats.count import StatsTable, compute_stats, without_groups
from pipeline.report.stats.pdf import write_stats_pdf
from pipeline.report.stats.xlsx import write_stats_xlsx
from pipeline.report.visits import load_visits
from pipeline.report.written import log_written
from pipeline.store import repo
from pipeline.store.workspace import Workspace

STATS_WRITERS: dict[str, Callable[..., Path]] = {".xlsx": write_stats_xlsx, ".pdf": write_stats_pdf}


@dataclass(frozen=True)
class StatsReport:
    table: StatsTable
    path: Path
    sha256: str


def make_stats_report(
    ws: Workspace,
    *,
    month: str,
    out: Path,
    class_name: str | None = None,
    policy: Policy | None = None,
    operator: str | None = None,
    outward: bool = False,
    include_sensitive: bool = False,
    filled_on: dt.date | None = None,
    school: str | None = None,
) -> StatsReport:
    """Write the 统计表 of ``month`` to ``out`` (.xlsx or .pdf, by suffix) and log it; ``school``
    (a code) scopes it to one school of a district's store, counted by that school's profile."""
    require_current("report")
    writer = STATS_WRITERS.get(out.suffix.lower())
    if writer is None:
        raise ReportError(f"{out}：统计表只能写成 .xlsx（报送用）或 .pdf（打印用），请换一个文件名后缀。")
    who = operator or default_operator()
    with ws.session() as session:
        scope = open_scope(session, ws, school, who, one_school=True)
        visits = load_visits(session, school=scope.school)
        students = repo.list_students(session, school=scope.school)
        teachers = repo.list_teachers(session, school=scope.school)
    table = compute_stats(
        visits=visits,
        students=students,
        teachers=teachers,
        policy=policy or scope.policy,
        month=month,
        class_name=class_name,
    )
    if outward and not include_sensitive:
        table = without_groups(table)
    options: dict[str, object] = {
        "report": "stats",
        "month": table.month,
        "format": out.suffix.lstrip(".").lower(),
        "outward": outward,
        "include_sensitive": include_sensitive,
        **({"school": school} if school else {}),
    }
    written = log_written(ws, writer(table, out, filled_on=filled_on), operator=who, class_name=table.class_name, options=options)
    return StatsReport(table, written.path, written.sha256)
