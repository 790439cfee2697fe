"""One measured scenario, alone in its process: `python -m bench.worker '<json>'`, run by bench/broadcast.py.

Two kinds:

- `engine`: the bot's campaign engine. Seeds a fresh SQLite database (recipients and one approved, urgent
  campaign), starts the Application with `bot.runner.running` (which starts the sender), then calls the
  campaign clock's `tick` once and waits until the run is done.
- `bare`: a bare python-telegram-bot loop. `telegram.Bot` on the same HTTP layer as the engine (config
  `http_client`: bot/aiohttp_request.py, or the HTTPXRequest ApplicationBuilder would build; 256
  connections), the same text, tasks bounded by a semaphore; no database, no pacing.

Only the send phase is measured: wall time (perf_counter), CPU of this process (getrusage RUSAGE_SELF,
user+sys, all threads, so aiosqlite's too) and, from /proc, the sandbox process's CPU over the same span.
The peak RSS (ru_maxrss) is the whole process's. The figures go to stdout as one `BENCH-RESULT {json}` line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Table, func, insert, select, update  # noqa: E402
from telegram import Bot, LinkPreviewOptions  # noqa: E402
from telegram.constants import ParseMode  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bot.aiohttp_request import AiohttpRequest  # noqa: E402
from bot.app import build_services  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.delivery.jobs import tick  # noqa: E402
from bot.models import Campaign, CampaignRun, Outbox, Person, as_utc  # noqa: E402
from bot.runner import SANDBOX_TOKEN, prepare_database, running  # noqa: E402
from sandbox.client import SandboxClient  # noqa: E402

RESULT_MARK = "BENCH-RESULT "
POLL = 0.5  # seconds between two looks at the run's progress
STALL = 60.0  # seconds without progress before the engine is declared stuck
FLOOR_RATE = 40.0  # messages per second that any machine running this benchmark should manage
SEED_CHUNK = 10_000  # Person rows per executemany
BARE_POOL = 256  # ApplicationBuilder's default connection_pool_size for the bot's requests
JSON = dict[str, Any]

log = logging.getLogger("bench.worker")
# The tables as SQLAlchemy Core sees them: plain, typed queries, with the columns' own date handling.
PEOPLE: Table = Person.__table__  # type: ignore[attr-defined]
CAMPAIGNS: Table = Campaign.__table__  # type: ignore[attr-defined]
RUNS: Table = CampaignRun.__table__  # type: ignore[attr-defined]
OUTBOX: Table = Outbox.__table__  # type: ignore[attr-defined]
WAITING = ("pending", "sending")


class BenchError(Exception):
    """Something went wrong: one line for the person running the benchmark."""


@dataclass
class Meter:
    """From `start()` to `stop()`: wall time, this process's CPU, the sandbox's, and the whole machine's."""

    sandbox_pid: int
    wall: float = 0.0
    cpu: float = 0.0
    sandbox_cpu: float = 0.0
    machine_busy: float = 0.0
    started: float = 0.0
    _cpu0: float = 0.0
    _sandbox0: float = 0.0
    _machine0: float = 0.0

    def start(self) -> None:
        self.started = time.perf_counter()
        self._cpu0 = cpu_seconds()
        self._sandbox0 = process_cpu(self.sandbox_pid)
        self._machine0 = machine_busy_seconds()

    def stop(self) -> None:
        self.wall = time.perf_counter() - self.started
        self.cpu = cpu_seconds() - self._cpu0
        self.sandbox_cpu = process_cpu(self.sandbox_pid) - self._sandbox0
        self.machine_busy = machine_busy_seconds() - self._machine0

    def figures(self, n: int) -> JSON:
        others = max(0.0, self.machine_busy - self.cpu - self.sandbox_cpu)
        return {
            "cpu_seconds": self.cpu,
            "cpu_ms_per_msg": self.cpu / n * 1000,
            "cpu_utilisation": self.cpu / self.wall,
            "sandbox_cpu_seconds": self.sandbox_cpu,
            "sandbox_cpu_utilisation": self.sandbox_cpu / self.wall,
            # Cores kept busy by everything else on the machine (another test run, say) meanwhile.
            "other_load_cores": others / self.wall,
        }


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """user+sys seconds of another process, from /proc (0 when it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # After the command name: state is field 3, utime 14 and stime 15 (1-based in proc(5)).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def send_allowance(n: int, rate: float) -> float:
    """Seconds a send of `n` messages may take before it counts as failed: twice the time at `rate`, or
    at FLOOR_RATE when that is lower (a slow machine cannot keep up with a high BROADCAST_RATE)."""
    return 120 + 2 * n / min(rate, FLOOR_RATE)


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent on anything but idling, since boot (the first line of /proc/stat)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle and iowait
    busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal; guest is in user
    return busy / os.sysconf("SC_CLK_TCK")


def rss_mib() -> float:
    """The current resident set size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# Engine ---------------------------------------------------------------------------------------------------


