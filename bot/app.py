"""Build the python-telegram-bot Application: services, the features' handlers in one ordered block, jobs,
and the hooks delivery calls the features through."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update
from telegram.ext import ApplicationBuilder, Defaults, JobQueue, TypeHandler

from bot import metrics
from bot.aiohttp_request import AiohttpRequest
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.content.loader import load_content
from bot.content.problems import Report
from bot.core import fallback, subscribed, text_router
from bot.core.context import CONTEXT_TYPES, BotApplication, CustomContext
from bot.core.incoming import ReperesApplication
from bot.core.replies import ReplyRetries
from bot.core.updates import ChatOrderedProcessor
from bot.db import Database
from bot.delivery.hooks import Hooks, Notice
from bot.domain.conversations import purge_expired
from bot.domain.dashboard_access import purge_logins
from bot.domain.grants import purge_links
from bot.domain.run_outcomes import purge_delivered
from bot.features.campaigns import admin as campaign_admin
from bot.features.campaigns import composer as campaign_composer
from bot.features.campaigns.approval import ask_approval
from bot.features.consultations import residents as consultations
from bot.features.consultations import staff as consultation_staff
from bot.features.contact import relay, tickets
from bot.features.contact.ticket_store import purge_closed
from bot.features.coordination import approvals, coordinators, grants
from bot.features.coordination import dashboard as dashboard_link
from bot.features.coordination import invites as coordination
from bot.features.coordination.coordinators import tell_coordinators
from bot.features.families import directory, myths, resources, safeguarding, search, worried
from bot.features.families.items import render_item
from bot.features.people import menu, onboarding, privacy, settings
from bot.features.people.personal_data import purge_inactive
from bot.features.residents import contacts as resident_contacts
from bot.features.trainings import certificates
from bot.features.trainings import modules as training
from bot.features.trainings import reminders as training_reminders
from bot.features.youth import space as youth
from bot.i18n import Catalogs
from bot.models import Campaign
from bot.services import Services, open_database

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
        database=database or open_database(settings),
        content=pack,
        catalogs=Catalogs(SUPPORTED_LANGUAGES),
    )


async def _count_update(update: object, _context: CustomContext) -> None:
    if isinstance(update, Update):
        metrics.UPDATES.labels(kind=metrics.update_kind(update)).inc()


def register_handlers(app: BotApplication) -> None:
    subscribed.register(app)  # first of all: kinds of update the bot did not ask for are dropped unread
    app.add_handler(TypeHandler(Update, _count_update), group=-1)  # counts every update, then goes on
    # Order matters: specific commands and buttons first, the catch-all answers last.
    onboarding.register(app)  # /start and the onboarding buttons
    menu.register(app)  # /menu, /help, content pages
    resources.register(app)  # resources for parents, by topic
    myths.register(app)  # myth-busting cards and the quiz
    youth.register(app)  # the youth space, which stores nothing: /start jeunes and its buttons
    directory.register(app)  # local help directory, helplines, nearest by location
    worried.register(app)  # "I am worried about my child": a guided path
    safeguarding.register(app)  # a child threatened, missing or exploited; /crip
    resident_contacts.register(app)  # residents: who to talk to locally
    tickets.register(app)  # requests to be contacted by a professional, and reminders
    training.register(app)  # professionals' micro-trainings, certificates, /verify
    training_reminders.register(app)  # spaced review and nudges, outside quiet hours
    coordination.register(app)  # coordinators: /invite, /training_stats
    coordinators.register(app)  # /revoke, /coordinators, /audit
    grants.register(app)  # /grant's "become a coordinator" link, its approval, /name
    dashboard_link.register(app)  # /dashboard: a single-use login link to the web dashboard
    campaign_composer.register(app)  # /campaign, the draft card, and the coordinator's typed input
    campaign_admin.register(app)  # /campaigns, reports, approval, pause, resume, cancel
    consultations.register(app)  # /consultations: residents answer; the staff's buttons share its prefix
    consultation_staff.register(app)  # /consultation: coordinators write, publish, close, read, tag
    # Who gets typed text, from the chat's conversation in the database; a command or a button ends a wait
    # for one typed answer first. After every other message handler (a shared location goes to directory).
    text_router.register(
        app,
        text_router.TextRoutes(
            composer=campaign_composer.on_input,  # a draft waits for its message, title, date or time
            certificate_name=certificates.certificate_name,  # the name to print on a certificate
            relay=relay.relay,  # a referent took the person's request: the two sides write to each other
            coordinator_name=approvals.typed_name,  # a "become a coordinator" link: the name to show
            idea=consultations.typed_idea,  # a consultation's idea box: the idea, kept without its author
            search=search.search,  # no conversation: typed text searches resources, cards and services
            other=fallback.other_message,  # no conversation: files and stickers get a short answer
        ),
    )
    settings.register(app)  # /settings, /language, /stop
    privacy.register(app)  # /privacy, /forget, export
    fallback.register(app)  # unknown commands, stale buttons, errors


async def purge_job(context: CustomContext) -> None:
    """Delete people who have not used the bot for RETENTION_DAYS, as the privacy notice promises."""
    found = context.services
    cutoff = found.clock().date() - timedelta(days=found.settings.retention_days)
    closed_before = found.clock() - timedelta(days=found.settings.ticket_retention_days)
    await found.activity.flush(found.database)  # the days of use noted but not yet written count too
    async with found.database.session() as session:
        deleted = await purge_inactive(session, last_active_before=cutoff, pepper=found.idea_pepper)
        await purge_closed(session, closed_before=closed_before)
        await purge_delivered(session, finished_before=found.clock() - DELIVERY_RECORDS)
        await purge_expired(session, now=found.clock())
        await purge_links(session, now=found.clock())  # "become a coordinator" links a month after expiry
        await purge_logins(session, now=found.clock())  # the dashboard's expired links and sessions
    if deleted:
        log.info("retention: %d inactive people deleted", deleted)


def build_application(found: Services, *, token: str) -> BotApplication:
    api = found.settings.telegram_api_url
    builder = (
        ApplicationBuilder()
        .application_class(ReperesApplication)  # cleans every update first (bot/core/incoming.py)
        .context_types(CONTEXT_TYPES)
        .job_queue(JobQueue[CustomContext]())  # typed with this context, like the handlers
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .defaults(Defaults(block=True))
        .concurrent_updates(ChatOrderedProcessor(found.settings.concurrent_updates))
        .rate_limiter(ReplyRetries())  # retries replies on a passing fault, names a chat that is gone
    )
    if found.settings.http_client == "aiohttp":
        # The same pools as PTB's defaults: 256 connections for calls, one for the long poll.
        builder = builder.request(AiohttpRequest())
        builder = builder.get_updates_request(AiohttpRequest(connection_pool_size=1))
    app = builder.build()
    app.bot_data.services = found
    register_handlers(app)
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            purge_job, interval=timedelta(hours=24), first=timedelta(minutes=1), name="retention"
        )
        # Consultations close at their closing moment; answers after it are refused even before this runs.
        app.job_queue.run_repeating(
            consultation_staff.close_job,
            interval=timedelta(minutes=1),
            first=timedelta(seconds=30),
            name="consultations",
        )
    return app


def delivery_hooks(app: BotApplication) -> Hooks:
    """What delivery calls back into: the features' item cards, approval requests and coordinator notices."""
    found = app.bot_data.services

    async def ask(campaign: Campaign, recipients: int) -> None:
        await ask_approval(app, found, campaign, recipients)

    async def tell(text: Notice) -> None:
        await tell_coordinators(app, found, text)

    return Hooks(render_item=render_item, ask_approval=ask, tell_coordinators=tell)
