"""Who opens a "become a coordinator" link, and the second coordinator who decides (see grants.py).

The candidate gives the name other coordinators will see: their Telegram first name (a button), or one they
type (a wait in the chat's conversation, bot/core/text_router.py). The request then goes to every coordinator
whose scope covers it, but the link's maker and the candidate; the first decision counts, and the candidate
and the link's maker are told.
"""

from __future__ import annotations

import html
import logging

from telegram import Update

from bot.core.callbacks import Action, pack
from bot.core.context import Context
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button, ui_for
from bot.domain import conversations, coordinators, grants
from bot.domain.conversations import INPUT_WAITS, Current, Kind
from bot.domain.grants import Decided, Opened
from bot.domain.scope import Scope
from bot.features.coordination.coordinators import notify
from bot.features.coordination.coordinators import scope_text as where
from bot.fields import row_id
from bot.i18n import Translator

log = logging.getLogger(__name__)


# -- the candidate ----------------------------------------------------------------------------------------


async def open_link(update: Update, context: Context, token: str) -> bool:
    """/start co_<token>: claim the link and ask the name; always handled (True)."""
    ui = await ui_for(update, context)
    user = update.effective_user
    if user is None:
        return True
    found = context.services
    async with found.database.session() as session:
        scope = await coordinators.scope_of(session, user_id=user.id, configured=found.settings.coordinators)
        if scope is not None:
            outcome, link = Opened.USED, None
        else:
            outcome, link = await grants.claim(session, token=token, user_id=user.id, now=found.clock())
    if scope is not None:
        await answer(
            update, ui, ui._("Vous coordonnez déjà : ce lien est pour quelqu'un d'autre."), edit=False
        )
        return True
    texts = {
        Opened.UNKNOWN: ui._("Ce lien « devenir coordinateur » n'existe pas. Vérifiez le lien reçu."),
        Opened.EXPIRED: ui._("Ce lien « devenir coordinateur » a expiré. Demandez-en un nouveau."),
        Opened.USED: ui._(
            "Ce lien « devenir coordinateur » a déjà servi : il ne vaut que pour une personne."
        ),
        Opened.WAITING: ui._("Votre demande attend l'accord d'une autre coordination. Vous serez prévenu."),
        Opened.OWN: ui._("C'est votre propre lien : envoyez-le à la personne qui doit coordonner."),
    }
    if outcome is not Opened.OK or link is None or link.id is None:
        await answer(update, ui, texts.get(outcome, texts[Opened.UNKNOWN]), edit=False)
        return True
    async with found.database.session() as session:
        await conversations.begin(
            session,
            chat_id=user.id,
            kind=Kind.COORDINATOR_NAME,
            data={"link": link.id},
            now=found.clock(),
            lasts=grants.LINK_LIFETIME,
            over=INPUT_WAITS,
        )
    offered = grants.clean_name(user.first_name)
    rows: Keyboard = []
    if offered:
        rows.append(
            [button(ui._("Utiliser « {name} »").format(name=offered), pack(Action.GRANT, "m", str(link.id)))]
        )
    text = "\n".join(
        [
            ui._("On vous propose de coordonner Repères pour {where}.").format(
                where=where(ui.t, found, link.territories)
            ),
            ui._(
                "Quel nom les autres coordinateurs verront-ils ? Écrivez-le ({count} caractères au plus), "
                "ou prenez celui de votre compte Telegram."
            ).format(count=grants.NAME_MAX),
        ]
    )
    await answer(update, ui, text, rows, edit=False)
    return True


async def first_name(update: Update, context: Context, value: str) -> None:
    user = update.effective_user
    link_id = row_id(value)
    name = grants.clean_name(user.first_name if user else None)
    ui = await ui_for(update, context)
    if user is None or link_id is None or name is None:
        await stale_button(update, context, ui)
        return
    await acknowledge(update)
    await named(update, context, ui, link_id, name)


async def typed_name(update: Update, context: Context, ui: Ui, waiting: Current) -> bool:
    """The text router's route while a display name is awaited: typed text is the name."""
    message = update.effective_message
    link_id = waiting.number("link")
    if message is None or not message.text or link_id is None:
        return False
    name = grants.clean_name(message.text)
    if name is None:  # the wait stays: the person tries again
        text = ui._("Ce nom ne convient pas : des lettres, {count} caractères au plus. Réessayez.").format(
            count=grants.NAME_MAX
        )
        await answer(update, ui, text, edit=False)
        return True
    found = context.services
    async with found.database.session() as session:
        if not await conversations.taken(session, waiting):
            return False
    await named(update, context, ui, link_id, name)
    return True


