"""The privacy notice as shown: a short first screen and its details, naming who answers for the data.

The pages hold `{controller}` and `{privacy_contact}`; each territory's file says who they are (the commune
that deploys Repères and its data protection officer), so no placeholder of the pack reaches a reader.
"""

from __future__ import annotations

import html

from bot.core.ui import Ui
from bot.services import Services

SHORT, DETAILS = "privacy_notice", "privacy_details"


def notice_html(ui: Ui, found: Services, page_id: str, territory_id: str | None) -> str:
    """The page in the reader's language, with the controller of their territory (or of every territory,
    before they chose one) filled in."""
    page = found.content.page(ui.language, page_id, territory_id)
    # A notice not yet in Arabic is shown in French, left to right as a whole.
    shown = ui.t.foreign(page.html, page.language)
    controller, contact = _controller(ui, found, territory_id, page.language)
    return shown.replace("{controller}", controller).replace("{privacy_contact}", contact)


def _controller(ui: Ui, found: Services, territory_id: str | None, language: str) -> tuple[str, str]:
    """Who answers for the data and how to reach them, named in `language`, the page's."""
    territories = found.content.territories
    chosen = territories.get(territory_id) if territory_id else None
    candidates = [chosen] if chosen else list(territories.values())
    names = dict.fromkeys(t.controller_name(language) for t in candidates)
    contacts = dict.fromkeys(t.privacy_contact for t in candidates)
    # Several territories with different controllers, before the reader chose one: name them all.
    name = " / ".join(html.escape(n) for n in names if n) or ui._(
        "la collectivité qui propose Repères sur votre territoire"
    )
    contact = " / ".join(html.escape(c) for c in contacts if c) or ui._("coordonnées non renseignées")
    return name, contact
