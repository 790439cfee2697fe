"""Referents who read right to left (a deployment whose default language is Arabic): the request's card, its
reminders and the end of a conversation are laid out right to left, their numbers kept in order."""

from __future__ import annotations

import pytest

from bot.bidi import LRI, RLM
from tests.conftest import Harness, last
from tests.test_privacy_e2e import onboard_user
from tests.test_referent_relay_e2e import REFERENTS, ask_for_contact


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"default_language": "ar"}


async def test_the_referents_card_and_notices_are_directed(harness: Harness) -> None:
    referent = await harness.client.new_user("مرجع", "ar", user_id=REFERENTS)
    parent = await onboard_user(harness, name="Samira")
    await ask_for_contact(parent)
    announcement = (await referent.reaction("the announcement"))[-1]["message"]
    await referent.press(referent.buttons(announcement)[0], announcement["message_id"])  # take it
    await parent.reaction("the news that a professional took the request")
    card = next(m for m in await referent.messages() if m["message_id"] == announcement["message_id"])
    lines = card["text"].split("\n")
    assert all(line.startswith(RLM) for line in lines), lines
    assert f"{LRI}1\u2069" in lines[0], "the request's number is isolated"

    await parent.press("✅ Terminer la conversation")
    await referent.reaction("the end of the conversation")
    assert (await last(referent))["text"].startswith(RLM)
