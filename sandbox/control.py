"""The control API under /sandbox/api: what the chat page, the tests and the benchmarks drive.

It plays the users' side of Telegram: their messages, button presses, locations and files become updates
for the bot, and the chat's events (what the bot did) can be long-polled.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from sandbox.context import SANDBOX, Sandbox
from sandbox.limits import Fault, Stats
from sandbox.pageview import page_event, page_message
from sandbox.state import Chat, User
from sandbox.telegram_html import utf16_len

JSON = dict[str, Any]
MAX_EVENT_WAIT = 60.0
MAX_BULK_USERS = 200_000
PREFIX = "/sandbox/api"


def _error(status: int, message: str) -> web.HTTPException:
    cls = {400: web.HTTPBadRequest, 404: web.HTTPNotFound}[status]
    return cls(text=web.json_response({"error": message}).text, content_type="application/json")


async def _body(request: web.Request) -> JSON:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise _error(400, "the body must be JSON") from None
    if not isinstance(body, dict):
        raise _error(400, "the body must be a JSON object")
    return body


def _chat(request: web.Request) -> tuple[Sandbox, Chat]:
    sandbox = request.app[SANDBOX]
    try:
        chat = sandbox.world.chats.get(int(request.match_info["id"]))
    except ValueError:
        chat = None
    if chat is None:
        raise _error(404, "user not found")
    return sandbox, chat


def _send_user_message(sandbox: Sandbox, chat: Chat, fields: JSON) -> web.Response:
    world = sandbox.world
    if chat.user.blocked:
        # Writing to a bot you blocked unblocks it, as Telegram's "Restart" does.
        _set_blocked(sandbox, chat, False)
    stored = world.add_message(chat, from_bot=False, fields=fields)
    update_id = world.queue_update("message", stored.data)
    world.add_event(chat, "message", message=stored.snapshot())
    return web.json_response({"message": stored.data, "update_id": update_id})


def _set_blocked(sandbox: Sandbox, chat: Chat, blocked: bool) -> None:
    world = sandbox.world
    if chat.user.blocked == blocked:
        return
    chat.user.blocked = blocked
    bot = world.bot.to_api()
    old, new = ("member", "kicked") if blocked else ("kicked", "member")
    member_old: JSON = {"user": bot, "status": old}
    member_new: JSON = {"user": bot, "status": new}
    for member in (member_old, member_new):
        if member["status"] == "kicked":
            member["until_date"] = 0
    world.queue_update(
        "my_chat_member",
        {
            "chat": chat.to_api(),
            "from": chat.user.to_api(),
            "date": world.now(),
            "old_chat_member": member_old,
            "new_chat_member": member_new,
        },
    )


# Users --------------------------------------------------------------------------------------------------


async def create_user(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    body = await _body(request)
    first_name = str(body.get("first_name") or "").strip()
    if not first_name:
        raise _error(400, "first_name is required")
    user_id = body.get("id")
    if user_id is not None and int(user_id) in sandbox.world.users:
        raise _error(400, "a user with this id exists")
    language_code = str(body["language_code"]).strip() if body.get("language_code") else None
    username = str(body["username"]).strip().lstrip("@") if body.get("username") else None
    user = sandbox.world.add_user(
        first_name,
        language_code=language_code,
        username=username,
        id=int(user_id) if user_id is not None else None,
    )
    return web.json_response(user.to_control(), status=201)


async def create_users(request: web.Request) -> web.Response:
    """Many users at once for benchmarks: `{"count": N, "language_code": "fr", "first_name": "Bench"}`.

    The ids are contiguous; the users are like those of POST /users, without username.
    """
    sandbox = request.app[SANDBOX]
    body = await _body(request)
    count = body.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_BULK_USERS:
        raise _error(400, f"count must be an integer from 1 to {MAX_BULK_USERS}")
    first_name = str(body.get("first_name") or "Bench").strip() or "Bench"
    # An explicit null or "" gives users without language_code, which Telegram may omit.
    language_code = str(body.get("language_code", "fr") or "").strip() or None
    ids = sandbox.world.add_users(count, first_name, language_code)
    return web.json_response({"ids": list(ids)}, status=201)


async def list_users(request: web.Request) -> web.Response:
    users: list[User] = list(request.app[SANDBOX].world.users.values())
    return web.json_response([user.to_control() for user in users])


async def get_user(request: web.Request) -> web.Response:
    _, chat = _chat(request)
    return web.json_response(chat.user.to_control())


async def post_message(request: web.Request) -> web.Response:
    sandbox, chat = _chat(request)
    text = str((await _body(request)).get("text") or "")
    if not text.strip():
        raise _error(400, "text is required")
    fields: JSON = {"text": text}
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        fields["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
    return _send_user_message(sandbox, chat, fields)


async def post_location(request: web.Request) -> web.Response:
    sandbox, chat = _chat(request)
    body = await _body(request)
    try:
        latitude, longitude = float(body["latitude"]), float(body["longitude"])
    except (KeyError, TypeError, ValueError):
        raise _error(400, "latitude and longitude are required numbers") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise _error(400, "latitude or longitude out of range")
    return _send_user_message(sandbox, chat, {"location": {"latitude": latitude, "longitude": longitude}})


async def post_document(request: web.Request) -> web.Response:
    sandbox, chat = _chat(request)
    form = await request.post()
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        raise _error(400, "a multipart field named 'file' is required")
    data = upload.file.read()
    if not data:
        raise _error(400, "the file is empty")
    stored = sandbox.world.add_file(
        kind="document", file_name=upload.filename, mime_type=upload.content_type, data=data
    )
    document: JSON = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_name": stored.file_name,
        "mime_type": stored.mime_type,
        "file_size": stored.size,
    }
    fields: JSON = {"document": {key: value for key, value in document.items() if value is not None}}
    caption = form.get("caption")
    if isinstance(caption, str) and caption:
        fields["caption"] = caption
    return _send_user_message(sandbox, chat, fields)


async def post_callback(request: web.Request) -> web.Response:
    sandbox, chat = _chat(request)
    body = await _body(request)
    try:
        message_id = int(body["message_id"])
    except (KeyError, TypeError, ValueError):
        raise _error(400, "message_id is required") from None
    stored = chat.messages.get(message_id)
    if stored is None:
        raise _error(404, "message not found")
    # The data is deliberately not checked against the buttons: tests press stale or forged data.
    query_id = sandbox.world.new_callback(chat.id)
    query: JSON = {
        "id": query_id,
        "from": chat.user.to_api(),
        "message": stored.data,
        "chat_instance": str(8_000_000_000_000 + chat.id),
        "data": str(body.get("data") or ""),
    }
    update_id = sandbox.world.queue_update("callback_query", query)
    return web.json_response({"callback_query": query, "update_id": update_id})


async def post_block(request: web.Request) -> web.Response:
    sandbox, chat = _chat(request)
    body = await _body(request)
    _set_blocked(sandbox, chat, bool(body.get("blocked", True)))
    return web.json_response(chat.user.to_control())


async def post_update(request: web.Request) -> web.Response:
    """Any update, as the bot would receive it: `{"kind": "edited_message", "payload": {...}}`.

    For the updates the chat page cannot produce (edits, channel posts, reactions, business messages):
    tests check that the bot ignores the kinds it did not subscribe to. They are delivered like the others,
    filtered by the bot's `allowed_updates` as Telegram would filter them.
    """
    sandbox = request.app[SANDBOX]
    body = await _body(request)
    kind, payload = body.get("kind"), body.get("payload")
    if not isinstance(kind, str) or not kind or kind == "update_id" or not isinstance(payload, dict):
        raise _error(400, "kind (a string) and payload (an object) are required")
    update_id = sandbox.world.queue_update(kind, payload)
    return web.json_response({"update_id": update_id}, status=201)


# Chats --------------------------------------------------------------------------------------------------


async def get_messages(request: web.Request) -> web.Response:
    _, chat = _chat(request)
    return web.json_response([page_message(stored) for stored in chat.messages.values()])


async def get_events(request: web.Request) -> web.Response:
    sandbox, chat = _chat(request)
    world = sandbox.world
    try:
        after = int(request.query.get("after", "0"))
        wait = min(max(float(request.query.get("timeout", "25")), 0.0), MAX_EVENT_WAIT)
    except ValueError:
        raise _error(400, "after and timeout must be numbers") from None
    if after > world.seq:
        # The sandbox restarted since the page last polled: replay what this chat still has.
        after = 0
    if not world.events_after(chat, after) and wait > 0:
        await world.wait_for(lambda: world.events_after(chat, after), wait, topic=chat.id)
    events = world.events_after(chat, after)
    last_seq = events[-1].seq if events else max(after, world.seq)
    return web.json_response({"events": [page_event(event) for event in events], "last_seq": last_seq})


# Faults, limits, stats, commands, webhook -------------------------------------------------------------


async def add_faults(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    body = await request.json() if request.can_read_body else None
    items = body if isinstance(body, list) else [body]
    try:
        faults = [Fault.from_json(item) for item in items if isinstance(item, dict)]
    except (KeyError, TypeError, ValueError) as error:
        raise _error(400, f"invalid fault: {error}") from None
    if not faults:
        raise _error(400, "send one fault object or a list of them")
    for fault in faults:
        sandbox.faults.add(fault)
    return web.json_response({"faults": [fault.to_json() for fault in sandbox.faults.faults]})


async def list_faults(request: web.Request) -> web.Response:
    return web.json_response({"faults": [fault.to_json() for fault in request.app[SANDBOX].faults.faults]})


async def clear_faults(request: web.Request) -> web.Response:
    request.app[SANDBOX].faults.clear()
    return web.json_response({"faults": []})


async def set_limits(request: web.Request) -> web.Response:
    limiter = request.app[SANDBOX].limiter
    body = await _body(request)
    try:
        limiter.configure(
            enabled=bool(body.get("enabled", limiter.enabled)),
            global_rate=float(body.get("global_rate", limiter.global_rate)),
            per_chat_rate=float(body.get("per_chat_rate", limiter.per_chat_rate)),
            per_chat_burst=int(body.get("per_chat_burst", limiter.per_chat_burst)),
            paid_rate=float(body.get("paid_rate", limiter.paid_rate)),
        )
    except (TypeError, ValueError) as error:
        raise _error(400, str(error)) from None
    return web.json_response(limiter.to_json())


async def get_limits(request: web.Request) -> web.Response:
    return web.json_response(request.app[SANDBOX].limiter.to_json())


def _stats(sandbox: Sandbox) -> JSON:
    return {
        **sandbox.stats.to_json(),
        "pending_updates": len(sandbox.world.updates),
        "users": len(sandbox.world.users),
        "limits": sandbox.limiter.to_json(),
        "faults_pending": len(sandbox.faults),
        "latency_ms": sandbox.latency_ms,
    }


async def first_replies(request: web.Request) -> web.Response:
    """`{"chat id": unix time}` of each chat's first message from the bot since the last reset."""
    replies = request.app[SANDBOX].stats.first_replies
    return web.json_response({str(chat): at for chat, at in replies.items()})


