"""People who accepted the notice: plain keyword-only queries on the async session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import dialect_insert
from bot.domain.counters import increment
from bot.models import Attribution, Person

# Built once: every update looks its person up, and building the statement (and its cache key) cost about
# as much CPU as running it.
_PERSON_BY_CHAT = select(Person).where(Person.chat_id == bindparam("chat_id"))


async def get_person(session: AsyncSession, *, chat_id: int) -> Person | None:
    result = await session.exec(_PERSON_BY_CHAT, params={"chat_id": chat_id})
    return result.first()


async def accept_notice(
    session: AsyncSession,
    *,
    chat_id: int,
    language: str,
    role: str,
    territory: str,
    source: str | None,
    now: datetime,
) -> Person:
    """The first write about a person, made only once they accept the notice (again, after /forget)."""
    person, created = await accept_notice_once(
        session,
        chat_id=chat_id,
        language=language,
        role=role,
        territory=territory,
        source=source,
        now=now,
    )
    if not created:
        person.language, person.role, person.territory = language, role, territory
        person.consented_at, person.last_active_on = now, now.date()
        session.add(person)
        await session.flush()
    return person


async def accept_notice_once(
    session: AsyncSession,
    *,
    chat_id: int,
    language: str,
    role: str,
    territory: str,
    source: str | None,
    now: datetime,
) -> tuple[Person, bool]:
    """The person, and whether this call created them; an existing person is left as they are.

    One INSERT ... ON CONFLICT DO NOTHING on the unique chat id: of two Accepts at once (a double tap, or
    two instances), exactly one creates the row and counts the join; the other learns it came second.
    """
    values = {
        "chat_id": chat_id,
        "language": language,
        "role": role,
        "territory": territory,
        "source": source,
        "consented_at": now,
        "last_active_on": now.date(),
    }
    insert = await dialect_insert(session)
    table = Person.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(**values).on_conflict_do_nothing(index_elements=["chat_id"])
    created = bool((await session.exec(statement)).rowcount)
    if created:
        # Joins without a code are counted too ("direct"): without them, everyone who joined minus those who
        # came through a code would give back a small number the figures hide.
        month = now.strftime("%Y-%m")
        await _count_join(session, source=source or DIRECT_SOURCE, territory=territory, month=month)
    query = select(Person).where(Person.chat_id == chat_id).execution_options(populate_existing=True)
    return (await session.exec(query)).one(), created


DIRECT_SOURCE = "direct"  # the attribution of a join that came through no deep-link code


async def _count_join(session: AsyncSession, *, source: str, territory: str, month: str) -> None:
    table = Attribution.__table__  # type: ignore[attr-defined]
    keys = {"source": source, "territory": territory, "month": month}
    await increment(session, table, keys=keys, add={"joined": 1})


async def update_person(
    session: AsyncSession,
    *,
    chat_id: int,
    language: str | None = None,
    role: str | None = None,
    territory: str | None = None,
    messages_enabled: bool | None = None,
    training_reminders: bool | None = None,
) -> Person | None:
    """Change what the person chose; None when they have not accepted the notice."""
    person = await get_person(session, chat_id=chat_id)
    if person is None:
        return None
    if language is not None:
        person.language = language
    if role is not None:
        person.role = role
    if territory is not None:
        person.territory = territory
    if messages_enabled is not None:
        person.messages_enabled = messages_enabled
    if training_reminders is not None:
        person.training_reminders = training_reminders
    session.add(person)
    return person


async def mark_unreachable(session: AsyncSession, *, chat_id: int) -> None:
    """Telegram refused a message to this person (they blocked the bot, or left Telegram): audiences leave
    them out, as after a campaign's 403, until they write again (the last-use writer clears it)."""
    person = await get_person(session, chat_id=chat_id)
    if person is not None and not person.unreachable:
        person.unreachable = True
        session.add(person)


async def attribution_counts(session: AsyncSession) -> list[Attribution]:
    result = await session.exec(select(Attribution).order_by(Attribution.month, Attribution.source))
    return list(result.all())
