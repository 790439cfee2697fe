"""What a chat is in the middle of, in the database: the one conversation state of the bot.

At most one row per chat (see `bot.models.Conversation`). Every instance of the bot reads the same row, and
a restart loses nothing. Each new wait raises the row's version; ending is conditional on the kind (and on
the version when given), so a step that finishes late cannot clobber a newer one, and of two instances
taking the same typed answer at once only one wins the DELETE. Plain data in and out: no `telegram` here.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Conversation, as_utc

Ids = dict[str, int | str]  # ids and short codes only: never what a person typed


class Kind(StrEnum):
    COMPOSER = "composer"  # a campaign draft waits for its message, title, date or time
    CERTIFICATE_NAME = "certificate"  # the name to print on a certificate (kept on its row, not here)
    RELAY = "relay"  # a conversation between a person and a referent, about one request
    COORDINATOR_NAME = "coord_name"  # the display name of someone who opened a "become a coordinator" link
    IDEA = "idea"  # a consultation's idea box waits for the person's idea (stored without them, not here)


# Waits for one typed answer: any command or other button means the person moved on and ends them. A relay
# lasts until one side ends it, and such a wait never replaces it (the person ends the relay first).
INPUT_WAITS: frozenset[Kind] = frozenset(
    {Kind.COMPOSER, Kind.CERTIFICATE_NAME, Kind.COORDINATOR_NAME, Kind.IDEA}
)


@dataclass(frozen=True)
class Current:
    """A conversation in progress, as read: what to check when the answer arrives."""

    chat_id: int
    kind: Kind
    data: Ids
    version: int

    def number(self, key: str) -> int | None:
        value = self.data.get(key)
        return value if isinstance(value, int) else None

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        return value if isinstance(value, str) else None


def encode(data: Ids) -> str:
    """One spelling per content (sorted keys, no spaces), so rows can be compared as text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def _decode(text: str) -> Ids:
    loaded = json.loads(text or "{}")
    return {k: v for k, v in loaded.items() if isinstance(v, (int, str))} if isinstance(loaded, dict) else {}


def _upsert(session: AsyncSession) -> type[sqlite.Insert] | type[postgresql.Insert]:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return postgresql.Insert if dialect == "postgresql" else sqlite.Insert


async def begin(
    session: AsyncSession,
    *,
    chat_id: int,
    kind: Kind,
    data: Ids,
    now: datetime,
    lasts: timedelta | None = None,
    over: Collection[Kind] | None = None,
) -> Current | None:
    """Start (or restart) a conversation for the chat, replacing the one in progress; one upsert.

    `over`: the kinds it may replace; a conversation of another kind (not expired) stays, and None is
    returned. `lasts`: after that long, typed text is no longer taken as an answer.
    """
    encoded = encode(data)
    if len(encoded) > 200:
        raise ValueError("conversation data holds ids only")
    expires = now + lasts if lasts is not None else None
    table = Conversation.__table__  # type: ignore[attr-defined]
    statement = _upsert(session)(table).values(
        chat_id=chat_id, kind=kind.value, data=encoded, version=1, updated_at=now, expires_at=expires
    )
    replaceable = None
    if over is not None:
        # An expired conversation, whatever its kind, no longer holds the chat.
        replaceable = or_(
            table.c.kind.in_([k.value for k in over]),
            table.c.expires_at.is_not(None) & (table.c.expires_at <= now),
        )
    upsert = statement.on_conflict_do_update(
        index_elements=[table.c.chat_id],
        set_={
            "kind": kind.value,
            "data": encoded,
            "version": table.c.version + 1,
            "updated_at": now,
            "expires_at": expires,
        },
        where=replaceable,
    ).returning(table.c.version)
    version = (await session.exec(upsert)).scalar_one_or_none()
    if version is None:
        return None
    return Current(chat_id=chat_id, kind=kind, data=dict(data), version=version)


async def current(session: AsyncSession, *, chat_id: int, now: datetime) -> Current | None:
    """The chat's conversation in progress; None when there is none or it has expired."""
    row = await session.get(Conversation, chat_id)
    if row is None or (row.expires_at is not None and as_utc(row.expires_at) <= now):
        return None
    try:
        kind = Kind(row.kind)
    except ValueError:  # written by a newer version of the bot: not ours to answer
        return None
    return Current(chat_id=row.chat_id, kind=kind, data=_decode(row.data), version=row.version)


async def end(
    session: AsyncSession,
    *,
    chat_id: int,
    kinds: Collection[Kind] | None = None,
    version: int | None = None,
    data: Ids | None = None,
) -> bool:
    """End the chat's conversation if it is still of one of `kinds` (at `version`, about `data`); whether
    this call ended it. One conditional DELETE: of two steps ending the same conversation, one wins."""
    statement = delete(Conversation).where(col(Conversation.chat_id) == chat_id)
    if kinds is not None:
        statement = statement.where(col(Conversation.kind).in_([k.value for k in kinds]))
    if version is not None:
        statement = statement.where(col(Conversation.version) == version)
    if data is not None:
        statement = statement.where(col(Conversation.data) == encode(data))
    result = await session.exec(statement)
    return bool(result.rowcount)


async def taken(session: AsyncSession, conversation: Current) -> bool:
    """Claim a conversation's answer: True for the one step that ends it at the version it read."""
    return await end(
        session, chat_id=conversation.chat_id, kinds=[conversation.kind], version=conversation.version
    )


async def end_relay(session: AsyncSession, *, chat_ids: Collection[int], ticket_id: int) -> int:
    """End the relay about this request on each side, and no other conversation; how many ended."""
    statement = delete(Conversation).where(
        col(Conversation.chat_id).in_(list(chat_ids)),
        col(Conversation.kind) == Kind.RELAY.value,
        col(Conversation.data) == encode({"ticket": ticket_id}),
    )
    return int((await session.exec(statement)).rowcount)


async def purge_expired(session: AsyncSession, *, now: datetime) -> int:
    """Delete the waits that expired; how many went (they are already ignored when read)."""
    statement = delete(Conversation).where(
        col(Conversation.expires_at).is_not(None), col(Conversation.expires_at) <= now
    )
    return int((await session.exec(statement)).rowcount)


async def kinds_of(session: AsyncSession, *, chat_ids: Collection[int]) -> dict[int, Kind]:
    """The kind of conversation each of these chats is in (for the tests and the export)."""
    query = select(Conversation).where(col(Conversation.chat_id).in_(list(chat_ids)))
    return {row.chat_id: Kind(row.kind) for row in (await session.exec(query)).all()}
