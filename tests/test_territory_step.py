"""With several territories, onboarding asks where the person lives; with one, it skips the question."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.people import get_person
from tests.conftest import Harness, last


@pytest.fixture
def content_dir(two_territories: Path) -> Path:
    return two_territories


async def test_territory_is_asked_when_there_are_several(harness: Harness) -> None:
    user = await harness.user("Zoé", "en")
    await user.send("/start")
    await user.press("English")
    await user.press(user.buttons(await last(user))[0])
    question = await last(user)
    assert user.buttons(question) == ["Démo-sur-Seine (example)", "Example Island"]
    await user.press("Example Island")
    await user.press(user.buttons(await last(user))[0])
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=user.id)
    assert person is not None and person.territory == "ile"
    await user.send("/settings")
    settings = await last(user)
    assert "Example Island" in settings["text"]
    await user.press(user.buttons(settings)[2])  # Area
    await user.press("Démo-sur-Seine (example)")
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=user.id)
    assert person is not None and person.territory == "demo"
