"""Visit plans in the database: one current plan per term, its planned visits, and what
tracking learnt about each (done by which record, confirmed with the family)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pipeline.model.plan import PlannedVisit, VisitPlan
from pipeline.store.repo import as_utc, new_batch_id, now
from pipeline.store.rows import from_row, to_values
from pipeline.store.schema import PlannedVisitRow, VisitPlanRow

__all__ = ["current_plan", "mark_tracked", "save_plan", "set_confirmed"]


def save_plan(session: Session, plan: VisitPlan, *, operator: str) -> VisitPlan:
    """Store ``plan`` as the term's current plan (the earlier one stays, no longer current);
    returns it with its plan id and time."""
    plan = replace(plan, plan_id=new_batch_id("P"), created_at=now())
    session.execute(update(VisitPlanRow).where(VisitPlanRow.term == plan.term).values(current=False))
    summary = {"visits": len(plan.visits), "students": len({v.student_no for v in plan.visits})}
    session.add(VisitPlanRow(**to_values(plan, VisitPlanRow, current=True, operator=operator, summary=summary)))
    session.flush()
    session.add_all(
        PlannedVisitRow(**to_values(v, PlannedVisitRow, plan_id=plan.plan_id, reasons=list(v.reasons))) for v in plan.visits
    )
    session.flush()
    return plan


def current_plan(session: Session, term: str) -> VisitPlan | None:
    """The term's current plan with its visits in schedule order, or None."""
    # Newest first: two plans stored at once on PostgreSQL may both end up marked current.
    query = (
        select(VisitPlanRow)
        .where(VisitPlanRow.term == term, VisitPlanRow.current.is_(True))
        .order_by(VisitPlanRow.created_at.desc(), VisitPlanRow.plan_id.desc())
        .limit(1)
    )
    row = session.scalar(query)
    if row is None:
        return None
    rows = session.scalars(select(PlannedVisitRow).where(PlannedVisitRow.plan_id == row.plan_id).order_by(PlannedVisitRow.id))
    visits = tuple(from_row(PlannedVisit, r, reasons=tuple(r.reasons)) for r in rows)
    return from_row(VisitPlan, row, visits=visits, created_at=as_utc(row.created_at))


def mark_tracked(session: Session, plan_id: str, visits: Iterable[PlannedVisit]) -> int:
    """Write what tracking found (done record, date and mode) onto the plan's rows; returns
    how many rows changed."""
    changed = 0
    for v in visits:
        result = session.execute(
            update(PlannedVisitRow)
            .where(PlannedVisitRow.plan_id == plan_id, PlannedVisitRow.student_no == v.student_no, PlannedVisitRow.purpose == v.purpose)
            .values(done_form_id=v.done_form_id, done_date=v.done_date, done_mode=v.done_mode)
        )
        changed += result.rowcount or 0  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
    return changed


def set_confirmed(session: Session, plan_id: str, student_no: str, purpose: str, confirmed: bool = True) -> bool:
    """Mark one planned visit agreed with the family (a plan update keeps it); False if the
    plan has no such visit."""
    result = session.execute(
        update(PlannedVisitRow)
        .where(PlannedVisitRow.plan_id == plan_id, PlannedVisitRow.student_no == student_no, PlannedVisitRow.purpose == purpose)
        .values(confirmed=confirmed)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult

