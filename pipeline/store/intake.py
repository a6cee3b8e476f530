"""The intake table: one row per input file of an ingest batch (pipeline.model.intake)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.model.intake import FileIntake
from pipeline.store.repo import now
from pipeline.store.rows import from_row, to_values
from pipeline.store.schema import IntakeRow


def add_intake(session: Session, batch_id: str, intake: FileIntake) -> None:
    """Account for one input file; call it in the transaction that stores what the file produced."""
    values = to_values(
        intake, IntakeRow, form_ids=list(intake.form_ids), pages_read=list(intake.pages_read), batch_id=batch_id, created_at=now()
    )
    session.add(IntakeRow(**values))
    session.flush()


def batch_intake(session: Session, batch_id: str) -> list[FileIntake]:
    """Every file of ``batch_id`` in the order it was accounted for."""
    query = select(IntakeRow).where(IntakeRow.batch_id == batch_id).order_by(IntakeRow.id)
    return [_intake(r) for r in session.scalars(query)]


def intake_under(session: Session, folder: str, *, last: int | None = None) -> list[FileIntake]:
    """Every file handed to ingest from under ``folder`` (an upload's or a watched folder), in
    order; only the ``last`` ones when given."""
    query = select(IntakeRow).where(IntakeRow.path.startswith(folder, autoescape=True)).order_by(IntakeRow.id.desc()).limit(last)
    return [_intake(r) for r in reversed(session.scalars(query).all())]


def _intake(row: IntakeRow) -> FileIntake:
    return from_row(FileIntake, row, form_ids=tuple(row.form_ids), pages_read=tuple(row.pages_read))