async def named(update: Update, context: Context, ui: Ui, link_id: int, name: str) -> None:
    found = context.services
    user = update.effective_user
    assert user is not None
    async with found.database.session() as session:
        await conversations.end(session, chat_id=user.id, kinds=[Kind.COORDINATOR_NAME])
        link = await grants.name_candidate(
            session, link_id=link_id, user_id=user.id, name=name, now=found.clock()
        )
        asked = await grants.approvers(session, link, configured=found.settings.coordinators) if link else []
        inviter = (await coordinators.names(session, [link.created_by]))[link.created_by] if link else ""
    if link is None:
        text = ui._("Ce lien « devenir coordinateur » n'est plus valable (expiré ou déjà utilisé).")
        await answer(update, ui, text, edit=False)
        return
    await answer(
        update,
        ui,
        ui._(
            "Merci, {name}. Votre demande attend l'accord d'une autre coordination ; vous serez prévenu."
        ).format(name=html.escape(name)),
        edit=False,
    )
    app = context.application
    lid = str(link.id)

    def request(t: Translator) -> str:
        return t.gettext(
            "🗳 <b>Nouvelle coordination demandée</b> : {name}, invité par {inviter}, pour {where}. "
            "Le premier qui répond décide."
        ).format(
            name=html.escape(name), inviter=html.escape(inviter), where=where(t, found, link.territories)
        )

    def rows(t: Translator) -> Keyboard:
        return [
            [
                button(t.gettext("✅ Approuver"), pack(Action.GRANT, "y", lid)),
                button(t.gettext("❌ Refuser"), pack(Action.GRANT, "r", lid)),
            ]
        ]

    for user_id in asked:
        await notify(app, found, user_id, request, rows)

    def told(t: Translator) -> str:
        if not asked:
            return t.gettext(
                "{name} a ouvert votre lien « devenir coordinateur », mais personne d'autre ne peut "
                "approuver sa demande pour l'instant."
            ).format(name=html.escape(name))
        return t.gettext(
            "{name} a ouvert votre lien « devenir coordinateur » : sa demande est envoyée aux autres "
            "coordinations pour approbation."
        ).format(name=html.escape(name))

    await notify(app, found, link.created_by, told)


# -- the second coordinator ------------------------------------------------------------------------------


async def decide(
    update: Update, context: Context, ui: Ui, scope: Scope, link_id: int, *, approve: bool
) -> None:
    found = context.services
    user = update.effective_user
    assert user is not None
    async with found.database.session() as session:
        outcome, link = await grants.decide(
            session, link_id=link_id, by=user.id, scope=scope, approve=approve, now=found.clock()
        )
        decider = (await coordinators.names(session, [user.id]))[user.id]
    if link is None:
        await stale_button(update, context, ui)
        return
    await acknowledge(update)
    name = html.escape(link.display_name or "")
    if outcome is Decided.NOT_YOURS:
        text = ui._("Vous ne pouvez pas décider de cette demande (la vôtre, ou hors de vos territoires).")
        await answer(update, ui, text, edit=False)
        return
    if outcome is Decided.LAPSED:
        text = ui._(
            "Cette demande n'a pas été décidée à temps : elle a expiré. Un nouveau lien se fait avec /grant."
        )
        await answer(update, ui, text)
        return
    if outcome is Decided.ALREADY:
        await answer(update, ui, ui._("Cette demande a déjà été décidée par une autre coordination."))
        return
    granted = outcome is Decided.GRANTED
    done = ui._("✅ Approuvé : {name} coordonne maintenant.") if granted else ui._("❌ Refusé : {name}.")
    await answer(update, ui, done.format(name=name))
    app = context.application
    escaped = html.escape(decider)

    def to_candidate(t: Translator) -> str:
        if granted:
            return t.gettext(
                "✅ Votre demande est approuvée : vous coordonnez maintenant Repères pour {where}. /help "
                "montre vos commandes."
            ).format(where=where(t, found, link.territories))
        return t.gettext("Votre demande pour coordonner Repères a été refusée.")

    def to_inviter(t: Translator) -> str:
        text = (
            t.gettext("✅ {name} coordonne maintenant (approuvé par {by}).")
            if granted
            else t.gettext("❌ La demande de {name} a été refusée par {by}.")
        )
        return text.format(name=name, by=escaped)

    if link.candidate_id is not None:
        await notify(app, found, link.candidate_id, to_candidate)
    await notify(app, found, link.created_by, to_inviter)
