"""Who coordinates: /grant, /revoke, /coordinators and /audit, and the check every coordinator command makes.

Coordinators are the COORDINATORS setting plus the people they granted the role to. Anyone else is told
the command is not for them, with their Telegram id so that a coordinator can grant them the role.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import RetryAfter, TelegramError
from telegram.ext import CommandHandler, filters

from bot.delivery.pacing import retry_seconds
from bot.domain import coordinators
from bot.domain.people import get_person
from bot.handlers.common import (
    SENDER_KEY,
    BotApplication,
    Context,
    Keyboard,
    Ui,
    answer,
    keyboard,
    services,
    ui_for,
)
from bot.handlers.views import back_to_menu
from bot.i18n import Translator
from bot.models import as_utc
from bot.services import Services

log = logging.getLogger(__name__)


async def require_coordinator(update: Update, context: Context) -> Ui | None:
    """The coordinator's Ui, or None after telling anyone else this command is not for them."""
    ui = await ui_for(update, context)
    user = update.effective_user
    if user is not None and services(context).is_coordinator(user.id):
        return ui
    text = ui._("Cette commande est réservée à la coordination du dispositif.")
    if user is not None:
        text += "\n" + ui._(
            "Votre identifiant Telegram est {id} : une coordinatrice ou un coordinateur peut vous donner "
            "ce rôle avec /grant {id}."
        ).format(id=user.id)
    await answer(update, ui, text, [back_to_menu(ui)], edit=False)
    return None


async def _target(update: Update, context: Context, ui: Ui, usage: str) -> int | None:
    """The Telegram id given to /grant or /revoke; None after showing `usage` when there is none."""
    args = context.args or []
    if len(args) == 1 and args[0].isdigit() and 0 < int(args[0]) < 2**53:
        return int(args[0])
    await answer(update, ui, usage, edit=False)
    return None


async def grant(update: Update, context: Context) -> None:
    ui = await require_coordinator(update, context)
    if ui is None or update.effective_user is None:
        return
    found = services(context)
    target = await _target(
        update,
        context,
        ui,
        ui._("Utilisation : /grant IDENTIFIANT (un nombre, par exemple /grant 123456789)."),
    )
    if target is None:
        return
    if found.is_coordinator(target):
        await answer(update, ui, ui._("{id} coordonne déjà.").format(id=target), edit=False)
        return
    async with found.database.session() as session:
        await coordinators.grant(session, user_id=target, by=update.effective_user.id, now=found.clock())
    found.granted.add(target)
    await answer(
        update,
        ui,
        ui._("C'est fait : {id} coordonne maintenant. /revoke {id} pour annuler.").format(id=target),
        edit=False,
    )


async def revoke(update: Update, context: Context) -> None:
    ui = await require_coordinator(update, context)
    if ui is None or update.effective_user is None:
        return
    found = services(context)
    target = await _target(
        update,
        context,
        ui,
        ui._("Utilisation : /revoke IDENTIFIANT (un nombre, par exemple /revoke 123456789)."),
    )
    if target is None:
        return
    if target in found.settings.coordinators:
        text = ui._("{id} est dans le réglage COORDINATORS : ce rôle se retire dans la configuration du bot.")
        await answer(update, ui, text.format(id=target), edit=False)
        return
    async with found.database.session() as session:
        removed = await coordinators.revoke(
            session, user_id=target, by=update.effective_user.id, now=found.clock()
        )
    found.granted.discard(target)
    text = ui._("C'est fait : {id} ne coordonne plus.") if removed else ui._("{id} ne coordonnait pas.")
    await answer(update, ui, text.format(id=target), edit=False)


