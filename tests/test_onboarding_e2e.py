"""Onboarding end to end: the real Application polling the sandbox over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.domain.people import get_person
from sqlmodel import SQLModel

from tests.conftest import Harness


async def count_rows(harness: Harness) -> int:
    total = 0
    async with harness.services.database.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            total += (await session.exec(select(func.count()).select_from(table))).one()[0]
    return total


async def test_start_to_menu_in_french(harness: Harness) -> None:
    user = await harness.user("Amina", "fr")
    await user.send("/start")
    message = await user.last_bot_message()
    assert message is not None
    assert "Choisissez votre langue" in message["text"]
    assert user.buttons(message) == ["Français", "English", "العربية"]

    await user.press("Français")
    message = await user.last_bot_message()
    assert "Bienvenue sur Repères" in message["text"]
    assert "Parent ou proche d'un jeune" in user.buttons(message)

    await user.press("Parent ou proche d'un jeune")
    message = await user.last_bot_message()
    assert "Ce que nous enregistrons" in message["text"]
    assert await count_rows(harness) == 0, "nothing may be stored before Accept"

    await user.press("✅ J'accepte")
    message = await user.last_bot_message()
    assert "Vos choix sont enregistrés" in message["text"]
    assert "Numéros d'aide" in user.buttons(message)
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=user.id)
    assert person is not None
    assert (person.language, person.role, person.territory) == ("fr", "parent", "demo")

