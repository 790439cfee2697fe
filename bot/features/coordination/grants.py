"""/grant: a single-use "become a coordinator" link, the candidate's name, a second coordinator's approval.

1. A coordinator runs /grant and chooses, with buttons, the whole deployment (only a whole-deployment
   coordinator may) or territories within their own; they get a link valid LINK_LIFETIME, for one person.
2. Whoever opens it first gives the name other coordinators will see (their Telegram first name, or one
   they type), and the request goes to every coordinator whose scope covers it, but its maker and its
   candidate, with Approve and Refuse (approvals.py).
3. The first decision counts (bot/domain/grants.py); the candidate and the link's maker are told.

Button data: "1:n:t:<mask>" (territories ticked, a hex bit mask over the content's territories in their
order), "1:n:c:<mask>" or "1:n:c:w" (make the link), "1:n:m:<link>" (take the Telegram first name),
"1:n:y:<link>" / "1:n:r:<link>" (approve / refuse). /revoke's buttons are in coordinators.py.
"""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.core.access import require_coordinator, require_scope
from bot.core.callbacks import Action, pack, pattern
from bot.core.context import BotApplication, Context
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button, button_fields
from bot.domain import coordinators, grants
from bot.domain.scope import Scope
from bot.features.coordination import approvals
from bot.features.coordination import coordinators as revoking
from bot.fields import row_id, telegram_id
from bot.services import Services

LINK_PREFIX = "co_"  # /start co_<token>; the token is [A-Za-z0-9_-], so the payload stays within 64
WHOLE = "w"
where = revoking.scope_text  # the territories a role is for, by name (escaped), or the whole deployment


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
    me = await require_scope(update, context)
    if me is None:
        return
    ui = me.ui
    if context.args:
        text = ui._(
            "/grant ne prend plus d'identifiant : lancez /grant seul, choisissez pour quels territoires, "
            "puis envoyez le lien « devenir coordinateur » à la personne. Une autre coordination approuve "
            "ensuite sa demande."
        )
        await answer(update, ui, text, edit=False)
        return
    await show_chooser(update, context, ui, me.scope, [], edit=False)


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
        await approvals.first_name(update, context, value)
        return
    me = await require_scope(update, context)
    if me is None:
        return
    ui, scope, found = me.ui, me.scope, context.services
    ticked = None if value == WHOLE else _ticked(value, found)
    if len(fields) != 2:
        await stale_button(update, context, ui)
    elif what == "t" and ticked is not None and all(scope.covers(tid) for tid in ticked):
        await acknowledge(update)
        await show_chooser(update, context, ui, scope, ticked)
    elif what == "c" and (value == WHOLE or ticked):
        await make_link(update, context, ui, scope, ticked)
    elif what in ("y", "r") and row_id(value) is not None:
        await approvals.decide(update, context, ui, scope, row_id(value) or 0, approve=what == "y")
    elif what in (revoking.ASK, revoking.DO) and telegram_id(value) is not None:
        await revoking.revoke_pressed(
            update, context, ui, scope, telegram_id(value) or 0, confirm=what == revoking.DO
        )
    else:
        await stale_button(update, context, ui)


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
    app.bot_data.deep_links[LINK_PREFIX] = approvals.open_link
    app.bot_data.before_forget.append(_forget_candidate)


async def _forget_candidate(context: Context, chat_id: int) -> None:
    async with context.services.database.session() as session:
        await grants.forget_candidate(session, user_id=chat_id)
