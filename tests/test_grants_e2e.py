"""/grant makes a single-use "become a coordinator" link; a second coordinator approves who opened it.

Driven through the sandbox: the link read from the chat, opened with /start, the name given, the approval
request pressed by another coordinator. Territory coordinators grant, list, revoke and read the audit only
within their territories.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.core.callbacks import Action, pack
from bot.domain import coordinators
from bot.models import CoordinatorLink
from sandbox.client import SandboxUser
from tests.campaign_support import add_person, received
from tests.conftest import Harness, last

FOUNDER, SECOND = 900100, 900200
LINK = re.compile(r"https://t\.me/[A-Za-z0-9_]+\?start=(co_[A-Za-z0-9_-]+)")


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coordinators": f"{FOUNDER},{SECOND}"}


@pytest.fixture
def content_dir(two_territories: Path) -> Path:
    return two_territories  # "demo" and "ile"


async def make_link(user: SandboxUser, *choices: str) -> str:
    """/grant, the territories ticked (or the whole deployment), then the link's /start payload."""
    await user.send("/grant")
    for choice in choices:
        await user.press(choice)
    message = (await last(user))["text"]
    found = LINK.search(message)
    assert found, message
    assert len(found.group(1)) <= 64
    return found.group(1)


async def coordinates(harness: Harness, user: SandboxUser) -> bool:
    async with harness.services.database.session() as session:
        return await coordinators.is_granted(session, user_id=user.id)


async def test_a_link_a_name_and_a_second_coordinators_approval(harness: Harness) -> None:
    founder = await harness.client.new_user("Fondatrice", "fr", user_id=FOUNDER)
    second = await harness.client.new_user("Second", "fr", user_id=SECOND)
    await founder.send("/name Fanny F.")
    assert "Fanny F." in (await last(founder))["text"]
    await second.send("/name Sami S.")

    await founder.send("/grant 123")
    assert "ne prend plus d'identifiant" in (await last(founder))["text"]
    payload = await make_link(founder, "🌍 Tout le dispositif")
    async with harness.services.database.session() as session:
        stored = (await session.exec(select(CoordinatorLink))).one()
        dumped = str(
            (await (await session.connection()).execute(text("SELECT * FROM coordinator_link"))).all()
        )
    token = payload.removeprefix("co_")
    assert token not in dumped and stored.token_hash != token, "the raw token is stored"

    candidate = await harness.user("Camille")
    await candidate.send(f"/start {payload}")
    assert "Quel nom" in (await last(candidate))["text"]
    await candidate.press("Utiliser « Camille »")
    assert "attend l'accord" in (await last(candidate))["text"]
    assert not await coordinates(harness, candidate)

    request = (await received(second, "Nouvelle coordination demandée"))[-1]
    assert "Camille" in request and "Fanny F." in request and "tout le dispositif" in request
    await received(founder, "Camille a ouvert votre lien")
    assert not [t for t in await _texts(founder) if "Nouvelle coordination demandée" in t], (
        "the maker is asked"
    )

    approval = await _approval(second)
    await second.press("✅ Approuver")
    assert "coordonne maintenant" in (await last(second))["text"]
    assert await coordinates(harness, candidate)
    await received(candidate, "Votre demande est approuvée")
    await received(founder, "Camille coordonne maintenant (approuvé par Sami S.)")
    async with harness.services.database.session() as session:
        assert (await coordinators.names(session, [candidate.id]))[candidate.id] == "Camille"

    # The same approval pressed again, and the link opened by someone else: both told, nothing changes.
    await second.press_data(str(approval["data"]), int(str(approval["message_id"])))
    assert "déjà été décidée" in (await last(second))["text"]
    stranger = await harness.user("Intrus")
    await stranger.send(f"/start {payload}")
    assert "déjà servi" in (await last(stranger))["text"]
    assert not await coordinates(harness, stranger)

    await founder.send("/coordinators")
    listing = (await last(founder))["text"]
    assert "Fanny F." in listing and "Camille — tout le dispositif (invité par Fanny F.)" in listing
    await founder.send("/audit")
    audit = (await last(founder))["text"]
    assert (
        "Sami S. : rôle donné (Camille)" in audit and "Fanny F. : lien « devenir coordinateur » créé" in audit
    )
    assert str(FOUNDER) not in audit and str(candidate.id) not in audit


