"""Professionals' invites: listed and revoked with /invites, within the coordinator's territories, and
written to the audit; a parent who opens one is asked which one they are; /training_stats is scoped too."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain import training
from bot.domain.people import get_person
from bot.models import CoordinatorGrant
from sandbox.client import SandboxUser
from tests.campaign_support import add_person
from tests.conftest import Harness, last

FOUNDER = 900100
MODULE = "networks_and_minors"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coordinators": str(FOUNDER), "trainings_open_to_all": False}


@pytest.fixture
def content_dir(two_territories: Path) -> Path:
    return two_territories  # "demo" and "ile"


async def invite(user: SandboxUser, arguments: str) -> tuple[str, str]:
    """/invite, then the invite's code and its link's /start payload."""
    await user.send(f"/invite {arguments}")
    text = (await last(user))["text"]
    assert "Code d'invitation" in text, text
    payload = str(text.split("?start=")[1].split()[0])
    return payload.removeprefix("inv_"), payload


async def island_coordinator(harness: Harness) -> SandboxUser:
    island = await harness.user("Ilona")
    async with harness.services.database.session() as session:  # the row a grant for "ile" writes
        session.add(
            CoordinatorGrant(
                user_id=island.id,
                granted_by=FOUNDER,
                granted_at=harness.clock.now,
                territories=["ile"],
                display_name="Ilona",
            )
        )
    return island


async def role_of(harness: Harness, user: SandboxUser) -> str:
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=user.id)
    assert person is not None
    return person.role


async def test_a_parent_who_opens_a_professional_invite_is_asked_which_one_they_are(harness: Harness) -> None:
    founder = await harness.client.new_user("Fondatrice", "fr", user_id=FOUNDER)
    _, payload = await invite(founder, "5 30 demo")
    parent = await harness.user("Parent")
    await parent.send(f"/start {payload}")
    for label in ("Français", "Parent ou proche d'un jeune", "Démo-sur-Seine (exemple)", "✅ J'accepte"):
        await parent.press(label)
    asked = await last(parent)
    assert "invitation pour les professionnels" in asked["text"], asked["text"]
    await parent.press("👪 Parent : garder mon profil")
    assert "vous restez inscrit comme parent" in (await last(parent))["text"]
    assert await role_of(harness, parent) == "parent"

    # Registered as a parent, the same link asks again; this time they are a professional.
    await parent.send(f"/start {payload}")
    assert "invitation pour les professionnels" in (await last(parent))["text"]
    await parent.press("🧑\u200d🏫 Professionnel : utiliser l'invitation")
    assert "enregistré comme professionnel" in (await last(parent))["text"]
    assert await role_of(harness, parent) == "professional"


async def test_invites_are_listed_revoked_and_audited_within_ones_territories(harness: Harness) -> None:
    founder = await harness.client.new_user("Fondatrice", "fr", user_id=FOUNDER)
    await founder.send("/name Fanny F.")
    island = await island_coordinator(harness)
    demo_code, _ = await invite(founder, "5 30 demo")
    await island.send("/invite 3 10 demo")
    assert "Précisez un de vos territoires" in (await last(island))["text"]
    island_code, island_link = await invite(island, "3 10")  # their only territory

    await island.send("/invites")
    listing = await last(island)
    assert island_code in listing["text"] and "Île-Exemple" in listing["text"]
    assert demo_code not in listing["text"], "a territory coordinator sees another territory's invite"
    assert "3 utilisations restantes" in listing["text"]
    assert island.buttons(listing) == [f"Retirer {island_code}"]
    await founder.send("/invites")
    both = (await last(founder))["text"]
    assert demo_code in both and island_code in both

    await island.press(f"Retirer {island_code}")
    assert "ne fonctionne plus" in (await last(island))["text"]
    await island.press(f"Retirer {island_code}")  # pressed again: told, and audited once
    assert "n'était déjà plus valable" in (await last(island))["text"]
    pro = await harness.user("Prof")
    await pro.send(f"/start {island_link}")
    for label in ("Français", "Autre", "Île-Exemple", "✅ J'accepte"):
        await pro.press(label)
    assert "la coordination l'a retiré" in (await last(pro))["text"]  # not just "expired": it was revoked
    await island.send("/invites")
    assert "Aucune invitation en cours" in (await last(island))["text"]

    await founder.send("/audit")
    audit = (await last(founder))["text"]
    assert f"Ilona : invitation retirée ({island_code})" in audit and audit.count("invitation retirée") == 1
    assert f"Fanny F. : invitation créée ({demo_code}) [Démo-sur-Seine (exemple)]" in audit
    await island.send("/audit")
    mine = (await last(island))["text"]
    assert island_code in mine and demo_code not in mine


async def test_training_stats_show_only_the_coordinators_territories(harness: Harness) -> None:
    founder = await harness.client.new_user("Fondatrice", "fr", user_id=FOUNDER)
    island = await island_coordinator(harness)
    for index in range(5):
        pro = await harness.user(f"Pro{index}")
        person_id = await add_person(harness, pro, role="professional", territory="demo")
        async with harness.services.database.session() as session:
            await training.open_module(session, person_id=person_id, module=MODULE, now=harness.clock.now)
    await founder.send("/training_stats")
    assert "(Démo-sur-Seine (exemple)) : commencées 5" in (await last(founder))["text"]
    await island.send("/training_stats")
    text = (await last(island))["text"]
    assert "Démo-sur-Seine" not in text and "Rien à afficher" in text


async def test_training_stats_cannot_be_subtracted_from_the_dashboards_months(harness: Harness) -> None:
    """Five modules started last month (shown), two this month (hidden on the dashboard and in the export):
    /training_stats gives each month's figures as they show, never an all-time 7 that would give the
    hidden 2 back by subtraction."""
    founder = await harness.client.new_user("Fondatrice", "fr", user_id=FOUNDER)
    last_month = harness.clock.now - timedelta(days=31)
    for index in range(7):
        pro = await harness.user(f"Pro{index}")
        person_id = await add_person(harness, pro, role="professional", territory="demo")
        when = last_month if index < 5 else harness.clock.now
        async with harness.services.database.session() as session:
            await training.open_module(session, person_id=person_id, module=MODULE, now=when)
    await founder.send("/training_stats")
    text = (await last(founder))["text"]
    assert "commencées 7" not in text and "commencées 2" not in text, text
    assert "(Démo-sur-Seine (exemple)) : commencées 5" in text, text
    assert f"{last_month:%Y-%m}" in text, "each month is named"
