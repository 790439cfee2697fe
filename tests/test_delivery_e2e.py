"""The delivery engine against the sandbox: limits, 429, 403, 5xx, quiet hours, time zones, the weekly
cap, /stop during a send, pause, resume and cancel.

Campaigns are created with the domain calls the composer uses (its own test drives the chat), so each test
says only what it is about.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, func, select

from bot.core.callbacks import Action, pack
from bot.delivery.jobs import sender_of, zones_of
from bot.domain import campaigns, coordinators, run_outcomes
from bot.domain.audience import Audience, count_audience
from bot.domain.people import get_person
from bot.models import Campaign, CampaignRun, Outbox
from sandbox.client import SandboxUser
from tests.campaign_support import add_person, bot_texts, received, run_clock, wait_for
from tests.conftest import HANG, Harness

COORDINATOR = 900010


@pytest.fixture
def content_dir(two_territories: Path) -> Path:
    return two_territories


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coordinators": str(COORDINATOR), "approval_threshold": 100_000, "weekly_cap": 2}


async def campaign(
    harness: Harness,
    text: str,
    *,
    audience: dict[str, Any] | None = None,
    urgent: bool = False,
    schedule: str = "now",
    **fields: Any,
) -> int:
    """An approved campaign, as the composer leaves it after Submit."""
    found = harness.services
    async with found.database.session() as session:
        draft = await campaigns.create_draft(session, by=COORDINATOR, title=text[:20], now=harness.clock.now)
        draft.messages = {"fr": {"text": text}}
        draft.audience = audience or {}
        draft.urgent, draft.schedule = urgent, schedule
        for key, value in fields.items():
            setattr(draft, key, value)
        await campaigns.submit(
            session, draft, by=COORDINATOR, now=harness.clock.now, zones=zones_of(found), threshold=100_000
        )
        assert draft.id is not None
        return draft.id


async def people(harness: Harness, count: int, **kwargs: Any) -> list[SandboxUser]:
    users = [await harness.user(f"P{i}") for i in range(count)]
    for user in users:
        await add_person(harness, user, **kwargs)
    return users


async def statuses(harness: Harness, campaign_id: int) -> dict[str, int]:
    async with harness.services.database.session() as session:
        query = (
            select(col(Outbox.status), func.count())
            .join(CampaignRun, col(CampaignRun.id) == col(Outbox.run_id))
            .where(col(CampaignRun.campaign_id) == campaign_id)
            .group_by(col(Outbox.status))
        )
        return {status: int(count) for status, count in (await session.exec(query)).all()}


async def waiting_row(harness: Harness, campaign_id: int, user: SandboxUser) -> tuple[str, datetime]:
    """The status of the campaign's row for this person, and the moment it may leave."""
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=user.id)
        assert person is not None
        query = (
            select(Outbox)
            .join(CampaignRun, col(CampaignRun.id) == col(Outbox.run_id))
            .where(col(CampaignRun.campaign_id) == campaign_id, col(Outbox.person_id) == person.id)
        )
        (row,) = (await session.exec(query)).all()
        return row.status, row.not_before.replace(tzinfo=UTC)


async def settled(harness: Harness, campaign_id: int, **expected: int) -> dict[str, int]:
    """Wait until the campaign's rows have the expected statuses (others may exist too)."""
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        found = await statuses(harness, campaign_id)
        if all(found.get(k, 0) == v for k, v in expected.items()):
            return found
        assert asyncio.get_running_loop().time() < deadline, f"expected {expected}, still {found}"
        await asyncio.sleep(0.1)


async def test_paced_under_telegram_limits_without_a_single_429(harness: Harness) -> None:
    await harness.client.set_limits(enabled=True, global_rate=30, per_chat_rate=1)
    users = await people(harness, 30)
    first = await campaign(harness, "Première", urgent=True)
    second = await campaign(harness, "Seconde", urgent=True)  # same people: one message per chat per second
    await run_clock(harness)
    await settled(harness, first, sent=30)
    await settled(harness, second, sent=30)
    stats = await harness.client.stats()
    assert stats["too_many_requests"] == 0
    for user in users[:3]:
        texts = await bot_texts(user)
        assert sum("Première" in t for t in texts) == 1 and sum("Seconde" in t for t in texts) == 1


