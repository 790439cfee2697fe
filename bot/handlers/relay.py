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
from bot.domain.people import get_person
from bot.handlers.common import Context, answer, button, keyboard, services, ui_for
from bot.handlers.tickets import person_of, referents_language
from bot.handlers.views import back_to_menu
from bot.i18n import Translator

log = logging.getLogger(__name__)


async def relay(update: Update, context: Context) -> bool:
    """Pass typed text to the other side of a conversation in progress; False when there is none."""
    found = services(context)
    sender, message = update.effective_user, update.effective_message
    if sender is None or message is None or not message.text:
        return False
    async with found.database.session() as session:
        held = await tickets.current_for_referent(session, referent_id=sender.id)
        other = await person_of(session, held)
        person = await get_person(session, chat_id=sender.id)
        own = await tickets.current_for_person(session, person_id=person.id) if person and person.id else None
    if held is not None and other is not None:
        t = found.catalogs.get(other.language)
        header = t.gettext("💬 Le professionnel (demande n° {number}) :").format(number=held.id)
        delivered = await _pass_on(context, t, other.chat_id, header, message.text, held.id)
    elif own is not None and own.status == tickets.TAKEN and own.referent_id is not None:
        t = referents_language(found)
        header = t.gettext("💬 La personne (demande n° {number}) :").format(number=own.id)
        delivered = await _pass_on(context, t, own.referent_id, header, message.text, own.id)
    elif own is not None:
        ui = await ui_for(update, context)
        note = ui._("Votre demande n° {number} attend un professionnel. Vous serez prévenu ici.")
        await answer(update, ui, note.format(number=own.id), [back_to_menu(ui)], edit=False)
        return True
    else:
        return False
    if not delivered:
        ui = await ui_for(update, context)
        await answer(
            update, ui, ui._("Votre message n'a pas pu être transmis. Réessayez plus tard."), edit=False
        )
    return True


async def _pass_on(
    context: Context, t: Translator, chat_id: int, header: str, text: str, ticket_id: int | None
) -> bool:
    """Send the text on, as the bot's own message; False when it could not be delivered."""
    end = keyboard([[button(t.gettext("✅ Terminer la conversation"), pack("k", "e", str(ticket_id)))]])
    body = f"<b>{html.escape(header)}</b>\n{html.escape(text)}"
    try:
        await context.bot.send_message(chat_id, body, parse_mode=ParseMode.HTML, reply_markup=end)
    except TelegramError as error:
        log.info("could not relay a message: %s", type(error).__name__)
        return False
    return True
