"""Updates of the kinds the bot does not subscribe to, shaped as Telegram sends them, about one user's chat.

Each one names the user's private chat (or the user), so that the bot's per-chat order puts it before the
user's next message: once that message is answered, the forged update has been dealt with too.
"""

from __future__ import annotations

import time
from typing import Any

from sandbox.client import SandboxUser

JSON = dict[str, Any]


def _user(user: SandboxUser) -> JSON:
    return {"id": user.id, "is_bot": False, "first_name": user.first_name, "language_code": "fr"}


def _chat(user: SandboxUser, kind: str = "private") -> JSON:
    if kind == "private":
        return {"id": user.id, "type": "private", "first_name": user.first_name}
    return {"id": user.id, "type": kind, "title": "Forged"}


def _command(user: SandboxUser, chat: JSON, **extra: object) -> JSON:
    """A "/start" message: what the bot would answer at once were it to read the update."""
    return {
        "message_id": 1,
        "date": int(time.time()),
        "chat": chat,
        "from": _user(user),
        "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        **extra,
    }


def forged(kind: str, user: SandboxUser) -> JSON:
    """The payload of an update of `kind` about `user`'s chat."""
    now = int(time.time())
    member = {"user": _user(user), "status": "member"}
    payloads: dict[str, JSON] = {
        "edited_message": _command(user, _chat(user), edit_date=now),
        "channel_post": _command(user, _chat(user, "channel")),
        "edited_channel_post": _command(user, _chat(user, "channel"), edit_date=now),
        "business_message": _command(user, _chat(user), business_connection_id="forged"),
        "edited_business_message": _command(
            user, _chat(user), business_connection_id="forged", edit_date=now
        ),
        "chat_member": {
            "chat": _chat(user),
            "from": _user(user),
            "date": now,
            "old_chat_member": member,
            "new_chat_member": {**member, "status": "left"},
        },
        "message_reaction": {
            "chat": _chat(user),
            "message_id": 1,
            "user": _user(user),
            "date": now,
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": "👍"}],
        },
        "poll_answer": {
            "poll_id": "1",
            "user": _user(user),
            "option_ids": [0],
            "option_persistent_ids": ["a"],
        },
        "inline_query": {"id": "1", "from": _user(user), "query": "aide", "offset": ""},
        "chat_join_request": {
            "chat": _chat(user, "supergroup"),
            "from": _user(user),
            "user_chat_id": user.id,
            "date": now,
        },
    }
    return payloads[kind]


# What the sandbox delivers by getUpdates when the bot names no `allowed_updates` (Telegram's default).
POLLED_KINDS = [
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "poll_answer",
    "inline_query",
    "chat_join_request",
]
# Anything can be posted to the webhook by whoever holds its secret.
POSTED_KINDS = [
    *POLLED_KINDS,
    "business_message",
    "edited_business_message",
    "chat_member",
    "message_reaction",
]
