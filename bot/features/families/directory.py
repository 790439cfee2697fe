"""The local help directory and the national helplines: by need, nearest first, open now or not.

Buttons: "1:d" (home), "1:d:n:<need>" (services for a need), "1:d:s:<id>" (a service), "1:d:v:<id>" (its
place on the map), "1:d:h" (the helplines), "1:d:l" (ask for a location). A shared location is used for
one answer and never stored.
"""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.content.pack import Service
from bot.content.schemas import NEEDS
from bot.core.callbacks import Action, pack, pattern
from bot.core.context import BotApplication, Context
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button, button_fields, ui_for
from bot.core.views import N_, back_to_menu
from bot.features.families.hours import always_open, hours_in_words
from bot.features.families.nearby import HELPLINE_ZONE, Status, for_need, nearest, status

NEED_LABELS = {
    "worried": N_("😟 Je m'inquiète pour un jeune"),
    "school_work": N_("🎓 École, formation, emploi"),
    "health": N_("🩺 Santé, consommations"),
    "emergency": N_("🚨 Urgence"),
}
NEAREST = 5
# A list long enough to choose from, short enough for one message; "nearest to me" finds the rest.
MAX_LISTED = 15
# Beyond this, a "nearest" place is a trip rather than a visit: the list says so before it shows them.
FAR_KM = 15.0


def local_services(ui: Ui, context: Context) -> tuple[list[Service], str]:
    """The services of the person's territory (all of them before onboarding) and its time zone."""
    found = context.services
    territory = ui.person.territory if ui.person else None
    if territory is None and len(found.content.territories) == 1:
        territory = next(iter(found.content.territories))
    zone = found.content.territories[territory].timezone if territory in found.content.territories else None
    if territory is not None:
        return list(found.content.directory.get(territory, ())), zone or found.settings.timezone
    return [s for group in found.content.directory.values() for s in group], found.settings.timezone


def _status_line(ui: Ui, state: Status) -> str:
    if state.open and state.changes_at is None:
        return ui._("🟢 Ouvert 24 h/24")
    if state.open:
        return ui._("🟢 Ouvert, jusqu'à {time}").format(time=ui.t.time(state.changes_at))  # type: ignore[arg-type]
    if state.changes_at is None:
        return ui._("🔴 Fermé")
    return ui._("🔴 Fermé, ouvre {when}").format(when=ui.t.when(state.changes_at))


def _hours_lines(ui: Ui, hours: str, now: datetime, zone: str) -> list[str]:
    """ "🕒 lundi et jeudi, 14 h – 19 h": the week's hours in words, in the zone's local time."""
    today = now.astimezone(ZoneInfo(zone)).date()
    return ["🕒 " + html.escape(line) for line in hours_in_words(hours, ui.t, today)]


async def show_home(update: Update, context: Context) -> None:
    ui = await ui_for(update, context)
    await acknowledge(update)
    rows: Keyboard = [[button(ui._(NEED_LABELS[need]), pack(Action.DIRECTORY, "n", need))] for need in NEEDS]
    rows.append([button(ui._("📍 Les plus proches de moi"), pack(Action.DIRECTORY, "l"))])
    rows.append([button(ui._("☎️ Numéros d'aide"), pack(Action.DIRECTORY, "h")), *back_to_menu(ui)])
    text = "<b>" + ui._("Trouver de l'aide") + "</b>\n" + ui._("Que cherchez-vous ?")
    await answer(update, ui, text, rows)


async def show_need(update: Update, context: Context, ui: Ui, need: str) -> None:
    local, zone = local_services(ui, context)
    now = context.services.clock()
    matching = for_need(local, need)[:MAX_LISTED]
    lines = ["<b>" + ui._(NEED_LABELS[need]) + "</b>", ""]
    if need == "emergency":
        lines.append(ui._("En cas de danger immédiat : 17 (police), 15 (SAMU), 112, ou 114 par SMS."))
        lines.append("")
    for service in matching:
        state = _status_line(ui, status(service.hours, now, zone)) if service.hours else ""
        lines.append(f"• <b>{html.escape(service.name)}</b>\n  {state}".rstrip())
    if not matching:
        lines.append(ui._("Pas de lieu enregistré pour cela ici. Les numéros d'aide répondent partout."))
    rows: Keyboard = [[button(service.name, pack(Action.DIRECTORY, "s", service.id))] for service in matching]
    rows.append(
        [
            button(ui._("☎️ Numéros d'aide"), pack(Action.DIRECTORY, "h")),
            button(ui._("↩️ Retour"), pack(Action.DIRECTORY)),
        ]
    )
    await answer(update, ui, "\n".join(lines), rows)


