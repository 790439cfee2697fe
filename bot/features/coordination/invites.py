"""Coordinators' commands: invite codes for professionals (/invite, /invites), and the trainings' figures.

Every coordinator command refuses anyone else (bot.core.access). A territory coordinator invites for, lists,
revokes and counts only their territories; making and revoking an invite go to the audit log.
"""

from __future__ import annotations

import html
from collections.abc import Container, Sequence
from typing import NamedTuple

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.content.schemas import AUDIENCES
from bot.core.access import require_scope
from bot.core.callbacks import Action, pack, pattern
from bot.core.context import BotApplication, Context
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button, button_fields
from bot.domain import invites, training
from bot.domain.indicators import chat
from bot.domain.indicators.labels import FIXED as JOBS
from bot.domain.indicators.labels import value_text
from bot.domain.suppression import SMALL_COUNT
from bot.domain.tables import NO_DATA
from bot.fields import number, row_id
from bot.models import as_utc

DEFAULT_USES, DEFAULT_DAYS = 10, 30
MAX_USES, MAX_DAYS = 500, 365
STATS_CHUNK = 3500
STATS_MONTHS = 3  # /training_stats: this month and the two before; the dashboard has the rest
MAX_LISTED = 30  # invites in one /invites message: within Telegram's length and buttons limits


class InviteTerms(NamedTuple):
    uses: int
    days: int
    territory: str | None
    kind: str | None


def invite_terms(args: Sequence[str], territories: Container[str]) -> InviteTerms | None:
    """What /invite's arguments ask for, or None for the usage line.

    A territory and a kind are recognised wherever they stand; every other word is a number, uses then
    days, each in its range: "²", "0", "+5", a third number or an unknown word is refused."""
    territory = next((a for a in args if a in territories), None)
    kind = next((a for a in args if a in AUDIENCES), None)
    written = [a for a in args if a not in territories and a not in AUDIENCES]
    numbers = [number(a, low=1, high=bound) for a, bound in zip(written, (MAX_USES, MAX_DAYS), strict=False)]
    uses = numbers[0] if numbers else DEFAULT_USES
    days = numbers[1] if len(numbers) > 1 else DEFAULT_DAYS
    if len(written) > 2 or uses is None or days is None:
        return None
    return InviteTerms(uses, days, territory, kind)


async def invite(update: Update, context: Context) -> None:
    """/invite [uses] [days] [territory] [kind]: a code and a link that make professionals verified."""
    me = await require_scope(update, context)
    if me is None:
        return
    ui, user_id, scope, found = me.ui, me.user_id, me.scope, context.services
    terms = invite_terms(context.args or [], found.content.territories)
    if terms is not None and not scope.is_whole:
        # A territory coordinator's invite is for one of their territories: named, or their only one.
        mine = scope.within(found.territory_ids)
        territory = terms.territory or (mine[0] if len(mine) == 1 else None)
        if territory is None or not scope.covers(territory):
            text = ui._("Précisez un de vos territoires : {territories}.").format(territories=", ".join(mine))
            await answer(update, ui, text, edit=False)
            return
        terms = terms._replace(territory=territory)
    if terms is None:
        text = ui._(
            "Utilisation : /invite [utilisations] [jours] [territoire] [métier], par exemple /invite 20 30. "
            "Territoires : {territories}. Métiers : {kinds}."
        ).format(territories=", ".join(found.content.territories), kinds=", ".join(AUDIENCES))
        await answer(update, ui, text, edit=False)
        return
    async with found.database.session() as session:
        created = await training.create_invite(
            session,
            territory=terms.territory,
            kind=terms.kind,
            uses=terms.uses,
            days=terms.days,
            now=found.clock(),
        )
        await invites.audit_created(session, created, by=user_id, now=found.clock())
    link = f"https://t.me/{context.bot.username}?start=inv_{created.code}"
    text = ui._(
        "Code d'invitation {code} : {uses} utilisations, valable jusqu'au {date}.\n"
        "Lien à transmettre aux professionnels : {link}"
    ).format(
        code=created.code, uses=terms.uses, date=ui.t.date(created.expires_at.date()), link=html.escape(link)
    )
    await answer(update, ui, text, edit=False)


def job_name(ui: Ui, kind: str | None) -> str:
    """An invite's job in the coordinator's words ("Bailleurs"), as the figures name it."""
    if kind is None:
        return ui._("tout métier")
    return ui._(JOBS[kind]) if kind in JOBS else kind


