"""Progress reports: a message in the coordinator's chat, edited while a run sends (at most every few
seconds), and the same figures for /campaigns."""

from __future__ import annotations

import html
import logging
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import RetryAfter, TelegramError

from bot.delivery.pacing import Pacer, retry_seconds
from bot.domain import campaigns
from bot.domain.campaigns import Figures
from bot.domain.people import get_person
from bot.i18n import Translator
from bot.models import Campaign, CampaignRun, as_utc
from bot.services import Services

log = logging.getLogger(__name__)
EDIT_EVERY = 5.0  # seconds between two edits of one progress message


def status_label(t: Translator, status: str) -> str:
    labels = {
        "draft": t.gettext("brouillon"),
        "pending": t.gettext("en attente d'approbation"),
        "approved": t.gettext("programmée"),
        "paused": t.gettext("en pause"),
        "cancelled": t.gettext("annulée"),
        "done": t.gettext("terminée"),
        "missed": t.gettext("manquée"),
        "sending": t.gettext("envoi en cours"),
    }
    return labels.get(status, status)


def figures_lines(t: Translator, figures: Figures) -> list[str]:
    n = t.number
    lines = [
        t.gettext("Destinataires : {count}").format(count=n(figures.targeted)),
        t.gettext("Envoyés : {count}").format(count=n(figures.sent)),
        t.gettext("En attente : {count}").format(count=n(figures.pending)),
        t.gettext("Retenus par les heures calmes : {count}").format(count=n(figures.held)),
        t.gettext("Échecs : {count}").format(count=n(figures.failed)),
        t.gettext("Injoignables : {count}").format(count=n(figures.unreachable)),
        t.gettext("Désinscrits : {count}").format(count=n(figures.opted_out)),
        t.gettext("Plafond hebdomadaire atteint : {count}").format(count=n(figures.capped)),
    ]
    if figures.paused:
        lines.append(t.gettext("En pause : {count}").format(count=n(figures.paused)))
    if figures.cancelled:
        lines.append(t.gettext("Annulés : {count}").format(count=n(figures.cancelled)))
    if figures.possible_duplicates:
        lines.append(
            t.gettext("Peut-être reçus deux fois (arrêt pendant l'envoi) : {count}").format(
                count=n(figures.possible_duplicates)
            )
        )
    return lines


def report_text(
    t: Translator, campaign: Campaign, run: CampaignRun, figures: Figures, *, now: datetime, zone: str
) -> str:
    title = html.escape(campaign.title)
    head = t.gettext("📤 <b>{title}</b> — envoi n° {number}").format(title=title, number=t.number(run.number))
    lines = [head, t.gettext("État : {status}").format(status=status_label(t, run.status)), ""]
    lines += figures_lines(t, figures)
    lines += [
        "",
        "<i>"
        + t.gettext("Mis à jour à {time}").format(time=t.time(as_utc(now).astimezone(ZoneInfo(zone))))
        + "</i>",
    ]
    return "\n".join(lines)


class ReportBoard:
    """Keeps each running campaign's progress message current without flooding the chat with edits."""

    def __init__(self, bot: Bot, found: Services, pacer: Pacer) -> None:
        self.bot, self.found, self.pacer = bot, found, pacer
        self._edited: dict[int, float] = {}

    async def _translator(self, chat_id: int) -> Translator:
        async with self.found.database.session() as session:
            person = await get_person(session, chat_id=chat_id)
        return self.found.catalogs.get(person.language if person else self.found.settings.default_language)

    async def post(self, run_id: int) -> None:
        """A run's first progress message, in its creator's chat (the content files' series have none)."""
        async with self.found.database.session() as session:
            run = await campaigns.get_run(session, run_id)
            campaign = await campaigns.get_campaign(session, run.campaign_id) if run else None
            if run is None or campaign is None or not campaign.created_by:
                return
            figures = await campaigns.run_figures(session, run, now=self.found.clock())
        t = await self._translator(campaign.created_by)
        text = report_text(
            t, campaign, run, figures, now=self.found.clock(), zone=self.found.settings.timezone
        )
        # A report is a message too: it takes its place in the overall rate and in its chat's pace.
        await self.pacer.slot()
        await self.pacer.chat_turn(campaign.created_by)
        try:
            sent = await self.bot.send_message(
                campaign.created_by, t.directed(text), parse_mode=ParseMode.HTML
            )
        except RetryAfter as error:
            self.pacer.pause(retry_seconds(error))
            log.info("could not post a campaign report: %s", type(error).__name__)
            return
        except TelegramError as error:
            log.info("could not post a campaign report: %s", type(error).__name__)
            return
        async with self.found.database.session() as session:
            stored = await campaigns.get_run(session, run_id)
            if stored is not None:
                stored.report_chat, stored.report_message = campaign.created_by, sent.message_id
                session.add(stored)
        self._edited[run_id] = time.monotonic()

    async def update(self, run_ids: set[int], *, finished: set[int]) -> None:
        now = time.monotonic()
        for run_id in run_ids | finished:
            if run_id not in finished and now - self._edited.get(run_id, 0.0) < EDIT_EVERY:
                continue
            self._edited[run_id] = now
            await self._edit(run_id)
            if run_id in finished:
                self._edited.pop(run_id, None)

    async def _edit(self, run_id: int) -> None:
        async with self.found.database.session() as session:
            run = await campaigns.get_run(session, run_id)
            campaign = await campaigns.get_campaign(session, run.campaign_id) if run else None
            if run is None or campaign is None or run.report_chat is None or run.report_message is None:
                return
            figures = await campaigns.run_figures(session, run, now=self.found.clock())
        t = await self._translator(run.report_chat)
        text = report_text(
            t, campaign, run, figures, now=self.found.clock(), zone=self.found.settings.timezone
        )
        try:
            await self.bot.edit_message_text(
                t.directed(text),
                chat_id=run.report_chat,
                message_id=run.report_message,
                parse_mode=ParseMode.HTML,
            )
        except TelegramError as error:  # "not modified", or the coordinator deleted the message
            log.debug("campaign report not edited: %s", type(error).__name__)
