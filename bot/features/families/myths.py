"""Myth-busting: a received idea, True or False, then the facts with their sources and a next step.

Buttons: "1:y" (home), "1:y:c:<id>" (a card), "1:y:a:<id>:<t|f>" (its answer), "1:y:w:<0|1>" (card of the
week off or on), "1:q:<seed>:<index>:<score>[:<t|f>]" (the quiz: a card, or the answer to it).
Only anonymous counts of answers are stored (per card, territory and month), never who answered what.
"""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.content.pack import Myth
from bot.core.callbacks import Action, pack, pattern
from bot.core.context import BotApplication, Context
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button, button_fields, ui_for
from bot.core.views import back_to_menu, verdict
from bot.domain.subscriptions import is_subscribed, set_subscription
from bot.features.families.quiz import Quiz, is_right, new_quiz, record_answer
from bot.features.families.resources import share_button
from bot.fields import numbers as fields_numbers
from bot.topics import MYTH_OF_THE_WEEK

SHARE_PREFIX = "m_"
TRUE, FALSE = "t", "f"


async def show_home(update: Update, context: Context) -> None:
    ui = await ui_for(update, context)
    await acknowledge(update)
    found = context.services
    quiz = new_quiz()
    rows: Keyboard = [
        [button(ui._("🎯 Jouer au quiz"), pack(Action.QUIZ, str(quiz.seed), "0", "0"))],
        [button(ui._("🃏 Voir les cartes"), pack(Action.MYTH, "l"))],
    ]
    if ui.person is not None and ui.person.id is not None:
        async with found.database.session() as session:
            weekly = await is_subscribed(session, person_id=ui.person.id, topic=MYTH_OF_THE_WEEK)
        label = (
            ui._("🔕 Ne plus recevoir la carte de la semaine")
            if weekly
            else ui._("🔔 Recevoir la carte de la semaine")
        )
        rows.append([button(label, pack(Action.MYTH, "w", "0" if weekly else "1"))])
    rows.append(back_to_menu(ui))
    text = (
        "<b>"
        + ui._("Vrai ou faux ?")
        + "</b>\n"
        + ui._("Des idées reçues sur le trafic de drogue, vérifiées avec des sources.")
    )
    await answer(update, ui, text, rows)


async def show_list(update: Update, context: Context, ui: Ui) -> None:
    found = context.services
    myths = [found.content.myth(ui.language, myth_id) for myth_id in found.content.myth_ids()]
    rows: Keyboard = [[button(m.claim, pack(Action.MYTH, "c", m.id))] for m in myths if m is not None]
    rows.append([button(ui._("↩️ Vrai ou faux"), pack(Action.MYTH))])
    await answer(update, ui, "<b>" + ui._("Choisissez une idée reçue :") + "</b>", rows)


def _question(ui: Ui, myth: Myth, heading: str) -> str:
    claim = ui.t.foreign(f"<b>{_quoted(ui, myth)}</b>", myth.language)
    return f"{heading}{claim}\n\n" + ui._("Vrai ou faux ?")


def _quoted(ui: Ui, myth: Myth) -> str:
    """The claim between the quotation marks of the person's language (“…” in English, not « … »)."""
    return ui._("« {claim} »").format(claim=html.escape(myth.claim))


def _answer_rows(ui: Ui, data_true: str, data_false: str) -> Keyboard:
    return [[button(ui._("✅ Vrai"), data_true), button(ui._("❌ Faux"), data_false)]]


def card_rows(ui: Ui, myth: Myth) -> Keyboard:
    """The card's True and False buttons: the same in the bot, in a campaign and in the weekly series."""
    return _answer_rows(ui, pack(Action.MYTH, "a", myth.id, TRUE), pack(Action.MYTH, "a", myth.id, FALSE))


def card_text(ui: Ui, myth: Myth, heading: str = "") -> str:
    return _question(ui, myth, heading)


async def show_card(update: Update, context: Context, ui: Ui, myth: Myth, *, edit: bool = True) -> None:
    rows = card_rows(ui, myth)
    rows.append([button(ui._("↩️ Vrai ou faux"), pack(Action.MYTH))])
    await answer(update, ui, card_text(ui, myth), rows, edit=edit)


def _verdict(ui: Ui, myth: Myth, right: bool) -> str:
    """The verdict line and the explanation with its sources."""
    verdict_line = verdict(ui, right)
    explained = ui.t.foreign(f"<i>{_quoted(ui, myth)}</i>\n\n{myth.html}", myth.language)
    return f"<b>{verdict_line}</b>\n{explained}"


def _count(context: Context, ui: Ui, myth: Myth, right: bool) -> None:
    """Count the answer anonymously, by card, territory and month (written in the background)."""
    found = context.services
    territory = ui.person.territory if ui.person else None
    record_answer(found.tallies, myth=myth.id, territory=territory, now=found.clock(), right=right)


def _next_step(ui: Ui, context: Context, myth: Myth) -> Keyboard:
    kind, _, target = (myth.next or ":").partition(":")
    found = context.services
    if kind == "resource" and (resource := found.content.resource(ui.language, target)):
        return [[button("📚 " + resource.title, pack(Action.RESOURCE, resource.id, "0"))]]
    if kind == "page" and found.content.has_page(target):
        return [[button("📌 " + found.content.page(ui.language, target).title, pack(Action.PAGE, target))]]
    return []


