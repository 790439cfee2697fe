"""Who coordinates: /revoke, /coordinators and /audit, and the notices every coordinator gets.

Coordinators are the COORDINATORS setting plus the people granted the role (/grant, in grants.py); the check
every coordinator command makes is bot.core.access.require_scope. People are shown by display name,
and a territory coordinator sees and acts only within their territories.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.core.access import require_scope
from bot.core.callbacks import Action, pack
from bot.core.context import AnyBotApplication, BotApplication, Context
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button, keyboard
from bot.delivery.notices import Notice
from bot.domain import coordinators, grants
from bot.domain.people import get_person
from bot.domain.scope import Scope
from bot.i18n import Translator
from bot.models import as_utc
from bot.services import Services

log = logging.getLogger(__name__)


ASK, DO = "q", "x"  # /revoke's buttons: "1:n:q:<user id>" asks to confirm, "1:n:x:<user id>" revokes


def scope_text(t: Translator, found: Services, territories: list[str] | None) -> str:
    """A coordinator's territories by name, or the whole deployment."""
    if not territories:
        return t.gettext("tout le dispositif")
    known = found.content.territories
    return ", ".join(html.escape(known[tid].name(t.language) if tid in known else tid) for tid in territories)


def _visible(scope: Scope, territories: list[str] | None) -> bool:
    """Whether a coordinator of `scope` sees one of `territories` in /coordinators: whole-deployment ones
    and those sharing a territory with them."""
    return scope.is_whole or not territories or any(scope.covers(tid) for tid in territories)


async def revoke(update: Update, context: Context) -> None:
    """/revoke: a button per coordinator the caller may take the role from (within their scope)."""
    me = await require_scope(update, context)
    if me is None:
        return
    ui, user_id, scope, found = me.ui, me.user_id, me.scope, context.services
    async with found.database.session() as session:
        rows = [g for g in await coordinators.grants(session) if g.user_id != user_id]
        shown = await coordinators.names(session, [g.user_id for g in rows])
    revocable = [g for g in rows if scope.covers_all(g.territories or [])]
    lines = ["<b>" + ui._("Retirer le rôle de coordination") + "</b>"]
    if context.args:
        lines.append(ui._("/revoke ne prend plus d'identifiant : choisissez la personne ci-dessous."))
    if not revocable:
        lines.append(ui._("Personne dont vous pouvez retirer le rôle."))
    lines.append(ui._("Le rôle donné dans la configuration (réglage COORDINATORS) ne se retire pas ici."))
    buttons: Keyboard = [
        [
            button(
                f"{shown[g.user_id]} — {scope_text(ui.t, found, g.territories)}",
                pack(Action.GRANT, ASK, str(g.user_id)),
            )
        ]
        for g in revocable
    ]
    await answer(update, ui, "\n".join(lines), buttons, edit=False)


async def revoke_pressed(
    update: Update, context: Context, ui: Ui, scope: Scope, target: int, *, confirm: bool
) -> None:
    """A /revoke button: ask to confirm, then take the role back, if still within the presser's scope."""
    found = context.services
    user = update.effective_user
    assert user is not None
    async with found.database.session() as session:
        row = next((g for g in await coordinators.grants(session) if g.user_id == target), None)
        name = html.escape((await coordinators.names(session, [target]))[target])
        allowed = row is not None and target != user.id and scope.covers_all(row.territories or [])
        removed = False
        if allowed and confirm:
            removed = await coordinators.revoke(session, user_id=target, by=user.id, now=found.clock())
    await acknowledge(update)
    if row is None or not allowed:
        await answer(
            update, ui, ui._("{name} ne coordonne plus, ou pas dans vos territoires.").format(name=name)
        )
    elif not confirm:
        text = ui._("Retirer le rôle de coordination à {name} ({where}) ?").format(
            name=name, where=scope_text(ui.t, found, row.territories)
        )
        rows = [[button(ui._("Oui, retirer le rôle"), pack(Action.GRANT, DO, str(target)))]]
        await answer(update, ui, text, rows)
    elif removed:
        await answer(update, ui, ui._("C'est fait : {name} ne coordonne plus.").format(name=name))
    else:
        await answer(update, ui, ui._("{name} ne coordonnait déjà plus.").format(name=name))


