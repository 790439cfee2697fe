"""How a campaign reads to coordinators: its audience, schedule and message, and its card with figures.

Shared by the composer (/campaign), the list and reports (/campaigns) and the approval requests.
"""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import get_day_names

from bot.config import SUPPORTED_LANGUAGES
from bot.delivery.render import describe
from bot.domain.audience import NO_SOURCE, Audience
from bot.domain.roles import ROLES
from bot.domain.schedule import NOW, ONCE, WEEKLY
from bot.domain.subscriptions import TOPICS
from bot.handlers.common import Ui
from bot.handlers.views import role_label
from bot.i18n import Translator
from bot.models import Campaign, as_utc
from bot.services import Services

AUDIENCE_KEYS = {"r": "roles", "t": "territories", "l": "languages", "s": "topics", "o": "sources"}


def audience_options(found: Services, key: str) -> list[str]:
    """The values a coordinator can pick for one audience list, in a stable order (buttons carry indexes)."""
    if key == "roles":
        return list(ROLES)
    if key == "territories":
        return list(found.content.territories)
    if key == "languages":
        return list(SUPPORTED_LANGUAGES)
    if key == "topics":
        return list(TOPICS)
    return [*sorted(found.content.link_codes), "other", NO_SOURCE]


def option_label(ui: Ui, found: Services, key: str, value: str) -> str:
    if key == "roles":
        return role_label(ui, value)
    if key == "territories":
        territory = found.content.territories.get(value)
        return territory.name(ui.language) if territory else value
    if key == "languages":
        return ui.t.language_name(value)
    if key == "topics":
        return ui._("Carte de la semaine") if value == "myth_weekly" else value
    if value == NO_SOURCE:
        return ui._("sans lien")
    return ui._("autre lien") if value == "other" else value


def audience_summary(ui: Ui, found: Services, audience: Audience) -> str:
    parts = []
    names = {
        "roles": ui._("profils"),
        "territories": ui._("territoires"),
        "languages": ui._("langues"),
        "topics": ui._("abonnements"),
        "sources": ui._("liens d'arrivée"),
    }
    for key, name in names.items():
        values: tuple[str, ...] = getattr(audience, key)
        if values:
            labels = ", ".join(option_label(ui, found, key, v) for v in values)
            parts.append(f"{name} : {html.escape(labels)}")
    return " ; ".join(parts) if parts else ui._("tout le monde")


def weekday_name(t: Translator, weekday: int) -> str:
    return str(get_day_names("wide", locale=t.locale)[weekday])


def schedule_summary(ui: Ui, found: Services, campaign: Campaign) -> str:
    where = (
        ui._("à l'heure locale de chaque destinataire")
        if campaign.local_time
        else ui._("heure de {zone}").format(zone=found.settings.timezone)
    )
    if campaign.schedule == NOW:
        return ui._("dès l'approbation")
    if campaign.schedule == ONCE and campaign.on_date and campaign.time_of_day:
        return ui._("le {date} à {time}, {where}").format(
            date=ui.t.date(campaign.on_date), time=campaign.time_of_day, where=where
        )
    if campaign.schedule == WEEKLY and campaign.weekday is not None and campaign.time_of_day:
        return ui._("chaque {day} à {time}, {where}").format(
            day=weekday_name(ui.t, campaign.weekday), time=campaign.time_of_day, where=where
        )
    return ui._("à choisir")


def message_lines(ui: Ui, found: Services, campaign: Campaign) -> list[str]:
    messages = campaign.messages
    if messages.get("item") or messages.get("items"):
        return ["• " + describe(found, messages, ui.language)]
    lines = []
    for language in SUPPORTED_LANGUAGES:
        name = ui.t.language_name(language)
        chosen = messages.get(language)
        if isinstance(chosen, dict):
            kind = (
                ui._("photo") if chosen.get("photo") else ui._("document") if chosen.get("document") else ""
            )
            text = describe(found, {language: chosen}, language) or "—"
            lines.append(f"• {name} : {(kind + ' — ') if kind else ''}{text}")
        elif language == "fr":
            lines.append(f"• {name} : " + ui._("à écrire"))
        else:
            lines.append(f"• {name} : " + ui._("le français sera envoyé"))
    return lines


def local_moment(found: Services, moment: datetime | None, ui: Ui) -> str:
    if moment is None:
        return "—"
    local = as_utc(moment).astimezone(ZoneInfo(found.settings.timezone))
    return f"{ui.t.date(local.date())} {ui.t.time(local)}"
