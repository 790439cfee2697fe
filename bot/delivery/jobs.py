"""The campaign clock: start due runs, record missed ones, queue drip steps, and run the sender.

`tick` runs every few seconds from the JobQueue; tests call it directly after moving their clock. The sender
is a task of its own. Both run only in the instance holding the delivery lease (bot/delivery/lease.py): they
start when it is taken and stop when it is lost. Elsewhere, `tick` and `Sender.wake` pass the request on to
the holder.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from telegram import Bot
from telegram.ext import Job, JobQueue

from bot.delivery.hooks import Hooks
from bot.delivery.lease import lease_for
from bot.delivery.sender import GO, STOP, WAKE, Sender, backoff_of
from bot.delivery.supervise import Task
from bot.domain import campaigns, series
from bot.domain.audience import count_audience
from bot.domain.campaigns import Zones
from bot.fields import chat_number
from bot.i18n import Translator
from bot.models import RunStatus, as_utc
from bot.services import Services

EVERY = timedelta(seconds=15)
TICK = "tick"  # what an instance without the lease asks of the holder: look at the schedule now


class _Shared(Protocol):
    """The part of the Application's `bot_data` delivery uses (bot.core.context.BotData)."""

    sender: Sender | None

    @property
    def services(self) -> Services: ...


class DeliveryApp(Protocol):
    """The Application as delivery sees it: delivery sits below bot.core and does not import it."""

    @property
    def bot(self) -> Bot: ...

    @property
    def bot_data(self) -> _Shared: ...

    @property
    def job_queue(self) -> JobQueue[Any] | None: ...

    def create_task(self, coroutine: Any) -> Any: ...


def zones_of(found: Services) -> Zones:
    territories = {t.id: t.timezone for t in found.content.territories.values()}
    return Zones(by_territory=territories, default=found.settings.timezone)


def sender_of(app: DeliveryApp) -> Sender:
    sender = app.bot_data.sender
    if sender is None:
        raise RuntimeError("the sender runs between start_delivery and stop_delivery")
    return sender


async def start_delivery(app: DeliveryApp, hooks: Hooks) -> Sender:
    """Start the coordinators' notices, and take the delivery lease if it is free (at once on SQLite).

    `hooks` are what delivery asks of the features (rendering a content item, asking for an approval,
    telling the coordinators), handed in by the caller since delivery imports no feature.
    """
    found = app.bot_data.services
    lease = lease_for(found.database, found.settings.lease_database_url)
    sender = Sender(app.bot, found, hooks, lease)
    app.bot_data.sender = sender
    # Notices to coordinators leave from the instance that has them, lease or not: they are few, and
    # waiting for the holder would lose them if this instance stopped first.
    sender.notices.start()
    clock: list[Job[Any]] = []
    # The features' own timers (ticket and training reminders, retention) are the clock's too: on two
    # instances each reminder would go out twice. They run where the lease is.
    timers = list(app.job_queue.jobs()) if app.job_queue is not None else []
    _switch(timers, on=False)
    for timer in timers:  # a failing timer logs one line and tries again; it never stops for good
        timer.callback = guarded(app, Task(timer.name or "timer", backoff_of(found)), timer.callback)

    async def _tick(_context: object) -> None:
        await tick(app)

    _tick_job = guarded(app, sender.clock, _tick)

    async def acquired() -> None:
        # The clock's work, done by one instance only: two instances would create the series twice. A
        # database locked at this moment must not stop the start: the clock does it at its next tick.
        try:
            await ensure_series(app, sender)
        except Exception as error:
            sender.clock.failed(error)
        sender.start()
        if app.job_queue is not None:
            job = app.job_queue.run_repeating(
                _tick_job, interval=EVERY, first=timedelta(seconds=1), name="campaigns"
            )
            clock.append(job)
        _switch(timers, on=True)

    async def lost() -> None:
        # At shutdown the JobQueue has already stopped (the updates received are handled before delivery
        # stops): its jobs run no more, and APScheduler no longer finds them to pause or remove.
        if app.job_queue is not None and app.job_queue.scheduler.running:
            _switch(timers, on=False)
            while clock:
                clock.pop().schedule_removal()
        clock.clear()
        await sender.stop(at_once=True)

    def heard(message: str) -> None:
        if message == TICK:  # asked by another instance: a failure is the clock's, one line
            app.create_task(_tick_job(None))
        elif message == WAKE:
            sender.wake()
        elif (
            message.startswith((STOP, GO)) and (chat_id := chat_number(message.partition(":")[2])) is not None
        ):
            (sender.opt_out if message.startswith(STOP) else sender.opt_in)(chat_id, tell=False)

    await lease.start(acquired=acquired, lost=lost, listener=heard)
    return sender


