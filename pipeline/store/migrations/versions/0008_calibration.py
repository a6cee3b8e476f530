"""Calibration: each decision keeps the confidence and kind it judged and how long it took;
workspace settings (calibrated ``auto`` thresholds).

Existing decisions keep None in the new columns: the confidence they judged was overwritten
when they were made, so they cannot serve as labelled examples.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("corrections") as batch:
        batch.add_column(sa.Column("old_confidence", sa.Float(), nullable=True))
        batch.add_column(sa.Column("kind", sa.String(), nullable=True))
        batch.add_column(sa.Column("seconds", sa.Float(), nullable=True))
    op.create_table(
        "settings",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("operator", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )


def downgrade() -> None:
    op.drop_table("settings")
    with op.batch_alter_table("corrections") as batch:
        batch.drop_column("seconds")
        batch.drop_column("kind")
        batch.drop_column("old_confidence")
