"""Many schools in one store: a schools table, a school code on students, teachers, issued
forms and records, and the operator → school binding.

Existing rows belong to the workspace's own school (the one its policy profile names), which
pipeline.store.workspace hands in as ``config.attributes["default_school"]`` (code, name); the
same code becomes the columns' server default, so a row written without a school is that
school's, as before. Run without it (alembic on the command line), the code is ``DEFAULT``.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("students", "teachers", "issued_forms", "records")
FALLBACK_SCHOOL = ("DEFAULT", "本校")


def upgrade() -> None:
    code, name = context.config.attributes.get("default_school", FALLBACK_SCHOOL)
    schools = op.create_table(
        "schools",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("policy", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_schools")),
    )
    op.bulk_insert(schools, [{"code": code, "name": name, "policy": "", "created_at": dt.datetime.now(dt.timezone.utc)}])
    op.create_table(
        "operator_schools",
        sa.Column("operator", sa.String(), nullable=False),
        sa.Column("school_code", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("operator", "school_code", name=op.f("pk_operator_schools")),
    )
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("school_code", sa.String(), nullable=False, server_default=code))
            batch.create_index(batch.f(f"ix_{table}_school_code"), ["school_code"], unique=False)


def downgrade() -> None:
    # Not in batch mode: SQLite (3.35+) drops a column in place, while batch mode would copy and
    # drop the tables other tables' foreign keys point at (students, issued_forms, records).
    for table in TABLES:
        op.drop_index(op.f(f"ix_{table}_school_code"), table_name=table)
        op.drop_column(table, "school_code")
    op.drop_table("operator_schools")
    op.drop_table("schools")
