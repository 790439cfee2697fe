"""Campaigns from draft to done: approval, schedule, runs, pause, resume and cancel.

A run is one sending: when it starts, every recipient gets an outbox row, with the moment it may leave
(18:00 in their own zone, say). The sender (bot/delivery) works through those rows; this module never
talks to Telegram.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, literal, update
from sqlalchemy import select as select_columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.audience import Audience, count_audience
from bot.domain.coordinators import SYSTEM, audit
from bot.domain.locking import locked
from bot.domain.scope import Scope
from bot.models import Campaign, CampaignRun, CampaignStatus, Outbox, OutboxStatus, Person, RunStatus, as_utc
from bot.schedule import NOW, ONCE, WEEKLY, next_weekly, parse_clock, wall_clock

OPEN = (  # a campaign that may still change or send
    CampaignStatus.DRAFT,
    CampaignStatus.PENDING,
    CampaignStatus.APPROVED,
    CampaignStatus.PAUSED,
)


class CampaignError(Exception):
    """An action that does not apply: the message key says why, for the handler to translate."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Zones:
    """Each territory's time zone, and the coordination's zone for everyone else."""

    by_territory: dict[str, str]
    default: str

    def of(self, territory: str) -> str:
        return self.by_territory.get(territory, self.default)

    def for_audience(self, audience: Audience) -> set[str]:
        if audience.territories:
            return {self.of(t) for t in audience.territories}
        return {*self.by_territory.values(), self.default}


def audience_of(campaign: Campaign) -> Audience:
    """Who the campaign is for. A series from the content files (the weekly card...) goes to everyone who
    subscribed to it, staff included: they asked for it as anyone else did."""
    audience = Audience.from_json(campaign.audience)
    return audience.with_staff(True) if campaign.sequence is not None else audience


async def create_draft(session: AsyncSession, *, by: int, title: str, now: datetime) -> Campaign:
    campaign = Campaign(title=title[:64], created_by=by, created_at=now)
    session.add(campaign)
    await session.flush()
    await audit(session, actor=by, action="create", now=now, campaign_id=campaign.id, detail=title)
    return campaign


async def get_campaign(
    session: AsyncSession, campaign_id: int, *, for_update: bool = False
) -> Campaign | None:
    """`for_update` locks the row until the transaction ends (see bot/domain/locking.py): for changes of
    state that must not interleave, such as two approvals, or a cancel and the start of a run."""
    if for_update:
        return await locked(session, Campaign, campaign_id)
    return await session.get(Campaign, campaign_id)


def covered(scope: Scope, campaign: Campaign) -> bool:
    """Whether a coordinator of `scope` may see and act on the campaign: every territory its audience
    targets is theirs (an audience naming none targets every territory: the whole deployment's)."""
    return scope.covers_all(audience_of(campaign).territories)


async def list_campaigns(
    session: AsyncSession, *, limit: int = 15, scope: Scope | None = None
) -> list[Campaign]:
    """The series, then the latest campaigns; with `scope`, only those it covers."""
    query = select(Campaign).where(col(Campaign.sequence).is_(None)).order_by(col(Campaign.id).desc())
    series = select(Campaign).where(col(Campaign.sequence).is_not(None)).order_by(col(Campaign.id))
    if scope is None or scope.is_whole:
        return list((await session.exec(series)).all()) + list((await session.exec(query.limit(limit))).all())
    # The audience is JSON: filtered here. A territory's campaigns are a few hundred at most.
    return [c for c in (await session.exec(series)).all() if covered(scope, c)] + [
        c for c in (await session.exec(query)).all() if covered(scope, c)
    ][:limit]


def has_message(campaign: Campaign) -> bool:
    messages = campaign.messages
    return bool(messages.get("item") or messages.get("items") or messages.get("fr"))


