"""Kill the bot (SIGKILL, a real subprocess) in the middle of a send, start it again: the send resumes,
nobody is skipped, only the messages in flight at the kill may arrive twice, and the report says how many
could have. Runs missed while it was down go out within the grace period, or are announced as missed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from bot.db import Database
from bot.domain import run_outcomes
from bot.models import Campaign, CampaignRun
from bot.runner import SANDBOX_TOKEN, prepare_database
from sandbox.client import SandboxClient
from sandbox.server import start_sandbox
from tests.campaign_support import enrol_parent, wait_for
from tests.conftest import CONTENT, HANG, ROOT

RECIPIENTS = 120
COORDINATOR = 900300


def approved(title: str, planned: datetime) -> Campaign:
    # Urgent: the test runs on the machine's real clock, which may be in the quiet hours.
    return Campaign(
        title=title,
        created_by=COORDINATOR,
        created_at=planned,
        status="approved",
        messages={"fr": {"text": f"Campagne {title}"}},
        urgent=True,
        next_run_at=planned,
        approved_by=COORDINATOR + 1,
        approved_at=planned,
    )


async def start_bot(
    base_url: str, database_url: str, log: Path, **settings: str
) -> asyncio.subprocess.Process:
    """The bot as a real process on the sandbox, its output appended to `log`; `settings` add variables."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": SANDBOX_TOKEN,
        "TELEGRAM_API_URL": base_url,
        "DATABASE_URL": database_url,
        "COORDINATORS": str(COORDINATOR),
        "BROADCAST_RATE": "25",
        "CONTENT_DIR": str(CONTENT),
        **settings,
    }
    with log.open("ab") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stdout=output, stderr=output
        )


async def test_killed_mid_send_then_restarted(tmp_path: Path) -> None:
    runner, base_url = await start_sandbox("127.0.0.1", 0)
    client = SandboxClient(base_url)
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    database = Database(database_url)
    log = tmp_path / "bot.log"
    process: asyncio.subprocess.Process | None = None
    try:
        await prepare_database(database, migrate_schema=True)
        await client.set_limits(enabled=True, global_rate=30, per_chat_rate=1)
        coordinator = await client.new_user("Coord", "fr", user_id=COORDINATOR)
        ids = await client.create_users(RECIPIENTS)
        now = datetime.now(UTC)
        async with database.session() as session:
            for chat_id in ids:
                await enrol_parent(session, chat_id=chat_id, now=now)
            session.add(approved("Coupée", now))

        process = await start_bot(base_url, database_url, log)

        async def some_delivered() -> bool:
            return int((await client.stats())["delivered"]) >= 40

        await wait_for(some_delivered, HANG, "the send to be under way")
        process.kill()  # SIGKILL: no goodbye, no recording of the batch in flight
        await process.wait()
        at_kill = int((await client.stats())["delivered"])
        assert at_kill < RECIPIENTS + 1, "the kill came too late to test anything"

        # While the bot is down, two runs fall due: one half an hour ago, one three hours ago.
        down = datetime.now(UTC)
        async with database.session() as session:
            session.add(approved("Rattrapée", down - timedelta(minutes=30)))
            session.add(approved("Manquée", down - timedelta(hours=3)))

        process = await start_bot(base_url, database_url, log)

        async def everyone_reached() -> bool:
            async with database.session() as session:
                run = (await session.exec(select(CampaignRun).where(CampaignRun.number == 1))).all()
                return len(run) >= 3 and all(r.status in ("done", "missed") for r in run)

        await wait_for(everyone_reached, HANG, "both sends to finish")
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), HANG) == 0

        counts: Counter[str] = Counter()
        duplicates = 0
        for chat_id in ids:
            messages = await client.request("GET", f"/chats/{chat_id}/messages")
            texts = [str(m.get("text", "")) for m in messages if m["from_bot"]]
            cut = sum("Campagne Coupée" in t for t in texts)
            assert cut >= 1, f"chat {chat_id} was skipped"
            duplicates += cut - 1
            counts.update(t.split("\n")[0] for t in texts)
        assert counts["Campagne Rattrapée"] == RECIPIENTS
        assert counts["Campagne Manquée"] == 0

        async with database.session() as session:
            runs = {
                c.title: await run_outcomes.runs_of(session, c.id or 0)
                for c in (await session.exec(select(Campaign))).all()
            }
        cut_run = runs["Coupée"][0]
        print(  # the figures the README quotes, shown with `pytest -s`
            f"crash test: killed after {at_kill} of {RECIPIENTS} messages; {cut_run.possible_duplicates} in "
            f"flight at the kill, {duplicates} of them arrived twice"
        )
        assert cut_run.status == "done"
        # Only the batch in flight (half a second at 25 messages a second) can have gone out twice.
        assert duplicates <= cut_run.possible_duplicates <= 13
        assert runs["Manquée"][0].status == "missed"
        coordinator_texts = [str(m.get("text", "")) for m in await coordinator.messages() if m["from_bot"]]
        assert any("Manquée" in t and "n'a pas été envoyée" in t for t in coordinator_texts), (
            coordinator_texts
        )
        report = [t for t in coordinator_texts if t.startswith("📤 Coupée")]
        assert report and f"Envoyés : {RECIPIENTS}" in report[-1].replace("\u202f", "")
        if cut_run.possible_duplicates:
            assert "Peut-être reçus deux fois" in report[-1]
    finally:
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        await database.close()
        await client.close()
        await runner.cleanup()
        if log.exists():
            print(log.read_text(errors="replace")[-3000:])
