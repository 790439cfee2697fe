"""The composer's traps, each found when tried as a coordinator would (issue 12): through the real Application
and the sandbox, a coordinator is never refused a text Telegram takes, never has a date moved without being
asked, never submits to nobody, sees what an approver sees, and finds a rejected draft again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from bot.domain import campaigns
from bot.models import Campaign, CoordinatorGrant
from tests.campaign_support import add_person, bot_texts, received, run_clock, wait_for
from tests.conftest import Harness, last

ALICE, BRUNO, CARLA = 900001, 900002, 900003


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coordinators": f"{ALICE},{BRUNO}", "approval_threshold": 1}


async def _latest(harness: Harness) -> Campaign:
    async with harness.services.database.session() as session:
        found = [c for c in await campaigns.list_campaigns(session) if c.sequence is None]
    return max(found, key=lambda c: c.id or 0)


async def test_the_length_limit_counts_what_telegram_counts(harness: Harness) -> None:
    alice = await harness.client.new_user("Alice", "fr", user_id=ALICE)
    await alice.send("/campaign Longueurs")
    await alice.press("✏️ français")
    # 1,000 "&" are 1,000 characters for Telegram (5,000 once escaped as HTML).
    await alice.send("&" * 1000)
    assert "trop long" not in (await last(alice))["text"]
    assert (await _latest(harness)).messages["fr"]["text"] == "&amp;" * 1000
    # A normal 3,500-character text with 107 apostrophes.
    text = "L'équipe est là. " * 107
    text += ("Merci beaucoup. " * 200)[: 3500 - len(text)]
    assert len(text) == 3500 and text.count("'") == 107
    await alice.press("✏️ anglais")
    await alice.send(text)
    assert "trop long" not in (await last(alice))["text"]
    assert "en" in (await _latest(harness)).messages
    # 4,097 visible characters are refused, and so is what Telegram counts twice (UTF-16): an emoji.
    await alice.press("✏️ arabe")
    await alice.send("a" * 4097)
    assert "trop long" in (await last(alice))["text"]
    await alice.send("😀" * 2000)
    assert "trop long" in (await last(alice))["text"]
    assert "ar" not in (await _latest(harness)).messages
    # A caption: Telegram's 1,024.
    await alice.upload("affiche.pdf", b"%PDF-1.4", caption="&" * 900)
    assert "trop long" not in (await last(alice))["text"]
    assert (await _latest(harness)).messages["ar"]["text"] == "&amp;" * 900
    await alice.press("✏️ arabe")
    await alice.upload("affiche.pdf", b"%PDF-1.4", caption="b" * 1025)
    assert "trop longue" in (await last(alice))["text"]


async def test_a_date_already_past_this_year_is_a_question(harness: Harness) -> None:
    alice = await harness.client.new_user("Alice", "fr", user_id=ALICE)
    await alice.send("/campaign Rentrée")
    await alice.press("🕒 Date d'envoi")
    await alice.press("À une date et une heure")
    await alice.send("4/1 9:05")  # today is 27 November 2026
    question = await last(alice)
    assert "passée" in question["text"] and "04/01/2027" in question["text"]
    stored = await _latest(harness)
    assert stored.on_date is None  # nothing moved in silence
    await alice.press("✅ Oui, le 04/01/2027 à 09:05")
    card = (await last(alice))["text"]
    assert "4 janvier 2027 à 09:05" in card
    # Retyping works too, and a past date with its year is simply refused.
    await alice.press("🕒 Date d'envoi")
    await alice.press("À une date et une heure")
    await alice.send("01/02/2026 08:00")
    assert "passée" in (await last(alice))["text"]
    await alice.send("24/12 18:00")
    assert "24 décembre 2026 à 18:00" in (await last(alice))["text"]


async def test_an_empty_audience_cannot_be_submitted(harness: Harness) -> None:
    alice = await harness.client.new_user("Alice", "fr", user_id=ALICE)
    parent = await harness.user("Parent")
    await add_person(harness, parent)
    await alice.send("/campaign Personne")
    await alice.press("✏️ français")
    await alice.send("Bonjour les pros")
    await alice.press("👥 Destinataires")
    await alice.press("Professionnel (école, social, sport…)")
    assert "0 destinataire" in (await last(alice))["text"]
    await alice.press("↩️ Retour à la campagne")
    card = (await last(alice))["text"]
    assert "Personne ne correspond" in card
    await alice.press("📤 Soumettre")
    assert (await _latest(harness)).status == "draft"


async def test_everyone_leaves_staff_out_unless_chosen(harness: Harness) -> None:
    alice = await harness.client.new_user("Alice", "fr", user_id=ALICE)
    bruno = await harness.client.new_user("Bruno", "fr", user_id=BRUNO)
    carla = await harness.client.new_user("Carla", "fr", user_id=CARLA)
    parent = await harness.user("Parent")
    for user in (alice, bruno, carla, parent):
        await add_person(harness, user)
    async with harness.services.database.session() as session:
        session.add(CoordinatorGrant(user_id=CARLA, granted_by=ALICE, granted_at=harness.clock.now))
    await alice.send("/campaign Tous")
    assert "1 personne aujourd'hui" in (await last(alice))["text"]
    await alice.press("👥 Destinataires")
    await alice.press("Coordination")
    assert "4 destinataires" in (await last(alice))["text"]


async def test_the_approval_request_shows_the_message_urgency_and_author(harness: Harness) -> None:
    alice = await harness.client.new_user("Alice", "fr", user_id=ALICE)
    bruno = await harness.client.new_user("Bruno", "fr", user_id=BRUNO)
    for name in ("P1", "P2"):
        await add_person(harness, await harness.user(name))
    async with harness.services.database.session() as session:
        session.add(
            CoordinatorGrant(
                user_id=ALICE, granted_by=ALICE, granted_at=harness.clock.now, display_name="Alice Martin"
            )
        )
    await alice.send("/campaign Alerte")
    await alice.press("✏️ français")
    await alice.send("Tom & Jerry <script> : fermeture du gymnase")
    await alice.press("✏️ anglais")
    await alice.send("The gym is closed")
    await alice.press("⚡ Urgent : non")
    await alice.press("📤 Soumettre")
    request = (await received(bruno, "Approbation demandée"))[-1]
    assert "Alice Martin" in request
    assert "Tom & Jerry <script> : fermeture du gymnase" in request and "The gym is closed" in request
    assert "urgente" in request.lower()
    await bruno.send("/campaigns")
    await bruno.press(f"n° {(await _latest(harness)).id} — Alerte")
    assert "urgente" in (await last(bruno))["text"].lower()


async def test_a_rejected_draft_opens_again_from_campaigns(harness: Harness) -> None:
    alice = await harness.client.new_user("Alice", "fr", user_id=ALICE)
    bruno = await harness.client.new_user("Bruno", "fr", user_id=BRUNO)
    for name in ("P1", "P2"):
        await add_person(harness, await harness.user(name))
    await alice.send("/campaign Brouillon refusé")
    await alice.press("✏️ français")
    await alice.send("Première version")
    await alice.press("📤 Soumettre")
    request = await received(bruno, "Approbation demandée")
    assert request
    await bruno.press("❌ Refuser", (await last(bruno))["message_id"])
    await received(alice, "a été refusée")
    campaign_id = (await _latest(harness)).id
    await alice.send("/campaigns")
    await alice.press(f"n° {campaign_id} — Brouillon refusé")
    await alice.press("✏️ Modifier le brouillon")
    assert "Première version" in (await last(alice))["text"]
    await alice.press("✏️ français")
    await alice.send("Deuxième version")
    assert "Deuxième version" in (await last(alice))["text"]
    await alice.press("📤 Soumettre")
    assert (await _latest(harness)).status == "pending"


async def test_the_progress_message_follows_pause_resume_cancel_and_quiet_hours(harness: Harness) -> None:
    alice = await harness.client.new_user("Alice", "fr", user_id=ALICE)
    for index in range(5):  # five: fewer would be a small count, hidden in the report
        await add_person(harness, await harness.user(f"P{index}"))
    harness.services.settings.approval_threshold = 10
    harness.clock.now = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)  # 23:00 in Paris: quiet hours
    await alice.send("/campaign Nuit")
    await alice.press("✏️ français")
    await alice.send("Message du soir")
    await alice.press("📤 Soumettre")
    await run_clock(harness)
    report = (await received(alice, "Retenus par les heures calmes : 5"))[-1]
    assert "partiront le 28 novembre 2026 à 08:00" in report
    campaign_id = (await _latest(harness)).id

    async def report_text() -> str:
        texts = [t for t in await bot_texts(alice) if "envoi n°" in t]
        return texts[-1] if texts else ""

    await alice.send("/campaigns")
    await alice.press(f"n° {campaign_id} — Nuit")
    await alice.press("⏸ Mettre en pause")
    assert "en pause" in await wait_for(
        lambda: _when(report_text, "en pause"), what="the report to say paused"
    )
    await alice.press("▶️ Reprendre")
    resumed = await wait_for(lambda: _when(report_text, "envoi en cours", "en pause"), what="resumed")
    assert "partiront" in resumed
    await alice.press("✖️ Annuler la campagne")
    await alice.press("✖️ Oui, annuler")
    final = await wait_for(lambda: _when(report_text, "annulée"), what="the report to say cancelled")
    assert "partiront" not in final


async def _when(read: Callable[[], Awaitable[str]], fragment: str, gone: str = "") -> str:
    """The report once it says `fragment` (and no longer `gone`), else ""."""
    text = await read()
    return text if fragment in text and not (gone and gone in text) else ""