async def set_latency(request: web.Request) -> web.Response:
    """`{"ms": 60}`: the Bot API round trip added to every method call from now on."""
    sandbox = request.app[SANDBOX]
    body = await _body(request)
    try:
        ms = float(body["ms"])
    except (KeyError, TypeError, ValueError):
        raise _error(400, 'send {"ms": N}, a number of milliseconds') from None
    if not 0 <= ms <= 60_000:
        raise _error(400, "ms must be between 0 and 60000")
    sandbox.latency_ms = ms
    return web.json_response({"ms": ms})


async def get_stats(request: web.Request) -> web.Response:
    return web.json_response(_stats(request.app[SANDBOX]))


async def reset_stats(request: web.Request) -> web.Response:
    """Zero the counters, between benchmark phases; answer with their values just before."""
    sandbox = request.app[SANDBOX]
    before = _stats(sandbox)
    sandbox.stats = Stats()
    return web.json_response(before)


def effective_commands(sandbox: Sandbox, language_code: str, chat_id: int | None) -> list[JSON]:
    """The menu a private chat sees, searched in Telegram's order: narrowest scope and language first."""
    scopes = ([f"chat:{chat_id}"] if chat_id is not None else []) + ["all_private_chats", "default"]
    languages = [language_code, ""] if language_code else [""]
    for scope in scopes:
        for language in languages:
            commands = sandbox.world.commands.get((scope, language))
            if commands:
                return commands
    return []


