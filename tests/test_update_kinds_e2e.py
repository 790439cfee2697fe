"""The bot reads only the kinds of update it subscribes to, by long polling as by webhook (see
tests/test_webhook_serve.py): an edit, a channel post or a reaction the sandbox delivers is never answered."""

from __future__ import annotations

import logging

import pytest
from prometheus_client import REGISTRY

from tests.conftest import Harness
from tests.forged_support import POLLED_KINDS, forged


def counts(name: str) -> dict[str, float]:
    return {kind: REGISTRY.get_sample_value(name, {"kind": kind}) or 0.0 for kind in POLLED_KINDS}


async def test_polling_ignores_the_kinds_the_bot_did_not_subscribe_to(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    # The harness polls without `allowed_updates`, so the sandbox delivers every default kind, as Telegram
    # would to a bot that once asked for them: the bot itself must drop them.
    user = await harness.user("Forger", "fr")
    before, handled = counts("reperes_updates_ignored_total"), counts("reperes_updates_total")
    for kind in POLLED_KINDS:
        await harness.client.queue_update(kind, forged(kind, user))
    # Each forged update is about this chat, so it is dealt with before this message is answered.
    await user.send("/start")
    answers = [message for message in await user.messages() if message["from_bot"]]
    assert len(answers) == 1, "only the real message is answered"
    assert "Choisissez votre langue" in answers[0]["text"]
    assert counts("reperes_updates_ignored_total") == {kind: before[kind] + 1 for kind in POLLED_KINDS}
    assert counts("reperes_updates_total") == handled
    assert not [record for record in caplog.records if record.exc_info or record.levelno >= logging.ERROR]
