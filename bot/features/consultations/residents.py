"""Residents' side of the consultations: the open ones of their territory, an answer they may change until
it closes, or one idea for an idea box, stored without them (bot/domain/consultations.py).

Reached with /consultations, or from the residents' menu (its button is made in bot/core/residents.py).
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.core.callbacks import Action, pack, pattern
from bot.core.context import BotApplication, Context
from bot.core.sanitise import clean_text
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button, button_fields, ui_for
from bot.core.views import back_to_menu
from bot.delivery.jobs import zones_of
from bot.domain import consultation_ideas as ideas
from bot.domain import consultations, conversations
from bot.domain.consultations import IDEA_LIMIT, ConsultationError
from bot.domain.conversations import Current, Kind
from bot.features.consultations import staff  # the staff's buttons share the prefix
from bot.fields import index, row_id
from bot.models import Consultation, as_utc

IDEA_WAIT = timedelta(minutes=30)  # typed text after that is not taken as an idea any more


async def consultations_command(update: Update, context: Context) -> None:
    """/consultations: the open consultations of the person's territory."""
    await show_list(update, context, await ui_for(update, context), edit=False)


async def show_list(update: Update, context: Context, ui: Ui, *, edit: bool = True) -> None:
    found = context.services
    if ui.person is None:
        text = ui._("Les consultations sont ouvertes aux habitants inscrits : /start pour commencer.")
        await answer(update, ui, text, edit=edit)
        return
    async with found.database.session() as session:
        open_ones = await consultations.open_for(session, territory=ui.person.territory, now=found.clock())
    if not open_ones:
        text = ui._("Aucune consultation n'est ouverte sur votre territoire en ce moment.")
        await answer(update, ui, text, [back_to_menu(ui)], edit=edit)
        return
    rows = [[button(c.question, pack(Action.CONSULT, "s", str(c.id)))] for c in open_ones]
    text = ui._("Consultations ouvertes sur votre territoire : votre avis compte.")
    await answer(update, ui, text, [*rows, back_to_menu(ui)], edit=edit)


async def show(update: Update, context: Context, ui: Ui, consultation_id: int, *, note: str = "") -> None:
    found = context.services
    person = ui.person
    if person is None:
        await stale_button(update, context, ui)
        return
    async with found.database.session() as session:
        consultation = await session.get(Consultation, consultation_id)
        if consultation is None or consultation.territory != person.territory:
            await stale_button(update, context, ui)
            return
        mine = await consultations.answer_of(session, consultation_id, person_id=person.id or 0)
        gave_idea = await ideas.has_idea(
            session, consultation, person_id=person.id or 0, pepper=found.idea_pepper
        )
    if not await _still_open(update, ui, consultation, found.clock()):
        return
    lines = [f"<b>{html.escape(consultation.question)}</b>"]
    rows: Keyboard = []
    if consultation.options:
        for number, option in enumerate(consultation.options):
            mark = "✅ " if number == mine else ""
            rows.append([button(mark + option, pack(Action.CONSULT, "a", str(consultation_id), str(number)))])
        lines.append(ui._("Une réponse par personne ; vous pouvez la changer jusqu'à la clôture."))
    elif gave_idea:
        lines.append(ui._("Votre idée est bien reçue. Une idée par personne."))
    else:
        rows.append([button(ui._("✍️ Proposer une idée"), pack(Action.CONSULT, "i", str(consultation_id)))])
        lines.append(ui._("Votre idée est gardée sans votre nom, jusqu'à sa lecture par la coordination."))
    day = consultations.last_day(consultation, zones_of(found).of(consultation.territory))
    lines.append(ui._("Ouverte jusqu'au {day} inclus.").format(day=ui.t.date(day)))
    if note:
        lines.append(note)
    rows.append([button(ui._("⬅️ Consultations"), pack(Action.CONSULT, "l"))])
    await answer(update, ui, "\n\n".join(lines), rows)


async def pressed(update: Update, context: Context) -> None:
    ui = await ui_for(update, context)
    fields = button_fields(update) or []
    kind, rest = (fields[0], fields[1:]) if fields else ("", [])
    consultation_id = row_id(rest[0]) if rest else None
    if kind == "l":
        await acknowledge(update)
        await show_list(update, context, ui)
    elif kind == "s" and consultation_id is not None:
        await acknowledge(update)
        await show(update, context, ui, consultation_id)
    elif kind == "a" and consultation_id is not None and len(rest) == 2:
        await _answer(update, context, ui, consultation_id, rest[1])
    elif kind == "i" and consultation_id is not None:
        await _ask_idea(update, context, ui, consultation_id)
    else:
        await staff.pressed(update, context, ui, kind, rest)


