"""aiosqlite's connection for SQLAlchemy, minus the trips through its thread that do nothing useful.

aiosqlite runs each call on the connection's own thread and wakes the event loop when it returns: a "hop"
that costs the loop a tenth of a millisecond of CPU. Through SQLAlchemy a read took six of them (create
the cursor, execute, fetch the rows, close the cursor, COMMIT, the pool's ROLLBACK on return), and /start
reads twice. Here a statement takes one hop: the cursor is made, run, read to the end and closed on the
connection's thread in one call, as SQLAlchemy reads every row at once anyway (nothing in the bot streams
results; a streaming cursor would get its rows from the same buffer); and COMMIT or ROLLBACK go to the
thread only when SQLite says a transaction is open (a read opens none in sqlite3, which begins one before
a write: both were no-ops). Every SQLite call still runs on the connection's thread, never on the loop.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")
Row = Any  # what sqlite3 returns: tuples, or the row factory's objects that SQLAlchemy set up


class OneTripCursor:
    """The part of aiosqlite's cursor SQLAlchemy uses; each statement is one call on the thread."""

    arraysize = 1  # sqlite3's default, used by fetchmany() without a size

    def __init__(self, connection: SqliteConnection) -> None:
        self._connection = connection
        self._rows: deque[Row] = deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    def _run(self, statement: Callable[[sqlite3.Cursor], object]) -> list[Row]:
        """On the connection's thread: run, read every row, note what the cursor says, close it."""
        cursor = self._connection._conn.cursor()
        try:
            statement(cursor)
            rows = cursor.fetchall() if cursor.description else []
            self.description, self.rowcount, self.lastrowid = (
                cursor.description,
                cursor.rowcount,
                cursor.lastrowid,
            )
            return rows
        finally:
            cursor.close()

    async def execute(self, sql: str, parameters: Any = None) -> OneTripCursor:
        def statement(cursor: sqlite3.Cursor) -> object:
            return cursor.execute(sql, () if parameters is None else parameters)

        self._rows = deque(await self._connection.on_thread(partial(self._run, statement)))
        return self

    async def executemany(self, sql: str, parameters: Any) -> OneTripCursor:
        def statement(cursor: sqlite3.Cursor) -> object:
            return cursor.executemany(sql, parameters)

        self._rows = deque(await self._connection.on_thread(partial(self._run, statement)))
        return self

    async def fetchone(self) -> Row | None:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[Row]:
        count = min(self.arraysize if size is None else size, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> Sequence[Row]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        self._rows.clear()


class SqliteConnection(aiosqlite.Connection):
    async def on_thread(self, call: Callable[[], T]) -> T:
        """`call()` on the connection's thread, through aiosqlite's own queue."""
        result: T = await self._execute(call)  # type: ignore[no-untyped-call]  # untyped in aiosqlite
        return result

    def cursor(self) -> OneTripCursor:  # type: ignore[override]  # SQLAlchemy only enters it
        return OneTripCursor(self)

    async def commit(self) -> None:
        # `in_transaction` asks SQLite (sqlite3_get_autocommit); no statement is in flight on the
        # connection when SQLAlchemy ends its transaction.
        if self.in_transaction:
            await super().commit()

    async def rollback(self) -> None:
        if self.in_transaction:
            await super().rollback()


def connect(database: str, **kwargs: Any) -> SqliteConnection:
    """What `aiosqlite.connect` does, with the connection above (SQLAlchemy awaits it)."""
    connection = SqliteConnection(partial(sqlite3.connect, database, **kwargs), iter_chunk_size=64)
    # As SQLAlchemy does for aiosqlite's own connections: a worker thread never holds the process open.
    connection._thread.daemon = True
    return connection
