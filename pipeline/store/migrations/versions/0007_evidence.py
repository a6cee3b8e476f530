"""Evidence: what each field value was read from, and what each decision was made on.

A person's decision carries into a new record version while the evidence is unchanged.
Existing rows get the evidence that can still be told: the crop's digest, else the hash of
the text read (for a value a person decided, the text read before the first decision on that
version); otherwise it stays NULL and such a decision goes back to review when a new version
comes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pipeline.store.records import field_evidence

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_fields = sa.table(
    "field_values",
    sa.column("record_id", sa.Integer),
    sa.column("field_id", sa.String),
    sa.column("raw", sa.String),
    sa.column("source", sa.String),
    sa.column("crop", sa.String),
    sa.column("evidence", sa.String),
)
_records = sa.table("records", sa.column("id", sa.Integer), sa.column("form_id", sa.String), sa.column("version", sa.Integer))
_corrections = sa.table(
    "corrections",
    sa.column("id", sa.Integer),
    sa.column("form_id", sa.String),
    sa.column("version", sa.Integer),
    sa.column("field_id", sa.String),
    sa.column("old_raw", sa.String),
    sa.column("old_source", sa.String),
    sa.column("evidence", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("field_values") as batch:
        batch.add_column(sa.Column("evidence", sa.String(), nullable=True))
    with op.batch_alter_table("corrections") as batch:
        batch.add_column(sa.Column("evidence", sa.String(), nullable=True))
    _backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("corrections") as batch:
        batch.drop_column("evidence")
    with op.batch_alter_table("field_values") as batch:
        batch.drop_column("evidence")


def _backfill(conn: sa.Connection) -> None:
    _backfill_fields(conn)
    _backfill_corrections(conn)


def _backfill_fields(conn: sa.Connection) -> None:
    read_before = _first_reading_decided(conn)
    query = sa.select(
        _fields.c.record_id, _fields.c.field_id, _fields.c.raw, _fields.c.source, _fields.c.crop, _records.c.form_id, _records.c.version
    ).join(_records, _records.c.id == _fields.c.record_id)
    updates = []
    for r in conn.execute(query):
        # a decided value's raw is what the person typed; the reading is in its first correction
        raw = read_before.get((r.form_id, r.version, r.field_id)) if r.source == "human" else r.raw
        if r.crop or raw is not None:
            updates.append({"rid": r.record_id, "fid": r.field_id, "ev": field_evidence(raw or "", r.crop)})
    if updates:
        where = (_fields.c.record_id == sa.bindparam("rid")) & (_fields.c.field_id == sa.bindparam("fid"))
        conn.execute(_fields.update().where(where).values(evidence=sa.bindparam("ev")), updates)


def _backfill_corrections(conn: sa.Connection) -> None:
    """Each decision gets the evidence of the field row it decided."""
    query = sa.select(_records.c.form_id, _records.c.version, _fields.c.field_id, _fields.c.evidence).join(
        _records, _records.c.id == _fields.c.record_id
    )
    evidence = {(r.form_id, r.version, r.field_id): r.evidence for r in conn.execute(query)}
    corrections = conn.execute(sa.select(_corrections.c.id, _corrections.c.form_id, _corrections.c.version, _corrections.c.field_id))
    updates = [{"cid": c.id, "ev": evidence.get((c.form_id, c.version, c.field_id))} for c in corrections]
    if updates:
        conn.execute(_corrections.update().where(_corrections.c.id == sa.bindparam("cid")).values(evidence=sa.bindparam("ev")), updates)


def _first_reading_decided(conn: sa.Connection) -> dict[tuple[str, int, str], str]:
    """The text a reader produced for each decided field: the old value of its first decision."""
    first: dict[tuple[str, int, str], str] = {}
    query = sa.select(_corrections).where(_corrections.c.old_source != "human").order_by(_corrections.c.id)
    for c in conn.execute(query):
        first.setdefault((c.form_id, c.version, c.field_id), c.old_raw)
    return first
