"""The sandbox's in-memory world: users, chats, messages, updates, events and files.

Everything here is bounded so that a long benchmark (100,000 messages) keeps a flat memory profile:
each chat keeps its last messages and events, and all chats together keep the last MAX_STORED_MESSAGES
and MAX_STORED_EVENTS (about 1.4 kB each, with the message they share); the update queue and the file
store have caps. A benchmark also has 100,000 chats, so a chat costs a few hundred bytes until used, and
no step of sending a message looks at other chats: waiters are woken per topic (one chat, or the update
queue), not all at once.
"""

from __future__ import annotations

import asyncio
import bisect
import gc
import itertools
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

MAX_MESSAGES_PER_CHAT = 300
MAX_EVENTS_PER_CHAT = 500
# Over all chats: one 100,000-recipient campaign is kept whole, the oldest go when the next one comes.
MAX_STORED_MESSAGES = 200_000
MAX_STORED_EVENTS = 200_000
MAX_PENDING_UPDATES = 10_000
MAX_FILE_BYTES = 64 * 1024 * 1024
# Telegram lets a bot answer a callback query for a limited time only; a minute keeps slow test
# machines from failing while still letting tests exercise the "too old" error.
CALLBACK_QUERY_TTL = 60.0
FIRST_USER_ID = 100_001
DEFAULT_BOT_ID = 7_000_000_001
# What `wait_for` waits on: this topic for the update queue and the webhook, a chat's id for its events.
UPDATES = "updates"
Topic = int | str


