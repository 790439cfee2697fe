"""The daily retention job deletes people who stopped using the bot, as the privacy notice promises."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.people import get_person
from tests.conftest import Harness
from tests.test_privacy_e2e import onboard_user


async def test_retention_job_deletes_after_the_configured_days(harness: Harness) -> None:
    inactive = await onboard_user(harness, name="Parti")
    harness.clock.now += timedelta(days=200)
    active = await onboard_user(harness, name="Resté")
    await active.send("/menu")
    (job,) = harness.app.job_queue.get_jobs_by_name("retention") if harness.app.job_queue else ()

    harness.clock.now += timedelta(days=170)  # 370 days after the first one's last use, 170 after the other's
    await job.run(harness.app)
    async with harness.services.database.session() as session:
        assert await get_person(session, chat_id=inactive.id) is None
        assert await get_person(session, chat_id=active.id) is not None

    harness.clock.now += timedelta(days=190)  # the second one's turn: 360 days is not yet 365
    await job.run(harness.app)
    async with harness.services.database.session() as session:
        assert await get_person(session, chat_id=active.id) is not None
    harness.clock.now += timedelta(days=6)
    await job.run(harness.app)
    async with harness.services.database.session() as session:
        assert await get_person(session, chat_id=active.id) is None
