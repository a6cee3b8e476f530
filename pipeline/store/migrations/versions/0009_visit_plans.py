"""Visit plans: one row per plan of a term, one per planned visit (pipeline.plan).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "visit_plans",
        sa.Column("plan_id", sa.String(), nullable=False),
        sa.Column("term", sa.String(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("stages", sa.Boolean(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("operator", sa.String(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_visit_plans")),
    )
    op.create_index("ix_visit_plans_term", "visit_plans", ["term"])
    op.create_table(
        "planned_visits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.String(), nullable=False),
        sa.Column("student_no", sa.String(), nullable=False),
        sa.Column("student_name", sa.String(), nullable=False),
        sa.Column("class_name", sa.String(), nullable=False),
        sa.Column("purpose", sa.String(), nullable=False),
        sa.Column("mode", sa.String(), nullable=False),
        sa.Column("visit_type", sa.String(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("time", sa.String(), nullable=False),
        sa.Column("teacher_no", sa.String(), nullable=False),
        sa.Column("teacher_name", sa.String(), nullable=False),
        sa.Column("teacher_role", sa.String(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("area", sa.String(), nullable=False),
        sa.Column("companion_no", sa.String(), nullable=False),
        sa.Column("companion_name", sa.String(), nullable=False),
        sa.Column("companion_why", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("done_form_id", sa.String(), nullable=False),
        sa.Column("done_date", sa.Date(), nullable=True),
        sa.Column("done_mode", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["visit_plans.plan_id"], name=op.f("fk_planned_visits_plan_id_visit_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_visits")),
    )
    op.create_index("ix_planned_visits_plan_id", "planned_visits", ["plan_id"])
    op.create_index("ix_planned_visits_student_no", "planned_visits", ["student_no"])


def downgrade() -> None:
    op.drop_table("planned_visits")
    op.drop_table("visit_plans")
