"""A stop (SIGTERM, a deploy) lets the updates already received finish with the sender still there: a
coordinator's Submit that is being handled when the stop begins still sends its approval request.

Updates run concurrently, so at a stop many may be under way or queued; they are handled by
`Application.stop()`. Delivery (the sender, the notices queue, the lease) must stop after that, not before,
or those handlers find no sender: the approval request is dropped and an approval fails with an error.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application, TypeHandler

from bot.core.context import Context
from bot.runner import SANDBOX_TOKEN, running
from sandbox.client import SandboxClient
from sandbox.server import start_sandbox
from tests.campaign_support import bot_texts, enrol_parent, received
from tests.conftest import Clock, ContentCache, last, make_settings, start_polling

ALICE, BRUNO = 900301, 900302


class Gate:
    """Holds the next button press, once armed, until `Application.stop()` has begun."""

    def __init__(self) -> None:
        self.armed = False
        self.holding = asyncio.Event()
        self.stopping = asyncio.Event()

    async def hold(self, update: object, _context: Context) -> None:
        if not self.armed or not isinstance(update, Update) or update.callback_query is None:
            return
        self.armed = False
        self.holding.set()
        await self.stopping.wait()


async def test_an_update_handled_during_the_stop_still_reaches_the_coordinators(
    database_url: str, content_dir: Path, content_cache: ContentCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate()
    stop = Application.stop

    async def stop_and_open_the_gate(self: Application[Any, Any, Any, Any, Any, Any]) -> None:
        gate.stopping.set()  # the held press goes on once the Application has begun to stop
        await stop(self)

    monkeypatch.setattr(Application, "stop", stop_and_open_the_gate)
    runner, base_url = await start_sandbox("127.0.0.1", 0)
    settings = make_settings(
        telegram_api_url=base_url,
        database_url=database_url,
        content_dir=content_dir,
        coordinators=f"{ALICE},{BRUNO}",
        approval_threshold=1,
    )
    found = content_cache.services(settings)
    clock = Clock()
    found.clock = clock
    client = SandboxClient(base_url)
    try:
        alice = await client.new_user("Alice", "fr", user_id=ALICE)
        bruno = await client.new_user("Bruno", "fr", user_id=BRUNO)
        for name in ("Parent 1", "Parent 2"):  # more than the threshold: a second coordinator must approve
            parent = await client.new_user(name, "fr")
            async with found.database.session() as session:
                await enrol_parent(session, chat_id=parent.id, now=clock.now)
        async with running(found, token=SANDBOX_TOKEN) as app:
            app.add_handler(TypeHandler(Update, gate.hold), group=-10)
            await start_polling(app, client)
            await alice.send("/campaign Kermesse")
            await alice.press("✏️ français")
            await alice.send("Kermesse samedi à l'école.")
            submit = next(
                button["callback_data"]
                for row in (await last(alice))["reply_markup"]["inline_keyboard"]
                for button in row
                if "Soumettre" in button["text"]
            )
            gate.armed = True
            # Pressed without waiting for the answer: it comes only once the stop has begun.
            body = {"message_id": (await last(alice))["message_id"], "data": submit}
            await client.request("POST", f"/users/{ALICE}/callbacks", json=body)
            await gate.holding.wait()
        # The stop has returned: the Submit was handled, and its approval request went out.
        assert any("Envoyée pour approbation" in text for text in await bot_texts(alice))
        request = await received(bruno, "Approbation demandée", timeout=5)
        assert len(request) == 1
    finally:
        await client.close()
        await runner.cleanup()
