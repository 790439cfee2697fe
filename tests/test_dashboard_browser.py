"""The dashboard in headless Chromium, as coordinators use it: the login link from the bot in the sandbox
chat, every page, the language switched to Arabic, an export downloaded and read back. A coordinator of
one territory sees none of another's figures; a stranger, and a link used twice, are refused. The real bot
polls the sandbox; the dashboard is served by the bot's own web application (bot/runner.py), as in `demo`.
"""

from __future__ import annotations

import csv
import io
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.models import CoordinatorGrant
from bot.runner import serving_app
from tests.conftest import Harness
from tests.dashboard_support import SECRET
from tests.indicator_support import answers, people, trainings

pytestmark = pytest.mark.browser

PAGES = ("overview", "families", "trainings", "requests", "campaigns", "attribution")
DEMO_NAME, ISLAND_NAME = "Démo-sur-Seine", "Île-Exemple"


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
def content_dir(two_territories: Path) -> Path:
    return two_territories


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    """The dashboard's socket, bound first so that its address is in the settings the bot starts with."""
    with socket.create_server(("127.0.0.1", 0)) as bound:
        yield bound


@pytest.fixture
def settings_overrides(listening: socket.socket) -> dict[str, object]:
    return {"dashboard_url": f"http://127.0.0.1:{listening.getsockname()[1]}", "dashboard_secret": SECRET}


@pytest.fixture
async def dashboard(harness: Harness, listening: socket.socket) -> AsyncIterator[str]:
    """The bot's web application without its webhook, as `demo` serves it; its base URL."""
    runner = web.AppRunner(serving_app(harness.app, harness.services, webhook=False), handle_signals=False)
    await runner.setup()
    await web.SockSite(runner, listening).start()
    try:
        yield str(harness.services.settings.dashboard_url)
    finally:
        await runner.cleanup()


async def figures(harness: Harness) -> None:
    """People in both territories, enough of each to be shown."""
    async with harness.services.database.session() as session:
        await people(session, 8, month="2026-11", territory="demo", role="parent")
        await people(session, 6, month="2026-10", territory="demo", role="resident")
        islanders = await people(session, 7, month="2026-11", territory="ile", role="parent")
        await answers(session, myth="easy_money", territory="demo", month="2026-11", correct=9, mistaken=6)
        await answers(session, myth="easy_money", territory="ile", month="2026-11", correct=8, mistaken=5)
        await trainings(session, islanders, module="legal_frame", month="2026-11", passed=True, score=80)


async def make_coordinator(harness: Harness, user_id: int, territories: list[str] | None) -> None:
    async with harness.services.database.session() as session:
        session.add(
            CoordinatorGrant(
                user_id=user_id, granted_by=0, granted_at=harness.clock.now, territories=territories
            )
        )


async def chat_page(chromium: Any, harness: Harness, name: str, language: str) -> Any:
    page = await chromium.new_page(viewport={"width": 1100, "height": 800})
    await page.goto(harness.base_url + "/")
    await page.fill("#new-user-name", name)
    await page.select_option("#new-user-lang", language)
    await page.click("#create-user")
    return page


async def send(page: Any, text: str) -> None:
    await page.fill("#composer-input", text)
    await page.press("#composer-input", "Enter")


async def login_link_from_chat(page: Any) -> str:
    """/dashboard in the chat, and the link in the bot's answer."""
    from playwright.async_api import expect

    await send(page, "/dashboard")
    link = page.locator(".msg.bot a[href*='/dashboard/login/']").last
    await expect(link).to_be_visible()
    return str(await link.get_attribute("href"))


async def user_id(harness: Harness, name: str) -> int:
    users = await harness.client.request("GET", "/users")
    return int(next(user["id"] for user in users if user["first_name"] == name))


def watch_requests(page: Any, base_url: str) -> list[str]:
    """Every request the page makes that is not to the dashboard, and every CSP complaint."""
    elsewhere: list[str] = []
    page.on(
        "request", lambda request: None if request.url.startswith(base_url) else elsewhere.append(request.url)
    )
    page.on(
        "console",
        lambda message: elsewhere.append(message.text) if "Content Security" in message.text else None,
    )
    return elsewhere


async def log_in(chromium: Any, link: str) -> Any:
    from playwright.async_api import expect

    context = await chromium.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    await page.goto(link)
    await page.click("#log-in")
    await expect(page.locator("h1")).to_have_text("Vue d'ensemble")
    return page


async def download(page: Any, button: str, folder: Path) -> Path:
    async with page.expect_download() as event:
        await page.click(button)
    done = await event.value
    target: Path = folder / str(done.suggested_filename)
    await done.save_as(str(target))
    return target


def ods_text(path: Path) -> str:
    from odf import teletype
    from odf.opendocument import load
    from odf.table import TableCell

    document = load(str(path))
    return "\n".join(teletype.extractText(cell) for cell in document.spreadsheet.getElementsByType(TableCell))


