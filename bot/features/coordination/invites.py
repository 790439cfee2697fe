"""Coordinators' commands: invite codes for professionals, and the trainings' figures.

Coordinators are the Telegram user ids in COORDINATORS; anyone else gets a clear refusal.
"""

from __future__ import annotations

import html
from collections.abc import Container, Sequence
from typing import NamedTuple

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.content.schemas import AUDIENCES
from bot.core.access import require_coordinator
from bot.core.context import BotApplication, Context
from bot.core.ui import answer
from bot.domain import training
from bot.fields import number

DEFAULT_USES, DEFAULT_DAYS = 10, 30
MAX_USES, MAX_DAYS = 500, 365
STATS_CHUNK = 3500


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
    ui = await require_coordinator(update, context)
    if ui is None:
        return
    found = context.services
    terms = invite_terms(context.args or [], found.content.territories)
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
    link = f"https://t.me/{context.bot.username}?start=inv_{created.code}"
    text = ui._(
        "Code d'invitation {code} : {uses} utilisations, valable jusqu'au {date}.\n"
        "Lien à transmettre aux professionnels : {link}"
    ).format(
        code=created.code, uses=terms.uses, date=ui.t.date(created.expires_at.date()), link=html.escape(link)
    )
    await answer(update, ui, text, edit=False)


async def training_stats(update: Update, context: Context) -> None:
    ui = await require_coordinator(update, context)
    if ui is None:
        return
    found = context.services
    async with found.database.session() as session:
        figures = await training.training_figures(session)
    hidden = ui._("moins de {count}").format(count=training.SMALL_COUNT)
    lines = ["<b>" + ui._("Formations : chiffres anonymes") + "</b>"]
    for row in figures:
        module = found.content.module(ui.language, row.module)
        territory = found.content.territories.get(row.territory)
        started = hidden if row.started is None else str(row.started)
        passed = hidden if row.passed is None else str(row.passed)
        average = "—" if row.average_score is None else f"{row.average_score} %"
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
            ui._("Rien à afficher : les nombres inférieurs à {count} sont masqués.").format(
                count=training.SMALL_COUNT
            )
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
