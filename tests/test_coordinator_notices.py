"""Coordinator notices leave through the sender's notices, at its pace: a handler that has something to
tell the coordinators queues it and answers at once; a "retry after" from Telegram is waited out there."""

from __future__ import annotations

import pytest

from bot.delivery.jobs import sender_of
from tests.campaign_support import add_person, bot_texts, received
from tests.conftest import Harness, last

ALICE, BRUNO = 900201, 900202
RETRY_AFTER = 3  # seconds; an answer to Alice that took longer than this would make the test fail


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coordinators": f"{ALICE},{BRUNO}", "approval_threshold": 1}


async def test_a_429_on_an_approval_request_delays_it_but_not_the_handler(harness: Harness) -> None:
    alice = await harness.client.new_user("Alice", "fr", user_id=ALICE)
    bruno = await harness.client.new_user("Bruno", "fr", user_id=BRUNO)
    for name in ("Parent 1", "Parent 2"):
        await add_person(harness, await harness.user(name))
    await alice.send("/campaign Kermesse")
    await alice.press("✏️ français")
    await alice.send("Kermesse samedi à l'école.")

    # Telegram refuses the next message to Bruno, the approval request, with a flood wait.
    await harness.client.add_fault(
        method="sendMessage", chat_id=BRUNO, error_code=429, retry_after=RETRY_AFTER
    )
    await alice.press("📤 Soumettre")
    # The handler has answered Alice while the request to Bruno is still held back: before, it slept
    # out the "retry after" and sent the request first, then answered.
    assert "Envoyée pour approbation" in (await last(alice))["text"]
    assert not [t for t in await bot_texts(bruno) if "Approbation demandée" in t]

    # The request still arrives, once, after the pause.
    request = await received(bruno, "Approbation demandée")
    assert len(request) == 1 and "Kermesse" in request[0]
    stats = await harness.client.stats()
    assert stats["faults_injected"] == 1 and stats["faults_pending"] == 0
    assert sender_of(harness.app).pacer.pauses == 1  # the campaigns paused with it: the limit is the bot's
