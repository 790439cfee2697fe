"""The residents' menu: what living near a dealing spot asks of them, the 2025 law, who to talk to locally,
then the national items they need too (the help directory, the helplines).

Kept in core beside the main menu (features may not import each other): the menu and /help both build on it.
"""

from __future__ import annotations

from bot.core.callbacks import Action, pack
from bot.core.ui import Keyboard, Ui, button
from bot.services import Services

# The residents' content pages, in menu order; a page missing from the content is simply not offered.
DEALING_SPOT_PAGE = "resident_dealing_spot"
LAW_PAGE = "resident_law_2025"
RESIDENT_PAGES = (DEALING_SPOT_PAGE, LAW_PAGE)


def consultation_rows(ui: Ui, found: Services) -> Keyboard:
    """The consultations on public space of the resident's territory (bot/features/consultations/residents.py
    answers the button, and says when none is open)."""
    return [[button(ui._("🗳 Consultations sur l'espace public"), pack(Action.CONSULT, "l"))]]


def resident_rows(ui: Ui, found: Services) -> Keyboard:
    """The residents' own entries, then the directory and helplines every audience needs."""
    rows: Keyboard = [
        [button(found.content.page(ui.language, page_id, ui.territory).title, pack(Action.PAGE, page_id))]
        for page_id in RESIDENT_PAGES
        if found.content.has_page(page_id)
    ]
    rows.append([button(ui._("🏛 Qui contacter ici"), pack(Action.RESIDENTS))])
    rows += consultation_rows(ui, found)
    rows.append(
        [
            button(ui._("🤝 Trouver de l'aide"), pack(Action.DIRECTORY)),
            button(ui._("☎️ Numéros d'aide"), pack(Action.DIRECTORY, "h")),
        ]
    )
    return rows


def resident_help_rows(ui: Ui, found: Services) -> Keyboard:
    """What /help offers a resident: their own entries, one tap away."""
    return resident_rows(ui, found)[:-1]
