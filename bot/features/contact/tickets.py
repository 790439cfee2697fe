"""Asking a local professional to make contact, and the conversation relayed through the bot.

The request reaches the territory's referents' chat with only its territory, topic, the person's language
and number (cards.py). A referent takes it with a button; from then on what each side types in their private
chat with the bot is relayed to the other, as the bot's own message, so neither sees the other's Telegram
account. Nothing relayed is stored by the bot (both Telegram chats keep their messages, as any chat does).
Ending is in closing.py. Buttons: "1:k:a:<concern>" (explain, ask consent), "1:k:s:<concern>" (send),
"1:k:t:<id>" (take), "1:k:e:<id>" (end the conversation), "1:k:w:<id>" (withdraw: asks first when a
conversation is live), "1:k:c:<id>" (keep the conversation going after all).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler

from bot.core.callbacks import Action, pack, pattern
from bot.core.context import BotApplication, Context
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button, button_fields, keyboard, ui_for
from bot.core.views import back_to_menu
from bot.domain import conversations
from bot.domain.conversations import Kind
from bot.features.contact import closing
from bot.features.contact import ticket_store as tickets
from bot.features.contact.cards import State, card, edit_card, language_of, person_of, referents_language
from bot.features.contact.concerns import CONCERNS
from bot.features.contact.promises import what_happens, when_to_expect
from bot.fields import row_id
from bot.models import Ticket
from bot.services import Services

__all__ = ["contact_rows", "register"]

log = logging.getLogger(__name__)


def contact_rows(ui: Ui, context: Context, concern: str) -> Keyboard:
    """The "be contacted" button, when the person's territory has referents."""
    found = context.services
    territory = found.content.territories.get(ui.person.territory) if ui.person else None
    if ui.person is not None and (territory is None or territory.referents_chat is None):
        return []
    return [[button(ui._("🙋 Être contacté par un professionnel"), pack(Action.CONTACT, "a", concern))]]


async def explain(update: Update, context: Context, ui: Ui, concern: str) -> None:
    if ui.person is None:
        text = ui._("Pour qu'un professionnel puisse vous répondre ici, commencez d'abord (une minute).")
        await answer(
            update, ui, text, [[button(ui._("Commencer"), pack(Action.ONBOARDING))], back_to_menu(ui)]
        )
        return
    title = "<b>" + ui._("Être contacté par un professionnel") + "</b>"
    text = title + "\n\n" + what_happens(ui, context.services)
    rows = [
        [
            button(ui._("✅ Envoyer ma demande"), pack(Action.CONTACT, "s", concern)),
            button(ui._("Annuler"), pack(Action.MENU)),
        ]
    ]
    await answer(update, ui, text, rows)


