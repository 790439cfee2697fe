"""How a stored message looks to the chat page: Telegram's fields flattened, text pre-rendered as HTML."""

from __future__ import annotations

from typing import Any

from bot.sandbox.state import StoredMessage
from bot.sandbox.telegram_html import render_html

JSON = dict[str, Any]


def page_message(stored: StoredMessage) -> JSON:
    data = stored.data
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
        "document": data.get("document"),
        "photo": data.get("photo"),
        "location": data.get("location"),
        "venue": data.get("venue"),
        "reply_to_message_id": (data.get("reply_to_message") or {}).get("message_id"),
    }