async def show_answer(update: Update, context: Context, ui: Ui, myth: Myth, said_true: bool) -> None:
    right = is_right(said_true, myth.answer)
    ids = context.services.content.myth_ids()
    following = ids[(ids.index(myth.id) + 1) % len(ids)]
    rows = _next_step(ui, context, myth)
    rows.append([button(ui._("🃏 Carte suivante"), pack(Action.MYTH, "c", following))])
    rows.append(
        [
            share_button(ui, context, SHARE_PREFIX + myth.id, myth.claim),
            button(ui._("↩️ Vrai ou faux"), pack(Action.MYTH)),
        ]
    )
    # A second press of the same answer changes nothing on screen, and must not be counted again.
    if await answer(update, ui, _verdict(ui, myth, right), rows):
        _count(context, ui, myth, right)


async def quiz_step(update: Update, context: Context, ui: Ui, quiz: Quiz, said: str | None) -> None:
    found = context.services
    ids = found.content.myth_ids()
    cards = quiz.cards(ids)
    if said is None and quiz.finished(ids):
        await _quiz_score(update, ui, quiz, len(cards))
        return
    myth = found.content.myth(ui.language, cards[quiz.index])
    assert myth is not None
    if said is None:
        heading = (
            "<i>"
            + ui._("Question {number} sur {total}").format(
                number=ui.t.number(quiz.index + 1), total=ui.t.number(len(cards))
            )
            + "</i>\n\n"
        )
        fields = (str(quiz.seed), str(quiz.index), str(quiz.score))
        rows = _answer_rows(ui, pack(Action.QUIZ, *fields, TRUE), pack(Action.QUIZ, *fields, FALSE))
        await answer(update, ui, _question(ui, myth, heading), rows)
        return
    right = is_right(said == TRUE, myth.answer)
    after = quiz.answered(right)
    label = ui._("Voir mon score") if after.finished(ids) else ui._("Question suivante ▶️")
    rows = _next_step(ui, context, myth)
    rows.append([button(label, pack(Action.QUIZ, str(after.seed), str(after.index), str(after.score)))])
    if await answer(update, ui, _verdict(ui, myth, right), rows):
        _count(context, ui, myth, right)


async def _quiz_score(update: Update, ui: Ui, quiz: Quiz, total: int) -> None:
    score = ui.t.ngettext(
        "Votre score : {score} bonne réponse sur {total}.",
        "Votre score : {score} bonnes réponses sur {total}.",
        quiz.score,
    ).format(score=ui.t.number(quiz.score), total=ui.t.number(total))
    again = new_quiz()
    rows: Keyboard = [
        [button(ui._("🔁 Rejouer"), pack(Action.QUIZ, str(again.seed), "0", "0"))],
        [button(ui._("↩️ Vrai ou faux"), pack(Action.MYTH)), *back_to_menu(ui)],
    ]
    await answer(update, ui, f"<b>{score}</b>", rows)


async def on_myth_button(update: Update, context: Context) -> None:
    fields = button_fields(update) or []
    found = context.services
    if not fields:
        await show_home(update, context)
        return
    ui = await ui_for(update, context)
    what, rest = fields[0], fields[1:]
    myth = found.content.myth(ui.language, rest[0]) if rest and what in ("c", "a") else None
    if what == "l" and not rest:
        await acknowledge(update)
        await show_list(update, context, ui)
    elif what == "c" and myth is not None and len(rest) == 1:
        await acknowledge(update)
        await show_card(update, context, ui, myth)
    elif what == "a" and myth is not None and len(rest) == 2 and rest[1] in (TRUE, FALSE):
        await acknowledge(update)
        await show_answer(update, context, ui, myth, rest[1] == TRUE)
    elif what == "w" and rest in (["0"], ["1"]) and ui.person is not None and ui.person.id is not None:
        async with found.database.session() as session:
            await set_subscription(session, person_id=ui.person.id, topic=MYTH_OF_THE_WEEK, on=rest == ["1"])
        note = (
            ui._("C'est noté : vous recevrez une carte chaque semaine.")
            if rest == ["1"]
            else ui._("C'est noté : plus de carte de la semaine.")
        )
        await acknowledge(update, note)
        await show_home(update, context)
    else:
        await stale_button(update, context, ui)


async def on_quiz_button(update: Update, context: Context) -> None:
    fields = button_fields(update) or []
    numbers = fields_numbers(fields[:3])
    said = fields[3] if len(fields) == 4 else None
    if numbers is None or len(numbers) != 3 or len(fields) > 4 or said not in (None, TRUE, FALSE):
        await stale_button(update, context)
        return
    quiz = Quiz(seed=numbers[0], index=numbers[1], score=numbers[2])
    if not quiz.possible(context.services.content.myth_ids(), answering=said is not None):
        await stale_button(update, context)
        return
    ui = await ui_for(update, context)
    await acknowledge(update)
    await quiz_step(update, context, ui, quiz, said)


async def open_shared(update: Update, context: Context, myth_id: str) -> bool:
    """Open a card from a shared link; False when the link names none."""
    ui = await ui_for(update, context)
    myth = context.services.content.myth(ui.language, myth_id)
    if myth is None:
        return False
    await show_card(update, context, ui, myth, edit=False)
    return True


def register(app: BotApplication) -> None:
    app.bot_data.deep_links[SHARE_PREFIX] = open_shared  # /start m_<id>, from a shared link
    app.add_handler(CallbackQueryHandler(on_myth_button, pattern=pattern(Action.MYTH)))
    app.add_handler(CallbackQueryHandler(on_quiz_button, pattern=pattern(Action.QUIZ)))
