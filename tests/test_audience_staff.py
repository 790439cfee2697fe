"""Who "everyone" is (issue 12): the coordinators, configured or granted, are staff and stay out of an
audience unless it chooses them; a series from the content files, which people subscribe to, keeps them."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.db import Database
from bot.domain import campaigns
from bot.domain.audience import Audience, count_audience
from bot.domain.people import accept_notice
from bot.domain.subscriptions import set_subscription
from bot.models import Campaign, CoordinatorGrant

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
CONFIGURED, GRANTED, PARENT = 11, 12, 13


async def test_staff_are_left_out_unless_chosen(database: Database) -> None:
    async with database.session() as session:
        for chat_id in (CONFIGURED, GRANTED, PARENT):
            person = await accept_notice(
                session, chat_id=chat_id, language="fr", role="parent", territory="demo", source=None, now=NOW
            )
            await set_subscription(session, person_id=person.id or 0, topic="myth_weekly", on=True)
        session.add(CoordinatorGrant(user_id=GRANTED, granted_by=CONFIGURED, granted_at=NOW))
    async with database.session() as session:
        assert await count_audience(session, Audience(), configured=[CONFIGURED]) == 1
        assert await count_audience(session, Audience(roles=("parent",)), configured=[CONFIGURED]) == 1
        assert await count_audience(session, Audience(staff=True), configured=[CONFIGURED]) == 3
        series = Campaign(
            title="Carte",
            created_by=0,
            created_at=NOW,
            sequence="myth_weekly",
            audience={"topics": ["myth_weekly"]},
        )
        assert await count_audience(session, campaigns.audience_of(series), configured=[CONFIGURED]) == 3
    assert Audience.from_json(Audience(staff=True).to_json()).staff
    assert "staff" not in Audience().to_json()
