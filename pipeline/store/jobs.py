"""The jobs table (pipeline.model.job): queued work, claimed by one runner at a time.

Claiming, progress and finishing are each one short write transaction (``Workspace.write``),
so two runners over one store never take the same job, and a runner that dies leaves a
``running`` row whose heartbeat goes stale: :func:`requeue_stale` hands it on as interrupted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pipeline.model.job import Job
from pipeline.store.repo import as_utc, now
from pipeline.store.rows import from_row
from pipeline.store.schema import JobRow


def add_job(session: Session, kind: str, params: dict[str, Any], operator: str) -> Job:
    row = JobRow(
        kind=kind, params=params, state="queued", done=0, total=0, label="", message="", result={},
        operator=operator, attempts=0, stop_requested=False, created_at=now(),
    )
    session.add(row)
    session.flush()
    return _job(row)


def get_job(session: Session, job_id: int) -> Job | None:
    row = session.get(JobRow, job_id)
    return _job(row) if row is not None else None


def list_jobs(session: Session, *, kinds: tuple[str, ...] = (), limit: int = 20) -> list[Job]:
    """The most recent jobs (of ``kinds``), newest first."""
    query = select(JobRow).order_by(JobRow.id.desc()).limit(limit)
    if kinds:
        query = query.where(JobRow.kind.in_(kinds))
    return [_job(r) for r in session.scalars(query)]


def claim_next(session: Session, kinds: tuple[str, ...]) -> Job | None:
    """Mark the oldest waiting job of ``kinds`` (queued or interrupted) running, and return it.

    The conditional UPDATE is what makes the claim safe: of two runners, only one sees its row
    change from waiting to running.
    """
    query = select(JobRow.id).where(JobRow.state.in_(("queued", "interrupted")), JobRow.kind.in_(kinds)).order_by(JobRow.id)
    for job_id in session.scalars(query).all():
        stamp = now()
        claimed = session.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.state.in_(("queued", "interrupted")))
            .values(state="running", started_at=stamp, heartbeat=stamp, attempts=JobRow.attempts + 1, finished_at=None)
        )
        if claimed.rowcount:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
            return get_job(session, job_id)
    return None


def record_progress(session: Session, job_id: int, **values: Any) -> bool:
    """Write progress fields and the heartbeat of a running job; True when a stop was asked."""
    row = session.get(JobRow, job_id)
    if row is None:
        return True
    for name, value in values.items():
        setattr(row, name, value)
    row.heartbeat = now()
    return row.stop_requested


def finish(session: Session, job_id: int, state: str, message: str, result: dict[str, Any]) -> None:
    row = session.get(JobRow, job_id)
    if row is not None:
        row.state, row.message, row.result = state, message, result
        if state == "done":  # the bar of a finished job is full, whatever was last reported
            row.done = row.total = max(row.done, row.total, 1)
        row.finished_at = row.heartbeat = now()
        row.eta_seconds = None


def request_stop(session: Session, job_id: int) -> bool:
    """Ask a job to stop at its next progress report; False when there is no such job."""
    row = session.get(JobRow, job_id)
    if row is None:
        return False
    row.stop_requested = True
    return True


def requeue_stale(session: Session, older_than: dt.timedelta) -> list[int]:
    """Running jobs whose runner has not reported for ``older_than`` (it died or the server
    was stopped) become interrupted: the next runner claims them and runs them again."""
    cutoff = now() - older_than
    stale = [r for r in session.scalars(select(JobRow).where(JobRow.state == "running")) if r.heartbeat is None or as_utc(r.heartbeat) < cutoff]
    for row in stale:
        row.state = "interrupted"
        row.message = "上次运行时工作台被关闭或中断，将从断点继续"
    return [r.id for r in stale]


def _job(row: JobRow) -> Job:
    def utc(value: dt.datetime | None) -> dt.datetime | None:
        return as_utc(value) if value is not None else None

    return from_row(
        Job, row, params=dict(row.params), result=dict(row.result), created_at=as_utc(row.created_at),
        started_at=utc(row.started_at), finished_at=utc(row.finished_at), heartbeat=utc(row.heartbeat),
    )
