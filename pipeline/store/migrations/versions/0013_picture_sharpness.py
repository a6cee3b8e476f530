"""Scanned pages keep a phone picture's sharpness, so the best picture of a page is chosen in
the store (and a batch cut off and run again chooses as an undisturbed one would).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scan_pages") as batch:
        batch.add_column(sa.Column("sharpness", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scan_pages") as batch:
        batch.drop_column("sharpness")
