"""The async engine and sessions: SQLite (WAL) by default, PostgreSQL through DATABASE_URL.

Everything goes through SQLAlchemy's async engine so that no query blocks the event loop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import ExceptionContext, make_url
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

    @event.listens_for(engine.sync_engine, "handle_error")
    def _discard_read_only(context: ExceptionContext) -> None:
        # A connection opened while the file was read-only stays read-only after the file is writable
        # again (SQLite opened it O_RDONLY), and one whose file was replaced refuses writes for good
        # (SQLITE_READONLY_DBMOVED); one whose writes the kernel refused may be left half-way. Treated as
        # a lost connection, it and the pool's other connections are discarded: the next ones open the
        # file as it is now, so the bot recovers without a restart.
        if _unwritable(context.original_exception):
            context.is_disconnect = True

    return engine


READ_ONLY = "read-only"


def is_read_only(error: BaseException | None) -> bool:
    """SQLite's SQLITE_READONLY and its extended codes (a read-only file, a moved file, no journal)."""
    return _primary_code(error) == sqlite3.SQLITE_READONLY


def _primary_code(error: BaseException | None) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(error, sqlite3.Error) and isinstance(code, int) else None


def _unwritable(error: BaseException | None) -> bool:
    """A file that stopped taking writes: read-only for connections opened since, and for those open
    before, an I/O error (the kernel refuses their writes: a read-only remount, an immutable file)."""
    return _primary_code(error) in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR)


async def write_problem(engine: AsyncEngine) -> str | None:
    """None when the database takes writes, else why not, in a few words.

    SQLite: a row written again in a transaction that is rolled back, so nothing changes; a read-only
    file refuses it (`BEGIN IMMEDIATE` alone does not: in WAL mode it only locks, in the -shm file).
    PostgreSQL: a read-only server (a standby, or default_transaction_read_only) says so in
    `transaction_read_only`.
    """
    try:
        async with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                await connection.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    await connection.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")
                finally:
                    await connection.rollback()
            elif await connection.scalar(text("SHOW transaction_read_only")) == "on":
                return READ_ONLY
    except Exception as error:  # every driver's error means the same: no writes
        original = getattr(error, "orig", None) or error
        if is_read_only(original):
            return READ_ONLY
        if _primary_code(original) == sqlite3.SQLITE_IOERR:
            return "write error"
        if _primary_code(original) == sqlite3.SQLITE_BUSY:
            return "locked"  # another writer holds the lock longer than busy_timeout
        return type(original).__name__
    return None


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