async def test_a_refusal_an_expired_link_and_a_typed_name(harness: Harness) -> None:
    founder = await harness.client.new_user("Fondatrice", "fr", user_id=FOUNDER)
    second = await harness.client.new_user("Second", "fr", user_id=SECOND)
    payload = await make_link(founder, "🌍 Tout le dispositif")
    candidate = await harness.user("X")
    await candidate.send(f"/start {payload}")
    await candidate.send("<b>" + "é" * 60)
    assert "ne convient pas" in (await last(candidate))["text"]
    await candidate.send("  Zoé\u200b   Z.\u202e ")
    assert "Merci, Zoé Z." in (await last(candidate))["text"]
    await received(second, "Nouvelle coordination demandée")
    # /coordinators shows the request again to whoever may decide it (not to its maker), with its buttons.
    await founder.send("/coordinators")
    assert "attend une approbation" not in (await last(founder))["text"]
    await second.send("/coordinators")
    assert "⏳ Zoé Z. attend une approbation : tout le dispositif" in (await last(second))["text"]
    await second.press("❌ Refuser")
    await received(candidate, "a été refusée")
    await received(founder, "La demande de Zoé Z. a été refusée par")
    assert not await coordinates(harness, candidate)

    # A request nobody decided lapses a week after its link expired: an old button gives no role.
    slow = await make_link(founder, "🌍 Tout le dispositif")
    tardy = await harness.user("Lent")
    await tardy.send(f"/start {slow}")
    await tardy.press("Utiliser « Lent »")
    await received(second, "Nouvelle coordination demandée : Lent")
    old_request = await _approval(second)
    harness.clock.now += timedelta(hours=48) + timedelta(days=7)
    await second.press_data(str(old_request["data"]), int(str(old_request["message_id"])))
    assert "n'a pas été décidée à temps" in (await last(second))["text"]
    assert not await coordinates(harness, tardy)

    late = await make_link(founder, "🌍 Tout le dispositif")
    harness.clock.now += timedelta(hours=49)
    other = await harness.user("Tard")
    await other.send(f"/start {late}")
    assert "a expiré" in (await last(other))["text"]
    await other.send("/start co_thisisnotalinkthatexistsatall")
    assert "n'existe pas" in (await last(other))["text"]


