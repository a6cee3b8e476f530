"""Where the term stands on one day: the 统计表's coverage, special groups and leaders' quotas
for the month of that day, and the compliance to-do list of that day.

Nothing is counted here: the numbers are those of pipeline.report.stats and
pipeline.report.compliance over the same visits, so the console's 首页 agrees with the
统计表 and the 待办清单 a clerk downloads.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pipeline.report.compliance import ComplianceReport, compliance_todo
from pipeline.report.stats.count import StatsTable, compute_stats
from pipeline.report.visits import load_visits
from pipeline.store import repo
from pipeline.store.workspace import Workspace

__all__ = ["TermOverview", "overview_day", "term_overview"]


@dataclass(frozen=True)
class TermOverview:
    as_of: dt.date
    stats: StatsTable  # the month of as_of: year tallies (coverage), groups, leaders
    compliance: ComplianceReport  # the to-do list on as_of

    @property
    def overdue_by_kind(self) -> dict[str, int]:
        """Open to-do items per kind heading, in the report's kind order; kinds with none left out."""
        counts = Counter(item.kind for item in self.compliance.items)
        return {label: counts[kind] for kind, label in self.compliance.labels.items() if counts[kind]}


def overview_day(ws: Workspace, today: dt.date) -> dt.date:
    """``today`` brought inside the policy's school year (its first or last day outside it)."""
    year = ws.policy.school_year
    return max(year.start, min(today, year.end))


def term_overview(ws: Workspace, *, today: dt.date | None = None) -> TermOverview:
    """The overview on ``today`` (default: the computer's date, brought inside the school year)."""
    day = overview_day(ws, today or dt.date.today())
    with ws.session() as session:
        visits = load_visits(session)
        students = repo.list_students(session)
        teachers = repo.list_teachers(session)
    people: dict[str, Any] = {"visits": visits, "students": students, "teachers": teachers, "policy": ws.policy}
    return TermOverview(
        as_of=day,
        stats=compute_stats(**people, month=f"{day:%Y-%m}"),
        compliance=compliance_todo(**people, as_of=day),
    )
