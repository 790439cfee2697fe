"""Asking a local professional to make contact, and the conversation relayed through the bot.

The request reaches the territory's referents' chat with only its territory, topic and number. A referent
takes it with a button; from then on what each side types in their private chat with the bot is relayed
to the other, as the bot's own message, so neither sees the other's Telegram account. Nothing relayed is
stored. Buttons: "1:k:a:<concern>" (explain, ask consent), "1:k:s:<concern>" (send), "1:k:t:<id>" (take),
"1:k:e:<id>" (end the conversation).
"""

from __future__ import annotations

import html
import logging
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession
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
from bot.domain.people import get_person
from bot.features.contact import ticket_store as tickets
from bot.features.contact.concerns import CONCERNS
from bot.i18n import Translator
from bot.models import Person, Ticket
from bot.services import Services

log = logging.getLogger(__name__)


def referents_language(found: Services) -> Translator:
    return found.catalogs.get(found.settings.default_language)


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
    retention_days = context.services.settings.ticket_retention_days
    text = "\n\n".join(
        [
            "<b>" + ui._("Être contacté par un professionnel") + "</b>",
            ui._(
                "Votre demande part vers les professionnels référents de votre territoire, avec seulement : "
                "le territoire, le sujet et un numéro. Ni votre nom ni votre compte Telegram."
            ),
            ui._(
                "Un professionnel vous écrira ici, par l'intermédiaire du bot. "
                "Vos échanges ne sont pas enregistrés."
            )
            + " "
            # A count in a sentence takes its plural form (Arabic has six): "7 أيام", not "7 يومًا".
            + ui.t.ngettext(
                "La demande est effacée {count} jour après la fin de la conversation.",
                "La demande est effacée {count} jours après la fin de la conversation.",
                retention_days,
            ).format(count=ui.t.number(retention_days)),
        ]
    )
    rows = [
        [
            button(ui._("✅ Envoyer ma demande"), pack(Action.CONTACT, "s", concern)),
            button(ui._("Annuler"), pack(Action.MENU)),
        ]
    ]
    await answer(update, ui, text, rows)


async def send_request(update: Update, context: Context, ui: Ui, concern: str, topic_label: str) -> None:
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
            _announcement(found, ticket, territory.name(found.settings.default_language), topic_label),
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
    withdraw = [button(ui._("Annuler ma demande"), pack(Action.CONTACT, "e", str(ticket.id)))]
    await answer(update, ui, text, [withdraw, back_to_menu(ui)])


def _announcement(found: Services, ticket: Ticket, territory_name: str, topic_label: str) -> str:
    t = referents_language(found)
    return "\n".join(
        [
            "<b>" + t.gettext("🆕 Demande de contact n° {number}").format(number=ticket.id) + "</b>",
            t.gettext("Territoire : {territory}").format(territory=html.escape(territory_name)),
            t.gettext("Sujet : {topic}").format(topic=html.escape(topic_label)),
        ]
    )


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
    try:
        await context.bot.send_message(
            referent.id,
            t.directed(
                t.gettext(
                    "Vous vous occupez de la demande n° {number}. Écrivez ici : vos messages sont "
                    "transmis à la personne, sans votre nom ni votre compte. Ses réponses arrivent ici."
                ).format(number=ticket_id)
            ),
            reply_markup=keyboard(end),
        )
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
    taken = t.gettext("✅ Demande n° {number} prise en charge.").format(number=ticket_id)
    pressed = (
        update.callback_query.message.message_id
        if update.callback_query and update.callback_query.message
        else None
    )
    # The pressed message may be a reminder: the first announcement says it too.
    for message_id in dict.fromkeys(m for m in (pressed, ticket.referents_message_id) if m is not None):
        await _edit_announcement(context, chat.id, message_id, taken)
    await _tell_person(context, ticket, "taken")


async def _edit_announcement(context: Context, chat_id: int, message_id: int, text: str) -> None:
    try:
        await context.bot.edit_message_text(text, chat_id=chat_id, message_id=message_id)
    except TelegramError as error:
        log.info("could not update a request's announcement: %s", type(error).__name__)


async def _tell_person(context: Context, ticket: Ticket, event: str) -> None:
    """Tell the person where their request stands, in their language."""
    found = context.services
    async with found.database.session() as session:
        person = await session.get(Person, ticket.person_id)
    if person is None:
        return
    t = found.catalogs.get(person.language)
    if event == "taken":
        text = t.gettext(
            "Un professionnel a pris votre demande n° {number}. Écrivez-lui ici : vos messages lui sont "
            "transmis. Il ne voit pas votre compte Telegram."
        )
        rows = [[button(t.gettext("✅ Terminer la conversation"), pack(Action.CONTACT, "e", str(ticket.id)))]]
    elif event == "unanswered":
        text = t.gettext(
            "Personne n'a pu prendre votre demande n° {number} à temps. Les numéros d'aide répondent, "
            "gratuitement : /menu puis « Numéros d'aide »."
        )
        rows = []
    else:
        text = t.gettext(
            "La conversation sur votre demande n° {number} est terminée. Merci de votre confiance."
        )
        rows = []
    try:
        await context.bot.send_message(
            person.chat_id, t.directed(text.format(number=ticket.id)), reply_markup=keyboard(rows, t)
        )
    except TelegramError as error:
        log.info("could not tell a person about their request: %s", type(error).__name__)


