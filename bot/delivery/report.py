"""Progress reports: a message in the coordinator's chat, edited while a run sends (at most every few
seconds), and the same figures for /campaigns.

The message follows what happens to the run: a pause, a resume or a cancel shows at once (the coordinator's
button refreshes it), and messages held by quiet hours say when they go out, in the author's time zone. An
edit skipped because the last one is too recent is made later (`flush`), so that the message never stays on
a state that has passed.
"""

from __future__ import annotations

import html
import logging
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Message
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.delivery.notices import Notice, Notices
from bot.domain import campaigns, run_outcomes
from bot.domain.indicators.labels import value_text
from bot.domain.indicators.runs import shown_figures
from bot.domain.people import get_person
from bot.domain.run_outcomes import Figures
from bot.i18n import Translator
from bot.models import Campaign, CampaignRun, CampaignStatus, RunStatus, as_utc
from bot.services import Services

log = logging.getLogger(__name__)
EDIT_EVERY = 5.0  # seconds between two edits of one progress message


def status_label(t: Translator, status: str) -> str:
    """A campaign's or a run's status, as coordinators read it."""
    labels: dict[str, str] = {
        CampaignStatus.DRAFT: t.gettext("brouillon"),
        CampaignStatus.PENDING: t.gettext("en attente d'approbation"),
        CampaignStatus.APPROVED: t.gettext("programmée"),
        CampaignStatus.PAUSED: t.gettext("en pause"),
        CampaignStatus.CANCELLED: t.gettext("annulée"),  # a run's "cancelled" reads the same
        CampaignStatus.DONE: t.gettext("terminée"),  # and so does a run's "done"
        CampaignStatus.MISSED: t.gettext("manquée"),  # as is a run's "missed"
        RunStatus.SENDING: t.gettext("envoi en cours"),
    }
    return labels.get(status, status)


def figures_lines(t: Translator, figures: Figures) -> list[str]:
    """The run's figures, small counts hidden as on the dashboard (bot/domain/indicators/runs.py)."""
    shown = shown_figures(figures)

    def n(key: str) -> str:
        return value_text(t, shown[key])

    lines = [
        t.gettext("Destinataires : {count}").format(count=n("targeted")),
        t.gettext("Envoyés : {count}").format(count=n("sent")),
        t.gettext("En attente : {count}").format(count=n("pending")),
        t.gettext("Retenus par les heures calmes : {count}").format(count=n("held")),
        t.gettext("Échecs : {count}").format(count=n("failed")),
        t.gettext("Injoignables : {count}").format(count=n("unreachable")),
        t.gettext("Désinscrits : {count}").format(count=n("opted_out")),
        t.gettext("Plafond hebdomadaire atteint : {count}").format(count=n("capped")),
    ]
    # Shown only when they count someone: a hidden one may, so it is shown as hidden.
    if shown["paused"] != 0:
        lines.append(t.gettext("En pause : {count}").format(count=n("paused")))
    if shown["cancelled"] != 0:
        lines.append(t.gettext("Annulés : {count}").format(count=n("cancelled")))
    if shown["possible_duplicates"] != 0:
        lines.append(
            t.gettext("Peut-être reçus deux fois (arrêt pendant l'envoi) : {count}").format(
                count=n("possible_duplicates")
            )
        )
    return lines


def report_text(
    t: Translator,
    campaign: Campaign,
    run: CampaignRun,
    figures: Figures,
    *,
    now: datetime,
    zone: str,
    held_until: datetime | None = None,
) -> str:
    """The report; `zone` is the author's, for the times it shows."""
    title = html.escape(campaign.title)
    head = t.gettext("📤 <b>{title}</b> — envoi n° {number}").format(title=title, number=t.number(run.number))
    # A paused campaign's run is still open: the campaign's state is what the author needs to read.
    paused = run.status == RunStatus.SENDING and campaign.status == CampaignStatus.PAUSED
    state = status_label(t, CampaignStatus.PAUSED if paused else run.status)
    lines = [head, t.gettext("État : {status}").format(status=state), ""]
    lines += figures_lines(t, figures)
    if not paused:
        lines += held_lines(t, run, figures, held_until=held_until, zone=zone)
    lines += [
        "",
        "<i>"
        + t.gettext("Mis à jour à {time}").format(time=t.time(as_utc(now).astimezone(ZoneInfo(zone))))
        + "</i>",
    ]
    return "\n".join(lines)


def held_lines(
    t: Translator, run: CampaignRun, figures: Figures, *, held_until: datetime | None, zone: str
) -> list[str]:
    """When the messages held by quiet hours go out (the first of them), in `zone`; nothing when none is."""
    if held_until is None or not figures.held or run.status != RunStatus.SENDING:
        return []
    local = as_utc(held_until).astimezone(ZoneInfo(zone))
    text = t.gettext("Les messages retenus partiront le {date} à {time}.")
    return [text.format(date=t.date(local.date()), time=t.time(local))]


