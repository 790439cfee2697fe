"""When to send a review question (about 3 and 10 days after passing a module) or a single nudge (a module
left unfinished for 3 days), and never in quiet hours in the person's own time zone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Person, Progress, as_utc

REVIEWS_AFTER = (timedelta(days=3), timedelta(days=10))
NUDGE_AFTER = timedelta(days=3)
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)


def quiet(now: datetime, zone: str) -> bool:
    """Whether `now` falls in quiet hours (21:00-08:00) in `zone`."""
    local = now.astimezone(ZoneInfo(zone)).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


@dataclass(frozen=True)
class Due:
    person: Person
    progress: Progress
    review: bool  # True: a review question; False: a nudge to finish


async def due_reminders(
    session: AsyncSession, *, now: datetime, zone_of: Callable[[Person], str]
) -> list[Due]:
    """Reviews and nudges due now, for people who keep reminders (and messages) on, outside quiet hours."""
    query = (
        select(Progress, Person)
        .join(Person, col(Person.id) == col(Progress.person_id))
        .where(col(Person.training_reminders).is_(True), col(Person.messages_enabled).is_(True))
        .where(
            (col(Progress.passed_at).is_not(None) & (col(Progress.reviews_sent) < len(REVIEWS_AFTER)))
            | (col(Progress.passed_at).is_(None) & col(Progress.nudged).is_(False))
        )
    )
    due = []
    for progress, person in (await session.exec(query)).all():
        if quiet(now, zone_of(person)):
            continue
        if progress.passed_at is not None:
            step = progress.reviews_sent
            if step < len(REVIEWS_AFTER) and now >= as_utc(progress.passed_at) + REVIEWS_AFTER[step]:
                due.append(Due(person, progress, review=True))
        elif not progress.nudged and now >= as_utc(progress.updated_at) + NUDGE_AFTER:
            due.append(Due(person, progress, review=False))
    return due


async def mark_sent(session: AsyncSession, *, due: Due) -> None:
    progress = await session.get(Progress, due.progress.id)
    if progress is None:
        return
    if due.review:
        progress.reviews_sent += 1
    else:
        progress.nudged = True
    session.add(progress)
