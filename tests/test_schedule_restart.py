"""Scheduled campaigns across a restart: a weekly campaign keeps its rhythm, a run missed while the bot was
down goes out at start-up within the grace period, and is otherwise recorded as missed and announced."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from bot.core.context import BotApplication
from bot.delivery.jobs import sender_of, tick, zones_of
from bot.domain import campaigns, run_outcomes
from bot.runner import SANDBOX_TOKEN, running
from bot.services import Services
from sandbox.client import SandboxClient
from sandbox.server import start_sandbox
from tests.campaign_support import enrol_parent, received, wait_for
from tests.conftest import CONTENT, HANG, Clock, ContentCache, make_settings

COORDINATOR = 900200


@asynccontextmanager
async def bot_up(
    base_url: str, database_url: str, clock: Clock, cache: ContentCache
) -> AsyncIterator[tuple[Services, BotApplication]]:
    """One life of the bot: start, yield, stop (the database and the sandbox outlive it)."""
    settings = make_settings(
        telegram_api_url=base_url,
        database_url=database_url,
        content_dir=CONTENT,
        coordinators=str(COORDINATOR),
    )
    found = cache.services(settings)  # the content as loaded once for the session: only the database matters
    found.clock = clock
    async with running(found, token=SANDBOX_TOKEN, timers=False) as app:
        yield found, app


async def test_weekly_and_missed_runs_across_restarts(database_url: str, content_cache: ContentCache) -> None:
    runner, base_url = await start_sandbox("127.0.0.1", 0)
    client = SandboxClient(base_url)
    clock = Clock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))  # a Monday
    try:
        coordinator = await client.new_user("Coord", "fr", user_id=COORDINATOR)
        parent = await client.new_user("Parent", "fr")
        async with bot_up(base_url, database_url, clock, content_cache) as (found, app):
            async with found.database.session() as session:
                await enrol_parent(session, chat_id=parent.id, now=clock.now)
                ids = []
                for title, fields in (
                    ("Hebdo", {"schedule": "weekly", "weekday": 0, "time_of_day": "11:00"}),
                    (
                        "Rattrapée",
                        {
                            "schedule": "once",
                            "on_date": datetime(2026, 11, 30).date(),
                            "time_of_day": "15:30",
                        },
                    ),
                    (
                        "Trop tard",
                        {
                            "schedule": "once",
                            "on_date": datetime(2026, 11, 30).date(),
                            "time_of_day": "12:30",
                        },
                    ),
                ):
                    draft = await campaigns.create_draft(session, by=COORDINATOR, title=title, now=clock.now)
                    draft.messages = {"fr": {"text": f"Message {title}"}}
                    for key, value in fields.items():
                        setattr(draft, key, value)
                    await campaigns.submit(
                        session, draft, by=COORDINATOR, now=clock.now, zones=zones_of(found), threshold=99
                    )
                    ids.append(draft.id)
            clock.now = datetime(2026, 11, 30, 10, 0, 5, tzinfo=UTC)  # 11:00 in Paris: the weekly one
            await tick(app)
            sender_of(app).wake()
            await received(parent, "Message Hebdo")

        # The bot is down from 10:00 to 15:00 UTC: "Rattrapée" (14:30 UTC) is half an hour late, within
        # the two hours' grace; "Trop tard" (11:30 UTC) is three and a half hours late, beyond it.
        clock.now = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
        async with bot_up(base_url, database_url, clock, content_cache) as (found, app):
            await tick(app)
            sender_of(app).wake()
            await received(parent, "Message Rattrapée")
            warning = await received(coordinator, "Trop tard")
            assert "n'a pas été envoyée" in warning[0]
            async with found.database.session() as session:
                late = await campaigns.get_campaign(session, ids[2] or 0)
                weekly = await campaigns.get_campaign(session, ids[0] or 0)
            assert late is not None and late.status == "missed"
            assert weekly is not None and weekly.next_run_at is not None
            assert weekly.next_run_at.replace(tzinfo=UTC) == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)

        # A week later, after another restart, the weekly campaign's second run goes out.
        clock.now = datetime(2026, 12, 7, 10, 0, 30, tzinfo=UTC)
        async with bot_up(base_url, database_url, clock, content_cache) as (found, app):
            await tick(app)
            sender_of(app).wake()

            async def two() -> bool:
                texts = [m.get("text", "") for m in await parent.messages() if m["from_bot"]]
                return sum("Message Hebdo" in t for t in texts) == 2

            await wait_for(two, HANG, "the second weekly message")
            assert not [m for m in await parent.messages() if "Trop tard" in str(m.get("text"))]
            async with found.database.session() as session:
                runs = await run_outcomes.runs_of(session, ids[0] or 0)
            assert [run.number for run in runs] == [1, 2] and runs[1].planned_at.replace(
                tzinfo=UTC
            ) == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
            assert timedelta(0) < clock.now - runs[1].planned_at.replace(tzinfo=UTC) < timedelta(minutes=1)
    finally:
        await client.close()
        await runner.cleanup()
