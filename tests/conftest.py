"""Shared fixtures: databases (SQLite and a real PostgreSQL), and the bot running against the sandbox.

PostgreSQL tests need TEST_POSTGRES_URL (an admin URL; .ci/run starts a server and sets it). Without it they
are skipped locally, but fail under CI so a missing server can never pass silently.

Two things are done once per test session (per xdist worker) rather than once per test, since they cost
more than most tests: loading and checking the content (a `LoadedContent` per content folder), and running
the migrations (into a template database that each test gets a copy of). `empty_database_url` and
tests/test_database.py still run the real migrations from an empty database on both backends.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy.engine import URL, make_url
from telegram import Update
from telegram.ext import TypeHandler

from bot.app import build_services
from bot.config import Settings, load_settings
from bot.content.pack import ContentPack
from bot.core.context import BotApplication
from bot.core.updates import ChatOrderedProcessor
from bot.db import Database
from bot.domain.search import Index
from bot.i18n import Catalogs
from bot.runner import SANDBOX_TOKEN, prepare_database, running
from bot.services import Services, open_database
from sandbox.client import SandboxClient, SandboxUser
from sandbox.server import start_sandbox

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "content"
# The second demo territory, there to show local content (bot/content/local.py; tests/test_local_content*).
SECOND_DEMO = "riviere"


def _one_territory() -> Path:
    """The shipped content without its second demo territory.

    Most tests were written for a deployment of one territory, where onboarding asks no territory question:
    they read this copy (the tests of local content read SHIPPED). One copy per test process."""
    copy = Path(tempfile.mkdtemp(prefix="reperes-content-")) / "content"
    shutil.copytree(SHIPPED, copy)
    for name in (f"territories/{SECOND_DEMO}.yml", f"directory/{SECOND_DEMO}.yml"):
        (copy / name).unlink(missing_ok=True)
    shutil.rmtree(copy / "territories" / SECOND_DEMO, ignore_errors=True)
    atexit.register(shutil.rmtree, copy.parent, True)
    return copy


CONTENT = _one_territory()
BACKENDS = ["sqlite", "postgresql"]
LAST_GROUP = 1000
# Each xdist worker has its own template database and names its copies after itself.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
T = TypeVar("T")
# How long a test waits before it calls a wait a hang: for a bot process to start or stop, a send to end.
# Each wait ends as soon as its condition holds, so this costs nothing when all is well; it only has to
# outlast two cores shared with other workers (`make test` runs one per core) and whatever else the
# machine runs. Loaded that way, `python -m bot run` took over 30 s to start.
HANG = 120.0


def run_aside(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end from a session fixture, on a loop of its own in another thread: the
    tests' loops are per test, and one may be running when the fixture is first needed."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# -- content, loaded once per folder ---------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedContent:
    """What `build_services` reads, checks and indexes from a content folder; read-only once built."""

    content: ContentPack
    catalogs: Catalogs
    search: dict[str, Index]


class ContentCache:
    """One `LoadedContent` per content folder for the whole session.

    A test that changes content does it in a folder of its own (under tmp_path), so it loads its own."""

    def __init__(self) -> None:
        self._loaded: dict[Path, LoadedContent] = {}

    def get(self, folder: Path) -> LoadedContent:
        key = folder.resolve()
        if key not in self._loaded:
            # build_services itself, so the content is checked exactly as at start-up (ContentInvalid).
            built = build_services(
                make_settings(content_dir=key, database_url="sqlite+aiosqlite:///:memory:")
            )
            self._loaded[key] = LoadedContent(built.content, built.catalogs, built.search)
        return self._loaded[key]

    def services(self, settings: Settings) -> Services:
        """What `build_services(settings)` returns, without loading the content folder again."""
        loaded = self.get(settings.content_dir)
        return Services(
            settings=settings,
            database=open_database(settings),
            content=loaded.content,
            catalogs=loaded.catalogs,
            search=dict(loaded.search),
        )


@pytest.fixture(scope="session")
def content_cache() -> ContentCache:
    return ContentCache()


@pytest.fixture
def content_dir() -> Path:
    return CONTENT


@pytest.fixture(scope="session")
def two_territories(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped content plus a second territory, so onboarding asks where the person lives.

    One copy for the session: tests read it and never write to it, so its loaded form is shared too."""
    copy = tmp_path_factory.mktemp("two_territories") / "content"
    shutil.copytree(CONTENT, copy)
    (copy / "territories" / "ile.yml").write_text(
        "id: ile\nname:\n  fr: Île-Exemple\n  en: Example Island\n  ar: جزيرة المثال\n"
        "timezone: Indian/Reunion\n",
        encoding="utf-8",
    )
    return copy


# -- databases: migrated once into a template, copied for each test ------------------------------------


