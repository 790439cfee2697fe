"""coordinator scopes and names

Revision ID: 7d41c0a9e2b3
Revises: 6f0d3b8a1c52
Create Date: 2026-12-02 04:20:00

One deployment serves several communes: a granted coordinator may be for chosen territories only (NULL: the
whole deployment, which every existing grant was). Coordinators see each other by a display name rather
than a Telegram id.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7d41c0a9e2b3"
down_revision = "6f0d3b8a1c52"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coordinator") as batch:
        batch.add_column(sa.Column("territories", sa.JSON(none_as_null=True), nullable=True))
        batch.add_column(sa.Column("display_name", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("coordinator") as batch:
        batch.drop_column("display_name")
        batch.drop_column("territories")
