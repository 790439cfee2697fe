"""A coordinator composes a campaign in the chat, a second approves it, and it goes out at local time.

This is the issue's "done" scenario, through the real Application and the sandbox: two languages, parents
of one territory, approval by someone else, 18:00 local time, and a report whose figures add up.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.callbacks import Action, pack
from bot.domain import campaigns, run_outcomes
from bot.models import Campaign
from bot.shorten import shorten
from tests.campaign_support import add_person, bot_texts, received, run_clock
from tests.conftest import Harness, last

ALICE, BRUNO = 900001, 900002


@pytest.fixture
def content_dir(two_territories: Path) -> Path:
    return two_territories


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coordinators": f"{ALICE},{BRUNO}", "approval_threshold": 1}


def figure(text: str, label: str) -> int:
    match = re.search(rf"{label} : (\d+)", text.replace("\u202f", "").replace("\xa0", ""))
    assert match, f"{label!r} not in {text!r}"
    return int(match.group(1))


async def test_compose_approve_and_send_at_local_time(harness: Harness) -> None:
    alice = await harness.client.new_user("Alice", "fr", user_id=ALICE)
    bruno = await harness.client.new_user("Bruno", "fr", user_id=BRUNO)
    parent_fr, parent_en = await harness.user("Parent FR", "fr"), await harness.user("Parent EN", "en")
    parent_ar, island, pro = (
        await harness.user("Parent AR", "ar"),
        await harness.user("Île"),
        await harness.user("Pro"),
    )
    await add_person(harness, parent_fr, language="fr")
    await add_person(harness, parent_en, language="en")
    await add_person(harness, parent_ar, language="ar")
    await add_person(harness, island, territory="ile")
    await add_person(harness, pro, role="professional")

    await alice.send("/campaign Soirée des parents")
    card = await last(alice)
    assert "Soirée des parents" in card["text"] and "brouillon" in card["text"]
    await alice.press("✏️ français")
    await alice.send("Réunion des parents jeudi à la médiathèque.")
    await alice.press("✏️ anglais")
    await alice.send("Parents' meeting on Thursday at the library.")
    card = await last(alice)
    assert "Réunion des parents" in card["text"] and "Parents' meeting" in card["text"]
    assert "le français sera envoyé" in card["text"]  # Arabic falls back to French

    await alice.press("👥 Destinataires")
    await alice.press("Parent ou proche d'un jeune")
    await alice.press("Démo-sur-Seine (exemple)")
    audience = await last(alice)
    assert "3 destinataires" in audience["text"]
    await alice.press("↩️ Retour à la campagne")
    await alice.press("🕒 Date d'envoi")
    await alice.press("À une date et une heure")
    await alice.send("28/11 18:00")
    card = await last(alice)
    assert "28 novembre 2026 à 18:00" in card["text"] and "heure locale" in card["text"]

    await alice.press("👁 Aperçu")
    texts = await bot_texts(alice)
    assert any("Aperçu en anglais (1 destinataire)" in t for t in texts)
    assert any(t.startswith("Parents' meeting") and "/stop" in t for t in texts)

    await alice.press("📤 Soumettre")
    assert "Envoyée pour approbation" in (await last(alice))["text"]
    await received(bruno, "Approbation demandée")  # queued by the handler, sent at the sender's pace
    request = await last(bruno)
    assert "Approbation demandée" in request["text"] and "Soirée des parents" in request["text"]

    # The author cannot approve their own campaign, even with a forged button.
    async with harness.services.database.session() as session:
        campaign = (await campaigns.list_campaigns(session))[-1]
    assert isinstance(campaign, Campaign) and campaign.status == "pending"
    await alice.press_data(pack(Action.CAMPAIGN, str(campaign.id), "ok"), (await last(alice))["message_id"])
    async with harness.services.database.session() as session:
        assert (await campaigns.get_campaign(session, campaign.id or 0)).status == "pending"  # type: ignore[union-attr]

    await bruno.press("✅ Approuver", request["message_id"])
    assert "approuvée par" in (await last(alice))["text"]

    # 17:59 in Paris: nothing yet. 18:00 in Paris (17:00 UTC): the French, English and Arabic parents.
    # "Nothing yet" is read in the database, where the clock's tick has finished when run_clock returns: no
    # run started, so no message is queued (a chat checked now could only show what was already sent).
    harness.clock.now = datetime(2026, 11, 28, 16, 59, tzinfo=UTC)
    await run_clock(harness)
    async with harness.services.database.session() as session:
        assert await run_outcomes.runs_of(session, campaign.id or 0) == []
        stored = await campaigns.get_campaign(session, campaign.id or 0)
    assert stored is not None and stored.status == "approved"
    assert stored.next_run_at is not None
    assert stored.next_run_at.replace(tzinfo=UTC) == datetime(2026, 11, 28, 17, 0, tzinfo=UTC)
    harness.clock.now = datetime(2026, 11, 28, 17, 0, 5, tzinfo=UTC)
    await run_clock(harness)
    assert (await received(parent_fr, "Réunion des parents"))[0].startswith("Réunion des parents jeudi")
    assert await received(parent_en, "Parents' meeting")
    assert await received(parent_ar, "Réunion des parents")
    # Three people: a small count, hidden in the report as on the dashboard (with a second figure, else
    # the total minus the visible outcomes would give it back).
    report = await received(alice, "Envoyés : masqué")
    assert not [t for t in await bot_texts(island) + await bot_texts(pro) if "Réunion" in t]

    text = report[-1]
    parts = [
        "Envoyés",
        "En attente",
        "Retenus par les heures calmes",
        "Échecs",
        "Injoignables",
        "Désinscrits",
    ]
    assert "Destinataires : masqué" in text
    assert all(figure(text, p) == 0 for p in parts if p != "Envoyés"), "nobody else: zeros are shown"


async def test_a_document_with_caption_and_a_content_item_in_each_language(harness: Harness) -> None:
    alice = await harness.client.new_user("Alice", "fr", user_id=ALICE)
    parent_fr, parent_ar = await harness.user("Parent FR", "fr"), await harness.user("Parent AR", "ar")
    await add_person(harness, parent_fr, language="fr")
    await add_person(harness, parent_ar, language="ar")
    harness.services.settings.approval_threshold = 10  # small campaigns need no second coordinator

    await alice.send("/campaign Programme")
    await alice.press("✏️ français")
    await alice.upload("programme.pdf", b"%PDF-1.4 programme", caption="Le programme de la semaine")
    assert "document — Le programme de la semaine" in (await last(alice))["text"]
    await alice.press("📤 Soumettre")
    await run_clock(harness)
    for parent in (parent_fr, parent_ar):
        await received(parent, "Le programme de la semaine")
        documents = [m for m in await parent.messages() if m["from_bot"] and m.get("document")]
        assert documents and documents[-1]["document"]["file_name"] == "programme.pdf"

    await alice.send("/campaign Carte")
    await alice.press("🃏 Un contenu du bot")
    await alice.press("🃏 Une carte vrai ou faux")
    myth_id = harness.services.content.myth_ids()[0]
    claim_fr = harness.services.content.myth("fr", myth_id)
    claim_ar = harness.services.content.myth("ar", myth_id)
    assert claim_fr is not None and claim_ar is not None
    await alice.press(shorten("🃏 " + claim_fr.claim))
    await alice.press("📤 Soumettre")
    await run_clock(harness)
    await received(parent_fr, claim_fr.claim)
    card = [m for m in await parent_ar.messages() if m["from_bot"] and claim_ar.claim in str(m.get("text"))]
    assert card, "the Arabic parent gets the card in Arabic"
    # Its buttons work like the card's in the bot: answering shows the facts.
    await parent_ar.press(parent_ar.buttons(card[-1])[0], card[-1]["message_id"])
    assert claim_ar.claim in (await last(parent_ar))["text"]


async def test_a_single_recipient_is_counted_in_the_singular(harness: Harness) -> None:
    """Tried as a coordinator would: "1 destinataires, c'est plus de 0" read wrong in the author's chat."""
    harness.services.settings.approval_threshold = 0
    alice = await harness.client.new_user("Alice", "fr", user_id=ALICE)
    await harness.client.new_user("Bruno", "fr", user_id=BRUNO)
    await add_person(harness, await harness.user("Parent FR", "fr"), language="fr")
    await alice.send("/campaign Une seule")
    await alice.press("✏️ français")
    await alice.send("Réunion jeudi.")
    await alice.press("📤 Soumettre")
    text = (await last(alice))["text"]
    assert "Envoyée pour approbation : 1 destinataire, c'est plus de 0." in text
