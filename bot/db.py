"""The async engine and sessions: SQLite (WAL) by default, PostgreSQL through DATABASE_URL.

Everything goes through SQLAlchemy's async engine so that no query blocks the event loop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.dialects.postgresql import Insert as PostgresqlInsert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import sqlite
from bot.errors import ConfigError

# Waits for a lock held by another connection end after this long (DATABASE_TIMEOUT), with an error the
# error handler answers with the apology: a held lock delays the updates that need it, never hangs them.
DEFAULT_TIMEOUT = 5.0
# Connections beyond the updates handled at once: the sender, the clock's jobs, the last-use writer.
_BACKGROUND_CONNECTIONS = 8


def create_engine(url: str, *, timeout: float = DEFAULT_TIMEOUT, connections: int = 64) -> AsyncEngine:
    """An engine for the URL; for SQLite, create the folder and turn on WAL and foreign keys.

    `hide_parameters` keeps query values (chat ids) out of error messages, and so out of the logs.
    `timeout` bounds every wait for a lock (SQLite's busy timeout, PostgreSQL's lock_timeout and
    statement_timeout, set on each connection) and for a connection from the pool.
    """
    parsed = make_url(url)
    milliseconds = str(max(1, round(timeout * 1000)))
    if parsed.get_backend_name() != "sqlite":
        # On every server session of the pool: a row or table lock held elsewhere fails the statement after
        # `timeout` (LockNotAvailable), a statement running longer is cancelled (QueryCanceled).
        timeouts = {"lock_timeout": milliseconds, "statement_timeout": milliseconds}
        return create_async_engine(
            url,
            pool_pre_ping=True,
            hide_parameters=True,
            pool_timeout=timeout,
            connect_args={"server_settings": timeouts},
        )
    pool: dict[str, Any] = {}
    if parsed.database and parsed.database != ":memory:":  # in memory: one connection (a StaticPool)
        folder = Path(parsed.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:  # a file in the way, a read-only disk, no permission: all the operator's
            raise ConfigError(
                f"DATABASE_URL: cannot create the folder {folder} ({type(error).__name__})."
            ) from None
        pool = {"pool_size": connections, "max_overflow": _BACKGROUND_CONNECTIONS, "pool_timeout": timeout}
    # aiosqlite's connection with fewer trips through its thread (bot/sqlite.py). `async_creator_fn` is the
    # dialect's hook behind `create_async_engine(async_creator=...)`; given here, it still receives the
    # URL's arguments (the path, SQLAlchemy's own connection factory).
    # A connection waiting for the write lock is held all along; with a pool smaller than the updates handled
    # at once, updates that only read queued behind blocked writers for a connection. So the pool has room
    # for every update at once (connections are opened only when needed, each a thread of aiosqlite).
    engine = create_async_engine(
        url,
        connect_args={"timeout": timeout, "async_creator_fn": sqlite.connect},
        hide_parameters=True,
        **pool,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets the webhook read while the sender writes; foreign keys make ON DELETE CASCADE real.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={milliseconds}")
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


def stopped_writing(error: BaseException | None) -> bool:
    """A handler's error that says the file stopped taking writes, wherever the driver's error sits in the
    chain SQLAlchemy wraps it in (the adapted error, then sqlite3's)."""
    seen = 0
    while error is not None and seen < 4:
        if _unwritable(error):
            return True
        error = getattr(error, "orig", None) or error.__cause__
        seen += 1
    return False


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

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT, connections: int = 64) -> None:
        self.url = url
        self.timeout = timeout
        self.engine = create_engine(url, timeout=timeout, connections=connections)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed when the block ends, rolled back on error."""
        async with self._sessions() as session, session.begin():
            yield session

    async def close(self) -> None:
        await self.engine.dispose()


# SQLite: the lock stayed taken for the whole busy timeout (SQLITE_BUSY) or within this process (LOCKED).
_SQLITE_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
# PostgreSQL: lock_timeout (lock_not_available) and statement_timeout (query_canceled).
_POSTGRES_TIMEOUTS = {"55P03", "57014"}


def gave_up_waiting(error: BaseException | None) -> bool:
    """Whether a database call failed for waiting too long: for a lock, its statement or a connection."""
    if isinstance(error, exc.TimeoutError):  # no connection free in the pool within the timeout
        return True
    if not isinstance(error, exc.DBAPIError):
        return False
    orig = error.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if (
        isinstance(code, int) and code & 0xFF in _SQLITE_BUSY
    ):  # extended codes keep the primary in the low byte
        return True
    return getattr(orig, "sqlstate", None) in _POSTGRES_TIMEOUTS or getattr(orig, "pgcode", None) in (
        _POSTGRES_TIMEOUTS
    )


async def dialect_insert(session: AsyncSession) -> Callable[[Any], SqliteInsert | PostgresqlInsert]:
    """The INSERT of the session's database, with its ON CONFLICT clauses: the two databases the bot runs on
    spell "insert, or leave (or add to) the row already there" the same way, but through their own dialect."""
    dialect = (await session.connection()).dialect.name
    return sqlite_insert if dialect == "sqlite" else postgresql_insert
