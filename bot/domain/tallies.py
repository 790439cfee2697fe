"""Anonymous counts for the coordinators (resources opened, myth cards answered), written in the background.

A count never changes the answer a person waits for, so it must never delay or break it. Counted inline, each
resource opened or card answered was a write: with another process holding the database's write lock, the
person got the apology instead of the resource. Here a handler only adds to a count in memory; the writer
(bot/domain/writer.py) adds what was counted to the table's rows, each row's total in one race-safe upsert
(bot/domain/counters.py), many rows per statement, and when the lock is held it is the writer that waits and
retries, never a reply. A crash loses the counts of the last few seconds at most (those noted since the last
write, written as soon as the database answers); the bot flushes the rest when it stops.

Counts that must agree with a row's state (a contact request's steps, a person's joining) are not here: they
are written in that row's own transaction.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Table

from bot.db import Database
from bot.domain.counters import increment_rows
from bot.domain.writer import BackgroundWriter

# A counter row: its table and its key columns' values, in order.
_Row = tuple[Table, tuple[tuple[str, str], ...]]


class Tallies(BackgroundWriter):
    """Counts added by updates, waiting to be added to their rows."""

    what = "counts"

    def __init__(self) -> None:
        super().__init__()
        self._pending: dict[_Row, dict[str, int]] = {}

    @property
    def pending(self) -> int:
        """Rows with something to add."""
        return len(self._pending)

    def add(self, table: Table, *, keys: dict[str, str], add: dict[str, int]) -> None:
        """Add `add` to the counter columns of the row with `keys` (the table's unique key), soon."""
        self._merge((table, tuple(keys.items())), add)
        self._noted()

    def _merge(self, row: _Row, add: dict[str, int]) -> None:
        amounts = self._pending.setdefault(row, {})
        for column, amount in add.items():
            amounts[column] = amounts.get(column, 0) + amount

    async def _write(self, database: Database) -> int:
        taken, self._pending = self._pending, {}
        if not taken:
            return 0
        by_table: dict[Table, dict[tuple[tuple[str, str], ...], dict[str, int]]] = defaultdict(dict)
        for (table, keys), amounts in taken.items():
            by_table[table][keys] = amounts
        try:
            async with database.session() as session:
                # Tables and rows in one order, so that two instances writing at once on PostgreSQL take
                # the rows' locks in the same order and never deadlock.
                for table in sorted(by_table, key=lambda table: table.name):
                    rows = by_table[table]
                    counters = sorted({column for amounts in rows.values() for column in amounts})
                    values: list[dict[str, Any]] = [
                        {**dict(keys), **{column: rows[keys].get(column, 0) for column in counters}}
                        for keys in sorted(rows)
                    ]
                    key_columns = [name for name, _ in next(iter(rows))]
                    await increment_rows(session, table, keys=key_columns, rows=values)
        except BaseException:
            for row, amounts in taken.items():  # counted again meanwhile: both add up
                self._merge(row, amounts)
            raise
        return len(taken)
