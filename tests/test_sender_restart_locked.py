"""A bot process started while another process holds the database's write lock: it comes up (the weekly
series and the recovery of the messages in flight wait for the lock, retried, instead of crashing the start
or ending sending for good), and sends once the lock is gone. Twice: on a database it has never started on,
then killed mid-send and started again under the lock. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from bot.db import Database
from bot.domain import run_outcomes
from bot.models import Campaign, CampaignRun
from sandbox.client import SandboxClient
from sandbox.server import start_sandbox
from tests.campaign_support import enrol_parent, wait_for
from tests.conftest import HANG
from tests.lock_support import short_lock_timeout, write_lock
from tests.test_crash_resume import COORDINATOR, approved
from tests.test_crash_resume import start_bot as crash_bot

RECIPIENTS = 60
RUNNING = "Repères is running"


async def start_bot(base_url: str, database_url: str, log: Path) -> asyncio.subprocess.Process:
    # Short waits between tries, so the sender is back soon after the lock goes.
    return await crash_bot(base_url, database_url, log, RETRY_MAX_SECONDS="0.5")


async def runs_of(database: Database) -> list[CampaignRun]:
    async with database.session() as session:
        query = select(Campaign).where(Campaign.title == "Sous verrou")
        (campaign,) = (await session.exec(query)).all()
        return await run_outcomes.runs_of(session, campaign.id or 0)


def since(log: Path, offset: int) -> str:
    return log.read_bytes()[offset:].decode(errors="replace")


async def test_started_under_a_lock_it_comes_up_and_sends_once_the_lock_is_gone(
    database_url: str, tmp_path: Path
) -> None:
    await short_lock_timeout(database_url)
    runner, base_url = await start_sandbox("127.0.0.1", 0)
    client = SandboxClient(base_url)
    database = Database(database_url)
    log = tmp_path / "bot.log"
    process: asyncio.subprocess.Process | None = None
    try:
        await client.set_limits(enabled=True, global_rate=30, per_chat_rate=1)
        await client.new_user("Coord", "fr", user_id=COORDINATOR)
        ids = await client.create_users(RECIPIENTS)
        now = datetime.now(UTC)
        async with database.session() as session:
            for chat_id in ids:
                await enrol_parent(session, chat_id=chat_id, now=now)
            session.add(approved("Sous verrou", now))
        await database.close()  # the test's own pool holds no connection while the bot starts

        def came_up_and_hit_the_lock(offset: int) -> Callable[[], Awaitable[bool]]:
            async def check() -> bool:
                text = await asyncio.to_thread(since, log, offset)
                return RUNNING in text and ": failed (" in text

            return check

        # 1. The first start on this database (the weekly series to create) while the lock is held.
        async with write_lock(database_url):
            process = await start_bot(base_url, database_url, log)
            await wait_for(came_up_and_hit_the_lock(0), HANG, "the bot to come up")
            assert process.returncode is None
            assert int((await client.stats())["delivered"]) == 0

        async def some_delivered() -> bool:
            return int((await client.stats())["delivered"]) >= 20

        await wait_for(some_delivered, HANG, "the send to start once the lock is gone")
        process.kill()  # SIGKILL mid-send: a batch stays `sending`
        await process.wait()

        # 2. Started again while the lock is held: the recovery of the batch in flight waits for it.
        offset = log.stat().st_size
        async with write_lock(database_url):
            process = await start_bot(base_url, database_url, log)
            await wait_for(came_up_and_hit_the_lock(offset), HANG, "the restart")
            assert process.returncode is None

        async def everyone_reached() -> bool:
            async with database.session() as session:
                (campaign,) = (
                    await session.exec(select(Campaign).where(Campaign.title == "Sous verrou"))
                ).all()
                runs = await run_outcomes.runs_of(session, campaign.id or 0)
                return len(runs) == 1 and runs[0].status == "done"

        await wait_for(everyone_reached, HANG, "the send to finish")
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), HANG) == 0

        duplicates = 0
        for chat_id in ids:
            messages = await client.request("GET", f"/chats/{chat_id}/messages")
            got = sum("Campagne Sous verrou" in str(m.get("text", "")) for m in messages if m["from_bot"])
            assert got >= 1, f"chat {chat_id} was skipped"
            duplicates += got - 1
        (run,) = await runs_of(database)
        assert duplicates <= run.possible_duplicates <= 13  # only the batch in flight at the kill
        assert "Traceback" not in log.read_text(errors="replace")
    finally:
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        await database.close()
        await client.close()
        await runner.cleanup()
        if log.exists():
            print(log.read_text(errors="replace")[-4000:])
