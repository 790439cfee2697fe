"""The three ways to run the bot: long polling, webhook server, and the sandbox demo.

Each one opens the database, brings its schema up to date (serve only checks: the Procfile's release step
migrates), starts the Application, and on SIGTERM or SIGINT lets in-flight updates finish before closing.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from aiohttp import web
from sqlalchemy import func, select
from sqlmodel import SQLModel
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut

from bot import migrate
from bot.app import build_application, build_services, delivery_hooks
from bot.config import ConfigError, Settings
from bot.core.commands import publish_commands
from bot.core.context import BotApplication
from bot.core.subscribed import ALLOWED_UPDATES
from bot.dashboard import add_dashboard
from bot.dashboard.logs import RedactingAccessLogger
from bot.dashboard.verify import add_verification_routes
from bot.db import READ_ONLY, Database, write_problem
from bot.delivery.jobs import start_delivery, stop_delivery
from bot.delivery.sender import backoff_of
from bot.delivery.supervise import Task
from bot.services import Services, open_database
from bot.web import create_web_app

log = logging.getLogger(__name__)


def _add_referents(runner: web.AppRunner, found: Services) -> None:
    """In the sandbox, each territory's referents' chat is a user one can open in the chat page."""
    from sandbox.context import SANDBOX

    world = runner.app[SANDBOX].world
    settings = found.settings
    for territory in found.content.territories.values():
        chat = territory.referents_chat
        if chat is not None and chat > 0 and chat not in world.users:
            world.add_user(f"Référents — {territory.name(settings.default_language)}", "fr", id=chat)


async def _first_free_chat_id(settings: Settings) -> int:
    """The sandbox forgets its users when it stops, the database does not: new users must get ids the
    database has never seen, or a stranger inherits an earlier user's profile ("Bon retour")."""
    from sandbox.state import FIRST_USER_ID

    database = open_database(settings)
    try:
        await prepare_database(database, migrate_schema=True)
        highest = 0
        async with database.session() as session:
            for table in SQLModel.metadata.sorted_tables:
                if "chat_id" in table.columns:
                    found = await session.scalar(select(func.max(table.columns["chat_id"])))
                    highest = max(highest, found or 0)
    finally:
        await database.close()
    return max(FIRST_USER_ID, highest + 1)


SANDBOX_TOKEN = "123456789:sandbox-token-for-local-runs-only"


def stop_event() -> asyncio.Event:
    """Set on SIGTERM or SIGINT: the signal to shut down gracefully."""
    event = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, event.set)
    return event


async def prepare_database(database: Database, *, migrate_schema: bool) -> None:
    """Migrate (or check) the schema, turning any failure into one line about DATABASE_URL."""
    try:
        if migrate_schema:
            await migrate.upgrade(database)
        elif not await migrate.is_current(database):
            raise ConfigError(
                "DATABASE_URL: the schema is not up to date; run `python -m bot db upgrade` first."
            )
        # A read-only file answered reads and failed every write with the apology: refused here instead.
        # (A write lock held by another process is no reason to stop: the writes wait and retry.)
        if await write_problem(database.engine) == READ_ONLY:
            raise ConfigError("DATABASE_URL: the database is read-only; the bot needs to write to it.")
    except ConfigError:
        raise
    except (OSError, ConnectionError) as error:
        raise ConfigError(f"DATABASE_URL: cannot reach the database ({type(error).__name__}).") from None
    except Exception as error:  # SQLAlchemy and driver errors differ by backend; all mean the same here
        first_line = str(error).strip().splitlines()[0][:160] if str(error).strip() else ""
        raise ConfigError(
            f"DATABASE_URL: cannot use the database ({type(error).__name__}: {first_line})."
        ) from None


