"""Anonymous counts, noted by updates and written in the background (bot/domain/tallies.py, writer.py)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from bot.db import Database
from bot.delivery.supervise import Backoff, Task
from bot.domain.indicators import record
from bot.domain.tallies import Tallies
from bot.features.families.quiz import answer_counts, record_answer
from bot.models import ResourceCount
from tests.campaign_support import wait_for

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


async def opened(database: Database) -> dict[tuple[str, str], int]:
    async with database.session() as session:
        rows = (await session.exec(select(ResourceCount))).all()
    return {(row.resource, row.territory): row.opened for row in rows}


async def test_counts_add_up_in_memory_and_land_in_one_write(database: Database) -> None:
    tallies = Tallies()
    for _ in range(3):
        record.resource_opened(tallies, resource="talk", territory="demo", now=NOW)
    record.resource_opened(tallies, resource="talk", territory=None, now=NOW)  # before a territory
    record_answer(tallies, myth="easy_money", territory="demo", now=NOW, right=True)
    record_answer(tallies, myth="easy_money", territory="demo", now=NOW, right=False)
    record_answer(tallies, myth="easy_money", territory="demo", now=NOW, right=True)
    assert tallies.pending == 3, "one row each: (talk, demo), (talk, none), (easy_money, demo)"
    assert await tallies.flush(database) == 3
    assert tallies.pending == 0
    assert await tallies.flush(database) == 0, "nothing left: nothing written twice"
    record.resource_opened(tallies, resource="talk", territory="demo", now=NOW)
    await tallies.flush(database)  # added to the stored row
    assert await opened(database) == {("talk", "demo"): 4, ("talk", "none"): 1}
    async with database.session() as session:
        (answers,) = await answer_counts(session)
    assert (answers.myth, answers.territory, answers.month) == ("easy_money", "demo", "2026-11")
    assert (answers.correct, answers.mistaken) == (2, 1)


async def test_a_failed_write_keeps_the_counts_for_the_next_try(database: Database) -> None:
    tallies = Tallies()
    record.resource_opened(tallies, resource="talk", territory="demo", now=NOW)
    async with database.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE resource_count RENAME TO resource_count_gone"))
    with pytest.raises(DBAPIError):
        await tallies.flush(database)
    record.resource_opened(tallies, resource="talk", territory="demo", now=NOW)  # counted meanwhile
    assert tallies.pending == 1
    async with database.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE resource_count_gone RENAME TO resource_count"))
    assert await tallies.flush(database) == 1
    assert await opened(database) == {("talk", "demo"): 2}, "nothing lost, nothing counted twice"


async def test_the_writer_logs_one_line_per_failure_and_tries_again(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    tallies = Tallies()
    async with database.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE resource_count RENAME TO resource_count_gone"))
    health = Task("counts", Backoff(first=0.01, most=0.05))  # the test waits for retries, not for seconds
    running = asyncio.create_task(tallies.run(database, health))
    try:
        record.resource_opened(tallies, resource="talk", territory="demo", now=NOW)

        async def failed() -> bool:
            return any("counts: failed" in r.getMessage() for r in caplog.records)

        await wait_for(failed, what="the writer's failure logged")
        async with database.engine.begin() as connection:
            await connection.execute(text("ALTER TABLE resource_count_gone RENAME TO resource_count"))

        async def written() -> bool:
            return await opened(database) == {("talk", "demo"): 1}

        await wait_for(written, what="the count written by a later try")
    finally:
        await tallies.stop(running, database)
    failures = [r for r in caplog.records if "counts: failed" in r.getMessage()]
    # One line per failure; a missing table looks like a bug on PostgreSQL: its traceback once, no more.
    assert failures and all(r.exc_info is None for r in failures[1:])
    assert "1 pending, trying again" in failures[0].getMessage(), "what failed, what waits, what comes next"
    assert health.failures == 0, "working again"
    assert await opened(database) == {("talk", "demo"): 1}, "written once"


async def test_a_flush_waits_for_the_write_in_progress(database: Database) -> None:
    """A reader flushes before it counts: the counts the writer took and is still writing are in too."""
    tallies = Tallies()
    record.resource_opened(tallies, resource="talk", territory="demo", now=NOW)
    first = asyncio.create_task(tallies.flush(database))
    await asyncio.sleep(0)  # the first flush takes the counts and starts writing them
    assert tallies.pending == 0 and not first.done()
    assert await tallies.flush(database) == 0
    assert first.done()
    assert await opened(database) == {("talk", "demo"): 1}


async def test_stopping_writes_what_was_counted_last(database: Database) -> None:
    tallies = Tallies()
    running = asyncio.create_task(tallies.run(database, Task(tallies.what)))
    record.resource_opened(tallies, resource="talk", territory="demo", now=NOW)
    await tallies.stop(running, database)  # whether or not the writer had its turn, the count is stored
    assert running.cancelled()
    assert await opened(database) == {("talk", "demo"): 1}
