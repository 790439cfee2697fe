"""Shared fixtures: databases (SQLite and a real PostgreSQL), and the bot running against the sandbox.

PostgreSQL tests need TEST_POSTGRES_URL (an admin URL; .ci/run starts a server and sets it). Without it they
are skipped locally, but fail under CI so a missing server can never pass silently.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from telegram import Update
from telegram.ext import TypeHandler

from bot.app import build_services
from bot.config import Settings, load_settings
from bot.db import Database
from bot.handlers.common import BotApplication
from bot.runner import SANDBOX_TOKEN, prepare_database, running
from bot.services import Services
from sandbox.client import SandboxClient, SandboxUser
from sandbox.server import start_sandbox

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
BACKENDS = ["sqlite", "postgresql"]
LAST_GROUP = 1000


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    admin = os.environ.get("TEST_POSTGRES_URL")
    if not admin:
        if os.environ.get("CI"):
            pytest.fail("TEST_POSTGRES_URL is not set: CI must run the PostgreSQL tests")
        pytest.skip("TEST_POSTGRES_URL is not set (see .ci/run to start a PostgreSQL server)")
    url = make_url(admin)
    name = f"reperes_test_{uuid.uuid4().hex[:12]}"
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    yield url.set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A migrated database."""
    found = Database(database_url)
    await prepare_database(found, migrate_schema=True)
    yield found
    await found.close()


@pytest.fixture
def content_dir() -> Path:
    return CONTENT


@pytest.fixture
def two_territories(tmp_path: Path) -> Path:
    """The shipped content plus a second territory, so onboarding asks where the person lives."""
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    (copy / "territories" / "ile.yml").write_text(
        "id: ile\nname:\n  fr: Île-Exemple\n  en: Example Island\n  ar: جزيرة المثال\n"
        "timezone: Indian/Reunion\n",
        encoding="utf-8",
    )
    return copy


@dataclass
class Clock:
    """A clock the tests move by hand."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 27, 10, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


class Processed:
    """Which updates the bot has finished handling: a handler in the last group records each one."""

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.changed = asyncio.Condition()

    async def record(self, update: object, _context: object) -> None:
        if isinstance(update, Update):
            async with self.changed:
                self.ids.add(update.update_id)
                self.changed.notify_all()

    async def wait(self, update_id: int) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: update_id in self.ids)


@dataclass
class Harness:
    client: SandboxClient
    services: Services
    app: BotApplication
    clock: Clock
    base_url: str

    async def user(self, first_name: str = "Test", language_code: str | None = "fr") -> SandboxUser:
        return await self.client.new_user(first_name, language_code)


async def last(user: SandboxUser) -> dict[str, Any]:
    """The bot's latest message in the user's chat; failing the test when there is none."""
    message = await user.last_bot_message()
    assert message is not None, "the bot has sent nothing in this chat"
    return message


def make_settings(**overrides: object) -> Settings:
    return load_settings(None, **overrides)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Extra settings for the harness; a test module overrides this fixture to set, say, COORDINATORS."""
    return {}


@pytest.fixture
async def harness(
    database_url: str, content_dir: Path, settings_overrides: dict[str, object]
) -> AsyncIterator[Harness]:
    """The real Application, polling the sandbox over HTTP, on a fresh database."""
    runner, base_url = await start_sandbox("127.0.0.1", 0)
    settings = make_settings(
        telegram_api_url=base_url, database_url=database_url, content_dir=content_dir, **settings_overrides
    )
    clock = Clock()
    found = build_services(settings)
    found.clock = clock
    await prepare_database(found.database, migrate_schema=True)
    client = SandboxClient(base_url)
    try:
        async with running(found, token=SANDBOX_TOKEN) as app:
            assert app.updater is not None
            processed = Processed()
            app.add_handler(TypeHandler(Update, processed.record), group=LAST_GROUP)
            client.processed = processed.wait
            await app.updater.start_polling(timeout=1, poll_interval=0)
            yield Harness(client=client, services=found, app=app, clock=clock, base_url=base_url)
    finally:
        await client.close()
        await runner.cleanup()


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No configuration leaks in from the machine running the tests."""
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "DATABASE_URL",
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
        "PORT",
        "COORDINATORS",
    ):
        monkeypatch.delenv(name, raising=False)
    yield


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser); CI must have both."""
    api = pytest.importorskip("playwright.async_api", reason="the playwright package is not installed")
    if not await asyncio.to_thread(CHROMIUM.exists):
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium")
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    # Generous waits: on two cores the browser shares them with the bot, the sandbox and another worker.
    api.expect.set_options(timeout=20_000)
    async with api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()