async def ensure_series(app: DeliveryApp, sender: Sender) -> None:
    """The weekly series' campaigns as the content files say; done once per lease, then by the clock."""
    found = app.bot_data.services
    async with found.database.session() as session:
        await series.ensure_series(session, found.content, now=found.clock(), zones=zones_of(found))
    sender.series_ready = True


JobCallback = Callable[[Any], Coroutine[Any, Any, Any]]


def guarded(app: DeliveryApp, task: Task, callback: JobCallback) -> JobCallback:
    """A JobQueue callback that reports to `task` rather than raising into PTB's error handler (whose log
    carries a traceback for every database hiccup). Its interval paces its tries; a timer whose interval
    is longer than the backoff (the daily retention purge) is tried again sooner, once, after the wait."""

    async def run(context: Any) -> None:
        try:
            await callback(context)
        except Exception as error:
            wait = task.failed(error)
            queue = app.job_queue
            job = getattr(context, "job", None)
            interval = _interval(job)
            if queue is not None and queue.scheduler.running and interval is not None and interval > wait:
                queue.run_once(run, when=wait, name=f"{task.name}-retry")
        else:
            task.succeeded()

    return run


def _interval(job: Job[Any] | None) -> float | None:
    trigger = getattr(getattr(job, "job", None), "trigger", None)
    interval = getattr(trigger, "interval", None)
    return interval.total_seconds() if isinstance(interval, timedelta) else None


def _switch(jobs: list[Job[Any]], *, on: bool) -> None:
    for job in jobs:
        if not job.removed:
            job.enabled = on


async def stop_delivery(app: DeliveryApp) -> None:
    """The batch under way is finished and recorded, then the lease goes to another instance."""
    sender, app.bot_data.sender = app.bot_data.sender, None
    if sender is not None:
        await sender.stop()
        await sender.notices.stop()
        await sender.lease.stop()


async def tick(app: DeliveryApp) -> None:
    """One look at the schedule; one at a time, so that a due run never starts twice. Without the lease,
    the holder is asked to look now (a run a coordinator started here goes out at once)."""
    sender = sender_of(app)
    if not sender.lease.held:
        await sender.lease.tell(TICK)
        return
    async with sender.tick_lock:
        if not sender.series_ready:  # not done at start-up (the database was locked): now, first
            await ensure_series(app, sender)
        await _tick(app, sender)


async def tick_now(app: DeliveryApp) -> None:
    """A look at the schedule asked for by a handler (a campaign submitted, approved or resumed), run as a
    task of its own: a failure is the clock's, one line, and the clock's next tick tries again."""
    sender = sender_of(app)
    try:
        await tick(app)
    except Exception as error:
        sender.clock.failed(error)
    else:
        sender.clock.succeeded()


async def _tick(app: DeliveryApp, sender: Sender) -> None:
    found = app.bot_data.services
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
            staff = found.settings.coordinators  # left out of audiences that do not choose them
            run = await campaigns.start_run(
                session, campaign, now=now, zones=zones, grace=grace, threshold=threshold, configured=staff
            )
            if run is None:
                recipients = await count_audience(session, campaigns.audience_of(campaign), configured=staff)
            else:
                run_id, status, title, planned = run.id, run.status, campaign.title, as_utc(run.planned_at)
        if run is None:  # its audience outgrew what it was approved for on its own: a second person must look
            await sender.hooks.ask_approval(campaign, recipients)
        elif status == RunStatus.MISSED:
            await _tell_missed(sender.hooks, found, campaign_id, title, planned)
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
    hooks: Hooks, found: Services, campaign_id: int, title: str, planned: datetime
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

    await hooks.tell_coordinators(text)
