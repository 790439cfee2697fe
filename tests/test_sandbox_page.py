"""The chat page in headless Chromium, talking to a real python-telegram-bot echo bot through the sandbox."""

from __future__ import annotations

import asyncio
import html
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.config import Settings
from bot.runner import run_demo
from sandbox.client import SandboxClient
from sandbox.server import start_sandbox
from tests.conftest import CONTENT, make_settings

pytestmark = pytest.mark.browser

TOKEN = "123456:TEST-token-for-sandbox-abcdefghij"
CHROMIUM = Path("/usr/bin/chromium")
HAS_CHROMIUM = CHROMIUM.exists()
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARABIC_GREETING = "سلام"
ARABIC_REPLY = "مرحبا بك! كيف يمكنني مساعدتك اليوم؟"


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    if message.text == ARABIC_GREETING:
        await message.reply_text(ARABIC_REPLY)
        return
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Encore", callback_data="again")]])
    await message.reply_html(f"Écho : <b>{html.escape(message.text)}</b>", reply_markup=keyboard)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("C'est fait")
    await query.edit_message_text("Bouton pressé ✔")


@pytest.fixture
async def sandbox_with_bot() -> AsyncIterator[str]:
    runner, base = await start_sandbox("127.0.0.1", 0)
    app = Application.builder().token(TOKEN).base_url(f"{base}/bot").base_file_url(f"{base}/file/bot").build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=2)
    await app.start()
    try:
        yield base
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await runner.cleanup()


async def test_chat_page_conversation(sandbox_with_bot: str, tmp_path: Path) -> None:
    playwright_api = pytest.importorskip(
        "playwright.async_api", reason="the playwright package is not installed"
    )
    if not HAS_CHROMIUM:
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    expect = playwright_api.expect

    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1100, "height": 720}, locale="fr-FR")
            await page.goto(sandbox_with_bot + "/")

            await page.fill("#new-user-name", "Amélie")
            await page.click("#create-user")
            await expect(page.locator("#chat-title")).to_have_text("Amélie")

            await page.fill("#composer-input", "Bonjour")
            await page.press("#composer-input", "Enter")
            await expect(page.locator(".msg.user .bubble")).to_contain_text("Bonjour")
            reply = page.locator(".msg.bot").last
            await expect(reply).to_contain_text("Écho : Bonjour")
            await expect(reply.locator(".text b")).to_have_text("Bonjour")

            await reply.get_by_role("button", name="Encore").click()
            await expect(page.locator("#toast")).to_have_text("C'est fait")
            await expect(reply).to_contain_text("Bouton pressé ✔")
            await expect(reply.locator(".edited")).to_be_visible()
            await expect(reply.locator(".kb-button")).to_have_count(0)
            french = reply.locator(".bubble")
            assert await french.evaluate("el => getComputedStyle(el).direction") == "ltr"

            await page.fill("#new-user-name", "Karim")
            await page.select_option("#new-user-lang", "ar")
            await page.click("#create-user")
            await expect(page.locator("#chat-title")).to_have_text("Karim")
            await page.fill("#composer-input", ARABIC_GREETING)
            await page.press("#composer-input", "Enter")
            arabic = page.locator(".msg.bot .bubble", has_text=ARABIC_REPLY)
            await expect(arabic).to_be_visible()
            assert await arabic.evaluate("el => getComputedStyle(el).direction") == "rtl"

            screenshot = tmp_path / "sandbox-chat.png"
            await page.screenshot(path=str(screenshot))
            assert screenshot.stat().st_size > 10_000
            if target := os.environ.get("SANDBOX_SCREENSHOT"):
                await page.screenshot(path=target)
        finally:
            await browser.close()


async def open_new_user(page: Any, base: str, name: str) -> int:
    from playwright.async_api import expect

    await page.goto(base + "/")
    await page.fill("#new-user-name", name)
    await page.click("#create-user")
    await expect(page.locator("#chat-title")).to_have_text(name)
    return int(page.url.rsplit("user=", 1)[1])


