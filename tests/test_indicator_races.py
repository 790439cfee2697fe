"""The indicator counters under races: sessions writing at once, as several instances would, on SQLite and
PostgreSQL. Each step is counted once, and no count is lost."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from bot.db import Database
from bot.domain.indicators import record
from bot.domain.tallies import Tallies
from bot.features.contact import ticket_store as tickets
from bot.models import RequestCount, ResourceCount
from tests.test_races_database import NOW, open_ticket


async def counts(database: Database) -> tuple[int, int, int, int, int]:
    async with database.session() as session:
        (row,) = (await session.exec(select(RequestCount))).all()
    return row.opened, row.taken, row.answered, row.closed, row.answer_seconds


async def test_two_takes_and_two_first_answers_at_once_count_once(database: Database) -> None:
    ticket_id = await open_ticket(database, 71)

    async def take(referent: int) -> None:
        async with database.session() as session:
            await tickets.take(session, ticket_id=ticket_id, referent_id=referent, now=NOW)

    await asyncio.gather(take(701), take(702))
    async with database.session() as session:
        ticket = await tickets.get_ticket(session, ticket_id=ticket_id)
        assert ticket is not None and ticket.referent_id is not None
        referent = ticket.referent_id

    async def answer() -> bool:
        async with database.session() as session:
            later = NOW + timedelta(minutes=10)
            return await tickets.mark_answered(session, ticket_id=ticket_id, referent_id=referent, now=later)

    assert sorted(await asyncio.gather(answer(), answer())) == [False, True]
    assert await counts(database) == (1, 1, 1, 0, 600)


async def test_a_take_undone_is_counted_back(database: Database) -> None:
    ticket_id = await open_ticket(database, 72)
    async with database.session() as session:
        await tickets.take(session, ticket_id=ticket_id, referent_id=703, now=NOW)
    async with database.session() as session:
        await tickets.release(session, ticket_id=ticket_id)
        await tickets.release(session, ticket_id=ticket_id)  # released already: nothing more
    async with database.session() as session:
        await tickets.close(session, ticket_id=ticket_id, now=NOW)
        assert await tickets.close(session, ticket_id=ticket_id, now=NOW) is None
    assert await counts(database) == (1, 0, 0, 1, 0)


async def test_resources_opened_at_once_are_all_counted(database: Database) -> None:
    """Instances writing their counts at once, each in its own batch, on the same rows."""
    instances = [Tallies() for _ in range(3)]
    for tallies in instances:
        for resource in ("talk", "signs"):
            for _ in range(2):
                record.resource_opened(tallies, resource=resource, territory="demo", now=NOW)
    assert [tallies.pending for tallies in instances] == [2, 2, 2], "one row each, its count summed"
    await asyncio.gather(*(tallies.flush(database) for tallies in instances))
    await asyncio.gather(*(tallies.flush(database) for tallies in instances))  # nothing left: no change
    async with database.session() as session:
        rows = (await session.exec(select(ResourceCount))).all()
    assert {row.resource: row.opened for row in rows} == {"talk": 6, "signs": 6}
