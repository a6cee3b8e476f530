"""The audit log in the database: append-only."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.model.audit import AuditEvent
from pipeline.store.repo import as_utc, now
from pipeline.store.rows import from_row, to_values
from pipeline.store.schema import AuditRow


def log_event(session: Session, event: AuditEvent) -> AuditEvent:
    """Append ``event``; returns it with its time."""
    stamped = replace(event, at=now())
    session.add(AuditRow(**to_values(stamped, AuditRow, options=dict(event.options))))
    session.flush()
    return stamped


def list_events(
    session: Session,
    *,
    limit: int = 100,
    action: str | None = None,
    operator: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    scope: str | None = None,
) -> list[AuditEvent]:
    """Newest first; each filter given narrows the list (``scope``: text the scope contains,
    ``since``/``until``: the event's time, ``until`` excluded)."""
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    if action:
        query = query.where(AuditRow.action == action)
    if operator:
        query = query.where(AuditRow.operator == operator)
    if since is not None:
        query = query.where(AuditRow.at >= since)
    if until is not None:
        query = query.where(AuditRow.at < until)
    if scope:
        query = query.where(AuditRow.scope.contains(scope, autoescape=True))
    return [from_row(AuditEvent, r, at=as_utc(r.at)) for r in session.scalars(query)]


def audit_operators(session: Session) -> list[str]:
    """Everyone the audit log names as an operator, in name order."""
    return sorted(session.scalars(select(AuditRow.operator).distinct()))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