async def test_the_message_list_scrolls_and_follows_new_replies(sandbox_with_bot: str, chromium: Any) -> None:
    from playwright.async_api import expect

    page = await chromium.new_page(viewport={"width": 1100, "height": 600})
    user_id = await open_new_user(page, sandbox_with_bot, "Amélie")
    async with SandboxClient(sandbox_with_bot) as client:
        for number in range(1, 26):
            await client.request("POST", f"/users/{user_id}/messages", json={"text": f"message {number}"})
    newest = page.locator(".msg.bot", has_text="Écho : message 25")
    await expect(newest).to_be_in_viewport()
    # The page itself never grows: the list scrolls inside the fixed frame, the composer stays on screen.
    sizes = await page.evaluate(
        """() => ({page: document.scrollingElement.scrollHeight, window: window.innerHeight,
                   list: document.getElementById("messages").scrollHeight,
                   shown: document.getElementById("messages").clientHeight})"""
    )
    assert sizes["page"] <= sizes["window"], sizes
    assert sizes["list"] > sizes["shown"], sizes
    await expect(page.locator("#composer-input")).to_be_in_viewport()
    await expect(page.locator(".msg.user", has_text="message 1").first).not_to_be_in_viewport()


async def test_the_commands_menu_closes_on_a_click_outside(sandbox_with_bot: str, chromium: Any) -> None:
    from playwright.async_api import expect

    page = await chromium.new_page(viewport={"width": 1100, "height": 720})
    await open_new_user(page, sandbox_with_bot, "Amélie")
    menu = page.locator("#commands-menu")
    await page.click("#commands-button")
    await expect(menu).to_be_visible()
    await page.click("#messages")
    await expect(menu).to_be_hidden()
    await expect(page.locator("#commands-button")).to_have_attribute("aria-expanded", "false")
    # A click inside the menu is not a click outside it.
    await page.click("#commands-button")
    await expect(menu).to_be_visible()
    await menu.locator("li").first.click()
    await page.click("#commands-button")  # the button itself still toggles
    await expect(menu).to_be_hidden()


@asynccontextmanager
async def demo(settings: Settings, port: int) -> AsyncIterator[str]:
    """`python -m bot demo` in this process: the sandbox, and the real bot polling it."""
    stop = asyncio.Event()
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        run_demo(settings, host="127.0.0.1", port=port, stop=stop, on_ready=ready.set_result)
    )
    first: list[asyncio.Future[Any]] = [task, ready]
    await asyncio.wait(first, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # the demo failed to start: its error, not a timeout
    try:
        yield ready.result()
    finally:
        stop.set()
        await task


async def test_a_restarted_demo_never_gives_a_stranger_an_earlier_profile(
    chromium: Any, tmp_path: Path, no_env: None
) -> None:
    # The sandbox forgets its users on restart, the bot's database remembers them: a new user given an
    # old id was welcomed back ("Bon retour") with a stranger's profile.
    from playwright.async_api import expect

    settings = make_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}", content_dir=CONTENT)
    page = await chromium.new_page(viewport={"width": 1100, "height": 800})
    async with demo(settings, 0) as base:
        port = int(base.rsplit(":", 1)[1])
        first_id = await open_new_user(page, base, "Amélie")
        await page.fill("#composer-input", "/start")
        await page.press("#composer-input", "Enter")
        for label in ("Français", "Parent ou proche d'un jeune", "✅ J'accepte"):
            button = page.locator(".msg.bot .kb-button", has_text=label).last
            await expect(button).to_be_visible()
            await button.click()
        await expect(page.locator(".msg.bot .kb-button", has_text="☎️ Numéros d'aide").last).to_be_visible()

    async with demo(settings, port):
        # The page left open notices the new sandbox and lets go of Amélie, whom it no longer knows.
        await expect(page.locator("#chat-subtitle")).to_contain_text("redémarré")
        await expect(page.locator("#composer")).to_be_hidden()
        await page.fill("#new-user-name", "Bruno")
        await page.click("#create-user")
        await expect(page.locator("#chat-title")).to_have_text("Bruno")
        assert int(page.url.rsplit("user=", 1)[1]) > first_id
        await page.fill("#composer-input", "/start")
        await page.press("#composer-input", "Enter")
        await expect(page.locator(".msg.bot .kb-button", has_text="Français").last).to_be_visible()
        await expect(page.locator(".msg.bot", has_text="Bon retour")).to_have_count(0)
