"""Holding the database's write lock from another connection, as another process would, on both backends.

SQLite: a connection of its own in `BEGIN IMMEDIATE` (the write lock; WAL readers still read). PostgreSQL:
`LOCK TABLE ... IN ACCESS EXCLUSIVE MODE` in a session of its own, on the tables the sender and the clock
need. The bot's own connections then wait: SQLite's busy timeout, and on PostgreSQL the `lock_timeout`
that `short_lock_timeout` gives the test's database, so that both backends fail and retry the same way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiosqlite
import asyncpg
from sqlalchemy.engine import make_url

LOCKED_TABLES = "campaign, campaign_run, outbox"


def _dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def write_lock(database_url: str) -> AsyncIterator[None]:
    """The database's write lock, held by another connection for the block."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        holder = await aiosqlite.connect(url.database, isolation_level=None)
        try:
            await holder.execute("BEGIN IMMEDIATE")
            yield
            await holder.execute("ROLLBACK")
        finally:
            await holder.close()
        return
    connection = await asyncpg.connect(_dsn(database_url))
    try:
        await connection.execute("SET lock_timeout = 0")  # this session waits as long as it must
        while True:
            transaction = connection.transaction()
            await transaction.start()
            try:
                # One table after another: a sender's transaction holding one and waiting for another can
                # make PostgreSQL pick this session as a deadlock's victim; then it tries again.
                await connection.execute(f"LOCK TABLE {LOCKED_TABLES} IN ACCESS EXCLUSIVE MODE")
                break
            except asyncpg.DeadlockDetectedError:
                await transaction.rollback()
        yield
        await transaction.rollback()
    finally:
        await connection.close()


async def short_lock_timeout(database_url: str) -> None:
    """PostgreSQL: the database's sessions give up waiting for a lock after a second, as SQLite's busy
    timeout does after fifteen (new sessions only: call it before the bot connects)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return
    connection = await asyncpg.connect(_dsn(database_url))
    try:
        await connection.execute(f"ALTER DATABASE \"{url.database}\" SET lock_timeout = '1s'")
    finally:
        await connection.close()
