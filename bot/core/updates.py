"""Updates from different chats at the same time, each chat's updates one after another, in order.

python-telegram-bot hands every update to `do_process_update` in the order it arrived. Each chat (or, when
an update has no chat, its user; failing both, one shared key) gets a lock; `asyncio.Lock` is fair, so
updates of one chat take it in the order they reached it: a person's second tap is handled after their
first one finished, while other people's updates go ahead meanwhile.

PTB takes its own semaphore *before* calling `do_process_update`. Were the bound kept there, an update
waiting for its chat's previous one would hold a slot while doing nothing, and one chat sending many
updates could fill every slot and stall all the others. So PTB's semaphore is given a ceiling that never
binds, and the bound is applied here, only once an update's turn in its chat has come.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor
from telegram.ext._utils.asyncio import TrackedBoundedSemaphore

DEFAULT_CONCURRENT_UPDATES = 64
# Updates with neither a chat nor a user (polls, say) queue behind one another under this key.
SHARED = "shared"
# PTB's semaphore only counts accepted updates (see above); this high ceiling never makes one wait.
_ACCEPTED_CEILING = 1 << 30
# True while an update is handled (its handlers and error handler): what the bot sends then is a reply to
# a person waiting for it, which bot/core/replies.py tries again on a passing fault. Each update runs in a
# task of its own, so the value never leaks to the sender, the jobs or another update.
HANDLING: ContextVar[bool] = ContextVar("handling_update", default=False)


def chat_key(update: object) -> Hashable:
    """Which queue an update joins: its chat, else its user (a private chat's id is its user's), else one."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return SHARED


@dataclass
class _Chat:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Updates of this chat running or waiting; at zero the entry goes, so idle chats cost no memory.
    pending: int = 0


class ChatOrderedProcessor(BaseUpdateProcessor):
    """At most `max_concurrent_updates` handlers run at once, never two of the same chat."""

    def __init__(self, max_concurrent_updates: int = DEFAULT_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._semaphore = TrackedBoundedSemaphore(_ACCEPTED_CEILING)
        self._running = TrackedBoundedSemaphore(max_concurrent_updates)
        self._chats: dict[Hashable, _Chat] = {}
        # Told of each update once every handler and error handler is done with it (the tests wait on it:
        # an error handler may end an update before the last handler group).
        self.finished: Callable[[object], Awaitable[None]] | None = None

    @property
    def current_concurrent_updates(self) -> int:
        """Handlers running now; updates waiting for their chat's turn are not counted."""
        return self.max_concurrent_updates - self._running.current_value

    @property
    def waiting_chats(self) -> int:
        """Chats with an update running or waiting: what the processor keeps in memory."""
        return len(self._chats)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        # No await between reading the entry and queueing on its lock: the order of arrival is kept.
        chat = self._chats.get(key)
        if chat is None:
            chat = self._chats[key] = _Chat()
        chat.pending += 1
        handling = HANDLING.set(True)
        try:
            async with chat.lock, self._running:
                await coroutine
            if self.finished is not None:
                await self.finished(update)
        finally:
            HANDLING.reset(handling)
            chat.pending -= 1
            if chat.pending == 0:
                del self._chats[key]
            if asyncio.iscoroutine(coroutine):
                # Cancelled while waiting its turn: close it so Python does not warn it was never awaited.
                coroutine.close()

    async def initialize(self) -> None:
        """Nothing to open: locks are made as chats appear."""

    async def shutdown(self) -> None:
        """Nothing to close: Application.stop() has already waited for every accepted update."""
