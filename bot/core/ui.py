"""What every handler shares: the person and their language, and how to answer (the services are on the
typed context, bot/core/context.py).

Answers to a button edit the message that carried it, so the chat reads like an app rather than a pile of
menus; answers to a typed command are new messages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.core.callbacks import unpack
from bot.core.context import Context
from bot.domain.people import get_person
from bot.i18n import Translator, resolve_language
from bot.models import Person
from bot.shorten import shorten

log = logging.getLogger(__name__)

Keyboard = list[list[InlineKeyboardButton]]
# Pages cite their sources with links; a preview of the first one would bury the text.
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass(frozen=True)
class Ui:
    """The person (None before they accept the notice) and the translator for their language."""

    person: Person | None
    t: Translator

    @property
    def language(self) -> str:
        return self.t.language

    @property
    def territory(self) -> str | None:
        """Whose local content the person sees (bot/content/local.py); None before they chose one."""
        return self.person.territory if self.person else None

    def _(self, message: str) -> str:
        return self.t.gettext(message)


def resume_deliveries(context: Context, chat_id: int) -> None:
    """Messages turned back on: the sender forgets the recent /stop."""
    sender = context.bot_data.sender
    if sender is not None:
        sender.opt_in(chat_id)


def stop_deliveries(context: Context, chat_id: int) -> None:
    """/stop, /forget or messages turned off: the sender drops this chat at once, even mid-send."""
    sender = context.bot_data.sender
    if sender is not None:
        sender.opt_out(chat_id)


async def ui_for(update: Update, context: Context, language: str | None = None) -> Ui:
    """Load the person, note today's use (written in the background, bot/domain/activity.py), and pick
    their language (chosen, Telegram's, then default)."""
    found = context.services
    person = None
    preloaded, context.preloaded = context.preloaded, None
    if preloaded is not None:
        (person,) = preloaded
    elif update.effective_chat is not None:
        async with found.database.session() as session:
            person = await get_person(session, chat_id=update.effective_chat.id)
        found.activity.note(person, found.clock().date())
    telegram_code = update.effective_user.language_code if update.effective_user else None
    chosen = language or (person.language if person else None)
    code = resolve_language(chosen, telegram_code, found.catalogs.languages, found.settings.default_language)
    return Ui(person=person, t=found.catalogs.get(code))


def keyboard(rows: Keyboard, t: Translator | None = None) -> InlineKeyboardMarkup | None:
    """The buttons; with `t`, their labels directed for its language (numbers and Latin names kept in order
    in Arabic labels)."""
    if t is not None and t.rtl:
        rows = [[_labelled(b, t.directed_label(b.text)) for b in row] for row in rows]
    return InlineKeyboardMarkup(rows) if rows else None


def _labelled(pressed: InlineKeyboardButton, label: str) -> InlineKeyboardButton:
    if label == pressed.text:
        return pressed
    # Buttons are immutable: the same button (its callback data or URL untouched), another label.
    return InlineKeyboardButton.de_json({**pressed.to_dict(), "text": label}, None)


def button(label: str, data: str) -> InlineKeyboardButton:
    """A button whose label, if too long, is cut between two words with "…" (see bot/shorten.py)."""
    return InlineKeyboardButton(shorten(label), callback_data=data)


async def answer(
    update: Update, ui: Ui, text: str, rows: Keyboard | None = None, *, edit: bool = True, direct: bool = True
) -> bool:
    """Show `text` (Telegram HTML): in place of the pressed button's message, or as a new message.

    `direct=False` leaves the text's direction marks to the caller (a message mixing languages). False when
    nothing changed: the same button pressed twice, whose second press must not count again.
    """
    markup = keyboard(rows or [], ui.t)
    body = ui.t.directed(text) if direct else text
    query = update.callback_query
    if edit and query is not None and isinstance(query.message, Message):
        try:
            await query.message.edit_text(
                body, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=_NO_PREVIEW
            )
            return True
        except BadRequest as error:
            # Pressing the same button twice asks for the same text: nothing to change, nothing to say.
            if "not modified" in str(error).lower():
                return False
            # Older messages may no longer be editable: send a new one instead.
    chat = update.effective_chat
    if chat is None:
        return False
    await chat.send_message(
        body, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=_NO_PREVIEW
    )
    return True


async def acknowledge(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Stop the button's spinner; Telegram wants this for every press.

    A press older than Telegram's answer window (after a restart, say) cannot be answered any more; the
    handler still does its work, so that refusal is not an error.
    """
    if update.callback_query is None:
        return
    try:
        await update.callback_query.answer(text, show_alert=alert)
    except TelegramError as error:
        log.info("could not answer a button press: %s", type(error).__name__)


def button_fields(update: Update) -> list[str] | None:
    """The fields of the pressed button after its action ("1:s:l:fr" -> ["l", "fr"]); None if unreadable."""
    pressed = unpack(update.callback_query.data if update.callback_query else None)
    return None if pressed is None else pressed.fields
