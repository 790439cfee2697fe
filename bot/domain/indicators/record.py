"""Counting the events the indicators need and the bot does not otherwise keep, where they happen.

Each count adds to a row keyed by item, territory and month: a count, never a person. Months are UTC months,
like every other counter's. A resource opened is counted in memory and written in the background
(bot/domain/tallies.py), never on the way to the resource; a request's steps are written in the ticket's own
transaction, one race-safe upsert each (bot/domain/counters.py), so that they agree with the ticket.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.counters import increment
from bot.domain.tallies import Tallies
from bot.models import RequestCount, ResourceCount

NO_TERRITORY = "none"  # someone who opened a shared link before choosing a territory


def month_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


def resource_opened(tallies: Tallies, *, resource: str, territory: str | None, now: datetime) -> None:
    table = ResourceCount.__table__  # type: ignore[attr-defined]
    keys = {"resource": resource, "territory": territory or NO_TERRITORY, "month": month_of(now)}
    tallies.add(table, keys=keys, add={"opened": 1})


async def request_event(
    session: AsyncSession,
    *,
    topic: str,
    territory: str,
    at: datetime,
    opened: int = 0,
    taken: int = 0,
    answered: int = 0,
    closed: int = 0,
    answer_seconds: int = 0,
) -> None:
    """Count a request's step in the month `at` falls in (a take undone counts -1 in its own month)."""
    table = RequestCount.__table__  # type: ignore[attr-defined]
    keys = {"topic": topic, "territory": territory or NO_TERRITORY, "month": month_of(at)}
    add = {
        "opened": opened,
        "taken": taken,
        "answered": answered,
        "closed": closed,
        "answer_seconds": answer_seconds,
    }
    await increment(session, table, keys=keys, add=add)