async def send_request(update: Update, context: Context, ui: Ui, concern: str) -> None:
    found = context.services
    person = ui.person
    assert person is not None and person.id is not None
    territory = found.content.territories.get(person.territory)
    if territory is None or territory.referents_chat is None:
        await stale_button(update, context, ui)
        return
    try:
        async with found.database.session() as session:
            asked = await tickets.ask(
                session, person_id=person.id, territory=person.territory, topic=concern, now=found.clock()
            )
    except IntegrityError:
        # Sent twice at the same moment: the unique index let the other request through, not this one.
        async with found.database.session() as session:
            current = await tickets.current_for_person(session, person_id=person.id)
        asked = tickets.Request(tickets.Asked.ALREADY_OPEN if current else tickets.Asked.TOO_SOON, current)
    if asked.outcome == tickets.Asked.ALREADY_OPEN and asked.ticket is not None:
        text = ui._("Vous avez déjà une demande en cours (n° {number}).").format(number=asked.ticket.id)
        await answer(update, ui, text, [back_to_menu(ui)])
        return
    if asked.outcome == tickets.Asked.TOO_SOON or asked.ticket is None:
        text = ui._(
            "Vous avez déjà fait une demande aujourd'hui. Pour parler à quelqu'un tout de suite, "
            "les numéros d'aide répondent gratuitement."
        )
        await answer(
            update,
            ui,
            text,
            [[button(ui._("☎️ Numéros d'aide"), pack(Action.DIRECTORY, "h"))], back_to_menu(ui)],
        )
        return
    ticket = asked.ticket
    try:
        message = await context.bot.send_message(
            territory.referents_chat,
            card(found, ticket, State.NEW, person.language),
            parse_mode=ParseMode.HTML,
            reply_markup=_take_markup(found, ticket),
        )
    except TelegramError as error:
        # The referents' chat is unreachable (the bot was removed from it?): no request is left waiting.
        log.warning("could not reach the referents' chat: %s", type(error).__name__)
        async with found.database.session() as session:
            await tickets.close(session, ticket_id=ticket.id or 0, now=found.clock())
        text = ui._(
            "Votre demande n'a pas pu être transmise. Réessayez plus tard, ou appelez un numéro d'aide."
        )
        await answer(
            update,
            ui,
            text,
            [[button(ui._("☎️ Numéros d'aide"), pack(Action.DIRECTORY, "h"))], *[back_to_menu(ui)]],
        )
        return
    async with found.database.session() as session:
        await tickets.set_announcement(session, ticket_id=ticket.id or 0, message_id=message.message_id)
    text = ui._(
        "Votre demande n° {number} est envoyée. Un professionnel vous écrira ici ; vous serez prévenu."
    ).format(number=ticket.id)
    text += "\n\n" + when_to_expect(ui, found)
    withdraw = [button(ui._("Annuler ma demande"), pack(Action.CONTACT, "w", str(ticket.id)))]
    await answer(update, ui, text, [withdraw, back_to_menu(ui)])


def _take_markup(found: Services, ticket: Ticket) -> InlineKeyboardMarkup:
    label = referents_language(found).gettext("🙋 Je m'en occupe")
    return InlineKeyboardMarkup([[button(label, pack(Action.CONTACT, "t", str(ticket.id)))]])


async def take(update: Update, context: Context, ticket_id: int) -> None:
    found = context.services
    referent, chat = update.effective_user, update.effective_chat
    assert referent is not None and chat is not None
    t = referents_language(found)
    busy = False
    try:
        async with found.database.session() as session:
            ticket = await tickets.get_ticket(session, ticket_id=ticket_id)
            territory = found.content.territories.get(ticket.territory) if ticket else None
            if ticket is None or territory is None or territory.referents_chat != chat.id:
                ticket = None
            elif await tickets.current_for_referent(session, referent_id=referent.id):
                busy = True
            else:
                ticket = await tickets.take(
                    session, ticket_id=ticket_id, referent_id=referent.id, now=found.clock()
                )
                person = await person_of(session, ticket)
                # In the same transaction as the take: both chats are in the relay from the moment it exists.
                for side in (referent.id, person.chat_id if person else None):
                    if ticket is not None and side is not None:
                        await conversations.begin(
                            session,
                            chat_id=side,
                            kind=Kind.RELAY,
                            data={"ticket": ticket_id},
                            now=found.clock(),
                        )
    except IntegrityError:
        # Two requests taken at once by the same referent: the unique index gave them only the first.
        busy = True
    if busy:
        await acknowledge(update, t.gettext("Terminez d'abord votre conversation en cours."), alert=True)
        return
    if ticket is None:
        await acknowledge(update, t.gettext("Cette demande est déjà prise en charge, ou close."), alert=True)
        return
    end = [[button(t.gettext("✅ Terminer la conversation"), pack(Action.CONTACT, "e", str(ticket_id)))]]
    language = await language_of(found, ticket)
    intro = t.gettext(
        "Vous vous occupez de la demande n° {number}. Écrivez ici : vos messages sont "
        "transmis à la personne, sans votre nom ni votre compte. Ses réponses arrivent ici."
    ).format(number=ticket_id)
    if language is not None:
        intro += "\n" + t.gettext("Langue de la personne : {language}").format(
            language=t.language_name(language)
        )
    try:
        await context.bot.send_message(referent.id, t.directed(intro), reply_markup=keyboard(end))
    except TelegramError:  # most often Forbidden: the referent never opened a private chat with the bot
        async with found.database.session() as session:
            await tickets.release(session, ticket_id=ticket_id)
            person = await person_of(session, ticket)
            sides = [referent.id, *([person.chat_id] if person else [])]
            await conversations.end_relay(session, chat_ids=sides, ticket_id=ticket_id)
        link = f"https://t.me/{context.bot.username}"
        alert = t.gettext("Ouvrez d'abord une conversation privée avec le bot : {link}").format(link=link)
        await acknowledge(update, alert, alert=True)
        return
    await acknowledge(
        update, t.gettext("C'est à vous : la conversation est dans votre chat privé avec le bot.")
    )
    taken = card(found, ticket, State.TAKEN, language)
    pressed = (
        update.callback_query.message.message_id
        if update.callback_query and update.callback_query.message
        else None
    )
    # The pressed message may be a reminder: the first announcement says it too.
    for message_id in dict.fromkeys(m for m in (pressed, ticket.referents_message_id) if m is not None):
        await edit_card(context, chat.id, message_id, taken)
    await closing.tell_person(context, ticket, "taken")


