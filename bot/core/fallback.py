"""Whatever no other handler took: unknown commands, files and stickers, stale buttons, and errors.

Every one of them gets a short answer and the menu: never silence, never a traceback. Nothing a person
sends is stored or logged.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot import metrics
from bot.core.context import BotApplication, Context
from bot.core.stale import stale_button
from bot.core.ui import Ui, acknowledge, answer, ui_for
from bot.core.views import menu_view
from bot.i18n import Translator, resolve_language

log = logging.getLogger(__name__)


async def unknown_command(update: Update, context: Context) -> None:
    ui = await ui_for(update, context)
    text, rows = menu_view(ui, context.services)
    note = ui._("Je ne connais pas cette commande. /help liste celles que je comprends.")
    await answer(update, ui, note + "\n\n" + text, rows, edit=False)


# Whether the person is in a conversation relayed to someone else (the contact feature knows).
InConversation = Callable[[Update, Context, Ui], Awaitable[bool]]


async def other_message(update: Update, context: Context, in_conversation: InConversation) -> None:
    """Files, stickers, photos, voice: not something the bot reads or passes on; typed text is."""
    ui = await ui_for(update, context)
    if await in_conversation(update, context, ui):
        note = ui._("Seul le texte écrit est transmis : écrivez votre message.")
        await answer(update, ui, note, edit=False)
        return
    text, rows = menu_view(ui, context.services)
    note = ui._(
        "Je ne lis ni les fichiers, ni les photos, ni les messages vocaux, et je ne les garde pas. "
        "Écrivez quelques mots pour chercher, ou utilisez les boutons. En cas d'urgence : 17, 15 ou 112."
    )
    await answer(update, ui, note + "\n\n" + text, rows, edit=False)


async def on_error(update: object, context: Context) -> None:
    """Log the failure without any chat id or text, and tell the person something went wrong."""
    error = context.error
    metrics.ERRORS.inc()
    log.error("handler failed: %s", type(error).__name__, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        try:
            ui = await ui_for(update, context)
        except Exception:  # the database may be what failed: apologise in the Telegram app's language
            ui = Ui(person=None, t=_telegram_language(update, context))
        await acknowledge(update)
        await answer(
            update,
            ui,
            ui._("Désolé, quelque chose s'est mal passé. Réessayez dans un instant : /menu"),
            edit=False,
        )
    except Exception as second:  # the apology must never raise in turn
        log.error("could not tell the person about the failure: %s", type(second).__name__)


def _telegram_language(update: Update, context: Context) -> Translator:
    found = context.services
    code = update.effective_user.language_code if update.effective_user else None
    language = resolve_language(None, code, found.catalogs.languages, found.settings.default_language)
    return found.catalogs.get(language)


def register(app: BotApplication, *, in_conversation: InConversation) -> None:
    """`in_conversation` comes from the contact feature, handed in by bot.app: core imports no feature."""
    private = filters.ChatType.PRIVATE

    async def other(update: Update, context: Context) -> None:
        await other_message(update, context, in_conversation)

    app.add_handler(MessageHandler(private & filters.COMMAND, unknown_command))
    app.add_handler(MessageHandler(private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, other))
    app.add_handler(CallbackQueryHandler(stale_button))
    app.add_error_handler(on_error)
