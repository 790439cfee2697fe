"""Welcome drips queued by SQL: only the steps due now, in each person's zone, never twice.

The window arithmetic is checked against the plain per-person rule (the code the SQL replaced) over time
zones and daylight-saving changes; the queueing against a real database on both backends, concurrent ticks
included; and one conversation end to end: two zones, a /stop, a tick run twice.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, func, select

from bot.content.pack import Drip, DripStep
from bot.db import Database
from bot.domain.campaigns import Zones
from bot.domain.people import accept_notice, update_person
from bot.domain.series import DRIP_TIME, LATE, due_window, enqueue_drips
from bot.models import Outbox, as_utc
from bot.schedule import parse_clock, wall_clock
from tests.campaign_support import add_person, bot_texts, received, run_clock
from tests.conftest import Harness

JOINED = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # 11:00 in Paris, 14:00 in Réunion
ZONES = Zones(by_territory={"demo": "Europe/Paris", "ile": "Indian/Reunion"}, default="Europe/Paris")
DRIP = Drip(id="welcome", roles=("parent",), steps=(DripStep(0, "page:a"), DripStep(2, "page:b")))


def reference_due(joined: datetime, day: int, zone: str, now: datetime) -> datetime | None:
    """The rule as the bot applied it person by person before: when the step is due, if it is now."""
    moment = parse_clock(DRIP_TIME)
    assert moment is not None
    local_day = joined.astimezone(ZoneInfo(zone)).date()
    due = max(joined, wall_clock(local_day + timedelta(days=day), moment, zone))
    return due if due <= now < due + LATE else None


def window_due(joined: datetime, day: int, zone: str, now: datetime) -> datetime | None:
    """The same answer read from `due_window`, as the INSERT ... SELECT applies it."""
    window = due_window(day, zone, now=now)
    if window is None or not window.start <= joined < window.end:
        return None
    moment = next(due for start, due in reversed(window.days) if joined >= start)
    return max(joined, moment)


@pytest.mark.parametrize(
    "zone", ["Europe/Paris", "Indian/Reunion", "America/Havana", "Pacific/Chatham", "America/Cayenne"]
)
def test_the_window_matches_the_per_person_rule_across_clock_changes(zone: str) -> None:
    chance = random.Random(zone)
    # Around the spring and autumn changes of both hemispheres (Havana changes its clocks at midnight).
    centres = [datetime(2026, 3, 8, tzinfo=UTC), datetime(2026, 3, 29, tzinfo=UTC)]
    centres += [datetime(2026, 4, 5, tzinfo=UTC), datetime(2026, 9, 27, tzinfo=UTC)]
    centres += [datetime(2026, 10, 25, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)]
    for _ in range(3000):
        now = chance.choice(centres) + timedelta(minutes=chance.randint(-7 * 24 * 60, 7 * 24 * 60))
        joined = now - timedelta(seconds=chance.randint(0, 20 * 24 * 3600))
        day = chance.choice([0, 1, 2, 7, 14])
        assert window_due(joined, day, zone, now) == reference_due(joined, day, zone, now), (joined, now)


def test_the_window_edges() -> None:
    evening = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # 18:00 in Paris
    # Day 0 at 18:00 exactly is due; a second earlier it is not.
    assert window_due(JOINED, 0, "Europe/Paris", evening) == evening
    assert window_due(JOINED, 0, "Europe/Paris", evening - timedelta(seconds=1)) is None
    # Enrolled after 18:00: due at once; two days later, too late.
    late_joiner = evening + timedelta(hours=2)
    assert window_due(late_joiner, 0, "Europe/Paris", late_joiner) == late_joiner
    assert window_due(late_joiner, 0, "Europe/Paris", late_joiner + LATE) is None


async def _people(database: Database, count: int, *, territory: str = "demo", first: int = 0) -> None:
    async with database.session() as session:
        for n in range(count):
            await accept_notice(
                session,
                chat_id=7_000_000_000 + first + n,
                language="fr",
                role="parent",
                territory=territory,
                source=None,
                now=JOINED,
            )


async def _rows(database: Database) -> list[tuple[int, int, datetime]]:
    async with database.session() as session:
        query = select(col(Outbox.person_id), col(Outbox.step), col(Outbox.not_before)).where(
            col(Outbox.sequence) == DRIP.id
        )
        return [(int(p), int(s or 0), as_utc(n)) for p, s, n in (await session.exec(query)).all()]


async def _tick(database: Database, now: datetime) -> int:
    async with database.session() as session:
        return await enqueue_drips(session, (DRIP,), now=now, zones=ZONES)


async def test_only_due_steps_in_each_zone_and_not_for_who_stopped(database: Database) -> None:
    await _people(database, 3)
    await _people(database, 2, territory="ile", first=10)
    await _people(database, 1, territory="elsewhere", first=20)  # unknown: the coordination's zone
    async with database.session() as session:
        await update_person(session, chat_id=7_000_000_000, messages_enabled=False)  # /stop
    # 18:00 in Réunion, 15:00 in Paris: only Réunion's day 0.
    reunion_evening = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
    assert await _tick(database, reunion_evening) == 2
    assert {(step, moment) for _, step, moment in await _rows(database)} == {(0, reunion_evening)}
    # 18:00 in Paris: the two Paris parents still receiving messages, and the unknown territory's.
    paris_evening = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    assert await _tick(database, paris_evening) == 3
    rows = await _rows(database)
    assert len(rows) == 5 and all(step == 0 for _, step, _ in rows)
    assert sorted(moment for _, _, moment in rows) == [reunion_evening] * 2 + [paris_evening] * 3
    # Day 1: nothing (the next step is day 2); run twice on day 2: each step once.
    assert await _tick(database, paris_evening + timedelta(days=1)) == 0
    assert await _tick(database, paris_evening + timedelta(days=2)) == 5
    assert await _tick(database, paris_evening + timedelta(days=2)) == 0
    rows = await _rows(database)
    assert len(rows) == len({(person, step) for person, step, _ in rows}) == 10


async def test_concurrent_ticks_queue_each_step_once(database: Database) -> None:
    await _people(database, 300)
    evening = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    # Two instances' clocks at the same moment: the unique key decides, neither fails.
    first, second = await asyncio.gather(_tick(database, evening), _tick(database, evening))
    assert first + second == 300
    async with database.session() as session:
        count = (await session.exec(select(func.count()).select_from(Outbox))).one()
    assert count == 300


@pytest.fixture
def content_dir(two_territories: Path) -> Path:
    return two_territories


async def test_welcome_series_in_two_zones_after_a_stop(harness: Harness) -> None:
    paris, island, stopped = (
        await harness.user("Paris"),
        await harness.user("Île"),
        await harness.user("Stop"),
    )
    await add_person(harness, paris, consented_at=JOINED)
    await add_person(harness, island, territory="ile", consented_at=JOINED)
    await add_person(harness, stopped, consented_at=JOINED)
    await stopped.send("/stop")
    first = harness.services.content.resource("fr", "talk_without_judging")
    assert first is not None

    harness.clock.now = datetime(2026, 11, 27, 14, 0, 5, tzinfo=UTC)  # 18:00 in Réunion, 15:00 in Paris
    await run_clock(harness)
    await received(island, first.title)
    async with harness.services.database.session() as session:
        queued = (await session.exec(select(col(Outbox.person_id)).where(col(Outbox.step) == 0))).all()
    assert len(queued) == 1  # Paris's waits for 18:00 there; nothing for the person who said /stop

    harness.clock.now = datetime(2026, 11, 27, 17, 0, 5, tzinfo=UTC)
    await run_clock(harness)
    await run_clock(harness)
    await received(paris, first.title)
    async with harness.services.database.session() as session:
        queued = (await session.exec(select(col(Outbox.person_id)).where(col(Outbox.step) == 0))).all()
    assert len(queued) == 2
    assert not [t for t in await bot_texts(stopped) if first.title in t]
    assert sum(first.title in t for t in await bot_texts(island)) == 1