async def test_a_coordinator_logs_in_from_the_chat_sees_every_page_and_exports(
    harness: Harness, dashboard: str, chromium: Any, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    await figures(harness)
    chat = await chat_page(chromium, harness, "Claire", "fr")
    await make_coordinator(harness, await user_id(harness, "Claire"), None)
    link = await login_link_from_chat(chat)
    assert link.startswith(dashboard + "/dashboard/login/")

    page = await log_in(chromium, link)
    elsewhere = watch_requests(page, dashboard)
    await page.reload()
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    # The first Tab reaches the skip link, shown with its focus outline.
    await page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    await expect(skip).to_be_focused()
    assert await skip.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    for name in PAGES:
        await page.goto(f"{dashboard}/dashboard/{name}")
        if target := os.environ.get("SANDBOX_SCREENSHOTS"):
            await page.screenshot(path=f"{target}/dashboard-{name}-fr.png", full_page=True)
        await expect(page.locator("nav a[aria-current='page']")).to_have_count(1)
        await expect(page.locator("main h1")).to_have_count(1)
        charts, tables = page.locator("svg.chart[role='img']"), page.locator("main table")
        assert await charts.count() == await tables.count(), name
        for index in range(await charts.count()):
            labelled = await charts.nth(index).get_attribute("aria-labelledby")
            assert labelled, name
            for part in labelled.split():  # its title and description, found
                assert await page.locator(f"[id='{part}']").count() == 1, part
    await page.goto(f"{dashboard}/dashboard/overview")
    overview = await page.locator("main").inner_text()
    if target := os.environ.get("SANDBOX_SCREENSHOTS"):
        await page.screenshot(path=f"{target}/dashboard-overview-fr.png", full_page=True)
    assert DEMO_NAME in overview and ISLAND_NAME in overview

    exported = await download(page, "#export-csv", tmp_path)
    assert exported.name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
    assert any(DEMO_NAME in cell for row in rows for cell in row)
    assert any(ISLAND_NAME in cell for row in rows for cell in row)
    spreadsheet = await download(page, "#export-ods", tmp_path)
    assert ISLAND_NAME in ods_text(spreadsheet)

    # In Arabic, right to left.
    await page.select_option("#language", "ar")
    await page.click("form[action='/dashboard/language'] button")
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await expect(page.locator("html")).to_have_attribute("lang", "ar")
    if target := os.environ.get("SANDBOX_SCREENSHOTS"):
        await page.screenshot(path=f"{target}/dashboard-overview-ar.png", full_page=True)
    assert elsewhere == [], "the dashboard loads nothing from elsewhere and breaks no CSP rule"

    # The link again, in another browser: used, refused.
    other = await chromium.new_page()
    await other.goto(link)
    await expect(other.locator("h1")).to_have_text("Accès refusé")
    await expect(other.locator("#log-in")).to_have_count(0)

    # Logged out, the pages are closed.
    await page.click("#log-out")
    await expect(page.locator("h1")).to_have_text("لقد خرجتم من الحساب.")
    await page.goto(f"{dashboard}/dashboard/overview")
    await expect(page.locator("h1")).to_have_text("Accès refusé")  # no session: the default language


async def test_a_territory_coordinator_sees_only_their_territory(
    harness: Harness, dashboard: str, chromium: Any, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    await figures(harness)
    chat = await chat_page(chromium, harness, "Inès", "fr")
    await make_coordinator(harness, await user_id(harness, "Inès"), ["ile"])
    page = await log_in(chromium, await login_link_from_chat(chat))
    await expect(page.locator(".scope")).to_contain_text(ISLAND_NAME)
    for name in PAGES:
        await page.goto(f"{dashboard}/dashboard/{name}?from=2025-12&to=2026-11")
        assert DEMO_NAME not in await page.locator("main").inner_text(), name
    exported = await download(page, "#export-csv", tmp_path)
    text = exported.read_text(encoding="utf-8-sig")
    assert ISLAND_NAME in text and DEMO_NAME not in text


async def test_a_stranger_is_refused_in_the_chat_and_on_the_dashboard(
    harness: Harness, dashboard: str, chromium: Any
) -> None:
    from playwright.async_api import expect

    chat = await chat_page(chromium, harness, "Sam", "fr")
    await send(chat, "/dashboard")
    await expect(chat.locator(".msg.bot").last).to_contain_text("réservée à la coordination")
    await expect(chat.locator(".msg.bot a[href*='/dashboard/login/']")).to_have_count(0)
    page = await chromium.new_page()
    for name in PAGES:
        response = await page.goto(f"{dashboard}/dashboard/{name}")
        assert response is not None and response.status == 401
        await expect(page.locator("h1")).to_have_text("Accès refusé")
    response = await page.goto(f"{dashboard}/dashboard/login/{'x' * 43}")
    assert response is not None and response.status == 403
