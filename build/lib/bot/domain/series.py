"""Series from the content files: welcome drips counted from enrolment, and weekly series.

A weekly series (the card of the week) becomes a campaign owned by the bot itself, so coordinators see,
pause and resume it like any other, and it shares the schedule, the reports and the missed-run rules.
A drip step becomes an outbox row when it falls due; the row's unique (person, series, step) key means a
step is never queued twice, whatever the timing of the job.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.pack import ContentPack, Drip, WeeklySeries
from bot.domain.campaigns import APPROVED, CANCELLED, Zones, plan
from bot.domain.coordinators import SYSTEM, audit
from bot.domain.schedule import WEEKLY, parse_clock, wall_clock
from bot.models import Campaign, Outbox, Person, as_utc

DRIP_TIME = "18:00"  # a drip step goes out at this local time on its day (or at once if that has passed)
LATE = timedelta(days=2)  # a step more than this late (the bot was down, the series was added) is skipped


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
                title=series.id, created_by=SYSTEM, created_at=now, status=APPROVED, sequence=series.id
            )
            campaign.approved_by, campaign.approved_at = SYSTEM, now
            _apply(campaign, series)
            campaign.next_run_at = plan(campaign, now=now, zones=zones, after=now)
            session.add(campaign)
            await session.flush()
            await audit(
                session, actor=SYSTEM, action="series", now=now, campaign_id=campaign.id, detail=series.id
            )
        elif _apply(campaign, series) and campaign.status == APPROVED:
            campaign.next_run_at = plan(campaign, now=now, zones=zones, after=now)
            session.add(campaign)
    for campaign in existing.values():
        if campaign.status != CANCELLED:
            campaign.status, campaign.next_run_at = CANCELLED, None
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


async def enqueue_drips(
    session: AsyncSession, drips: tuple[Drip, ...], *, now: datetime, zones: Zones
) -> int:
    """Queue the drip steps that fell due; how many were queued."""
    queued = 0
    for drip in drips:
        if not drip.steps:
            continue
        since = now - timedelta(days=drip.steps[-1].day + 1) - LATE
        query = select(Person).where(
            col(Person.consented_at) >= since,
            col(Person.messages_enabled).is_(True),
            col(Person.unreachable).is_(False),
        )
        if drip.roles:
            query = query.where(col(Person.role).in_(drip.roles))
        people = list((await session.exec(query)).all())
        if not people:
            continue
        done = await _queued_steps(session, drip.id, [p.id for p in people if p.id is not None])
        moment = parse_clock(DRIP_TIME)
        assert moment is not None
        for person in people:
            zone = zones.of(person.territory)
            joined = as_utc(person.consented_at)
            local_day = joined.astimezone(ZoneInfo(zone)).date()
            for step in drip.steps:
                if (person.id, step.day) in done:
                    continue
                due = max(joined, wall_clock(local_day + timedelta(days=step.day), moment, zone))
                if due <= now < due + LATE:
                    session.add(
                        Outbox(person_id=person.id or 0, sequence=drip.id, step=step.day, not_before=due)
                    )
                    queued += 1
    return queued


async def _queued_steps(session: AsyncSession, sequence: str, person_ids: list[int]) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    for start in range(0, len(person_ids), 500):
        query = select(col(Outbox.person_id), col(Outbox.step)).where(
            col(Outbox.sequence) == sequence, col(Outbox.person_id).in_(person_ids[start : start + 500])
        )
        found |= {(int(p), int(s or 0)) for p, s in (await session.exec(query)).all()}
    return found