async def seed(database: Database, chat_ids: list[int], text: str, *, now: datetime, author: int = 0) -> int:
    """Recipients and one approved, urgent 'now' campaign, not yet due (`next_run_at` is set at the tick).

    `author`: the coordinator who wrote it, who gets the progress message (edited every few seconds while
    the run sends); 0 for nobody, so no report at all.
    """
    # Consented two months ago: no welcome drip (content/sequences.yml) is due for them.
    consented = now - timedelta(days=60)
    statement = insert(PEOPLE)
    async with database.engine.begin() as connection:
        for start in range(0, len(chat_ids), SEED_CHUNK):
            rows = [
                {
                    "chat_id": chat_id,
                    "language": "fr",
                    "role": "parent",
                    "territory": "demo",
                    "messages_enabled": True,
                    "consented_at": consented,
                    "last_active_on": now.date(),
                    "training_reminders": True,
                    "unreachable": False,
                }
                for chat_id in chat_ids[start : start + SEED_CHUNK]
            ]
            await connection.execute(statement, rows)
    async with database.session() as session:
        campaign = Campaign(
            title="Benchmark",
            created_by=author,
            created_at=now,
            status="approved",
            messages={"fr": {"text": text}},
            audience={},
            schedule="now",
            urgent=True,  # neither quiet hours nor the weekly cap apply
            # Approved by a second coordinator, as any campaign above APPROVAL_THRESHOLD must be: one that
            # its author approved alone goes back for approval when its audience has grown past it.
            approved_by=1,
            approved_at=now,
            next_run_at=None,
        )
        session.add(campaign)
        await session.flush()
        assert campaign.id is not None
        return campaign.id


@dataclass(frozen=True)
class RunState:
    status: str
    started_at: datetime | None
    finished_at: datetime | None


async def wait_for_run(database: Database, campaign_id: int, *, deadline: float) -> RunState:
    """Poll until the campaign's run is done; raise when it stalls or the deadline passes."""
    last_left, last_change = -1, time.monotonic()
    run_query = select(RUNS.c.status, RUNS.c.started_at, RUNS.c.finished_at).where(
        RUNS.c.campaign_id == campaign_id
    )
    left_query = select(func.count()).select_from(OUTBOX).where(OUTBOX.c.status.in_(WAITING))
    while True:
        await asyncio.sleep(POLL)
        async with database.engine.connect() as connection:
            row = (await connection.execute(run_query)).one_or_none()
            left = int((await connection.execute(left_query)).scalar_one())
        if row is None:
            raise BenchError("tick() started no run for the benchmark campaign")
        if row.status != "sending" and left == 0:
            return RunState(str(row.status), row.started_at, row.finished_at)
        now = time.monotonic()
        if left != last_left:
            last_left, last_change = left, now
        elif now - last_change > STALL:
            raise BenchError(f"the engine made no progress for {STALL:.0f} s ({left} messages left)")
        if now > deadline:
            raise BenchError(f"the run did not finish in time ({left} messages left)")


async def outbox_counts(database: Database) -> dict[str, int]:
    query = select(OUTBOX.c.status, func.count()).group_by(OUTBOX.c.status)
    async with database.engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    return {str(status): int(count) for status, count in rows}


async def run_engine(config: JSON) -> JSON:
    n, rate, paid = int(config["n"]), float(config["rate"]), bool(config["paid"])
    base = str(config["sandbox_url"])
    client = SandboxClient(base)
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as folder:
        try:
            seed_t0 = time.perf_counter()
            chat_ids = await client.create_users(n, "fr", "Bench")
            author = (await client.create_users(1, "fr", "Coordinator"))[0] if config.get("report") else 0
            settings = load_settings(
                None,
                telegram_api_url=base,
                database_url=f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}",
                broadcast_rate=rate,
                paid_broadcast=paid,
                content_dir=ROOT / "content",
                log_level="WARNING",
                http_client=config.get("http_client", "aiohttp"),
            )
            found = build_services(settings)
            await prepare_database(found.database, migrate_schema=True)
            campaign_id = await seed(
                found.database, chat_ids, str(config["text"]), now=found.clock(), author=author
            )
            seed_seconds = time.perf_counter() - seed_t0
            await client.set_limits(**config["limits"])
            await client.reset_stats()
            meter = Meter(int(config["sandbox_pid"]))
            async with running(found, token=SANDBOX_TOKEN) as app:
                # Only this script's tick starts the run: two ticks at once could both start it.
                if app.job_queue is not None:
                    for job in app.job_queue.get_jobs_by_name("campaigns"):
                        job.schedule_removal()
                rss_before = rss_mib()
                # A backstop only (a stuck engine is caught by STALL): this machine may send far below `rate`.
                deadline = time.monotonic() + send_allowance(n, rate)
                due = update(CAMPAIGNS).where(CAMPAIGNS.c.id == campaign_id).values(next_run_at=found.clock())
                async with found.database.engine.begin() as connection:
                    await connection.execute(due)
                meter.start()
                await tick(app)
                tick_seconds = time.perf_counter() - meter.started
                run = await wait_for_run(found.database, campaign_id, deadline=deadline)
                meter.stop()
                counts = await outbox_counts(found.database)
            stats = await client.stats()
        finally:
            await client.close()
    if run.started_at is None or run.finished_at is None:
        raise BenchError(f"the run ended {run.status} without its start and end times")
    # The engine's own account of the send: from the tick to the moment the last outcome was recorded.
    seconds = (as_utc(run.finished_at) - as_utc(run.started_at)).total_seconds()
    sent = counts.get("sent", 0)
    if sent != n:
        raise BenchError(f"{sent} of {n} messages were sent; the outbox holds {counts}")
    return {
        "kind": "engine",
        "n": n,
        "report": bool(author),
        "rate": rate,
        "paid": paid,
        "limits": config["limits"],
        "seed_seconds": seed_seconds,
        "tick_seconds": tick_seconds,
        "send_seconds": seconds,
        "polled_seconds": meter.wall,
        "sent": sent,
        "msgs_per_s": sent / seconds,
        "fraction_of_rate": sent / seconds / rate,
        "outbox": counts,
        **meter.figures(n),
        "rss_before_send_mib": rss_before,
        "max_rss_mib": max_rss_mib(),
        "sandbox": sandbox_figures(stats),
    }


