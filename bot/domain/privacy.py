"""The person's rights: see everything stored about them, delete it all, and retention.

Tables are found through their `person_id` column, so a table added later is exported and forgotten
without anyone having to remember to add it here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, select
from sqlmodel import SQLModel
from sqlmodel import select as model_select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.people import get_person
from bot.models import PERSON_COLUMN, Person


def person_tables() -> list[Table]:
    """Every table that holds rows about a person, children first (the order deletes need)."""
    return [table for table in reversed(SQLModel.metadata.sorted_tables) if PERSON_COLUMN in table.columns]


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


async def export_person(session: AsyncSession, *, chat_id: int) -> dict[str, Any] | None:
    """Everything stored about the person, table by table; None when nothing is."""
    person = await get_person(session, chat_id=chat_id)
    if person is None:
        return None
    exported: dict[str, Any] = {
        Person.__tablename__: {key: _jsonable(value) for key, value in person.model_dump().items()}
    }
    for table in person_tables():
        query = select(table).where(table.c[PERSON_COLUMN] == person.id)
        rows = (await session.exec(query)).mappings()  # type: ignore[call-overload]
        exported[table.name] = [{key: _jsonable(value) for key, value in row.items()} for row in rows]
    return exported


async def forget_person(session: AsyncSession, *, chat_id: int) -> bool:
    """Delete every row about the person; False when there was nothing to delete."""
    person = await get_person(session, chat_id=chat_id)
    if person is None:
        return False
    await _delete(session, [person.id] if person.id is not None else [])
    return True


async def purge_inactive(session: AsyncSession, *, last_active_before: date) -> int:
    """Delete the people who have not used the bot since `last_active_before`; how many were deleted."""
    query = model_select(Person.id).where(Person.last_active_on < last_active_before)
    ids = [person_id for person_id in (await session.exec(query)).all() if person_id is not None]
    await _delete(session, ids)
    return len(ids)


async def _delete(session: AsyncSession, person_ids: list[int]) -> None:
    if not person_ids:
        return
    for table in person_tables():
        await session.exec(delete(table).where(table.c[PERSON_COLUMN].in_(person_ids)))
    await session.exec(delete(Person).where(Person.id.in_(person_ids)))  # type: ignore[union-attr]