async def list_invites(update: Update, context: Context) -> None:
    """/invites: the invites that still work, within the coordinator's territories, each with Revoke."""
    me = await require_scope(update, context)
    if me is None:
        return
    ui, scope, found = me.ui, me.scope, context.services
    async with found.database.session() as session:
        live = await invites.live_invites(session, scope=scope, now=found.clock())
    lines = ["<b>" + ui._("Invitations en cours") + "</b>"]
    rows: Keyboard = []
    for shown in live[:MAX_LISTED]:
        territory = found.content.territories.get(shown.territory or "")
        lines.append(
            ui._("{code} — {territory}, {kind} : {uses} utilisations restantes, jusqu'au {date}").format(
                code=shown.code,
                territory=html.escape(territory.name(ui.language))
                if territory
                else ui._("tout le dispositif"),
                kind=job_name(ui, shown.kind),
                uses=shown.uses_left,
                date=ui.t.date(as_utc(shown.expires_at).date()),
            )
        )
        rows.append(
            [button(ui._("Retirer {code}").format(code=shown.code), pack(Action.INVITES, str(shown.id)))]
        )
    if not live:
        lines.append(ui._("Aucune invitation en cours. /invite en crée une."))
    await answer(update, ui, "\n".join(lines), rows, edit=False)


async def revoke_pressed(update: Update, context: Context) -> None:
    """A Revoke button of /invites: the invite ends now, if still live and within the presser's scope."""
    me = await require_scope(update, context)
    if me is None:
        return
    ui, user_id, scope, found = me.ui, me.user_id, me.scope, context.services
    fields = button_fields(update) or []
    invite_id = row_id(fields[0]) if len(fields) == 1 else None
    if invite_id is None:
        await stale_button(update, context, ui)
        return
    async with found.database.session() as session:
        ended = await invites.revoke_invite(
            session, invite_id=invite_id, by=user_id, scope=scope, now=found.clock()
        )
    await acknowledge(update)
    if ended is None:
        await answer(update, ui, ui._("Cette invitation n'était déjà plus valable."), edit=False)
        return
    text = ui._("C'est fait : l'invitation {code} ne fonctionne plus.").format(code=ended.code)
    await answer(update, ui, text, edit=False)


async def training_stats(update: Update, context: Context) -> None:
    me = await require_scope(update, context)
    if me is None:
        return
    ui, scope, found = me.ui, me.scope, context.services
    async with found.database.session() as session:
        # Only the coordinator's territories: another commune's figures are not theirs to read. Month by
        # month as on the dashboard, never added up (see bot/domain/indicators/chat.py).
        figures = await chat.training_lines(session, scope, now=found.clock(), months=STATS_MONTHS)
    lines = ["<b>" + ui._("Formations : chiffres anonymes") + "</b>"]
    month = None
    for row in figures:
        if row.month != month:
            month = row.month
            lines.append(f"\n<b>{month}</b>")
        module = found.content.module(ui.language, row.module, row.territory)  # its territory's version
        territory = found.content.territories.get(row.territory)
        started, passed = value_text(ui.t, row.started), value_text(ui.t, row.passed)
        score = row.average_score
        average = value_text(ui.t, score) if score is None or score is NO_DATA else f"{ui.t.number(score)} %"
        lines.append(
            ui._(
                "{module} ({territory}) : commencées {started}, réussies {passed}, score moyen {average}"
            ).format(
                module=html.escape(module.title if module else row.module),
                territory=html.escape(territory.name(ui.language) if territory else row.territory),
                started=started,
                passed=passed,
                average=average,
            )
        )
    if not figures:
        lines.append(
            ui._("Rien à afficher : les nombres inférieurs à {count} sont masqués.").format(count=SMALL_COUNT)
        )
    # One message per screenful, so that many modules and territories never pass Telegram's limit.
    message: list[str] = []
    for line in lines:
        if message and sum(len(part) + 1 for part in message) + len(line) > STATS_CHUNK:
            await answer(update, ui, "\n".join(message), edit=False)
            message = []
        message.append(line)
    await answer(update, ui, "\n".join(message), edit=False)


def register(app: BotApplication) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("invite", invite, filters=private))
    app.add_handler(CommandHandler("training_stats", training_stats, filters=private))
    app.add_handler(CommandHandler("invites", list_invites, filters=private))
    app.add_handler(CallbackQueryHandler(revoke_pressed, pattern=pattern(Action.INVITES)))
