"""Requests to be contacted by a local professional, from open to taken to closed.

A ticket carries only a territory, a topic and its number. What the two sides write is relayed, never
stored. Taking a ticket is one conditional UPDATE, so two referents pressing at once cannot both get it.
Each step also adds to the anonymous counts of the coordinators' indicators (bot/domain/indicators/record.py),
in the same transaction and only when the step happened, since requests are deleted a while after closing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import col, delete, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.indicators import record
from bot.models import Ticket, TicketStatus, as_utc

# After this many reminders nobody answered, the request closes and the person is sent to the helplines.
MAX_REMINDERS = 3
# One new request a day per person keeps the referents' chat usable; the helplines answer meanwhile.
REQUEST_INTERVAL = timedelta(hours=24)


class Asked(StrEnum):
    OPENED = "opened"
    ALREADY_OPEN = "already_open"  # one request at a time: `ticket` is the one in progress
    TOO_SOON = "too_soon"  # a request was made less than REQUEST_INTERVAL ago


@dataclass(frozen=True)
class Request:
    outcome: Asked
    ticket: Ticket | None  # the new request, or the one in progress


async def ask(session: AsyncSession, *, person_id: int, territory: str, topic: str, now: datetime) -> Request:
    """Open a request unless the person has one in progress or asked less than a day ago."""
    current = await current_for_person(session, person_id=person_id)
    if current is not None:
        return Request(Asked.ALREADY_OPEN, current)
    if await asked_since(session, person_id=person_id, since=now - REQUEST_INTERVAL):
        return Request(Asked.TOO_SOON, None)
    ticket = await open_ticket(session, person_id=person_id, territory=territory, topic=topic, now=now)
    return Request(Asked.OPENED, ticket)


def unanswered(ticket: Ticket) -> bool:
    """A request reminded MAX_REMINDERS times without anyone taking it: it closes."""
    return ticket.reminders >= MAX_REMINDERS


async def open_ticket(
    session: AsyncSession, *, person_id: int, territory: str, topic: str, now: datetime
) -> Ticket:
    ticket = Ticket(
        person_id=person_id, territory=territory, topic=topic, status=TicketStatus.OPEN, created_at=now
    )
    session.add(ticket)
    await session.flush()
    await record.request_event(session, topic=topic, territory=territory, at=now, opened=1)
    return ticket


async def get_ticket(session: AsyncSession, *, ticket_id: int) -> Ticket | None:
    return await session.get(Ticket, ticket_id)


async def set_announcement(session: AsyncSession, *, ticket_id: int, message_id: int) -> None:
    ticket = await session.get(Ticket, ticket_id)
    if ticket is not None:
        ticket.referents_message_id = message_id
        session.add(ticket)


async def current_for_person(session: AsyncSession, *, person_id: int) -> Ticket | None:
    """The person's request that is not closed yet, if any (one at a time)."""
    query = select(Ticket).where(
        Ticket.person_id == person_id, col(Ticket.status).in_((TicketStatus.OPEN, TicketStatus.TAKEN))
    )
    return (await session.exec(query)).first()


async def asked_since(session: AsyncSession, *, person_id: int, since: datetime) -> bool:
    """Whether the person opened a request since `since` (one a day keeps the referents' chat usable)."""
    query = select(Ticket.id).where(Ticket.person_id == person_id, col(Ticket.created_at) >= since)
    return (await session.exec(query)).first() is not None


async def current_for_referent(session: AsyncSession, *, referent_id: int) -> Ticket | None:
    """The conversation a referent is holding, if any (one at a time)."""
    query = select(Ticket).where(Ticket.referent_id == referent_id, Ticket.status == TicketStatus.TAKEN)
    return (await session.exec(query)).first()


async def take(session: AsyncSession, *, ticket_id: int, referent_id: int, now: datetime) -> Ticket | None:
    """Give the ticket to this referent if it is still open; None when someone else was quicker."""
    statement = (
        update(Ticket)
        .where(col(Ticket.id) == ticket_id, col(Ticket.status) == TicketStatus.OPEN)
        .values(status=TicketStatus.TAKEN, referent_id=referent_id, taken_at=now)
    )
    result = await session.exec(statement)
    if result.rowcount != 1:
        return None
    ticket = await session.get(Ticket, ticket_id)
    if ticket is not None:
        await session.refresh(ticket)
        await record.request_event(session, topic=ticket.topic, territory=ticket.territory, at=now, taken=1)
    return ticket


