"""Who a resident can talk to locally: the social landlord, the mediators, the mayor's office, from the
territory file's `local_contacts:`. Nothing is stored. Button: "1:b" (no fields; anything else is stale)."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.content.pack import LocalContact, Territory
from bot.core.callbacks import Action, pack, pattern
from bot.core.context import BotApplication, Context
from bot.core.residents import LAW_PAGE
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button, button_fields, ui_for
from bot.core.views import N_, back_to_menu, contact_lines
from bot.services import Services

KIND_LABELS = {
    "landlord": N_("Bailleur social"),
    "mediators": N_("Médiation"),
    "town_hall": N_("Mairie"),
}


def territories_for(ui: Ui, found: Services) -> list[Territory]:
    """The person's territory; without one (or one since removed), every territory, each with its name."""
    territories = found.content.territories
    chosen = territories.get(ui.person.territory) if ui.person and ui.person.territory else None
    return [chosen] if chosen is not None else list(territories.values())


def contacts_text(ui: Ui, found: Services) -> str:
    territories = territories_for(ui, found)
    parts = ["<b>" + ui._("Qui contacter ici") + "</b>"]
    blocks = []
    for territory in territories:
        if not territory.local_contacts:
            continue
        heading = f"<i>{html.escape(territory.name(ui.language))}</i>\n" if len(territories) > 1 else ""
        blocks.append(heading + "\n\n".join(_lines(ui, contact) for contact in territory.local_contacts))
    if blocks:
        parts += blocks
    else:
        parts.append(
            ui._(
                "La commune n'a pas encore indiqué ses contacts pour les habitants. Votre bailleur : ses "
                "coordonnées sont sur votre bail ou vos avis de loyer. La mairie : son accueil vous oriente."
            )
        )
    parts.append(
        ui._(
            "Ils peuvent agir sur les lieux (éclairage, portes, halls) et relayer ce que vivent les "
            "habitants. En cas de danger immédiat, appelez le 17 ou le 112."
        )
    )
    return "\n\n".join(parts)


def _lines(ui: Ui, contact: LocalContact) -> str:
    kind = ui._(KIND_LABELS[contact.kind])
    return contact_lines(
        ui,
        f"🏛 <b>{html.escape(kind)}</b> — {html.escape(contact.name(ui.language))}",
        phone=contact.phone,
        email=contact.email,
        website=contact.website,
        address=contact.address,
        when=contact.when(ui.language),
        example=contact.example,
    )


async def show_contacts(update: Update, context: Context) -> None:
    if button_fields(update):  # "1:b" takes no fields: anything else is an old or forged button
        await stale_button(update, context)
        return
    ui = await ui_for(update, context)
    await acknowledge(update)
    found = context.services
    rows: Keyboard = []
    if found.content.has_page(LAW_PAGE):
        rows.append(
            [
                button(
                    found.content.page(ui.language, LAW_PAGE, ui.territory).title, pack(Action.PAGE, LAW_PAGE)
                )
            ]
        )
    rows.append(back_to_menu(ui))
    await answer(update, ui, contacts_text(ui, found), rows)


def register(app: BotApplication) -> None:
    app.add_handler(CallbackQueryHandler(show_contacts, pattern=pattern(Action.RESIDENTS)))
