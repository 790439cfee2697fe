"""How a request ends: either side ends the conversation, the person withdraws (asked first once a
professional is writing), /forget, or nobody took it in time; and what old end buttons say afterwards.

Each side is told once, and the card in the referents' chat says it is closed, still with its topic.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import TelegramError

from bot.core.callbacks import Action, pack
from bot.core.context import Context
from bot.core.stale import stale_button
from bot.core.ui import acknowledge, answer, button, keyboard, ui_for
from bot.domain import conversations
from bot.domain.people import get_person
from bot.features.contact import ticket_store as tickets
from bot.features.contact.cards import State, card, edit_card, language_of, person_of, referents_language
from bot.models import Person, Ticket, TicketStatus

log = logging.getLogger(__name__)


async def tell_person(context: Context, ticket: Ticket, event: str) -> None:
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


async def end(update: Update, context: Context, ticket_id: int, *, withdraw: bool = False) -> None:
    """Either side ends the conversation, or the person withdraws their request (`withdraw`): at once while
    nobody has taken it, after a confirmation once a professional is writing to them."""
    found = context.services
    sender = update.effective_user
    assert sender is not None
    async with found.database.session() as session:
        ticket = await tickets.get_ticket(session, ticket_id=ticket_id)
        person = await person_of(session, ticket)
    if ticket is None or ticket.status == TicketStatus.CLOSED:
        # An old "Terminer" or "Annuler" button: say what became of it rather than a generic refusal.
        await _already_ended(update, context)
        return
    # Withdrawing is the person's own button; ending, either side's.
    allowed = (
        (person.chat_id if person else None,) if withdraw else (ticket.referent_id, person and person.chat_id)
    )
    if sender.id not in allowed:
        await stale_button(update, context)
        return
    if not withdraw:
        await acknowledge(update)
        await close_and_notify(context, ticket_id, "ended")
        return
    # Closed only while nobody has taken it, in one conditional UPDATE: a referent taking it at the same
    # moment wins, and the person is asked first, as for any live conversation.
    if ticket.status == TicketStatus.OPEN and await close_and_notify(
        context, ticket_id, "ended", only_if_open=True
    ):
        await acknowledge(update)
        return
    async with found.database.session() as session:
        now_is = await tickets.get_ticket(session, ticket_id=ticket_id)
    if now_is is not None and now_is.status == TicketStatus.TAKEN:
        await acknowledge(update)
        await _confirm_withdrawal(update, context, ticket_id)
    else:  # ended meanwhile by the other side: said once, in the alert
        await _already_ended(update, context)


async def _confirm_withdrawal(update: Update, context: Context, ticket_id: int) -> None:
    ui = await ui_for(update, context)
    text = ui._(
        "Un professionnel a déjà pris votre demande n° {number} : la conversation est en cours. "
        "Voulez-vous y mettre fin ?"
    ).format(number=ticket_id)
    rows = [
        [button(ui._("Oui, terminer la conversation"), pack(Action.CONTACT, "e", str(ticket_id)))],
        [button(ui._("Non, continuer"), pack(Action.CONTACT, "c", str(ticket_id)))],
    ]
    await answer(update, ui, text, rows, edit=False)


async def keep_going(update: Update, context: Context, ticket_id: int) -> None:
    ui = await ui_for(update, context)
    async with context.services.database.session() as session:
        ticket = await tickets.get_ticket(session, ticket_id=ticket_id)
        person = await person_of(session, ticket)
    if ticket is None or ticket.status == TicketStatus.CLOSED:
        await _already_ended(update, context)
        return
    if ui.person is None or person is None or ui.person.id != person.id:
        # The question is the person's alone: anyone else pressing forged data is told nothing about it.
        await stale_button(update, context, ui)
        return
    await acknowledge(update)
    await answer(update, ui, ui._("D'accord, la conversation continue : écrivez ici."))


async def _already_ended(update: Update, context: Context) -> None:
    ui = await ui_for(update, context)
    await acknowledge(update, ui._("Cette conversation est terminée."), alert=True)
    query = update.callback_query
    if query is not None and query.message is not None:
        # The button has nothing left to do: take it off the message it sits under.
        with contextlib.suppress(TelegramError):
            await context.bot.edit_message_reply_markup(
                chat_id=query.message.chat.id, message_id=query.message.message_id, reply_markup=None
            )


async def close_and_notify(
    context: Context, ticket_id: int, reason: str, *, only_if_open: bool = False
) -> bool:
    """Close a request, then tell the person, the referent and the referents' chat, each once; False when
    the database closed nothing (closed already, or taken meanwhile with `only_if_open`).

    `reason` is "ended" (by either side), "forgotten" (the person deleted their data, so they are not
    told) or "unanswered" (nobody took it after the last reminder).
    """
    found = context.services
    async with found.database.session() as session:
        closed = await tickets.close(
            session, ticket_id=ticket_id, now=found.clock(), only_if_open=only_if_open
        )
        person = await person_of(session, closed)
        sides = [chat for chat in (closed.referent_id if closed else None, person and person.chat_id) if chat]
        if closed is not None:
            await conversations.end_relay(session, chat_ids=sides, ticket_id=ticket_id)
    if closed is None:
        return False
    await _announce_closed(context, closed)
    if reason != "forgotten":
        await tell_person(context, closed, reason)
    if closed.referent_id is not None:
        t = referents_language(found)
        text = (
            t.gettext("La personne a effacé ses données : la conversation n° {number} est terminée.")
            if reason == "forgotten"
            else t.gettext("La conversation n° {number} est terminée.")
        )
        await send_quietly(context, closed.referent_id, t.directed(text.format(number=closed.id)))
    return True


async def _announce_closed(context: Context, ticket: Ticket) -> None:
    found = context.services
    territory = found.content.territories.get(ticket.territory)
    if territory is not None and territory.referents_chat is not None and ticket.referents_message_id:
        text = card(found, ticket, State.CLOSED, await language_of(found, ticket))
        await edit_card(context, territory.referents_chat, ticket.referents_message_id, text)


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