async def remind_job(context: Context) -> None:
    """Remind the referents of requests nobody has taken after TICKET_REMIND_MINUTES."""
    found = context.services
    now = found.clock()
    after = timedelta(minutes=found.settings.ticket_remind_minutes)
    async with found.database.session() as session:
        due = await tickets.due_reminders(session, now=now, after=after)
        expired = [ticket for ticket in due if tickets.unanswered(ticket)]
        due = [ticket for ticket in due if not tickets.unanswered(ticket)]
        for ticket in due:
            await tickets.mark_reminded(session, ticket=ticket, now=now)
    for ticket in expired:
        await closing.close_and_notify(context, ticket.id or 0, "unanswered")
    t = referents_language(found)
    for ticket in due:
        territory = found.content.territories.get(ticket.territory)
        if territory is None or territory.referents_chat is None:
            continue
        text = t.directed(
            t.gettext("⏰ La demande n° {number} attend toujours quelqu'un.").format(number=ticket.id)
        )
        try:
            await context.bot.send_message(
                territory.referents_chat, text, reply_markup=_take_markup(found, ticket)
            )
        except TelegramError as error:
            log.warning("could not remind the referents: %s", type(error).__name__)


async def on_button(update: Update, context: Context) -> None:
    fields = button_fields(update) or []
    ticket_id = row_id(fields[1]) if len(fields) == 2 and fields[0] in ("t", "e", "w", "c") else None
    if ticket_id is not None:
        if fields[0] == "t":
            await take(update, context, ticket_id)
        elif fields[0] == "c":
            await closing.keep_going(update, context, ticket_id)
        else:
            await closing.end(update, context, ticket_id, withdraw=fields[0] == "w")
        return
    ui = await ui_for(update, context)
    if len(fields) == 2 and fields[0] in ("a", "s") and fields[1] in CONCERNS:
        await acknowledge(update)
        if fields[0] == "s" and ui.person is not None:
            await send_request(update, context, ui, fields[1])
        else:
            await explain(update, context, ui, fields[1])
        return
    await stale_button(update, context, ui)


def register(app: BotApplication) -> None:
    app.add_handler(CallbackQueryHandler(on_button, pattern=pattern(Action.CONTACT)))
    # /forget (people) closes the person's request first, so the referent is not left talking to nobody.
    app.bot_data.before_forget.append(closing.end_before_forgetting)
    if app.job_queue is not None:
        every = timedelta(minutes=5)
        app.job_queue.run_repeating(
            remind_job, interval=every, first=timedelta(minutes=1), name="ticket-reminders"
        )