def plan(
    campaign: Campaign, *, now: datetime, zones: Zones, after: datetime | None = None
) -> datetime | None:
    """When the next run starts: the earliest zone's moment; None when a once campaign's time has passed."""
    if campaign.schedule == NOW:
        return now if after is None else None
    moment = parse_clock(campaign.time_of_day or "")
    if moment is None:
        return None
    used = zones.for_audience(audience_of(campaign)) if campaign.local_time else {zones.default}
    if campaign.schedule == ONCE and campaign.on_date is not None:
        if after is not None:
            return None
        return min(wall_clock(campaign.on_date, moment, zone) for zone in used)
    if campaign.schedule == WEEKLY and campaign.weekday is not None:
        return min(next_weekly(now, campaign.weekday, moment, zone, after=after) for zone in used)
    return None


def zone_moment(campaign: Campaign, planned: datetime, zone: str, zones: Zones) -> datetime:
    """When a recipient in `zone` gets this run: the same wall-clock time as the earliest zone."""
    if campaign.schedule == NOW or not campaign.local_time:
        return planned
    moment = parse_clock(campaign.time_of_day or "")
    if moment is None:
        return planned
    if campaign.schedule == ONCE and campaign.on_date is not None:
        return wall_clock(campaign.on_date, moment, zone)
    # Weekly: this zone's first occurrence from the run's start (zones are less than a day apart).
    return next_weekly(planned, campaign.weekday or 0, moment, zone, after=planned - timedelta(seconds=1))


async def submit(
    session: AsyncSession,
    campaign: Campaign,
    *,
    by: int,
    now: datetime,
    zones: Zones,
    threshold: int,
    configured: Collection[int] = (),
) -> str:
    """Send for approval above `threshold` recipients, else approve; the new status. An audience that
    matches nobody is refused: it would be approved, and "sent", to no one."""
    if campaign.status != CampaignStatus.DRAFT:
        raise CampaignError("not_draft")
    if not has_message(campaign):
        raise CampaignError("no_message")
    if plan(campaign, now=now, zones=zones) is None or (
        campaign.schedule != NOW and (plan(campaign, now=now, zones=zones) or now) < now
    ):
        raise CampaignError("no_schedule")
    recipients = await count_audience(session, audience_of(campaign), configured=configured)
    if not recipients:
        raise CampaignError("empty_audience")
    if recipients > threshold:
        campaign.status = CampaignStatus.PENDING
        campaign.revision += 1  # approval buttons carry it: an older request cannot approve this version
        await audit(
            session, actor=by, action="submit", now=now, campaign_id=campaign.id, detail=str(recipients)
        )
    else:
        await _approve(session, campaign, by=by, now=now, zones=zones, detail=f"{recipients} ≤ {threshold}")
    session.add(campaign)
    return campaign.status


async def approve(
    session: AsyncSession,
    campaign: Campaign,
    *,
    by: int,
    now: datetime,
    zones: Zones,
    revision: int | None = None,
) -> None:
    """A second coordinator's approval of the version they were shown (`revision`, from their button).

    The caller holds the row locked (`get_campaign(for_update=True)`): of two coordinators approving at
    once, the second reads the first one's approval and is told so.
    """
    if campaign.status in (CampaignStatus.APPROVED, CampaignStatus.DONE):
        raise CampaignError("already_approved")
    if campaign.status == CampaignStatus.CANCELLED:
        raise CampaignError("cancelled")
    if campaign.status != CampaignStatus.PENDING:
        raise CampaignError("not_pending")
    if campaign.created_by == by:
        raise CampaignError("own_campaign")
    if revision is not None and revision != campaign.revision:
        raise CampaignError("stale_request")
    first = plan(campaign, now=now, zones=zones)
    if first is None or (campaign.schedule == ONCE and first < now):
        raise CampaignError("no_schedule")
    await _approve(session, campaign, by=by, now=now, zones=zones, detail="")


async def _approve(
    session: AsyncSession, campaign: Campaign, *, by: int, now: datetime, zones: Zones, detail: str
) -> None:
    campaign.status = CampaignStatus.APPROVED
    campaign.approved_by, campaign.approved_at = by, now
    campaign.next_run_at = plan(campaign, now=now, zones=zones)
    session.add(campaign)
    await audit(session, actor=by, action="approve", now=now, campaign_id=campaign.id, detail=detail)


