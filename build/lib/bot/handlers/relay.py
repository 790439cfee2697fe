"""The conversation between a person and the referent who took their request, relayed by the bot.

Each side writes in their private chat with the bot; the text reaches the other side as the bot's own
message (escaped), so neither sees the other's Telegram account. Nothing relayed is stored or logged.
"""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.callbacks import pack
from bot.domain import tickets
from bot.handlers.common import Context, Ui, answer, button, keyboard, services
from bot.handlers.tickets import person_of, referents_language
from bot.i18n import Translator

log = logging.getLogger(__name__)
# Telegram allows 4096 characters; the header and escaping need some room.
CHUNK = 3500


async def relay(update: Update, context: Context, ui: Ui) -> bool:
    """Pass typed text to the other side of a conversation in progress; False when there is none.

    A request nobody has taken yet does not take typed text over: the person can still search.
    """
    sender, message = update.effective_user, update.effective_message
    if sender is None or message is None or not message.text:
        return False
    peer = await conversation_peer(update, context, ui)
    if peer is None:
        return False
    chat_id, t, header, ticket_id = peer
    if not await _pass_on(context, t, chat_id, header, message.text, ticket_id):
        note = ui._("Votre message n'a pas pu être transmis. Réessayez plus tard.")
        await answer(update, ui, note, edit=False)
    return True


async def conversation_peer(
    update: Update, context: Context, ui: Ui
) -> tuple[int, Translator, str, int] | None:
    """Where the sender's messages go in a conversation in progress: the other side's chat, its language,
    the header naming the sender's side, and the request's number; None outside a conversation.

    `ui` is the sender as `ui_for` loaded them (and marked active: relaying counts as using the bot).
    """
    found = services(context)
    sender, person = update.effective_user, ui.person
    if sender is None:
        return None
    async with found.database.session() as session:
        held = await tickets.current_for_referent(session, referent_id=sender.id)
        other = await person_of(session, held)
        own = await tickets.current_for_person(session, person_id=person.id) if person and person.id else None
    if held is not None and held.id is not None and other is not None:
        t = found.catalogs.get(other.language)
        header = t.gettext("💬 Le professionnel (demande n° {number}) :").format(number=held.id)
        return other.chat_id, t, header, held.id
    if own is not None and own.id is not None and own.status == tickets.TAKEN and own.referent_id is not None:
        t = referents_language(found)
        header = t.gettext("💬 La personne (demande n° {number}) :").format(number=own.id)
        return own.referent_id, t, header, own.id
    return None


async def _pass_on(
    context: Context, t: Translator, chat_id: int, header: str, text: str, ticket_id: int
) -> bool:
    """Send the text on, as the bot's own message, cut to fit Telegram's limit; False if undelivered."""
    end = keyboard([[button(t.gettext("✅ Terminer la conversation"), pack("k", "e", str(ticket_id)))]])
    parts = [text[start : start + CHUNK] for start in range(0, len(text), CHUNK)]
    try:
        for index, part in enumerate(parts):
            body = f"<b>{html.escape(header)}</b>\n{html.escape(part)}"
            markup = end if index == len(parts) - 1 else None
            await context.bot.send_message(chat_id, body, parse_mode=ParseMode.HTML, reply_markup=markup)
    except TelegramError as error:
        log.info("could not relay a message: %s", type(error).__name__)
        return False
    return True
