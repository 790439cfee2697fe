"""The counts the indicators need, kept where things happen: resources opened and contact requests moving
(opened, taken, answered, closed, and the wait for a first answer), counted once each, anonymously."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.domain.indicators import page_tables
from bot.domain.scope import Scope
from bot.domain.tables import TOTAL
from bot.models import RequestCount, ResourceCount
from tests.conftest import Harness, last
from tests.test_privacy_e2e import onboard_user
from tests.test_referent_relay_e2e import REFERENTS, ask_for_contact, take_request


async def test_a_resource_counts_once_when_opened_not_when_its_pages_turn(harness: Harness) -> None:
    content = harness.services.content
    long = max(content.resources["fr"].values(), key=lambda resource: len(resource.pages))
    topic = content.topic("fr", long.topic)
    assert topic is not None
    user = await onboard_user(harness)
    await user.press("📚 Ressources")
    await user.press(topic.title)
    await user.press(long.title)
    await user.press("Suivant ▶️")
    await user.press("◀️ Précédent")
    assert "Page 1 sur" in (await last(user))["text"]
    stranger = await harness.user("Stranger", "en")
    await stranger.send(f"/start r_{long.id}")  # a shared link, before any territory is chosen
    await harness.services.tallies.flush(harness.services.database)  # counted apart from the replies
    async with harness.services.database.session() as session:
        rows = (await session.exec(select(ResourceCount))).all()
    counted = {(row.resource, row.territory, row.month): row.opened for row in rows}
    month = harness.clock.now.strftime("%Y-%m")
    assert counted == {(long.id, "demo", month): 1, (long.id, "none", month): 1}


async def test_a_request_counts_each_step_once_with_its_wait(harness: Harness) -> None:
    referent = await harness.client.new_user("Éducatrice", "fr", user_id=REFERENTS)
    parent = await onboard_user(harness, name="Samira")
    await ask_for_contact(parent)
    harness.clock.now += timedelta(minutes=90)
    await take_request(referent, parent)
    await referent.send("Bonjour, je suis là.", expect_answer=False)
    await last(parent)
    harness.clock.now += timedelta(minutes=30)
    await referent.send("Vous pouvez m'écrire ici.", expect_answer=False)  # not a first answer any more
    await parent.send("Merci.", expect_answer=False)  # the person's words answer nothing
    await last(referent)
    await parent.press("✅ Terminer la conversation")
    async with harness.services.database.session() as session:
        (row,) = (await session.exec(select(RequestCount))).all()
    assert (row.topic, row.territory) == ("networks", "demo")
    assert (row.opened, row.taken, row.answered, row.closed) == (1, 1, 1, 1)
    assert row.answer_seconds == 90 * 60
    async with harness.services.database.session() as session:
        month = harness.clock.now.strftime("%Y-%m")
        (steps, *_) = await page_tables(session, "requests", Scope.whole(), month, month)
    assert steps.value(month, "opened") is None, "one request: far too few to show"
    assert steps.value(month, "first_answer_hours") is None
    assert TOTAL not in steps.columns
