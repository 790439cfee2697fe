"""Series from the content files: welcome drips counted from enrolment, and weekly series.

A weekly series (the card of the week) becomes a campaign owned by the bot itself, so coordinators see,
pause and resume it like any other, and it shares the schedule, the reports and the missed-run rules.
A drip step becomes an outbox row when it falls due; the row's unique (person, series, step) key means a
step is never queued twice, whatever the timing of the job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, literal
from sqlalchemy import select as select_columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.sqltypes import UTCDateTime

from bot.content.pack import ContentPack, Drip, WeeklySeries
from bot.db import dialect_insert
from bot.domain.campaigns import Zones, plan
from bot.domain.coordinators import SYSTEM, audit
from bot.models import Campaign, CampaignStatus, Outbox, OutboxStatus, Person
from bot.schedule import WEEKLY, parse_clock, wall_clock

DRIP_TIME = "18:00"  # a drip step goes out at this local time on its day (or at once if that has passed)
LATE = timedelta(days=2)  # a step more than this late (the bot was down, the series was added) is skipped
RESOLUTION = timedelta(microseconds=1)  # of stored times: turns "<= now" into "< now + RESOLUTION"


def drip_item(content: ContentPack, sequence: str, day: int) -> str | None:
    """The item of a drip's step. Steps are known by their day, so inserting a step into a series that
    already went out does not shift the ones after it."""
    for drip in content.drips:
        if drip.id == sequence:
            return next((step.item for step in drip.steps if step.day == day), None)
    return None


async def ensure_series(session: AsyncSession, content: ContentPack, *, now: datetime, zones: Zones) -> None:
    """Make the weekly series' campaigns match the content files (added, changed, or removed)."""
    existing = {
        c.sequence: c
        for c in (await session.exec(select(Campaign).where(col(Campaign.sequence).is_not(None)))).all()
    }
    for series in content.weekly:
        campaign = existing.pop(series.id, None)
        if campaign is None:
            campaign = Campaign(
                title=series.id,
                created_by=SYSTEM,
                created_at=now,
                status=CampaignStatus.APPROVED,
                sequence=series.id,
            )
            campaign.approved_by, campaign.approved_at = SYSTEM, now
            _apply(campaign, series)
            campaign.next_run_at = plan(campaign, now=now, zones=zones, after=now)
            session.add(campaign)
            await session.flush()
            await audit(
                session, actor=SYSTEM, action="series", now=now, campaign_id=campaign.id, detail=series.id
            )
        elif _apply(campaign, series) and campaign.status == CampaignStatus.APPROVED:
            campaign.next_run_at = plan(campaign, now=now, zones=zones, after=now)
            session.add(campaign)
    for campaign in existing.values():
        if campaign.status != CampaignStatus.CANCELLED:
            campaign.status, campaign.next_run_at = CampaignStatus.CANCELLED, None
            session.add(campaign)


def _apply(campaign: Campaign, series: WeeklySeries) -> bool:
    """Copy the series' definition; True when something changed."""
    wanted = {
        "schedule": WEEKLY,
        "weekday": series.weekday,
        "time_of_day": series.time,
        "local_time": True,
        "audience": {"topics": [series.topic]},
        "messages": {"items": list(series.items)},
    }
    changed = any(getattr(campaign, key) != value for key, value in wanted.items())
    for key, value in wanted.items():
        setattr(campaign, key, value)
    return changed


@dataclass(frozen=True)
class DueWindow:
    """Who has a drip step due now in one zone: the people who enrolled in [start, end), and when each
    one's message may leave. `days` are the local enrolment days in the window, with the first instant of
    each and that day's 18:00 on the step's day (a day-0 step goes at enrolment when that is later)."""

    start: datetime
    end: datetime
    days: tuple[tuple[datetime, datetime], ...]  # (first instant of the local enrolment day, its moment)


