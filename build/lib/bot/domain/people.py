"""People who accepted the notice: plain keyword-only queries on the async session."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.counters import increment
from bot.models import Attribution, Person


async def get_person(session: AsyncSession, *, chat_id: int) -> Person | None:
    result = await session.exec(select(Person).where(Person.chat_id == chat_id))
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
    person = await get_person(session, chat_id=chat_id)
    if person is None:
        person = Person(
            chat_id=chat_id,
            language=language,
            role=role,
            territory=territory,
            source=source,
            consented_at=now,
            last_active_on=now.date(),
        )
        if source:
            await _count_join(session, source=source, territory=territory, month=now.strftime("%Y-%m"))
    else:
        person.language, person.role, person.territory = language, role, territory
        person.consented_at, person.last_active_on = now, now.date()
    session.add(person)
    await session.flush()
    return person


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


async def mark_active(session: AsyncSession, *, person: Person, today: date) -> None:
    """Keep the day of last use current: it is what the retention rule counts from."""
    if person.last_active_on != today or person.unreachable:
        person.last_active_on = today
        person.unreachable = False  # they wrote to the bot: it can reach them again
        session.add(person)


async def attribution_counts(session: AsyncSession) -> list[Attribution]:
    result = await session.exec(select(Attribution).order_by(Attribution.month, Attribution.source))
    return list(result.all())
