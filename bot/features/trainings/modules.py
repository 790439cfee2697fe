"""Micro-trainings for professionals: the catalogue, a module's cards and its quiz (the certificate and
/verify: certificates.py).

Buttons: "1:f" (catalogue), "1:f:m:<id>" (open or resume), "1:f:c:<id>:<card>" (a card), "1:f:q:<id>"
(start the quiz), "1:f:a:<id>:<question>:<option>" (a single-choice answer), "1:f:t:<id>:<question>:<mask>"
(toggle options of a multiple-choice question), "1:f:v:<id>:<question>:<mask>" (validate them), "1:f:n:<id>"
(next question or the result), "1:f:p:<id>[:anon]" (the certificate). The question number in a button must
be the one in progress, so an old or forged button cannot answer twice or skip ahead.
"""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.content.pack import Module
from bot.core.callbacks import Action, pack, pattern
from bot.core.context import BotApplication, Context
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button, button_fields, ui_for
from bot.core.views import back_to_menu, verdict
from bot.domain import training
from bot.features.trainings.certificates import ask_name, send_certificate, verify
from bot.fields import numbers as read_numbers
from bot.shorten import LABEL_LIMIT, shorten


async def _allowed(context: Context, ui: Ui) -> tuple[bool, list[Module]]:
    """Whether the person is a verified professional, and the modules they may open."""
    found = context.services
    modules = found.content.module_list(ui.language, ui.territory)
    if ui.person is None or ui.person.id is None:
        return False, [m for m in modules if m.public] if found.settings.trainings_open_to_all else []
    async with found.database.session() as session:
        pro = await training.professional(session, person_id=ui.person.id)
    if pro is not None:
        return True, for_kind(modules, pro.kind)
    return False, [m for m in modules if m.public] if found.settings.trainings_open_to_all else []


def for_kind(modules: list[Module], kind: str | None) -> list[Module]:
    """The catalogue for a professional of `kind` (their invite's): the modules written for that job first,
    the one written for it alone (fewest audiences) before those written for every job, then the others;
    `order` decides within each group. Every module lists every job it concerns, so "written for the job"
    alone would leave the landlords' module behind the general ones a landlord also sees."""

    def rank(module: Module) -> tuple[bool, int]:
        mine = kind in module.audience
        return not mine, len(module.audience) if mine else 0

    return sorted(modules, key=rank)


async def show_catalogue(update: Update, context: Context, ui: Ui) -> None:
    verified, modules = await _allowed(context, ui)
    progress = {}
    if ui.person is not None and ui.person.id is not None:
        async with context.services.database.session() as session:
            progress = await training.progress_of(session, person_id=ui.person.id)
    lines = ["<b>" + ui._("Formations courtes") + "</b>"]
    if not verified:
        lines.append(
            ui._("Pour tout voir, demandez un lien d'invitation à la coordination de votre commune.")
        )
    rows: Keyboard = []
    for module in modules:
        done = progress.get(module.id)
        mark = "✅" if done and done.passed_at else "▶️" if done else "🆕"
        minutes = ui.t.ngettext("{count} minute", "{count} minutes", module.minutes).format(
            count=module.minutes
        )
        # The title gives way, not the duration: "… · 12 minutes" stays whole.
        suffix = f" · {minutes}"
        title = shorten(f"{mark} {module.title}", LABEL_LIMIT - len(suffix))
        rows.append([button(title + suffix, pack(Action.TRAINING, "m", module.id))])
    if not modules:
        lines.append(ui._("Aucune formation ouverte pour l'instant."))
    rows.append(back_to_menu(ui))
    await answer(update, ui, "\n".join(lines), rows)


