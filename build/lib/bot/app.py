"""Build the python-telegram-bot Application: services, handlers in one ordered block, jobs."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults, TypeHandler

from bot import metrics
from bot.aiohttp_request import AiohttpRequest
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.content.loader import load_content
from bot.content.problems import Report
from bot.db import Database
from bot.domain.campaigns import purge_delivered
from bot.domain.privacy import purge_inactive
from bot.domain.tickets import purge_closed
from bot.handlers import (
    campaign_admin,
    campaign_composer,
    coordination,
    coordinators,
    directory,
    fallback,
    menu,
    myths,
    onboarding,
    privacy,
    resources,
    search,
    settings,
    tickets,
    training,
    training_reminders,
    worried,
)
from bot.handlers.common import SERVICES_KEY, BotApplication, services
from bot.i18n import Catalogs
from bot.services import Services

log = logging.getLogger(__name__)
# Who received which campaign, kept past the weekly cap's 7 days for the reports, then deleted.
DELIVERY_RECORDS = timedelta(days=30)


class ContentInvalid(Exception):
    def __init__(self, report: Report) -> None:
        super().__init__(f"{len(report.errors)} error(s) in the content")
        self.report = report


def build_services(settings: Settings, database: Database | None = None) -> Services:
    """Load and check content and catalogs; raise ContentInvalid rather than start on broken content."""
    pack, report = load_content(settings.content_dir, SUPPORTED_LANGUAGES)
    if report.errors:
        raise ContentInvalid(report)
    for warning in report.warnings:
        log.warning("content: %s", warning)
    return Services(
        settings=settings,
        database=database or Database(settings.database_url),
        content=pack,
        catalogs=Catalogs(SUPPORTED_LANGUAGES),
    )


async def _count_update(update: object, _context: ContextTypes.DEFAULT_TYPE) -> None:
    if isinstance(update, Update):
        metrics.UPDATES.labels(kind=metrics.update_kind(update)).inc()


def register_handlers(app: BotApplication) -> None:
    app.add_handler(TypeHandler(Update, _count_update), group=-1)  # counts every update, then goes on
    # Order matters: specific commands and buttons first, the catch-all answers last.
    onboarding.register(app)  # /start and the onboarding buttons
    menu.register(app)  # /menu, /help, content pages
    resources.register(app)  # resources for parents, by topic
    myths.register(app)  # myth-busting cards and the quiz
    directory.register(app)  # local help directory, helplines, nearest by location
    worried.register(app)  # "I am worried about my child": a guided path
    tickets.register(app)  # requests to be contacted by a professional, and reminders
    training.register(app)  # professionals' micro-trainings, certificates, /verify
    training_reminders.register(app)  # spaced review and nudges, outside quiet hours
    coordination.register(app)  # coordinators: /invite, /training_stats
    coordinators.register(app)  # /grant, /revoke, /coordinators, /audit
    campaign_composer.register(app)  # /campaign, the draft card, and the coordinator's typed input
    campaign_admin.register(app)  # /campaigns, reports, approval, pause, resume, cancel
    search.register(app)  # typed text searches resources, cards and services
    settings.register(app)  # /settings, /language, /stop
    privacy.register(app)  # /privacy, /forget, export
    fallback.register(app)  # unknown commands, free text, stale buttons, errors


async def purge_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Delete people who have not used the bot for RETENTION_DAYS, as the privacy notice promises."""
    found = services(context)
    cutoff = found.clock().date() - timedelta(days=found.settings.retention_days)
    closed_before = found.clock() - timedelta(days=found.settings.ticket_retention_days)
    async with found.database.session() as session:
        deleted = await purge_inactive(session, last_active_before=cutoff)
        await purge_closed(session, closed_before=closed_before)
        await purge_delivered(session, finished_before=found.clock() - DELIVERY_RECORDS)
    if deleted:
        log.info("retention: %d inactive people deleted", deleted)


def build_application(found: Services, *, token: str) -> BotApplication:
    api = found.settings.telegram_api_url
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .defaults(Defaults(block=True))
    )
    if found.settings.http_client == "aiohttp":
        # The same pools as PTB's defaults: 256 connections for calls, one for the long poll.
        builder = builder.request(AiohttpRequest())
        builder = builder.get_updates_request(AiohttpRequest(connection_pool_size=1))
    app = builder.build()
    app.bot_data[SERVICES_KEY] = found
    register_handlers(app)
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            purge_job, interval=timedelta(hours=24), first=timedelta(minutes=1), name="retention"
        )
    return app
