"""one live ticket per person, one taken ticket per referent

Revision ID: 3c9e1f2a7b44
Revises: 957c41e53f7e
Create Date: 2026-12-01 23:00:00

Partial unique indexes, on SQLite and PostgreSQL alike: the rules the handlers check ("one request at a
time", "one conversation at a time") hold even when two checks run at the same moment. Rows that already
break them (left by such a race) are closed first, keeping each person's and each referent's latest.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "3c9e1f2a7b44"
down_revision = "957c41e53f7e"
branch_labels = None
depends_on = None

LIVE = "status IN ('open', 'taken')"
TAKEN = "status = 'taken'"


def upgrade() -> None:
    # Closed now, with the date: the retention purge deletes closed requests by `closed_at`, and one without
    # it would be kept for good.
    now = sa.bindparam("now", datetime.now(UTC), type_=sqlmodel.sql.sqltypes.UTCDateTime())
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE ticket SET status = 'closed', referent_id = NULL, closed_at = :now "
            "WHERE status IN ('open', 'taken') AND id NOT IN "
            "(SELECT MAX(id) FROM ticket WHERE status IN ('open', 'taken') GROUP BY person_id)"
        ).bindparams(now)
    )
    bind.execute(
        sa.text(
            "UPDATE ticket SET status = 'closed', referent_id = NULL, closed_at = :now "
            "WHERE status = 'taken' AND id NOT IN "
            "(SELECT MAX(id) FROM ticket WHERE status = 'taken' GROUP BY referent_id)"
        ).bindparams(now)
    )
    op.create_index(
        "uq_ticket_live_person",
        "ticket",
        ["person_id"],
        unique=True,
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )
    op.create_index(
        "uq_ticket_taken_referent",
        "ticket",
        ["referent_id"],
        unique=True,
        sqlite_where=sa.text(TAKEN),
        postgresql_where=sa.text(TAKEN),
    )


def downgrade() -> None:
    op.drop_index("uq_ticket_taken_referent", table_name="ticket")
    op.drop_index("uq_ticket_live_person", table_name="ticket")
