"""Assemble the sandbox: the fake Bot API, the control API, the chat page; and start it on a port."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from sandbox import botapi, control
from sandbox.context import SANDBOX, Sandbox
from sandbox.limits import RateLimiter
from sandbox.state import FIRST_USER_ID, World
from sandbox.webhook import deliver_updates

STATIC_DIR = Path(__file__).parent / "static"
# Telegram accepts uploads up to 50 MB; leave room for the multipart envelope.
CLIENT_MAX_SIZE = botapi.MAX_UPLOAD_BYTES + 1024 * 1024
SHUTDOWN_TIMEOUT = 5.0


async def _background(app: web.Application) -> AsyncIterator[None]:
    sandbox = app[SANDBOX]
    async with aiohttp.ClientSession() as session:
        sandbox.http = session
        task = asyncio.create_task(deliver_updates(sandbox), name="sandbox-webhook-delivery")
        yield
        sandbox.world.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sandbox.http = None


async def _release_long_polls(app: web.Application) -> None:
    # Long polls would otherwise hold the shutdown for their whole timeout.
    app[SANDBOX].world.close()


async def _page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "chat.html")


def create_sandbox_app(
    *,
    enforce_limits: bool = False,
    bot_username: str = "reperes_sandbox_bot",
    first_user_id: int = FIRST_USER_ID,
    latency_ms: float = 0.0,
) -> web.Application:
    app = web.Application(client_max_size=CLIENT_MAX_SIZE)
    world = World(bot_username, first_user_id=first_user_id)
    app[SANDBOX] = Sandbox(world=world, limiter=RateLimiter(enabled=enforce_limits), latency_ms=latency_ms)
    app.cleanup_ctx.append(_background)
    app.on_shutdown.append(_release_long_polls)
    botapi.add_routes(app)
    control.add_routes(app)
    app.router.add_get("/", _page)
    app.router.add_static("/static", STATIC_DIR)
    return app


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


async def start_sandbox(host: str, port: int, **kw: Any) -> tuple[web.AppRunner, str]:
    """Start the sandbox; return its runner (call `cleanup()` to stop) and base URL.

    Keyword arguments go to `create_sandbox_app`. Port 0 picks a free port.
    """
    runner = web.AppRunner(create_sandbox_app(**kw), shutdown_timeout=SHUTDOWN_TIMEOUT, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    real_port = runner.addresses[0][1]
    return runner, f"http://{_url_host(host)}:{real_port}"
