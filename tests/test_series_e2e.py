"""Series from content/sequences.yml: the parents' welcome series counted from enrolment, at 18:00 local
time, and the weekly myth card for its subscribers, shown in each person's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.topics import MYTH_OF_THE_WEEK
from tests.campaign_support import add_person, bot_texts, received, run_clock
from tests.conftest import Harness

JOINED = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a Friday, 11:00 in Paris


async def test_welcome_series_follows_enrolment_days_at_local_evening(harness: Harness) -> None:
    parent, pro = await harness.user("Parent"), await harness.user("Pro")
    await add_person(harness, parent, consented_at=JOINED)
    await add_person(harness, pro, role="professional", consented_at=JOINED)
    await run_clock(harness)  # 11:00: day 0's message waits for 18:00
    assert not await bot_texts(parent)

    harness.clock.now = datetime(2026, 11, 27, 17, 0, 5, tzinfo=UTC)  # 18:00 in Paris
    await run_clock(harness)
    first = harness.services.content.resource("fr", "talk_without_judging")
    assert first is not None
    await received(parent, first.title)
    await received(pro, "Vous pensez qu")  # the professionals' own series: "child in danger"
    assert not [t for t in await bot_texts(pro) if first.title in t]

    # Running the clock again the same evening queues nothing twice.
    await run_clock(harness)
    harness.clock.now += timedelta(days=2)  # day 2: a myth card
    await run_clock(harness)
    card = harness.services.content.myth("fr", "parents_cannot_help")
    assert card is not None
    await received(parent, card.claim)
    texts = await bot_texts(parent)
    assert sum(first.title in t for t in texts) == 1
    assert not any("carte de la semaine" in t for t in texts)  # a welcome card is not "the card of the week"


async def test_weekly_myth_card_goes_to_subscribers_in_their_language(harness: Harness) -> None:
    fan_fr, fan_ar, other = (
        await harness.user("Fan"),
        await harness.user("Fan AR", "ar"),
        await harness.user("Autre"),
    )
    await add_person(harness, fan_fr, role="resident", topics=(MYTH_OF_THE_WEEK,))
    await add_person(harness, fan_ar, role="resident", language="ar", topics=(MYTH_OF_THE_WEEK,))
    await add_person(harness, other, role="resident")
    harness.clock.now = datetime(2026, 12, 2, 17, 0, 5, tzinfo=UTC)  # Wednesday, 18:00 in Paris
    await run_clock(harness)
    first = harness.services.content.myth_ids()[0]
    claim_fr = harness.services.content.myth("fr", first)
    claim_ar = harness.services.content.myth("ar", first)
    assert claim_fr is not None and claim_ar is not None
    card = (await received(fan_fr, claim_fr.claim))[0]
    assert "La carte de la semaine" in card
    await received(fan_ar, claim_ar.claim)
    assert not [t for t in await bot_texts(other) if claim_fr.claim in t]
    # Next week, the next card.
    harness.clock.now += timedelta(days=7)
    await run_clock(harness)
    second = harness.services.content.myth("fr", harness.services.content.myth_ids()[1])
    assert second is not None
    await received(fan_fr, second.claim)