async def list_coordinators(update: Update, context: Context) -> None:
    ui = await require_coordinator(update, context)
    if ui is None:
        return
    found = services(context)
    lines = ["<b>" + ui._("Coordination") + "</b>"]
    lines += [ui._("{id} (réglage COORDINATORS)").format(id=i) for i in sorted(found.settings.coordinators)]
    lines += [
        ui._("{id} (ajouté avec /grant)").format(id=i)
        for i in sorted(found.granted - set(found.settings.coordinators))
    ]
    await answer(update, ui, "\n".join(lines), edit=False)


def action_label(t: Translator, action: str) -> str:
    labels = {
        "grant": t.gettext("rôle donné"),
        "revoke": t.gettext("rôle retiré"),
        "create": t.gettext("campagne créée"),
        "submit": t.gettext("soumise pour approbation"),
        "approve": t.gettext("approuvée"),
        "reject": t.gettext("refusée"),
        "pause": t.gettext("mise en pause"),
        "resume": t.gettext("reprise"),
        "cancel": t.gettext("annulée"),
        "send": t.gettext("envoi lancé"),
        "missed": t.gettext("envoi manqué"),
        "series": t.gettext("série ajoutée depuis les fichiers"),
    }
    return labels.get(action, action)


async def show_audit(update: Update, context: Context) -> None:
    ui = await require_coordinator(update, context)
    if ui is None:
        return
    found = services(context)
    async with found.database.session() as session:
        entries = await coordinators.recent_audit(session, limit=25)
    zone = ZoneInfo(found.settings.timezone)
    lines = ["<b>" + ui._("Journal des actions (les plus récentes d'abord)") + "</b>"]
    for entry in entries:
        moment = as_utc(entry.at).astimezone(zone)
        who = ui._("le bot") if entry.actor_id == coordinators.SYSTEM else str(entry.actor_id)
        subject = f" #{entry.campaign_id}" if entry.campaign_id else ""
        detail = f" ({html.escape(entry.detail)})" if entry.detail else ""
        what = action_label(ui.t, entry.action)
        lines.append(f"{ui.t.date(moment.date())} {ui.t.time(moment)} — {who} : {what}{subject}{detail}")
    if not entries:
        lines.append(ui._("Aucune action pour l'instant."))
    await answer(update, ui, "\n".join(lines), edit=False)


async def tell_coordinators(
    app: BotApplication,
    found: Services,
    text_for: Callable[[Translator], str],
    rows_for: Callable[[Translator], Keyboard] | None = None,
    *,
    exclude: int | None = None,
) -> None:
    """A message to every coordinator, each in their language (the bot's default when they never chose)."""
    for user_id in sorted(set(found.settings.coordinators) | found.granted):
        if user_id == exclude:
            continue
        async with found.database.session() as session:
            person = await get_person(session, chat_id=user_id)
        t = found.catalogs.get(person.language if person else found.settings.default_language)
        markup = keyboard(rows_for(t)) if rows_for else None
        await _send_paced(app, user_id, t.directed(text_for(t)), markup)


async def _send_paced(
    app: BotApplication, chat_id: int, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Through the sender's pacer, since these messages share Telegram's limits with the campaigns; a
    "retry after" is waited out once."""
    sender = app.bot_data.get(SENDER_KEY)
    for attempt in range(2):
        if sender is not None:
            await sender.pacer.slot()
            await sender.pacer.chat_turn(chat_id)
        try:
            await app.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
            return
        except RetryAfter as error:
            if sender is not None:
                sender.pacer.pause(retry_seconds(error))  # the campaigns wait too: the limit is the bot's
            if attempt == 0:
                await asyncio.sleep(retry_seconds(error))
                continue
            log.info("could not reach a coordinator: %s", type(error).__name__)
        except TelegramError as error:
            log.info("could not reach a coordinator: %s", type(error).__name__)
            return


def register(app: BotApplication) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("grant", grant, filters=private))
    app.add_handler(CommandHandler("revoke", revoke, filters=private))
    app.add_handler(CommandHandler("coordinators", list_coordinators, filters=private))
    app.add_handler(CommandHandler("audit", show_audit, filters=private))
