"""What a campaign's run did: its figures while it sends and once it ended, when its held messages go out,
its end, and the deletion of its outbox rows once the figures are kept (bot/domain/campaigns.py starts runs).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import case, delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Campaign, CampaignRun, CampaignStatus, Outbox, OutboxStatus, RunStatus, as_utc


@dataclass(frozen=True)
class Figures:
    targeted: int
    sent: int
    pending: int
    held: int
    failed: int
    unreachable: int
    opted_out: int
    capped: int
    paused: int
    cancelled: int
    possible_duplicates: int


async def run_figures(session: AsyncSession, run: CampaignRun, *, now: datetime) -> Figures:
    if run.figures is not None:  # a finished run: its figures were kept when it ended
        return Figures(
            **{**run.figures, "targeted": run.targeted, "possible_duplicates": run.possible_duplicates}
        )
    waiting = func.sum(case((col(Outbox.not_before) > now, 1), else_=0))
    query = (
        select(col(Outbox.status), col(Outbox.held), func.count(), waiting)
        .where(col(Outbox.run_id) == run.id)
        .group_by(col(Outbox.status), col(Outbox.held))
    )
    counts: dict[str, int] = {}
    held = 0
    for status, was_held, count, later in (await session.exec(query)).all():
        counts[status] = counts.get(status, 0) + int(count)
        if status == OutboxStatus.PENDING and was_held:
            held += int(later or 0)
    return Figures(
        targeted=run.targeted,
        sent=counts.get(OutboxStatus.SENT, 0),
        pending=counts.get(OutboxStatus.PENDING, 0) + counts.get(OutboxStatus.IN_FLIGHT, 0) - held,
        held=held,
        failed=counts.get(OutboxStatus.FAILED, 0),
        unreachable=counts.get(OutboxStatus.UNREACHABLE, 0),
        opted_out=counts.get(OutboxStatus.OPTED_OUT, 0),
        capped=counts.get(OutboxStatus.CAPPED, 0),
        paused=counts.get(OutboxStatus.PAUSED, 0),
        cancelled=counts.get(OutboxStatus.CANCELLED, 0),
        possible_duplicates=run.possible_duplicates,
    )


async def held_until(session: AsyncSession, run: CampaignRun, *, now: datetime) -> datetime | None:
    """When the first of the run's messages held by quiet hours goes out; None when none is held."""
    query = select(func.min(col(Outbox.not_before))).where(
        col(Outbox.run_id) == run.id,
        col(Outbox.status) == OutboxStatus.PENDING,
        col(Outbox.held).is_(True),
        col(Outbox.not_before) > now,
    )
    first = (await session.exec(query)).first()
    return as_utc(first) if first is not None else None


async def finish_runs(session: AsyncSession, run_ids: set[int], *, now: datetime) -> list[CampaignRun]:
    """Close the runs among `run_ids` with nothing left to send; once campaigns are then done."""
    if not run_ids:
        return []
    busy = set()
    for run_id in run_ids:  # one indexed look per run: a 100,000-row run is not scanned after each batch
        left = (
            select(col(Outbox.id))
            .where(
                col(Outbox.run_id) == run_id,
                col(Outbox.status).in_((OutboxStatus.PENDING, OutboxStatus.IN_FLIGHT, OutboxStatus.PAUSED)),
            )
            .limit(1)
        )
        if (await session.exec(left)).first() is not None:
            busy.add(run_id)
    query = select(CampaignRun).where(
        col(CampaignRun.id).in_(run_ids - busy), col(CampaignRun.status) == RunStatus.SENDING
    )
    finished = []
    for run in (await session.exec(query)).all():
        figures = asdict(await run_figures(session, run, now=now))
        # Conditional, like the campaign below: a cancel committed since the SELECT keeps its word.
        closed = await session.exec(
            update(CampaignRun)
            .where(col(CampaignRun.id) == run.id, col(CampaignRun.status) == RunStatus.SENDING)
            .values(status=RunStatus.DONE, finished_at=now, figures=figures)
            .execution_options(synchronize_session=False)
        )
        if not closed.rowcount:
            continue
        await session.refresh(run)
        finished.append(run)
        # Conditional: a cancel or a pause committed since the run's last batch keeps its word.
        await session.exec(
            update(Campaign)
            .where(
                col(Campaign.id) == run.campaign_id,
                col(Campaign.status) == CampaignStatus.APPROVED,
                col(Campaign.next_run_at).is_(None),
            )
            .values(status=CampaignStatus.DONE)
            .execution_options(synchronize_session=False)
        )
    return finished


async def purge_delivered(session: AsyncSession, *, finished_before: datetime) -> int:
    """Delete the outbox rows of runs that ended before `finished_before` (their figures stay on the run):
    who received which campaign is kept no longer than the weekly cap and the reports need it.

    A cancelled run ends without figures (rows in flight may still land after the cancel): they are taken
    here, once its rows can no longer change, so that its rows go too and its report keeps its totals."""
    unfigured = select(CampaignRun).where(
        col(CampaignRun.figures).is_(None), col(CampaignRun.finished_at) < finished_before
    )
    for run in (await session.exec(unfigured)).all():
        run.figures = asdict(await run_figures(session, run, now=finished_before))
        session.add(run)
    await session.flush()
    ended = select(col(CampaignRun.id)).where(
        col(CampaignRun.figures).is_not(None), col(CampaignRun.finished_at) < finished_before
    )
    result = await session.exec(delete(Outbox).where(col(Outbox.run_id).in_(ended)))
    return int(result.rowcount or 0)


async def runs_of(session: AsyncSession, campaign_id: int) -> list[CampaignRun]:
    query = (
        select(CampaignRun).where(col(CampaignRun.campaign_id) == campaign_id).order_by(col(CampaignRun.id))
    )
    return list((await session.exec(query)).all())


async def get_run(session: AsyncSession, run_id: int) -> CampaignRun | None:
    return await session.get(CampaignRun, run_id)
