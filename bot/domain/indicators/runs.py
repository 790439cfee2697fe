"""Campaign runs' reach and outcomes, from the figures each run keeps (campaign_run.figures).

A run's outcomes add up to the people it targeted, so a run is suppressed as one sum: a small outcome is
hidden, and a second one with it. Runs are never added together: asking for two periods gives no run back.
A territory coordinator sees the runs of campaigns whose audience lies within their territories only.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.campaigns import audience_of
from bot.domain.indicators.sources import months_between
from bot.domain.run_outcomes import Figures, run_figures
from bot.domain.scope import Scope
from bot.domain.suppression import Cell, Line, suppress
from bot.domain.tables import Table, Value
from bot.models import Campaign, CampaignRun, as_utc

TARGETED = "targeted"
OUTCOMES = ("sent", "pending", "held", "failed", "unreachable", "opted_out", "capped", "paused", "cancelled")
COLUMNS = (TARGETED, *OUTCOMES, "possible_duplicates")


def run_key(campaign: Campaign, run: CampaignRun) -> str:
    """A run's row: its day, campaign number and run number, and title (the title is the coordinators' own
    words, so the row is its own label)."""
    return f"{as_utc(run.planned_at):%Y-%m-%d} · n° {campaign.id}.{run.number} · {campaign.title}"


async def campaign_tables(
    session: AsyncSession, scope: Scope, first: str, last: str, *, now: datetime | None = None
) -> list[Table]:
    months = set(months_between(first, last))
    query = (
        select(CampaignRun, Campaign)
        .join(Campaign, col(Campaign.id) == col(CampaignRun.campaign_id))
        .where(col(CampaignRun.started_at).is_not(None))
        .order_by(col(CampaignRun.planned_at), col(CampaignRun.id))
    )
    rows: list[str] = []
    cells: dict[tuple[str, str], Value] = {}
    for run, campaign in (await session.exec(query)).all():
        if f"{as_utc(run.planned_at):%Y-%m}" not in months:
            continue
        if not scope.covers_all(audience_of(campaign).territories):
            continue
        shown = shown_figures(await run_figures(session, run, now=now or datetime.now(UTC)))
        key = run_key(campaign, run)
        rows.append(key)
        for column in COLUMNS:
            cells[(key, column)] = shown[column]
    return [Table("campaign_runs", "run", "outcome", tuple(rows), COLUMNS, cells)]


def shown_figures(figures: Figures) -> dict[str, Value]:
    """A run's figures as they may be read, on the dashboard and in the chat's reports alike (so that
    neither gives back what the other hides): a small outcome is hidden, and a second one with it, since
    they add up to the people targeted; possible duplicates are hidden when small. None: hidden."""
    counted = asdict(figures)
    values: dict[Cell, int] = {column: int(counted.get(column, 0)) for column in COLUMNS}
    hidden = suppress(values, [Line(TARGETED, OUTCOMES)])
    return {column: None if column in hidden else values[column] for column in COLUMNS}
