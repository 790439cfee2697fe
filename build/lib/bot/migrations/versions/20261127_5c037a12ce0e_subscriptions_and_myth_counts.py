"""subscriptions and myth counts

Revision ID: 5c037a12ce0e
Revises: ed46ca90898b
Create Date: 2026-11-27 17:20:44.628950
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "5c037a12ce0e"
down_revision = "ed46ca90898b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "myth_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("myth", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("territory", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("mistaken", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("myth", "territory", "month"),
    )
    op.create_table(
        "subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "topic"),
    )
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscription_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_person_id"))

    op.drop_table("subscription")
    op.drop_table("myth_count")