async def show_card(update: Update, context: Context, ui: Ui, module: Module, card: int) -> None:
    found = context.services
    assert ui.person is not None and ui.person.id is not None
    async with found.database.session() as session:
        progress = await training.open_module(
            session, person_id=ui.person.id, module=module.id, now=found.clock()
        )
        # A module edited since, or a translation with fewer cards: stay within the cards there are.
        card = min(max(card if card >= 0 else progress.card, 0), len(module.cards) - 1)
        progress.card = card
        session.add(progress)
    counter = ui._("Carte {number} sur {total}").format(number=card + 1, total=len(module.cards))
    body = ui.t.foreign(module.cards[card], module.language)
    text = f"<b>{html.escape(module.title)}</b> · <i>{counter}</i>\n\n{body}"
    navigation = []
    if card > 0:
        navigation.append(button(ui._("◀️ Précédent"), pack(Action.TRAINING, "c", module.id, str(card - 1))))
    if card + 1 < len(module.cards):
        navigation.append(button(ui._("Suivant ▶️"), pack(Action.TRAINING, "c", module.id, str(card + 1))))
    else:
        navigation.append(button(ui._("📝 Passer le quiz"), pack(Action.TRAINING, "q", module.id)))
    await answer(update, ui, text, [navigation, [button(ui._("↩️ Formations"), pack(Action.TRAINING))]])


async def show_question(
    update: Update, context: Context, ui: Ui, module: Module, number: int, mask: int = 0
) -> None:
    question = module.quiz[number]
    heading = ui._("Question {number} sur {total}").format(number=number + 1, total=len(module.quiz))
    asked = ui.t.foreign(f"<b>{question.text}</b>", module.language)
    text = f"<b>{html.escape(module.title)}</b> · <i>{heading}</i>\n\n{asked}"
    rows: Keyboard = []
    if question.multiple:
        text += "\n<i>" + ui._("Plusieurs réponses possibles : cochez-les, puis validez.") + "</i>"
        for index, option in enumerate(question.options):
            box = "☑️" if mask & (1 << index) else "⬜"
            toggled = str(mask ^ (1 << index))
            rows.append(
                [button(f"{box} {option.text}", pack(Action.TRAINING, "t", module.id, str(number), toggled))]
            )
        rows.append(
            [button(ui._("✔️ Valider"), pack(Action.TRAINING, "v", module.id, str(number), str(mask)))]
        )
    else:
        rows += [
            [button(option.text, pack(Action.TRAINING, "a", module.id, str(number), str(index)))]
            for index, option in enumerate(question.options)
        ]
    await answer(update, ui, text, rows)


async def answer_question(
    update: Update, context: Context, ui: Ui, module: Module, number: int, chosen: frozenset[int]
) -> None:
    found = context.services
    assert ui.person is not None and ui.person.id is not None
    question = module.quiz[number]
    async with found.database.session() as session:
        progress = await training.open_module(
            session, person_id=ui.person.id, module=module.id, now=found.clock()
        )
        gained = training.points(question, chosen)
        # Counted only if this question is still the one in progress: a second answer at once is stale.
        counted = progress.quiz_question == number and await training.record_answer(
            session, person_id=ui.person.id, module=module.id, number=number, gained=gained, now=found.clock()
        )
    if not counted:
        await stale_button(update, context, ui)
        return
    await acknowledge(update)
    verdict_line = verdict(ui, bool(gained))
    lines = [f"<b>{verdict_line}</b>", f"<b>{question.text}</b>", ""]
    for index, option in enumerate(question.options):
        mark = "✅" if option.correct else "❌"
        picked = " 👉" if index in chosen else ""
        lines.append(f"{mark}{picked} <b>{html.escape(option.text)}</b> — {option.explanation}")
    label = ui._("Question suivante ▶️") if number + 1 < len(module.quiz) else ui._("Voir mon score")
    await answer(update, ui, "\n".join(lines), [[button(label, pack(Action.TRAINING, "n", module.id))]])


