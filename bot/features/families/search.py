"""Typed text is a search across resources, myth cards and services; it is never stored or logged."""

from __future__ import annotations

import html

from telegram import Update

from bot.core.callbacks import Action, pack
from bot.core.context import Context
from bot.core.ui import Keyboard, Ui, answer, button
from bot.core.views import menu_view
from bot.domain.search import words
from bot.features.families.told_worry import tell_worry_first

ICONS = {"resource": "📚", "myth": "❓", "service": "📍"}
TARGETS = {"resource": (Action.RESOURCE, "0"), "myth": (Action.MYTH, "c"), "service": (Action.DIRECTORY, "s")}
SHOWN_QUERY = 60


def result_data(kind: str, item_id: str) -> str:
    action, extra = TARGETS[kind]
    return pack(action, item_id, extra) if kind == "resource" else pack(action, extra, item_id)


async def search(update: Update, context: Context, ui: Ui) -> None:
    """Typed text outside any conversation (the text router decides): a search."""
    found = context.services
    query = (
        update.effective_message.text if update.effective_message and update.effective_message.text else ""
    )
    # A worry or a danger told in the text is answered first (the worried path, the helplines).
    told = await tell_worry_first(update, context, ui, query)
    results = found.index(ui.language, ui.territory).search(query)
    if told and not results:
        return  # the worried path answers; "nothing found" after it would only add noise
    menu_text, menu_rows = menu_view(ui, found)
    if not words(query):
        note = ui._(
            "Écrivez quelques mots pour chercher (par exemple « argent facile »), ou utilisez les boutons."
        )
        await answer(update, ui, note + "\n\n" + menu_text, menu_rows, edit=False)
        return
    shown = html.escape(query[:SHOWN_QUERY])
    kept = ui._("Votre message n'est pas gardé.")
    if not results:
        text = ui._(
            "Je n'ai rien trouvé pour « {query} ». Essayez d'autres mots, ou choisissez dans le menu."
        )
        await answer(
            update, ui, text.format(query=shown) + f"\n<i>{kept}</i>\n\n" + menu_text, menu_rows, edit=False
        )
        return
    rows: Keyboard = [[button(f"{ICONS[d.kind]} {d.title}", result_data(d.kind, d.id))] for d in results]
    rows.append([button(ui._("↩️ Menu"), pack(Action.MENU))])
    text = "<b>" + ui._("Résultats pour « {query} »").format(query=shown) + f"</b>\n<i>{kept}</i>"
    await answer(update, ui, text, rows, edit=False)
