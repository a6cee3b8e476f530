"""The district 统计表: each school's 统计表 total row, the district total, the schools that
have not reported, special-group coverage and leaders' quotas by school.

Pure counting over the schools' own 统计表 (pipeline.report.stats.count, each with its school's
policy profile), so a school's line is exactly the 合计 row of the table it would hand in.
The district total adds the reporting schools' lines (students are each in one school, so
people add up as well as 人次); its rates are recomputed from the sums. Only counts leave
the school: no student, phone or ID is on any sheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.model.policy import Policy
from pipeline.report.stats.count import TOTAL, ClassRow, DateRange, GroupRow, LeaderRow, StatsTable, Tally


@dataclass(frozen=True)
class Reported:
    """What the district table takes from one school's 统计表 (computed, or read from its workbook)."""

    total: ClassRow  # the 合计 row
    pending_review: int
    groups: tuple[GroupRow, ...]  # empty when the school's table left them out
    leaders: tuple[LeaderRow, ...]
    modes: tuple[str, ...]

    @classmethod
    def of(cls, table: StatsTable) -> Reported:
        return cls(table.total, table.pending_review, table.groups, table.leaders, table.modes)


@dataclass(frozen=True)
class SchoolReport:
    """One school's input to the district table; ``reported`` None when it has not reported."""

    code: str
    name: str
    reported: Reported | None
    quotas: tuple[tuple[str, int], ...] = ()  # (role, visits a year) of its policy profile


@dataclass(frozen=True)
class GroupLine:
    school: str  # school name; TOTAL for the district
    group: str  # special group; TOTAL for distinct students in any group
    expected: int  # 应访
    visited: int  # 已访

    @property
    def rate(self) -> float:
        return self.visited / self.expected if self.expected else 0.0


@dataclass(frozen=True)
class QuotaLine:
    school: str
    role: str
    quota: int  # visits a school year, from the school's profile
    leaders: int  # teachers of the role on its roster
    done: int  # of them, with at least ``quota`` counted visits this school year
    visits: int  # their counted visits this school year (人次)


@dataclass(frozen=True)
class DistrictTable:
    district: str
    month: str  # "YYYY-MM"
    month_range: DateRange
    year_range: DateRange
    modes: tuple[str, ...]
    schools: tuple[ClassRow, ...]  # per reporting school: its 合计 row, named by the school
    total: ClassRow
    missing: tuple[str, ...]  # schools that have not reported, "name（code）"
    pending_review: int  # records waiting for review in the reporting schools, not counted
    groups: tuple[GroupLine, ...]
    quotas: tuple[QuotaLine, ...]


def district_table(reports: Sequence[SchoolReport], *, district: str, month: DateRange, year: DateRange) -> DistrictTable:
    """The district table of ``reports`` (in the order given) for ``month`` of school year ``year``."""
    done = [(r, r.reported) for r in reports if r.reported is not None]
    rows = tuple(ClassRow(r.name, t.total.students, t.total.month, t.total.year) for r, t in done)
    modes = done[0][1].modes if done else ()
    return DistrictTable(
        district=district,
        month=f"{month.start:%Y-%m}",
        month_range=month,
        year_range=year,
        modes=modes,
        schools=rows,
        total=add_rows(TOTAL, rows, len(modes)),
        missing=tuple(f"{r.name}（{r.code}）" for r in reports if r.reported is None),
        pending_review=sum(t.pending_review for _, t in done),
        groups=_group_lines([(r.name, t.groups) for r, t in done]),
        quotas=tuple(line for r, t in done for line in _quota_lines(r, t)),
    )


def add_rows(name: str, rows: Sequence[ClassRow], modes: int) -> ClassRow:
    """The sum of ``rows`` (schools: disjoint students), rates recomputed from the sums."""
    students = sum(r.students for r in rows)
    return ClassRow(
        name,
        students,
        _add_tallies([r.month for r in rows], students, modes),
        _add_tallies([r.year for r in rows], students, modes),
    )


def _add_tallies(tallies: Sequence[Tally], students: int, modes: int) -> Tally:
    visited = sum(t.visited for t in tallies)
    home = sum(t.home_visited for t in tallies)
    return Tally(
        visited=visited,
        visits=sum(t.visits for t in tallies),
        by_mode=tuple(sum(t.by_mode[i] for t in tallies) for i in range(modes)),
        home_visited=home,
        coverage=visited / students if students else 0.0,
        home_rate=home / students if students else 0.0,
        ledger_opened=sum(t.ledger_opened for t in tallies),
        ledger_closed=sum(t.ledger_closed for t in tallies),
    )


def _group_lines(schools: Sequence[tuple[str, tuple[GroupRow, ...]]]) -> tuple[GroupLine, ...]:
    """Each school's groups (its own profile's vocabulary), then the district's per group name."""
    lines = [GroupLine(name, g.group, g.expected, g.visited) for name, groups in schools for g in groups]
    names = list(dict.fromkeys(g.group for _, groups in schools for g in groups if g.group != TOTAL))
    for group in (*names, TOTAL):
        same = [line for line in lines if line.group == group]
        lines.append(GroupLine(TOTAL, group, sum(x.expected for x in same), sum(x.visited for x in same)))
    return tuple(lines)


def _quota_lines(report: SchoolReport, table: Reported) -> list[QuotaLine]:
    lines = []
    for role, quota in report.quotas:
        leaders = [r for r in table.leaders if r.role == role]
        lines.append(QuotaLine(report.name, role, quota, len(leaders), sum(r.done for r in leaders), sum(r.year for r in leaders)))
    return lines


def policy_quotas(policy: Policy) -> tuple[tuple[str, int], ...]:
    """(role, visits a year) of ``policy``, in its order."""
    return tuple((q.role, q.visits_per_year) for q in policy.quotas)
