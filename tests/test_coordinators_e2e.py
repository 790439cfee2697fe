"""Coordinator commands refuse everyone else; /grant, /revoke and the audit log."""

from __future__ import annotations

import pytest

from bot.core.callbacks import Action, pack
from bot.domain import campaigns, coordinators
from tests.campaign_support import add_person
from tests.conftest import Harness, last

FOUNDER = 900100

COMMANDS = [
    "/campaign Essai",
    "/campaigns",
    "/grant 123",
    "/revoke 123",
    "/coordinators",
    "/audit",
    "/invite",
    "/training_stats",
]


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coordinators": str(FOUNDER)}


async def test_every_coordinator_command_and_button_refuses_anyone_else(harness: Harness) -> None:
    founder = await harness.client.new_user("Fondatrice", "fr", user_id=FOUNDER)
    await founder.send("/campaign Brouillon")
    async with harness.services.database.session() as session:
        draft = (await campaigns.list_campaigns(session))[-1]
    parent = await harness.user("Parent")
    await add_person(harness, parent)
    for command in COMMANDS:
        await parent.send(command)
        text = (await last(parent))["text"]
        assert "réservée à la coordination" in text, command
        assert "devenir coordinateur" in text  # how to be given the role
        assert str(parent.id) not in text  # a link, never a Telegram id to pass on
    await parent.send("/menu")
    menu = (await last(parent))["message_id"]
    for data in (
        pack(Action.COMPOSER, str(draft.id), "s"),
        pack(Action.COMPOSER, str(draft.id), "x"),
        pack(Action.CAMPAIGN, str(draft.id), "ok"),
        pack(Action.CAMPAIGN, str(draft.id), "X"),
    ):
        await parent.press_data(data, menu)
    async with harness.services.database.session() as session:
        stored = await campaigns.get_campaign(session, draft.id or 0)
        assert stored is not None and stored.status == "draft"
    # Typed text from someone else is never taken as a draft's input.
    await parent.send("Bonjour")
    assert "réservée" not in (await last(parent))["text"]


async def test_grant_revoke_and_the_audit_log(harness: Harness) -> None:
    """The grant itself (a link and a second approval) is tests/test_grants_e2e.py's; here the role's
    effects, /revoke's buttons and the audit log."""
    founder = await harness.client.new_user("Fondatrice", "fr", user_id=FOUNDER)
    helper = await harness.user("Aide")
    await helper.send("/campaigns")
    assert "réservée" in (await last(helper))["text"]

    async with harness.services.database.session() as session:
        await coordinators.grant(
            session, user_id=helper.id, by=FOUNDER, now=harness.clock.now, display_name="Aide A."
        )
    await helper.send("/campaigns")
    assert "Campagnes" in (await last(helper))["text"]
    await helper.send(f"/revoke {FOUNDER}")
    revoking = await last(helper)
    assert "COORDINATORS" in revoking["text"] and not helper.buttons(revoking)  # the configured ones stay

    await founder.send("/grant abc")
    assert "ne prend plus d'identifiant" in (await last(founder))["text"]
    await founder.send("/coordinators")
    listing = (await last(founder))["text"]
    assert str(FOUNDER) in listing and "Aide A." in listing and str(helper.id) not in listing

    await founder.send("/revoke")
    await founder.press("Aide A. — tout le dispositif")
    await founder.press("Oui, retirer le rôle")
    assert "ne coordonne plus" in (await last(founder))["text"]
    await helper.send("/campaigns")
    assert "réservée" in (await last(helper))["text"]

    await founder.send("/help")
    assert "/campaign — composer une campagne" in (await last(founder))["text"]
    await helper.send("/help")
    assert "/campaign" not in (await last(helper))["text"]  # only coordinators see their commands

    await founder.send("/audit")
    audit = (await last(founder))["text"]
    assert (
        "rôle donné (Aide A.)" in audit and "rôle retiré (Aide A.)" in audit and str(helper.id) not in audit
    )
    assert audit.index("rôle retiré") < audit.index("rôle donné")  # newest first

    # The role lives in the database, so a restart keeps it (here: it is gone for good).
    async with harness.services.database.session() as session:
        from bot.domain.coordinators import granted

        assert helper.id not in await granted(session)


async def test_a_role_revoked_on_another_instance_stops_typed_text_reaching_a_draft(harness: Harness) -> None:
    """The composer's wait for typed text asks the database who coordinates, as every command does, and not
    this instance's cache: a /revoke handled by another instance counts at once (and a /grant there too)."""
    from sqlmodel import select

    from bot.domain import coordinators
    from bot.models import Campaign

    helper = await harness.user("Aide")
    async with harness.services.database.session() as session:  # granted on another instance
        await coordinators.grant(session, user_id=helper.id, by=FOUNDER, now=harness.clock.now)
    await helper.send("/campaign Kermesse")
    await helper.press("✏️ français")
    async with harness.services.database.session() as session:  # and revoked there, while composing
        await coordinators.revoke(session, user_id=helper.id, by=FOUNDER, now=harness.clock.now)
    await helper.send("Kermesse samedi à l'école.")
    async with harness.services.database.session() as session:
        draft = (await session.exec(select(Campaign).where(Campaign.created_by == helper.id))).one()
    assert not draft.messages.get("fr"), "a revoked coordinator's text was saved into the draft"


async def test_the_help_asks_the_database_who_coordinates(harness: Harness) -> None:
    from bot.domain import coordinators

    helper = await harness.user("Aide")
    async with harness.services.database.session() as session:  # granted on another instance
        await coordinators.grant(session, user_id=helper.id, by=FOUNDER, now=harness.clock.now)
    await helper.send("/campaigns")  # this instance has seen the role
    async with harness.services.database.session() as session:  # and it is revoked on another one
        await coordinators.revoke(session, user_id=helper.id, by=FOUNDER, now=harness.clock.now)
    await helper.send("/help")
    assert "/campaign" not in (await last(helper))["text"], "the help offers a revoked role's commands"
