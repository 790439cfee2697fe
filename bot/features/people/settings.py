"""/settings, /language and /stop: the person changes what they chose.

Buttons: "1:s" (the settings screen), "1:s:l[:<language>]", "1:s:r[:<role>]", "1:s:t[:<territory>]",
"1:s:m:<0|1>" (campaign messages off or on).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.core.callbacks import Action, pack, pattern
from bot.core.commands import set_chat_commands
from bot.core.context import BotApplication, Context
from bot.core.stale import stale_button
from bot.core.ui import (
    Keyboard,
    Ui,
    acknowledge,
    answer,
    button,
    button_fields,
    resume_deliveries,
    stop_deliveries,
    ui_for,
)
from bot.core.views import back_to_menu, language_rows, role_label, role_rows, territory_rows
from bot.domain.people import update_person
from bot.features.people.draft import Draft
from bot.features.people.onboarding import show_step
from bot.roles import PROFESSIONAL, ROLES

ON, OFF = "1", "0"


def settings_view(ui: Ui, context: Context) -> tuple[str, Keyboard]:
    found = context.services
    person = ui.person
    assert person is not None
    territory = found.content.territories.get(person.territory)
    messages = ui._("oui") if person.messages_enabled else ui._("non")
    # Training reminders concern professionals only: a parent has no training to be reminded of.
    trains = person.role == PROFESSIONAL
    lines = [
        "<b>" + ui._("Vos réglages") + "</b>",
        ui._("Langue : {language}").format(language=found.catalogs.native_name(ui.language)),
        ui._("Profil : {role}").format(role=role_label(ui, person.role)),
        ui._("Territoire : {territory}").format(
            territory=territory.name(ui.language) if territory else person.territory
        ),
        ui._("Messages de la commune : {answer}").format(answer=messages),
    ]
    if trains:
        lines.append(
            ui._("Rappels de formation : {answer}").format(
                answer=ui._("oui") if person.training_reminders else ui._("non")
            )
        )
    text = "\n".join(lines)
    rows: Keyboard = [
        [
            button(ui._("Langue"), pack(Action.SETTINGS, "l")),
            button(ui._("Profil"), pack(Action.SETTINGS, "r")),
        ],
    ]
    if len(found.territory_ids) > 1:
        rows.append([button(ui._("Territoire"), pack(Action.SETTINGS, "t"))])
    toggle = (
        (ui._("🔕 Ne plus recevoir de messages"), OFF)
        if person.messages_enabled
        else (ui._("🔔 Recevoir les messages"), ON)
    )
    rows.append([button(toggle[0], pack(Action.SETTINGS, "m", toggle[1]))])
    reminders = (
        (ui._("🔕 Plus de rappels de formation"), OFF)
        if person.training_reminders
        else (ui._("🔔 Rappels de formation"), ON)
    )
    if trains:
        rows.append([button(reminders[0], pack(Action.SETTINGS, "f", reminders[1]))])
    rows.append(back_to_menu(ui))
    return text, rows


async def show_settings(update: Update, context: Context) -> None:
    await acknowledge(update)
    await _render(update, context)


async def _render(update: Update, context: Context) -> None:
    ui = await ui_for(update, context)
    if ui.person is None:
        await _not_started(update, context, ui)
        return
    text, rows = settings_view(ui, context)
    await answer(update, ui, text, rows)


async def _not_started(update: Update, context: Context, ui: Ui) -> None:
    text = ui._("Vous n'avez encore rien enregistré, il n'y a donc rien à régler.")
    await answer(update, ui, text, [[button(ui._("Commencer"), pack(Action.ONBOARDING))]], edit=False)


async def change_language(update: Update, context: Context) -> None:
    ui = await ui_for(update, context)
    if ui.person is None:
        # Before consent, choosing a language is the first onboarding step.
        await show_step(update, context, ui, Draft(), edit=False)
        return
    await _ask(update, context, ui, "l")


async def stop_messages(update: Update, context: Context) -> None:
    found = context.services
    chat = update.effective_chat
    assert chat is not None
    stop_deliveries(context, chat.id)
    async with found.database.session() as session:
        person = await update_person(session, chat_id=chat.id, messages_enabled=False)
    ui = await ui_for(update, context)
    if person is None:
        text = ui._("Rien n'est enregistré à votre nom : vous ne recevrez aucun message.")
    else:
        text = ui._(
            "C'est noté : vous ne recevrez plus de messages de la commune. /settings pour les réactiver."
        )
    await answer(update, ui, text, [back_to_menu(ui)], edit=False)


async def on_button(update: Update, context: Context) -> None:
    fields = button_fields(update) or []
    found = context.services
    ui = await ui_for(update, context)
    if ui.person is None:
        await acknowledge(update)
        await _not_started(update, context, ui)
        return
    if not fields:
        await acknowledge(update)
        await _render(update, context)
        return
    what, value = fields[0], fields[1] if len(fields) > 1 else None
    choices = {
        "l": found.catalogs.languages,
        "r": ROLES,
        "t": found.territory_ids,
        "m": (ON, OFF),
        "f": (ON, OFF),
    }
    toggles_without_value = value is None and what in ("m", "f")
    if (
        what not in choices
        # A reminders button kept from when the person was a professional: no longer theirs to press.
        or (what == "f" and ui.person.role != PROFESSIONAL)
        or len(fields) > 2
        or toggles_without_value
        or (value is not None and value not in choices[what])
    ):
        await stale_button(update, context, ui)
        return
    await acknowledge(update)
    if value is None:
        await _ask(update, context, ui, what)
        return
    if what == "m":
        (stop_deliveries if value == OFF else resume_deliveries)(context, ui.person.chat_id)
    async with found.database.session() as session:
        await update_person(
            session,
            chat_id=ui.person.chat_id,
            language=value if what == "l" else None,
            role=value if what == "r" else None,
            territory=value if what == "t" else None,
            messages_enabled=(value == ON) if what == "m" else None,
            training_reminders=(value == ON) if what == "f" else None,
        )
    if what == "l":
        await set_chat_commands(context.bot, ui.person.chat_id, found.catalogs.get(value))
    await _render(update, context)


async def _ask(update: Update, context: Context, ui: Ui, what: str) -> None:
    found = context.services
    if what == "l":
        rows = language_rows(
            found, {code: pack(Action.SETTINGS, "l", code) for code in found.catalogs.languages}
        )
        prompt = ui._("Choisissez votre langue :")
    elif what == "r":
        rows = role_rows(ui, {role: pack(Action.SETTINGS, "r", role) for role in ROLES})
        prompt = ui._("Vous êtes :")
    else:
        rows = territory_rows(
            ui, found, {tid: pack(Action.SETTINGS, "t", tid) for tid in found.territory_ids}
        )
        prompt = ui._("Où habitez-vous ou travaillez-vous ?")
    rows.append([button(ui._("↩️ Retour"), pack(Action.SETTINGS))])
    await answer(update, ui, prompt, rows)


def register(app: BotApplication) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("settings", show_settings, filters=private))
    app.add_handler(CommandHandler("language", change_language, filters=private))
    app.add_handler(CommandHandler("stop", stop_messages, filters=private))
    app.add_handler(CallbackQueryHandler(on_button, pattern=pattern(Action.SETTINGS)))