async def test_429_pauses_everything_then_retries(harness: Harness) -> None:
    users = await people(harness, 5)
    await harness.client.add_fault(method="sendMessage", chat_id=users[2].id, error_code=429, retry_after=1)
    cid = await campaign(harness, "Après la pause", urgent=True)
    await run_clock(harness)
    await settled(harness, cid, sent=5)
    assert sender_of(harness.app).pacer.pauses == 1
    for user in users:
        assert sum("Après la pause" in t for t in await bot_texts(user)) == 1


async def test_blocked_and_missing_chats_become_unreachable(harness: Harness) -> None:
    blocked, gone, _fine = await people(harness, 3)
    await blocked.block()
    await harness.client.add_fault(
        method="sendMessage",
        chat_id=gone.id,
        error_code=400,
        description="Bad Request: chat not found",
        times=50,
    )
    cid = await campaign(harness, "Bonjour", urgent=True)
    await run_clock(harness)
    await settled(harness, cid, sent=1, unreachable=2)
    async with harness.services.database.session() as session:
        assert await count_audience(session, Audience()) == 1  # excluded from every later audience
    # Writing to the bot again makes a person reachable again.
    await blocked.block(False)
    await blocked.send("/menu")

    async def reachable() -> bool:  # written in the background, apart from the reply (bot/domain/activity.py)
        async with harness.services.database.session() as session:
            person = await get_person(session, chat_id=blocked.id)
        return person is not None and not person.unreachable

    await wait_for(reachable, what="the person reachable again")


async def test_server_errors_are_retried_with_backoff_then_recorded_as_failed(harness: Harness) -> None:
    flaky, broken, dropped = await people(harness, 3)
    await harness.client.add_fault(method="sendMessage", chat_id=flaky.id, error_code=502, times=2)
    await harness.client.add_fault(method="sendMessage", chat_id=broken.id, error_code=500, times=99)
    await harness.client.add_fault(method="sendMessage", chat_id=dropped.id, drop=True)
    cid = await campaign(harness, "Essai", urgent=True)
    await run_clock(harness)
    for _ in range(300):  # each retry waits for its backoff, on the test's clock
        found = await statuses(harness, cid)
        if found.get("sent") == 2 and found.get("failed") == 1:
            break
        harness.clock.now += timedelta(minutes=6)
        sender_of(harness.app).wake()
        await asyncio.sleep(0.1)
    result = await settled(harness, cid, sent=2, failed=1)
    assert result.get("pending", 0) == 0
    assert sum("Essai" in t for t in await bot_texts(flaky)) == 1
    assert not [t for t in await bot_texts(broken) if "Essai" in t]


async def test_quiet_hours_hold_messages_until_morning_unless_urgent(harness: Harness) -> None:
    harness.clock.now = datetime(2026, 11, 27, 21, 30, tzinfo=UTC)  # 22:30 in Paris
    paris, island = await people(harness, 1), await people(harness, 1, territory="ile")  # Réunion: 01:30
    night = await campaign(harness, "Réunion demain")
    urgent = await campaign(harness, "Alerte", urgent=True)
    await run_clock(harness)
    await settled(harness, urgent, sent=2)
    await settled(harness, night, pending=2)
    async with harness.services.database.session() as session:
        run = (await run_outcomes.runs_of(session, night))[0]
        figures = await run_outcomes.run_figures(session, run, now=harness.clock.now)
    assert figures.held == 2 and figures.sent == 0
    # 08:00 in Réunion is 04:00 UTC, while it is still 05:00 in Paris.
    harness.clock.now = datetime(2026, 11, 28, 4, 0, 5, tzinfo=UTC)
    await run_clock(harness)
    await received(island[0], "Réunion demain")
    # Paris's message waits in the database for 08:00 there (its chat alone could only say "not yet").
    assert await waiting_row(harness, night, paris[0]) == (
        "pending",
        datetime(2026, 11, 28, 7, 0, tzinfo=UTC),
    )
    harness.clock.now = datetime(2026, 11, 28, 7, 0, 5, tzinfo=UTC)
    await run_clock(harness)
    await received(paris[0], "Réunion demain")
    await settled(harness, night, sent=2)


