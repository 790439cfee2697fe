"""certificate holders

Revision ID: b8c2d4e6f1a3
Revises: b5e7c2d90a41
Create Date: 2026-12-02 04:30:00

A certificate keeps the name printed on it and the commune that issued it, so that `/verify` and the public
page show them and a copy bearing another name is caught. The row is tied to its holder, so /forget deletes
it. Certificates issued before stay as they were: no name, no holder.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b8c2d4e6f1a3"
down_revision = "b5e7c2d90a41"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certificate") as batch:
        batch.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("holder_name", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("territory", sa.String(length=20), nullable=True))
        batch.create_foreign_key(
            "fk_certificate_person_id_person", "person", ["person_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("ix_certificate_person_id", ["person_id"])


def downgrade() -> None:
    with op.batch_alter_table("certificate") as batch:
        batch.drop_index("ix_certificate_person_id")
        batch.drop_constraint("fk_certificate_person_id_person", type_="foreignkey")
        batch.drop_column("territory")
        batch.drop_column("holder_name")
        batch.drop_column("person_id")
