"""The aiohttp application of `serve`: the Telegram webhook, /healthz and /metrics.

The webhook checks `X-Telegram-Bot-Api-Secret-Token` before it reads the body, so a stranger cannot make
the bot parse anything.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from telegram import Update

from bot import metrics
from bot.core.context import BotApplication
from bot.delivery.health import sender_state

log = logging.getLogger(__name__)

APPLICATION = web.AppKey("application", BotApplication)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024


def create_web_app(application: BotApplication, *, secret: str, webhook_path: str) -> web.Application:
    app = web.Application(client_max_size=MAX_UPDATE_BYTES)
    app[APPLICATION] = application
    app.add_routes(
        [
            web.post(webhook_path, _webhook(secret)),
            web.get("/healthz", _healthz),
            web.get("/metrics", _metrics),
        ]
    )
    return app


def _webhook(secret: str):  # type: ignore[no-untyped-def]
    expected = secret.encode()

    async def handle(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            metrics.WEBHOOK_REJECTED.labels(reason="secret").inc()
            return web.json_response({"ok": False, "description": "Forbidden"}, status=403)
        application = request.app[APPLICATION]
        try:
            payload = await request.json()
            if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(payload, application.bot)
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError, KeyError, ValueError, AttributeError):
            metrics.WEBHOOK_REJECTED.labels(reason="malformed").inc()
            return web.json_response({"ok": False, "description": "Bad Request"}, status=400)
        await application.update_queue.put(update)
        return web.json_response({"ok": True})

    return handle


async def _healthz(request: web.Request) -> web.Response:
    database = request.app[APPLICATION].bot_data.services.database
    try:
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # any database failure makes the instance unhealthy, whatever its type
        log.warning("health check: database unreachable (%s)", type(error).__name__)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    # The sender's state (bot/delivery/health.py): a stopped or long-failing sender makes it unhealthy.
    sender = await _sender(request)
    if sender is not None and not sender["healthy"]:
        return web.json_response({"status": "unavailable", "database": "ok", "sender": sender}, status=503)
    return web.json_response({"status": "ok", "database": "ok", "sender": sender})


async def _sender(request: web.Request) -> dict[str, object] | None:
    application = request.app[APPLICATION]
    try:
        return await sender_state(application.bot_data.sender, application.bot_data.services)
    except Exception as error:  # the database check above speaks for the database
        log.warning("health check: sender state unavailable (%s)", type(error).__name__)
        return None


async def _metrics(request: web.Request) -> web.Response:
    await _sender(request)  # sets the sender's gauges
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})
