"""A deployment that polls (`run` with a token) serves the dashboard too when DASHBOARD_URL is set: on PORT,
beside /healthz, /metrics and the public certificate check, and stops with the bot."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp

from bot.runner import SANDBOX_TOKEN, run_polling
from bot.services import Services
from sandbox.server import start_sandbox
from tests.conftest import make_settings

SECRET = "s" * 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_run_serves_the_dashboard_on_port_when_it_is_configured(tmp_path: Path) -> None:
    sandbox, base_url = await start_sandbox("127.0.0.1", 0)
    port = free_port()
    settings = make_settings(
        telegram_api_url=base_url,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        dashboard_url=f"http://127.0.0.1:{port}",
        dashboard_secret=SECRET,
        port=port,
    )
    ready, stop = asyncio.Event(), asyncio.Event()

    def on_ready(found: Services) -> None:
        ready.set()

    bot = asyncio.create_task(run_polling(settings, token=SANDBOX_TOKEN, on_ready=on_ready, stop=stop))
    try:
        await asyncio.wait_for(ready.wait(), 60)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as health:
                assert health.status == 200
            async with http.get(f"http://127.0.0.1:{port}/dashboard/overview") as page:
                assert page.status == 401  # served, and closed to strangers
            async with http.get(f"http://127.0.0.1:{port}/verify") as verify:
                assert verify.status == 200
    finally:
        stop.set()
        await asyncio.wait_for(bot, 60)
        await sandbox.cleanup()
