"""The same races one level down: two sessions writing at the same moment, as two instances of the bot
would, on SQLite and PostgreSQL. In one process a chat's updates run one after another, so a double tap
never reaches the database twice at once; with several instances it can, and the database must decide.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select

from bot.db import Database
from bot.domain import campaigns, coordinators, training
from bot.domain.campaigns import CampaignError, Zones
from bot.domain.people import accept_notice_once
from bot.domain.subscriptions import is_subscribed, set_subscription
from bot.features.contact import ticket_store as tickets
from bot.models import AuditEntry, CampaignStatus, Person, Professional, Ticket

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
ZONES = Zones(by_territory={"demo": "Europe/Paris"}, default="Europe/Paris")


async def person(database: Database, chat_id: int) -> int:
    async with database.session() as session:
        found, _ = await accept_notice_once(
            session, chat_id=chat_id, language="fr", role="parent", territory="demo", source=None, now=NOW
        )
        assert found.id is not None
        return found.id


async def test_two_accepts_at_once_create_one_person(database: Database) -> None:
    async def accept() -> bool:
        async with database.session() as session:
            _, created = await accept_notice_once(
                session, chat_id=42, language="fr", role="parent", territory="demo", source="x", now=NOW
            )
            return created

    assert sorted(await asyncio.gather(accept(), accept())) == [False, True]
    async with database.session() as session:
        assert (await session.exec(select(func.count()).where(col(Person.chat_id) == 42))).one() == 1


async def test_two_answers_at_once_count_once(database: Database) -> None:
    person_id = await person(database, 43)
    async with database.session() as session:
        progress = await training.open_module(session, person_id=person_id, module="m", now=NOW)
        progress.quiz_question = 0
        session.add(progress)

    async def answer(gained: int) -> bool:
        async with database.session() as session:
            return await training.record_answer(
                session, person_id=person_id, module="m", number=0, gained=gained, now=NOW
            )

    assert sorted(await asyncio.gather(answer(1), answer(0))) == [False, True]
    async with database.session() as session:
        progress = (await training.progress_of(session, person_id=person_id))["m"]
    assert progress.quiz_question == 1 and progress.quiz_points in (0, 1)


async def test_two_first_steps_at_once_open_one_progress_row(database: Database) -> None:
    person_id = await person(database, 44)

    async def open_it() -> int:
        async with database.session() as session:
            return (await training.open_module(session, person_id=person_id, module="m", now=NOW)).id or 0

    first, second = await asyncio.gather(open_it(), open_it())
    assert first == second


async def test_two_grants_at_once_grant_once(database: Database) -> None:
    async def grant(by: int) -> bool:
        async with database.session() as session:
            return await coordinators.grant(session, user_id=777, by=by, now=NOW)

    assert sorted(await asyncio.gather(grant(1), grant(2))) == [False, True]
    async with database.session() as session:
        grants = (await session.exec(select(func.count()).where(col(AuditEntry.action) == "grant"))).one()
    assert grants == 1


async def pending(database: Database) -> int:
    await person(database, 45)
    async with database.session() as session:
        draft = await campaigns.create_draft(session, by=1, title="t", now=NOW)
        draft.messages = {"fr": {"text": "x"}}
        draft.schedule, draft.time_of_day = "once", "18:00"
        draft.on_date = (NOW + timedelta(days=2)).date()
        assert await campaigns.submit(session, draft, by=1, now=NOW, zones=ZONES, threshold=0) == "pending"
        assert draft.id is not None
        return draft.id


async def act(database: Database, campaign_id: int, by: int, action: str) -> str:
    """What `campaign_admin._act` does: lock, check, change; the outcome or the refusal's reason."""
    try:
        async with database.session() as session:
            campaign = await campaigns.get_campaign(session, campaign_id, for_update=True)
            assert campaign is not None
            if action == "approve":
                await campaigns.approve(session, campaign, by=by, now=NOW, zones=ZONES, revision=1)
            else:
                await campaigns.cancel(session, campaign, by=by, now=NOW)
    except CampaignError as error:
        return error.reason
    return "done"


