"""Notices: the bot's own messages to coordinators (approval requests, missed runs, progress reports),
sent by a task of their own at the sender's pace.

They share Telegram's limits with the campaigns, so they take the pacer's slots and wait out its pauses;
but the handler or job that has something to say only queues it and goes on: a "retry after" is waited
out here, never in a handler. A notice refused with a 429 goes back to the head of the queue and leaves
when the pause ends; one that fails for another reason is tried again a few times, then dropped (logged,
without the chat or the text).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.delivery.pacing import Pacer, retry_seconds
from bot.delivery.supervise import Task

log = logging.getLogger(__name__)
ATTEMPTS = 4  # network errors and 5xx: tries before a notice is given up
DRAIN = 5.0  # seconds the notices still queued at shutdown get to leave


@dataclass
class Notice:
    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None = None
    # Called with the message once it is sent (a progress report keeps its id to edit it later).
    on_sent: Callable[[Message], Awaitable[None]] | None = None
    attempts: int = 0


class Notices:
    def __init__(self, bot: Bot, pacer: Pacer) -> None:
        self.bot, self.pacer = bot, pacer
        self._queue: collections.deque[Notice] = collections.deque()
        self._waiting = asyncio.Event()
        self._idle = asyncio.Event()  # nothing queued and nothing being sent
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._retries: set[asyncio.TimerHandle] = set()
        self.health = Task("notices")  # a failure is one log line; the other notices go on

    def post(self, notice: Notice) -> None:
        """Queue a notice; returns at once."""
        if self._task is None or self._task.done():
            log.warning("notices: one notice arrived after the sender stopped; it is not sent")
            return
        self._queue.append(notice)
        self._idle.clear()
        self._waiting.set()

    @property
    def queued(self) -> int:
        return len(self._queue)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="coordinator-notices")

    async def stop(self) -> None:
        """Give the queued notices a few seconds to leave, then stop."""
        task, self._task = self._task, None
        for handle in self._retries:
            handle.cancel()
        if task is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), DRAIN)
        if self._queue:
            log.warning("notices: %d notices were still queued at shutdown", len(self._queue))
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _run(self) -> None:
        while True:
            if not self._queue:
                self._waiting.clear()
                self._idle.set()
                await self._waiting.wait()
                continue
            notice = self._queue[0]
            await self.pacer.slot()  # waits out any pause a 429 asked for, campaigns' or ours
            await self.pacer.chat_turn(notice.chat_id)
            self._queue.popleft()
            try:
                await self._send(notice)
            except Exception as error:  # one bad notice (or a locked database) must not stop the others
                self.health.failed(error, retried=False)
            else:
                self.health.succeeded()

    async def _send(self, notice: Notice) -> None:
        try:
            message = await self.bot.send_message(
                notice.chat_id, notice.text, parse_mode=ParseMode.HTML, reply_markup=notice.markup
            )
        except RetryAfter as error:
            self.pacer.pause(retry_seconds(error))  # the campaigns wait too: the limit is the bot's
            self._queue.appendleft(notice)
            return
        except (Forbidden, BadRequest) as error:
            log.info("notices: could not reach a coordinator: %s", type(error).__name__)
            return
        except NetworkError as error:  # time-outs, dropped connections, 5xx: a few more tries
            notice.attempts += 1
            if notice.attempts >= ATTEMPTS:
                log.info("notices: gave up on a notice: %s", type(error).__name__)
                return
            self._retry_later(notice, float(2**notice.attempts))
            return
        except TelegramError as error:
            log.info("notices: could not send a notice: %s", type(error).__name__)
            return
        if notice.on_sent is not None:
            await notice.on_sent(message)

    def _retry_later(self, notice: Notice, delay: float) -> None:
        def again() -> None:
            self._retries.discard(handle)
            self.post(notice)

        handle = asyncio.get_running_loop().call_later(delay, again)
        self._retries.add(handle)
