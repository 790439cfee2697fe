"""A lock held elsewhere delays only the updates that need it (issue 11, item 8), on SQLite and PostgreSQL.

Another connection holds the lock one person's update needs (SQLite: the database's write lock; PostgreSQL:
that person's row) for as long as the test likes. Meanwhile, on a new day (when the day of last use used to
be written by every first update), other people read the menu, open a resource and answer a myth card:
their answers arrive while the lock is still held, which the test releases only afterwards. The blocked
person gets the apology once DATABASE_TIMEOUT has passed, with one log line and no traceback; after the
release, the same command succeeds, and the days of last use and the anonymous counts (the resource opened,
the card answered) noted meanwhile are written.

Everything is asserted by the order of events, never by how long something took: before the fix, the
readers' updates waited for the lock (SQLite) and failed with the apology, and the blocked person's update
waited 15 s per database call. Before the counts were written in the background (bot/domain/tallies.py),
opening a resource and answering a card waited for the lock too, and ended in the apology.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlmodel import select

from bot.core.callbacks import Action, pack
from bot.domain import conversations
from bot.domain.conversations import Kind
from bot.domain.people import get_person
from bot.models import MythCount, ResourceCount
from tests.campaign_support import wait_for
from tests.conftest import Harness, last
from tests.test_privacy_e2e import onboard_user

APOLOGY = "quelque chose s'est mal passé"
STOPPED = "vous ne recevrez plus de messages"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"database_timeout": 1}  # short: the blocked person's apology comes after this wait


@asynccontextmanager
async def lock_held(harness: Harness, chat_id: int, table: str = "person") -> AsyncIterator[None]:
    """Another connection holds what an update about `chat_id` must write, until the block ends: SQLite's
    write lock, or on PostgreSQL the chat's row in `table`."""
    url = make_url(harness.services.settings.database_url)
    if url.get_backend_name() == "sqlite":
        release, held = threading.Event(), threading.Event()

        def hold() -> None:  # a connection of another "process": its own thread, outside the bot's pool
            connection = sqlite3.connect(str(url.database), isolation_level=None)
            try:
                connection.execute("BEGIN IMMEDIATE")  # the write lock, taken until ROLLBACK
                connection.execute("UPDATE person SET language = language WHERE chat_id = ?", (chat_id,))
                held.set()
                release.wait()
                connection.execute("ROLLBACK")
            finally:
                connection.close()

        holder = asyncio.create_task(asyncio.to_thread(hold))
        await asyncio.to_thread(held.wait)
        try:
            yield
        finally:
            release.set()
            await holder
        return
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        transaction = connection.transaction()
        await transaction.start()
        await connection.execute(f"SELECT 1 FROM {table} WHERE chat_id = $1 FOR UPDATE", chat_id)
        try:
            yield
        finally:
            await transaction.rollback()
    finally:
        await connection.close()


async def test_a_held_lock_delays_only_the_updates_that_need_it(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = await onboard_user(harness, name="Bloquée")
    menu_reader = await onboard_user(harness, name="Menu")
    card_reader = await onboard_user(harness, name="Carte")
    resource_reader = await onboard_user(harness, name="Ressource")
    harness.clock.now += timedelta(days=1)  # everyone's first update of a new day
    today = harness.clock.now.date()
    content = harness.services.content
    myth_id = content.myth_ids()[0]
    resource_id = next(iter(content.resources["fr"]))
    caplog.set_level(logging.INFO)
    events: list[str] = []

    async with lock_held(harness, blocked.id):
        events.append("lock taken")
        await menu_reader.send("/menu")
        assert "Que souhaitez-vous faire" in (await last(menu_reader))["text"]
        events.append("menu answered")
        await card_reader.send("/menu")
        menu = await last(card_reader)
        await card_reader.press_data(pack(Action.MYTH, "c", myth_id), menu["message_id"])
        card = await last(card_reader)
        assert "Vrai ou faux" in card["text"]
        events.append("myth card answered")
        await card_reader.press_data(pack(Action.MYTH, "a", myth_id, "t"), card["message_id"])
        verdict = (await last(card_reader))["text"]
        assert APOLOGY not in verdict and ("Bonne réponse" in verdict or "Pas tout à fait" in verdict)
        events.append("myth answer answered")
        await resource_reader.send("/menu")
        menu = await last(resource_reader)
        await resource_reader.press_data(pack(Action.RESOURCE, resource_id, "0"), menu["message_id"])
        assert APOLOGY not in (await last(resource_reader))["text"]
        events.append("resource answered")
        await blocked.send("/stop")  # writes the person's row: must wait for the lock, then give up
        assert APOLOGY in (await last(blocked))["text"]
        events.append("blocked person apologised to")
    events.append("lock released")

    assert events == [
        "lock taken",
        "menu answered",
        "myth card answered",
        "myth answer answered",
        "resource answered",
        "blocked person apologised to",
        "lock released",
    ]
    gave_up = [r for r in caplog.records if "gave up waiting for the database" in r.getMessage()]
    assert len(gave_up) == 1 and gave_up[0].exc_info is None, "one line, no traceback"
    assert not [r for r in caplog.records if r.exc_info], "no traceback in the log"
    assert str(blocked.id) not in caplog.text

    await blocked.send("/stop")
    assert STOPPED in (await last(blocked))["text"]

    async def written() -> bool:  # the days noted while the lock was held reach the database
        async with harness.services.database.session() as session:
            people = [await get_person(session, chat_id=u.id) for u in (menu_reader, card_reader)]
        return all(p is not None and p.last_active_on == today for p in people)

    await wait_for(written, what="the days of last use written once the lock is released")

    async def counted() -> bool:  # and so do the counts of the resource opened and the card answered
        async with harness.services.database.session() as session:
            opened = (await session.exec(select(ResourceCount))).all()
            answered = (await session.exec(select(MythCount))).all()
        resources = [(row.resource, row.opened) for row in opened]
        answers = [(row.myth, row.correct + row.mistaken) for row in answered]
        return resources == [(resource_id, 1)] and answers == [(myth_id, 1)]

    await wait_for(counted, what="the counts written once the lock is released")


async def test_an_update_that_gives_up_is_apologised_for_once(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """A command that must first end a wait for typed input (a write) while the lock is held: the wait's end
    gives up, and the command itself is not run after the apology (it would wait again, apologise again)."""
    waiting = await onboard_user(harness, name="Attente")
    async with harness.services.database.session() as session:
        await conversations.begin(
            session, chat_id=waiting.id, kind=Kind.CERTIFICATE_NAME, data={}, now=harness.clock.now
        )
    caplog.set_level(logging.INFO)
    before = len(await waiting.messages())
    async with lock_held(harness, waiting.id, "conversation"):
        await waiting.send("/menu")
    answers = [m for m in (await waiting.messages())[before:] if m["from_bot"]]
    assert [APOLOGY in m["text"] for m in answers] == [True], "the apology, alone"
    gave_up = [r for r in caplog.records if "gave up waiting for the database" in r.getMessage()]
    assert len(gave_up) == 1 and not [r for r in caplog.records if r.exc_info]

    await waiting.send("/menu")
    assert "Que souhaitez-vous faire" in (await last(waiting))["text"]
