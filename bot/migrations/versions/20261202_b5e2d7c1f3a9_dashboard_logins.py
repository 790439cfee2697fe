"""dashboard logins

Revision ID: b5e2d7c1f3a9
Revises: a5c2e8d14f90
Create Date: 2026-12-02 04:30:00

The coordinators' web dashboard: single-use login links sent by /dashboard, and the sessions they open.
Both keep a keyed hash of their token, never the token.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "b5e2d7c1f3a9"
down_revision = "a5c2e8d14f90"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for name, extra in (
        ("dashboard_link", [sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)]),
        ("dashboard_session", []),
    ):
        op.create_table(
            name,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
            sa.Column("user_id", sa.BigInteger(), nullable=False),
            sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
            sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
            *extra,
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("token_hash"),
        )
        with op.batch_alter_table(name) as batch:
            batch.create_index(batch.f(f"ix_{name}_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_table("dashboard_session")
    op.drop_table("dashboard_link")
