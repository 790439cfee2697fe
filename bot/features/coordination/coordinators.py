"""Who coordinates: /grant, /revoke, /coordinators and /audit, and the notices every coordinator gets.

Coordinators are the COORDINATORS setting plus the people they granted the role to; the check every
coordinator command makes is bot.core.access.require_coordinator.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.core.access import require_coordinator
from bot.core.context import AnyBotApplication, BotApplication, Context
from bot.core.ui import Keyboard, Ui, answer, keyboard
from bot.delivery.notices import Notice
from bot.domain import coordinators
from bot.domain.people import get_person
from bot.fields import telegram_id
from bot.i18n import Translator
from bot.models import as_utc
from bot.services import Services

log = logging.getLogger(__name__)


async def _target(update: Update, context: Context, ui: Ui, usage: str) -> int | None:
    """The Telegram id given to /grant or /revoke; None after showing `usage` when there is none."""
    args = context.args or []
    target = telegram_id(args[0]) if len(args) == 1 else None
    if target is not None:
        return target
    await answer(update, ui, usage, edit=False)
    return None


async def grant(update: Update, context: Context) -> None:
    ui = await require_coordinator(update, context)
    if ui is None or update.effective_user is None:
        return
    found = context.services
    target = await _target(
        update,
        context,
        ui,
        ui._("Utilisation : /grant IDENTIFIANT (un nombre, par exemple /grant 123456789)."),
    )
    if target is None:
        return
    async with found.database.session() as session:
        already = target in found.settings.coordinators or not await coordinators.grant(
            session, user_id=target, by=update.effective_user.id, now=found.clock()
        )
    if already:
        await answer(update, ui, ui._("{id} coordonne déjà.").format(id=target), edit=False)
        return
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
    found = context.services
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
    text = ui._("C'est fait : {id} ne coordonne plus.") if removed else ui._("{id} ne coordonnait pas.")
    await answer(update, ui, text.format(id=target), edit=False)


async def list_coordinators(update: Update, context: Context) -> None:
    ui = await require_coordinator(update, context)
    if ui is None:
        return
    found = context.services
    async with found.database.session() as session:
        granted = await coordinators.granted(session)
    lines = ["<b>" + ui._("Coordination") + "</b>"]
    lines += [ui._("{id} (réglage COORDINATORS)").format(id=i) for i in sorted(found.settings.coordinators)]
    lines += [
        ui._("{id} (ajouté avec /grant)").format(id=i)
        for i in sorted(granted - set(found.settings.coordinators))
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
    found = context.services
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
    app: AnyBotApplication,
    found: Services,
    text_for: Callable[[Translator], str],
    rows_for: Callable[[Translator], Keyboard] | None = None,
    *,
    exclude: int | None = None,
    territories: list[str] | None = None,
) -> None:
    """A message to every coordinator, each in their language (the bot's default when they never chose);
    with `territories`, only to those whose scope covers them all (an empty list: every territory).

    Queued with the sender's notices, which go out at the campaigns' pace and wait out any "retry after"
    there: the handler or job that calls this returns without waiting for Telegram.
    """
    sender = app.bot_data.sender
    if sender is None:
        log.warning("coordinators not told: the sender is not running")
        return
    async with found.database.session() as session:
        granted = await coordinators.granted(session)  # not the cache: a revoke elsewhere counts at once
    for user_id in sorted(set(found.settings.coordinators) | granted):
        if user_id == exclude:
            continue
        async with found.database.session() as session:
            if territories is not None:
                configured = found.settings.coordinators
                scope = await coordinators.scope_of(session, user_id=user_id, configured=configured)
                if scope is None or not scope.covers_all(territories):
                    continue
            person = await get_person(session, chat_id=user_id)
        t = found.catalogs.get(person.language if person else found.settings.default_language)
        markup = keyboard(rows_for(t)) if rows_for else None
        sender.notices.post(Notice(user_id, t.directed(text_for(t)), markup))


def register(app: BotApplication) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("grant", grant, filters=private))
    app.add_handler(CommandHandler("revoke", revoke, filters=private))
    app.add_handler(CommandHandler("coordinators", list_coordinators, filters=private))
    app.add_handler(CommandHandler("audit", show_audit, filters=private))
