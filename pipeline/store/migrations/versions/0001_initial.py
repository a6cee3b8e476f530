"""Initial schema: roster (classes, students, teachers), layouts, issued forms, batches.

Revision ID: 0001
Revises:
Create Date: 2025-09-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "classes",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("grade", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_classes"),
    )
    op.create_table(
        "students",
        sa.Column("student_no", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("class_name", sa.String(), nullable=False),
        sa.Column("grade", sa.String(), nullable=False),
        sa.Column("gender", sa.String(), nullable=False),
        sa.Column("address", sa.String(), nullable=False),
        sa.Column("guardian_name", sa.String(), nullable=False),
        sa.Column("guardian_relation", sa.String(), nullable=False),
        sa.Column("phone", sa.String(), nullable=False),
        sa.Column("caregiver", sa.String(), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["class_name"], ["classes.name"], name="fk_students_class_name_classes"
        ),
        sa.PrimaryKeyConstraint("student_no", name="pk_students"),
    )
    op.create_index("ix_students_class_name", "students", ["class_name"])
    op.create_table(
        "teachers",
        sa.Column("teacher_no", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("teacher_no", name="pk_teachers"),
    )
    op.create_table(
        "teacher_classes",
        sa.Column("teacher_no", sa.String(), nullable=False),
        sa.Column("class_name", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["teacher_no"],
            ["teachers.teacher_no"],
            name="fk_teacher_classes_teacher_no_teachers",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["class_name"], ["classes.name"], name="fk_teacher_classes_class_name_classes"
        ),
        sa.PrimaryKeyConstraint("teacher_no", "class_name", name="pk_teacher_classes"),
    )
    op.create_table(
        "layouts",
        sa.Column("layout_hash", sa.String(), nullable=False),
        sa.Column("form", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("layout", sa.JSON(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("layout_hash", name="pk_layouts"),
    )
    op.create_table(
        "batches",
        sa.Column("batch_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", name="pk_batches"),
    )
    op.create_table(
        "issued_forms",
        sa.Column("form_id", sa.String(), nullable=False),
        sa.Column("form", sa.String(), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("layout_hash", sa.String(), nullable=False),
        sa.Column("student_no", sa.String(), nullable=False),
        sa.Column("class_name", sa.String(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["layout_hash"], ["layouts.layout_hash"], name="fk_issued_forms_layout_hash_layouts"
        ),
        sa.ForeignKeyConstraint(
            ["student_no"], ["students.student_no"], name="fk_issued_forms_student_no_students"
        ),
        sa.PrimaryKeyConstraint("form_id", name="pk_issued_forms"),
    )
    op.create_index("ix_issued_forms_student_no", "issued_forms", ["student_no"])
    op.create_index("ix_issued_forms_batch_id", "issued_forms", ["batch_id"])


def downgrade() -> None:
    op.drop_table("issued_forms")
    op.drop_table("batches")
    op.drop_table("layouts")
    op.drop_table("teacher_classes")
    op.drop_table("teachers")
    op.drop_table("students")
    op.drop_table("classes")
