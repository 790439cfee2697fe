"""A territory coordinator's campaigns (issue 12 §3): they target only their territories, list and act on
only the campaigns that cover theirs, and approval requests go only to coordinators who cover a campaign.
Through the real Application and the sandbox, with one deployment serving two territories."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.callbacks import Action, pack
from bot.domain import campaigns
from bot.models import Campaign, CoordinatorGrant
from sandbox.client import SandboxUser
from tests.campaign_support import add_person, bot_texts, received
from tests.conftest import Harness, last

CARLA, FOUNDER, BRUNO = 900005, 900010, 900012  # Carla coordinates the island only


@pytest.fixture
def content_dir(two_territories: Path) -> Path:
    return two_territories


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coordinators": f"{FOUNDER},{BRUNO}", "approval_threshold": 1}


async def _setup(harness: Harness) -> tuple[SandboxUser, SandboxUser, SandboxUser]:
    founder = await harness.client.new_user("Fondatrice", "fr", user_id=FOUNDER)
    bruno = await harness.client.new_user("Bruno", "fr", user_id=BRUNO)
    carla = await harness.client.new_user("Carla", "fr", user_id=CARLA)
    async with harness.services.database.session() as session:
        session.add(
            CoordinatorGrant(
                user_id=CARLA,
                granted_by=FOUNDER,
                granted_at=harness.clock.now,
                territories=["ile"],
                display_name="Carla de l'île",
            )
        )
    for index in range(2):
        await add_person(harness, await harness.user(f"Démo {index}"), territory="demo")
        await add_person(harness, await harness.user(f"Île {index}"), territory="ile")
    return founder, bruno, carla


async def _campaign(harness: Harness, title: str) -> Campaign:
    async with harness.services.database.session() as session:
        return next(c for c in await campaigns.list_campaigns(session, limit=100) if c.title == title)


async def test_a_territory_coordinator_targets_only_their_territories(harness: Harness) -> None:
    _, _, carla = await _setup(harness)
    await carla.send("/campaign Île")
    assert "2 personnes aujourd'hui" in (await last(carla))["text"]  # "all" is all of hers
    draft = await _campaign(harness, "Île")
    assert campaigns.audience_of(draft).territories == ("ile",)  # stored explicitly
    await carla.press("👥 Destinataires")
    picker = await last(carla)
    labels = carla.buttons(picker)
    assert "✅ Île-Exemple" in labels and not [label for label in labels if "Démo" in label]
    # Unticking her only territory leaves all of hers, never every territory.
    await carla.press("✅ Île-Exemple")
    assert campaigns.audience_of(await _campaign(harness, "Île")).territories == ("ile",)
    # A forged button for another territory's index is refused.
    await carla.press_data(pack(Action.COMPOSER, str(draft.id), "a", "t", "1"), picker["message_id"])
    assert campaigns.audience_of(await _campaign(harness, "Île")).territories == ("ile",)


async def test_campaigns_listing_acting_and_approval_follow_the_scope(harness: Harness) -> None:
    founder, bruno, carla = await _setup(harness)
    await founder.send("/campaign Démo pour tous")
    await founder.press("✏️ français")
    await founder.send("Réunion pour tout le monde")
    await founder.press("📤 Soumettre")
    everyone = await _campaign(harness, "Démo pour tous")
    assert everyone.status == "pending"
    await received(bruno, "Démo pour tous")

    await carla.send("/campaign Île seulement")
    await carla.press("✏️ français")
    await carla.send("Réunion sur l'île")
    await carla.press("📤 Soumettre")
    island = await _campaign(harness, "Île seulement")
    assert island.status == "pending"
    request = (await received(founder, "Île seulement"))[-1]
    assert "Carla de l'île" in request
    await received(bruno, "Île seulement")
    # Queued after the first request: had Carla been asked about the one for everyone, she would be by now.
    assert not [t for t in await bot_texts(carla) if "Approbation demandée" in t]

    await carla.send("/campaigns")
    listing = (await last(carla))["text"]
    assert "Île seulement" in listing and "Démo pour tous" not in listing
    await founder.send("/campaigns")
    listing = (await last(founder))["text"]
    assert "Île seulement" in listing and "Démo pour tous" in listing

    # Carla cannot approve, pause or cancel a campaign beyond her territory, even with forged buttons.
    menu = (await last(carla))["message_id"]
    cid = str(everyone.id)
    for data in (
        pack(Action.CAMPAIGN, cid),
        pack(Action.CAMPAIGN, cid, "ok", str(everyone.revision)),
        pack(Action.CAMPAIGN, cid, "no"),
        pack(Action.CAMPAIGN, cid, "X"),
    ):
        await carla.press_data(data, menu)
    assert (await _campaign(harness, "Démo pour tous")).status == "pending"
    # The founder, for the whole deployment, approves hers; she never approves her own.
    await carla.press_data(pack(Action.CAMPAIGN, str(island.id), "ok", str(island.revision)), menu)
    assert (await _campaign(harness, "Île seulement")).status == "pending"
    asked = [m for m in await founder.messages() if m["from_bot"] and "Île seulement" in str(m.get("text"))]
    await founder.press("✅ Approuver", asked[0]["message_id"])
    assert (await _campaign(harness, "Île seulement")).status == "approved"
