"""A person uses the sandbox chat page in headless Chromium, as they would: onboarding in French, English
and Arabic, then the data export and /forget. The real bot serves them (on SQLite: the page is under test)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from bot.domain.people import get_person
from tests.conftest import Harness

pytestmark = pytest.mark.browser


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
async def page(harness: Harness, chromium: Any) -> Any:
    tab = await chromium.new_page(viewport={"width": 1100, "height": 800})
    await tab.goto(harness.base_url + "/")
    return tab


async def type_in(page: Any, text: str) -> None:
    await page.fill("#composer-input", text)
    await page.press("#composer-input", "Enter")


async def press(page: Any, label: str) -> None:
    from playwright.async_api import expect

    button = page.locator(".msg.bot .kb-button", has_text=label).last
    await expect(button).to_be_visible()
    await button.click()


async def new_user(page: Any, name: str, language: str) -> None:
    from playwright.async_api import expect

    await page.fill("#new-user-name", name)
    await page.select_option("#new-user-lang", language)
    await page.click("#create-user")
    await expect(page.locator("#chat-title")).to_have_text(name)


async def arabic_parent(chromium: Any, base_url: str) -> Any:
    """A chat page where a new person has chosen Arabic, the parent's profile, and accepted the notice."""
    page = await chromium.new_page(viewport={"width": 1000, "height": 900})
    await page.goto(base_url + "/")
    await new_user(page, "Karima", "ar")
    await type_in(page, "/start")
    await press(page, "العربية")
    await press(page, "أب أو أم أو قريب لشاب")
    await press(page, "✅ أوافق")
    return page


async def test_onboarding_export_and_forget_in_three_languages(
    harness: Harness, page: Any, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    people = [
        ("Amélie", "fr", "Français", "Parent ou proche d'un jeune", "✅ J'accepte", "☎️ Numéros d'aide"),
        ("Sam", "en", "English", "Resident", "✅ I accept", "☎️ Helplines"),
        ("Karim", "ar", "العربية", "ساكن", "✅ أوافق", "☎️ أرقام المساعدة"),
    ]
    for name, language, language_button, role, accept, helplines in people:
        await new_user(page, name, language)
        await type_in(page, "/start")
        await press(page, language_button)
        await press(page, role)
        await press(page, accept)
        menu = page.locator(".msg.bot", has=page.locator(".kb-button", has_text=helplines)).last
        await expect(menu).to_be_visible()
        direction = await menu.locator(".bubble").evaluate("el => getComputedStyle(el).direction")
        assert direction == ("rtl" if language == "ar" else "ltr"), (language, direction)
        await page.screenshot(path=str(tmp_path / f"menu-{language}.png"))
        if target := os.environ.get("SANDBOX_SCREENSHOTS"):
            await page.screenshot(path=f"{target}/menu-{language}.png")

    users = {user["first_name"]: user["id"] for user in await harness.client.request("GET", "/users")}
    async with harness.services.database.session() as session:
        for name, language, *_ in people:
            person = await get_person(session, chat_id=users[name])
            assert person is not None and person.language == language

    # Karim, still on screen, downloads his data, then deletes it.
    await type_in(page, "/privacy")
    await press(page, "📄")
    download = page.locator(".msg.bot a", has_text="reperes-data.json").last
    await expect(download).to_be_visible()
    await type_in(page, "/forget")
    await press(page, "نعم")
    await expect(page.locator(".msg.bot").last).to_contain_text("/start")
    if target := os.environ.get("SANDBOX_SCREENSHOTS"):
        await page.screenshot(path=f"{target}/forget-ar.png")
    async with harness.services.database.session() as session:
        assert await get_person(session, chat_id=users["Karim"]) is None
        assert await get_person(session, chat_id=users["Amélie"]) is not None
