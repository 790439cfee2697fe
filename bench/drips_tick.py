"""What queueing the welcome drips costs a tick of the campaign clock, before and after issue 9.

    .venv/bin/python bench/drips_tick.py                              # SQLite, 100,000 people
    tests/with-postgres .venv/bin/python bench/drips_tick.py --backend postgresql
    .venv/bin/python bench/drips_tick.py --people 10000 --ticks 2    # a quick look

One process, one fresh database. People are inserted in bulk, enrolled over the last three days (so every
step of content/sequences.yml up to day 3 is due for some of them), parents and professionals. Then, for
each implementation, in the same run and on the same rows: a first tick at 18:00 in Paris (it queues the
steps that fell due) and `--ticks` more 15 s apart (nothing new is due: the usual tick). Between the two
implementations the drip rows are deleted; the rows each one queued are compared, and must be the same.

- `before`: `enqueue_drips` as it was (kept below, verbatim): every recently enrolled person loaded as an
  ORM object, each step's moment computed in Python.
- `after`: `bot.domain.series.enqueue_drips`: one INSERT ... SELECT per step and zone.

Per tick: wall time; **loop CPU**, the event loop thread's CPU time (`time.thread_time`: the aiosqlite
thread's is apart); **loop busy**, the wall time the loop spent running callbacks (every `Handle._run`
timed), during which it could run nothing else; **longest stall**, the longest of those callbacks, the
worst wait an update could have met; the process's CPU (all threads: aiosqlite's too); and on PostgreSQL
the server processes' CPU (from /proc, for this database's connections).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from sqlalchemy import Table, delete, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import col, select  # noqa: E402
from sqlmodel.ext.asyncio.session import AsyncSession  # noqa: E402

from bot.content.loader import load_content  # noqa: E402
from bot.content.pack import Drip  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.domain import series  # noqa: E402
from bot.domain.campaigns import Zones  # noqa: E402
from bot.models import Outbox, Person, as_utc  # noqa: E402
from bot.runner import prepare_database  # noqa: E402
from bot.schedule import parse_clock, wall_clock  # noqa: E402

PEOPLE: Table = Person.__table__  # type: ignore[attr-defined]
NOW = datetime(2026, 11, 27, 17, 0, 5, tzinfo=UTC)  # 18:00 in Paris
EVERY = timedelta(seconds=15)  # bot.delivery.jobs.EVERY
ZONES = Zones(by_territory={"demo": "Europe/Paris"}, default="Europe/Paris")
Enqueue = Callable[..., Awaitable[int]]


# -- the code before issue 9, kept as the baseline ------------------------------------------------------
async def enqueue_drips_before(
    session: AsyncSession, drips: tuple[Drip, ...], *, now: datetime, zones: Zones
) -> int:
    """Queue the drip steps that fell due; how many were queued."""
    queued = 0
    for drip in drips:
        if not drip.steps:
            continue
        since = now - timedelta(days=drip.steps[-1].day + 1) - series.LATE
        query = select(Person).where(
            col(Person.consented_at) >= since,
            col(Person.messages_enabled).is_(True),
            col(Person.unreachable).is_(False),
        )
        if drip.roles:
            query = query.where(col(Person.role).in_(drip.roles))
        people = list((await session.exec(query)).all())
        if not people:
            continue
        done = await _queued_steps(session, drip.id, [p.id for p in people if p.id is not None])
        moment = parse_clock(series.DRIP_TIME)
        assert moment is not None
        for person in people:
            zone = zones.of(person.territory)
            joined = as_utc(person.consented_at)
            local_day = joined.astimezone(ZoneInfo(zone)).date()
            for step in drip.steps:
                if (person.id, step.day) in done:
                    continue
                due = max(joined, wall_clock(local_day + timedelta(days=step.day), moment, zone))
                if due <= now < due + series.LATE:
                    session.add(
                        Outbox(person_id=person.id or 0, sequence=drip.id, step=step.day, not_before=due)
                    )
                    queued += 1
    return queued


async def _queued_steps(session: AsyncSession, sequence: str, person_ids: list[int]) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    for start in range(0, len(person_ids), 500):
        query = select(col(Outbox.person_id), col(Outbox.step)).where(
            col(Outbox.sequence) == sequence, col(Outbox.person_id).in_(person_ids[start : start + 500])
        )
        found |= {(int(p), int(s or 0)) for p, s in (await session.exec(query)).all()}
    return found


# -- measuring ------------------------------------------------------------------------------------------
class LoopMeter:
    """Times every callback the event loop runs (asyncio's `Handle._run`): while one runs, nothing else
    can, so the longest is the worst wait an update could have met, and their sum the loop's busy time."""

    def __init__(self) -> None:
        self.longest = self.total = 0.0
        self._original = asyncio.events.Handle._run

    def __enter__(self) -> LoopMeter:
        meter, original = self, self._original

        def timed(handle: asyncio.Handle) -> None:
            began = time.perf_counter()
            try:
                original(handle)
            finally:
                spent = time.perf_counter() - began
                meter.total += spent
                meter.longest = max(meter.longest, spent)

        asyncio.events.Handle._run = timed  # type: ignore[method-assign,assignment]
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.events.Handle._run = self._original  # type: ignore[method-assign]


@dataclass
class Tick:
    queued: int
    wall_ms: float
    loop_cpu_ms: float
    loop_busy_ms: float
    longest_stall_ms: float
    process_cpu_ms: float
    server_cpu_ms: float | None


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _server_pids(database: Database) -> list[int]:
    if database.engine.dialect.name != "postgresql":
        return []
    async with database.engine.connect() as connection:
        query = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return [int(row[0]) for row in await connection.execute(query)]


async def one_tick(database: Database, enqueue: Enqueue, drips: tuple[Drip, ...], now: datetime) -> Tick:
    pids = await _server_pids(database)
    server0 = sum(_proc_cpu(pid) for pid in pids)
    wall0, thread0, cpu0 = time.perf_counter(), time.thread_time(), _process_cpu()
    with LoopMeter() as loop:
        async with database.session() as session:  # as bot.delivery.jobs._tick does
            queued = await enqueue(session, drips, now=now, zones=ZONES)
    wall, busy, cpu = time.perf_counter() - wall0, time.thread_time() - thread0, _process_cpu() - cpu0
    server = sum(_proc_cpu(pid) for pid in pids) - server0 if pids else None
    ms = 1000.0
    return Tick(
        queued=queued,
        wall_ms=wall * ms,
        loop_cpu_ms=busy * ms,
        loop_busy_ms=loop.total * ms,
        longest_stall_ms=loop.longest * ms,
        process_cpu_ms=cpu * ms,
        server_cpu_ms=None if server is None else server * ms,
    )


async def seed(database: Database, people: int) -> None:
    """Parents and professionals (3 to 1), enrolled at even intervals over the three days before NOW."""
    span = timedelta(days=3).total_seconds()
    async with database.engine.begin() as connection:
        for start in range(0, people, 10_000):
            rows = [
                {
                    "chat_id": 10**9 + n,
                    "language": "fr",
                    "role": "professional" if n % 4 == 3 else "parent",
                    "territory": "demo",
                    "messages_enabled": True,
                    "consented_at": NOW - timedelta(seconds=span * (n + 1) / people),
                    "last_active_on": NOW.date(),
                    "training_reminders": True,
                    "unreachable": False,
                }
                for n in range(start, min(people, start + 10_000))
            ]
            await connection.execute(insert(PEOPLE), rows)


async def drip_rows(database: Database) -> set[tuple[int, str, int, datetime]]:
    async with database.session() as session:
        query = select(Outbox.person_id, Outbox.sequence, Outbox.step, Outbox.not_before).where(
            col(Outbox.sequence).is_not(None)
        )
        return {(int(p), str(q), int(s or 0), as_utc(n)) for p, q, s, n in (await session.exec(query)).all()}


@asynccontextmanager
async def fresh_database(backend: str) -> AsyncIterator[Database]:
    if backend == "sqlite":
        with TemporaryDirectory() as folder:
            database = Database(f"sqlite+aiosqlite:///{folder}/bench.db")
            try:
                yield database
            finally:
                await database.close()
        return
    admin = os.environ.get("TEST_POSTGRES_URL")
    if not admin:
        raise SystemExit("bench: TEST_POSTGRES_URL is not set (run under tests/with-postgres)")
    url = make_url(admin)
    name = f"reperes_bench_{uuid.uuid4().hex[:12]}"
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    await connection.execute(f'CREATE DATABASE "{name}"')
    database = Database(url.set(drivername="postgresql+asyncpg", database=name).render_as_string(False))
    try:
        yield database
    finally:
        await database.close()
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


async def main(arguments: argparse.Namespace) -> dict[str, Any]:
    pack, _report = load_content(ROOT / "content", ("fr", "en", "ar"))
    drips = pack.drips
    results: dict[str, Any] = {"backend": arguments.backend, "people": arguments.people, "runs": {}}
    async with fresh_database(arguments.backend) as database:
        await prepare_database(database, migrate_schema=True)
        await seed(database, arguments.people)
        queued: dict[str, set[tuple[int, str, int, datetime]]] = {}
        for name in arguments.order.split(","):
            enqueue: Enqueue = enqueue_drips_before if name == "before" else series.enqueue_drips
            ticks = []
            for n in range(arguments.ticks + 1):
                ticks.append(await one_tick(database, enqueue, drips, NOW + n * EVERY))
                print(f"{name} tick {n}: {asdict(ticks[-1])}", file=sys.stderr, flush=True)
            queued[name] = await drip_rows(database)
            async with database.session() as session:
                await session.exec(delete(Outbox).where(col(Outbox.sequence).is_not(None)))
            results["runs"][name] = [asdict(t) for t in ticks]
        if len(queued) == 2:
            first, second = queued.values()
            results["same_rows"] = first == second
            results["rows"] = len(first)
    return results


def table(results: dict[str, Any]) -> str:
    lines = [
        f"{results['backend']}, {results['people']:,} people enrolled over 3 days, "
        f"{results.get('rows', 0):,} drip rows queued by the first tick, same rows: "
        f"{results.get('same_rows')}",
        "code    tick     queued  wall ms  loop CPU ms  loop busy ms  longest stall ms  process CPU ms"
        "  server CPU ms",
    ]
    for name, ticks in results["runs"].items():
        for n, tick in enumerate(ticks):
            label = "first" if n == 0 else f"next {n}"
            server = "-" if tick["server_cpu_ms"] is None else f"{tick['server_cpu_ms']:.0f}"
            lines.append(
                f"{name:<7} {label:<7} {tick['queued']:>7,} {tick['wall_ms']:>8.0f}"
                f" {tick['loop_cpu_ms']:>12.1f} {tick['loop_busy_ms']:>13.1f}"
                f" {tick['longest_stall_ms']:>17.1f} {tick['process_cpu_ms']:>15.0f} {server:>14}"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--ticks", type=int, default=3, help="ticks after the first (default 3)")
    parser.add_argument("--order", default="after,before", help="implementations, in order")
    parser.add_argument("--output", type=Path, help="also write the figures as JSON here")
    found = asyncio.run(main(parser.parse_args()))
    print(table(found))
    if parser.parse_args().output:
        parser.parse_args().output.write_text(json.dumps(found, indent=2) + "\n")
