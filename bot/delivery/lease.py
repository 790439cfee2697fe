"""The delivery lease: which one of several `serve` instances runs the campaign clock and the sender.

Every instance answers updates; only the lease holder ticks the clock and sends, so the overall rate stays
within BROADCAST_RATE and a due run starts once. On SQLite (one process) the lease is simply held.

On PostgreSQL the lease is a session-level advisory lock held on a connection of its own, not a lease row
with an expiry, because the database then ties the lease to the holder's life:

- the holder is killed (even `kill -9`): its socket closes, PostgreSQL ends the session and frees the lock,
  and another instance takes it at its next try, within `POLL` seconds; nothing waits for an expiry;
- the holder freezes (SIGSTOP, a blocked event loop): it keeps the lock and sends nothing; nobody else sends
  either, so nothing is sent twice. A lease row would expire and let a second sender start while the frozen
  one may wake up mid-batch. A supervisor that restarts an unhealthy process ends the freeze;
- a network partition: the holder's check of its lock fails within `CHECK_TIMEOUT` and it stops sending at
  once; the server drops the silent session after its TCP keepalives (`KEEPALIVE`, about 11 s), so the lock
  is freed only after the old holder has stopped. Whatever the timing, the fence below lets the database
  refuse a claim from an instance that no longer holds the lock;
- PgBouncer: a session lock needs the same server session for the whole life of the lease, which PgBouncer's
  transaction pooling does not give (the lock would stay on a server connection lent to others). Point
  LEASE_DATABASE_URL at PostgreSQL itself or at a session-pooled PgBouncer; the check below, which looks
  for the lock under this very server session, notices a transaction pooler and says so.

The lease connection also LISTENs on a channel: an instance that does not hold the lease passes on what its
handlers ask of the clock and the sender (start a run now, a /stop mid-send) with NOTIFY.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

import asyncpg
from prometheus_client import Gauge
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.delivery.supervise import Backoff, Task

log = logging.getLogger(__name__)

NAMESPACE = 0x52455045  # "REPE": the first key of the bot's advisory locks, the second says which
LEASE, FENCE = 1, 2
CHANNEL = "reperes_delivery"
POLL = 1.0  # seconds between two tries to take the lease, and between two checks that it is still ours
CHECK_TIMEOUT = 3.0  # a check that takes longer means the connection is gone: stop sending
# Server-side TCP keepalives of the lease session (seconds): a partitioned holder's lock is freed after
# about idle + interval * count, well after the holder itself has given up (CHECK_TIMEOUT).
KEEPALIVE = {"tcp_keepalives_idle": "5", "tcp_keepalives_interval": "2", "tcp_keepalives_count": "3"}

HELD = Gauge("reperes_delivery_lease_held", "1 when this instance runs the campaign clock and the sender")

Callback = Callable[[], Awaitable[None]]
Listener = Callable[[str], None]


class LeaseLost(Exception):
    """The lease is no longer this instance's: whatever it was about to claim must not be sent here."""


class Lease:
    """Held for good: SQLite, where only one process can use the database."""

    def __init__(self) -> None:
        self.held = False
        self._acquired: Callback | None = None
        self._lost: Callback | None = None
        self._listener: Listener | None = None

    async def start(self, *, acquired: Callback, lost: Callback, listener: Listener) -> None:
        """Try to take the lease once before returning (a lone instance is holding it when it serves), then
        keep trying, or keep checking, in the background. `acquired` and `lost` run one at a time, in turn."""
        self._acquired, self._lost, self._listener = acquired, lost, listener
        await self._take()

    async def _take(self) -> None:
        self.held = True
        assert self._acquired is not None
        try:
            await self._acquired()
        except BaseException:
            self.held = False  # not started: nothing to stop; the caller lets the lock go
            raise
        HELD.set(1)

    async def _give_up(self) -> None:
        if self.held:
            self.held = False
            HELD.set(0)
            assert self._lost is not None
            await self._lost()

    async def stop(self) -> None:
        """Shut down: stop the holder's work first, then let the lease go."""
        await self._give_up()

    async def tell(self, message: str) -> None:
        """Pass a message to the holder; with one process, the holder is here."""
        if self._listener is not None:
            self._listener(message)

    async def fence(self, session: AsyncSession, *, exclusive: bool = False) -> None:
        """Make `session`'s transaction count only while the lease is ours; raise LeaseLost otherwise."""
        if not self.held:
            raise LeaseLost()


