"""/menu, /help and the content pages listed in the menu."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.core.access import is_coordinator
from bot.core.callbacks import Action, pattern
from bot.core.context import BotApplication, Context
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, acknowledge, answer, button_fields, ui_for
from bot.core.views import back_to_menu, menu_view, safeguarding_button
from bot.roles import PROFESSIONAL


async def show_menu(update: Update, context: Context) -> None:
    if button_fields(update):  # "1:m" takes no fields: forged data gets the stale answer, as it always did
        await stale_button(update, context)
        return
    ui = await ui_for(update, context)
    await acknowledge(update)
    text, rows = menu_view(ui, context.services)
    await answer(update, ui, text, rows)


async def show_help(update: Update, context: Context) -> None:
    if button_fields(update):
        await stale_button(update, context)
        return
    ui = await ui_for(update, context)
    await acknowledge(update)
    text = "\n".join(
        [
            "<b>" + ui._("Ce que je sais faire") + "</b>",
            ui._("Utilisez les boutons sous mes messages, ou ces commandes :"),
            "",
            "/menu — " + ui._("le menu principal"),
            # The same words as in Telegram's command list: a child in danger, the department's CRIP.
            "/crip — " + ui._("alerter pour un enfant en danger : la CRIP du département"),
            "/language — " + ui._("changer de langue"),
            "/settings — " + ui._("profil, territoire, messages"),
            "/privacy — " + ui._("vos données : les voir, les télécharger"),
            "/forget — " + ui._("tout effacer"),
            "/stop — " + ui._("ne plus recevoir de messages"),
            "",
            ui._("En cas d'urgence, appelez le 17, le 15 ou le 112 (114 par SMS)."),
        ]
    )
    user = update.effective_user
    # Asked of the database: a /grant or /revoke on another instance shows at once.
    if user is not None and await is_coordinator(context.services, user.id):
        text += "\n\n" + "\n".join(
            [
                "<b>" + ui._("Coordination") + "</b>",
                "/campaign — " + ui._("composer une campagne"),
                "/campaigns — " + ui._("les campagnes, leurs rapports, pause et annulation"),
                "/invite — " + ui._("un lien d'invitation pour les professionnels"),
                "/invites — " + ui._("les invitations en cours, pour les retirer"),
                "/training_stats — " + ui._("les chiffres des formations"),
                "/grant, /revoke, /coordinators — " + ui._("qui coordonne"),
                "/name — " + ui._("votre nom pour les autres coordinateurs"),
                "/audit — " + ui._("le journal des actions"),
                "/dashboard — " + ui._("le tableau de bord et l'export, sur le web"),
            ]
        )
    rows: Keyboard = [back_to_menu(ui)]
    if ui.person is None or ui.person.role != PROFESSIONAL:
        rows.insert(0, [safeguarding_button(ui)])
    await answer(update, ui, text, rows)


async def show_page(update: Update, context: Context) -> None:
    fields = button_fields(update) or []
    found = context.services
    if len(fields) != 1 or not found.content.has_page(fields[0]):
        await stale_button(update, context)
        return
    ui = await ui_for(update, context)
    await acknowledge(update)
    page = found.content.page(ui.language, fields[0])
    await answer(update, ui, ui.t.foreign(page.html, page.language), [back_to_menu(ui)])


def register(app: BotApplication) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("menu", show_menu, filters=private))
    app.add_handler(CommandHandler("help", show_help, filters=private))
    app.add_handler(CallbackQueryHandler(show_menu, pattern=pattern(Action.MENU)))
    app.add_handler(CallbackQueryHandler(show_help, pattern=pattern(Action.HELP)))
    app.add_handler(CallbackQueryHandler(show_page, pattern=pattern(Action.PAGE)))
