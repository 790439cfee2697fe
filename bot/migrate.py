"""Schema migrations with alembic, run on the bot's own async engine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.db import Database

SCRIPTS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    return config


async def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema up to `revision` (alembic's connection-sharing recipe for asyncio)."""
    await _run(database, command.upgrade, revision)


async def downgrade(database: Database, revision: str) -> None:
    """Take the schema back to `revision` ("base" removes every table)."""
    await _run(database, command.downgrade, revision)


async def _run(database: Database, step: Callable[[Config, str], None], revision: str) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        step(config, revision)

    async with database.engine.begin() as connection:
        postgresql = connection.dialect.name == "postgresql"
        if postgresql:  # an index built on a big table may take minutes: no DATABASE_TIMEOUT for the DDL
            await connection.execute(text("SET statement_timeout = 0"))
        await connection.run_sync(run)
        if postgresql:  # back to the connection's own setting before it returns to the pool
            await connection.execute(text("RESET statement_timeout"))


async def is_current(database: Database) -> bool:
    """Whether the database is at the newest revision, so `serve` can refuse an old schema."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())

    def current(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    async with database.engine.connect() as connection:
        return await connection.run_sync(current) == heads
