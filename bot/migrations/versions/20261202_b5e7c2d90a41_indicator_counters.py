"""indicator counters

Revision ID: b5e7c2d90a41
Revises: 7d41c0a9e2b3
Create Date: 2026-12-02 04:30:00

The dashboard and the evaluation export need figures the bot did not keep: how often each resource is
opened, and how contact requests move (requests themselves are deleted a while after they close). Both are
anonymous counts per item, territory and month, never a person. A request
remembers when its referent first answered, so that it counts as answered once.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "b5e7c2d90a41"
down_revision = "7d41c0a9e2b3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resource_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource", sa.String(length=32), nullable=False),
        sa.Column("territory", sa.String(length=32), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("opened", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("resource", "territory", "month"),
    )
    op.create_table(
        "request_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("territory", sa.String(length=32), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("opened", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("answer_seconds", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("topic", "territory", "month"),
    )
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("answered_at")
    op.drop_table("request_count")
    op.drop_table("resource_count")