async def release(session: AsyncSession, *, ticket_id: int) -> None:
    """Back to open, when the referent could not be reached privately (the take is counted back)."""
    ticket = await session.get(Ticket, ticket_id)
    taken_at = ticket.taken_at if ticket else None
    statement = (
        update(Ticket)
        .where(col(Ticket.id) == ticket_id, col(Ticket.status) == TicketStatus.TAKEN)
        .values(status=TicketStatus.OPEN, referent_id=None, taken_at=None)
    )
    if (await session.exec(statement)).rowcount == 1 and ticket is not None and taken_at is not None:
        at = as_utc(taken_at)
        await record.request_event(session, topic=ticket.topic, territory=ticket.territory, at=at, taken=-1)


async def mark_answered(session: AsyncSession, *, ticket_id: int, referent_id: int, now: datetime) -> bool:
    """Record the referent's first relayed message; whether this one was the first.

    One conditional UPDATE: of two first messages at once, one counts the request as answered, with the
    wait since it was opened."""
    statement = (
        update(Ticket)
        .where(
            col(Ticket.id) == ticket_id,
            col(Ticket.referent_id) == referent_id,
            col(Ticket.status) == TicketStatus.TAKEN,
            col(Ticket.answered_at).is_(None),
        )
        .values(answered_at=now)
    )
    if (await session.exec(statement)).rowcount != 1:
        return False
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None:
        return False
    waited = max(0, round((now - as_utc(ticket.created_at)).total_seconds()))
    await record.request_event(
        session, topic=ticket.topic, territory=ticket.territory, at=now, answered=1, answer_seconds=waited
    )
    return True


async def close(
    session: AsyncSession, *, ticket_id: int, now: datetime, only_if_open: bool = False
) -> Ticket | None:
    """Close the ticket and return it as it was (with its referent); None when it was closed already.

    One conditional UPDATE, so when both sides end at once only one of them closes it. The referent's id
    is cleared: it was needed only to relay. `only_if_open` closes a request nobody has taken yet, and
    nothing else: a withdrawal racing a referent's take must not end the conversation unasked.
    """
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None:
        return None
    before = Ticket.model_validate(ticket.model_dump())
    condition = (
        col(Ticket.status) == TicketStatus.OPEN if only_if_open else col(Ticket.status) != TicketStatus.CLOSED
    )
    statement = (
        update(Ticket)
        .where(col(Ticket.id) == ticket_id, condition)
        .values(status=TicketStatus.CLOSED, closed_at=now, referent_id=None)
    )
    if (await session.exec(statement)).rowcount != 1:
        return None
    await session.refresh(ticket)
    await record.request_event(session, topic=before.topic, territory=before.territory, at=now, closed=1)
    return before


async def due_reminders(session: AsyncSession, *, now: datetime, after: timedelta) -> list[Ticket]:
    """Open tickets nobody took, whose last announcement or reminder is older than `after`."""
    cutoff = now - after
    query = select(Ticket).where(
        Ticket.status == TicketStatus.OPEN,
        col(Ticket.created_at) <= cutoff,
        or_(col(Ticket.reminded_at).is_(None), col(Ticket.reminded_at) <= cutoff),
    )
    return list((await session.exec(query)).all())


async def mark_reminded(session: AsyncSession, *, ticket: Ticket, now: datetime) -> None:
    ticket.reminded_at = now
    ticket.reminders += 1
    session.add(ticket)


async def purge_closed(session: AsyncSession, *, closed_before: datetime) -> int:
    """Delete tickets closed before `closed_before`; how many went."""
    statement = delete(Ticket).where(
        col(Ticket.status) == TicketStatus.CLOSED, col(Ticket.closed_at) < closed_before
    )
    result = await session.exec(statement)
    return int(result.rowcount)
