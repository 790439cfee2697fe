""" "I am worried about my child": a few questions that lead to the right resources and local services.

Not a diagnosis, and nothing is stored: the answers travel in the buttons. Buttons: "1:w" (is anyone in
danger?), "1:w:u" (yes: the emergency numbers), "1:w:n" (what worries you most?), "1:w:c:<concern>".
"""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.core.callbacks import Action, pack, pattern
from bot.core.context import BotApplication, Context
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button, button_fields, ui_for
from bot.core.views import back_to_menu, safeguarding_button
from bot.features.contact.concerns import CONCERNS
from bot.features.contact.tickets import contact_rows
from bot.features.families.directory import local_services
from bot.features.families.nearby import for_need

SERVICES_SHOWN = 3


async def ask_danger(update: Update, context: Context, ui: Ui, lead: str = "") -> None:
    """The path's first question; `lead` goes above it (a worry recognised in typed text, told_worry.py)."""
    text = "\n\n".join(
        [
            "<b>" + ui._("Vous vous inquiétez pour un jeune") + "</b>",
            ui._(
                "Quelques questions pour vous orienter. Ce n'est pas un diagnostic, et rien n'est enregistré."
            ),
            "<b>" + ui._("Quelqu'un est-il en danger en ce moment ?") + "</b>",
        ]
    )
    rows: Keyboard = [
        [
            button(ui._("🚨 Oui, maintenant"), pack(Action.WORRIED, "u")),
            button(ui._("Non"), pack(Action.WORRIED, "n")),
        ],
        back_to_menu(ui),
    ]
    await answer(update, ui, lead + text, rows)


async def show_emergency(update: Update, context: Context, ui: Ui) -> None:
    text = "\n\n".join(
        [
            "<b>" + ui._("Appelez maintenant le 17 (police) ou le 112.") + "</b>",
            ui._("Pour une urgence médicale : le 15. Si vous ne pouvez pas parler : SMS au 114."),
            ui._("Un enfant en danger : le 119, jour et nuit, gratuit."),
        ]
    )
    rows: Keyboard = [
        [safeguarding_button(ui)],
        [button(ui._("☎️ Numéros d'aide"), pack(Action.DIRECTORY, "h"))],
        back_to_menu(ui),
    ]
    await answer(update, ui, text, rows)


async def ask_concern(update: Update, context: Context, ui: Ui) -> None:
    rows: Keyboard = [
        [button(ui._(label), pack(Action.WORRIED, "c", key))] for key, (label, _) in CONCERNS.items()
    ]
    rows.append([button(ui._("↩️ Retour"), pack(Action.WORRIED))])
    await answer(update, ui, "<b>" + ui._("Qu'est-ce qui vous inquiète le plus ?") + "</b>", rows)


async def show_advice(update: Update, context: Context, ui: Ui, concern: str, lead: str = "") -> None:
    found = context.services
    label, topic = CONCERNS[concern]
    resources = found.content.resources_in(ui.language, topic, ui.territory)
    places = for_need(local_services(ui, context)[0], "worried")[:SERVICES_SHOWN]
    lines = [
        f"<b>{html.escape(ui._(label))}</b>",
        "",
        ui._(
            "Vous n'êtes pas seul. Voici de quoi lire, "
            "et des lieux où parler à quelqu'un, même sans votre enfant."
        ),
    ]
    rows: Keyboard = [[button("📚 " + r.title, pack(Action.RESOURCE, r.id, "0"))] for r in resources]
    rows += [[button("📍 " + place.name, pack(Action.DIRECTORY, "s", place.id))] for place in places]
    rows += contact_rows(ui, context, concern)
    # A child who may be involved or threatened: who to call comes before anything to read.
    rows.insert(0 if concern == "involved" else len(rows), [safeguarding_button(ui)])
    rows.append([button(ui._("☎️ Numéros d'aide"), pack(Action.DIRECTORY, "h")), *back_to_menu(ui)])
    await answer(update, ui, lead + "\n".join(lines), rows)


async def on_button(update: Update, context: Context) -> None:
    fields = button_fields(update) or []
    ui = await ui_for(update, context)
    if not fields:
        await acknowledge(update)
        await ask_danger(update, context, ui)
    elif fields == ["u"]:
        await acknowledge(update)
        await show_emergency(update, context, ui)
    elif fields == ["n"]:
        await acknowledge(update)
        await ask_concern(update, context, ui)
    elif len(fields) == 2 and fields[0] == "c" and fields[1] in CONCERNS:
        await acknowledge(update)
        await show_advice(update, context, ui, fields[1])
    else:
        await stale_button(update, context, ui)


def register(app: BotApplication) -> None:
    app.add_handler(CallbackQueryHandler(on_button, pattern=pattern(Action.WORRIED)))
