"""The campaign clock: start due runs, record missed ones, queue drip steps, and run the sender.

`tick` runs at start-up and then every few seconds from the JobQueue; tests call it directly after moving
their clock. The sender is a task of its own, started and stopped with the Application.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram.ext import ContextTypes

from bot.delivery.sender import Sender
from bot.domain import campaigns, coordinators, series
from bot.domain.audience import count_audience
from bot.domain.campaigns import MISSED, Zones
from bot.handlers.approval_request import ask_approval
from bot.handlers.common import SENDER_KEY, BotApplication, services
from bot.handlers.coordinators import tell_coordinators
from bot.i18n import Translator
from bot.models import as_utc
from bot.services import Services

EVERY = timedelta(seconds=15)


def zones_of(found: Services) -> Zones:
    territories = {t.id: t.timezone for t in found.content.territories.values()}
    return Zones(by_territory=territories, default=found.settings.timezone)


def sender_of(app: BotApplication) -> Sender:
    sender: Sender = app.bot_data[SENDER_KEY]
    return sender


async def start_delivery(app: BotApplication) -> Sender:
    """Load who coordinates, bring the content's series up to date, and start the sender."""
    found = services(app)
    async with found.database.session() as session:
        found.granted = await coordinators.granted(session)
        found.composing = await campaigns.drafts_awaiting(session)
        await series.ensure_series(session, found.content, now=found.clock(), zones=zones_of(found))
    sender = Sender(app.bot, found)
    app.bot_data[SENDER_KEY] = sender
    sender.start()
    if app.job_queue is not None:
        app.job_queue.run_repeating(_tick_job, interval=EVERY, first=timedelta(seconds=1), name="campaigns")
    return sender


async def stop_delivery(app: BotApplication) -> None:
    sender = app.bot_data.pop(SENDER_KEY, None)
    if isinstance(sender, Sender):
        await sender.stop()


async def _tick_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await tick(context.application)  # type: ignore[arg-type]


async def tick(app: BotApplication) -> None:
    """One look at the schedule; one at a time, so that a due run never starts twice."""
    sender = sender_of(app)
    async with sender.tick_lock:
        await _tick(app, sender)


async def _tick(app: BotApplication, sender: Sender) -> None:
    found = services(app)
    now, zones = found.clock(), zones_of(found)
    grace = timedelta(minutes=found.settings.missed_grace_minutes)
    async with found.database.session() as session:
        due = [c.id for c in await campaigns.due_campaigns(session, now=now) if c.id is not None]
    for campaign_id in due:
        async with found.database.session() as session:
            campaign = await campaigns.get_campaign(session, campaign_id, for_update=True)
            if campaign is None or not campaigns.is_due(campaign, now=now):  # paused or cancelled since
                continue
            threshold = found.settings.approval_threshold
            run = await campaigns.start_run(
                session, campaign, now=now, zones=zones, grace=grace, threshold=threshold
            )
            if run is None:
                recipients = await count_audience(session, campaigns.audience_of(campaign))
            else:
                run_id, status, title, planned = run.id, run.status, campaign.title, as_utc(run.planned_at)
        if run is None:  # its audience outgrew what it was approved for on its own: a second person must look
            await ask_approval(app, found, campaign, recipients)
        elif status == MISSED:
            await _tell_missed(app, found, campaign_id, title, planned)
        elif (
            run_id is not None
        ):  # sending, or already done when nobody matched: the author sees it either way
            await sender.reports.post(run_id)
            sender.wake()
    async with found.database.session() as session:
        queued = await series.enqueue_drips(session, found.content.drips, now=now, zones=zones)
    if queued:
        sender.wake()


async def _tell_missed(
    app: BotApplication, found: Services, campaign_id: int, title: str, planned: datetime
) -> None:
    zone = ZoneInfo(found.settings.timezone)
    grace = found.settings.missed_grace_minutes

    def text(t: Translator) -> str:
        moment = planned.astimezone(zone)
        return t.gettext(
            "⚠️ La campagne « {title} » (n° {id}) devait partir le {date} à {time}, pendant que le bot "
            "était arrêté. Elle n'a pas été envoyée : le retard dépassait {minutes} minutes. "
            "/campaigns pour la voir."
        ).format(
            title=html.escape(title),
            id=campaign_id,
            date=t.date(moment.date()),
            time=t.time(moment),
            minutes=grace,
        )

    await tell_coordinators(app, found, text)