async def test_local_time_means_each_recipients_own_zone(harness: Harness) -> None:
    paris, island = (await people(harness, 1))[0], (await people(harness, 1, territory="ile"))[0]
    cid = await campaign(
        harness, "À 18 heures", schedule="once", on_date=datetime(2026, 11, 28).date(), time_of_day="18:00"
    )
    async with harness.services.database.session() as session:
        stored = await campaigns.get_campaign(session, cid)
        assert stored is not None and stored.next_run_at is not None
        assert stored.next_run_at.replace(tzinfo=UTC) == datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
    harness.clock.now = datetime(2026, 11, 28, 14, 0, 5, tzinfo=UTC)  # 18:00 in Réunion, 15:00 in Paris
    await run_clock(harness)
    await received(island, "À 18 heures")
    assert await waiting_row(harness, cid, paris) == ("pending", datetime(2026, 11, 28, 17, 0, tzinfo=UTC))
    harness.clock.now = datetime(2026, 11, 28, 17, 0, 5, tzinfo=UTC)
    await run_clock(harness)
    await received(paris, "À 18 heures")


async def test_weekly_cap_skips_the_third_campaign_of_the_week_but_not_an_urgent_one(
    harness: Harness,
) -> None:
    (user,) = await people(harness, 1)
    ids = []
    for name in ("Un", "Deux", "Trois"):
        ids.append(await campaign(harness, f"Campagne {name}"))
        await run_clock(harness)
        await wait_for(lambda cid=ids[-1]: _none_pending(harness, cid), HANG, "the run to end")
    assert (await statuses(harness, ids[2])) == {"capped": 1}
    alert = await campaign(harness, "Urgence", urgent=True)
    await run_clock(harness)
    await settled(harness, alert, sent=1)
    texts = await bot_texts(user)
    assert [name for name in ("Un", "Deux", "Trois", "Urgence") if any(name in t for t in texts)] == [
        "Un",
        "Deux",
        "Urgence",
    ]


async def _none_pending(harness: Harness, cid: int) -> bool:
    found = await statuses(harness, cid)
    return bool(found) and not (found.get("pending") or found.get("sending"))


async def test_stop_during_a_send_takes_effect_at_once(harness: Harness) -> None:
    await harness.client.set_limits(enabled=True, global_rate=4, per_chat_rate=1)
    sender_of(harness.app).pacer.interval = 1 / 4  # a slow send, so that /stop lands in the middle of it
    users = await people(harness, 12)
    cid = await campaign(harness, "Lent", urgent=True)
    await run_clock(harness)
    await received(users[0], "Lent")
    await users[-1].send("/stop")
    await settled(harness, cid, sent=11, opted_out=1)
    assert not [t for t in await bot_texts(users[-1]) if "Lent" in t]


async def test_pause_resume_and_cancel(harness: Harness) -> None:
    sender_of(harness.app).pacer.interval = 1 / 5
    users = await people(harness, 15)
    cid = await campaign(harness, "Pause", urgent=True)
    await run_clock(harness)
    await received(users[0], "Pause")
    async with harness.services.database.session() as session:
        stored = await campaigns.get_campaign(session, cid)
        assert stored is not None
        await campaigns.pause(session, stored, by=COORDINATOR, now=harness.clock.now)
    paused = await wait_for(lambda: _paused(harness, cid), HANG, "rows to pause")
    sent = (await statuses(harness, cid)).get("sent", 0)
    assert paused and sent + paused == 15
    # Nothing leaves while paused. Looking right after waking the sender would pass whatever it does next, so
    # another campaign's message is sent and received first: its row is due after the paused ones, so the
    # sender has looked at those and left them when this one arrives.
    (witness,) = await people(harness, 1, territory="ile")
    await campaign(harness, "Témoin", urgent=True, audience={"territories": ["ile"]})
    await run_clock(harness)
    await received(witness, "Témoin")
    assert await statuses(harness, cid) == {"sent": sent, "paused": paused}
    assert sum(["Pause" in t for user in users for t in await bot_texts(user)]) == sent
    async with harness.services.database.session() as session:
        stored = await campaigns.get_campaign(session, cid)
        assert stored is not None
        await campaigns.resume(
            session, stored, by=COORDINATOR, now=harness.clock.now, zones=zones_of(harness.services)
        )
    await run_clock(harness)
    await settled(harness, cid, sent=15)

    harness.clock.now = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)  # quiet hours: everything is held
    other = await campaign(harness, "Annulée", audience={"territories": ["demo"]})  # the 15, not the witness
    await run_clock(harness)
    await settled(harness, other, pending=15)
    async with harness.services.database.session() as session:
        stored = await campaigns.get_campaign(session, other)
        assert stored is not None
        await campaigns.cancel(session, stored, by=COORDINATOR, now=harness.clock.now)
    assert await statuses(harness, other) == {"cancelled": 15}
    async with harness.services.database.session() as session:
        final = await campaigns.get_campaign(session, other)
        assert isinstance(final, Campaign) and final.status == "cancelled"


