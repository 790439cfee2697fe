"""The fake Bot API: `/bot{token}/{method}` and `/file/bot{token}/{path}`, answering as Telegram does.

Requests arrive the way python-telegram-bot sends them: form fields whose complex values are JSON strings
(multipart when files are attached), or a JSON body from other clients; `Params` hides the difference.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import struct
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlparse

from aiohttp import web

from sandbox.context import SANDBOX, Sandbox
from sandbox.limits import SENDING_METHODS
from sandbox.state import Chat, StoredFile, StoredMessage
from sandbox.telegram_html import CAPTION_LIMIT, TEXT_LIMIT, EntityParseError, parse_html

JSON = dict[str, Any]
Number = TypeVar("Number", int, float)

TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "callback_query",
        "inline_query",
        "chosen_inline_result",
        "my_chat_member",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "chat_join_request",
    }
)
OTHER_BUTTON_KINDS = (
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


class ApiError(Exception):
    def __init__(self, error_code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def response(self) -> web.Response:
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return web.json_response(body, status=self.error_code)


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def not_found() -> web.Response:
    return ApiError(404, "Not Found").response()


class Params:
    """Typed access to a request's parameters, whatever encoding carried them."""

    def __init__(self, values: dict[str, Any], files: dict[str, web.FileField]) -> None:
        self.values = values
        self.files = files

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, *, required: bool = False) -> int | None:
        return self._convert(name, int, required=required)

    def number(self, name: str, *, required: bool = False) -> float | None:
        return self._convert(name, float, required=required)

    def _convert(self, name: str, kind: Callable[[Any], Number], *, required: bool) -> Number | None:
        """The parameter as `kind`, None when absent; Telegram's 400 when required or malformed."""
        value = self.values.get(name)
        if value in (None, ""):
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return kind(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def obj(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value


async def read_params(request: web.Request) -> Params:
    values: dict[str, Any] = dict(request.query)
    files: dict[str, web.FileField] = {}
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON body") from None
            if isinstance(body, dict):
                values.update(body)
        else:
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    files[name] = value
                else:
                    values[name] = value
    return Params(values, files)


# Helpers shared by the methods --------------------------------------------------------------------------


def find_chat(sandbox: Sandbox, params: Params, name: str = "chat_id") -> Chat:
    raw = params.values.get(name)
    if raw in (None, ""):
        raise bad_request(f"{name} is empty")
    try:
        chat = sandbox.world.chats.get(int(raw))
    except (TypeError, ValueError):
        chat = None
    if chat is None:
        raise bad_request("chat not found")
    return chat


def writable_chat(sandbox: Sandbox, params: Params) -> Chat:
    chat = find_chat(sandbox, params)
    if chat.user.blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    return chat


# A campaign sends one text to 100,000 chats; html.parser was most of the sandbox's time per message.
# The entities are then shared by the messages, which is safe: stored messages are never changed in place.
_parse_html_cached = functools.lru_cache(maxsize=512)(parse_html)


def formatted(
    params: Params, field: str, entities_field: str, *, limit: int, required: bool
) -> tuple[str | None, list[JSON]]:
    text = params.text(field)
    if text is None and not required:
        return None, []
    text = text or ""
    mode = (params.text("parse_mode") or "").lower()
    entities: list[JSON]
    if mode == "html":
        try:
            text, entities = _parse_html_cached(text)
        except EntityParseError as error:
            raise ApiError(400, error.description) from None
    elif mode:
        # The sandbox speaks the HTML subset only; failing loudly beats rendering stray markup.
        raise bad_request("unsupported parse_mode")
    else:
        raw = params.obj(entities_field)
        entities = raw if isinstance(raw, list) else []
    if required and not text.strip():
        raise bad_request("message text is empty")
    if len(text) > limit:
        raise bad_request("message is too long" if field == "text" else "message caption is too long")
    return text, entities


def _valid_button_url(url: object) -> bool:
    if not isinstance(url, str):
        return False
    parsed = urlparse(url)
    return parsed.scheme in ("http", "https", "tg") and bool(parsed.netloc or parsed.path)


def reply_markup(params: Params) -> tuple[JSON | None, list[list[JSON]] | None]:
    """Validate reply_markup; return (inline keyboard to echo, reply keyboard labels, [] = removed)."""
    markup = params.obj("reply_markup")
    if markup is None:
        return None, None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request("can't parse inline keyboard button: InlineKeyboardMarkup must be an Array")
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise bad_request("can't parse inline keyboard button: Text must be a String")
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                        raise bad_request("BUTTON_DATA_INVALID")
                elif "url" in button:
                    if not _valid_button_url(button["url"]):
                        raise bad_request("BUTTON_URL_INVALID")
                elif not any(key in button for key in OTHER_BUTTON_KINDS):
                    raise bad_request("text buttons are unallowed in the inline keyboard")
        return {"inline_keyboard": rows}, None
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list):
            raise bad_request("can't parse reply keyboard markup JSON object")
        # The page needs each button's text, and whether it asks for the user's location.
        buttons = [
            [
                {"text": button}
                if isinstance(button, str)
                else {
                    "text": str(button.get("text", "")),
                    "request_location": bool(button.get("request_location")),
                }
                for button in row
            ]
            for row in rows
            if isinstance(row, list)
        ]
        return None, buttons
    if markup.get("remove_keyboard"):
        return None, []
    return None, None


def store_bot_message(
    sandbox: Sandbox, chat: Chat, params: Params, fields: JSON, keyboard: list[list[JSON]] | None
) -> StoredMessage:
    if params.flag("protect_content"):
        fields["has_protected_content"] = True
    reply_to = params.obj("reply_parameters")
    reply_id = (
        reply_to.get("message_id") if isinstance(reply_to, dict) else params.integer("reply_to_message_id")
    )
    if reply_id is not None:
        original = chat.messages.get(int(reply_id))
        if original is not None:
            fields["reply_to_message"] = {k: v for k, v in original.data.items() if k != "reply_to_message"}
        elif not (isinstance(reply_to, dict) and reply_to.get("allow_sending_without_reply")):
            raise bad_request("message to be replied not found")
    stored = sandbox.world.add_message(chat, from_bot=True, fields=fields, reply_keyboard=keyboard)
    sandbox.stats.delivered += 1
    sandbox.stats.first_replies.setdefault(chat.user.id, time.time())
    if params.flag("allow_paid_broadcast"):
        sandbox.stats.paid_messages += 1
    sandbox.world.add_event(chat, "message", message=stored.snapshot())
    return stored


def text_fields(text: str, entities: list[JSON], key: str = "text") -> JSON:
    fields: JSON = {key: text}
    if entities:
        fields["entities" if key == "text" else "caption_entities"] = entities
    return fields


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG, enough to fill PhotoSize without an imaging library."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                index += 1
                continue
            marker = data[index + 1]
            length = struct.unpack(">H", data[index + 2 : index + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return int(width), int(height)
            index += 2 + length
    return None


def input_file(sandbox: Sandbox, params: Params, field: str) -> StoredFile:
    upload = params.files.get(field)
    value = params.text(field)
    if upload is None and value and value.startswith("attach://"):
        upload = params.files.get(value.removeprefix("attach://"))
    if upload is not None:
        data = upload.file.read()
        if not data:
            raise bad_request("file must be non-empty")
        if len(data) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        return sandbox.world.add_file(
            kind=field, file_name=upload.filename, mime_type=upload.content_type, data=data
        )
    if not value:
        raise bad_request(f"there is no {field} in the request")
    known = sandbox.world.files.get(value)
    if known is not None:
        return known
    if value.startswith(("http://", "https://")):
        # The sandbox is offline: it remembers the URL's file name but cannot fetch the bytes.
        name = urlparse(value).path.rsplit("/", 1)[-1] or None
        return sandbox.world.add_file(kind=field, file_name=name, mime_type=None, data=None)
    raise bad_request("wrong file identifier/HTTP URL specified")


def document_json(stored: StoredFile) -> JSON:
    data: JSON = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    if stored.file_name:
        data["file_name"] = stored.file_name
    if stored.mime_type:
        data["mime_type"] = stored.mime_type
    if stored.data is not None:
        data["file_size"] = stored.size
    return data


def find_message(chat: Chat, params: Params, missing: str) -> StoredMessage:
    if params.has("inline_message_id"):
        raise bad_request(missing)
    message_id = params.integer("message_id", required=True)
    stored = chat.messages.get(message_id) if message_id is not None else None
    if stored is None:
        raise bad_request(missing)
    return stored


def editable_message(chat: Chat, params: Params) -> StoredMessage:
    """The bot's own message that an edit names, refused as Telegram refuses it otherwise."""
    stored = find_message(chat, params, "message to edit not found")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    return stored


def apply_edit(sandbox: Sandbox, chat: Chat, stored: StoredMessage, changes: JSON) -> JSON:
    """Apply changes (None removes a key), refusing a no-op exactly as Telegram does."""
    current = {key: stored.data.get(key) for key in changes}
    if current == changes:
        raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
    # A new dict, not an update in place: earlier events share the old one (StoredMessage).
    data = dict(stored.data)
    for key, value in changes.items():
        if value in (None, []):
            data.pop(key, None)
        else:
            data[key] = value
    data["edit_date"] = int(time.time())
    stored.data = data
    sandbox.world.add_event(chat, "edit", message=stored.snapshot())
    return data


def command_scope_key(scope: Any) -> str:
    if not isinstance(scope, dict):
        return "default"
    kind = str(scope.get("type") or "default")
    return f"{kind}:{scope['chat_id']}" if "chat_id" in scope else kind


# Methods ----------------------------------------------------------------------------------------------

Method = Callable[[Sandbox, Params], Awaitable[Any]]
METHODS: dict[str, Method] = {}
CANONICAL: dict[str, str] = {}


def method(name: str) -> Callable[[Method], Method]:
    def register(function: Method) -> Method:
        METHODS[name.lower()] = function
        CANONICAL[name.lower()] = name
        return function

    return register


@method("getMe")
async def get_me(sandbox: Sandbox, params: Params) -> JSON:
    return {
        **sandbox.world.bot.to_api(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@method("getUpdates")
async def get_updates(sandbox: Sandbox, params: Params) -> list[JSON]:
    world = sandbox.world
    if world.webhook.url:
        raise ApiError(409, WEBHOOK_CONFLICT)
    offset = params.integer("offset")
    if offset:
        world.confirm_updates(offset)
    limit = min(max(params.integer("limit") or 100, 1), 100)
    timeout = min(max(params.number("timeout") or 0.0, 0.0), 50.0)
    allowed = params.obj("allowed_updates")
    if isinstance(allowed, list):
        # Telegram remembers the last list it was given; an empty list restores the default.
        world.allowed_updates = [str(kind) for kind in allowed] or None
    wanted = set(world.allowed_updates) if world.allowed_updates else DEFAULT_UPDATE_TYPES

    def pending() -> list[JSON]:
        return list(itertools.islice((u for u in world.updates if wanted.intersection(u)), limit))

    if not pending() and timeout > 0:
        await world.wait_for(pending, timeout)
    return pending()


@method("setWebhook")
async def set_webhook(sandbox: Sandbox, params: Params) -> bool:
    webhook = sandbox.world.webhook
    url = params.text("url") or ""
    if url and urlparse(url).scheme not in ("http", "https"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.text("secret_token")
    if secret is not None and not SECRET_TOKEN_RE.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    if params.flag("drop_pending_updates"):
        sandbox.world.updates.clear()
    allowed = params.obj("allowed_updates")
    webhook.url = url
    webhook.secret_token = secret
    webhook.allowed_updates = (
        [str(kind) for kind in allowed] if isinstance(allowed, list) and allowed else None
    )
    webhook.max_connections = params.integer("max_connections") or 40
    webhook.last_error_date = webhook.last_error_message = None
    sandbox.world.wake()
    return True


@method("deleteWebhook")
async def delete_webhook(sandbox: Sandbox, params: Params) -> bool:
    sandbox.world.webhook.url = ""
    sandbox.world.webhook.secret_token = None
    if params.flag("drop_pending_updates"):
        sandbox.world.updates.clear()
    sandbox.world.wake()
    return True


@method("getWebhookInfo")
async def get_webhook_info(sandbox: Sandbox, params: Params) -> JSON:
    webhook = sandbox.world.webhook
    info: JSON = {
        "url": webhook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(sandbox.world.updates),
    }
    if webhook.url:
        info["max_connections"] = webhook.max_connections
        if webhook.allowed_updates:
            info["allowed_updates"] = webhook.allowed_updates
    if webhook.last_error_date is not None:
        info["last_error_date"] = webhook.last_error_date
        info["last_error_message"] = webhook.last_error_message
    return info


@method("sendMessage")
async def send_message(sandbox: Sandbox, params: Params) -> JSON:
    chat = writable_chat(sandbox, params)
    text, entities = formatted(params, "text", "entities", limit=TEXT_LIMIT, required=True)
    inline, keyboard = reply_markup(params)
    fields = text_fields(text or "", entities)
    options = params.obj("link_preview_options")
    if isinstance(options, dict) and options:
        fields["link_preview_options"] = options
    if inline:
        fields["reply_markup"] = inline
    return store_bot_message(sandbox, chat, params, fields, keyboard).data


async def _send_media(sandbox: Sandbox, params: Params, kind: str) -> JSON:
    chat = writable_chat(sandbox, params)
    caption, caption_entities = formatted(
        params, "caption", "caption_entities", limit=CAPTION_LIMIT, required=False
    )
    inline, keyboard = reply_markup(params)
    stored_file = input_file(sandbox, params, kind)
    fields: JSON
    if kind == "photo":
        size = image_size(stored_file.data) if stored_file.data is not None else (320, 320)
        if size is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        photo: JSON = {"file_id": stored_file.file_id, "file_unique_id": stored_file.file_unique_id}
        photo.update({"width": size[0], "height": size[1]})
        if stored_file.data is not None:
            photo["file_size"] = stored_file.size
        fields = {"photo": [photo]}
    else:
        fields = {"document": document_json(stored_file)}
    if caption:
        fields.update(text_fields(caption, caption_entities, key="caption"))
    if inline:
        fields["reply_markup"] = inline
    return store_bot_message(sandbox, chat, params, fields, keyboard).data


@method("sendDocument")
async def send_document(sandbox: Sandbox, params: Params) -> JSON:
    return await _send_media(sandbox, params, "document")


@method("sendPhoto")
async def send_photo(sandbox: Sandbox, params: Params) -> JSON:
    return await _send_media(sandbox, params, "photo")


def _location(params: Params) -> JSON:
    latitude = params.number("latitude", required=True)
    longitude = params.number("longitude", required=True)
    assert latitude is not None and longitude is not None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong location specified")
    return {"latitude": latitude, "longitude": longitude}


@method("sendLocation")
async def send_location(sandbox: Sandbox, params: Params) -> JSON:
    chat = writable_chat(sandbox, params)
    location = _location(params)
    inline, keyboard = reply_markup(params)
    fields: JSON = {"location": location}
    if inline:
        fields["reply_markup"] = inline
    return store_bot_message(sandbox, chat, params, fields, keyboard).data


@method("sendVenue")
async def send_venue(sandbox: Sandbox, params: Params) -> JSON:
    chat = writable_chat(sandbox, params)
    location = _location(params)
    title, address = params.text("title"), params.text("address")
    if not title:
        raise bad_request("title is empty")
    if not address:
        raise bad_request("address is empty")
    inline, keyboard = reply_markup(params)
    venue: JSON = {"location": location, "title": title, "address": address}
    for optional in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
        if params.has(optional):
            venue[optional] = params.text(optional)
    fields: JSON = {"location": location, "venue": venue}
    if inline:
        fields["reply_markup"] = inline
    return store_bot_message(sandbox, chat, params, fields, keyboard).data


@method("copyMessage")
async def copy_message(sandbox: Sandbox, params: Params) -> JSON:
    chat = writable_chat(sandbox, params)
    source_chat = find_chat(sandbox, params, "from_chat_id")
    source = find_message(source_chat, params, "message to copy not found")
    keys = ("text", "entities", "caption", "caption_entities", "document", "photo", "location", "venue")
    fields = {key: source.data[key] for key in keys if key in source.data}
    if params.values.get("caption") is not None:
        caption, entities = formatted(
            params, "caption", "caption_entities", limit=CAPTION_LIMIT, required=False
        )
        fields.pop("caption_entities", None)
        fields.update(text_fields(caption or "", entities, key="caption"))
    inline, keyboard = reply_markup(params)
    if inline:
        fields["reply_markup"] = inline
    stored = store_bot_message(sandbox, chat, params, fields, keyboard)
    return {"message_id": stored.data["message_id"]}


@method("editMessageText")
async def edit_message_text(sandbox: Sandbox, params: Params) -> JSON:
    chat = writable_chat(sandbox, params)
    stored = editable_message(chat, params)
    if "text" not in stored.data:
        raise bad_request("there is no text in the message to edit")
    text, entities = formatted(params, "text", "entities", limit=TEXT_LIMIT, required=True)
    inline, _ = reply_markup(params)
    changes: JSON = {"text": text, "entities": entities or None, "reply_markup": inline}
    options = params.obj("link_preview_options")
    if isinstance(options, dict) and options:
        changes["link_preview_options"] = options
    return apply_edit(sandbox, chat, stored, changes)


@method("editMessageCaption")
async def edit_message_caption(sandbox: Sandbox, params: Params) -> JSON:
    chat = writable_chat(sandbox, params)
    stored = editable_message(chat, params)
    if "document" not in stored.data and "photo" not in stored.data:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = formatted(params, "caption", "caption_entities", limit=CAPTION_LIMIT, required=False)
    inline, _ = reply_markup(params)
    changes: JSON = {"caption": caption or None, "caption_entities": entities or None, "reply_markup": inline}
    return apply_edit(sandbox, chat, stored, changes)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(sandbox: Sandbox, params: Params) -> JSON:
    chat = writable_chat(sandbox, params)
    stored = editable_message(chat, params)
    inline, _ = reply_markup(params)
    return apply_edit(sandbox, chat, stored, {"reply_markup": inline})


def _delete(sandbox: Sandbox, chat: Chat, message_id: int) -> bool:
    if chat.messages.pop(message_id, None) is None:
        return False
    sandbox.world.add_event(chat, "delete", {"message_id": message_id})
    return True


@method("deleteMessage")
async def delete_message(sandbox: Sandbox, params: Params) -> bool:
    chat = find_chat(sandbox, params)
    message_id = params.integer("message_id", required=True)
    if message_id is None or not _delete(sandbox, chat, message_id):
        raise bad_request("message to delete not found")
    return True


@method("deleteMessages")
async def delete_messages(sandbox: Sandbox, params: Params) -> bool:
    chat = find_chat(sandbox, params)
    ids = params.obj("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message_ids is empty")
    for message_id in ids:
        _delete(sandbox, chat, int(message_id))
    return True


@method("answerCallbackQuery")
async def answer_callback_query(sandbox: Sandbox, params: Params) -> bool:
    world = sandbox.world
    query_id = params.text("callback_query_id") or ""
    pending = world.callbacks.get(query_id)
    if pending is None or pending.answered or world.callback_expired(pending):
        raise bad_request(QUERY_TOO_OLD.removeprefix("Bad Request: "))
    pending.answered = True
    chat = world.chats.get(pending.chat_id)
    if chat is not None:
        payload: JSON = {
            "callback_query_id": query_id,
            "text": params.text("text"),
            "show_alert": params.flag("show_alert"),
            "url": params.text("url"),
        }
        world.add_event(chat, "callback_answer", payload)
    return True


@method("sendChatAction")
async def send_chat_action(sandbox: Sandbox, params: Params) -> bool:
    writable_chat(sandbox, params)
    if not params.has("action"):
        raise bad_request("action is empty")
    return True


@method("getChat")
async def get_chat(sandbox: Sandbox, params: Params) -> JSON:
    chat = find_chat(sandbox, params)
    return {**chat.to_api(), "accent_color_id": 0, "max_reaction_count": 11}


@method("setMyCommands")
async def set_my_commands(sandbox: Sandbox, params: Params) -> bool:
    commands = params.obj("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("commands is empty" if commands is None else "too many commands")
    clean: list[JSON] = []
    for command in commands:
        if not isinstance(command, dict) or not COMMAND_RE.fullmatch(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = str(command.get("description", ""))
        if not 1 <= len(description) <= 256:
            raise bad_request(
                "command description is empty" if not description else "BOT_COMMAND_DESCRIPTION_INVALID"
            )
        clean.append({"command": command["command"], "description": description})
    key = (command_scope_key(params.obj("scope")), params.text("language_code") or "")
    if clean:
        sandbox.world.commands[key] = clean
    else:
        sandbox.world.commands.pop(key, None)
    return True


@method("getMyCommands")
async def get_my_commands(sandbox: Sandbox, params: Params) -> list[JSON]:
    key = (command_scope_key(params.obj("scope")), params.text("language_code") or "")
    return sandbox.world.commands.get(key, [])


@method("deleteMyCommands")
async def delete_my_commands(sandbox: Sandbox, params: Params) -> bool:
    key = (command_scope_key(params.obj("scope")), params.text("language_code") or "")
    sandbox.world.commands.pop(key, None)
    return True


@method("getFile")
async def get_file(sandbox: Sandbox, params: Params) -> JSON:
    stored = sandbox.world.files.get(params.text("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.size > MAX_DOWNLOAD_BYTES:
        raise bad_request("file is too big")
    return stored.to_api()


async def _accept(sandbox: Sandbox, params: Params) -> bool:
    return True


for _name in (
    "setChatMenuButton",
    "setMyDescription",
    "setMyShortDescription",
    "setMyName",
    "setMyDefaultAdministratorRights",
    "logOut",
    "close",
):
    method(_name)(_accept)


# Routes -----------------------------------------------------------------------------------------------


def _chat_id_of(params: Params) -> int | None:
    try:
        return int(params.values["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None


async def handle_method(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    name = request.match_info["method"].lower()
    function = METHODS.get(name)
    if not TOKEN_RE.fullmatch(token) or function is None:
        return not_found()
    sandbox = request.app[SANDBOX]
    sandbox.stats.requests[CANONICAL[name]] += 1
    # The bot's identity follows the token, as on Telegram, so that `bot.id` matches the token.
    sandbox.world.bot.id = int(token.split(":", 1)[0])
    # Half the round trip on the way in, half on the way back, as a message reaches a chat before the
    # bot hears that it did; a sleep, so other requests go on meanwhile, as they would on Telegram.
    half_trip = sandbox.latency_ms / 2000
    if half_trip > 0:
        await sandbox.sleep(half_trip)
    answer = await _answer(request, sandbox, name, function)
    if half_trip > 0:
        await sandbox.sleep(half_trip)
    return answer


async def _answer(
    request: web.Request, sandbox: Sandbox, name: str, function: Callable[[Sandbox, Params], Awaitable[Any]]
) -> web.StreamResponse:
    try:
        params = await read_params(request)
        chat_id = _chat_id_of(params)
        fault = sandbox.faults.take(name, chat_id)
        if fault is not None:
            sandbox.stats.faults_injected += 1
            if fault.drop:
                # Closing the socket before any byte of an answer is what the client sees on a network cut.
                if request.transport is not None:
                    request.transport.close()
                return web.Response(status=500)
            return web.json_response(fault.answer(), status=fault.error_code)
        if name in SENDING_METHODS:
            retry_after = sandbox.limiter.check(chat_id, paid=params.flag("allow_paid_broadcast"))
            if retry_after is not None:
                sandbox.stats.too_many_requests += 1
                raise ApiError(
                    429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
                )
        result = await function(sandbox, params)
    except ApiError as error:
        return error.response()
    return web.json_response({"ok": True, "result": result})


async def handle_file(request: web.Request) -> web.StreamResponse:
    if not TOKEN_RE.fullmatch(request.match_info["token"]):
        return not_found()
    stored = request.app[SANDBOX].world.file_by_path(request.match_info["file_path"])
    if stored is None or stored.data is None:
        return not_found()
    headers = {"Content-Disposition": f'attachment; filename="{stored.file_path.rsplit("/", 1)[-1]}"'}
    content_type = (stored.mime_type or "application/octet-stream").split(";")[0]
    return web.Response(body=stored.data, content_type=content_type, headers=headers)


def add_routes(app: web.Application) -> None:
    app.router.add_route("*", "/bot{token}/{method}", handle_method)
    app.router.add_get("/file/bot{token}/{file_path:.+}", handle_file)
