"""coordinator links

Revision ID: a5c2e8d14f90
Revises: b8c2d4e6f1a3
Create Date: 2026-12-02 04:30:00

/grant makes a single-use "become a coordinator" link (only its hash stored) whose candidate a second
coordinator approves; coordinators of the COORDINATORS setting get a display name too; audit entries say
which territories they were about, so that a territory coordinator reads only theirs.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "a5c2e8d14f90"
down_revision = "b8c2d4e6f1a3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coordinator_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("territories", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("candidate_id", sa.BigInteger(), nullable=True),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("coordinator_link") as batch:
        batch.create_index(batch.f("ix_coordinator_link_token_hash"), ["token_hash"], unique=True)
    op.create_table(
        "coordinator_name",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("territories", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("territories")
    op.drop_table("coordinator_name")
    with op.batch_alter_table("coordinator_link") as batch:
        batch.drop_index(batch.f("ix_coordinator_link_token_hash"))
    op.drop_table("coordinator_link")
