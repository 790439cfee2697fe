"""ticket numbers never reused: AUTOINCREMENT on SQLite

Revision ID: 6f0d3b8a1c52
Revises: 98ee49e2671d
Create Date: 2026-12-02 01:40:00

A request's number is its id, shown to the person and to the referents. Without AUTOINCREMENT, SQLite gives
the next row the largest id in the table plus one, so once the latest request is deleted (by /forget or the
retention purge) its number is handed out again: two different "Demande n° 1" in the referents' chat.
AUTOINCREMENT keeps the largest id ever used. PostgreSQL's sequence never goes back: nothing to do there.
SQLite cannot change a table's key in place, so the table is copied; its partial unique indexes are dropped
first and made again after, since reflection does not carry their WHERE clause across.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "6f0d3b8a1c52"
down_revision = "98ee49e2671d"
branch_labels = None
depends_on = None

LIVE = "status IN ('open', 'taken')"
TAKEN = "status = 'taken'"


def _copy_ticket_table(*, autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.drop_index("uq_ticket_live_person", table_name="ticket")
    op.drop_index("uq_ticket_taken_referent", table_name="ticket")
    with op.batch_alter_table(
        "ticket", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass
    op.create_index("uq_ticket_live_person", "ticket", ["person_id"], unique=True, sqlite_where=sa.text(LIVE))
    op.create_index(
        "uq_ticket_taken_referent", "ticket", ["referent_id"], unique=True, sqlite_where=sa.text(TAKEN)
    )


def upgrade() -> None:
    _copy_ticket_table(autoincrement=True)


def downgrade() -> None:
    _copy_ticket_table(autoincrement=False)
