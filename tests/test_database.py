"""The schema and the domain queries, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel, func, select

from bot import migrate
from bot.db import Database
from bot.domain.people import accept_notice, attribution_counts, get_person, update_person
from bot.features.people.personal_data import export_person, forget_person, purge_inactive
from bot.models import Person

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


async def test_migrations_from_empty_match_the_models(empty_database_url: str) -> None:
    """The real migrations, from an empty database: the other tests get a copy of their result."""

    def differences(connection: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(connection), SQLModel.metadata))

    database = Database(empty_database_url)
    try:
        assert not await migrate.is_current(database)
        await migrate.upgrade(database)
        async with database.engine.connect() as connection:
            assert await connection.run_sync(differences) == []
        assert await migrate.is_current(database)
    finally:
        await database.close()


async def test_each_test_gets_a_migrated_database_of_its_own(database: Database) -> None:
    assert await migrate.is_current(database)
    async with database.session() as session:
        assert (await session.exec(select(func.count()).select_from(Person))).one() == 0  # nobody's leftovers


async def test_downgrade_then_upgrade_again(database: Database) -> None:
    await migrate.downgrade(database, "base")
    assert not await migrate.is_current(database)
    await migrate.upgrade(database)
    assert await migrate.is_current(database)


async def test_accept_update_export_forget(database: Database) -> None:
    async with database.session() as session:
        await accept_notice(
            session,
            chat_id=5_000_000_001,
            language="ar",
            role="resident",
            territory="demo",
            source="flyer",
            now=NOW,
        )
        await accept_notice(
            session, chat_id=42, language="fr", role="parent", territory="demo", source=None, now=NOW
        )
    async with database.session() as session:
        person = await update_person(session, chat_id=5_000_000_001, messages_enabled=False)
        assert person is not None
        exported = await export_person(session, chat_id=5_000_000_001)
    assert exported is not None
    assert exported["person"]["chat_id"] == 5_000_000_001, "chat ids need 64 bits"
    assert exported["person"]["messages_enabled"] is False
    assert exported["person"]["consented_at"].startswith("2026-11-27T09:30")
    async with database.session() as session:
        assert await forget_person(session, chat_id=5_000_000_001)
        assert not await forget_person(session, chat_id=5_000_000_001)
        assert await export_person(session, chat_id=5_000_000_001) is None
        assert await get_person(session, chat_id=42) is not None
        counts = await attribution_counts(session)
    assert [(row.source, row.joined) for row in counts] == [("direct", 1), ("flyer", 1)], (
        "the anonymous count stays (a join without a code counts as direct)"
    )


async def test_accepting_again_after_forget_counts_again(database: Database) -> None:
    for _ in range(2):
        async with database.session() as session:
            await accept_notice(
                session, chat_id=7, language="fr", role="other", territory="demo", source="qr", now=NOW
            )
        async with database.session() as session:
            await forget_person(session, chat_id=7)
    async with database.session() as session:
        assert [row.joined for row in await attribution_counts(session)] == [2]


async def test_retention_deletes_only_inactive_people(database: Database) -> None:
    async with database.session() as session:
        old = await accept_notice(
            session,
            chat_id=1,
            language="fr",
            role="parent",
            territory="demo",
            source=None,
            now=datetime(2025, 1, 10, tzinfo=UTC),
        )
        await accept_notice(
            session, chat_id=2, language="fr", role="parent", territory="demo", source=None, now=NOW
        )
        assert old.last_active_on == date(2025, 1, 10)
    async with database.session() as session:
        assert await purge_inactive(session, last_active_before=date(2025, 11, 27)) == 1
    async with database.session() as session:
        assert await get_person(session, chat_id=1) is None
        assert await get_person(session, chat_id=2) is not None
