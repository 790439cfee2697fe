"""Anonymous counters: add to a row keyed by (what, territory, month) in one statement.

An upsert, not a read then a write, so that several instances counting at once never lose an answer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession


async def increment(
    session: AsyncSession, table: Table, *, keys: dict[str, Any], add: dict[str, int]
) -> None:
    """Add `add` to the counter columns of the row with `keys`, creating it when it is the first."""
    dialect = (await session.connection()).dialect.name
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    statement = insert(table).values(**keys, **add)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={column: table.c[column] + amount for column, amount in add.items()}
    )
    await session.exec(statement)