@asynccontextmanager
async def running(found: Services, *, token: str, timers: bool = True) -> AsyncIterator[BotApplication]:
    """An initialised, started Application; stopped so that queued updates are processed first.

    `timers=False` keeps the JobQueue's jobs (the campaign clock, reminders, retention) scheduled as usual
    but never fired by the scheduler: only by the caller, with `job.run(app)` or `tick(app)`. Tests that
    move `found.clock` by hand need this: a timer firing on real time would read their clock at a moment
    they did not choose (a drip due after a jump of a day, say, landing in the middle of a conversation).
    """
    app = build_application(found, token=token)
    try:
        await _telegram_call(app.initialize())
        try:
            await _telegram_call(publish_commands(app.bot, found.catalogs, found.settings.default_language))
            if not timers and app.job_queue is not None:
                # Started paused before app.start(), which then leaves the running scheduler alone: not
                # one job can fire in between.
                app.job_queue.scheduler.start(paused=True)
            await app.start()
            # Once started, the Application is stopped whatever fails after: shutting down a running one
            # raises "This Application is still running!", which hid the real error and exited 1.
            # Days of use and anonymous counts noted by updates, written apart from the replies
            # (bot/domain/activity.py, bot/domain/tallies.py).
            retried = backoff_of(found)  # RETRY_MAX_SECONDS, like the other background work
            activity = asyncio.create_task(
                found.activity.run(found.database, Task(found.activity.what, retried)), name="activity"
            )
            tallies = asyncio.create_task(
                found.tallies.run(found.database, Task(found.tallies.what, retried)), name="tallies"
            )
            try:
                await start_delivery(app, delivery_hooks(app))
                yield app
            finally:
                if app.updater is not None and app.updater.running:
                    await app.updater.stop()
                # The updates already received are handled first, while the sender, its notices queue and
                # the lease are still there: handlers queue approval requests and wake the sender.
                try:
                    await app.stop()
                finally:
                    await stop_delivery(app)  # the batch being sent is finished and recorded
                    # What the last updates noted is written once they are handled; a failure loses
                    # those notes only.
                    try:
                        await found.activity.stop(activity, found.database)
                    finally:
                        await found.tallies.stop(tallies, found.database)
        finally:
            await app.shutdown()
    finally:
        await found.database.close()


async def _telegram_call(call: Awaitable[object]) -> None:
    """Start-up calls to the Bot API; their failures become one line that never shows the token."""
    try:
        await call
    except InvalidToken:
        raise ConfigError("TELEGRAM_BOT_TOKEN: Telegram refused this token (revoked or mistyped?).") from None
    except (NetworkError, TimedOut):
        raise ConfigError("TELEGRAM_API_URL: cannot reach the Bot API server.") from None
    except TelegramError as error:
        raise ConfigError(f"Telegram refused a start-up call: {error.message}") from None


async def run_polling(
    settings: Settings,
    *,
    token: str,
    on_ready: Callable[[Services], None] | None = None,
    stop: asyncio.Event | None = None,
    dashboard_socket: socket.socket | None = None,
) -> None:
    """Long polling; the web app without its webhook (/healthz, /metrics, /verify, the dashboard) serves on
    `dashboard_socket` (the demo), or on PORT when DASHBOARD_URL is set (a deployment that polls)."""
    found = build_services(settings)
    await prepare_database(found.database, migrate_schema=True)
    stop = stop or stop_event()
    async with running(found, token=token) as app:
        assert app.updater is not None
        await app.bot.delete_webhook()
        await app.updater.start_polling(allowed_updates=list(ALLOWED_UPDATES), timeout=20)
        web_runner = None
        if dashboard_socket is not None or settings.dashboard_url:
            web_runner = web.AppRunner(
                serving_app(app, found, webhook=False),
                handle_signals=False,
                access_log_class=RedactingAccessLogger,
            )
            await web_runner.setup()
            try:
                if dashboard_socket is not None:
                    await web.SockSite(web_runner, dashboard_socket).start()
                else:
                    await web.TCPSite(web_runner, "0.0.0.0", settings.port).start()
            except OSError:
                await web_runner.cleanup()
                raise ConfigError(
                    f"PORT: cannot listen on port {settings.port} for the dashboard (address in use or "
                    "not allowed)."
                ) from None
        try:
            log.info("Repères is running (long polling)")
            if on_ready is not None:
                on_ready(found)
            await stop.wait()
        finally:
            if web_runner is not None:
                await web_runner.cleanup()
    log.info("Repères stopped")


def serving_app(app: BotApplication, found: Services, *, webhook: bool) -> web.Application:
    """The webhook (unless polling), /healthz, /metrics, /verify, and the dashboard (when DASHBOARD_URL is
    set)."""
    settings = found.settings
    web_app = create_web_app(
        app,
        secret=settings.webhook_secret if webhook else None,
        webhook_path=settings.webhook_path if webhook else None,
    )
    # The public check of a certificate's code, whether or not the dashboard is set up.
    add_verification_routes(web_app, app)
    if settings.dashboard_url and settings.dashboard_secret:
        add_dashboard(web_app, found, base_url=settings.dashboard_url, secret=settings.dashboard_secret)
    return web_app


