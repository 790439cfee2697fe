"""Issue 4's scenario in headless Chromium: a coordinator invites, a professional (second window) completes a
module, fails then passes its quiz, gets the PDF certificate, and /verify accepts its code."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.conftest import Harness
from tests.test_chat_page_onboarding import new_user, press, type_in

pytestmark = pytest.mark.browser
COORDINATOR = 100777


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coordinators": str(COORDINATOR)}


async def play_quiz(page: Any, harness: Harness, right: bool) -> None:
    from playwright.async_api import expect

    module = harness.services.content.module("fr", "networks_and_minors")
    assert module is not None
    for number, question in enumerate(module.quiz):
        if question.multiple:
            picks = (
                [i for i, o in enumerate(question.options) if o.correct]
                if right
                else [next(i for i, o in enumerate(question.options) if not o.correct)]
            )
            for index in picks:
                await press(page, f"⬜ {question.options[index].text}")
                # Wait for the tick: pressing the next box on the old message would lose this one.
                ticked = page.locator(".msg.bot .kb-button", has_text=f"☑️ {question.options[index].text}")
                await expect(ticked.last).to_be_visible()
            await press(page, "✔️ Valider")
        else:
            index = next(i for i, o in enumerate(question.options) if o.correct == right)
            await press(page, question.options[index].text)
        await press(page, "Voir mon score" if number == len(module.quiz) - 1 else "Question suivante")


async def test_invited_professional_fails_passes_and_verifies(harness: Harness, chromium: Any) -> None:
    from playwright.async_api import expect

    await harness.client.new_user("Coordination", "fr", user_id=COORDINATOR)
    coordinator = await chromium.new_page(viewport={"width": 1000, "height": 900})
    await coordinator.goto(f"{harness.base_url}/#user={COORDINATOR}")
    await expect(coordinator.locator("#chat-title")).to_have_text("Coordination")
    await type_in(coordinator, "/invite 5 30")
    invite = coordinator.locator(".msg.bot").last
    await expect(invite).to_contain_text("Code d'invitation")
    payload = (await invite.inner_text()).split("?start=")[1].split()[0]

    page = await chromium.new_page(viewport={"width": 1000, "height": 900})
    await page.goto(harness.base_url + "/")
    await new_user(page, "Camille", "fr")
    await type_in(page, f"/start {payload}")
    for label in ("Français", "Professionnel", "✅ J'accepte", "🎓 Formations courtes", "Réseaux de trafic"):
        await press(page, label)
    for number in range(2, 8):
        await press(page, "Suivant ▶️")
        # The card is edited in place: wait for it before pressing again, or the same card is pressed twice.
        await expect(page.locator(".msg.bot", has_text=f"Carte {number} sur 7").last).to_be_visible()
    await press(page, "📝 Passer le quiz")
    await play_quiz(page, harness, right=False)
    await expect(page.locator(".msg.bot").last).to_contain_text("Pas encore.")
    await press(page, "🔁 Recommencer le quiz")
    await play_quiz(page, harness, right=True)
    await expect(page.locator(".msg.bot").last).to_contain_text("Réussi")
    await press(page, "📄 Recevoir mon attestation")
    await press(page, "Sans nom")
    document = page.locator(".msg.bot a", has_text="attestation-networks_and_minors.pdf").last
    await expect(document).to_be_visible()
    caption = await page.locator(".msg.bot").last.inner_text()
    code = caption.split("vérification : ")[1].split()[0]
    await type_in(page, f"/verify {code}")
    await expect(page.locator(".msg.bot").last).to_contain_text("Attestation authentique")
    if target := os.environ.get("SANDBOX_SCREENSHOTS"):
        await page.screenshot(path=f"{target}/training.png")
