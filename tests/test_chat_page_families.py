"""Issue 3's scenario in headless Chromium: a parent, in Arabic, finds a resource, plays the quiz, finds the
nearest place and asks for help; a referent, in a second window, takes the request and answers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Harness
from tests.test_chat_page_onboarding import arabic_parent, press, type_in

pytestmark = pytest.mark.browser
REFERENTS = 100900


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


async def test_parent_in_arabic_and_referent_side_by_side(
    harness: Harness, chromium: Any, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    content = harness.services.content
    await harness.client.new_user("مرجع", "fr", user_id=REFERENTS)
    parent = await arabic_parent(chromium, harness.base_url)

    # A resource.
    topic = content.topic_list("ar")[0]
    resource = content.resources_in("ar", topic.id)[0]
    await press(parent, "📚")
    await press(parent, topic.title)
    await press(parent, resource.title)
    await expect(parent.locator(".msg.bot").last).to_contain_text(resource.title)

    # The quiz, to its score.
    await type_in(parent, "/menu")
    await press(parent, "❓ صحيح أم خطأ؟")
    await press(parent, "🎯")
    for number in range(5):
        await press(parent, "❌")
        await press(parent, "▶️" if number < 4 else "عرض نتيجتي")
    await expect(parent.locator(".msg.bot").last).to_contain_text("5")

    # The nearest place, from a shared location.
    await type_in(parent, "/menu")
    await press(parent, "🤝 الحصول على المساعدة")
    await press(parent, "📍")
    await parent.locator("#reply-keyboard button").first.click()
    await parent.fill("#location-lat", "48.845")
    await parent.fill("#location-lon", "2.41")
    await parent.locator("#location-form button[type=submit]").click()
    await expect(parent.locator(".msg.bot").last).to_contain_text("(exemple)")

    # Asking for help.
    await type_in(parent, "/menu")
    await press(parent, "😟 أشعر بالقلق على طفلي")
    await press(parent, "لا")
    await press(parent, "رسائل أو إعلانات على وسائل التواصل")
    await press(parent, "🙋")
    await press(parent, "✅")
    await expect(parent.locator(".msg.bot").last).to_contain_text("1")
    await parent.screenshot(path=str(tmp_path / "parent.png"))

    # The referent, in a second window, takes the request and answers.
    referent = await chromium.new_page(viewport={"width": 1000, "height": 900})
    await referent.goto(f"{harness.base_url}/#user={REFERENTS}")
    await press(referent, "🙋 Je m'en occupe")
    await expect(referent.locator(".msg.bot").last).to_contain_text("Vous vous occupez de la demande n° 1")
    await type_in(referent, "Bonjour, je suis là pour vous aider.")
    await expect(parent.locator(".msg.bot").last).to_contain_text("Bonjour, je suis là pour vous aider.")
    await type_in(parent, "شكرًا")
    await expect(referent.locator(".msg.bot").last).to_contain_text("شكرًا")
    direction = await parent.locator(".msg.bot .bubble").last.evaluate("el => getComputedStyle(el).direction")
    assert direction == "rtl"
    if target := os.environ.get("SANDBOX_SCREENSHOTS"):
        await parent.screenshot(path=f"{target}/families-parent-ar.png")
        await referent.screenshot(path=f"{target}/families-referent.png")
