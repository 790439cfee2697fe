"""A campaign under way when another process holds the database's write lock for longer than the
sender's retries: the sender fails, says so in one line at a time, shows it in /healthz and /metrics, and
once the lock is gone resumes by itself, without skipping anyone or sending anyone a second message.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.delivery.jobs import sender_of
from bot.web import create_web_app
from tests.campaign_support import bot_texts, run_clock, wait_for
from tests.conftest import Harness
from tests.lock_support import short_lock_timeout, write_lock
from tests.test_delivery_e2e import COORDINATOR, campaign, people, settled

RECIPIENTS = 15


@pytest.fixture
async def database_url(database_url: str) -> str:
    await short_lock_timeout(database_url)
    return database_url


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {
        "coordinators": str(COORDINATOR),
        "approval_threshold": 100_000,
        "broadcast_rate": 5,  # three seconds of sending: the lock comes while the run is under way
        "retry_max_seconds": 0.2,
        "sender_failing_seconds": 1,
    }


@pytest.fixture
async def health_url(harness: Harness) -> AsyncIterator[str]:
    """/healthz and /metrics of the harness's Application, served as `serve` does."""
    runner = web.AppRunner(create_web_app(harness.app, secret="s", webhook_path="/hook"))
    await runner.setup()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def health(url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/healthz") as reply:
        return reply.status, await reply.json()


async def test_sending_resumes_after_a_long_lock_and_nobody_is_skipped(
    harness: Harness, health_url: str, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    users = await people(harness, RECIPIENTS)
    cid = await campaign(harness, "Malgré le verrou", urgent=True)
    status, body = await health(health_url)
    assert status == 200 and body["sender"]["running"] and body["sender"]["consecutive_failures"] == 0

    await run_clock(harness)
    async with write_lock(database_url):
        sender = sender_of(harness.app)

        async def unhealthy() -> dict[str, Any] | None:
            status, body = await health(health_url)
            return body if status == 503 and body["sender"]["consecutive_failures"] >= 1 else None

        body = await wait_for(unhealthy, what="/healthz to report the failing sender")
        assert body["database"] == "ok" and body["sender"]["running"]
        async with aiohttp.ClientSession() as http, http.get(f"{health_url}/metrics") as reply:
            metrics = await reply.text()
        assert "reperes_sender_running 1.0" in metrics
        assert "reperes_sender_consecutive_failures 0.0" not in metrics
        failures_under_lock = sender.health.failures

    # Nothing else wakes the sender: it comes back by itself at its next retry.
    await settled(harness, cid, sent=RECIPIENTS)
    for user in users:
        texts = await bot_texts(user)
        assert sum("Malgré le verrou" in t for t in texts) == 1, f"{user} got it {texts!r}"
    status, body = await health(health_url)
    assert status == 200 and body["sender"]["consecutive_failures"] == 0
    assert body["sender"]["last_send"] is not None and body["sender"]["stuck_runs"] == 0

    # One line per failure, naming the cause, and not one traceback for a locked database.
    failures = [r for r in caplog.records if r.name.startswith("bot.") and "sender: failed" in r.getMessage()]
    assert len(failures) >= failures_under_lock >= 1
    assert all(
        # PostgreSQL ends the wait with lock_timeout or statement_timeout, whichever comes first (both are
        # DATABASE_TIMEOUT): either is the lock, said in one line.
        any(cause in r.getMessage() for cause in ("database is locked", "LockNotAvailable", "QueryCanceled"))
        for r in failures
    ), [r.getMessage() for r in failures]
    assert not [r.getMessage() for r in caplog.records if r.exc_info and r.name.startswith("bot.")]


async def test_a_timer_failing_on_a_locked_database_logs_one_line_and_works_again(
    harness: Harness, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    assert harness.app.job_queue is not None
    (job,) = harness.app.job_queue.get_jobs_by_name("retention")
    async with write_lock(database_url):
        await job.run(harness.app)  # the purge writes: it waits out the lock's timeout, then fails
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("bot.")]
    assert any(line.startswith("retention: failed (") for line in lines), lines
    assert not any("handler failed" in line for line in lines), lines
    assert not [r.getMessage() for r in caplog.records if r.exc_info]
    assert harness.app.job_queue.get_jobs_by_name("retention-retry")  # tried again soon, not in a day
    caplog.clear()
    await job.run(harness.app)
    assert "retention: working again after 1 failures" in [r.getMessage() for r in caplog.records]
