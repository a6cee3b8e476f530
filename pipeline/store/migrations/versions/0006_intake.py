"""Intake: one row per input file of an ingest batch, with its outcome and reason.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intake",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.String(), nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("digest", sa.String(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("form_ids", sa.JSON(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("pages_read", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_intake"),
    )
    op.create_index("ix_intake_batch_id", "intake", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_intake_batch_id", table_name="intake")
    op.drop_table("intake")
