"""A count the writer could not write yet is written when the bot stops (bot/runner.py, domain/tallies.py).

The database refuses the writer's first try (its table is away), so the writer waits before the next one, far
longer than the test lasts; the person got the resource all the same. Once the table is back, stopping the bot
writes the count: a stop loses nothing, and only a crash could lose what waits.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot import runner as runner_module
from bot.delivery.supervise import Backoff
from bot.models import ResourceCount
from bot.runner import SANDBOX_TOKEN, running
from sandbox.client import SandboxClient
from sandbox.server import start_sandbox
from tests.campaign_support import wait_for
from tests.conftest import Clock, ContentCache, last, make_settings, start_polling
from tests.test_privacy_e2e import onboard

APOLOGY = "quelque chose s'est mal passé"


async def test_a_count_waiting_for_its_retry_is_written_at_the_stop(
    database_url: str,
    content_dir: Path,
    content_cache: ContentCache,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # No retry before the stop: only the stop can write the count.
    monkeypatch.setattr(runner_module, "backoff_of", lambda _found: Backoff(3600, 3600))
    caplog.set_level(logging.INFO)
    runner, base_url = await start_sandbox("127.0.0.1", 0)
    settings = make_settings(telegram_api_url=base_url, database_url=database_url, content_dir=content_dir)
    found = content_cache.services(settings)
    found.clock = Clock()
    client = SandboxClient(base_url)
    resource = next(iter(found.content.resources["fr"].values()))
    try:
        async with running(found, token=SANDBOX_TOKEN, timers=False) as app:
            await start_polling(app, client)
            parent = await client.new_user("Inès", "fr")
            await onboard(parent)
            async with found.database.engine.begin() as connection:
                await connection.execute(text("ALTER TABLE resource_count RENAME TO resource_count_away"))
            await parent.send(f"/start r_{resource.id}")
            assert APOLOGY not in (await last(parent))["text"], "the resource, whatever the count"

            async def refused() -> bool:
                return any("counts: failed" in r.getMessage() for r in caplog.records)

            await wait_for(refused, what="the writer's first try refused")
            assert found.tallies.pending == 1
            async with found.database.engine.begin() as connection:
                await connection.execute(text("ALTER TABLE resource_count_away RENAME TO resource_count"))
        async with found.database.session() as session:
            rows = (await session.exec(select(ResourceCount))).all()
        assert [(row.resource, row.opened) for row in rows] == [(resource.id, 1)]
    finally:
        await client.close()
        await runner.cleanup()
