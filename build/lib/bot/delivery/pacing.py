"""The sender's pace: an overall rate, one message per chat per second, and a pause after a 429.

Slots are handed out on a fixed timetable (start + n / rate) rather than by sleeping a fixed time after each
message, so time spent elsewhere (a database write between batches) does not slow the average down. A short
slack lets the sender catch up after such a gap without ever bursting past what Telegram tolerates.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning

# One message per chat per second, with a margin: Telegram counts arrivals, and a busy machine delays
# one request more than the next.
PER_CHAT_INTERVAL = 1.25
SLACK = 0.2  # seconds of missed slots that may be caught up at once
MAX_TRACKED_CHATS = 20_000


class Pacer:
    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.next_slot = 0.0
        self.paused_until = 0.0
        self.pauses = 0
        self._last_by_chat: dict[int, float] = {}

    async def slot(self) -> None:
        """Wait for the next slot of the overall rate (and for any pause a 429 asked for)."""
        while True:
            now = time.monotonic()
            ready_at = max(self.paused_until, self.next_slot)
            if ready_at <= now:
                break
            await asyncio.sleep(ready_at - now)
        self.next_slot = max(self.next_slot, now - SLACK) + self.interval

    async def chat_turn(self, chat_id: int) -> None:
        """Wait until this chat's previous message is a second old (two campaigns to the same person)."""
        now = time.monotonic()
        if len(self._last_by_chat) >= MAX_TRACKED_CHATS:
            horizon = now - PER_CHAT_INTERVAL
            self._last_by_chat = {chat: turn for chat, turn in self._last_by_chat.items() if turn > horizon}
        last = self._last_by_chat.get(chat_id)
        # The turn is reserved before sleeping, so that three messages for one chat queue one after another.
        turn = now if last is None else max(now, last + PER_CHAT_INTERVAL)
        self._last_by_chat[chat_id] = turn
        if turn > now:
            await asyncio.sleep(turn - now)

    def pause(self, seconds: float) -> None:
        """Telegram said "retry after": nothing goes out until then, whichever chat it was for."""
        self.pauses += 1
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)
        self.next_slot = max(self.next_slot, self.paused_until)


def retry_seconds(error: RetryAfter) -> float:
    """Telegram's "retry after", whichever type this version of python-telegram-bot gives it."""
    with warnings.catch_warnings():  # PTB 22 warns that the type will change; both are handled here
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = error.retry_after
    return float(value.total_seconds()) if isinstance(value, timedelta) else float(value)