async def reject(session: AsyncSession, campaign: Campaign, *, by: int, now: datetime) -> None:
    if campaign.status in (CampaignStatus.APPROVED, CampaignStatus.DONE):
        raise CampaignError("already_approved")
    if campaign.status == CampaignStatus.CANCELLED:
        raise CampaignError("cancelled")
    if campaign.status != CampaignStatus.PENDING:
        raise CampaignError("not_pending")
    campaign.status = CampaignStatus.DRAFT
    session.add(campaign)
    await audit(session, actor=by, action="reject", now=now, campaign_id=campaign.id)


async def pause(session: AsyncSession, campaign: Campaign, *, by: int, now: datetime) -> None:
    if campaign.status != CampaignStatus.APPROVED:
        raise CampaignError("not_running")
    campaign.status = CampaignStatus.PAUSED
    session.add(campaign)
    await _move_rows(session, campaign, OutboxStatus.PENDING, OutboxStatus.PAUSED)
    await audit(session, actor=by, action="pause", now=now, campaign_id=campaign.id)


async def resume(session: AsyncSession, campaign: Campaign, *, by: int, now: datetime, zones: Zones) -> None:
    if campaign.status != CampaignStatus.PAUSED:
        raise CampaignError("not_paused")
    campaign.status = CampaignStatus.APPROVED
    late = campaign.next_run_at is not None and as_utc(campaign.next_run_at) < now
    if (campaign.next_run_at is None and not await _has_open_run(session, campaign)) or (
        late and campaign.schedule == WEEKLY
    ):
        # A weekly campaign paused past its day starts again next week rather than late.
        campaign.next_run_at = plan(campaign, now=now, zones=zones, after=now)
    session.add(campaign)
    await _move_rows(session, campaign, OutboxStatus.PAUSED, OutboxStatus.PENDING)
    await audit(session, actor=by, action="resume", now=now, campaign_id=campaign.id)


async def cancel(session: AsyncSession, campaign: Campaign, *, by: int, now: datetime) -> None:
    if campaign.status == CampaignStatus.CANCELLED:
        raise CampaignError("cancelled")
    if campaign.status not in OPEN:
        raise CampaignError("closed")
    campaign.status, campaign.next_run_at = CampaignStatus.CANCELLED, None
    session.add(campaign)
    await _move_rows(session, campaign, OutboxStatus.PENDING, OutboxStatus.CANCELLED)
    await _move_rows(session, campaign, OutboxStatus.PAUSED, OutboxStatus.CANCELLED)
    await session.exec(
        update(CampaignRun)
        .where(col(CampaignRun.campaign_id) == campaign.id, col(CampaignRun.status) == RunStatus.SENDING)
        .values(status=RunStatus.CANCELLED, finished_at=now)
    )
    await audit(session, actor=by, action="cancel", now=now, campaign_id=campaign.id)


async def _move_rows(session: AsyncSession, campaign: Campaign, old: str, new: str) -> None:
    runs = select(col(CampaignRun.id)).where(col(CampaignRun.campaign_id) == campaign.id)
    await session.exec(
        update(Outbox).where(col(Outbox.run_id).in_(runs), col(Outbox.status) == old).values(status=new)
    )


async def _has_open_run(session: AsyncSession, campaign: Campaign) -> bool:
    query = select(CampaignRun.id).where(
        col(CampaignRun.campaign_id) == campaign.id, col(CampaignRun.status) == RunStatus.SENDING
    )
    return (await session.exec(query)).first() is not None


def is_due(campaign: Campaign, *, now: datetime) -> bool:
    return (
        campaign.status == CampaignStatus.APPROVED
        and campaign.next_run_at is not None
        and as_utc(campaign.next_run_at) <= now
    )


async def due_campaigns(session: AsyncSession, *, now: datetime) -> list[Campaign]:
    query = select(Campaign).where(
        col(Campaign.status) == CampaignStatus.APPROVED,
        col(Campaign.next_run_at).is_not(None),
        col(Campaign.next_run_at) <= now,
    )
    return list((await session.exec(query)).all())


