"""Replies to a person survive a passing Telegram fault; a chat that is gone is named, not just failed.

Every Bot API call python-telegram-bot makes goes through its rate limiter hook (`ExtBot._do_post` ->
`BaseRateLimiter.process_request`), whichever HTTP client, shortcut (`message.reply_text`) or handler made
it: the one place to see each reply's outcome. This "limiter" limits nothing; while an update is handled
(bot/core/updates.py's HANDLING) it:

- tries a call again, once or twice within a few seconds, when Telegram certainly did not act on it: a
  429 with a short `retry_after`, a 5xx, or a connection that failed or was dropped before any answer
  (what an idle keep-alive connection closed by Telegram's side gives). A time-out is not tried again: the
  request may be in Telegram's hands, and a second message would be a duplicate. A longer wait is not
  either: the person's later updates queue behind this one (updates.py keeps each chat in order);
- turns a 403 on a private chat into `Unreachable`, which names the chat (Telegram's error does not), so
  that the error handler marks that person unreachable as the sender does for campaigns.

Campaigns, notices and jobs are not replies: the sender paces and retries them itself (bot/delivery), and
they pass through untouched. PTB's documentation asks limiters to handle no error but RetryAfter; this one
re-raises everything it does not retry, and `Unreachable` is a `Forbidden`, so callers see no difference.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeGuard

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import BaseRateLimiter

from bot import metrics
from bot.core.context import CustomContext
from bot.core.updates import HANDLING
from bot.delivery.pacing import retry_seconds
from bot.domain.people import mark_unreachable

log = logging.getLogger(__name__)

Result = bool | dict[str, Any] | list[dict[str, Any]]
# Pauses before the second and third tries; a third failure is final.
BACKOFF = (0.5, 1.5)
# The most a reply waits in all, "retry after" included: the chat's next updates wait as long.
MAX_WAIT = 5.0


class Unreachable(Forbidden):
    """Telegram refused a message to this private chat: the person blocked the bot or left Telegram."""

    def __init__(self, message: str, chat_id: int) -> None:
        super().__init__(message)
        self.chat_id = chat_id


def _private_chat(data: dict[str, Any]) -> int | None:
    """The call's chat when it is a person's (private chats have their user's positive id)."""
    chat_id = data.get("chat_id")
    return chat_id if type(chat_id) is int and chat_id > 0 else None


def _pause(error: TelegramError, attempt: int) -> float | None:
    """How long to wait before trying again, or None when this error is final."""
    if attempt > len(BACKOFF):
        return None
    if isinstance(error, RetryAfter):
        return retry_seconds(error)
    if isinstance(error, BadRequest | TimedOut):  # both are NetworkErrors to PTB, but no passing fault
        return None
    if isinstance(error, NetworkError):  # a 5xx, or no answer at all
        return BACKOFF[attempt - 1]
    return None


class ReplyRetries(BaseRateLimiter[None]):
    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> Result:
        if not HANDLING.get():
            return await callback(*args, **kwargs)
        waited = 0.0
        attempt = 1
        while True:
            try:
                return await callback(*args, **kwargs)
            except Forbidden as error:
                chat_id = _private_chat(data)
                if chat_id is None or isinstance(error, Unreachable):
                    raise
                raise Unreachable(error.message, chat_id) from error
            except TelegramError as error:
                pause = _pause(error, attempt)
                if pause is None or waited + pause > MAX_WAIT:
                    raise
                what = kind(error)
            metrics.REPLY_RETRIES.labels(error=what).inc()
            log.warning("reply: %s on %s, trying again in %.1f s", what, endpoint, pause)
            await asyncio.sleep(pause)
            waited += pause
            attempt += 1


def kind(error: TelegramError) -> str:
    """A word for the log and /metrics: never Telegram's message, which may quote what was sent."""
    if isinstance(error, RetryAfter):
        return "retry_after"
    if isinstance(error, TimedOut):
        return "timed_out"
    if isinstance(error, Forbidden):
        return "forbidden"
    if isinstance(error, NetworkError):
        # PTB's HTTP layers raise a lost connection from the client's own error; a 5xx has no cause.
        return "network" if error.__cause__ is not None else "server_error"
    return type(error).__name__


def is_refusal(error: object) -> TypeGuard[TelegramError]:
    """A Telegram error that is no bug of ours: a fault of the moment, or a chat that is gone. A
    BadRequest is ours (a text too long, a malformed button) and keeps its traceback."""
    return isinstance(error, TelegramError) and not isinstance(error, BadRequest)


async def refused(update: object, context: CustomContext, error: TelegramError) -> bool:
    """After a refusal ended a handler (retries done): one line, no traceback, and a person who left marked
    unreachable. False when the update's own chat is the one gone: nothing can be said to it."""
    what = kind(error)
    metrics.REPLY_FAILURES.labels(error=what).inc()
    if not isinstance(error, Unreachable):
        log.warning("handler stopped: Telegram did not take a reply (%s)", what)
        return True
    try:
        async with context.services.database.session() as session:
            await mark_unreachable(session, chat_id=error.chat_id)
    except Exception as failure:  # the database may be failing too: the next campaign's 403 will tell again
        log.warning("a person left (403); not marked unreachable: %s", type(failure).__name__)
    else:
        log.warning("a person left (403): marked unreachable")
    chat = update.effective_chat if isinstance(update, Update) else None
    return chat is None or chat.id != error.chat_id
