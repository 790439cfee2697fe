"""conversation: one row per chat for what it is in the middle of

The composer's `campaign.awaiting` column and the relays implied by taken tickets move into it, so the
waits in progress when the bot is upgraded are kept.

Revision ID: 98ee49e2671d
Revises: 3c9e1f2a7b44
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "98ee49e2671d"
down_revision = "3c9e1f2a7b44"
branch_labels = None
depends_on = None


def _data(**ids: int | str) -> str:
    return json.dumps(ids, sort_keys=True, separators=(",", ":"))


def upgrade() -> None:
    conversation = op.create_table(
        "conversation",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("data", sa.String(length=200), server_default="{}", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("chat_id"),
    )
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_expires_at"), ["expires_at"], unique=False)

    bind = op.get_bind()
    now = datetime.now(UTC)
    rows: dict[int, dict[str, object]] = {}
    # Relays in progress: both sides of each taken request (a chat holds one at a time).
    taken = sa.text(
        "SELECT ticket.id, ticket.referent_id, person.chat_id FROM ticket "
        "JOIN person ON person.id = ticket.person_id WHERE ticket.status = 'taken' ORDER BY ticket.id"
    )
    for ticket_id, referent_id, chat_id in bind.execute(taken):
        for chat in (chat_id, referent_id):
            if chat is not None:
                rows[chat] = {"kind": "relay", "data": _data(ticket=ticket_id)}
    # Drafts waiting for typed input; the draft's own question wins over a relay, as it did.
    awaiting = sa.text(
        "SELECT id, created_by, awaiting FROM campaign "
        "WHERE status = 'draft' AND awaiting IS NOT NULL ORDER BY id"
    )
    for campaign_id, created_by, field in bind.execute(awaiting):
        rows[created_by] = {"kind": "composer", "data": _data(campaign=campaign_id, field=field)}
    if rows:
        op.bulk_insert(
            conversation,
            [
                {"chat_id": chat, "version": 1, "updated_at": now, "expires_at": None, **row}
                for chat, row in rows.items()
            ],
        )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("awaiting")


def downgrade() -> None:
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("awaiting", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    bind = op.get_bind()
    waits = sa.text("SELECT data FROM conversation WHERE kind = 'composer'")
    for (data,) in bind.execute(waits).all():
        ids = json.loads(data)
        bind.execute(
            sa.text("UPDATE campaign SET awaiting = :field WHERE id = :id AND status = 'draft'"),
            {"field": str(ids.get("field", ""))[:16], "id": int(ids.get("campaign", 0))},
        )
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_expires_at"))

    op.drop_table("conversation")