async def run_webhook(
    settings: Settings, *, stop: asyncio.Event | None = None, on_ready: Callable[[], None] | None = None
) -> None:
    if not settings.telegram_bot_token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is missing: serve talks to Telegram and needs the bot's token.")
    if not settings.webhook_url:
        raise ConfigError("WEBHOOK_URL is missing: serve needs the public https URL Telegram will call.")
    if not settings.webhook_secret:
        raise ConfigError("WEBHOOK_SECRET is missing: serve needs 1 to 256 characters among A-Z a-z 0-9 _ -.")
    found = build_services(settings)
    await prepare_database(found.database, migrate_schema=False)
    stop = stop or stop_event()
    async with running(found, token=settings.telegram_bot_token) as app:
        runner = web.AppRunner(
            serving_app(app, found, webhook=True),
            handle_signals=False,
            access_log_class=RedactingAccessLogger,
        )
        await runner.setup()
        try:
            # Listen first, then tell Telegram: its first deliveries must find the server up.
            try:
                await web.TCPSite(runner, "0.0.0.0", settings.port).start()
            except OSError:
                raise ConfigError(
                    f"PORT: cannot listen on port {settings.port} (address in use or not allowed)."
                ) from None
            await _telegram_call(
                app.bot.set_webhook(
                    settings.webhook_url,
                    secret_token=settings.webhook_secret,
                    allowed_updates=list(ALLOWED_UPDATES),
                )
            )
            log.info("Repères is serving the webhook on port %d", settings.port)
            if on_ready is not None:
                on_ready()
            await stop.wait()
        finally:
            await runner.cleanup()  # stop accepting, finish the requests under way
    log.info("Repères stopped")


async def run_demo(
    settings: Settings,
    *,
    host: str,
    port: int,
    enforce_limits: bool = False,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """The sandbox's Bot API and chat page, and the bot talking to it: no Telegram account needed."""
    try:
        # A package of its own, installed for development and demos but not shipped with the bot.
        from sandbox.server import start_sandbox
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] != "sandbox":
            raise
        raise ConfigError(
            "the sandbox is not installed: run `make run` or `pip install -e ./sandbox`, "
            "or set TELEGRAM_BOT_TOKEN."
        ) from None

    first_user_id = await _first_free_chat_id(settings)
    try:
        runner, base_url = await start_sandbox(
            host, port, enforce_limits=enforce_limits, first_user_id=first_user_id
        )
    except OSError:
        raise ConfigError(f"PORT: cannot listen on {host}:{port} (address in use or not allowed).") from None
    try:
        # The dashboard on the next port (any free one when the sandbox's was), bound now so that its
        # address is known before the bot sends its first login link.
        dashboard_socket = _listen(host, port + 1 if 0 < port < 65535 else 0)
        dashboard_url = f"http://{host}:{dashboard_socket.getsockname()[1]}"
        local = settings.model_copy(
            update={
                "telegram_api_url": base_url,
                "dashboard_url": dashboard_url,
                # A secret of this run's when none is set: logins do not outlive the demo.
                "dashboard_secret": settings.dashboard_secret or secrets.token_urlsafe(32),
            }
        )

        def announce(found: Services) -> None:
            _add_referents(runner, found)  # from the content the bot loaded, not a second reading
            print(
                f"Repères sandbox: open {base_url}/ in a browser to chat with the bot (Ctrl+C to stop).\n"
                f"Coordinators' dashboard: {dashboard_url}/dashboard/ (send /dashboard to the bot as a "
                "coordinator for a login link).",
                flush=True,
            )
            if on_ready is not None:
                on_ready(base_url)

        with dashboard_socket:
            await run_polling(
                local, token=SANDBOX_TOKEN, on_ready=announce, stop=stop, dashboard_socket=dashboard_socket
            )
    finally:
        await runner.cleanup()


def _listen(host: str, port: int) -> socket.socket:
    try:
        return socket.create_server((host, port), reuse_port=False)
    except OSError:
        raise ConfigError(
            f"PORT: cannot listen on {host}:{port} for the dashboard (address in use?)."
        ) from None
