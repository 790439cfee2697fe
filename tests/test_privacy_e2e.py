"""The person's rights end to end: the export holds what is stored; /forget leaves no row about them."""

from __future__ import annotations

import json

from sqlalchemy import func, or_, select
from sqlmodel import SQLModel

from bot.domain.people import get_person
from bot.models import PERSON_COLUMN
from sandbox.client import SandboxUser
from tests.conftest import Harness, last


async def onboard(user: SandboxUser, source: str | None = None) -> None:
    await user.send(f"/start {source}" if source else "/start")
    await user.press("Français")
    await user.press("Parent ou proche d'un jeune")
    await user.press("✅ J'accepte")


async def rows_about(harness: Harness, chat_id: int, person_id: int) -> dict[str, int]:
    """Rows in any table whose chat id or person id is this person's."""
    found: dict[str, int] = {}
    async with harness.services.database.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            conditions = []
            if "chat_id" in table.c:
                conditions.append(table.c.chat_id == chat_id)
            if PERSON_COLUMN in table.c:
                conditions.append(table.c[PERSON_COLUMN] == person_id)
            if table.name == "person":
                conditions.append(table.c.id == person_id)
            if conditions:
                count = await session.scalar(select(func.count()).select_from(table).where(or_(*conditions)))
                if count:
                    found[table.name] = count
    return found


async def test_export_holds_what_is_stored(harness: Harness) -> None:
    user = await onboard_user(harness, source="centre-social")
    await user.send("/privacy")
    privacy = await last(user)
    assert "Ce que Repères garde" in privacy["text"]
    assert "Responsable : Mairie de Démo-sur-Seine (exemple)" in privacy["text"]
    await user.press("📋 Détails")
    details = await last(user)
    assert "si vous suivez une formation courte" in details["text"]
    assert "27 novembre 2026" in details["text"], "the person's own record stays under the details"
    await user.press("↩️ Retour")
    privacy = await last(user)
    assert "27 novembre 2026" in privacy["text"], "the acceptance date, formatted by babel in French"
    assert "365 jours" in privacy["text"], "the retention period, with its plural"
    await user.press("📄 Télécharger mes données")
    document = (await last(user))["document"]
    assert document["file_name"] == "reperes-data.json"
    async with harness.client.session.get(
        f"{harness.base_url}/sandbox/api/files/{document['file_id']}"
    ) as reply:
        exported = json.loads(await reply.read())
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=user.id)
    assert person is not None
    assert exported["person"] == {
        "id": person.id,
        "chat_id": user.id,
        "language": "fr",
        "role": "parent",
        "territory": "demo",
        "messages_enabled": True,
        "source": "centre-social",
        "consented_at": person.consented_at.isoformat(),
        "last_active_on": "2026-11-27",
        "training_reminders": True,
        "unreachable": False,
    }


async def onboard_user(harness: Harness, source: str | None = None, name: str = "Inès") -> SandboxUser:
    user = await harness.user(name, "fr")
    await onboard(user, source)
    return user


async def test_forget_leaves_no_row_about_the_person(harness: Harness) -> None:
    other = await onboard_user(harness, name="Other")
    user = await onboard_user(harness, source="affiche-gare")
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=user.id)
    assert person is not None and person.id is not None
    assert await rows_about(harness, user.id, person.id) == {"person": 1}

    await user.send("/forget")
    confirm = await last(user)
    assert "pas réversible" in confirm["text"]
    await user.press("Annuler")
    assert await rows_about(harness, user.id, person.id) == {"person": 1}, "cancel deletes nothing"

    await user.send("/forget")
    await user.press("Oui, tout effacer")
    assert "a été effacé" in (await last(user))["text"]
    assert await rows_about(harness, user.id, person.id) == {}
    async with harness.services.database.session() as session:
        assert await get_person(session, chat_id=other.id) is not None, "only this person is deleted"

    await user.send("/forget")
    assert "rien à effacer" in (await last(user))["text"]
    await user.send("/privacy")
    assert "Rien n'est enregistré" in (await last(user))["text"]


async def test_stop_turns_campaign_messages_off(harness: Harness) -> None:
    user = await onboard_user(harness)
    await user.send("/stop")
    assert "ne recevrez plus" in (await last(user))["text"]
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=user.id)
    assert person is not None and person.messages_enabled is False
    await user.send("/settings")
    await user.press("🔔 Recevoir les messages")
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=user.id)
    assert person is not None and person.messages_enabled is True
