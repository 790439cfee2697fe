"""How a campaign reads to coordinators: its audience, schedule and message, and its card with figures.

Shared by the composer (/campaign), the list and reports (/campaigns) and the approval requests.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import get_day_names

from bot.config import SUPPORTED_LANGUAGES
from bot.core.ui import Ui
from bot.core.views import role_label
from bot.delivery.render import describe
from bot.domain.audience import NO_SOURCE, Audience
from bot.domain.scope import Scope
from bot.i18n import Translator
from bot.models import Campaign, as_utc
from bot.roles import ROLES
from bot.schedule import NOW, ONCE, WEEKLY
from bot.services import Services
from bot.shorten import shorten
from bot.topics import TOPICS

_TAG = re.compile(r"<[^>]+>")
AUDIENCE_KEYS = {"r": "roles", "t": "territories", "l": "languages", "s": "topics", "o": "sources"}


def audience_options(found: Services, key: str, scope: Scope | None = None) -> list[str]:
    """The values a coordinator can pick for one audience list, in a stable order (buttons carry indexes);
    a territory coordinator picks among their own territories only."""
    if key == "roles":
        return list(ROLES)
    if key == "territories":
        return (scope or Scope.whole()).within(found.content.territories)
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
    if audience.staff:
        parts.append(ui._("coordination comprise"))
    return " ; ".join(parts) if parts else ui._("tout le monde (sauf la coordination)")


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


def urgent_line(ui: Ui) -> str:
    """What an urgent campaign does differently, on its card and in its approval request."""
    return (
        "⚡ <b>"
        + ui._("Urgente")
        + "</b> : "
        + ui._("elle ignore les heures calmes et le plafond hebdomadaire.")
    )


def message_texts(ui: Ui, found: Services, campaign: Campaign, *, room: int) -> list[str]:
    """The message itself, in each language it was written in, for an approver to read: plain text (its
    formatting dropped, so that nothing can break the request's HTML), at most `room` characters each."""
    messages = campaign.messages
    if messages.get("item") or messages.get("items"):
        return ["• " + describe(found, messages, ui.language)]
    lines = []
    for language in SUPPORTED_LANGUAGES:
        chosen = messages.get(language)
        if not isinstance(chosen, dict):
            continue
        kind = ui._("photo") if chosen.get("photo") else ui._("document") if chosen.get("document") else ""
        plain = html.unescape(_TAG.sub("", str(chosen.get("text") or ""))).strip()
        head = "<b>" + html.escape(ui.t.language_name(language)) + "</b>" + (f" ({kind})" if kind else "")
        lines.append(head + "\n<blockquote>" + html.escape(shorten(plain, room) or "—") + "</blockquote>")
    return lines


def local_moment(found: Services, moment: datetime | None, ui: Ui) -> str:
    if moment is None:
        return "—"
    local = as_utc(moment).astimezone(ZoneInfo(found.settings.timezone))
    return f"{ui.t.date(local.date())} {ui.t.time(local)}"