async def _paused(harness: Harness, cid: int) -> int:
    found = await statuses(harness, cid)
    return found.get("paused", 0) if not found.get("sending") else 0


async def test_weekly_local_time_runs_once_a_week_across_zones(harness: Harness) -> None:
    paris, island = (await people(harness, 1))[0], (await people(harness, 1, territory="ile"))[0]
    # Wednesday 18:00 local: 14:00 UTC in Réunion, 17:00 UTC in Paris.
    cid = await campaign(harness, "Hebdo locale", schedule="weekly", weekday=2, time_of_day="18:00")
    harness.clock.now = datetime(2026, 12, 2, 14, 0, 5, tzinfo=UTC)
    await run_clock(harness)
    await received(island, "Hebdo locale")
    harness.clock.now = datetime(2026, 12, 2, 17, 0, 5, tzinfo=UTC)
    await run_clock(harness)
    await received(paris, "Hebdo locale")
    await settled(harness, cid, sent=2)
    async with harness.services.database.session() as session:
        stored = await campaigns.get_campaign(session, cid)
        runs = await run_outcomes.runs_of(session, cid)
    assert stored is not None and stored.next_run_at is not None
    assert len(runs) == 1  # Paris's 18:00 did not start a second run
    assert stored.next_run_at.replace(tzinfo=UTC) == datetime(2026, 12, 9, 14, 0, tzinfo=UTC)
    for user in (paris, island):
        assert sum("Hebdo locale" in t for t in await bot_texts(user)) == 1


async def test_a_late_start_misses_only_the_zones_whose_time_is_long_past(harness: Harness) -> None:
    paris, island = (await people(harness, 1))[0], (await people(harness, 1, territory="ile"))[0]
    cid = await campaign(
        harness, "Ce soir", schedule="once", on_date=datetime(2026, 11, 28).date(), time_of_day="18:00"
    )
    # The bot was down at Réunion's 18:00 (14:00 UTC) and comes back at 16:30 UTC, before Paris's 18:00.
    harness.clock.now = datetime(2026, 11, 28, 16, 30, tzinfo=UTC)
    await run_clock(harness)
    harness.clock.now = datetime(2026, 11, 28, 17, 0, 5, tzinfo=UTC)
    await run_clock(harness)
    await received(paris, "Ce soir")
    assert not [t for t in await bot_texts(island) if "Ce soir" in t]
    async with harness.services.database.session() as session:
        runs = await run_outcomes.runs_of(session, cid)
    assert len(runs) == 1 and runs[0].targeted == 1


