"""/grant: a single-use "become a coordinator" link, the candidate's name, a second coordinator's approval.

1. A coordinator runs /grant and chooses, with buttons, the whole deployment (only a whole-deployment
   coordinator may) or territories within their own; they get a link valid LINK_LIFETIME, for one person.
2. Whoever opens it first gives the name other coordinators will see (their Telegram first name, or one
   they type), and the request goes to every coordinator whose scope covers it, but its maker and its
   candidate, with Approve and Refuse.
3. The first decision counts (bot/domain/grants.py); the candidate and the link's maker are told.

Button data: "1:n:t:<mask>" (territories ticked, a hex bit mask over the content's territories in their
order), "1:n:c:<mask>" or "1:n:c:w" (make the link), "1:n:m:<link>" (take the Telegram first name),
"1:n:y:<link>" / "1:n:r:<link>" (approve / refuse). /revoke's buttons are in coordinators.py.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.core.access import coordinator_scope, require_coordinator
from bot.core.callbacks import Action, pack, pattern
from bot.core.context import AnyBotApplication, BotApplication, Context
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button, button_fields, keyboard, ui_for
from bot.delivery.notices import Notice
from bot.domain import conversations, coordinators, grants
from bot.domain.conversations import INPUT_WAITS, Current, Kind
from bot.domain.grants import Decided, Opened
from bot.domain.people import get_person
from bot.domain.scope import Scope
from bot.features.coordination import coordinators as revoking
from bot.fields import row_id, telegram_id
from bot.i18n import Translator
from bot.services import Services

log = logging.getLogger(__name__)

LINK_PREFIX = "co_"  # /start co_<token>; the token is [A-Za-z0-9_-], so the payload stays within 64
WHOLE = "w"


# The territories a role is for, by name (escaped), or the whole deployment.
where = revoking.scope_text


def _mask(ticked: list[str], found: Services) -> str:
    ids = found.territory_ids
    return format(sum(1 << ids.index(tid) for tid in ticked if tid in ids), "x")


def _ticked(mask: str, found: Services) -> list[str] | None:
    """The territories of a mask; None for data no button of ours carries."""
    if not mask or len(mask) > 16 or any(c not in "0123456789abcdef" for c in mask):
        return None
    bits = int(mask, 16)
    ids = found.territory_ids
    if bits >> len(ids):
        return None
    return [tid for i, tid in enumerate(ids) if bits >> i & 1]


async def grant(update: Update, context: Context) -> None:
    ui = await require_coordinator(update, context)
    if ui is None or update.effective_user is None:
        return
    if context.args:
        text = ui._(
            "/grant ne prend plus d'identifiant : lancez /grant seul, choisissez pour quels territoires, "
            "puis envoyez le lien « devenir coordinateur » à la personne. Une autre coordination approuve "
            "ensuite sa demande."
        )
        await answer(update, ui, text, edit=False)
        return
    scope = await coordinator_scope(context.services, update.effective_user.id)
    if scope is None:
        return
    await show_chooser(update, context, ui, scope, [], edit=False)


async def show_chooser(
    update: Update, context: Context, ui: Ui, scope: Scope, ticked: list[str], *, edit: bool = True
) -> None:
    found = context.services
    rows: Keyboard = []
    if scope.is_whole:
        rows.append([button(ui._("🌍 Tout le dispositif"), pack(Action.GRANT, "c", WHOLE))])
    for tid in scope.within(found.territory_ids):
        chosen = tid in ticked
        toggled = [t for t in ticked if t != tid] if chosen else [*ticked, tid]
        label = ("☑ " if chosen else "☐ ") + found.content.territories[tid].name(ui.language)
        rows.append([button(label, pack(Action.GRANT, "t", _mask(toggled, found)))])
    if ticked:
        rows.append([button(ui._("🔗 Créer le lien"), pack(Action.GRANT, "c", _mask(ticked, found)))])
    text = (
        "<b>"
        + ui._("Donner le rôle de coordination")
        + "</b>\n"
        + ui._("Pour quels territoires ? Cochez-les, puis créez le lien à envoyer à la personne.")
    )
    if ticked:
        text += "\n" + ui._("Choisis : {where}").format(where=where(ui.t, found, ticked))
    await answer(update, ui, text, rows, edit=edit)


async def make_link(update: Update, context: Context, ui: Ui, scope: Scope, chosen: list[str] | None) -> None:
    found = context.services
    user = update.effective_user
    assert user is not None
    if (chosen is None and not scope.is_whole) or (chosen is not None and not scope.covers_all(chosen)):
        await stale_button(update, context, ui)
        return
    async with found.database.session() as session:
        link, token = await grants.create_link(session, territories=chosen, by=user.id, now=found.clock())
        asked = await grants.approvers(session, link, configured=found.settings.coordinators)
        named = (await coordinators.names(session, [user.id]))[user.id] != str(user.id)
    await acknowledge(update)
    url = f"https://t.me/{context.bot.username}?start={LINK_PREFIX}{token}"
    lines = [
        ui._(
            "Lien « devenir coordinateur » pour {where}, valable {hours} h et pour une seule personne :"
        ).format(
            where=where(ui.t, found, link.territories),
            hours=int(grants.LINK_LIFETIME.total_seconds() // 3600),
        ),
        html.escape(url),
        ui._("Une autre coordination devra approuver la demande de la personne qui l'ouvrira."),
    ]
    if not asked:
        lines.append(
            ui._(
                "⚠️ Personne d'autre ne peut approuver cette demande pour l'instant : il faut une deuxième "
                "coordination pour ces territoires (ou ajoutez quelqu'un au réglage COORDINATORS)."
            )
        )
    if not named:
        lines.append(
            ui._("Les autres coordinateurs vous voient par votre identifiant : /name Prénom N. pour un nom.")
        )
    await answer(update, ui, "\n".join(lines))


async def on_button(update: Update, context: Context) -> None:
    fields = button_fields(update) or []
    what, value = (*fields, "", "")[:2]
    if what == "m":  # the candidate, who coordinates nothing yet
        await _first_name(update, context, value)
        return
    ui = await require_coordinator(update, context)
    user = update.effective_user
    if ui is None or user is None:
        return
    found = context.services
    scope = await coordinator_scope(found, user.id)
    ticked = None if value == WHOLE else _ticked(value, found)
    if scope is None or len(fields) != 2:
        await stale_button(update, context, ui)
    elif what == "t" and ticked is not None and all(scope.covers(tid) for tid in ticked):
        await acknowledge(update)
        await show_chooser(update, context, ui, scope, ticked)
    elif what == "c" and (value == WHOLE or ticked):
        await make_link(update, context, ui, scope, ticked)
    elif what in ("y", "r") and row_id(value) is not None:
        await decide(update, context, ui, scope, row_id(value) or 0, approve=what == "y")
    elif what in (revoking.ASK, revoking.DO) and telegram_id(value) is not None:
        await revoking.revoke_pressed(
            update, context, ui, scope, telegram_id(value) or 0, confirm=what == revoking.DO
        )
    else:
        await stale_button(update, context, ui)


# -- the candidate ---------------------------------------------------------------------------------------


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


async def _first_name(update: Update, context: Context, value: str) -> None:
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


async def notify(
    app: AnyBotApplication,
    found: Services,
    user_id: int,
    text_for: Callable[[Translator], str],
    rows_for: Callable[[Translator], Keyboard] | None = None,
) -> None:
    """One message to one person, in their language, queued with the sender's notices (never waited for)."""
    sender = app.bot_data.sender
    if sender is None:
        log.warning("a grant notice not sent: the sender is not running")
        return
    async with found.database.session() as session:
        person = await get_person(session, chat_id=user_id)
    t = found.catalogs.get(person.language if person else found.settings.default_language)
    markup = keyboard(rows_for(t), t) if rows_for else None
    sender.notices.post(Notice(user_id, t.directed(text_for(t)), markup))