# Slots: 100,000 benchmark users and their messages would otherwise each carry a __dict__.
@dataclass(slots=True)
class User:
    id: int
    first_name: str
    language_code: str | None = None
    username: str | None = None
    is_bot: bool = False
    blocked: bool = False

    def to_api(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data

    def to_control(self) -> JSON:
        return {
            "id": self.id,
            "first_name": self.first_name,
            "language_code": self.language_code,
            "username": self.username,
            "blocked": self.blocked,
        }


@dataclass(slots=True)
class StoredMessage:
    """A message as Telegram would return it (`data`), plus what only the page needs.

    `data` is never changed in place, only replaced (edits build a new dict): events then keep the
    message as it was by sharing the dict, instead of rendering or copying it for every message sent.
    """

    data: JSON
    from_bot: bool
    # Telegram never echoes reply keyboards in the Message object, but the page wants to show them.
    reply_keyboard: list[list[JSON]] | None = None

    def snapshot(self) -> StoredMessage:
        return StoredMessage(self.data, self.from_bot, self.reply_keyboard)


@dataclass(slots=True)
class Event:
    seq: int
    type: str
    chat_id: int
    payload: JSON | None = None
    # A "message" or "edit" event's message, rendered for the page only when the event is read
    # (pageview.page_event): most benchmark messages are never read.
    message: StoredMessage | None = None

    def to_json(self) -> JSON:
        """The event without its message; pageview.page_event adds the message as the page sees it."""
        return {"seq": self.seq, "type": self.type, "chat_id": self.chat_id, **(self.payload or {})}


@dataclass(slots=True)
class Chat:
    user: User
    messages: OrderedDict[int, StoredMessage] = field(default_factory=OrderedDict)
    # Ordered by seq, trimmed to MAX_EVENTS_PER_CHAT. A list rather than a bounded deque: an empty deque
    # costs 600 bytes, 60 MB over 100,000 chats, and a list lets events_after bisect.
    events: list[Event] = field(default_factory=list)
    next_message_id: int = 1
    # to_api's answer, built once and shared by every message of the chat (it is never mutated).
    api: JSON | None = None

    @property
    def id(self) -> int:
        return self.user.id

    def to_api(self) -> JSON:
        if self.api is None:
            data: JSON = {"id": self.user.id, "type": "private", "first_name": self.user.first_name}
            if self.user.username:
                data["username"] = self.user.username
            self.api = data
        return self.api


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str | None
    mime_type: str | None
    data: bytes | None

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else 0

    def to_api(self) -> JSON:
        """The `File` object of getFile."""
        data: JSON = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.data is not None:
            data["file_size"] = self.size
            data["file_path"] = self.file_path
        return data


@dataclass
class PendingCallback:
    chat_id: int
    created: float
    answered: bool = False


@dataclass
class Webhook:
    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


class World:
    """All of the sandbox's state, shared by the Bot API and the control API."""

    def __init__(self, bot_username: str, *, first_user_id: int = FIRST_USER_ID) -> None:
        self.bot = User(id=DEFAULT_BOT_ID, first_name="Repères (sandbox)", username=bot_username, is_bot=True)
        # This run of the sandbox: a page left open across a restart sees it change and drops its user.
        self.instance = uuid.uuid4().hex
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        # Telegram never reuses an id: a demo whose database outlives the sandbox starts above its ids.
        self._next_user_id = first_user_id
        self.updates: deque[JSON] = deque(maxlen=MAX_PENDING_UPDATES)
        self._next_update_id = 1
        self.allowed_updates: list[str] | None = None
        self.webhook = Webhook()
        self.seq = 0
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.files: OrderedDict[str, StoredFile] = OrderedDict()
        self.file_bytes = 0
        self._paths: dict[str, str] = {}
        self._file_counter = itertools.count(1)
        self._callback_counter = itertools.count(1)
        self.callbacks: OrderedDict[str, PendingCallback] = OrderedDict()
        self._waiters: dict[Topic, set[asyncio.Future[None]]] = {}
        # Every stored message and event, oldest first, for the global caps (8 bytes per entry).
        self._message_log: deque[StoredMessage] = deque()
        self._event_log: deque[Event] = deque()
        self._bot_api: JSON | None = None
        self.closing = False

    @staticmethod
    def now() -> int:
        return int(time.time())

    # Users and chats -----------------------------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        language_code: str | None = None,
        username: str | None = None,
        id: int | None = None,
    ) -> User:
        if id is None:
            while self._next_user_id in self.users:
                self._next_user_id += 1
            id = self._next_user_id
            self._next_user_id += 1
        user = User(id=id, first_name=first_name, language_code=language_code, username=username)
        self.users[id] = user
        self.chats[id] = Chat(user=user)
        return user

    def add_users(self, count: int, first_name: str, language_code: str | None) -> range:
        """Create `count` users with contiguous ids at once, for benchmarks; return their ids."""
        start = self._next_user_id
        while taken := [id for id in range(start, start + count) if id in self.users]:
            start = taken[-1] + 1
        ids = range(start, start + count)
        # The cyclic collector would run a hundred times over the growing heap while these 400,000
        # objects (none in a cycle) are made: half the time of 100,000 users.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for id in ids:
                # The name and language strings are shared: a user costs its objects, not its text.
                user = User(id=id, first_name=first_name, language_code=language_code)
                self.users[id] = user
                self.chats[id] = Chat(user=user)
        finally:
            if collecting:
                gc.enable()
        self._next_user_id = max(self._next_user_id, ids.stop)
        return ids

    def _sender_api(self, chat: Chat, from_bot: bool) -> JSON:
        if not from_bot:
            return chat.user.to_api()
        # Shared by all the bot's messages, rebuilt when a request changes the bot's id (its token).
        if self._bot_api is None or self._bot_api["id"] != self.bot.id:
            self._bot_api = self.bot.to_api()
        return self._bot_api

    # Messages ------------------------------------------------------------------------------------

    def add_message(
        self, chat: Chat, *, from_bot: bool, fields: JSON, reply_keyboard: list[list[JSON]] | None = None
    ) -> StoredMessage:
        data: JSON = {
            "message_id": chat.next_message_id,
            "from": self._sender_api(chat, from_bot),
            "chat": chat.to_api(),
            "date": int(time.time()),
            **fields,
        }
        chat.next_message_id += 1
        stored = StoredMessage(data=data, from_bot=from_bot, reply_keyboard=reply_keyboard)
        chat.messages[data["message_id"]] = stored
        while len(chat.messages) > MAX_MESSAGES_PER_CHAT:
            chat.messages.popitem(last=False)
        self._message_log.append(stored)
        if len(self._message_log) > MAX_STORED_MESSAGES:
            oldest = self._message_log.popleft()
            owner = self.chats.get(oldest.data["chat"]["id"])
            message_id = oldest.data["message_id"]
            # Unless the chat already dropped or deleted it.
            if owner is not None and owner.messages.get(message_id) is oldest:
                del owner.messages[message_id]
        return stored

    # Updates and events --------------------------------------------------------------------------

    def queue_update(self, kind: str, payload: JSON) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self.updates.append({"update_id": update_id, kind: payload})
        self.wake(UPDATES)
        return update_id

    def confirm_updates(self, offset: int) -> None:
        """Forget updates below `offset`, as getUpdates does; a negative offset keeps the last ones."""
        if offset < 0:
            while len(self.updates) > -offset:
                self.updates.popleft()
            return
        while self.updates and self.updates[0]["update_id"] < offset:
            self.updates.popleft()

    def add_event(
        self, chat: Chat, type: str, payload: JSON | None = None, *, message: StoredMessage | None = None
    ) -> Event:
        self.seq += 1
        event = Event(seq=self.seq, type=type, chat_id=chat.id, payload=payload, message=message)
        chat.events.append(event)
        if len(chat.events) > MAX_EVENTS_PER_CHAT:
            del chat.events[0]  # a memmove of at most 500 pointers
        self._event_log.append(event)
        if len(self._event_log) > MAX_STORED_EVENTS:
            # The oldest event overall is its chat's oldest, unless the chat already dropped it.
            oldest = self._event_log.popleft()
            owner = self.chats.get(oldest.chat_id)
            if owner is not None and owner.events and owner.events[0] is oldest:
                del owner.events[0]
        self.wake(chat.id)
        return event

    def events_after(self, chat: Chat, seq: int) -> list[Event]:
        return chat.events[bisect.bisect_right(chat.events, seq, key=lambda event: event.seq) :]

    def wake(self, topic: Topic = UPDATES) -> None:
        """Wake whoever waits on `topic` (only them: a message to one chat must not wake every poll)."""
        # Plain futures rather than a Condition: waking needs no lock, so synchronous code (every
        # route handler) can publish a change without spawning a task per message.
        for waiter in self._waiters.pop(topic, ()):
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(self, predicate: Callable[[], object], seconds: float, topic: Topic = UPDATES) -> bool:
        """Wait until `predicate()` is true, the timeout passes, or the server closes.

        `predicate` is checked again each time `topic` is woken, so it must depend on that topic only.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not predicate() and not self.closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.setdefault(topic, set()).add(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                pass
            finally:
                waiters = self._waiters.get(topic)
                if waiters is not None:
                    waiters.discard(waiter)
                    if not waiters:
                        del self._waiters[topic]
        return bool(predicate())

    def close(self) -> None:
        self.closing = True
        for topic in list(self._waiters):
            self.wake(topic)

    # Callback queries ----------------------------------------------------------------------------

    def new_callback(self, chat_id: int) -> str:
        now = time.monotonic()
        while self.callbacks:
            oldest = next(iter(self.callbacks.values()))
            if now - oldest.created <= CALLBACK_QUERY_TTL:
                break
            self.callbacks.popitem(last=False)
        query_id = f"{chat_id}{next(self._callback_counter):08d}"
        self.callbacks[query_id] = PendingCallback(chat_id=chat_id, created=now)
        return query_id

    def callback_expired(self, pending: PendingCallback) -> bool:
        return time.monotonic() - pending.created > CALLBACK_QUERY_TTL

    # Files ---------------------------------------------------------------------------------------

    def add_file(
        self, *, kind: str, file_name: str | None, mime_type: str | None, data: bytes | None
    ) -> StoredFile:
        number = next(self._file_counter)
        file_id = f"SBX{kind[:3].upper()}{number:010d}"
        extension = ""
        if file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1][:8]
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=f"U{number:010d}",
            file_path=f"{kind}s/file_{number}{extension}",
            file_name=file_name,
            mime_type=mime_type,
            data=data,
        )
        self.files[file_id] = stored
        self._paths[stored.file_path] = file_id
        self.file_bytes += stored.size
        while self.file_bytes > MAX_FILE_BYTES and len(self.files) > 1:
            _, evicted = self.files.popitem(last=False)
            self._paths.pop(evicted.file_path, None)
            self.file_bytes -= evicted.size
        return stored

    def file_by_path(self, file_path: str) -> StoredFile | None:
        file_id = self._paths.get(file_path)
        return self.files.get(file_id) if file_id else None
