"""An async client for the sandbox's control API, written for end-to-end tests and benchmarks.

A test reads like a conversation: `events = await user.send("/start")` returns what the bot did in
answer (messages, edits, deletions, callback answers). When the harness sets `SandboxClient.processed`,
an action waits until the bot has handled its update: every handler has returned, so every Bot API call
they awaited has been answered, and the sandbox records an event before it answers. Work the bot leaves
to tasks of its own (the sender, coordinators' notices, timers) is not part of that: read it with
`reaction()`, which waits for the first event and then until the bot goes quiet for `settle` seconds,
as every action does when `processed` is not set (the chat page, the benchmarks).

For benchmarks: `create_users(100_000)` makes the recipients in one request, `set_limits(...)` enforces
Telegram's rates (paid broadcasts included), `add_fault(...)` makes chats fail, `stats()` counts what
was delivered and `reset_stats()` starts a new phase.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

import aiohttp

JSON = dict[str, Any]
# The most an action waits for the bot before calling it a hang; it returns as soon as the bot is done, so
# this only has to outlast a loaded machine (a certificate's PDF on two busy cores takes seconds).
DEFAULT_TIMEOUT = 30.0
DEFAULT_SETTLE = 0.15


# Direction marks and isolates are invisible: a person presses the label they read, so a label is matched
# without them (Arabic labels carry isolates around their digits and Latin words).
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)


def as_read(text: str) -> str:
    """The text as a person reads it: without the invisible direction marks."""
    return text.translate(_INVISIBLE)


class SandboxError(RuntimeError):
    """The control API refused a request (bad input, unknown user or message)."""


class SandboxClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None
        # Set by a harness that can tell when the bot has handled an update (given its update_id): actions
        # then wait for that instead of for a quiet spell, which a slow machine could stretch.
        self.processed: Callable[[int], Awaitable[None]] | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Any = None,
        params: Any = None,
        wait: float = 0,
    ) -> Any:
        timeout = aiohttp.ClientTimeout(total=wait + 30)
        url = f"{self.base_url}/sandbox/api{path}"
        async with self.session.request(
            method, url, json=json, data=data, params=params, timeout=timeout
        ) as response:
            body = await response.json()
            if response.status >= 400:
                message = body.get("error") if isinstance(body, dict) else body
                raise SandboxError(f"{method} {path}: {response.status} {message}")
            return body

    async def new_user(
        self,
        first_name: str,
        language_code: str | None = "fr",
        *,
        username: str | None = None,
        user_id: int | None = None,
    ) -> SandboxUser:
        info = await self.request("GET", "/info")
        body: JSON = {"first_name": first_name, "language_code": language_code, "username": username}
        if user_id is not None:
            body["id"] = user_id
        user = await self.request("POST", "/users", json=body)
        return SandboxUser(self, user, after=int(info["seq"]))

    async def create_users(
        self, count: int, language_code: str | None = "fr", first_name: str = "Bench"
    ) -> list[int]:
        """Create `count` (1 to 200,000) users in one request, for benchmarks; return their
        contiguous ids. 100,000 take well under a second."""
        body = {"count": count, "language_code": language_code, "first_name": first_name}
        reply = await self.request("POST", "/users/bulk", json=body)
        return [int(user_id) for user_id in reply["ids"]]

    async def add_fault(
        self,
        *,
        method: str | None = None,
        chat_id: int | None = None,
        error_code: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        drop: bool = False,
    ) -> list[JSON]:
        """Make the next `times` matching Bot API requests fail; return the pending faults.

        A fault matches a method (any sending or other method when None, except getUpdates, getMe and
        the webhook methods) and a chat (any when None). `error_code` is 400, 403, 429 (with
        `retry_after`, 1 s by default), 500 or 502, answered with `description` or Telegram's usual
        one; `drop=True` closes the connection without an answer instead. Examples:

        - a chat that does not exist, as Telegram answers it:
          `add_fault(error_code=400, description="Bad Request: chat not found", chat_id=X,
          method="sendMessage", times=N)`; give a large `times` for a chat gone for good;
        - a user who blocked the bot: `error_code=403` (description "Forbidden: bot was blocked by the
          user"), or `SandboxUser.block()`, which also makes every later send answer 403;
        - a flood wait: `error_code=429, retry_after=5`.

        Faults are indexed by chat, so thousands of failing chats cost a benchmark nothing per request.
        """
        fault = {
            "method": method,
            "chat_id": chat_id,
            "error_code": error_code,
            "description": description,
            "retry_after": retry_after,
            "times": times,
            "drop": drop,
        }
        body = await self.request("POST", "/faults", json=fault)
        return list(body["faults"])

    async def clear_faults(self) -> None:
        await self.request("DELETE", "/faults")

    async def set_limits(
        self,
        *,
        enabled: bool = True,
        global_rate: float = 30.0,
        per_chat_rate: float = 1.0,
        per_chat_burst: int = 1,
        paid_rate: float = 1000.0,
    ) -> JSON:
        """Enforce (or not) Telegram's limits: messages per second over all chats (`global_rate`),
        per chat, and over all chats for requests with allow_paid_broadcast=true (`paid_rate`, which
        replaces `global_rate` for them). Beyond them a sending method answers 429 with retry_after."""
        body = {
            "enabled": enabled,
            "global_rate": global_rate,
            "per_chat_rate": per_chat_rate,
            "per_chat_burst": per_chat_burst,
            "paid_rate": paid_rate,
        }
        return dict(await self.request("POST", "/limits", json=body))

    async def stats(self) -> JSON:
        """Counters: `requests` per method, `delivered` (bot messages that reached a chat),
        `paid_messages`, `too_many_requests`, `faults_injected`; and `users`, `pending_updates`,
        `faults_pending`, `limits`, `latency_ms`."""
        return dict(await self.request("GET", "/stats"))

    async def reset_stats(self) -> JSON:
        """Zero the counters (between benchmark phases); return them as they were just before."""
        return dict(await self.request("DELETE", "/stats"))

    async def set_latency(self, ms: float) -> None:
        """Add a Bot API round trip of `ms` milliseconds to every method call (Telegram's is tens of ms)."""
        await self.request("POST", "/latency", json={"ms": ms})

    async def first_replies(self) -> dict[int, float]:
        """Each chat's first message from the bot since the last reset: chat id -> Unix time."""
        body = await self.request("GET", "/stats/first-replies")
        return {int(chat): float(at) for chat, at in body.items()}

    async def commands(self, language_code: str = "", chat_id: int | None = None) -> list[JSON]:
        params: JSON = {"language_code": language_code}
        if chat_id is not None:
            params["chat_id"] = str(chat_id)
        body = await self.request("GET", "/commands", params=params)
        return list(body["commands"])

    async def webhook(self) -> JSON:
        return dict(await self.request("GET", "/webhook"))

    async def queue_update(self, kind: str, payload: JSON) -> int:
        """Queue an update of any kind (an edit, a channel post...) for the bot; return its update_id."""
        body = await self.request("POST", "/updates", json={"kind": kind, "payload": payload})
        return int(body["update_id"])


class SandboxUser:
    """One fake Telegram user and their private chat with the bot."""

    def __init__(self, client: SandboxClient, data: JSON, *, after: int = 0) -> None:
        self.client = client
        self.id: int = int(data["id"])
        self.first_name: str = str(data["first_name"])
        self.language_code: str | None = data.get("language_code")
        self.username: str | None = data.get("username")
        # Events up to this sequence number have been seen; each action waits for later ones.
        self.seen_seq = after

    def __repr__(self) -> str:
        return f"SandboxUser(id={self.id}, first_name={self.first_name!r})"

    # Actions ------------------------------------------------------------------------------------------

    async def send(
        self,
        text: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
        settle: float = DEFAULT_SETTLE,
        expect_answer: bool = True,
    ) -> list[JSON]:
        """Send text and return the bot's reaction in this chat; `expect_answer=False` for a message the
        bot passes on elsewhere (a relayed conversation), where silence here is right."""
        await self.skip_pending()
        body = await self.client.request("POST", f"/users/{self.id}/messages", json={"text": text})
        return await self._outcome(
            body, f"to {text!r}", limit=timeout, settle=settle, expect_answer=expect_answer
        )

    async def press(
        self,
        label_or_data: str,
        message_id: int | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
        settle: float = DEFAULT_SETTLE,
    ) -> list[JSON]:
        messages = await self.messages()
        if message_id is not None:
            candidates = [m for m in messages if m["message_id"] == message_id]
        else:
            with_keyboard = [m for m in messages if m["from_bot"] and self.buttons(m)]
            candidates = with_keyboard[-1:]
        if not candidates:
            raise AssertionError(f"no bot message with an inline keyboard to press {label_or_data!r} in")
        message = candidates[0]
        wanted = as_read(label_or_data).strip()
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if wanted in (as_read(button.get("text", "")).strip(), button.get("callback_data")):
                    if "callback_data" not in button:
                        raise AssertionError(f"button {button.get('text')!r} has no callback_data: {button}")
                    return await self.press_data(
                        button["callback_data"], message["message_id"], timeout=timeout, settle=settle
                    )
        where = f"message {message['message_id']}"
        raise AssertionError(f"no button {label_or_data!r} in {where}; buttons: {self.buttons(message)}")

    async def press_data(
        self,
        data: str,
        message_id: int,
        *,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
        settle: float = DEFAULT_SETTLE,
    ) -> list[JSON]:
        body = {"message_id": message_id, "data": data}
        await self.skip_pending()
        reply = await self.client.request("POST", f"/users/{self.id}/callbacks", json=body)
        return await self._outcome(reply, f"to the button {data!r}", limit=timeout, settle=settle)

    async def share_location(
        self,
        latitude: float,
        longitude: float,
        *,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
        settle: float = DEFAULT_SETTLE,
    ) -> list[JSON]:
        body = {"latitude": latitude, "longitude": longitude}
        await self.skip_pending()
        reply = await self.client.request("POST", f"/users/{self.id}/locations", json=body)
        return await self._outcome(reply, "to a location", limit=timeout, settle=settle)

    async def upload(
        self,
        filename: str,
        content: bytes,
        caption: str | None = None,
        *,
        content_type: str = "application/octet-stream",
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
        settle: float = DEFAULT_SETTLE,
    ) -> list[JSON]:
        form = aiohttp.FormData()
        form.add_field("file", content, filename=filename, content_type=content_type)
        if caption is not None:
            form.add_field("caption", caption)
        await self.skip_pending()
        reply = await self.client.request("POST", f"/users/{self.id}/documents", data=form)
        return await self._outcome(reply, f"to the file {filename!r}", limit=timeout, settle=settle)

    async def block(self, blocked: bool = True) -> None:
        await self.client.request("POST", f"/users/{self.id}/block", json={"blocked": blocked})

    # Reading ------------------------------------------------------------------------------------------

    async def messages(self) -> list[JSON]:
        return list(await self.client.request("GET", f"/chats/{self.id}/messages"))

    async def last_bot_message(self) -> JSON | None:
        bot_messages = [message for message in await self.messages() if message["from_bot"]]
        return bot_messages[-1] if bot_messages else None

    @staticmethod
    def buttons(message: JSON | None) -> list[str]:
        markup = (message or {}).get("reply_markup") or {}
        return [button.get("text", "") for row in markup.get("inline_keyboard", []) for button in row]

    async def skip_pending(self) -> None:
        """Mark what the bot did before an action as seen, so the action returns only its own reaction.

        Messages the bot sends on its own (campaigns, reminders) are read with `reaction()` instead.
        """
        await self.poll_events(0)

    async def poll_events(self, wait: float = 0.0) -> list[JSON]:
        """Events after the last seen one, waiting up to `wait` seconds for the first."""
        params = {"after": str(self.seen_seq), "timeout": str(wait)}
        body = await self.client.request("GET", f"/chats/{self.id}/events", params=params, wait=wait)
        self.seen_seq = max(self.seen_seq, int(body["last_seq"]))
        return list(body["events"])

    async def _outcome(
        self, reply: JSON, what: str, *, limit: float, settle: float, expect_answer: bool = True
    ) -> list[JSON]:
        """The bot's events for the update just queued: waited for exactly when the harness can tell."""
        update_id = reply.get("update_id")
        if self.client.processed is None or not isinstance(update_id, int):
            if not expect_answer:
                return [event for event in await self.poll_events(settle) if _from_bot(event)]
            return await self.reaction(what, timeout=limit, settle=settle)
        await asyncio.wait_for(self.client.processed(update_id), limit)
        events = [event for event in await self.poll_events(0) if _from_bot(event)]
        if not events and expect_answer:
            raise AssertionError(f"the bot handled the update but did not answer {what}")
        return events

    async def reaction(
        self,
        what: str = "",
        *,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
        settle: float = DEFAULT_SETTLE,
    ) -> list[JSON]:
        """The bot's events: wait for the first (up to `timeout`), then until `settle` s of quiet."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        collected: list[JSON] = []
        while not collected:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"the bot did not answer {what} within {timeout} s".replace("  ", " "))
            collected += [event for event in await self.poll_events(remaining) if _from_bot(event)]
        while True:
            fresh = [event for event in await self.poll_events(settle) if _from_bot(event)]
            if not fresh:
                return collected
            collected += fresh


def _from_bot(event: JSON) -> bool:
    # The user's own messages are echoed as events too (for a second page window); they are no answer.
    return not (event.get("type") == "message" and not (event.get("message") or {}).get("from_bot"))