# -- /name -----------------------------------------------------------------------------------------------


async def set_name(update: Update, context: Context) -> None:
    """/name Prénom N.: the name other coordinators see (for the COORDINATORS ones above all)."""
    ui = await require_coordinator(update, context)
    user = update.effective_user
    if ui is None or user is None:
        return
    found = context.services
    name = grants.clean_name(" ".join(context.args or []))
    if name is None:
        async with found.database.session() as session:
            shown = (await coordinators.names(session, [user.id]))[user.id]
        text = ui._(
            "Les autres coordinateurs vous voient comme « {name} ». Pour changer : /name Prénom N. "
            "({count} caractères au plus)."
        ).format(name=html.escape(shown), count=grants.NAME_MAX)
        await answer(update, ui, text, edit=False)
        return
    async with found.database.session() as session:
        await coordinators.set_name(session, user_id=user.id, name=name, now=found.clock())
    text = ui._("C'est fait : les autres coordinateurs vous voient comme « {name} ».")
    await answer(update, ui, text.format(name=html.escape(name)), edit=False)


def register(app: BotApplication) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("grant", grant, filters=private))
    app.add_handler(CommandHandler("name", set_name, filters=private))
    app.add_handler(CallbackQueryHandler(on_button, pattern=pattern(Action.GRANT)))
    app.bot_data.deep_links[LINK_PREFIX] = open_link
