"""Content items (a myth card, a resource, a page) as messages of their own, for campaigns and drips.

Delivery sends them but does not know how they look: bot.app hands `render_item` to it at start-up.
"""

from __future__ import annotations

import html

from bot.core.callbacks import Action, pack
from bot.core.ui import Keyboard, Ui, button, keyboard
from bot.core.views import back_to_menu
from bot.delivery.render import TEXT, Outgoing
from bot.features.families.myths import card_rows, card_text
from bot.i18n import Translator
from bot.services import Services


def render_item(
    found: Services, t: Translator, item: str, weekly: bool = False, territory: str | None = None
) -> Outgoing | None:
    """A content item as a message; `weekly` for the card of the week (its heading and its opt-out), in the
    version of the reader's `territory` (its own, when it replaces the national item)."""
    ui = Ui(person=None, t=t)
    kind, _, item_id = item.partition(":")
    content = found.content
    rows: Keyboard
    if kind == "myth" and (myth := content.myth(t.language, item_id, territory)):
        title = html.escape(t.gettext("La carte de la semaine"))
        heading = f"🃏 <b>{title}</b>\n\n" if weekly else "🃏 "
        text = card_text(ui, myth, heading)
        rows = card_rows(ui, myth)
        if weekly:
            rows.append([button(t.gettext("🔕 Ne plus la recevoir"), pack(Action.MYTH, "w", "0"))])
    elif kind == "resource" and (resource := content.resource(t.language, item_id, territory)):
        text = f"📚 <b>{html.escape(resource.title)}</b>\n\n{html.escape(resource.summary)}"
        rows = [[button(t.gettext("📖 Lire"), pack(Action.RESOURCE, resource.id, "0"))], back_to_menu(ui)]
    elif kind == "page" and content.has_page(item_id, territory):
        page = content.page(t.language, item_id, territory)
        text = t.foreign(page.html, page.language)
        rows = [back_to_menu(ui)]
    else:
        return None
    return Outgoing(TEXT, t.directed(text), markup=keyboard(rows, t))