async def list_coordinators(update: Update, context: Context) -> None:
    me = await require_scope(update, context)
    if me is None:
        return
    ui, user_id, scope, found = me.ui, me.user_id, me.scope, context.services
    configured = sorted(found.settings.coordinators)
    async with found.database.session() as session:
        rows = [g for g in await coordinators.grants(session) if g.user_id not in set(configured)]
        waiting = [
            w for w in await grants.pending(session) if grants.may_decide(w, user_id=user_id, scope=scope)
        ]
        shown = await coordinators.names(
            session,
            [
                *configured,
                *(g.user_id for g in rows),
                *(g.granted_by for g in rows),
                *(w.created_by for w in waiting),
            ],
        )
    lines = ["<b>" + ui._("Coordination") + "</b>"]
    lines += [
        ui._("{name} — tout le dispositif (réglage COORDINATORS)").format(name=html.escape(shown[i]))
        for i in configured
    ]
    lines += [
        ui._("{name} — {where} (invité par {by})").format(
            name=html.escape(shown[g.user_id]),
            where=scope_text(ui.t, found, g.territories),
            by=html.escape(shown[g.granted_by]),
        )
        for g in rows
        if _visible(scope, g.territories)
    ]
    # Requests this coordinator may decide: also those made before they could be asked.
    buttons: Keyboard = []
    for request in waiting:
        name = request.display_name or ""
        lines.append(
            ui._("⏳ {name} attend une approbation : {where} (invité par {by})").format(
                name=html.escape(name),
                where=scope_text(ui.t, found, request.territories),
                by=html.escape(shown[request.created_by]),
            )
        )
        buttons.append(
            [
                button(
                    ui._("✅ Approuver {name}").format(name=name), pack(Action.GRANT, "y", str(request.id))
                ),
                button(ui._("❌ Refuser"), pack(Action.GRANT, "r", str(request.id))),
            ]
        )
    await answer(update, ui, "\n".join(lines), buttons, edit=False)


def action_label(t: Translator, action: str) -> str:
    labels = {
        "grant": t.gettext("rôle donné"),
        "revoke": t.gettext("rôle retiré"),
        "grant_link": t.gettext("lien « devenir coordinateur » créé"),
        "grant_refused": t.gettext("demande de coordination refusée"),
        "invite": t.gettext("invitation créée"),
        "uninvite": t.gettext("invitation retirée"),
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
        "consultation": t.gettext("consultation publiée"),
        "consultation_close": t.gettext("consultation close"),
    }
    return labels.get(action, action)


async def show_audit(update: Update, context: Context) -> None:
    me = await require_scope(update, context)
    if me is None:
        return
    ui, user_id, scope, found = me.ui, me.user_id, me.scope, context.services
    async with found.database.session() as session:
        entries = await coordinators.recent_audit(session, limit=25, scope=scope, viewer=user_id)
        shown = await coordinators.names(session, [e.actor_id for e in entries])
    zone = ZoneInfo(found.settings.timezone)
    lines = ["<b>" + ui._("Journal des actions (les plus récentes d'abord)") + "</b>"]
    for entry in entries:
        moment = as_utc(entry.at).astimezone(zone)
        system = entry.actor_id == coordinators.SYSTEM
        who = ui._("le bot") if system else html.escape(shown[entry.actor_id])
        subject = f" #{entry.campaign_id}" if entry.campaign_id else ""
        detail = f" ({html.escape(entry.detail)})" if entry.detail else ""
        if entry.territories:
            detail += f" [{scope_text(ui.t, found, entry.territories)}]"
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
    if app.bot_data.sender is None:
        log.warning("coordinators not told: the sender is not running")
        return
    told: list[int] = []
    async with found.database.session() as session:
        granted = await coordinators.granted(session)  # not the cache: a revoke elsewhere counts at once
        for user_id in sorted(set(found.settings.coordinators) | granted):
            if user_id == exclude:
                continue
            if territories is not None:
                configured = found.settings.coordinators
                scope = await coordinators.scope_of(session, user_id=user_id, configured=configured)
                if scope is None or not scope.covers_all(territories):
                    continue
            told.append(user_id)
    for user_id in told:
        await notify(app, found, user_id, text_for, rows_for)


async def notify(
    app: AnyBotApplication,
    found: Services,
    user_id: int,
    text_for: Callable[[Translator], str],
    rows_for: Callable[[Translator], Keyboard] | None = None,
) -> None:
    """One message to one person, in their language (the bot's default when they never chose), queued with
    the sender's notices (never waited for)."""
    sender = app.bot_data.sender
    if sender is None:
        log.warning("a coordination notice not sent: the sender is not running")
        return
    async with found.database.session() as session:
        person = await get_person(session, chat_id=user_id)
    t = found.catalogs.get(person.language if person else found.settings.default_language)
    markup = keyboard(rows_for(t), t) if rows_for else None
    sender.notices.post(Notice(user_id, t.directed(text_for(t)), markup))


def register(app: BotApplication) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("revoke", revoke, filters=private))
    app.add_handler(CommandHandler("coordinators", list_coordinators, filters=private))
    app.add_handler(CommandHandler("audit", show_audit, filters=private))
