"""`serve`: the webhook behind a secret, /healthz and /metrics, with the sandbox delivering updates."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest

from bot.config import ConfigError
from bot.db import Database
from bot.runner import SANDBOX_TOKEN, run_webhook
from sandbox.client import SandboxClient
from sandbox.server import start_sandbox
from tests.conftest import HANG, last, make_settings

SECRET = "s3cret_token-for-tests"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    url: str
    client: SandboxClient
    http: aiohttp.ClientSession


@pytest.fixture
async def served(database: Database, database_url: str) -> AsyncIterator[Served]:
    runner, base_url = await start_sandbox("127.0.0.1", 0)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = make_settings(
        telegram_api_url=base_url,
        telegram_bot_token=SANDBOX_TOKEN,
        database_url=database_url,
        webhook_url=f"{url}/hook/telegram",
        webhook_secret=SECRET,
        port=port,
    )
    stop = asyncio.Event()
    ready = asyncio.Event()
    task = asyncio.create_task(run_webhook(settings, stop=stop, on_ready=ready.set))
    await asyncio.wait_for(ready.wait(), HANG)
    async with SandboxClient(base_url) as client, aiohttp.ClientSession() as http:
        yield Served(url=url, client=client, http=http)
    stop.set()
    await asyncio.wait_for(task, HANG)
    await runner.cleanup()


async def test_updates_arrive_through_the_webhook(served: Served) -> None:
    webhook = await served.client.webhook()
    assert webhook["url"].endswith("/hook/telegram")
    user = await served.client.new_user("Webhook", "fr")
    await user.send("/start")
    message = await last(user)
    assert message is not None and "Choisissez votre langue" in message["text"]


async def test_wrong_or_missing_secret_is_refused_before_the_body_is_read(served: Served) -> None:
    big = b"x" * (2 * 1024 * 1024)  # over the body limit: reading it would fail differently
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
        async with served.http.post(f"{served.url}/hook/telegram", data=big, headers=headers) as reply:
            assert reply.status == 403
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with served.http.post(f"{served.url}/hook/telegram", data=b"{not json", headers=headers) as reply:
        assert reply.status == 400
    async with served.http.get(f"{served.url}/metrics") as reply:
        metrics = await reply.text()
    assert 'reperes_webhook_rejected_total{reason="secret"}' in metrics
    assert 'reperes_webhook_rejected_total{reason="malformed"}' in metrics


async def test_health_and_metrics(served: Served) -> None:
    user = await served.client.new_user("Metrics", "en")
    await user.send("hello")
    async with served.http.get(f"{served.url}/healthz") as reply:
        assert reply.status == 200
        body = await reply.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["sender"]["running"] and body["sender"]["consecutive_failures"] == 0
    async with served.http.get(f"{served.url}/metrics") as reply:
        assert reply.status == 200
        text = await reply.text()
    assert 'reperes_updates_total{kind="message"}' in text


async def test_serve_refuses_a_database_without_the_schema(empty_database_url: str) -> None:
    settings = make_settings(
        telegram_bot_token=SANDBOX_TOKEN,
        database_url=empty_database_url,
        webhook_url="https://bot.example.fr/telegram",
        webhook_secret=SECRET,
    )
    with pytest.raises(ConfigError, match="schema is not up to date"):
        await run_webhook(settings, stop=asyncio.Event())
