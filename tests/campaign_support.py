"""What the campaign tests share: people created straight in the database, the campaign clock, and waits.

Onboarding through the chat is tested elsewhere; here people are added with the same domain call the
onboarding makes, so that a test can have forty recipients without forty conversations.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery.jobs import sender_of, tick
from bot.domain.people import accept_notice
from bot.domain.subscriptions import set_subscription
from bot.models import Person
from sandbox.client import SandboxUser
from tests.conftest import HANG, Harness


async def enrol_parent(session: AsyncSession, *, chat_id: int, now: datetime) -> Person:
    """A French-speaking parent of the demo territory who accepted the notice at `now`."""
    return await accept_notice(
        session, chat_id=chat_id, language="fr", role="parent", territory="demo", source=None, now=now
    )


async def add_person(
    harness: Harness,
    user: SandboxUser,
    *,
    language: str = "fr",
    role: str = "parent",
    territory: str = "demo",
    source: str | None = None,
    topics: tuple[str, ...] = (),
    consented_at: datetime | None = None,
) -> int:
    async with harness.services.database.session() as session:
        person = await accept_notice(
            session,
            chat_id=user.id,
            language=language,
            role=role,
            territory=territory,
            source=source,
            now=consented_at or harness.clock.now,
        )
        for topic in topics:
            await set_subscription(session, person_id=person.id or 0, topic=topic, on=True)
        assert person.id is not None
        return person.id


async def run_clock(harness: Harness) -> None:
    """What the JobQueue does every few seconds: start due runs; then wake the sender."""
    await tick(harness.app)
    sender_of(harness.app).wake()


async def bot_texts(user: SandboxUser) -> list[str]:
    return [str(m.get("text") or m.get("caption") or "") for m in await user.messages() if m["from_bot"]]


async def wait_for(
    check: Any,
    timeout: float = HANG,  # noqa: ASYNC109
    what: str = "condition",
) -> Any:
    """Poll `check()` (async) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last seen: {result!r}")
        await asyncio.sleep(0.1)


async def received(user: SandboxUser, fragment: str, timeout: float = HANG) -> list[str]:  # noqa: ASYNC109
    """Wait until a message containing `fragment` reached the user; all such messages."""

    async def check() -> list[str]:
        return [text for text in await bot_texts(user) if fragment in text]

    found: list[str] = await wait_for(check, timeout, f"{fragment!r} in {user}'s chat")
    return found