async def _answer(update: Update, context: Context, ui: Ui, consultation_id: int, field: str) -> None:
    found, person = context.services, ui.person
    choice = index(field, consultations.MAX_OPTIONS)
    if person is None or choice is None:
        await stale_button(update, context, ui)
        return
    try:
        async with found.database.session() as session:
            await consultations.answer(
                session,
                consultation_id,
                person_id=person.id or 0,
                territory=person.territory,
                choice=choice,
                now=found.clock(),
            )
    except ConsultationError as error:
        await _refused(update, context, ui, error)
        return
    await acknowledge(update, ui._("Réponse enregistrée."))
    await show(update, context, ui, consultation_id)


async def _refused(update: Update, context: Context, ui: Ui, error: ConsultationError) -> None:
    if error.reason == "closed":
        await acknowledge(update, ui._("Cette consultation est close."), alert=True)
    elif error.reason == "already":
        await acknowledge(update, ui._("Vous avez déjà proposé une idée : une par personne."), alert=True)
    else:
        await stale_button(update, context, ui)


async def _ask_idea(update: Update, context: Context, ui: Ui, consultation_id: int) -> None:
    found, chat = context.services, update.effective_chat
    if ui.person is None or chat is None:
        await stale_button(update, context, ui)
        return
    async with found.database.session() as session:
        consultation = await session.get(Consultation, consultation_id)
    if consultation is None or consultation.territory != ui.person.territory or consultation.options:
        await stale_button(update, context, ui)
        return
    # Asked only while the box takes ideas: nobody types an idea to be told afterwards that it had closed.
    if not await _still_open(update, ui, consultation, found.clock()):
        return
    await acknowledge(update)
    async with found.database.session() as session:
        await conversations.begin(
            session,
            chat_id=chat.id,
            kind=Kind.IDEA,
            data={"consultation": consultation_id},
            now=found.clock(),
            lasts=IDEA_WAIT,
        )
    await _ask_text(update, ui)


async def _still_open(update: Update, ui: Ui, consultation: Consultation, now: datetime) -> bool:
    """True when the consultation takes answers now; otherwise says when it opens, or that it closed."""
    if consultations.is_open(consultation, now):
        return True
    if consultation.status == consultations.Status.PUBLISHED and now < as_utc(consultation.opens_at):
        opens = ui.t.date(as_utc(consultation.opens_at).date())
        text = ui._("Cette consultation ouvre le {date}.").format(date=opens)
    else:
        text = ui._("Cette consultation est close. Merci à celles et ceux qui ont répondu.")
    await answer(update, ui, text, [back_to_menu(ui)])
    return False


async def _ask_text(update: Update, ui: Ui) -> None:
    text = ui._("Écrivez votre idée en un message ({count} caractères au plus). Ne donnez ni nom ni adresse.")
    await answer(update, ui, text.format(count=IDEA_LIMIT), edit=False)


async def typed_idea(update: Update, context: Context, ui: Ui, waiting: Current) -> bool:
    """The text router's route while an idea is awaited: the typed text is the idea, kept without its
    author. Never logged."""
    message, person = update.effective_message, ui.person
    consultation_id = waiting.number("consultation")
    if message is None or not message.text or consultation_id is None or person is None:
        return False
    found = context.services
    text = clean_text(message.text).strip()[:IDEA_LIMIT]
    if not text:  # only marks or control characters: nothing to read, and the person's one idea is not spent
        await _ask_text(update, ui)
        return True
    async with found.database.session() as session:  # taken first: a refused idea ends the wait too
        if not await conversations.taken(session, waiting):
            return False
    try:
        async with found.database.session() as session:
            await ideas.add_idea(
                session,
                consultation_id,
                person_id=person.id or 0,
                territory=person.territory,
                text=text,
                now=found.clock(),
                pepper=found.idea_pepper,
            )
    except ConsultationError as error:
        refusal = {
            "already": ui._("Vous avez déjà proposé une idée : une par personne."),
            "closed": ui._("Cette consultation est close."),
        }.get(error.reason, ui._("Cette consultation n'est plus disponible."))
        await answer(update, ui, refusal, [back_to_menu(ui)], edit=False)
        return True
    await answer(
        update, ui, ui._("Merci, votre idée est reçue, sans votre nom."), [back_to_menu(ui)], edit=False
    )
    return True


def register(app: BotApplication) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("consultations", consultations_command, filters=private))
    app.add_handler(CallbackQueryHandler(pressed, pattern=pattern(Action.CONSULT)))
