"""The person's rights: see everything stored about them, delete it all, and retention.

Tables are found through their `person_id` column, so a table added later is exported and forgotten
without anyone having to remember to add it here. The conversation in progress is keyed by chat (a
coordinator or a referent may have no person row), so it is exported and forgotten by chat id.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, select
from sqlmodel import SQLModel, col
from sqlmodel import select as select_ids  # sqlmodel's: scalar ids, typed
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import consultation_ideas as ideas
from bot.domain.people import get_person
from bot.models import PERSON_COLUMN, PRIVATE, Conversation, Person


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
        shown = [column.name for column in table.columns if not column.info.get(PRIVATE)]
        exported[table.name] = [{key: _jsonable(row[key]) for key in shown} for row in rows]
    conversation = await session.get(Conversation, chat_id)
    exported[Conversation.__tablename__] = (
        [{key: _jsonable(value) for key, value in conversation.model_dump().items()}] if conversation else []
    )
    return exported


async def forget_person(session: AsyncSession, *, chat_id: int, pepper: bytes = b"") -> bool:
    """Delete every row about the person; False when there was nothing to delete. `pepper`: the idea
    guards' (Services.idea_pepper), to find this person's."""
    await session.exec(delete(Conversation).where(col(Conversation.chat_id) == chat_id))
    return await _delete(session, col(Person.chat_id) == chat_id, pepper) > 0


async def purge_inactive(session: AsyncSession, *, last_active_before: date, pepper: bytes = b"") -> int:
    """Delete the people who have not used the bot since `last_active_before`; how many were deleted."""
    return await _delete(session, col(Person.last_active_on) < last_active_before, pepper)


async def _delete(session: AsyncSession, which: ColumnElement[bool], pepper: bytes) -> int:
    """Delete the people matching `which` and every row about them, through a subquery rather than a
    list of ids, so that any number of people fits in one statement per table."""
    ids = select(col(Person.id)).where(which).scalar_subquery()
    # Idea-box guards name no one: found by their HMAC of each person's id.
    found = (await session.exec(select_ids(Person.id).where(which))).all()
    person_ids = [person_id for person_id in found if person_id is not None]
    await ideas.forget_guards(session, person_ids=person_ids, pepper=pepper)
    chats = select(col(Person.chat_id)).where(which).scalar_subquery()
    await session.exec(delete(Conversation).where(col(Conversation.chat_id).in_(chats)))
    for table in person_tables():
        await session.exec(delete(table).where(table.c[PERSON_COLUMN].in_(ids)))
    result = await session.exec(delete(Person).where(which))
    return int(result.rowcount)
