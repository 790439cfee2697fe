"""The delivery lease on a real PostgreSQL: one holder at a time, a takeover when the holder's connection
goes, a fence the database enforces, messages passed to the holder, and the clock's jobs where the lease is.
SQLite holds it for good."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app import build_services
from bot.config import ConfigError
from bot.core.context import BotApplication
from bot.db import Database
from bot.delivery.jobs import sender_of
from bot.delivery.lease import POLL, AdvisoryLease, Lease, LeaseLost, lease_for
from bot.runner import SANDBOX_TOKEN, running
from sandbox.server import start_sandbox
from tests.campaign_support import wait_for
from tests.conftest import make_settings

# Generous: the takeover is due within POLL seconds, but two cores are shared with other tests.
TAKEOVER = 10 * POLL
postgresql_only = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@dataclass
class Watched:
    """A lease and what it went through."""

    lease: Lease
    acquired: asyncio.Event = field(default_factory=asyncio.Event)
    lost: asyncio.Event = field(default_factory=asyncio.Event)
    heard: list[str] = field(default_factory=list)
    got_message: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> None:
        async def acquired() -> None:
            self.acquired.set()

        async def lost() -> None:
            self.lost.set()

        def listener(message: str) -> None:
            self.heard.append(message)
            self.got_message.set()

        await self.lease.start(acquired=acquired, lost=lost, listener=listener)


@pytest.fixture
async def two(database: Database) -> AsyncIterator[tuple[Watched, Watched]]:
    first, second = Watched(lease_for(database)), Watched(lease_for(database))
    try:
        yield first, second
    finally:
        await first.lease.stop()
        await second.lease.stop()


def admin_dsn(database: Database) -> str:
    return make_url(database.url).set(drivername="postgresql").render_as_string(hide_password=False)


@postgresql_only
async def test_one_holds_the_other_takes_over_when_the_holder_dies(two: tuple[Watched, Watched]) -> None:
    first, second = two
    await first.start()
    assert first.lease.held and first.acquired.is_set()
    await second.start()
    assert not second.lease.held, "a second instance must wait while the first holds the lease"

    # The holder dies without a goodbye (kill -9): its socket closes, PostgreSQL frees the lock.
    assert isinstance(first.lease, AdvisoryLease)
    first.lease._connection.terminate()
    await asyncio.wait_for(second.acquired.wait(), TAKEOVER)
    assert second.lease.held
    await asyncio.wait_for(first.lost.wait(), TAKEOVER)
    assert not first.lease.held


@postgresql_only
async def test_a_dropped_connection_ends_the_lease_at_once(
    two: tuple[Watched, Watched], database: Database
) -> None:
    first, second = two
    await first.start()
    await second.start()
    assert isinstance(first.lease, AdvisoryLease) and first.lease.backend_pid is not None
    # The server (or the network) drops the holder's lease connection: the holder stops, the other takes it.
    admin = await asyncpg.connect(admin_dsn(database))
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", first.lease.backend_pid)
    finally:
        await admin.close()
    await asyncio.wait_for(first.lost.wait(), TAKEOVER)
    await asyncio.wait_for(second.acquired.wait(), TAKEOVER)
    assert second.lease.held and not first.lease.held


@postgresql_only
async def test_the_fence_refuses_a_former_holder(two: tuple[Watched, Watched], database: Database) -> None:
    first, second = two
    await first.start()
    await second.start()
    async with database.session() as session:
        await first.lease.fence(session)  # the holder may claim
    with pytest.raises(LeaseLost):
        async with database.session() as session:
            await second.lease.fence(session)
    assert isinstance(first.lease, AdvisoryLease)
    old_pid = first.lease.backend_pid
    first.lease._connection.terminate()
    await asyncio.wait_for(second.acquired.wait(), TAKEOVER)
    await asyncio.wait_for(first.lost.wait(), TAKEOVER)
    # Even an instance that has not noticed yet is refused: the database sees its lock is gone.
    first.lease.held, first.lease.backend_pid = True, old_pid
    with pytest.raises(LeaseLost):
        async with database.session() as session:
            await first.lease.fence(session)
    first.lease.held = False


@postgresql_only
async def test_the_new_holder_recovers_only_after_a_claim_under_way(
    two: tuple[Watched, Watched], database: Database
) -> None:
    first, second = two
    await first.start()
    await second.start()
    assert isinstance(first.lease, AdvisoryLease)
    claim = database.session()
    session = await claim.__aenter__()
    await first.lease.fence(session)  # a claim under way when the holder's lease connection goes
    first.lease._connection.terminate()
    await asyncio.wait_for(second.acquired.wait(), TAKEOVER)

    async def recover() -> None:
        async with database.session() as recovering:
            await second.lease.fence(recovering, exclusive=True)

    recovery = asyncio.create_task(recover())
    waiting = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")

    async def recovery_waits() -> bool:
        async with database.engine.connect() as connection:
            return bool(await connection.scalar(waiting))

    while not await recovery_waits():  # the database makes the recovery wait for the claim
        assert not recovery.done()
        await asyncio.sleep(0.05)
    await claim.__aexit__(None, None, None)  # the claim commits: its rows are there for the recovery
    await asyncio.wait_for(recovery, TAKEOVER)


@postgresql_only
async def test_an_instance_without_the_lease_reaches_the_holder(two: tuple[Watched, Watched]) -> None:
    first, second = two
    await first.start()
    await second.start()
    await second.lease.tell("wake")
    await asyncio.wait_for(first.got_message.wait(), TAKEOVER)
    assert first.heard == ["wake"] and second.heard == []


async def test_sqlite_holds_the_lease_for_good(tmp_path: object) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/lease.db")
    watched = Watched(lease_for(database))
    try:
        await watched.start()
        assert watched.lease.held and watched.acquired.is_set()
        async with database.session() as session:
            await watched.lease.fence(session)
        await watched.lease.tell("tick")  # the holder is this process
        assert watched.heard == ["tick"]
        await watched.lease.stop()
        assert watched.lost.is_set() and not watched.lease.held
    finally:
        await database.close()


async def test_a_lease_url_left_set_on_sqlite_changes_nothing(tmp_path: object) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/lease.db")
    try:
        lease = lease_for(database, "postgresql+asyncpg://bot:secret@db.internal/reperes")
        assert type(lease) is Lease, "SQLite is one process: its lease is held for good"
    finally:
        await database.close()


@postgresql_only
async def test_only_the_holder_runs_the_clock_the_timers_and_the_sender(
    database_url: str, database: Database
) -> None:
    sandbox, base_url = await start_sandbox("127.0.0.1", 0)
    settings = make_settings(telegram_api_url=base_url, database_url=database_url)
    first, second = build_services(settings), build_services(settings)
    try:
        async with AsyncExitStack() as stack:
            one = await stack.enter_async_context(running(first, token=SANDBOX_TOKEN))
            async with running(second, token=SANDBOX_TOKEN) as two:
                assert sender_of(one).lease.held and not sender_of(two).lease.held
                assert clock_jobs(one) == {"campaigns": True, "retention": True, **TIMERS}
                assert clock_jobs(two) == {"retention": False, **{k: False for k in TIMERS}}
                # A /stop typed on the instance without the lease reaches the sender, mid-batch if need be.
                sender_of(two).opt_out(4242)

                async def stopped_there() -> bool:
                    return sender_of(one)._stopped(4242)

                await wait_for(stopped_there, TAKEOVER, "the /stop to reach the holder")
                await stack.aclose()  # the first instance stops: the second takes over the clock

                async def took_over() -> bool:
                    return clock_jobs(two).get("campaigns", False)

                await wait_for(took_over, TAKEOVER, "the second instance to run the clock")
                assert clock_jobs(two) == {"campaigns": True, "retention": True, **TIMERS}
    finally:
        await sandbox.cleanup()


# The features' timers, run by the lease holder only: reminders, and the closing of consultations.
TIMERS = {"ticket-reminders": True, "training-reminders": True, "consultations": True}


def clock_jobs(app: BotApplication) -> dict[str, bool]:
    assert app.job_queue is not None
    # A paused job has no next run: the scheduler's own word on whether it will run.
    return {job.name or "": job.next_t is not None for job in app.job_queue.jobs() if not job.removed}


def test_lease_database_url_must_be_postgresql() -> None:
    settings = make_settings(lease_database_url="postgres://bot:secret@db.internal/reperes")
    assert settings.lease_database_url == "postgresql+asyncpg://bot:secret@db.internal/reperes"
    assert make_settings(lease_database_url=" ").lease_database_url is None
    with pytest.raises(ConfigError, match=r"^LEASE_DATABASE_URL is wrong: expected postgresql://"):
        make_settings(lease_database_url="sqlite:///data/reperes.db")
