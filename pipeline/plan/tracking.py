"""Returns matched to planned visits, and where the plan stands on a day.

A counted record (pipeline.report.visits) of a planned student, dated inside the term, carries
out a planned visit: a planned 入户 only by a record whose mode is the profile's 入户 mode (a
phone call does not meet the 入户 rule); a 重点 contact or a first call by a record of any
mode, the planned mode first ("by another mode" then shows in the status). Each record carries
out one planned visit, the one nearest its week. A visit done in an earlier week than planned
is 提前完成, in a later one 推迟完成; one not done is 已逾期 once its week has passed, 本周待访
in its week, else 未到期. Records no planned visit took are counted as 计划外.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pipeline.model.plan import DONE, DONE_EARLY, DONE_LATE, DUE, HOME, NOT_YET_DUE, OVERDUE, PlannedVisit, VisitPlan
from pipeline.model.policy import Policy
from pipeline.plan.calendar import TermCalendar
from pipeline.report.visits import Visit

__all__ = ["PlanProgress", "Tracked", "progress_by", "track"]


@dataclass(frozen=True)
class Tracked:
    visit: PlannedVisit  # with done_form_id / done_date / done_mode as found
    state: str  # pipeline.model.plan state: done, early, late, overdue, due, not_yet_due

    @property
    def other_mode(self) -> bool:
        return self.visit.done and self.visit.done_mode != self.visit.mode


@dataclass(frozen=True)
class PlanProgress:
    as_of: dt.date
    week: int
    tracked: tuple[Tracked, ...]
    unplanned: int  # counted records of the term no planned visit took

    def counts(self, tracked: Sequence[Tracked] | None = None) -> Counter[str]:
        return Counter(t.state for t in (self.tracked if tracked is None else tracked))


def track(plan: VisitPlan, visits: Sequence[Visit], policy: Policy, calendar: TermCalendar, as_of: dt.date) -> PlanProgress:
    """Match ``visits`` (records) to ``plan`` and state each planned visit on ``as_of``."""
    planned_students = {v.student_no for v in plan.visits}
    records = sorted(
        (r for r in visits if r.counted and r.date is not None and calendar.start <= r.date <= calendar.end and r.student_no in planned_students),
        key=lambda r: (r.date, r.form_id),
    )
    home = policy.coverage.home_visit_mode
    taken: dict[tuple[str, str], Visit] = {}
    used: set[str] = set()
    order = sorted(plan.visits, key=lambda v: (v.purpose != HOME, v.week, v.student_no, v.purpose))
    for planned in order:
        fits: Callable[[Visit], bool] = (lambda r: r.mode == home) if planned.purpose == HOME else (lambda r: True)
        match = _nearest(planned, [r for r in records if r.student_no == planned.student_no and r.form_id not in used and fits(r)], calendar)
        if match is not None:
            taken[(planned.student_no, planned.purpose)] = match
            used.add(match.form_id)
    week = calendar.week_of(as_of)
    tracked = tuple(_state(v, taken.get((v.student_no, v.purpose)), calendar, week) for v in plan.visits)
    return PlanProgress(as_of, week, tracked, unplanned=sum(r.form_id not in used for r in records))


def _nearest(planned: PlannedVisit, candidates: list[Visit], calendar: TermCalendar) -> Visit | None:
    if not candidates:
        return None
    return min(candidates, key=lambda r: (r.mode != planned.mode, abs(calendar.week_of(r.date) - planned.week), r.date))  # type: ignore[arg-type]


def _state(planned: PlannedVisit, record: Visit | None, calendar: TermCalendar, week: int) -> Tracked:
    if record is None or record.date is None:
        cleared = dataclasses.replace(planned, done_form_id="", done_date=None, done_mode="")
        state = OVERDUE if planned.week < week else DUE if planned.week == week else NOT_YET_DUE
        return Tracked(cleared, state)
    done = dataclasses.replace(planned, done_form_id=record.form_id, done_date=record.date, done_mode=record.mode or "")
    done_week = calendar.week_of(record.date)
    state = DONE_EARLY if done_week < planned.week else DONE_LATE if done_week > planned.week else DONE
    return Tracked(done, state)


def progress_by(progress: PlanProgress, key: Callable[[PlannedVisit], str]) -> dict[str, Counter[str]]:
    """State counts grouped by ``key`` of the planned visit (class, teacher), in plan order;
    visits whose key is "" (no companion) are left out."""
    groups: dict[str, Counter[str]] = {}
    for t in progress.tracked:
        if name := key(t.visit):
            groups.setdefault(name, Counter())[t.state] += 1
    return groups