async def test_an_audience_that_outgrew_its_automatic_approval_goes_back_for_approval(
    harness: Harness,
) -> None:
    coordinator = await harness.client.new_user("Coord", "fr", user_id=COORDINATOR)
    second = await harness.client.new_user("Second", "fr")
    async with harness.services.database.session() as session:  # the database says who coordinates
        await coordinators.grant(session, user_id=second.id, by=COORDINATOR, now=harness.clock.now)
    await people(harness, 2)
    found = harness.services
    async with found.database.session() as session:
        draft = await campaigns.create_draft(session, by=COORDINATOR, title="Grandit", now=harness.clock.now)
        draft.messages = {"fr": {"text": "Grandit"}}
        draft.schedule, draft.weekday, draft.time_of_day = "weekly", 4, "18:00"  # Fridays
        status = await campaigns.submit(
            session, draft, by=COORDINATOR, now=harness.clock.now, zones=zones_of(found), threshold=2
        )
        cid = draft.id or 0
    assert status == "approved"  # two recipients: no second person needed
    await people(harness, 3)  # five now
    found.settings.approval_threshold = 2
    harness.clock.now = datetime(2026, 11, 27, 17, 0, 5, tzinfo=UTC)
    await run_clock(harness)
    request = await received(second, "Approbation demandée")
    assert "Grandit" in request[0]
    async with found.database.session() as session:
        stored = await campaigns.get_campaign(session, cid)
    assert stored is not None and stored.status == "pending" and not await statuses(harness, cid)
    # A button from an older request cannot approve this version.
    last_message = (await second.messages())[-1]
    await second.press_data(
        pack(Action.CAMPAIGN, str(cid), "ok", str(stored.revision - 1)), last_message["message_id"]
    )
    async with found.database.session() as session:
        assert (await campaigns.get_campaign(session, cid)).status == "pending"  # type: ignore[union-attr]
    await second.press("✅ Approuver", last_message["message_id"])
    async with found.database.session() as session:
        assert (await campaigns.get_campaign(session, cid)).status == "approved"  # type: ignore[union-attr]
    # The author is told of the approval, and was never asked to approve their own campaign: read once the
    # approval notice, which comes after any request, has arrived.
    await received(coordinator, "a été approuvée par")
    assert not [t for t in await bot_texts(coordinator) if "Approbation demandée" in t]


async def test_delivery_records_go_a_month_after_the_run_and_its_report_stays(harness: Harness) -> None:
    await people(harness, 3)
    cid = await campaign(harness, "Mémoire", urgent=True)
    await run_clock(harness)
    await settled(harness, cid, sent=3)
    (job,) = harness.app.job_queue.get_jobs_by_name("retention") if harness.app.job_queue else ()
    harness.clock.now += timedelta(days=29)
    await job.run(harness.app)
    assert await statuses(harness, cid) == {"sent": 3}  # still needed for a while
    harness.clock.now += timedelta(days=2)
    await job.run(harness.app)
    assert await statuses(harness, cid) == {}
    async with harness.services.database.session() as session:
        (run,) = await run_outcomes.runs_of(session, cid)
        figures = await run_outcomes.run_figures(session, run, now=harness.clock.now)
    assert (figures.targeted, figures.sent, figures.pending) == (3, 3, 0)


async def test_a_cancelled_runs_records_go_a_month_later_too(harness: Harness) -> None:
    await people(harness, 3)
    harness.clock.now = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)  # quiet hours: the rows wait
    cid = await campaign(harness, "Annulée puis oubliée")
    await run_clock(harness)
    await settled(harness, cid, pending=3)
    async with harness.services.database.session() as session:
        stored = await campaigns.get_campaign(session, cid)
        assert stored is not None
        await campaigns.cancel(session, stored, by=COORDINATOR, now=harness.clock.now)
    assert await statuses(harness, cid) == {"cancelled": 3}
    (job,) = harness.app.job_queue.get_jobs_by_name("retention") if harness.app.job_queue else ()
    harness.clock.now += timedelta(days=31)
    await job.run(harness.app)
    assert await statuses(harness, cid) == {}, "who was targeted goes a month after a cancelled run too"
    async with harness.services.database.session() as session:
        (run,) = await run_outcomes.runs_of(session, cid)
        figures = await run_outcomes.run_figures(session, run, now=harness.clock.now)
    assert (figures.targeted, figures.cancelled, figures.sent) == (3, 3, 0)


async def test_paid_broadcast_sends_the_flag_and_gets_the_paid_allowance(harness: Harness) -> None:
    await harness.client.set_limits(enabled=True, global_rate=1, per_chat_rate=1, paid_rate=1000)
    harness.services.settings.paid_broadcast = True
    users = await people(harness, 20)
    cid = await campaign(harness, "Payant", urgent=True)
    await run_clock(harness)
    await settled(harness, cid, sent=20)
    stats = await harness.client.stats()
    # At a free allowance of one message a second, twenty messages would have met 429s without the flag.
    assert stats["paid_messages"] >= 20 and stats["too_many_requests"] == 0
    for user in users:
        assert [t for t in await bot_texts(user) if "Payant" in t]
