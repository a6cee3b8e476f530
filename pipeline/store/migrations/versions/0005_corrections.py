"""Reviewer corrections: the old and new value of every field a person checked.

Revision ID: 0005
Revises: 0004
Create Date: 2025-09-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("form_id", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("old_value", sa.JSON(), nullable=True),
        sa.Column("old_raw", sa.String(), nullable=False),
        sa.Column("old_source", sa.String(), nullable=False),
        sa.Column("old_status", sa.String(), nullable=False),
        sa.Column("new_value", sa.JSON(), nullable=True),
        sa.Column("operator", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_corrections"),
    )
    op.create_index("ix_corrections_form_id", "corrections", ["form_id"])


def downgrade() -> None:
    op.drop_index("ix_corrections_form_id", table_name="corrections")
    op.drop_table("corrections")
