"""The sandbox's in-memory world: users, chats, messages, updates, events and files.

Everything here is bounded so that a long benchmark (100,000 messages) keeps a flat memory profile:
each chat keeps its last messages and events, the update queue and the file store have caps.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

MAX_MESSAGES_PER_CHAT = 300
MAX_EVENTS_PER_CHAT = 500
MAX_PENDING_UPDATES = 10_000
MAX_FILE_BYTES = 64 * 1024 * 1024
# Telegram lets a bot answer a callback query for a limited time only; a minute keeps slow test
# machines from failing while still letting tests exercise the "too old" error.
CALLBACK_QUERY_TTL = 60.0
FIRST_USER_ID = 100_001
DEFAULT_BOT_ID = 7_000_000_001


@dataclass
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


@dataclass
class StoredMessage:
    """A message as Telegram would return it (`data`), plus what only the page needs."""

    data: JSON
    from_bot: bool
    # Telegram never echoes reply keyboards in the Message object, but the page wants to show them.
    reply_keyboard: list[list[JSON]] | None = None


@dataclass
class Event:
    seq: int
    type: str
    chat_id: int
    payload: JSON

    def to_json(self) -> JSON:
        return {"seq": self.seq, "type": self.type, "chat_id": self.chat_id, **self.payload}


@dataclass
class Chat:
    user: User
    messages: OrderedDict[int, StoredMessage] = field(default_factory=OrderedDict)
    events: deque[Event] = field(default_factory=lambda: deque(maxlen=MAX_EVENTS_PER_CHAT))
    next_message_id: int = 1

    @property
    def id(self) -> int:
        return self.user.id

    def to_api(self) -> JSON:
        data: JSON = {"id": self.user.id, "type": "private", "first_name": self.user.first_name}
        if self.user.username:
            data["username"] = self.user.username
        return data


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

    def __init__(self, bot_username: str) -> None:
        self.bot = User(id=DEFAULT_BOT_ID, first_name="Repères (sandbox)", username=bot_username, is_bot=True)
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self._next_user_id = FIRST_USER_ID
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
        self._waiters: set[asyncio.Future[None]] = set()
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

    # Messages ------------------------------------------------------------------------------------

    def add_message(
        self, chat: Chat, *, from_bot: bool, fields: JSON, reply_keyboard: list[list[JSON]] | None = None
    ) -> StoredMessage:
        sender = self.bot if from_bot else chat.user
        data: JSON = {
            "message_id": chat.next_message_id,
            "from": sender.to_api(),
            "chat": chat.to_api(),
            "date": int(time.time()),
            **fields,
        }
        chat.next_message_id += 1
        stored = StoredMessage(data=data, from_bot=from_bot, reply_keyboard=reply_keyboard)
        chat.messages[data["message_id"]] = stored
        while len(chat.messages) > MAX_MESSAGES_PER_CHAT:
            chat.messages.popitem(last=False)
        return stored

    # Updates and events --------------------------------------------------------------------------

    def queue_update(self, kind: str, payload: JSON) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self.updates.append({"update_id": update_id, kind: payload})
        self.wake()
        return update_id

    def confirm_updates(self, offset: int) -> None:
        """Forget updates below `offset`, as getUpdates does; a negative offset keeps the last ones."""
        if offset < 0:
            while len(self.updates) > -offset:
                self.updates.popleft()
            return
        while self.updates and self.updates[0]["update_id"] < offset:
            self.updates.popleft()

    def add_event(self, chat: Chat, type: str, payload: JSON) -> Event:
        self.seq += 1
        event = Event(seq=self.seq, type=type, chat_id=chat.id, payload=payload)
        chat.events.append(event)
        self.wake()
        return event

    def events_after(self, chat: Chat, seq: int) -> list[Event]:
        return [event for event in chat.events if event.seq > seq]

    def wake(self) -> None:
        # Plain futures rather than a Condition: waking needs no lock, so synchronous code (every
        # route handler) can publish a change without spawning a task per message.
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait_for(self, predicate: Callable[[], object], seconds: float) -> bool:
        """Wait until `predicate()` is true, the timeout passes, or the server closes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not predicate() and not self.closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                pass
            finally:
                self._waiters.discard(waiter)
        return bool(predicate())

    def close(self) -> None:
        self.closing = True
        self.wake()

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
