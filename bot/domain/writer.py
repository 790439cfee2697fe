"""Notes written in the background, apart from the answers people wait for: what the days of last use
(bot/domain/activity.py) and the anonymous counts (bot/domain/tallies.py) share.

A handler only notes in memory, which never waits for the database. `run` writes what was noted as soon as it
is noted, everything pending in one transaction; when the database is busy (another process holds the write
lock) or down, it is the writer that waits and tries again later, never a reply. Its failures are reported
like any background work's (bot/delivery/supervise.py: one log line each, the failures in /metrics).
`flush` writes now: before a reader that needs every note, and at shutdown. One write at a time: a flush
returns only once what was noted before it is stored, even the notes the writer had taken and was writing.
A crash loses what was noted since the last write: a few seconds' notes at most while the database answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from typing import ClassVar, Protocol

from bot.db import Database

log = logging.getLogger(__name__)


class Health(Protocol):
    """How failures are reported and spaced: bot.delivery.supervise.Task, given by the runner (a layer above
    this one), so that the writers report like every other background task."""

    failures: int

    def failed(self, error: BaseException, *, retried: bool = True, then: str | None = None) -> float: ...

    def succeeded(self) -> None: ...

    def wait_after(self, failures: int) -> float: ...


class BackgroundWriter(ABC):
    """Notes taken by updates, waiting to be written."""

    # What the log lines and /metrics call the writer, e.g. "last-use days".
    what: ClassVar[str]

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._writing = asyncio.Lock()

    @property
    @abstractmethod
    def pending(self) -> int:
        """How many notes wait to be written."""

    @abstractmethod
    async def _write(self, database: Database) -> int:
        """Write every pending note, returning how many; on failure they stay pending and the error is
        raised (notes taken meanwhile are kept too)."""

    def _noted(self) -> None:
        self._wake.set()

    async def flush(self, database: Database) -> int:
        """Write every pending note now, after any write in progress; on failure the error is raised."""
        async with self._writing:
            return await self._write(database)

    async def run(self, database: Database, health: Health) -> None:
        """Write what updates note, as they note it, until cancelled; a failure is one line, then a retry
        after `health`'s backoff (RETRY_MAX_SECONDS at most, given by the runner)."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.flush(database)
            except Exception as error:
                wait = health.wait_after(health.failures + 1)
                await asyncio.sleep(
                    health.failed(error, then=f"{self.pending} pending, trying again in {wait:.1f} s")
                )
                self._wake.set()
            else:
                health.succeeded()

    async def stop(self, running: asyncio.Task[None], database: Database) -> None:
        """Stop the writer task, then write what the last updates noted; a failure loses those notes only."""
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        try:
            await self.flush(database)
        except Exception as error:
            log.warning("%s not written at shutdown (%s)", self.what, type(error).__name__)