async def _migrate(url: str) -> None:
    database = Database(url)
    try:
        await prepare_database(database, migrate_schema=True)
    finally:
        await database.close()  # no connection may stay open on a PostgreSQL template; SQLite checkpoints


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the schema migrated to head, for `sqlite_database_url` to copy."""
    path = tmp_path_factory.mktemp("sqlite_template") / "migrated.db"
    run_aside(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def sqlite_database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database of the test's own: a copy of the template file."""
    copy = tmp_path / "test.db"
    shutil.copyfile(sqlite_template, copy)
    for suffix in ("-wal", "-shm"):  # normally gone once the template was closed; copied if not
        leftover = sqlite_template.with_name(sqlite_template.name + suffix)
        if leftover.exists():
            shutil.copyfile(leftover, copy.with_name(copy.name + suffix))
    return f"sqlite+aiosqlite:///{copy}"


@pytest.fixture(scope="session")
def postgres_admin() -> URL:
    """The PostgreSQL server's admin URL, or the test is skipped (failed under CI)."""
    admin = os.environ.get("TEST_POSTGRES_URL")
    if not admin:
        if os.environ.get("CI"):
            pytest.fail("TEST_POSTGRES_URL is not set: CI must run the PostgreSQL tests")
        pytest.skip("TEST_POSTGRES_URL is not set (see .ci/run to start a PostgreSQL server)")
    return make_url(admin)


def _dsn(admin: URL) -> str:
    return admin.set(drivername="postgresql").render_as_string(hide_password=False)


def _asyncpg_url(admin: URL, name: str) -> str:
    return admin.set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)


async def _admin(admin: URL, *statements: str) -> None:
    connection = await asyncpg.connect(_dsn(admin))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_template(postgres_admin: URL) -> Iterator[str]:
    """A PostgreSQL database migrated to head, for `CREATE DATABASE ... TEMPLATE` (this worker's own)."""
    name = f"reperes_template_{WORKER}"
    run_aside(_admin(postgres_admin, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'))
    run_aside(_migrate(_asyncpg_url(postgres_admin, name)))
    yield name
    run_aside(_admin(postgres_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@asynccontextmanager
async def _postgres_database(admin: URL, template: str | None) -> AsyncIterator[str]:
    """A database of the test's own on the server: empty, or a copy of `template`; dropped afterwards."""
    name = f"reperes_test_{WORKER}_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    await _admin(admin, f'CREATE DATABASE "{name}"{copy}')
    try:
        yield _asyncpg_url(admin, name)
    finally:
        await _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each test that uses a database runs once on SQLite and once on PostgreSQL."""
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A fresh database of the test's own, with the schema at head, on each backend."""
    if backend == "sqlite":
        yield request.getfixturevalue("sqlite_database_url")
        return
    admin, template = request.getfixturevalue("postgres_admin"), request.getfixturevalue("postgres_template")
    async with _postgres_database(admin, template) as url:
        yield url


@pytest.fixture
async def empty_database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    """A fresh, empty database (no schema) on each backend: for the migrations themselves."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    async with _postgres_database(request.getfixturevalue("postgres_admin"), None) as url:
        yield url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A migrated database."""
    found = Database(database_url)
    yield found
    await found.close()


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
    """Settings for a test: the one-territory content unless the test names another."""
    return load_settings(None, **{"content_dir": CONTENT, **overrides})


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Extra settings for the harness; a test module overrides this fixture to set, say, COORDINATORS."""
    return {}


async def start_polling(app: BotApplication, client: SandboxClient) -> None:
    """Poll the sandbox, and let the client know when the bot has finished with each update it sends, so
    that a test waits for the bot's work rather than for a quiet moment."""
    assert app.updater is not None
    processed = Processed()
    app.add_handler(TypeHandler(Update, processed.record), group=LAST_GROUP)
    if isinstance(app.update_processor, ChatOrderedProcessor):  # also when an error handler ended it early
        app.update_processor.finished = partial(processed.record, _context=None)
    client.processed = processed.wait
    await app.updater.start_polling(timeout=1, poll_interval=0)


@pytest.fixture
async def harness(
    database_url: str, content_dir: Path, settings_overrides: dict[str, object], content_cache: ContentCache
) -> AsyncIterator[Harness]:
    """The real Application, polling the sandbox over HTTP, on a fresh migrated database."""
    runner, base_url = await start_sandbox("127.0.0.1", 0)
    settings = make_settings(
        telegram_api_url=base_url, database_url=database_url, content_dir=content_dir, **settings_overrides
    )
    clock = Clock()
    found = content_cache.services(settings)
    found.clock = clock
    client = SandboxClient(base_url)
    try:
        # The test's clock is the only clock: jobs run when the test runs them (see `running`).
        async with running(found, token=SANDBOX_TOKEN, timers=False) as app:
            await start_polling(app, client)
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
