"""The composer's "when" step: at once, at a date and time, or weekly; and a date already past this year,
which is asked about ("did you mean next year's?"), never moved in silence."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from telegram import Update

from bot.core.callbacks import Action, pack
from bot.core.context import Context
from bot.core.stale import stale_button
from bot.core.ui import Keyboard, Ui, acknowledge, answer, button
from bot.features.campaigns import drafting
from bot.features.campaigns.card import ask, done_button, refusal, save, show_card
from bot.features.campaigns.views import (
    schedule_summary,
    weekday_name,
)
from bot.fields import index as position
from bot.fields import number
from bot.models import Campaign
from bot.schedule import NOW, WEEKLY, parse_clock


async def schedule_step(
    update: Update, context: Context, ui: Ui, campaign: Campaign, args: list[str]
) -> None:
    found = context.services
    cid = str(campaign.id)
    if args == ["n"]:
        campaign = await save(found, campaign.id or 0, schedule=NOW) or campaign
    elif args == ["l"]:
        campaign = await save(found, campaign.id or 0, local_time=not campaign.local_time) or campaign
    elif args == ["d"]:
        prompt = ui._("Écrivez la date et l'heure d'envoi, par exemple 24/12 18:00 ou 2026-12-24 18:00.")
        await ask(update, context, ui, campaign, "date", prompt)
        return
    elif args == ["w"]:
        await acknowledge(update)
        rows: Keyboard = [
            [button(weekday_name(ui.t, d), pack(Action.COMPOSER, cid, "D", str(d)))] for d in range(7)
        ]
        await answer(update, ui, ui._("Quel jour de la semaine ?"), rows + done_button(ui, campaign.id or 0))
        return
    await acknowledge(update)
    local = (
        ui._("✅ Heure locale de chaque destinataire")
        if campaign.local_time
        else ui._("☐ Heure locale de chaque destinataire")
    )
    rows = [
        [button(ui._("Dès l'approbation"), pack(Action.COMPOSER, cid, "w", "n"))],
        [button(ui._("À une date et une heure"), pack(Action.COMPOSER, cid, "w", "d"))],
        [button(ui._("Chaque semaine"), pack(Action.COMPOSER, cid, "w", "w"))],
        [button(local, pack(Action.COMPOSER, cid, "w", "l"))],
        *done_button(ui, campaign.id or 0),
    ]
    text = ui._("Quand envoyer ? Actuellement : {when}.").format(when=schedule_summary(ui, found, campaign))
    text += "\n" + ui._(
        "« Heure locale » : 18:00 veut dire 18:00 à Paris pour les uns, 18:00 à Cayenne pour les autres."
    )
    await answer(update, ui, text, rows)


async def weekday_step(update: Update, context: Context, ui: Ui, campaign: Campaign, args: list[str]) -> None:
    weekday = position(args[0], 7) if len(args) == 1 else None
    if weekday is None:
        await stale_button(update, context, ui)
        return
    found = context.services
    campaign = await save(found, campaign.id or 0, schedule=WEEKLY, weekday=weekday, on_date=None) or campaign
    prompt = ui._("Chaque {day} : à quelle heure ? Écrivez-la, par exemple 18:00.").format(
        day=weekday_name(ui.t, weekday)
    )
    await ask(update, context, ui, campaign, "time", prompt)


def past_date(ui: Ui, campaign_id: int, past: drafting.PastDate) -> tuple[str, Keyboard]:
    """ "That date has passed: did you mean next year's?", with a button for it; the retype stays open."""
    typed = f"{past.suggested:%d/%m/%Y}"  # as the coordinator types dates, whatever their language
    clock = past.moment.strftime("%H:%M")
    text = ui._(
        "Cette date est déjà passée cette année : vouliez-vous dire l'année prochaine, le {typed} ({date}) ? "
        "Sinon, écrivez une autre date."
    ).format(typed=typed, date=ui.t.date(past.suggested))
    choice = pack(Action.COMPOSER, str(campaign_id), "W", f"{past.suggested:%Y%m%d}", clock.replace(":", ""))
    yes = button(ui._("✅ Oui, le {typed} à {time}").format(typed=typed, time=clock), choice)
    return text, [[yes], *done_button(ui, campaign_id)]


async def suggested_date(
    update: Update, context: Context, ui: Ui, campaign: Campaign, args: list[str]
) -> None:
    """The "yes, next year's" button of a past date: checked again, since the button may be old."""
    found = context.services
    day = _button_date(args[0]) if len(args) == 2 else None
    moment = parse_clock(args[1][:2] + ":" + args[1][2:]) if day is not None and len(args[1]) == 4 else None
    if day is None or moment is None:
        await stale_button(update, context, ui)
        return
    changes = drafting.on_date(day, moment, now=found.clock(), zone=ZoneInfo(found.settings.timezone))
    if isinstance(changes, drafting.Refused):
        await acknowledge(update, refusal(ui, changes), alert=True)
        return
    await acknowledge(update)
    await show_card(update, context, ui, await save(found, campaign.id or 0, **changes) or campaign)


def _button_date(text: str) -> date | None:
    value = number(text) if len(text) == 8 else None
    if value is None:
        return None
    try:
        return date(value // 10000, value // 100 % 100, value % 100)
    except ValueError:
        return None