# Bare loop ------------------------------------------------------------------------------------------------


async def run_bare(config: JSON) -> JSON:
    n, concurrency = int(config["n"]), int(config["concurrency"])
    base, text = str(config["sandbox_url"]), str(config["text"])
    client = SandboxClient(base)
    try:
        seed_t0 = time.perf_counter()
        chat_ids = await client.create_users(n, "fr", "Bench")
        seed_seconds = time.perf_counter() - seed_t0
        await client.set_limits(**config["limits"])
        await client.reset_stats()
        bot = Bot(
            SANDBOX_TOKEN,
            base_url=f"{base}/bot",
            base_file_url=f"{base}/file/bot",
            request=(
                AiohttpRequest(connection_pool_size=BARE_POOL)
                if config.get("http_client", "aiohttp") == "aiohttp"
                else HTTPXRequest(connection_pool_size=BARE_POOL)
            ),
        )
        failures: list[str] = []
        meter = Meter(int(config["sandbox_pid"]))
        async with bot:
            rss_before = rss_mib()
            no_preview = LinkPreviewOptions(is_disabled=True)
            slots = asyncio.Semaphore(concurrency)

            async def one(chat_id: int) -> None:
                try:
                    await bot.send_message(
                        chat_id,
                        text,
                        parse_mode=ParseMode.HTML,
                        link_preview_options=no_preview,
                        allow_paid_broadcast=True,
                    )
                except Exception as error:
                    failures.append(type(error).__name__)
                finally:
                    slots.release()

            meter.start()
            await bounded(chat_ids, slots, one)
            meter.stop()
        stats = await client.stats()
    finally:
        await client.close()
    if failures:
        raise BenchError(f"the bare loop got {len(failures)} errors, first {failures[0]}")
    return {
        "kind": "bare",
        "n": n,
        "concurrency": concurrency,
        "seed_seconds": seed_seconds,
        "send_seconds": meter.wall,
        "sent": n,
        "msgs_per_s": n / meter.wall,
        **meter.figures(n),
        "rss_before_send_mib": rss_before,
        "max_rss_mib": max_rss_mib(),
        "sandbox": sandbox_figures(stats),
    }


async def bounded(
    chat_ids: list[int], slots: asyncio.Semaphore, send: Callable[[int], Coroutine[Any, Any, None]]
) -> None:
    """One task per message, at most `slots` at once: the sender's own pattern, without its pacer."""
    tasks: set[asyncio.Task[None]] = set()
    for chat_id in chat_ids:
        await slots.acquire()
        task = asyncio.create_task(send(chat_id))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)


def sandbox_figures(stats: JSON) -> JSON:
    return {
        "delivered": int(stats.get("delivered", 0)),
        "paid_messages": int(stats.get("paid_messages", 0)),
        "too_many_requests": int(stats.get("too_many_requests", 0)),
        "requests": stats.get("requests", {}),
    }


async def main_async(config: JSON) -> JSON:
    if config["kind"] == "engine":
        return await run_engine(config)
    if config["kind"] == "bare":
        return await run_bare(config)
    raise BenchError(f"unknown scenario kind {config['kind']!r}")


def main() -> None:
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        config = json.loads(sys.argv[1])
        result = asyncio.run(main_async(config))
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        sys.exit(1)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr, flush=True)
        sys.exit(130)
    except Exception as error:
        logging.exception("the scenario failed")
        print(f"error: {type(error).__name__}: {error}".splitlines()[0], file=sys.stderr, flush=True)
        sys.exit(1)
    print(RESULT_MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
