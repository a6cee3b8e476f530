"""The numbers on the review station's dashboard: coverage, statuses, pending work and the
minutes it will take, batches, quarantined pages."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy.orm import Session

from pipeline.access import require_current
from pipeline import defs
from pipeline.calibrate.load import ReviewLoad, review_load
from pipeline.model.record import STATUSES
from pipeline.model.scan import ScannedPage
from pipeline.report.visits import load_visits
from pipeline.store import repo
from pipeline.store.corrections import pending_count
from pipeline.store.records import list_records
from pipeline.store.scans import pages_with_status
from pipeline.store.workspace import Workspace


@dataclass(frozen=True)
class ClassCoverage:
    class_name: str
    students: int
    visited: int  # students with at least one counted (auto or verified) visit record
    pending: int  # students whose only visit records still wait for review

    @property
    def rate(self) -> float:
        return self.visited / self.students if self.students else 0.0


@dataclass(frozen=True)
class Dashboard:
    coverage: tuple[ClassCoverage, ...]
    records_by_status: dict[str, int]  # every status, zero included
    pending_fields: int
    review_load: ReviewLoad  # fields waiting per form and the minutes they will take
    batches: tuple[repo.Batch, ...]
    quarantined: tuple[ScannedPage, ...]


def dashboard(ws: Workspace) -> Dashboard:
    require_current("report")
    with ws.session() as session:
        statuses = Counter(r.status for r in list_records(session))
        return Dashboard(
            coverage=tuple(class_coverage(session)),
            records_by_status={s: statuses.get(s, 0) for s in STATUSES},
            pending_fields=pending_count(session),
            review_load=review_load(session),
            batches=tuple(repo.list_batches(session, limit=defs.REVIEW_RECENT_BATCHES)),
            quarantined=tuple(pages_with_status(session, "quarantined")),
        )


def class_coverage(session: Session) -> list[ClassCoverage]:
    """Per class: students on the roster, students visited (counted records), students pending."""
    visits = load_visits(session)
    visited = {v.student_no for v in visits if v.counted}
    pending = {v.student_no for v in visits if not v.counted} - visited
    rows = []
    for name in repo.list_classes(session):
        members = {s.student_no for s in repo.list_students(session, class_name=name)}
        rows.append(ClassCoverage(name, len(members), len(members & visited), len(members & pending)))
    return rows
