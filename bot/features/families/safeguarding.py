"""A child threatened, missing or exploited: the situations, each with who to call, and the CRIP.

The texts are content pages (`safeguarding` for the list, `safe_<situation>` for each situation), so they
are written, sourced and translated like the others; the CRIP comes from the person's territory file.
Nothing is stored. Buttons: "1:e" (the situations), "1:e:<situation>" (one of them); /crip shows the
territory's CRIP, and content pages (the professionals' module, "child in danger") point to it.
"""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.content.pack import Crip, Page, Territory
from bot.core.callbacks import Action, pack, pattern
from bot.core.context import BotApplication, Context
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button, button_fields, ui_for
from bot.core.views import back_to_menu, contact_lines
from bot.services import Services

HOME_PAGE = "safeguarding"
PAGE_PREFIX = "safe_"
# In the order a frightened parent needs them: danger first, then who to call, then what to understand.
SITUATIONS = (
    "danger_now",
    "missing",
    "child_in_danger",
    "crip",
    "victims",
    "complaint",
    "debts",
    "found_at_home",
    "exploitation",
)
CRIP = "crip"
# Situations with a longer resource to read next.
FURTHER_READING = {"debts": "involved_debts_threats", "exploitation": "involved_law_minors"}


def open_data(situation: str | None = None) -> str:
    """The button data that opens the path (or one situation): for other features' buttons."""
    return pack(Action.SAFEGUARD, situation) if situation else pack(Action.SAFEGUARD)


def _title(found: Services, ui: Ui, page_id: str) -> str:
    return found.content.page(ui.language, page_id, ui.territory).title


def _page_text(ui: Ui, page: Page) -> tuple[str, str]:
    """The page with its title; a French fallback shown to an Arabic reader stays left to right."""
    return ui.t.foreign(f"<b>{html.escape(page.title)}</b>", page.language), ui.t.foreign(
        page.html, page.language
    )


async def show_home(update: Update, context: Context, ui: Ui) -> None:
    found = context.services
    title, body = _page_text(ui, found.content.page(ui.language, HOME_PAGE, ui.territory))
    text = f"{title}\n\n{body}"
    rows: Keyboard = [
        [button(_title(found, ui, PAGE_PREFIX + situation), open_data(situation))] for situation in SITUATIONS
    ]
    rows.append([button(ui._("☎️ Numéros d'aide"), pack(Action.DIRECTORY, "h")), *back_to_menu(ui)])
    await answer(update, ui, text, rows)


async def show_situation(update: Update, context: Context, ui: Ui, situation: str) -> None:
    found = context.services
    title, body = _page_text(ui, found.content.page(ui.language, PAGE_PREFIX + situation, ui.territory))
    parts = [title]
    if situation == CRIP:
        parts.append(crip_text(ui, found))
    parts.append(body)
    rows: Keyboard = []
    further = found.content.resource(ui.language, FURTHER_READING.get(situation, ""), ui.territory)
    if further is not None:
        rows.append([button("📚 " + further.title, pack(Action.RESOURCE, further.id, "0"))])
    rows.append([button(ui._("☎️ Numéros d'aide"), pack(Action.DIRECTORY, "h"))])
    rows.append([button(ui._("↩️ Retour"), open_data()), *back_to_menu(ui)])
    await answer(update, ui, "\n\n".join(parts), rows)


def territories_for(ui: Ui, found: Services) -> list[Territory]:
    """The person's territory; before onboarding, the only one, or all of them (each says its name)."""
    territories = found.content.territories
    chosen = territories.get(ui.person.territory) if ui.person else None
    return [chosen] if chosen is not None else list(territories.values())


def crip_text(ui: Ui, found: Services) -> str:
    """The CRIP of the person's territory, or what to do when the commune has not given one."""
    territories = territories_for(ui, found)
    blocks = []
    for territory in territories:
        if territory.crip is None:
            continue
        heading = f"<i>{html.escape(territory.name(ui.language))}</i>\n" if len(territories) > 1 else ""
        blocks.append(heading + _crip_lines(ui, territory.crip))
    if not blocks:
        return ui._(
            "La commune n'a pas encore indiqué la CRIP de votre département. "
            "Appelez le 119 : il peut transmettre votre inquiétude à la CRIP."
        )
    return "\n\n".join(blocks)


def _crip_lines(ui: Ui, crip: Crip) -> str:
    return contact_lines(
        ui,
        f"🏛 <b>{html.escape(crip.name)}</b>",
        phone=crip.phone,
        email=crip.email,
        website=crip.website,
        address=crip.address,
        example=crip.example,
    )


async def on_button(update: Update, context: Context) -> None:
    fields = button_fields(update) or []
    ui = await ui_for(update, context)
    if not fields:
        await acknowledge(update)
        await show_home(update, context, ui)
    elif len(fields) == 1 and fields[0] in SITUATIONS:
        await acknowledge(update)
        await show_situation(update, context, ui, fields[0])
    else:
        await stale_button(update, context, ui)


async def on_crip(update: Update, context: Context) -> None:
    ui = await ui_for(update, context)
    await show_situation(update, context, ui, CRIP)


def register(app: BotApplication) -> None:
    app.add_handler(CommandHandler("crip", on_crip, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(on_button, pattern=pattern(Action.SAFEGUARD)))
