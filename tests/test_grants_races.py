"""A "become a coordinator" link between two sessions at once, as two instances of the bot would meet it, on
SQLite and PostgreSQL: opened by two people, decided by two coordinators; the database decides once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlmodel import col, func, select

from bot.db import Database
from bot.domain import coordinators, grants
from bot.domain.grants import Decided, Opened
from bot.domain.scope import Scope
from bot.models import AuditEntry

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
MAKER, CANDIDATE = 11, 22


async def link(database: Database) -> tuple[int, str]:
    async with database.session() as session:
        made, token = await grants.create_link(session, territories=["ile"], by=MAKER, now=NOW)
        assert made.id is not None
        return made.id, token


async def test_two_people_opening_one_link_at_once_make_one_candidate(database: Database) -> None:
    _, token = await link(database)

    async def open_it(user_id: int) -> Opened:
        async with database.session() as session:
            outcome, _ = await grants.claim(session, token=token, user_id=user_id, now=NOW)
            return outcome

    assert sorted(await asyncio.gather(open_it(31), open_it(32))) == sorted([Opened.OK, Opened.USED])


async def test_two_approvals_at_once_grant_once(database: Database) -> None:
    link_id, token = await link(database)
    async with database.session() as session:
        await grants.claim(session, token=token, user_id=CANDIDATE, now=NOW)
        assert await grants.name_candidate(session, link_id=link_id, user_id=CANDIDATE, name="Ines", now=NOW)

    async def approve(by: int) -> Decided:
        async with database.session() as session:
            outcome, _ = await grants.decide(
                session, link_id=link_id, by=by, scope=Scope.of(["ile"]), approve=True, now=NOW
            )
            return outcome

    outcomes = await asyncio.gather(approve(41), approve(42))
    assert sorted(outcomes) == sorted([Decided.GRANTED, Decided.ALREADY])
    async with database.session() as session:
        audited = (await session.exec(select(func.count()).where(col(AuditEntry.action) == "grant"))).one()
        assert audited == 1
        scope = await coordinators.scope_of(session, user_id=CANDIDATE, configured=[])
    assert scope == Scope.of(["ile"])


async def test_the_maker_and_a_coordinator_of_another_territory_cannot_decide(database: Database) -> None:
    link_id, token = await link(database)
    async with database.session() as session:
        await grants.claim(session, token=token, user_id=CANDIDATE, now=NOW)
        await grants.name_candidate(session, link_id=link_id, user_id=CANDIDATE, name="Ines", now=NOW)
        for by, scope in ((MAKER, Scope.whole()), (CANDIDATE, Scope.whole()), (43, Scope.of(["demo"]))):
            outcome, _ = await grants.decide(
                session, link_id=link_id, by=by, scope=scope, approve=True, now=NOW
            )
            assert outcome is Decided.NOT_YOURS, by
        assert not await coordinators.is_granted(session, user_id=CANDIDATE)


async def test_links_go_a_month_after_they_expired(database: Database) -> None:
    await link(database)
    async with database.session() as session:
        assert await grants.purge_links(session, now=NOW + grants.LINK_LIFETIME + grants.LINK_KEPT / 2) == 0
        assert await grants.purge_links(session, now=NOW + grants.LINK_LIFETIME + grants.LINK_KEPT) == 1