async def next_step(update: Update, context: Context, ui: Ui, module: Module) -> None:
    found = context.services
    assert ui.person is not None and ui.person.id is not None
    async with found.database.session() as session:
        progress = await training.open_module(
            session, person_id=ui.person.id, module=module.id, now=found.clock()
        )
        number = progress.quiz_question
        if number is not None and number > len(module.quiz):  # the quiz changed under a quiz in progress
            progress.quiz_question, progress.quiz_points, number = 0, 0, 0
        session.add(progress)
        closed = None
        if number == len(module.quiz):
            closed = await training.close_quiz(session, progress=progress, module=module, now=found.clock())
            if closed is None:  # "see my score" pressed twice at once: the first press showed it
                number = None
        result = closed
    if number is None:
        await stale_button(update, context, ui)
        return
    await acknowledge(update)
    if result is None:
        await show_question(update, context, ui, module, number)
        return
    score = ui._("Votre score : {score} % (il faut {mark} %).").format(
        score=result.score, mark=module.pass_mark
    )
    if result.passed:
        text = "<b>" + ui._("🎉 Réussi !") + "</b>\n" + score
        rows = [[button(ui._("📄 Recevoir mon attestation"), pack(Action.TRAINING, "p", module.id))]]
    else:
        text = (
            "<b>" + ui._("Pas encore.") + "</b>\n" + score + "\n" + ui._("Relisez les cartes et réessayez.")
        )
        rows = [[button(ui._("🔁 Recommencer le quiz"), pack(Action.TRAINING, "q", module.id))]]
    rows.append([button(ui._("↩️ Formations"), pack(Action.TRAINING))])
    await answer(update, ui, text, rows)


async def start_quiz(update: Update, context: Context, ui: Ui, module: Module) -> None:
    found = context.services
    assert ui.person is not None and ui.person.id is not None
    async with found.database.session() as session:
        progress = await training.open_module(
            session, person_id=ui.person.id, module=module.id, now=found.clock()
        )
        progress.quiz_question, progress.quiz_points = 0, 0
        session.add(progress)
    await acknowledge(update)
    await show_question(update, context, ui, module, 0)


async def on_button(update: Update, context: Context) -> None:
    fields = button_fields(update) or []
    ui = await ui_for(update, context)
    if not fields:
        await acknowledge(update)
        await show_catalogue(update, context, ui)
        return
    _, allowed = await _allowed(context, ui)
    module = next((m for m in allowed if len(fields) > 1 and m.id == fields[1]), None)
    what, numbers = fields[0], fields[2:]
    values = read_numbers([n for n in numbers if n != "anon"])
    if module is None or ui.person is None or values is None:
        await stale_button(update, context, ui)
        return
    if what == "m" and not values:
        await acknowledge(update)
        await show_card(update, context, ui, module, -1)
    elif what == "c" and len(values) == 1 and values[0] < len(module.cards):
        await acknowledge(update)
        await show_card(update, context, ui, module, values[0])
    elif what == "q" and not values:
        await start_quiz(update, context, ui, module)
    elif what == "a" and len(values) == 2 and values[0] < len(module.quiz):
        question = module.quiz[values[0]]
        if question.multiple or values[1] >= len(question.options):
            await stale_button(update, context, ui)
            return
        await answer_question(update, context, ui, module, values[0], frozenset({values[1]}))
    elif what in ("t", "v") and len(values) == 2 and values[0] < len(module.quiz):
        question = module.quiz[values[0]]
        if not question.multiple or values[1] >= 1 << len(question.options):
            await stale_button(update, context, ui)
            return
        chosen = frozenset(i for i in range(len(question.options)) if values[1] & (1 << i))
        if what == "t":
            await acknowledge(update)
            await show_question(update, context, ui, module, values[0], values[1])
        else:
            await answer_question(update, context, ui, module, values[0], chosen)
    elif what == "n" and not values:
        await next_step(update, context, ui, module)
    elif what == "p" and not values:
        if numbers == ["anon"]:
            await send_certificate(update, context, ui, module, None)
        else:
            await acknowledge(update)
            await ask_name(update, context, ui, module)
    else:
        await stale_button(update, context, ui)


def register(app: BotApplication) -> None:
    app.add_handler(CallbackQueryHandler(on_button, pattern=pattern(Action.TRAINING)))
    app.add_handler(CommandHandler("verify", verify, filters=filters.ChatType.PRIVATE))
