"""The answer to a button that no longer means anything (an old menu, a removed card, a closed request).

Features call it when a button's data no longer matches what they hold; the catch-all calls it for any
button nobody recognised. The person gets a short note and the menu, never silence.
"""

from __future__ import annotations

from telegram import Update

from bot.core.context import Context
from bot.core.ui import Ui, acknowledge, answer, ui_for
from bot.core.views import menu_view


async def stale_button(update: Update, context: Context, ui: Ui | None = None) -> None:
    ui = ui or await ui_for(update, context)
    await acknowledge(update, ui._("Ce bouton n'est plus valable."))
    text, rows = menu_view(ui, context.services)
    await answer(
        update, ui, ui._("Ce bouton n'est plus valable. Voici le menu.") + "\n\n" + text, rows, edit=False
    )
