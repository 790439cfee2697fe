"""Lock a row until the transaction ends, on both databases, before reading it to change it.

PostgreSQL has `SELECT ... FOR UPDATE`. SQLite ignores it, and its driver only opens a transaction at the
first write, so a read-then-write there is two steps another connection can slip between (two
coordinators both approving the same campaign). Writing the row to itself first opens the transaction
and takes SQLite's single write lock: whoever comes second waits (busy_timeout), then reads what the
first one committed.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import update
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

Row = TypeVar("Row", bound=SQLModel)


async def locked(session: AsyncSession, model: type[Row], row_id: Any) -> Row | None:
    """The row, freshly read and locked for the rest of the transaction; None when it does not exist."""
    if (await session.connection()).dialect.name == "sqlite":
        key = model.id  # type: ignore[attr-defined]
        statement = update(model).where(key == row_id).values(id=key)
        await session.exec(statement.execution_options(synchronize_session=False))
    return await session.get(model, row_id, with_for_update=True, populate_existing=True)
