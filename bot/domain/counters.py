"""Anonymous counters: add to a row keyed by (what, territory, month) in one statement.

An upsert, not a read then a write, so that several instances counting at once never lose an answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import dialect_insert

# Rows per statement: a few columns each, well under SQLite's limit on bound variables.
_CHUNK = 100


async def increment(
    session: AsyncSession, table: Table, *, keys: dict[str, Any], add: dict[str, int]
) -> None:
    """Add `add` to the counter columns of the row with `keys`, creating it when it is the first."""
    await increment_rows(session, table, keys=list(keys), rows=[{**keys, **add}])


async def increment_rows(
    session: AsyncSession, table: Table, *, keys: Sequence[str], rows: Sequence[dict[str, Any]]
) -> None:
    """For each row, add its other columns to the counters of the stored row with the same `keys` values,
    creating it when it is the first. Every row has the same columns, and no two the same keys (PostgreSQL
    refuses to update one row twice in a statement)."""
    if not rows:
        return
    insert = await dialect_insert(session)
    counters = [column for column in rows[0] if column not in keys]
    for start in range(0, len(rows), _CHUNK):
        statement = insert(table).values(list(rows[start : start + _CHUNK]))
        statement = statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={column: table.c[column] + statement.excluded[column] for column in counters},
        )
        await session.exec(statement)