class AdvisoryLease(Lease):
    """A PostgreSQL advisory lock on a connection of its own, checked every POLL seconds."""

    def __init__(self, dsn: str, database: Database) -> None:
        super().__init__()
        self.dsn, self.database = dsn, database
        self.backend_pid: int | None = None  # the server session holding the lock, for the fence
        self._connection: Any = None
        self._closed = False  # the connection ended, whoever ended it
        self._stopping = False
        self._wakeup = asyncio.Event()  # the connection ended, or the instance stops: look again now
        self._task: asyncio.Task[None] | None = None
        self._warned_pooler = False
        # Its connection's failures: one line each, and tries further apart while the database is away.
        self.health = Task("delivery-lease", Backoff(first=POLL, most=10 * POLL))

    async def start(self, *, acquired: Callback, lost: Callback, listener: Listener) -> None:
        self._acquired, self._lost, self._listener = acquired, lost, listener
        try:
            await self._connect()
            await self._try()
        except Exception as error:  # unreachable now: the background loop keeps trying
            log.warning("delivery lease: not taken at start (%s)", type(error).__name__)
            await self._disconnect()
        self._task = asyncio.create_task(self._run(), name="delivery-lease")

    async def stop(self) -> None:
        self._stopping = True
        self._wakeup.set()
        if self._task is not None:
            await self._task
        await self._give_up()
        connection = self._connection
        if connection is not None and not self._closed:
            # Let go before returning, so that an instance started right after finds the lease free; a
            # terminated socket frees it too, but only once the server has noticed.
            with contextlib.suppress(Exception):
                await connection.execute("SELECT pg_advisory_unlock_all()", timeout=CHECK_TIMEOUT)
        await self._disconnect()

    async def tell(self, message: str) -> None:
        if self.held:
            await super().tell(message)
            return
        async with self.database.session() as session:
            connection = await session.connection()
            await connection.execute(_NOTIFY, {"channel": CHANNEL, "message": message})

    async def fence(self, session: AsyncSession, *, exclusive: bool = False) -> None:
        """Claims take the fence shared, the new holder's recovery takes it exclusive: the recovery waits for
        a claim under way, and a claim that comes after it finds that this instance's lock is gone."""
        if not self.held or self.backend_pid is None:
            raise LeaseLost()
        connection = await session.connection()
        kind = "" if exclusive else "_shared"
        # A claim left hanging by a partitioned instance must not hold the fence for the keepalives' hours.
        await connection.execute(text("SET LOCAL idle_in_transaction_session_timeout = '10s'"))
        if exclusive:  # and a recovery that waits too long gives up, to try again from the start
            # (statement_timeout too: DATABASE_TIMEOUT, set on every connection, would end the wait first)
            await connection.execute(text("SET LOCAL lock_timeout = '30s'"))
            await connection.execute(text("SET LOCAL statement_timeout = '30s'"))
        await connection.execute(text(f"SELECT pg_advisory_xact_lock{kind}({NAMESPACE}, {FENCE})"))
        if not await connection.scalar(_HOLDS, {"pid": self.backend_pid}):
            raise LeaseLost()

    # -- the background loop ------------------------------------------------------------------------
    async def _run(self) -> None:
        while not self._stopping:
            wait = POLL
            try:
                if self._connection is None:
                    await self._connect()
                await self._try()
            except Exception as error:  # any failure of the lease connection means the same: start over
                wait = self.health.failed(error)
                await self._give_up()
                await self._disconnect()
            else:
                self.health.succeeded()
            if not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), wait)
                self._wakeup.clear()

    def _ended(self, connection: object) -> None:
        if connection is self._connection:  # not an earlier connection, closed on purpose
            self._closed = True
            self._wakeup.set()

    async def _connect(self) -> None:
        self._closed = False
        name = f"reperes-lease {socket.gethostname()}:{os.getpid()}"[:63]
        connection = await asyncpg.connect(
            self.dsn, timeout=CHECK_TIMEOUT * 2, server_settings={"application_name": name, **KEEPALIVE}
        )
        self._connection = connection
        connection.add_termination_listener(self._ended)
        await connection.add_listener(CHANNEL, self._heard)
        self.backend_pid = int(connection.get_server_pid())

    async def _disconnect(self) -> None:
        connection, self._connection, self.backend_pid = self._connection, None, None
        if connection is not None:
            connection.terminate()  # no goodbye on a connection that may be dead: close the socket

    async def _try(self) -> None:
        """Take the lease if free, or make sure it is still ours; raise when the connection fails."""
        connection = self._connection
        if self._closed or connection is None:
            raise ConnectionError("the lease connection closed")
        if not self.held:
            query = f"SELECT pg_try_advisory_lock({NAMESPACE}, {LEASE})"
            if await connection.fetchval(query, timeout=CHECK_TIMEOUT):
                if not await connection.fetchval(_HOLDS_HERE, timeout=CHECK_TIMEOUT):
                    self._pooled()
                log.info("delivery lease taken: this instance runs the campaign clock and the sender")
                await self._take()
        elif not await connection.fetchval(_HOLDS_HERE, timeout=CHECK_TIMEOUT):
            self._pooled()

    def _pooled(self) -> NoReturn:
        if not self._warned_pooler:
            self._warned_pooler = True
            log.error(
                "delivery lease: the lock is not held by this connection's server session; a transaction "
                "pooler (PgBouncer) stands between: set LEASE_DATABASE_URL to PostgreSQL itself"
            )
        raise ConnectionError("the lease connection goes through a transaction pooler")

    async def _give_up(self) -> None:
        if self.held and not self._stopping:
            log.warning("delivery lease lost: this instance stops sending")
        await super()._give_up()

    def _heard(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        if self.held and self._listener is not None:
            self._listener(payload)


_LOCK = f"locktype = 'advisory' AND classid = {NAMESPACE} AND objid = {LEASE} AND objsubid = 2 AND granted"
_HOLDS_HERE = f"SELECT EXISTS (SELECT 1 FROM pg_locks WHERE {_LOCK} AND pid = pg_backend_pid())"
_HOLDS = text(f"SELECT EXISTS (SELECT 1 FROM pg_locks WHERE {_LOCK} AND pid = :pid)")
_NOTIFY = text("SELECT pg_notify(:channel, :message)")


def lease_for(database: Database, lease_url: str | None = None) -> Lease:
    """The lease that fits the database: held for good on SQLite, an advisory lock on PostgreSQL."""
    # The database decides: on SQLite (one process) a LEASE_DATABASE_URL left set has nothing to guard, and
    # the fence and NOTIFY would run PostgreSQL statements on SQLite.
    if make_url(database.url).get_backend_name() != "postgresql":
        return Lease()
    url = make_url(lease_url or database.url)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return AdvisoryLease(dsn, database)