async def test_two_approvals_at_once_approve_once(database: Database) -> None:
    campaign_id = await pending(database)
    outcomes = await asyncio.gather(
        act(database, campaign_id, 2, "approve"), act(database, campaign_id, 3, "approve")
    )
    assert sorted(outcomes) == ["already_approved", "done"]
    async with database.session() as session:
        assert (await campaigns.get_campaign(session, campaign_id)).status == CampaignStatus.APPROVED  # type: ignore[union-attr]
        query = select(func.count()).where(col(AuditEntry.action) == "approve")
        assert (await session.exec(query)).one() == 1


async def test_two_cancels_at_once_cancel_once(database: Database) -> None:
    campaign_id = await pending(database)
    outcomes = await asyncio.gather(
        act(database, campaign_id, 2, "cancel"), act(database, campaign_id, 3, "cancel")
    )
    assert sorted(outcomes) == ["cancelled", "done"]


async def test_approve_and_cancel_at_once_never_leave_it_approved(database: Database) -> None:
    campaign_id = await pending(database)
    outcomes = await asyncio.gather(
        act(database, campaign_id, 2, "approve"), act(database, campaign_id, 3, "cancel")
    )
    assert list(outcomes) in (["done", "done"], ["cancelled", "done"])
    async with database.session() as session:
        assert (await campaigns.get_campaign(session, campaign_id)).status == "cancelled"  # type: ignore[union-attr]


async def open_ticket(database: Database, chat_id: int) -> int:
    person_id = await person(database, chat_id)
    async with database.session() as session:
        ticket = await tickets.open_ticket(session, person_id=person_id, territory="demo", topic="t", now=NOW)
        assert ticket.id is not None
        return ticket.id


async def test_two_referents_taking_one_request_at_once(database: Database) -> None:
    ticket_id = await open_ticket(database, 46)

    async def take(referent: int) -> bool:
        async with database.session() as session:
            return await tickets.take(session, ticket_id=ticket_id, referent_id=referent, now=NOW) is not None

    assert sorted(await asyncio.gather(take(501), take(502))) == [False, True]


async def test_one_referent_taking_two_requests_at_once_gets_one(database: Database) -> None:
    first, second = await open_ticket(database, 47), await open_ticket(database, 48)

    async def take(ticket_id: int) -> bool:
        try:
            async with database.session() as session:
                taken = await tickets.take(session, ticket_id=ticket_id, referent_id=601, now=NOW)
                return taken is not None
        except IntegrityError:
            return False

    assert sorted(await asyncio.gather(take(first), take(second))) == [False, True]
    async with database.session() as session:
        query = select(func.count()).where(col(Ticket.referent_id) == 601, col(Ticket.status) == "taken")
        assert (await session.exec(query)).one() == 1


async def test_one_person_opening_two_requests_at_once_gets_one(database: Database) -> None:
    person_id = await person(database, 49)

    async def ask() -> bool:
        try:
            async with database.session() as session:
                await tickets.open_ticket(session, person_id=person_id, territory="demo", topic="t", now=NOW)
                return True
        except IntegrityError:
            return False

    assert sorted(await asyncio.gather(ask(), ask())) == [False, True]


async def test_two_people_using_the_last_use_of_an_invite_at_once(database: Database) -> None:
    first, second = await person(database, 50), await person(database, 51)
    async with database.session() as session:
        invite = await training.create_invite(session, territory=None, kind=None, uses=1, days=3, now=NOW)

    async def redeem(person_id: int) -> str:
        async with database.session() as session:
            found = await session.get(Person, person_id)
            assert found is not None
            return await training.redeem_invite(session, code=invite.code, person=found, now=NOW)

    outcomes = await asyncio.gather(redeem(first), redeem(second))
    assert sorted(outcomes) == [training.Redeemed.OK, training.Redeemed.USED_UP]
    async with database.session() as session:
        assert (await session.exec(select(func.count()).select_from(Professional))).one() == 1


async def test_subscribing_twice_at_once_makes_one_row(database: Database) -> None:
    person_id = await person(database, 52)

    async def subscribe() -> None:
        async with database.session() as session:
            await set_subscription(session, person_id=person_id, topic="myth_weekly", on=True)

    await asyncio.gather(subscribe(), subscribe())
    async with database.session() as session:
        assert await is_subscribed(session, person_id=person_id, topic="myth_weekly")
