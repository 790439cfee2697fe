"""What a campaign message looks like in each language, built once per run and language.

A campaign holds, per language, the coordinator's text (Telegram HTML) or a photo or document with a caption;
or one content item (a myth card, a resource, a page) shown in each person's language. A language without
its own variant gets the French one. Every message ends with how to stop receiving them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode

from bot.content.markup import visible_length
from bot.content.pack import SOURCE_LANGUAGE
from bot.i18n import Translator
from bot.services import Services
from bot.shorten import shorten

TEXT, PHOTO, DOCUMENT = "text", "photo", "document"
CAPTION_LIMIT, TEXT_LIMIT = 1024, 4096
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Outgoing:
    kind: str
    text: str
    file_id: str | None = None
    markup: InlineKeyboardMarkup | None = None

    async def send(self, bot: Bot, chat_id: int, *, paid: bool = False) -> None:
        # Paid broadcasts cost Telegram Stars: the flag goes only with PAID_BROADCAST set.
        extra: dict[str, Any] = {"allow_paid_broadcast": True} if paid else {}
        if self.kind == PHOTO:
            await bot.send_photo(
                chat_id,
                self.file_id or "",
                caption=self.text,
                parse_mode=ParseMode.HTML,
                reply_markup=self.markup,
                **extra,
            )
        elif self.kind == DOCUMENT:
            await bot.send_document(
                chat_id,
                self.file_id or "",
                caption=self.text,
                parse_mode=ParseMode.HTML,
                reply_markup=self.markup,
                **extra,
            )
        else:
            await bot.send_message(
                chat_id,
                self.text,
                parse_mode=ParseMode.HTML,
                reply_markup=self.markup,
                link_preview_options=_NO_PREVIEW,
                **extra,
            )


# (services, translator, item, weekly) -> the item as a message; `weekly` for the card of the week.
# (services, translator, "myth:<id>", weekly, the reader's territory): see bot/content/local.py.
ItemRenderer = Callable[[Services, Translator, str, bool, str | None], "Outgoing | None"]


def variant(messages: dict[str, Any], language: str) -> dict[str, Any] | None:
    """The coordinator's message for `language`, else the French one."""
    found = messages.get(language) or messages.get(SOURCE_LANGUAGE)
    return found if isinstance(found, dict) else None


def item_of(messages: dict[str, Any], run_number: int) -> str | None:
    """The content item of this run: a single one, or the next of a weekly series' list."""
    items = messages.get("items")
    if isinstance(items, list) and items:
        return str(items[(max(run_number, 1) - 1) % len(items)])
    item = messages.get("item")
    return str(item) if item else None


def render(
    found: Services,
    messages: dict[str, Any],
    language: str,
    run_number: int = 1,
    *,
    items: ItemRenderer | None = None,
    territory: str | None = None,
) -> Outgoing | None:
    """The message as `language` readers get it; None when it has nothing to show (an item since removed).

    `items` draws content items (the families feature's cards and resources); without it they show nothing.
    """
    t = found.catalogs.get(language)
    item = item_of(messages, run_number)
    if item is not None:
        return items(found, t, item, bool(messages.get("items")), territory) if items else None
    chosen = variant(messages, language)
    if chosen is None:
        return None
    # The variant's own language: the reader's, or French when theirs is missing or left empty.
    written = language if chosen is messages.get(language) else SOURCE_LANGUAGE
    footer = "\n\n<i>" + html.escape(t.gettext("Ne plus recevoir ces messages : /stop")) + "</i>"
    for kind in (PHOTO, DOCUMENT):
        if chosen.get(kind):
            caption = _directed(t, str(chosen.get("text") or ""), written, footer, CAPTION_LIMIT)
            return Outgoing(kind, caption, file_id=str(chosen[kind]))
    text = str(chosen.get("text") or "")
    return Outgoing(TEXT, _directed(t, text, written, footer, TEXT_LIMIT)) if text.strip() else None


def _directed(t: Translator, text: str, written: str, footer: str, limit: int) -> str:
    """The text laid out for the reader's direction, with the footer when both fit once directed.

    Direction marks and isolates count against Telegram's limits: measured after they are added. A French
    variant shown to an Arabic reader stays left to right (Translator.foreign).
    """
    body = t.foreign(text, written)
    for candidate in (body + footer, body):
        directed = t.directed(candidate)
        if visible_length(directed) <= limit:
            return directed
    return body  # the coordinator's text fitted as typed; the marks are what would not


def describe(found: Services, messages: dict[str, Any], language: str) -> str:
    """A one-line summary of the message for lists and approval requests."""
    t = found.catalogs.get(language)
    item = item_of(messages, 1)
    if item is not None:
        return t.gettext("Contenu : {item}").format(item=html.escape(item))
    chosen = variant(messages, language) or {}
    text = str(chosen.get("text") or "")
    plain = html.unescape(_TAG.sub("", text)).strip()
    return html.escape(shorten(plain, 80))
