"""Telegram errors on the bot's replies to a person, injected by the sandbox on the reply itself.

A 5xx, a short "retry after" or a connection dropped before any answer is tried again, and the reply
arrives once; a 403 (the person blocked the bot or deleted their account) marks the person unreachable, as
a campaign does, and nothing more is sent. Each leaves at most one line in the log, never a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.domain.people import get_person
from sandbox.client import SandboxUser
from tests.campaign_support import wait_for
from tests.conftest import Harness, last
from tests.test_privacy_e2e import onboard_user

MENU = "Que souhaitez-vous faire ?"
APOLOGY = "quelque chose s'est mal passé"
TRANSIENT: list[dict[str, Any]] = [
    {"error_code": 500},
    {"error_code": 502},
    {"error_code": 429, "retry_after": 1},
    {"drop": True},
]


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def bot_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("bot") and r.levelno >= logging.INFO]


async def fault_count(harness: Harness) -> int:
    return int((await harness.client.stats())["faults_injected"])


async def answers(user: SandboxUser) -> list[str]:
    return [str(m.get("text")) for m in await user.messages() if m["from_bot"]]


@pytest.mark.parametrize("fault", TRANSIENT, ids=lambda fault: str(fault.get("error_code", "drop")))
async def test_a_transient_error_on_a_reply_is_retried_once_and_the_reply_arrives(
    harness: Harness, caplog: pytest.LogCaptureFixture, fault: dict[str, Any]
) -> None:
    user = await onboard_user(harness)
    before, injected = len(await answers(user)), await fault_count(harness)
    caplog.clear()
    caplog.set_level(logging.INFO, logger="bot")
    await harness.client.add_fault(method="sendMessage", chat_id=user.id, **fault)
    await user.send("/menu")
    assert await fault_count(harness) == injected + 1, "the reply met the fault"
    after = await answers(user)
    assert len(after) == before + 1, "the reply arrived, once"
    assert MENU in after[-1]
    assert tracebacks(caplog) == []
    assert len(bot_lines(caplog)) == 1, bot_lines(caplog)


async def test_a_transient_error_on_an_edit_is_retried(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    user = await onboard_user(harness)
    await user.send("/menu")
    menu = await last(user)
    caplog.clear()
    await harness.client.add_fault(method="editMessageText", chat_id=user.id, error_code=502)
    await user.press(user.buttons(menu)[0])
    edited = next(m for m in await user.messages() if m["message_id"] == menu["message_id"])
    assert edited["text"] != menu["text"], "the button's answer replaced the menu"
    assert tracebacks(caplog) == []


async def test_a_reply_failing_every_time_ends_in_one_line_per_failure(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    user = await onboard_user(harness)
    before = len(await answers(user))
    caplog.clear()
    await harness.client.add_fault(method="sendMessage", chat_id=user.id, error_code=500, times=10)
    await user.send("/menu", expect_answer=False)
    assert len(await answers(user)) == before, "Telegram never took it"
    assert tracebacks(caplog) == []
    await harness.client.clear_faults()
    await user.send("/menu")
    assert MENU in (await last(user))["text"], "the next reply goes out as usual"


async def test_a_403_on_a_reply_marks_the_person_unreachable(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    user = await onboard_user(harness)
    before, injected = len(await answers(user)), await fault_count(harness)
    caplog.clear()
    caplog.set_level(logging.INFO, logger="bot")
    # Blocked for good: every message to this chat would be refused, the apology as well.
    await harness.client.add_fault(method="sendMessage", chat_id=user.id, error_code=403, times=10)
    await user.send("/menu", expect_answer=False)
    assert await fault_count(harness) == injected + 1, "one try: no retry, no apology into a closed chat"
    assert len(await answers(user)) == before
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=user.id)
    assert person is not None and person.unreachable, "campaigns and series leave them out from now on"
    assert tracebacks(caplog) == []
    assert len(bot_lines(caplog)) == 1, bot_lines(caplog)
    assert str(user.id) not in caplog.text

    await harness.client.clear_faults()
    await user.send("/menu")  # they unblocked the bot and wrote again: reachable again

    async def reachable() -> bool:  # written apart from the reply, with the day of use (domain/activity.py)
        async with harness.services.database.session() as session:
            person = await get_person(session, chat_id=user.id)
        return person is not None and not person.unreachable

    await wait_for(reachable, what="the person reachable again")
    assert APOLOGY not in (await last(user))["text"]
