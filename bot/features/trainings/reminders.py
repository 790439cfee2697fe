"""Spaced review and nudges for the trainings, sent by a job that respects quiet hours.

Buttons: "1:g:<module>:<question>:<option>" answers a review question: the explanation comes back, and
nothing is recorded (a review is for the person, not for the figures).
"""

from __future__ import annotations

import html
import logging
from datetime import timedelta

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler

from bot.content.pack import Module, Question
from bot.core.callbacks import Action, pack, pattern
from bot.core.context import BotApplication, Context
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, acknowledge, answer, button, button_fields, keyboard, ui_for
from bot.core.views import verdict
from bot.features.trainings.reminder_store import Due, due_reminders, mark_sent
from bot.fields import numbers as read_numbers
from bot.models import Person
from bot.services import Services

log = logging.getLogger(__name__)
EVERY = timedelta(minutes=15)


def _review_question(module: Module, step: int) -> tuple[int, Question] | None:
    """A single-choice question of the module, a different one for each review."""
    single = [(index, q) for index, q in enumerate(module.quiz) if not q.multiple]
    return single[step % len(single)] if single else None


async def reminders_job(context: Context) -> None:
    found = context.services
    now = found.clock()
    async with found.database.session() as session:
        due = await due_reminders(session, now=now, zone_of=lambda person: _zone(found, person))
    for item in due:
        # Sent, or never sendable (blocked bot, no review question): either way, not again.
        await _send(context, found, item)
        async with found.database.session() as session:
            await mark_sent(session, due=item)


def _zone(found: Services, person: Person) -> str:
    territory = found.content.territories.get(person.territory)
    return territory.timezone if territory else found.settings.timezone


async def _send(context: Context, found: Services, item: Due) -> bool:
    t = found.catalogs.get(item.person.language)
    module = found.content.module(item.person.language, item.progress.module, item.person.territory)
    if module is None:
        return False
    picked = _review_question(module, item.progress.reviews_sent) if item.review else None
    if item.review and picked is None:
        return False  # a module with only multiple-choice questions has no quick review
    if picked is not None:
        number, question = picked
        text = t.gettext("🔁 Petite révision de « {module} » :").format(module=html.escape(module.title))
        text += f"\n\n<b>{question.text}</b>"
        rows: Keyboard = [
            [button(option.text, pack(Action.REVIEW, module.id, str(number), str(index)))]
            for index, option in enumerate(question.options)
        ]
    else:
        text = t.gettext("Vous avez commencé « {module} ». On reprend là où vous en étiez ?").format(
            module=html.escape(module.title)
        )
        rows = [[button(t.gettext("▶️ Reprendre"), pack(Action.TRAINING, "m", module.id))]]
    rows.append([button(t.gettext("🔕 Plus de rappels de formation"), pack(Action.SETTINGS, "f", "0"))])
    try:
        await context.bot.send_message(
            item.person.chat_id, t.directed(text), parse_mode="HTML", reply_markup=keyboard(rows)
        )
    except TelegramError as error:
        log.info("could not send a training reminder: %s", type(error).__name__)
        return False
    return True


async def on_review_answer(update: Update, context: Context) -> None:
    fields = button_fields(update) or []
    ui = await ui_for(update, context)
    module = (
        context.services.content.module(ui.language, fields[0], ui.territory) if len(fields) == 3 else None
    )
    numbers = read_numbers(fields[1:])
    if module is None or numbers is None or len(numbers) != 2 or numbers[0] >= len(module.quiz):
        await stale_button(update, context, ui)
        return
    question = module.quiz[numbers[0]]
    if question.multiple or numbers[1] >= len(question.options):
        await stale_button(update, context, ui)
        return
    await acknowledge(update)
    chosen = question.options[numbers[1]]
    verdict_line = verdict(ui, chosen.correct)
    right = next(option for option in question.options if option.correct)
    text = "\n".join(
        [
            f"<b>{verdict_line}</b>",
            f"<b>{question.text}</b>",
            "",
            f"✅ <b>{html.escape(right.text)}</b> — {right.explanation}",
        ]
    )
    await answer(update, ui, text, [[button(ui._("↩️ Formations"), pack(Action.TRAINING))]])


def register(app: BotApplication) -> None:
    app.add_handler(CallbackQueryHandler(on_review_answer, pattern=pattern(Action.REVIEW)))
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            reminders_job, interval=EVERY, first=timedelta(minutes=2), name="training-reminders"
        )
