"""Days of last use, noted by updates and written in the background (bot/domain/activity.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.db import Database
from bot.domain.activity import Activity
from bot.domain.people import get_person
from tests.campaign_support import enrol_parent

YESTERDAY = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)


async def test_noted_days_are_written_in_one_go_and_only_when_they_change(database: Database) -> None:
    async with database.session() as session:
        people = [await enrol_parent(session, chat_id=chat_id, now=YESTERDAY) for chat_id in (1, 2)]
    activity = Activity()
    for person in people:
        activity.note(person, TODAY)
        activity.note(person, TODAY)  # a second update the same day adds nothing
    activity.note(None, TODAY)  # before the notice: nobody to note
    assert activity.pending == 2
    assert await activity.flush(database) == 2
    assert activity.pending == 0
    async with database.session() as session:
        for chat_id in (1, 2):
            stored = await get_person(session, chat_id=chat_id)
            assert stored is not None and stored.last_active_on == TODAY
            activity.note(stored, TODAY)
    assert activity.pending == 0, "a person already marked today is not written again"


async def test_a_failed_write_keeps_the_days_for_the_next_try(database: Database) -> None:
    async with database.session() as session:
        person = await enrol_parent(session, chat_id=7, now=YESTERDAY)
    activity = Activity()
    activity.note(person, TODAY)
    async with database.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE person RENAME TO person_gone"))
    with pytest.raises(DBAPIError):
        await activity.flush(database)
    assert activity.pending == 1
    async with database.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE person_gone RENAME TO person"))
    assert await activity.flush(database) == 1
    async with database.session() as session:
        found = await get_person(session, chat_id=7)
    assert found is not None and found.last_active_on == TODAY
