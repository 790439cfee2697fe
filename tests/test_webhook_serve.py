"""`serve`: the webhook behind a secret, /healthz and /metrics, with the sandbox delivering updates."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from prometheus_client import REGISTRY

from bot.config import ConfigError
from bot.core.subscribed import ALLOWED_UPDATES
from bot.db import Database
from bot.runner import SANDBOX_TOKEN, run_webhook
from sandbox.client import SandboxClient
from sandbox.server import start_sandbox
from tests.conftest import HANG, last, make_settings
from tests.forged_support import POSTED_KINDS, forged

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
    assert body["status"] == "ok" and body["database"] == "ok" and body["database_write"] == "ok"
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


async def post_update(served: Served, body: bytes) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    async with served.http.post(f"{served.url}/hook/telegram", data=body, headers=headers) as reply:
        return reply.status


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Log records with a traceback or at ERROR: bad input must leave neither."""
    records = caplog.records
    return [record.getMessage() for record in records if record.exc_info or record.levelno >= logging.ERROR]


def replying(depth: int) -> dict[str, object]:
    """A message replying to a message replying to... `depth` times: valid JSON, deeper than any update."""
    message: dict[str, object] = {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}
    for _ in range(depth):
        message = {**message, "reply_to_message": message}
    return message


async def test_deep_bodies_are_refused_without_a_traceback(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    endless = b'{"update_id": 1, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert await post_update(served, endless) == 400, "nesting past Python's recursion limit"
    assert await post_update(served, json.dumps({"update_id": 2, "message": replying(40)}).encode()) == 400
    # Brackets inside strings are text, not nesting: this update is read (and ignored: it carries no kind).
    quoted = json.dumps({"update_id": 3, "note": "[" * 5_000 + '\\"{' * 100})
    assert await post_update(served, quoted.encode()) == 200
    assert await post_update(served, json.dumps({"update_id": 4, "message": replying(3)}).encode()) == 200
    assert await post_update(served, b"[" * (2 * 1024 * 1024)) == 413, "past the size limit: not even read"
    assert tracebacks(caplog) == []


@pytest.mark.parametrize(
    "body",
    [
        {"update_id": True},
        {"update_id": False},
        {"update_id": "12"},
        {"update_id": 12.0},
        {"update_id": -1},
        {"update_id": 2**31},
        {"update_id": None},
        {},
        [],
        "update",
        None,
        {"update_id": 5, "message": "hello"},
        {"update_id": 5, "callback_query": [1, 2]},
    ],
    ids=repr,
)
async def test_bodies_that_are_not_updates_are_refused(
    served: Served, caplog: pytest.LogCaptureFixture, body: object
) -> None:
    assert await post_update(served, json.dumps(body).encode()) == 400
    assert tracebacks(caplog) == []


async def test_kinds_the_bot_did_not_subscribe_to_are_ignored(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    webhook = await served.client.webhook()
    assert webhook["allowed_updates"] == list(ALLOWED_UPDATES), "the same list as for getUpdates"
    user = await served.client.new_user("Forger", "fr")
    before, handled = counts("reperes_updates_ignored_total"), counts("reperes_updates_total")
    for number, kind in enumerate(POSTED_KINDS, start=900_000):
        update = {"update_id": number, kind: forged(kind, user)}
        assert await post_update(served, json.dumps(update).encode()) == 200, kind
    # Handled in the order of the chat: once this message is answered, the forged updates were dealt with.
    await user.send("/start")
    answers = [message for message in await user.messages() if message["from_bot"]]
    assert len(answers) == 1, "only the real message is answered"
    assert "Choisissez votre langue" in answers[0]["text"]
    assert counts("reperes_updates_ignored_total") == {kind: before[kind] + 1 for kind in POSTED_KINDS}
    assert counts("reperes_updates_total") == handled, "not counted as handled"
    async with served.http.get(f"{served.url}/metrics") as reply:
        assert f'reperes_updates_ignored_total{{kind="{POSTED_KINDS[0]}"}}' in await reply.text()
    assert tracebacks(caplog) == []


def counts(name: str) -> dict[str, float]:
    """A counter's value for each forged kind (the bot runs in this process, on the default registry)."""
    return {kind: REGISTRY.get_sample_value(name, {"kind": kind}) or 0.0 for kind in POSTED_KINDS}
