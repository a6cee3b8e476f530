"""Scanned pages: identity, registration, raw field values, quarantine reasons.

Revision ID: 0003
Revises: 0002
Create Date: 2025-09-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scan_pages",
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("source_file", sa.String(), nullable=False),
        sa.Column("page_index", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("form_id", sa.String(), nullable=True),
        sa.Column("page_no", sa.Integer(), nullable=True),
        sa.Column("layout_hash", sa.String(), nullable=True),
        sa.Column("image", sa.String(), nullable=True),
        sa.Column("registered", sa.String(), nullable=True),
        sa.Column("residual_mm", sa.Float(), nullable=True),
        sa.Column("quality", sa.Float(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("batch_id", sa.String(), nullable=False),
        sa.Column("consumed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name="pk_scan_pages"),
    )
    op.create_index("ix_scan_pages_form_id", "scan_pages", ["form_id"])
    op.create_index("ix_scan_pages_status", "scan_pages", ["status"])


def downgrade() -> None:
    op.drop_index("ix_scan_pages_status", table_name="scan_pages")
    op.drop_index("ix_scan_pages_form_id", table_name="scan_pages")
    op.drop_table("scan_pages")
