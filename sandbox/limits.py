"""Telegram's sending limits as token buckets, request counters, and a fault injector.

With limits enforced, a delivery loop that ignores 429s or the per-chat pace fails in tests exactly as it
would in production; faults let tests meet 403s, 5xx and dropped connections on demand.

Paid broadcasts (`allow_paid_broadcast=true` on a sending method) draw on their own global bucket
(1000 messages/s by default) instead of the free one (30/s); the per-chat pace applies to both.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# Every one of them accepts allow_paid_broadcast on Telegram.
SENDING_METHODS = frozenset(
    {"sendmessage", "senddocument", "sendphoto", "sendlocation", "sendvenue", "copymessage"}
)
# A fault without a method must not be swallowed by the bot's own polling or webhook housekeeping.
UNTARGETED_EXEMPT = frozenset({"getupdates", "setwebhook", "deletewebhook", "getwebhookinfo", "getme"})
FAULT_CODES = frozenset({400, 403, 429, 500, 502})
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected fault",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
MAX_TRACKED_CHATS = 50_000


class TokenBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = max(burst, 1.0)
        self.tokens = self.burst
        self.updated = time.monotonic()

    def take(self, now: float) -> float:
        """Take one token; return 0 when allowed, else the seconds until a token is available."""
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate

    def is_full(self, now: float) -> bool:
        return self.tokens + (now - self.updated) * self.rate >= self.burst


@dataclass
class Stats:
    """Counters since the start or the last reset (DELETE /sandbox/api/stats, between benchmark phases)."""

    requests: Counter[str] = field(default_factory=Counter)
    too_many_requests: int = 0
    # Messages the bot got into a chat (sent or copied), whatever the method.
    delivered: int = 0
    # Those of them sent with allow_paid_broadcast, whether or not limits are enforced: a benchmark
    # can check that the engine asked for paid broadcasting.
    paid_messages: int = 0
    faults_injected: int = 0
    # When each chat got its first message from the bot (Unix time), for a benchmark's "POST to first
    # reply"; read with GET /sandbox/api/stats/first-replies, zeroed with the counters.
    first_replies: dict[int, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "too_many_requests": self.too_many_requests,
            "delivered": self.delivered,
            "paid_messages": self.paid_messages,
            "faults_injected": self.faults_injected,
        }


class RateLimiter:
    def __init__(
        self,
        *,
        enabled: bool = False,
        global_rate: float = 30.0,
        per_chat_rate: float = 1.0,
        per_chat_burst: int = 1,
        paid_rate: float = 1000.0,
    ) -> None:
        self.configure(
            enabled=enabled,
            global_rate=global_rate,
            per_chat_rate=per_chat_rate,
            per_chat_burst=per_chat_burst,
            paid_rate=paid_rate,
        )

    def configure(
        self,
        *,
        enabled: bool,
        global_rate: float,
        per_chat_rate: float,
        per_chat_burst: int,
        paid_rate: float = 1000.0,
    ) -> None:
        if global_rate <= 0 or per_chat_rate <= 0 or paid_rate <= 0 or per_chat_burst < 1:
            raise ValueError("rates must be positive and the burst at least 1")
        self.enabled = enabled
        self.global_rate = global_rate
        self.per_chat_rate = per_chat_rate
        self.per_chat_burst = per_chat_burst
        self.paid_rate = paid_rate
        # Each global bucket holds one second of its rate, as Telegram tolerates short bursts.
        self._global = TokenBucket(global_rate, global_rate)
        self._paid = TokenBucket(paid_rate, paid_rate)
        self._chats: dict[int, TokenBucket] = {}
        self._prune_at = MAX_TRACKED_CHATS

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "global_rate": self.global_rate,
            "per_chat_rate": self.per_chat_rate,
            "per_chat_burst": self.per_chat_burst,
            "paid_rate": self.paid_rate,
        }

    def _chat_bucket(self, chat_id: int, now: float) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) >= self._prune_at:
                # A full bucket is the same as no bucket. When the chats still pacing stay many (a slow
                # per-chat rate), prune again only after as many new ones: O(1) per chat, not O(chats).
                self._chats = {key: b for key, b in self._chats.items() if not b.is_full(now)}
                self._prune_at = max(MAX_TRACKED_CHATS, 2 * len(self._chats))
            bucket = self._chats[chat_id] = TokenBucket(self.per_chat_rate, self.per_chat_burst)
        return bucket

    def check(self, chat_id: int | None, *, paid: bool = False) -> int | None:
        """Return None if the request may go, else Telegram's integer retry_after (at least 1).

        `paid`: the request asked for a paid broadcast, counted against the paid global bucket only.
        """
        if not self.enabled:
            return None
        now = time.monotonic()
        if chat_id is not None:
            wait = self._chat_bucket(chat_id, now).take(now)
            if wait > 0:
                return max(1, math.ceil(wait))
        wait = (self._paid if paid else self._global).take(now)
        if wait > 0:
            if chat_id is not None:
                # The per-chat token was not really used: Telegram refused the message.
                self._chats[chat_id].tokens += 1
            return max(1, math.ceil(wait))
        return None


@dataclass
class Fault:
    error_code: int
    method: str | None = None
    chat_id: int | None = None
    description: str | None = None
    retry_after: int | None = None
    times: int = 1
    drop: bool = False
    # Position among the faults added, so that the first one added wins whatever index holds it.
    order: int = field(default=0, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        drop = bool(data.get("drop", False))
        error_code = int(data.get("error_code", 500 if drop else 0))
        if not drop and error_code not in FAULT_CODES:
            raise ValueError(f"error_code must be one of {sorted(FAULT_CODES)}")
        retry_after = data.get("retry_after")
        if error_code == 429 and retry_after is None:
            retry_after = 1
        times = int(data.get("times", 1))
        if times < 1:
            raise ValueError("times must be at least 1")
        chat_id = data.get("chat_id")
        return cls(
            error_code=error_code,
            method=str(data["method"]) if data.get("method") else None,
            chat_id=int(chat_id) if chat_id is not None else None,
            description=str(data["description"]) if data.get("description") else None,
            retry_after=int(retry_after) if retry_after is not None else None,
            times=times,
            drop=drop,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "chat_id": self.chat_id,
            "error_code": self.error_code,
            "description": self.description,
            "retry_after": self.retry_after,
            "times": self.times,
            "drop": self.drop,
        }

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.method is None:
            if method in UNTARGETED_EXEMPT:
                return False
        elif self.method.lower() != method:
            return False
        return self.chat_id is None or self.chat_id == chat_id

    def answer(self) -> dict[str, Any]:
        """The JSON body Telegram would send for this error."""
        template = self.description or _DEFAULT_DESCRIPTIONS[self.error_code]
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": template.format(retry_after=self.retry_after),
        }
        if self.error_code == 429:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class FaultInjector:
    """Faults by chat: a benchmark may fail thousands of chats ("chat not found") and each request then
    looks only at its own chat's faults and the untargeted ones, not at every fault."""

    def __init__(self) -> None:
        self._by_chat: dict[int | None, list[Fault]] = {}
        self._order = itertools.count()
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @property
    def faults(self) -> list[Fault]:
        """The pending faults in the order they were added."""
        return sorted(itertools.chain.from_iterable(self._by_chat.values()), key=lambda f: f.order)

    def add(self, fault: Fault) -> None:
        fault.order = next(self._order)
        self._by_chat.setdefault(fault.chat_id, []).append(fault)
        self._count += 1

    def clear(self) -> None:
        self._by_chat.clear()
        self._count = 0

    def take(self, method: str, chat_id: int | None) -> Fault | None:
        """Consume one use of the first fault matching this request (`method` in lower case)."""
        found: Fault | None = None
        for key in {chat_id, None}:
            for fault in self._by_chat.get(key, ()):
                if fault.matches(method, chat_id):
                    if found is None or fault.order < found.order:
                        found = fault
                    break
        if found is None:
            return None
        found.times -= 1
        if found.times <= 0:
            faults = self._by_chat[found.chat_id]
            faults.remove(found)
            if not faults:
                del self._by_chat[found.chat_id]
            self._count -= 1
        return found
