"""What this workspace's people have already confirmed: the school's own lexicon.

A value a person verified or corrected (status ``verified`` in a record's current version) is
something this school writes; a later handwritten value is checked against these like a name
against the roster (:mod:`pipeline.recognize.lexicon`).
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.model.form import form_ids, load_form
from pipeline.store.schema import FieldValueRow, IssuedFormRow, RecordRow


def verified_values(session: Session, role: str) -> tuple[str, ...]:
    """The distinct text values people verified in fields of ``role`` (any form defining one),
    most often verified first."""
    counts: Counter[str] = Counter()
    for form_id in form_ids():
        fields = [f.id for f in load_form(form_id).fields if f.role == role]
        if not fields:
            continue
        query = (
            select(FieldValueRow.value)
            .join(RecordRow, RecordRow.id == FieldValueRow.record_id)
            .join(IssuedFormRow, IssuedFormRow.form_id == RecordRow.form_id)
            .where(
                IssuedFormRow.form == form_id,
                RecordRow.current.is_(True),
                FieldValueRow.field_id.in_(fields),
                FieldValueRow.status == "verified",
            )
        )
        # Counted here, not grouped in SQL: a JSON column has no equality on PostgreSQL.
        counts.update(v.strip() for v in session.scalars(query) if isinstance(v, str) and v.strip())
    return tuple(value for value, _ in counts.most_common())
