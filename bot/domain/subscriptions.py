"""Optional messages a person asked for ("card of the week"), for the campaign engine to use."""

from __future__ import annotations

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import dialect_insert
from bot.models import Person, Subscription


async def is_subscribed(session: AsyncSession, *, person_id: int, topic: str) -> bool:
    query = select(Subscription).where(Subscription.person_id == person_id, Subscription.topic == topic)
    return (await session.exec(query)).first() is not None


async def set_subscription(session: AsyncSession, *, person_id: int, topic: str, on: bool) -> None:
    if on:
        # ON CONFLICT DO NOTHING on (person, topic): "subscribe" pressed twice at once makes one row.
        insert = await dialect_insert(session)
        table = Subscription.__table__  # type: ignore[attr-defined]
        statement = insert(table).values(person_id=person_id, topic=topic)
        await session.exec(statement.on_conflict_do_nothing(index_elements=["person_id", "topic"]))
    else:
        await session.exec(
            delete(Subscription).where(
                col(Subscription.person_id) == person_id, col(Subscription.topic) == topic
            )
        )


async def subscribers(session: AsyncSession, *, topic: str) -> list[Person]:
    """People subscribed to `topic` who still accept messages."""
    query = (
        select(Person)
        .join(Subscription, col(Subscription.person_id) == col(Person.id))
        .where(Subscription.topic == topic, col(Person.messages_enabled).is_(True))
    )
    return list((await session.exec(query)).all())
