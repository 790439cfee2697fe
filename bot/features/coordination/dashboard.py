"""/dashboard: a coordinator asks for a single-use link that logs them in to the web dashboard.

The link goes in the chat without a preview (answer() never asks for one): a preview is Telegram's server
fetching the page, which must not use the link up. The page the link opens only shows a "Log in" button
anyway, whose POST consumes it (bot/dashboard/auth.py).
"""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.core.access import require_coordinator
from bot.core.context import BotApplication, Context
from bot.core.ui import answer
from bot.domain import dashboard_access

LOGIN_PATH = "/dashboard/login/"  # bot/dashboard/auth.py's route (the features do not import the web side)


async def dashboard(update: Update, context: Context) -> None:
    ui = await require_coordinator(update, context)
    user = update.effective_user
    if ui is None or user is None:
        return
    settings = context.services.settings
    if not settings.dashboard_url or not settings.dashboard_secret:
        await answer(update, ui, ui._("Le tableau de bord n'est pas configuré sur ce serveur."), edit=False)
        return
    async with context.services.database.session() as session:
        token = await dashboard_access.create_link(
            session,
            user_id=user.id,
            language=ui.language,
            secret=settings.dashboard_secret,
            now=context.services.clock(),
        )
    link = settings.dashboard_url + LOGIN_PATH + token
    minutes = int(dashboard_access.LINK_LIFETIME.total_seconds() // 60)
    text = ui._(
        "Votre lien de connexion au tableau de bord, valable {minutes} minutes et une seule fois :\n{link}\n"
        "Ne le transmettez à personne."
    ).format(minutes=minutes, link=f'<a href="{html.escape(link)}">{html.escape(link)}</a>')
    await answer(update, ui, text, edit=False)


def register(app: BotApplication) -> None:
    app.add_handler(CommandHandler("dashboard", dashboard, filters=filters.ChatType.PRIVATE))
