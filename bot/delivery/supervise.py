"""Background work that keeps going: retries with backoff, one log line per failure, never a silent death.

The sender, the campaign clock, the features' timers and the delivery lease run in the background, where a
failure reaches no person and, unless logged, nobody at all. Each one reports its outcomes to a `Task`
here: a failure is one log line (a traceback only for what looks like a bug, and only once per kind of
bug), the next try waits longer, and the state (failing since when, how many times in a row, the last
success) is what /healthz and /metrics show.

A database that is locked, restarting or unreachable is expected: it says so in one line and passes. A
bug is not: its traceback is logged the first time, so that someone can fix it, then one line each time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from prometheus_client import Gauge
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger(__name__)
T = TypeVar("T")

FAILURES = Gauge(
    "reperes_background_failures", "Consecutive failures of a background task (0 when it works)", ["task"]
)


@dataclass(frozen=True)
class Backoff:
    """Seconds between two tries of failing background work: `first`, doubled each time up to `most`."""

    first: float = 0.5
    most: float = 30.0

    def after(self, failures: int) -> float:
        return float(min(self.most, self.first * 2 ** max(0, failures - 1)))


def expected(error: BaseException) -> bool:
    """A fault of the database's availability, not of the code: locked, busy, timed out, gone."""
    if isinstance(error, OperationalError | PoolTimeout | TimeoutError | ConnectionError | OSError):
        return True
    if isinstance(error, DBAPIError):
        # PostgreSQL's lock timeouts, cancelled statements and dropped connections come wrapped this way,
        # with their SQLSTATE on the driver's error (SQLAlchemy's asyncpg adapter sets `sqlstate`).
        if error.connection_invalidated:
            return True
        state = str(getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None) or "")
        return state.startswith(EXPECTED_SQLSTATES)
    return False


# A database busy or going away: connection (08), resources (53), lock not available (55P03), cancelled
# by a timeout or shut down (57), serialization failure and deadlock (40001, 40P01), read-only (25006).
EXPECTED_SQLSTATES = ("08", "53", "55P03", "57", "40001", "40P01", "25006")


def describe(error: BaseException) -> str:
    """The error's type and its first line, short, for a log line: no SQL parameters are shown (the
    engines hide them), and the first line of a database error names its cause ("database is locked")."""
    orig = getattr(error, "orig", None)
    cause = orig if isinstance(orig, BaseException) else error
    # SQLAlchemy's asyncpg adapter wraps the driver's error: its class names the cause (LockNotAvailable).
    if cause.__cause__ is not None and type(cause).__name__ == "Error":
        cause = cause.__cause__
    first = str(cause).strip().splitlines()[0][:120] if str(cause).strip() else ""
    return f"{type(cause).__name__}: {first}" if first else type(cause).__name__


@dataclass
class Task:
    """What one background task has been doing, for the logs, /healthz and /metrics."""

    name: str
    backoff: Backoff = field(default_factory=Backoff)
    failures: int = 0  # in a row; 0 after a success
    failing_since: float | None = None  # monotonic time of the first failure of the streak
    last_success: float | None = None  # monotonic
    _bugs_shown: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        FAILURES.labels(task=self.name).set(0)

    def wait_after(self, failures: int) -> float:
        """The wait before the next try after this many failures in a row."""
        return self.backoff.after(failures)

    def succeeded(self) -> None:
        if self.failures:
            log.info("%s: working again after %d failures", self.name, self.failures)
        self.failures, self.failing_since = 0, None
        self.last_success = time.monotonic()
        FAILURES.labels(task=self.name).set(0)

    def failed(self, error: BaseException, *, retried: bool = True, then: str | None = None) -> float:
        """Log the failure in one line (with its traceback the first time a bug shows); the seconds to wait
        before the next try. `retried=False`: the work is given up (one notice); `then` says what happens
        next when the caller, not this backoff, decides it."""
        self.failures += 1
        if self.failing_since is None:
            self.failing_since = time.monotonic()
        FAILURES.labels(task=self.name).set(self.failures)
        wait = self.backoff.after(self.failures)
        then = then or (f"trying again in {wait:.1f} s" if retried else "given up")
        if expected(error):
            log.warning("%s: failed (%s); %s", self.name, describe(error), then)
        else:
            kind = f"{type(error).__module__}.{type(error).__qualname__}"
            first = kind not in self._bugs_shown
            self._bugs_shown.add(kind)
            log.error(
                "%s: failed unexpectedly (%s); %s",
                self.name,
                describe(error),
                then,
                exc_info=error if first else None,
            )
        return wait

    def failing_for(self) -> float:
        return 0.0 if self.failing_since is None else time.monotonic() - self.failing_since

    async def retry(self, call: Callable[[], Awaitable[T]], *, stopping: Callable[[], bool]) -> T | None:
        """`call()` until it succeeds, or until `stopping()`: then None."""
        while not stopping():
            try:
                result = await call()
            except Exception as error:
                if stopping():
                    return None
                await asyncio.sleep(self.failed(error))
            else:
                self.succeeded()
                return result
        return None
