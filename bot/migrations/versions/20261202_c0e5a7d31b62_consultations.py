"""consultations

Revision ID: c0e5a7d31b62
Revises: b5e2d7c1f3a9
Create Date: 2026-12-02 04:50:21

Consultations on public space (issue 13): the consultation, each person's current answer (deleted at
closing, when the counts are written), idea-box texts without their authors, and the one-idea-per-person
guard (HMACs, deleted at closing).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "c0e5a7d31b62"
down_revision = "b5e2d7c1f3a9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consultation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("territory", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("opens_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("closes_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("counts", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("salt", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consultation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consultation_closes_at"), ["closes_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_consultation_status"), ["status"], unique=False)

    op.create_table(
        "consultation_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("consultation_id", "person_id"),
    )
    with op.batch_alter_table("consultation_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consultation_answer_person_id"), ["person_id"], unique=False)

    op.create_table(
        "consultation_idea",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("tag", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consultation_idea", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_idea_consultation_id"), ["consultation_id"], unique=False
        )

    op.create_table(
        "consultation_idea_guard",
        sa.Column("consultation_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("consultation_id", "digest"),
    )


def downgrade() -> None:
    op.drop_table("consultation_idea_guard")
    with op.batch_alter_table("consultation_idea", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_idea_consultation_id"))

    op.drop_table("consultation_idea")
    with op.batch_alter_table("consultation_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_answer_person_id"))

    op.drop_table("consultation_answer")
    with op.batch_alter_table("consultation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_status"))
        batch_op.drop_index(batch_op.f("ix_consultation_closes_at"))

    op.drop_table("consultation")