async def get_commands(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    language_code = request.query.get("language_code", "")
    chat_id = request.query.get("chat_id")
    try:
        chat = int(chat_id) if chat_id else None
    except ValueError:
        raise _error(400, "chat_id must be an integer") from None
    stored = {
        f"{scope}/{language or '*'}": commands
        for (scope, language), commands in sandbox.world.commands.items()
    }
    return web.json_response(
        {
            "language_code": language_code,
            "commands": effective_commands(sandbox, language_code, chat),
            "all": stored,
        }
    )


async def get_webhook(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    webhook = sandbox.world.webhook
    return web.json_response(
        {
            "url": webhook.url,
            "has_secret_token": webhook.secret_token is not None,
            "allowed_updates": webhook.allowed_updates,
            "pending_update_count": len(sandbox.world.updates),
            "last_error_date": webhook.last_error_date,
            "last_error_message": webhook.last_error_message,
        }
    )


async def get_file(request: web.Request) -> web.Response:
    stored = request.app[SANDBOX].world.files.get(request.match_info["file_id"])
    if stored is None or stored.data is None:
        raise _error(404, "file not found")
    name = stored.file_name or stored.file_path.rsplit("/", 1)[-1]
    # Served as a download, never inline: the bytes come from users and the bot, not from us.
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    content_type = (stored.mime_type or "application/octet-stream").split(";")[0]
    if content_type.startswith("image/") and content_type != "image/svg+xml":
        headers["Content-Disposition"] = "inline"
    return web.Response(body=stored.data, content_type=content_type, headers=headers)


async def get_info(request: web.Request) -> web.Response:
    world = request.app[SANDBOX].world
    return web.json_response({"bot": world.bot.to_api(), "seq": world.seq, "instance": world.instance})


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get(f"{PREFIX}/info", get_info)
    router.add_post(f"{PREFIX}/users", create_user)
    router.add_post(f"{PREFIX}/users/bulk", create_users)
    router.add_get(f"{PREFIX}/users", list_users)
    router.add_get(PREFIX + "/users/{id}", get_user)
    router.add_post(PREFIX + "/users/{id}/messages", post_message)
    router.add_post(PREFIX + "/users/{id}/callbacks", post_callback)
    router.add_post(PREFIX + "/users/{id}/locations", post_location)
    router.add_post(PREFIX + "/users/{id}/documents", post_document)
    router.add_post(PREFIX + "/users/{id}/block", post_block)
    router.add_post(f"{PREFIX}/updates", post_update)
    router.add_get(PREFIX + "/chats/{id}/messages", get_messages)
    router.add_get(PREFIX + "/chats/{id}/events", get_events)
    router.add_post(f"{PREFIX}/faults", add_faults)
    router.add_get(f"{PREFIX}/faults", list_faults)
    router.add_delete(f"{PREFIX}/faults", clear_faults)
    router.add_post(f"{PREFIX}/limits", set_limits)
    router.add_get(f"{PREFIX}/limits", get_limits)
    router.add_get(f"{PREFIX}/stats", get_stats)
    router.add_delete(f"{PREFIX}/stats", reset_stats)
    router.add_get(f"{PREFIX}/stats/first-replies", first_replies)
    router.add_post(f"{PREFIX}/latency", set_latency)
    router.add_get(f"{PREFIX}/commands", get_commands)
    router.add_get(f"{PREFIX}/webhook", get_webhook)
    router.add_get(PREFIX + "/files/{file_id}", get_file)
