"""The async engine and sessions: SQLite (WAL) by default, PostgreSQL through DATABASE_URL.

Everything goes through SQLAlchemy's async engine so that no query blocks the event loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import sqlite
from bot.config import ConfigError


def create_engine(url: str) -> AsyncEngine:
    """An engine for the URL; for SQLite, create the folder and turn on WAL and foreign keys.

    `hide_parameters` keeps query values (chat ids) out of error messages, and so out of the logs.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, hide_parameters=True)
    if parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:  # a file in the way, a read-only disk, no permission: all the operator's
            raise ConfigError(
                f"DATABASE_URL: cannot create the folder {folder} ({type(error).__name__})."
            ) from None
    # aiosqlite's connection with fewer trips through its thread (bot/sqlite.py). `async_creator_fn` is the
    # dialect's hook behind `create_async_engine(async_creator=...)`; given here, it still receives the
    # URL's arguments (the path, SQLAlchemy's own connection factory).
    engine = create_async_engine(
        url, connect_args={"timeout": 15, "async_creator_fn": sqlite.connect}, hide_parameters=True
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets the webhook read while the sender writes; foreign keys make ON DELETE CASCADE real.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    return engine


class Database:
    """One engine and its session factory, opened at start-up and disposed at shutdown."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed when the block ends, rolled back on error."""
        async with self._sessions() as session, session.begin():
            yield session

    async def close(self) -> None:
        await self.engine.dispose()
