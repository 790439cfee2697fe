"""The conversation between a person and the referent who took their request, relayed by the bot.

Each side writes in their private chat with the bot; the text reaches the other side as the bot's own
message (escaped), so neither sees the other's Telegram account. Nothing relayed is stored or logged. Both
chats hold a relay conversation naming the request while it lasts (relay.mmd); the text router sends their
typed text here.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.content.markup import visible_length
from bot.core.callbacks import Action, pack
from bot.core.context import Context
from bot.core.ui import Ui, answer, button, keyboard
from bot.domain import conversations
from bot.domain.conversations import Current
from bot.features.contact import ticket_store as tickets
from bot.features.contact.cards import person_of, referents_language
from bot.i18n import Translator
from bot.models import TicketStatus
from bot.services import Services

log = logging.getLogger(__name__)
# Telegram allows 4096 characters; the header and escaping need some room.
CHUNK = 3500
TEXT_LIMIT = 4096


async def relay(update: Update, context: Context, ui: Ui, conversation: Current) -> bool:
    """The text router's route during a relay (relay.mmd): pass typed text to the other side; False when
    the request is no longer in a conversation (the row is then ended, and the text is a search)."""
    found = context.services
    chat, message = update.effective_chat, update.effective_message
    ticket_id = conversation.number("ticket")
    if chat is None or message is None or ticket_id is None:
        return False
    peer = await conversation_peer(found, chat_id=chat.id, ticket_id=ticket_id)
    if peer is None:
        async with found.database.session() as session:
            await conversations.taken(session, conversation)
        return False
    if not message.text:
        note = ui._("Seul le texte écrit est transmis : écrivez votre message.")
        await answer(update, ui, note, edit=False)
        return True
    chat_id, t, header = peer
    if not await _pass_on(context, t, chat_id, header, message.text, ticket_id):
        note = ui._("Votre message n'a pas pu être transmis. Réessayez plus tard.")
        await answer(update, ui, note, edit=False)
        return True
    # The referent's first message relayed: the request counts as answered (only the referent's id matches).
    async with found.database.session() as session:
        await tickets.mark_answered(session, ticket_id=ticket_id, referent_id=chat.id, now=found.clock())
    return True


async def conversation_peer(
    found: Services, *, chat_id: int, ticket_id: int
) -> tuple[int, Translator, str] | None:
    """Where this chat's messages about the request go: the other side's chat, its language and the header
    naming the sender's side; None when the request is not in a conversation with this chat."""
    async with found.database.session() as session:
        ticket = await tickets.get_ticket(session, ticket_id=ticket_id)
        person = await person_of(session, ticket)
    if ticket is None or person is None or ticket.status != TicketStatus.TAKEN or ticket.referent_id is None:
        return None
    if chat_id == ticket.referent_id:
        t = found.catalogs.get(person.language)
        header = t.gettext("💬 Le professionnel (demande n° {number}) :").format(number=ticket_id)
        return person.chat_id, t, header
    if chat_id == person.chat_id:
        t = referents_language(found)
        header = t.gettext("💬 La personne (demande n° {number}) :").format(number=ticket_id)
        return ticket.referent_id, t, header
    return None


async def _pass_on(
    context: Context, t: Translator, chat_id: int, header: str, text: str, ticket_id: int
) -> bool:
    """Send the text on, as the bot's own message, cut to fit Telegram's limit; False if undelivered."""
    end = keyboard(
        [[button(t.gettext("✅ Terminer la conversation"), pack(Action.CONTACT, "e", str(ticket_id)))]], t
    )
    parts = list(_pieces(t, header, text))
    try:
        for index, body in enumerate(parts):
            markup = end if index == len(parts) - 1 else None
            await context.bot.send_message(chat_id, body, parse_mode=ParseMode.HTML, reply_markup=markup)
    except TelegramError as error:
        log.info("could not relay a message: %s", type(error).__name__)
        return False
    return True


def _pieces(t: Translator, header: str, text: str) -> Iterator[str]:
    """The messages that carry `text`, each within Telegram's limit once directed for the reader.

    In Arabic every number or Latin word gains two isolate marks: a piece dense with them is cut shorter.
    """
    start = 0
    while start < len(text):
        size = CHUNK
        while True:
            body = t.directed(
                f"<b>{html.escape(header)}</b>\n{t.typed(html.escape(text[start : start + size]))}"
            )
            if visible_length(body) <= TEXT_LIMIT or size == 1:
                break
            size //= 2
        yield body
        start += size