async def show_service(update: Update, context: Context, ui: Ui, service: Service) -> None:
    zone = context.services.content.territories[service.territory].timezone
    lines = [f"<b>{html.escape(service.name)}</b>", html.escape(service.description(ui.language)), ""]
    lines.append("📍 " + html.escape(service.address))
    if service.phone:
        lines.append("📞 " + html.escape(service.phone))
    if service.hours:
        now = context.services.clock()
        lines.append(_status_line(ui, status(service.hours, now, zone)))
        lines += _hours_lines(ui, service.hours, now, zone)
    if service.website:
        lines.append(f'🌐 <a href="{html.escape(service.website)}">{html.escape(service.website)}</a>')
    if service.languages:
        spoken = ", ".join(context.services.catalogs.native_name(code) for code in service.languages)
        lines.append(ui._("Langues parlées : {languages}").format(languages=spoken))
    if service.example:
        lines += ["", "<i>" + ui._("Exemple de démonstration : ce lieu n'existe pas.") + "</i>"]
    rows: Keyboard = [
        [button(ui._("🗺 Voir sur la carte"), pack(Action.DIRECTORY, "v", service.id))],
        [button(ui._("↩️ Retour"), pack(Action.DIRECTORY)), *back_to_menu(ui)],
    ]
    await answer(update, ui, "\n".join(lines), rows)


async def show_helplines(update: Update, context: Context) -> None:
    ui = await ui_for(update, context)
    await acknowledge(update)
    found = context.services
    now = found.clock()
    lines = ["<b>" + ui._("Numéros d'aide, gratuits") + "</b>"]
    for line in found.content.helplines_for(ui.territory):
        number = line.phone or (ui._("SMS au {number}").format(number=line.sms) if line.sms else "")
        lines += [
            "",
            f"<b>{html.escape(line.name)}</b> — {html.escape(number)}",
            html.escape(line.description(ui.language)),
            _status_line(ui, status(line.hours, now, HELPLINE_ZONE)),
        ]
        if not always_open(line.hours):
            lines += _hours_lines(ui, line.hours, now, HELPLINE_ZONE)
    rows: Keyboard = []
    if found.content.has_page("helplines", ui.territory):
        rows.append([button(ui._("ℹ️ En savoir plus"), pack(Action.PAGE, "helplines"))])
    rows.append([button(ui._("↩️ Retour"), pack(Action.DIRECTORY)), *back_to_menu(ui)])
    await answer(update, ui, "\n".join(lines), rows)


async def ask_location(update: Update, context: Context, ui: Ui) -> None:
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(ui._("📍 Envoyer ma position"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    text = ui._(
        "Envoyez votre position avec le bouton en bas de l'écran. "
        "Elle sert à trier les lieux et n'est pas gardée."
    )
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(ui.t.directed(text), reply_markup=keyboard)


async def on_location(update: Update, context: Context) -> None:
    ui = await ui_for(update, context)
    location = update.effective_message.location if update.effective_message else None
    assert location is not None
    local, _zone = local_services(ui, context)
    closest = nearest(local, location.latitude, location.longitude)[:NEAREST]
    lines = ["<b>" + ui._("Les lieux les plus proches") + "</b>", ""]
    lines += _far_away(ui, closest)
    lines += [f"• {html.escape(s.name)} — {ui.t.distance(km)}" for s, km in closest]
    rows: Keyboard = [[button(s.name, pack(Action.DIRECTORY, "s", s.id))] for s, _ in closest]
    rows.append([button(ui._("☎️ Numéros d'aide"), pack(Action.DIRECTORY, "h")), *back_to_menu(ui)])
    await answer(update, ui, "\n".join(lines), rows, edit=False)


def _far_away(ui: Ui, closest: list[tuple[Service, float]]) -> list[str]:
    """Say so when even the nearest place is far: a list that starts at 40 km must not look local."""
    if not closest:
        return [ui._("Aucun lieu n'est encore enregistré ici. Les numéros d'aide répondent partout.")]
    if closest[0][1] <= FAR_KM:
        return []
    text = ui._(
        "Aucun lieu à moins de {distance} de vous. Voici quand même les plus proches ; "
        "les numéros d'aide, eux, répondent partout."
    )
    return ["<i>" + text.format(distance=ui.t.distance(FAR_KM)) + "</i>", ""]


async def on_button(update: Update, context: Context) -> None:
    fields = button_fields(update) or []
    if not fields:
        await show_home(update, context)
        return
    if fields == ["h"]:
        await show_helplines(update, context)
        return
    ui = await ui_for(update, context)
    found = context.services
    what, rest = fields[0], fields[1:]
    service = found.content.service(rest[0]) if what in ("s", "v") and len(rest) == 1 else None
    if what == "n" and len(rest) == 1 and rest[0] in NEEDS:
        await acknowledge(update)
        await show_need(update, context, ui, rest[0])
    elif what == "s" and service is not None:
        await acknowledge(update)
        await show_service(update, context, ui, service)
    elif what == "v" and service is not None and update.effective_chat is not None:
        await acknowledge(update)
        await update.effective_chat.send_venue(
            latitude=service.latitude,
            longitude=service.longitude,
            title=service.name,
            address=service.address,
        )
    elif fields == ["l"]:
        await acknowledge(update)
        await ask_location(update, context, ui)
    else:
        await stale_button(update, context, ui)


def register(app: BotApplication) -> None:
    app.add_handler(CallbackQueryHandler(on_button, pattern=pattern(Action.DIRECTORY)))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.LOCATION, on_location))