class ReportBoard:
    """Keeps each running campaign's progress message current without flooding the chat with edits."""

    def __init__(self, found: Services, notices: Notices) -> None:
        self.found, self.notices = found, notices
        self.bot = notices.bot
        self._edited: dict[int, float] = {}
        self._due: set[int] = set()  # runs whose latest change is not shown yet (an edit came too soon)

    async def _reader(self, chat_id: int) -> tuple[Translator, str]:
        """The author's language and time zone (their territory's; the coordination's when they have none)."""
        settings = self.found.settings
        async with self.found.database.session() as session:
            person = await get_person(session, chat_id=chat_id)
        territory = self.found.content.territories.get(person.territory) if person else None
        zone = territory.timezone if territory else settings.timezone
        return self.found.catalogs.get(person.language if person else settings.default_language), zone

    async def post(self, run_id: int) -> None:
        """A run's first progress message, in its creator's chat (the content files' series have none)."""
        async with self.found.database.session() as session:
            run = await run_outcomes.get_run(session, run_id)
            campaign = await campaigns.get_campaign(session, run.campaign_id) if run else None
            if run is None or campaign is None or not campaign.created_by:
                return
            figures = await run_outcomes.run_figures(session, run, now=self.found.clock())
            later = await run_outcomes.held_until(session, run, now=self.found.clock())
        t, zone = await self._reader(campaign.created_by)
        text = report_text(t, campaign, run, figures, now=self.found.clock(), zone=zone, held_until=later)
        # A report is a message too: it takes its place in the overall rate and in its chat's pace, and
        # the clock that posts it does not wait for that.
        self.notices.post(
            Notice(campaign.created_by, t.directed(text), on_sent=lambda sent: self._posted(run_id, sent))
        )

    async def _posted(self, run_id: int, sent: Message) -> None:
        """Keep the report's id to edit it; a run that ended while the report waited is shown at once."""
        async with self.found.database.session() as session:
            stored = await run_outcomes.get_run(session, run_id)
            if stored is None or sent.chat is None:
                return
            stored.report_chat, stored.report_message = sent.chat.id, sent.message_id
            session.add(stored)
            ended = stored.status != RunStatus.SENDING
        self._edited[run_id] = time.monotonic()
        if ended:
            await self._edit(run_id)
            self._edited.pop(run_id, None)
        else:  # it waited in the queue: what it says may have changed since (rows held, say)
            self._due.add(run_id)

    async def update(self, run_ids: set[int], *, finished: set[int]) -> None:
        now = time.monotonic()
        for run_id in run_ids | finished:
            if run_id not in finished and now - self._edited.get(run_id, 0.0) < EDIT_EVERY:
                self._due.add(run_id)  # shown by `flush` once the pause between edits is over
                continue
            self._due.discard(run_id)
            self._edited[run_id] = now
            await self._edit(run_id)
            if run_id in finished:
                self._edited.pop(run_id, None)

    async def flush(self) -> None:
        """Make the edits skipped for coming too soon, once their time has come: called when the sender
        has nothing to send, so that a run whose rows wait for the morning does not keep a stale report."""
        now = time.monotonic()
        for run_id in sorted(self._due):
            if now - self._edited.get(run_id, 0.0) >= EDIT_EVERY:
                self._due.discard(run_id)
                self._edited[run_id] = now
                await self._edit(run_id)

    async def refresh(self, campaign_id: int) -> None:
        """Show a coordinator's pause, resume or cancel in the campaign's progress messages at once."""
        async with self.found.database.session() as session:
            runs = await run_outcomes.runs_of(session, campaign_id)
        for run in runs[-1:]:  # the latest run: earlier ones ended and their reports with them
            if run.id is not None:
                self._due.discard(run.id)
                self._edited[run.id] = time.monotonic()
                await self._edit(run.id)
                if run.status != RunStatus.SENDING:  # cancelled: no batch will ever name it again
                    self._edited.pop(run.id, None)

    async def _edit(self, run_id: int) -> None:
        async with self.found.database.session() as session:
            run = await run_outcomes.get_run(session, run_id)
            campaign = await campaigns.get_campaign(session, run.campaign_id) if run else None
            if run is None or campaign is None or run.report_chat is None or run.report_message is None:
                return
            figures = await run_outcomes.run_figures(session, run, now=self.found.clock())
            later = await run_outcomes.held_until(session, run, now=self.found.clock())
        t, zone = await self._reader(run.report_chat)
        text = report_text(t, campaign, run, figures, now=self.found.clock(), zone=zone, held_until=later)
        try:
            await self.bot.edit_message_text(
                t.directed(text),
                chat_id=run.report_chat,
                message_id=run.report_message,
                parse_mode=ParseMode.HTML,
            )
        except TelegramError as error:  # "not modified", or the coordinator deleted the message
            log.debug("campaign report not edited: %s", type(error).__name__)
