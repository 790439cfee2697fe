"""The chat page in headless Chromium, talking to a real python-telegram-bot echo bot through the sandbox."""

from __future__ import annotations

import html
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.sandbox.server import start_sandbox

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
