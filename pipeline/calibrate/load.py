"""Review load as a figure: fields waiting per form and the minutes of review they will take.

Minutes come from the review station's own timings (seconds from showing a field to its
decision, kept with every decision): the median per field kind once a kind has
defs.REVIEW_TIMING_MIN_SAMPLES of them, until then the generous default of
defs.REVIEW_SECONDS_DEFAULT.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.orm import Session

from pipeline import defs
from pipeline.model.calibration import field_kinds
from pipeline.store.calibration import decision_seconds, waiting_fields

__all__ = ["ReviewLoad", "review_load", "seconds_per_field"]

_UNKNOWN_KIND_SECONDS = max(defs.REVIEW_SECONDS_DEFAULT.values())  # a field the form no longer defines


@dataclass(frozen=True)
class ReviewLoad:
    forms: int  # records considered
    fields: int  # of their fields waiting for review
    minutes: float  # estimated review time of those fields

    @property
    def per_form(self) -> float:
        return self.fields / self.forms if self.forms else 0.0


def seconds_per_field(session: Session) -> dict[str, float]:
    """Seconds a decision takes, by field kind: measured median, else the default."""
    measured = decision_seconds(session)
    return {
        kind: statistics.median(times) if len(times := measured.get(kind, [])) >= defs.REVIEW_TIMING_MIN_SAMPLES else default
        for kind, default in defs.REVIEW_SECONDS_DEFAULT.items()
    }


def review_load(session: Session, versions: Collection[tuple[str, int]] | None = None) -> ReviewLoad:
    """The load of the current records (or of the given (form id, version) record versions)."""
    forms, waiting = waiting_fields(session, versions)
    seconds = seconds_per_field(session)
    total = 0.0
    for (form, field_id), n in waiting.items():
        kind = field_kinds(form).get(field_id)
        total += n * seconds.get(kind or "", _UNKNOWN_KIND_SECONDS)
    return ReviewLoad(forms, sum(waiting.values()), total / 60)