def used_zones(campaign: Campaign, zones: Zones) -> set[str]:
    return zones.for_audience(audience_of(campaign)) if campaign.local_time else {zones.default}


async def start_run(
    session: AsyncSession,
    campaign: Campaign,
    *,
    now: datetime,
    zones: Zones,
    grace: timedelta,
    threshold: int | None = None,
    configured: Collection[int] = (),
) -> CampaignRun | None:
    """Start the due run: an outbox row per recipient, for each zone whose moment is not too far past.

    None when the campaign went back for approval: approved on its own because its audience was small,
    that audience has since grown past `threshold`.
    """
    planned = as_utc(campaign.next_run_at or now)
    if threshold is not None and campaign.sequence is None and campaign.approved_by == campaign.created_by:
        recipients = await count_audience(session, audience_of(campaign), configured=configured)
        if recipients > threshold:
            campaign.status, campaign.revision = CampaignStatus.PENDING, campaign.revision + 1
            session.add(campaign)
            await audit(
                session,
                actor=SYSTEM,
                action="submit",
                now=now,
                campaign_id=campaign.id,
                detail=str(recipients),
            )
            return None
    moments = {zone: zone_moment(campaign, planned, zone, zones) for zone in used_zones(campaign, zones)}
    late = {zone for zone, moment in moments.items() if now - moment > grace}
    campaign.runs += 1
    run = CampaignRun(campaign_id=campaign.id or 0, number=campaign.runs, planned_at=planned, started_at=now)
    session.add(run)
    if late == set(moments):
        run.status, run.finished_at = RunStatus.MISSED, now
    else:
        await session.flush()
        run.targeted = await _enqueue(
            session, campaign, run, planned=planned, zones=zones, skip=late, configured=configured
        )
        if not run.targeted:
            run.status, run.finished_at = RunStatus.DONE, now
        await audit(
            session, actor=SYSTEM, action="send", now=now, campaign_id=campaign.id, detail=str(run.targeted)
        )
    if late:
        detail = planned.isoformat() + " " + ", ".join(sorted(late))
        await audit(session, actor=SYSTEM, action="missed", now=now, campaign_id=campaign.id, detail=detail)
    # The next run comes after this one's last zone: otherwise each zone's moment would start a run.
    last = max(moments.values(), default=planned)
    campaign.next_run_at = plan(campaign, now=now, zones=zones, after=max(last, now))
    if campaign.next_run_at is None and run.status in (RunStatus.MISSED, RunStatus.DONE):
        # A once campaign that was missed, or had nobody to send to.
        campaign.status = CampaignStatus(run.status)
    session.add(campaign)
    await session.flush()
    return run


async def _enqueue(
    session: AsyncSession,
    campaign: Campaign,
    run: CampaignRun,
    *,
    planned: datetime,
    zones: Zones,
    skip: set[str],
    configured: Collection[int],
) -> int:
    """One INSERT ... SELECT per time zone: a hundred thousand rows without a round trip each."""
    audience = audience_of(campaign)
    groups: dict[str, list[str]] = {}
    for territory, zone in zones.by_territory.items():
        groups.setdefault(zone, []).append(territory)
    total = 0
    known = list(zones.by_territory)
    for zone, territories in [*groups.items(), (zones.default, None)]:
        if zone in skip:
            continue
        where = [*audience.conditions(configured)]
        where.append(
            col(Person.territory).in_(territories) if territories else col(Person.territory).not_in(known)
        )
        moment = zone_moment(campaign, planned, zone, zones)
        chosen = select_columns(
            literal(run.id),
            col(Person.id),
            literal(OutboxStatus.PENDING.value),
            literal(False),
            literal(moment),
            literal(0),
        ).where(*where)
        table = Outbox.__table__  # type: ignore[attr-defined]
        statement = insert(table).from_select(
            ["run_id", "person_id", "status", "held", "not_before", "attempts"], chosen
        )
        result = await session.exec(statement)
        total += int(result.rowcount or 0)
    return total