def due_window(day: int, zone: str, *, now: datetime) -> DueWindow | None:
    """The enrolments whose step `day` is due at `now` in `zone`: due <= now < due + LATE, where due is
    max(enrolment, DRIP_TIME on the local enrolment day + `day`). None when nobody's can be.

    Computed here for a handful of local days rather than in SQL for every person, so that the database
    only compares `consented_at` with two bounds, the same way on SQLite and PostgreSQL.
    """
    moment = parse_clock(DRIP_TIME)
    assert moment is not None
    today = now.astimezone(ZoneInfo(zone)).date()
    late_bound = now - LATE + RESOLUTION  # joined > now - LATE, on stored microseconds
    start: datetime | None = None
    end: datetime | None = None
    days: list[tuple[datetime, datetime]] = []
    # Enrolment days from before LATE (plus a day for the zone's offset) to the one whose step is today.
    first = today - timedelta(days=day) - timedelta(days=LATE.days + 2)
    for offset in range((today - timedelta(days=day) - first).days + 1):
        local_day = first + timedelta(days=offset)
        due = wall_clock(local_day + timedelta(days=day), moment, zone)
        if due > now:
            continue
        lower = wall_clock(local_day, time(0), zone)
        upper = min(wall_clock(local_day + timedelta(days=1), time(0), zone), now + RESOLUTION)
        if due <= now - LATE:  # too late for the day's 18:00: only enrolments after it can still go
            lower = max(lower, late_bound)
        if lower >= upper:
            continue
        start = lower if start is None else min(start, lower)
        end = upper if end is None else max(end, upper)
        days.append((lower, due))
    if start is None or end is None:
        return None
    return DueWindow(start=start, end=end, days=tuple(days))


async def enqueue_drips(
    session: AsyncSession, drips: tuple[Drip, ...], *, now: datetime, zones: Zones
) -> int:
    """Queue the drip steps that fell due; how many were queued.

    One INSERT ... SELECT per step and zone, over the people who enrolled in that step's window only: no
    person is loaded here, so a tick costs a few statements whatever the number of people (bench/).
    The unique (person, series, step) key decides: a step queued by another tick, or another instance
    at the same moment, is left alone (ON CONFLICT DO NOTHING), never queued twice.
    """
    insert = await dialect_insert(session)
    table = Outbox.__table__  # type: ignore[attr-defined]
    groups: dict[str, list[str]] = {zones.default: []}
    for territory, zone in zones.by_territory.items():
        groups.setdefault(zone, []).append(territory)
    known = list(zones.by_territory)
    queued = 0
    for drip in drips:
        for step in drip.steps:
            for zone, territories in groups.items():
                window = due_window(step.day, zone, now=now)
                if window is None:
                    continue
                where_zone: ColumnElement[bool] = col(Person.territory).in_(territories)
                if zone == zones.default:  # and everyone whose territory the content does not know
                    where_zone = where_zone | col(Person.territory).not_in(known)
                where = [
                    col(Person.consented_at) >= window.start,
                    col(Person.consented_at) < window.end,
                    col(Person.messages_enabled).is_(True),
                    col(Person.unreachable).is_(False),
                    where_zone,
                ]
                if drip.roles:
                    where.append(col(Person.role).in_(drip.roles))
                chosen = select_columns(
                    col(Person.id),
                    literal(drip.id),
                    literal(step.day),
                    literal(OutboxStatus.PENDING.value),
                    literal(False),
                    _moment(window),
                    literal(0),
                ).where(*where)
                # No NOT EXISTS on the outbox: the unique key is checked row by row anyway, and on PostgreSQL
                # a fresh, unanalysed outbox made the planner scan the table once per person (measured:
                # minutes for 100,000 people).
                statement = (
                    insert(table)
                    .from_select(
                        ["person_id", "sequence", "step", "status", "held", "not_before", "attempts"], chosen
                    )
                    .on_conflict_do_nothing(index_elements=["person_id", "sequence", "step"])
                )
                result = await session.exec(statement)
                queued += max(0, int(result.rowcount or 0))
    return queued


def _moment(window: DueWindow) -> ColumnElement[datetime]:
    """When a person's step may leave: their enrolment day's moment, or their enrolment if that is later."""
    joined: ColumnElement[datetime] = Person.__table__.c.consented_at  # type: ignore[attr-defined]
    branches: list[tuple[ColumnElement[bool], ColumnElement[datetime]]] = []
    for (_, due), (next_start, _) in zip(window.days, window.days[1:], strict=False):
        branches.append((joined < next_start, _later(joined, due)))
    last = _later(joined, window.days[-1][1])
    return case(*branches, else_=last) if branches else last


def _later(joined: ColumnElement[datetime], due: datetime) -> ColumnElement[datetime]:
    return case((joined > due, joined), else_=literal(due, UTCDateTime()))
