"""Unknown commands, free text, files, stale or forged buttons: a short answer and the menu, never silence."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, text
from sqlmodel import SQLModel

from bot.domain.people import get_person
from tests.conftest import Harness, last
from tests.test_privacy_e2e import onboard_user


async def test_unknown_command(harness: Harness) -> None:
    user = await harness.user("Test", "fr")
    events = await user.send("/bonjour")
    assert len([e for e in events if e["type"] == "message"]) == 1
    message = await last(user)
    assert "Je ne connais pas cette commande" in message["text"]
    assert "Commencer" in user.buttons(message)


async def test_free_text_is_answered_and_never_stored_or_logged(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    user = await onboard_user(harness)
    await user.send("Mon fils Kevin vend du shit au bloc C")
    message = await last(user)
    assert "Votre message n'est pas gardé." in message["text"], "typed text is a search, and is not kept"
    assert "⚙️ Réglages" in user.buttons(message) or "↩️ Menu" in user.buttons(message)
    async with harness.services.database.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            rows = (await session.exec(select(table))).all()  # type: ignore[call-overload]
            assert "Kevin" not in repr(rows), table.name
    assert "Kevin" not in caplog.text
    assert str(user.id) not in caplog.text


async def test_a_failure_is_apologised_for_without_logging_the_chat_id(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    user = await onboard_user(harness)
    async with harness.services.database.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE person RENAME TO person_gone"))  # the database breaks
    await user.send("/menu")
    assert "quelque chose s'est mal passé" in (await last(user))["text"]
    assert "handler failed" in caplog.text
    assert str(user.id) not in caplog.text


async def test_a_file_gets_an_answer(harness: Harness) -> None:
    user = await harness.user("Test", "en")
    await user.upload("notes.txt", b"hello")
    message = await last(user)
    assert "I don't read files, photos or voice messages" in message["text"]
    assert "Start" in user.buttons(message)


FORGED = [
    "garbage",
    "0:o:fr",  # an older format version
    "1:o:xx",  # a language that does not exist
    "1:o:fr:king",  # a role that does not exist
    "1:o:fr:parent:nowhere",  # a territory that does not exist
    "1:o:fr:parent:demo:z",  # an unknown decision
    "1:o::::y",  # Accept with nothing chosen
    "1:o:fr::demo:y",  # Accept without a role
    "1:p:no_such_page",
    "1:s:l:zz",
    "1:s:q",
    "1:x:e:extra",
    "1:zz",
]


async def test_stale_or_forged_buttons(harness: Harness) -> None:
    user = await onboard_user(harness)
    for data in FORGED:
        menu = await last(user)
        assert menu is not None
        events = await user.press_data(data, menu["message_id"])
        answers = [e for e in events if e["type"] == "callback_answer"]
        assert answers and "plus valable" in answers[0]["text"], data
        assert "Voici le menu" in (await last(user))["text"], data
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=user.id)
    assert person is not None and (person.language, person.role, person.territory) == ("fr", "parent", "demo")
