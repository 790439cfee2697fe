"""The aiohttp application of `serve`: the Telegram webhook, /healthz and /metrics (and the dashboard,
which the runner mounts on it: bot/dashboard/).

The webhook checks `X-Telegram-Bot-Api-Secret-Token` before it reads the body, so a stranger cannot make
the bot parse anything. Even with the secret, a body that is not an update (not JSON, nested deeper than
any update, an `update_id` that is not a number) is answered 400 before it reaches PTB. Kinds of update the
bot did not subscribe to are accepted and then dropped where polled ones are (bot/core/subscribed.py).
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from telegram import Update
from telegram.constants import UpdateType

from bot import metrics
from bot.core.context import BotApplication
from bot.db import write_problem
from bot.delivery.health import sender_state

log = logging.getLogger(__name__)

APPLICATION = web.AppKey("application", BotApplication)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024
# Telegram's updates nest about ten levels (a button in a row of a keyboard in a message in a button press);
# past this, the body is not an update, and the parsers (PTB's and the handlers') need not recurse that far.
MAX_DEPTH = 32
# update_id is an Integer of the Bot API: 32 bits, and it counts up from a positive number.
MAX_UPDATE_ID = 2**31 - 1
# What PTB's `de_json` raises on JSON of the right shape but wrong content (a string for a chat, a date
# past year 9999...): each only means the body is no update.
_MALFORMED = (TypeError, KeyError, ValueError, AttributeError, OverflowError, OSError)


def create_web_app(
    application: BotApplication, *, secret: str | None, webhook_path: str | None
) -> web.Application:
    """The application; without a secret, no webhook route (the demo polls, and serves only the rest)."""
    app = web.Application(client_max_size=MAX_UPDATE_BYTES)
    app[APPLICATION] = application
    if secret is not None and webhook_path is not None:
        app.add_routes([web.post(webhook_path, _webhook(secret))])
    app.add_routes([web.get("/healthz", _healthz), web.get("/metrics", _metrics)])
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
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:  # over MAX_UPDATE_BYTES: aiohttp's own 413
            metrics.WEBHOOK_REJECTED.labels(reason="too_large").inc()
            raise
        payload = read_update(body)
        try:
            update = None if payload is None else Update.de_json(payload, application.bot)
        except _MALFORMED:
            update = None
        if update is None:
            metrics.WEBHOOK_REJECTED.labels(reason="malformed").inc()
            return web.json_response({"ok": False, "description": "Bad Request"}, status=400)
        await application.update_queue.put(update)
        return web.json_response({"ok": True})

    return handle


def read_update(body: bytes) -> dict[str, Any] | None:
    """The body as an update's JSON object, or None: an object, no deeper than MAX_DEPTH, with a real
    `update_id` (JSON's `true` is an int to Python, and a bool is no id) and objects for its kinds."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        # JSON's own parser recurses (in C) into each array and object: past Python's recursion limit, it
        # stops with RecursionError, a body nested thousands deep that no update is.
        return None
    if not isinstance(payload, dict) or _deeper_than(payload, MAX_DEPTH):
        return None
    update_id = payload.get("update_id")
    if type(update_id) is not int or not 0 <= update_id <= MAX_UPDATE_ID:
        return None
    if any(payload.get(kind) is not None and not isinstance(payload[kind], dict) for kind in UpdateType):
        return None
    return payload


def _deeper_than(value: dict[str, Any], limit: int) -> bool:
    """Level by level, without recursion: arrays and objects at depth `limit + 1` or more?"""
    level: list[Any] = [value]
    for _ in range(limit):
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


async def _healthz(request: web.Request) -> web.Response:
    database = request.app[APPLICATION].bot_data.services.database
    try:
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # any database failure makes the instance unhealthy, whatever its type
        log.warning("health check: database unreachable (%s)", type(error).__name__)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    # Reads alone do not show a read-only database, which answers every write with the apology.
    write = await write_problem(database.engine) or "ok"
    if write not in ("ok", "locked"):  # a lock is another writer, busy: the writes wait their turn
        log.warning("health check: the database does not take writes (%s)", write)
        return web.json_response(
            {"status": "unavailable", "database": "ok", "database_write": write}, status=503
        )
    # The sender's state (bot/delivery/health.py): a stopped or long-failing sender makes it unhealthy.
    sender = await _sender(request)
    body = {"database": "ok", "database_write": write, "sender": sender}
    if sender is not None and not sender["healthy"]:
        return web.json_response({"status": "unavailable", **body}, status=503)
    return web.json_response({"status": "ok", **body})


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
