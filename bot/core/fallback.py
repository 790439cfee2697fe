"""Whatever no other handler took: unknown commands, files and stickers, stale buttons, and errors.

Files and stickers reach `other_message` through the text router (bot/core/text_router.py).

Every one of them gets a short answer and the menu: never silence, never a traceback. Nothing a person
sends is stored or logged.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, MessageHandler, filters

from bot import metrics
from bot.core.context import BotApplication, Context
from bot.core.replies import is_refusal, refused
from bot.core.stale import stale_button
from bot.core.ui import Ui, acknowledge, answer, ui_for
from bot.core.views import menu_view
from bot.db import gave_up_waiting, stopped_writing
from bot.i18n import Translator, resolve_language

log = logging.getLogger(__name__)


async def unknown_command(update: Update, context: Context) -> None:
    ui = await ui_for(update, context)
    text, rows = menu_view(ui, context.services)
    note = ui._("Je ne connais pas cette commande. /help liste celles que je comprends.")
    await answer(update, ui, note + "\n\n" + text, rows, edit=False)


async def other_message(update: Update, context: Context, ui: Ui) -> None:
    """Files, stickers, photos, voice outside any conversation (the text router's last route): not
    something the bot reads or keeps; typed text is."""
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
    busy = gave_up_waiting(error)
    if is_refusal(error):  # Telegram did not take a reply: one line, and no apology into a closed chat
        if not await refused(update, context, error):
            return
    elif busy:  # a lock held elsewhere for longer than DATABASE_TIMEOUT: a known state, no traceback
        log.warning("handler gave up waiting for the database: %s", _cause(error))
    elif stopped_writing(error):  # the database stopped taking writes: /healthz says so, no traceback
        log.warning("handler could not write, the database is read-only: %s", _cause(error))
    else:
        log.error("handler failed: %s", type(error).__name__, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        try:
            if busy:  # asking the database for the person's language would wait as long again
                raise LookupError
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
        level = logging.WARNING if is_refusal(second) else logging.ERROR
        log.log(level, "could not tell the person about the failure: %s", type(second).__name__)
    # One update, one apology: the handler groups after the failed one (the command itself, after the
    # group that ends a wait for typed input) would wait for the same database and apologise again.
    raise ApplicationHandlerStop


def _cause(error: BaseException | None) -> str:
    """The driver's error class ("OperationalError", "LockNotAvailableError"), never its text (the SQL)."""
    cause = getattr(error, "orig", None)
    cause = getattr(cause, "__cause__", None) or cause
    return type(cause or error).__name__


def _telegram_language(update: Update, context: Context) -> Translator:
    found = context.services
    code = update.effective_user.language_code if update.effective_user else None
    language = resolve_language(None, code, found.catalogs.languages, found.settings.default_language)
    return found.catalogs.get(language)


def register(app: BotApplication) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(MessageHandler(private & filters.COMMAND, unknown_command))
    app.add_handler(CallbackQueryHandler(stale_button))
    app.add_error_handler(on_error)
