"""The sender: works through the outbox at the configured pace, and survives 429s, blocks and crashes.

One loop claims a batch of due messages (half a second's worth), sends them on the pacer's timetable,
then records every outcome in a few statements. The batch is also the most that a crash can leave
uncertain: those rows stay `sending` and are counted as possible duplicates when sending starts again.

With several instances, only the holder of the delivery lease (bot/delivery/lease.py) runs this loop: it
starts when the lease is taken, recovering the batch a dead holder left in flight, and stops at once when
the lease is lost. The other instances keep a Sender for its pacer and pass wake-ups and /stops on to the
holder.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot import metrics
from bot.delivery.hooks import Hooks
from bot.delivery.lease import Lease, LeaseLost
from bot.delivery.notices import Notices
from bot.delivery.pacing import Pacer, retry_seconds
from bot.delivery.render import Outgoing, render
from bot.delivery.report import ReportBoard
from bot.delivery.supervise import Backoff, Task
from bot.domain import campaigns, outbox, run_outcomes
from bot.domain.outbox import Delivery, Outcomes
from bot.domain.series import drip_item
from bot.models import CampaignRun, OutboxStatus
from bot.services import Services

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

log = logging.getLogger(__name__)
POLL = 1.0  # seconds between two looks at the outbox when nothing is due
MAX_ATTEMPTS = 5  # network errors and 5xx: tries before a message is recorded as failed
HALT_WAIT = 2.0  # seconds a sender that lost the lease gives its batch to record what surely went out
STOP_MEMORY = 60.0  # seconds a /stop is remembered here, far longer than any batch takes
# Telegram's words for a chat that no longer exists; a 403 (blocked, deactivated) means the same for us.
GONE = ("chat not found", "user is deactivated", "peer_id_invalid", "bot was kicked")
# What an instance without the lease passes on to the holder (NOTIFY payloads): look at the outbox now, a
# /stop, or its reverse.
WAKE, STOP, GO = "wake", "stop:", "go:"


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 2 ** (attempts + 1)))


def backoff_of(found: Services) -> Backoff:
    """The waits between two tries of failing background work (RETRY_MAX_SECONDS; short in tests)."""
    most = found.settings.retry_max_seconds
    return Backoff(first=min(0.5, most), most=most)


class Sender:
    def __init__(self, bot: Bot, found: Services, hooks: Hooks, lease: Lease) -> None:
        self.bot, self.found, self.hooks, self.lease = bot, found, hooks, lease
        rate = found.settings.broadcast_rate
        self.pacer = Pacer(rate)
        self.batch_size = max(1, min(500, round(rate / 2)))
        self.notices = Notices(bot, self.pacer)  # coordinators' notices, at the same pace
        self.reports = ReportBoard(found, self.notices)
        self.recovered = 0
        # Its failures in a row and its last success, for the logs, /healthz and /metrics.
        self.health = Task("sender", backoff_of(found))
        self.last_send: datetime | None = None  # when a message last left (the services' clock)
        self.clock = Task("campaign-clock", backoff_of(found))  # jobs.tick's failures, the same way
        self.message_bugs = Task("sender-message", backoff_of(found))
        self.series_ready = False  # the weekly series match the content (jobs.ensure_series)
        self._wakeup = asyncio.Event()
        self.tick_lock = (
            asyncio.Lock()
        )  # the campaign clock's (jobs.tick): the JobQueue and a Submit may race
        self._stopping = False
        self._halted = False  # the lease was lost: not one more message leaves from here
        self._task: asyncio.Task[None] | None = None
        self._telling: set[asyncio.Task[None]] = set()
        self._stopped_chats: dict[int, float] = {}
        self._runs: dict[int, tuple[dict[str, Any], int]] = {}
        self._rendered: dict[tuple[object, ...], Outgoing | None] = {}
        # Messages in flight at once: enough to keep the rate with Telegram's ~0.1 s round trip, and no more:
        # with httpx each open connection cost pool time on every request (measured: bench/), and aiohttp's
        # pool does not need more either.
        self._slots = asyncio.Semaphore(max(4, min(100, round(rate / 10))))

    # -- life cycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        """The lease is ours: recover what a previous holder left in flight, then send."""
        self._stopping = self._halted = False
        self._task = asyncio.create_task(self._supervised(), name="campaign-sender")

    @property
    def running(self) -> bool:
        """The sending loop is alive (it runs only where the lease is held)."""
        return self._task is not None and not self._task.done()

    async def stop(self, *, at_once: bool = False) -> None:
        """Let the batch under way finish and be recorded, then return; `at_once` (the lease is lost) sends
        nothing more of it and leaves its unsent rows `sending`, for the next holder to recover."""
        self._stopping = True
        self._halted = self._halted or at_once
        self._wakeup.set()
        task, self._task = self._task, None
        if task is None:
            return
        if at_once:
            # A batch waiting out a 429 or a slow database gives up its wait: its rows stay `sending`.
            done, _ = await asyncio.wait({task}, timeout=HALT_WAIT)
            if not done:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                return
        await task

    def wake(self) -> None:
        if self.lease.held:
            self._wakeup.set()
        else:
            self._tell(WAKE)

    def opt_out(self, chat_id: int, *, tell: bool = True) -> None:
        """/stop or /forget: nothing more goes to this chat, even from the batch being sent."""
        self._stopped_chats[chat_id] = time.monotonic()
        if tell and not self.lease.held:
            self._tell(f"{STOP}{chat_id}")

    def opt_in(self, chat_id: int, *, tell: bool = True) -> None:
        """Messages turned back on: forget the recent /stop."""
        self._stopped_chats.pop(chat_id, None)
        if tell and not self.lease.held:
            self._tell(f"{GO}{chat_id}")

    def _tell(self, message: str) -> None:
        """To the lease holder, in the background: a handler does not wait for it."""
        task = asyncio.create_task(self._tell_now(message))
        self._telling.add(task)
        task.add_done_callback(self._telling.discard)

    async def _tell_now(self, message: str) -> None:
        try:
            await self.lease.tell(message)
        except Exception as error:  # the holder's own clock and claim catch up a second later
            log.info("sender: could not reach the lease holder (%s)", type(error).__name__)

    async def _supervised(self) -> None:
        """The loop, started again (after a wait) if it ever raises: sending never ends in silence."""
        while not self._stopping:
            try:
                await self._run()
            except Exception as error:
                if self._stopping:
                    return
                await asyncio.sleep(self.health.failed(error))

    async def _recover(self) -> None:
        """Rows left `sending` by the previous holder (crashed, killed, cut off) go again, counted as
        possible duplicates; behind the fence, so that a claim it had under way is finished or refused.
        Retried like any batch: a database locked at start-up must not end sending before it began."""

        async def once() -> int:
            async with self.found.database.session() as session:
                await self.lease.fence(session, exclusive=True)
                return await outbox.recover_in_flight(session)

        recovered = await self.health.retry(once, stopping=lambda: self._stopping)
        self.recovered = recovered or 0
        if self.recovered:
            log.warning("sender: %d messages were in flight at the last stop; they go again", self.recovered)

    async def _run(self) -> None:
        await self._recover()
        while not self._stopping:
            try:
                busy = await self.step()
            except LeaseLost:  # the lease's own loop notices too, and stops this loop
                busy = False
            except Exception as error:  # a database hiccup must not end deliveries for good
                if self._stopping:
                    return
                # The wait grows with the failures; a wake-up (a new run, /stop) does not cut it short.
                await asyncio.sleep(self.health.failed(error))
                continue
            self.health.succeeded()
            if not busy and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), POLL)
                self._wakeup.clear()

    # -- one batch ----------------------------------------------------------------------------------
    async def step(self) -> bool:
        """Claim, send and record one batch; False when nothing was due."""
        settings = self.found.settings
        async with self.found.database.session() as session:
            await self.lease.fence(session)  # claims only while this instance holds the lease
            claim = await outbox.claim(
                session,
                now=self.found.clock(),
                limit=self.batch_size,
                quiet=settings.quiet,
                zone_of=self._zone,
                weekly_cap=settings.weekly_cap,
            )
            # In the claim's transaction: read after it, a failure (a locked table) would leave the claimed
            # rows `sending` until the next restart, their recipients skipped meanwhile.
            await self._load_runs(session, {d.run_id for d in claim.ready if d.run_id is not None})
        if claim.empty:
            await self.reports.flush()  # progress messages whose last edit came too soon
            return False
        for status, count in claim.skipped.items():
            metrics.CAMPAIGN_MESSAGES.labels(outcome=status).inc(count)
        outcomes = Outcomes()
        tasks = []
        for delivery in claim.ready:
            await self._slots.acquire()
            await self.pacer.slot()
            if self._halted:
                self._slots.release()
                break
            tasks.append(asyncio.create_task(self._send(delivery, outcomes)))
        await asyncio.gather(*tasks)
        finished = await self._record(outcomes, claim.runs)
        done = {run.id for run in finished if run.id is not None}
        for run_id in done:
            self._runs.pop(run_id, None)
        if not self._halted:
            await self.reports.update(claim.runs, finished=done)
        return True

    async def _record(self, outcomes: Outcomes, runs: set[int]) -> list[CampaignRun]:
        """Record the batch, insisting: rows left `sending` would be sent again after the next restart."""
        if self._halted:
            # The lease is lost, a new holder may already have taken these rows back: only what surely
            # happened is written, nothing is put back in the queue from here.
            outcomes.again.clear()
            outcomes.retry.clear()
        while True:
            try:
                async with self.found.database.session() as session:
                    await outbox.record(session, outcomes, now=self.found.clock())
                    return await run_outcomes.finish_runs(session, runs, now=self.found.clock())
            except Exception as error:
                if self._stopping or self._halted:
                    raise  # at shutdown the rows stay `sending`, counted as doubtful at the next start
                await asyncio.sleep(self.health.failed(error))

    def _zone(self, territory: str) -> str:
        found = self.found.content.territories.get(territory)
        return found.timezone if found else self.found.settings.timezone

    async def _load_runs(self, session: AsyncSession, run_ids: set[int]) -> None:
        for run_id in run_ids - self._runs.keys():
            run = await run_outcomes.get_run(session, run_id)
            campaign = await campaigns.get_campaign(session, run.campaign_id) if run else None
            if run is not None and campaign is not None:
                self._runs[run_id] = (campaign.messages, run.number)

    def _outgoing(self, delivery: Delivery) -> Outgoing | None:
        if delivery.run_id is not None:
            # By territory too: a content item is each territory's own version (bot/content/local.py).
            key: tuple[object, ...] = ("run", delivery.run_id, delivery.language, delivery.territory)
            if key not in self._rendered:
                messages, number = self._runs.get(delivery.run_id, ({}, 1))
                self._rendered[key] = render(
                    self.found,
                    messages,
                    delivery.language,
                    number,
                    items=self.hooks.render_item,
                    territory=delivery.territory,
                )
            return self._rendered[key]
        key = ("drip", delivery.sequence, delivery.step, delivery.language, delivery.territory)
        if key not in self._rendered:
            item = drip_item(self.found.content, delivery.sequence or "", delivery.step or 0)
            t = self.found.catalogs.get(delivery.language)
            self._rendered[key] = (
                self.hooks.render_item(self.found, t, item, False, delivery.territory) if item else None
            )
        return self._rendered[key]

    def _stopped(self, chat_id: int) -> bool:
        # Any recent /stop counts, whenever this batch was claimed: its database write may not have been
        # committed yet when the claim read the person.
        stopped_at = self._stopped_chats.get(chat_id)
        return stopped_at is not None and time.monotonic() - stopped_at < STOP_MEMORY

    async def _send(self, delivery: Delivery, outcomes: Outcomes) -> None:
        try:
            message = self._outgoing(delivery)
            if message is None:
                outcomes.failed.append(delivery.outbox_id)
                return
            await self.pacer.chat_turn(delivery.chat_id)
            if self._halted:  # the lease was lost while this message waited its turn: it stays `sending`
                return
            if self._stopped(delivery.chat_id):  # checked last, right before the message leaves
                outcomes.dropped.append(delivery.outbox_id)
                return
            outcome = await self._deliver(message, delivery, outcomes)
            metrics.CAMPAIGN_MESSAGES.labels(outcome=outcome).inc()
        except Exception as error:  # a bug for one message must not lose the batch's other outcomes
            # Its traceback once, then one line; the message goes again after its own backoff.
            self.message_bugs.failed(error, then="the message will be tried again")
            outcomes.retry.append((delivery, self.found.clock() + backoff(delivery.attempts)))
        finally:
            self._slots.release()

    async def _deliver(self, message: Outgoing, delivery: Delivery, outcomes: Outcomes) -> str:
        try:
            await message.send(self.bot, delivery.chat_id, paid=self.found.settings.paid_broadcast)
        except RetryAfter as error:
            self.pacer.pause(retry_seconds(error))
            outcomes.again.append(delivery.outbox_id)
            return "retry_after"
        except Forbidden:
            outcomes.unreachable.append(delivery)
            return OutboxStatus.UNREACHABLE
        except BadRequest as error:
            if any(word in error.message.lower() for word in GONE):
                outcomes.unreachable.append(delivery)
                return OutboxStatus.UNREACHABLE
            outcomes.failed.append(delivery.outbox_id)
            return OutboxStatus.FAILED
        except TimedOut:  # the message may have arrived without its answer: retried, and counted as doubtful
            if delivery.run_id is not None:
                outcomes.doubtful[delivery.run_id] += 1
            if delivery.attempts + 1 >= MAX_ATTEMPTS:
                outcomes.failed.append(delivery.outbox_id)
                return OutboxStatus.FAILED
            outcomes.retry.append((delivery, self.found.clock() + backoff(delivery.attempts)))
            return "retry"
        except NetworkError:  # dropped connections and 5xx answers
            if delivery.attempts + 1 >= MAX_ATTEMPTS:
                outcomes.failed.append(delivery.outbox_id)
                return OutboxStatus.FAILED
            outcomes.retry.append((delivery, self.found.clock() + backoff(delivery.attempts)))
            return "retry"
        except TelegramError:
            outcomes.failed.append(delivery.outbox_id)
            return OutboxStatus.FAILED
        outcomes.sent.append(delivery.outbox_id)
        self.last_send = self.found.clock()
        self._prune_stops()
        return OutboxStatus.SENT

    def _prune_stops(self) -> None:
        if len(self._stopped_chats) > 1000:
            horizon = time.monotonic() - STOP_MEMORY
            self._stopped_chats = {c: m for c, m in self._stopped_chats.items() if m > horizon}