async def end(update: Update, context: Context, ticket_id: int) -> None:
    """Either side ends the conversation (or the person withdraws a request nobody took yet)."""
    found = context.services
    sender = update.effective_user
    assert sender is not None
    async with found.database.session() as session:
        ticket = await tickets.get_ticket(session, ticket_id=ticket_id)
        person = await person_of(session, ticket)
    if ticket is None or sender.id not in (ticket.referent_id, person.chat_id if person else None):
        await stale_button(update, context)
        return
    await acknowledge(update)
    await close_and_notify(context, ticket_id, "ended")


async def close_and_notify(context: Context, ticket_id: int, reason: str) -> None:
    """Close a request, then tell the person, the referent and the referents' chat, each once.

    `reason` is "ended" (by either side), "forgotten" (the person deleted their data, so they are not
    told) or "unanswered" (nobody took it after the last reminder).
    """
    found = context.services
    async with found.database.session() as session:
        closed = await tickets.close(session, ticket_id=ticket_id, now=found.clock())
        person = await person_of(session, closed)
        sides = [chat for chat in (closed.referent_id if closed else None, person and person.chat_id) if chat]
        await conversations.end_relay(session, chat_ids=sides, ticket_id=ticket_id)
    if closed is None:
        return
    await _announce_closed(context, closed)
    if reason != "forgotten":
        await _tell_person(context, closed, reason)
    if closed.referent_id is not None:
        t = referents_language(found)
        text = (
            t.gettext("La personne a effacé ses données : la conversation n° {number} est terminée.")
            if reason == "forgotten"
            else t.gettext("La conversation n° {number} est terminée.")
        )
        await send_quietly(context, closed.referent_id, text.format(number=closed.id))


async def _announce_closed(context: Context, ticket: Ticket) -> None:
    found = context.services
    territory = found.content.territories.get(ticket.territory)
    if territory is not None and territory.referents_chat is not None and ticket.referents_message_id:
        text = referents_language(found).gettext("☑️ Demande n° {number} close.").format(number=ticket.id)
        await _edit_announcement(context, territory.referents_chat, ticket.referents_message_id, text)


async def person_of(session: AsyncSession, ticket: Ticket | None) -> Person | None:
    return None if ticket is None else await session.get(Person, ticket.person_id)


async def send_quietly(context: Context, chat_id: int, text: str) -> None:
    try:
        await context.bot.send_message(chat_id, text)
    except TelegramError as error:
        log.info("could not send a relay notice: %s", type(error).__name__)


async def end_before_forgetting(context: Context, chat_id: int) -> None:
    """A person about to be forgotten: close their request and tell the referent, before it is deleted."""
    found = context.services
    async with found.database.session() as session:
        person = await get_person(session, chat_id=chat_id)
        current = (
            await tickets.current_for_person(session, person_id=person.id) if person and person.id else None
        )
        # A referent forgetting themselves: the conversation they hold ends too, or the person's messages
        # would still be relayed to them while their own replies, their relay row gone, became searches.
        holding = await tickets.current_for_referent(session, referent_id=chat_id)
    if current is not None and current.id is not None:
        await close_and_notify(context, current.id, "forgotten")
    if holding is not None and holding.id is not None:
        await close_and_notify(context, holding.id, "ended")


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
        await close_and_notify(context, ticket.id or 0, "unanswered")
    t = referents_language(found)
    for ticket in due:
        territory = found.content.territories.get(ticket.territory)
        if territory is None or territory.referents_chat is None:
            continue
        text = t.gettext("⏰ La demande n° {number} attend toujours quelqu'un.").format(number=ticket.id)
        try:
            await context.bot.send_message(
                territory.referents_chat, text, reply_markup=_take_markup(found, ticket)
            )
        except TelegramError as error:
            log.warning("could not remind the referents: %s", type(error).__name__)


async def on_button(update: Update, context: Context) -> None:
    fields = button_fields(update) or []
    if len(fields) == 2 and fields[0] in ("t", "e") and fields[1].isdigit():
        await (take if fields[0] == "t" else end)(update, context, int(fields[1]))
        return
    ui = await ui_for(update, context)
    if len(fields) == 2 and fields[0] in ("a", "s") and fields[1] in CONCERNS:
        await acknowledge(update)
        if fields[0] == "s" and ui.person is not None:
            label = referents_language(context.services).gettext(CONCERNS[fields[1]][0])
            await send_request(update, context, ui, fields[1], label)
        else:
            await explain(update, context, ui, fields[1])
        return
    await stale_button(update, context, ui)


def register(app: BotApplication) -> None:
    app.add_handler(CallbackQueryHandler(on_button, pattern=pattern(Action.CONTACT)))
    # /forget (people) closes the person's request first, so the referent is not left talking to nobody.
    app.bot_data.before_forget.append(end_before_forgetting)
    if app.job_queue is not None:
        every = timedelta(minutes=5)
        app.job_queue.run_repeating(
            remind_job, interval=every, first=timedelta(minutes=1), name="ticket-reminders"
        )
