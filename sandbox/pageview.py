"""How a stored message looks to the chat page: Telegram's fields flattened, text pre-rendered as HTML."""

from __future__ import annotations

from typing import Any

from sandbox.state import Event, StoredMessage
from sandbox.telegram_html import render_html

JSON = dict[str, Any]


FILES_URL = "/sandbox/api/files"


def _with_url(file: JSON | None) -> JSON | None:
    # The page has no bot token, so it downloads through the control API rather than /file/bot<token>.
    if file is None:
        return None
    return {**file, "url": f"{FILES_URL}/{file['file_id']}"}


def page_message(stored: StoredMessage) -> JSON:
    data = stored.data
    photo = data.get("photo")
    text = data.get("text")
    caption = data.get("caption")
    if text is not None:
        rendered = render_html(text, data.get("entities"))
    elif caption is not None:
        rendered = render_html(caption, data.get("caption_entities"))
    else:
        rendered = ""
    return {
        "message_id": data["message_id"],
        "from_bot": stored.from_bot,
        "date": data["date"],
        "text": text,
        "caption": caption,
        "html": rendered,
        "reply_markup": data.get("reply_markup"),
        "reply_keyboard": stored.reply_keyboard,
        "edited": "edit_date" in data,
        "document": _with_url(data.get("document")),
        "photo": [_with_url(size) for size in photo] if photo else None,
        "location": data.get("location"),
        "venue": data.get("venue"),
        "reply_to_message_id": (data.get("reply_to_message") or {}).get("message_id"),
    }


def page_event(event: Event) -> JSON:
    """An event as the control API returns it; its message is rendered now, when someone reads it."""
    data = event.to_json()
    if event.message is not None:
        data["message"] = page_message(event.message)
    return data
