"""/privacy (the notice, and everything stored as a JSON file) and /forget (delete it all).

Buttons: "1:x" (the privacy screen), "1:x:d" (the notice's details), "1:x:e" (export), "1:x:f" (ask to
confirm), "1:x:F" (delete).
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.core.callbacks import Action, pack, pattern
from bot.core.commands import clear_chat_commands
from bot.core.context import BotApplication, Context
from bot.core.stale import stale_button
from bot.core.ui import Ui, acknowledge, answer, button, button_fields, stop_deliveries, ui_for
from bot.core.views import back_to_menu
from bot.features.people.notice import DETAILS, SHORT, notice_html
from bot.features.people.personal_data import export_person, forget_person
from bot.models import as_utc
from bot.services import Services

EXPORT, ASK, CONFIRM, SHOW_DETAILS = "e", "f", "F", "d"


async def show_privacy(update: Update, context: Context) -> None:
    await _show(update, context, details=False)


async def show_details(update: Update, context: Context) -> None:
    await _show(update, context, details=True)


async def _show(update: Update, context: Context, *, details: bool) -> None:
    """The short notice (or its details) with what the person can do about their data."""
    ui = await ui_for(update, context)
    await acknowledge(update)
    territory = ui.person.territory if ui.person else None
    notice = notice_html(ui, context.services, DETAILS if details else SHORT, territory)
    more = (
        [button(ui._("↩️ Retour"), pack(Action.PRIVACY))]
        if details
        else [button(ui._("📋 Détails"), pack(Action.PRIVACY, SHOW_DETAILS))]
    )
    if ui.person is None:
        rows = [more, [button(ui._("Commencer"), pack(Action.ONBOARDING))]]
        text = notice + "\n\n<b>" + ui._("Rien n'est enregistré à votre sujet pour l'instant.") + "</b>"
    else:
        rows = [
            more,
            [button(ui._("📄 Télécharger mes données"), pack(Action.PRIVACY, EXPORT))],
            [button(ui._("🗑 Tout effacer"), pack(Action.PRIVACY, ASK))],
            back_to_menu(ui),
        ]
        text = notice + "\n\n" + _your_record(ui, context.services)
    await answer(update, ui, text, rows)


def _your_record(ui: Ui, found: Services) -> str:
    """When the person accepted (the day in their territory's time zone), and when their data goes."""
    person = ui.person
    assert person is not None
    territory = found.content.territories.get(person.territory)
    zone = ZoneInfo(territory.timezone if territory else found.settings.timezone)
    accepted_at = as_utc(person.consented_at).astimezone(zone)
    accepted = ui._("Vous avez accepté cette notice le {date}.").format(date=ui.t.date(accepted_at.date()))
    retention_days = found.settings.retention_days
    retention = ui.t.ngettext(
        "Sans utilisation pendant {count} jour, tout est effacé automatiquement.",
        "Sans utilisation pendant {count} jours, tout est effacé automatiquement.",
        retention_days,
    ).format(count=ui.t.number(retention_days))
    return f"<b>{accepted}</b>\n{retention}"


async def export(update: Update, context: Context) -> None:
    ui = await ui_for(update, context)
    await acknowledge(update)
    chat = update.effective_chat
    assert chat is not None
    async with context.services.database.session() as session:
        data = await export_person(session, chat_id=chat.id)
    if data is None:
        await answer(update, ui, ui._("Rien n'est enregistré à votre sujet."), [back_to_menu(ui)], edit=False)
        return
    content = json.dumps(data, ensure_ascii=False, indent=2).encode()
    await chat.send_document(
        InputFile(content, filename="reperes-data.json"),
        caption=ui.t.directed(ui._("Voici tout ce que Repères garde à votre sujet.")),
    )


async def ask_forget(update: Update, context: Context) -> None:
    ui = await ui_for(update, context)
    await acknowledge(update)
    if ui.person is None:
        await answer(
            update,
            ui,
            ui._("Rien n'est enregistré à votre sujet : il n'y a rien à effacer."),
            [back_to_menu(ui)],
            edit=False,
        )
        return
    text = ui._("Effacer tout ce que Repères garde à votre sujet ? Ce n'est pas réversible.")
    rows = [
        [
            button(ui._("Oui, tout effacer"), pack(Action.PRIVACY, CONFIRM)),
            button(ui._("Annuler"), pack(Action.MENU)),
        ]
    ]
    await answer(update, ui, text, rows)


async def forget(update: Update, context: Context) -> None:
    ui = await ui_for(update, context)
    await acknowledge(update)
    chat = update.effective_chat
    assert chat is not None
    for before in context.bot_data.before_forget:  # e.g. contact ends a relayed conversation first
        await before(context, chat.id)
    stop_deliveries(context, chat.id)
    async with context.services.database.session() as session:
        deleted = await forget_person(session, chat_id=chat.id, pepper=context.services.idea_pepper)
    if deleted:
        await clear_chat_commands(context.bot, chat.id)
    text = ui._(
        "C'est fait : tout ce qui vous concernait a été effacé. /start pour recommencer quand vous voulez."
    )
    if not deleted:
        text = ui._("Rien n'est enregistré à votre sujet : il n'y a rien à effacer.")
    await answer(update, ui, text)


async def on_button(update: Update, context: Context) -> None:
    fields = button_fields(update) or []
    handlers = {
        (): show_privacy,
        (SHOW_DETAILS,): show_details,
        (EXPORT,): export,
        (ASK,): ask_forget,
        (CONFIRM,): forget,
    }
    handler = handlers.get(tuple(fields))
    await (handler or stale_button)(update, context)


def register(app: BotApplication) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("privacy", show_privacy, filters=private))
    app.add_handler(CommandHandler("forget", ask_forget, filters=private))
    app.add_handler(CallbackQueryHandler(on_button, pattern=pattern(Action.PRIVACY)))