async def test_territory_coordinators_grant_list_revoke_and_audit_only_their_own(harness: Harness) -> None:
    founder = await harness.client.new_user("Fondatrice", "fr", user_id=FOUNDER)
    island = await harness.user("Ilona")
    whole = await harness.user("Wanda")
    async with harness.services.database.session() as session:
        await coordinators.grant(
            session,
            user_id=island.id,
            by=FOUNDER,
            now=harness.clock.now,
            territories=["ile"],
            display_name="Ilona",
        )
        await coordinators.grant(
            session, user_id=whole.id, by=FOUNDER, now=harness.clock.now, display_name="Wanda"
        )
    await island.send("/grant")
    buttons = island.buttons(await last(island))
    assert not [b for b in buttons if "Tout le dispositif" in b], buttons
    assert not [b for b in buttons if "Démo" in b or "Demo" in b], buttons
    # Forged presses: the whole deployment, and "demo" (the first territory, bit 0), are not Ilona's to grant.
    chooser = (await last(island))["message_id"]
    for forged in (pack(Action.GRANT, "c", "w"), pack(Action.GRANT, "c", "1"), pack(Action.GRANT, "t", "3")):
        await island.press_data(forged, chooser)
        assert "Ce bouton n'est plus valable" in (await last(island))["text"], forged
    async with harness.services.database.session() as session:
        assert not (await session.exec(select(CoordinatorLink))).all(), "a link out of Ilona's scope"
    payload = await make_link(island, "☐ Île-Exemple", "🔗 Créer le lien")
    candidate = await harness.user("Ines")
    await candidate.send(f"/start {payload}")
    await candidate.press("Utiliser « Ines »")
    # The founder and Wanda (whole deployment) are asked; Ilona made the link.
    await received(whole, "Ines, invité par Ilona, pour Île-Exemple")
    await received(founder, "Ines, invité par Ilona, pour Île-Exemple")
    await founder.press("✅ Approuver")
    assert await coordinates(harness, candidate)
    await whole.press("✅ Approuver")
    assert "déjà été décidée" in (await last(whole))["text"]

    # Ines (Île-Exemple) cannot approve a whole-deployment request, and cannot revoke Wanda.
    await candidate.send("/revoke")
    labels = candidate.buttons(await last(candidate))
    assert labels and not [b for b in labels if "Wanda" in b], labels
    await founder.send("/revoke")
    await founder.press("Wanda — tout le dispositif")
    await founder.press("Oui, retirer le rôle")
    assert "Wanda ne coordonne plus" in (await last(founder))["text"]

    await island.send("/audit")
    audit = (await last(island))["text"]
    assert "lien « devenir coordinateur » créé" in audit and "rôle donné (Ines)" in audit
    assert "Wanda" not in audit, "a territory coordinator reads entries about the whole deployment"
    await founder.send("/audit")
    assert "rôle retiré (Wanda)" in (await last(founder))["text"]
    await island.send("/coordinators")
    listing = (await last(island))["text"]
    assert "Ines — Île-Exemple (invité par Ilona)" in listing  # who made the link, not who approved
    assert "Wanda" not in listing


async def _texts(user: SandboxUser) -> list[str]:
    return [str(m.get("text") or "") for m in await user.messages() if m["from_bot"]]


async def _approval(user: SandboxUser) -> dict[str, object]:
    """The approval request's message id and its Approve button's data."""
    for message in reversed(await user.messages()):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for pressed in row:
                if "Approuver" in pressed.get("text", ""):
                    return {"message_id": message["message_id"], "data": pressed["callback_data"]}
    raise AssertionError("no approval request in the chat")


async def test_the_approval_request_reaches_each_coordinator_in_their_language(harness: Harness) -> None:
    founder = await harness.client.new_user("Fondatrice", "fr", user_id=FOUNDER)
    second = await harness.client.new_user("Samir", "ar", user_id=SECOND)
    await add_person(harness, second, language="ar")
    payload = await make_link(founder, "🌍 Tout le dispositif")
    candidate = await harness.user("Nadia", "ar")
    await candidate.send(f"/start {payload}")
    assert "ما الاسم الذي سيراه باقي المنسقين" in (await last(candidate))["text"]
    await candidate.press("استعمال «Nadia»")
    request = (await received(second, "طلب منسق جديد"))[-1]
    assert "Nadia" in request and "كامل الجهاز" in request
    await second.press("✅ موافقة")
    assert await coordinates(harness, candidate)


async def test_forget_takes_a_candidates_claim_and_name(harness: Harness) -> None:
    """Someone who opened a "become a coordinator" link and gave a name is not staff yet: /forget deletes
    their claim and that name (the pending request lapses), as it deletes everything else about them."""
    founder = await harness.client.new_user("Fondatrice", "fr", user_id=FOUNDER)
    payload = await make_link(founder, "🌍 Tout le dispositif")
    candidate = await harness.user("Camille")
    await add_person(harness, candidate)
    await candidate.send(f"/start {payload}")
    await candidate.press("Utiliser « Camille »")
    assert "attend l'accord" in (await last(candidate))["text"]
    await candidate.send("/forget")
    await candidate.press(
        next(label for label in candidate.buttons(await last(candidate)) if "effacer" in label.lower())
    )
    assert "a été effacé" in (await last(candidate))["text"]
    async with harness.services.database.session() as session:
        links = (await session.exec(select(CoordinatorLink))).all()
    assert all(link.candidate_id != candidate.id and link.display_name != "Camille" for link in links)
