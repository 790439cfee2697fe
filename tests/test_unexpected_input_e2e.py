"""Unknown commands, free text, files, stale or forged buttons: a short answer and the menu, never silence."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, text
from sqlmodel import SQLModel

from bot.core.callbacks import SEPARATOR, VERSION, Action, pack
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
    pack(Action.ONBOARDING, "xx"),  # a language that does not exist
    pack(Action.ONBOARDING, "fr", "king"),  # a role that does not exist
    pack(Action.ONBOARDING, "fr", "parent", "nowhere"),  # a territory that does not exist
    pack(Action.ONBOARDING, "fr", "parent", "demo", "z"),  # an unknown decision
    pack(Action.ONBOARDING, "", "", "", "y"),  # Accept with nothing chosen
    pack(Action.ONBOARDING, "fr", "", "demo", "y"),  # Accept without a role
    pack(Action.PAGE, "no_such_page"),
    pack(Action.SETTINGS, "l", "zz"),
    pack(Action.SETTINGS, "q"),
    pack(Action.PRIVACY, "e", "extra"),
    pack(Action.MENU, "extra"),  # the menu and help buttons carry no fields
    pack(Action.HELP, "extra"),
    f"{VERSION}{SEPARATOR}zz",  # a prefix no feature registered
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


def other_version(data: str, version: str) -> str:
    current, separator, rest = data.partition(SEPARATOR)
    assert (current, separator) == (VERSION, SEPARATOR), data
    return version + separator + rest


@pytest.mark.parametrize("version", [str(int(VERSION) - 1), str(int(VERSION) + 1)])
async def test_a_button_of_another_version_gets_the_stale_answer(harness: Harness, version: str) -> None:
    """The very data of a button on screen, but another format version: an older bot's button still in the
    chat (or a newer one's, met during a rollback) is refused as stale, whatever its action and fields."""
    user = await onboard_user(harness)
    await user.send("/settings")
    screen = await last(user)
    markup = screen["reply_markup"]["inline_keyboard"]
    language = next(b["callback_data"] for row in markup for b in row if b["text"] == "Langue")
    assert language == pack(Action.SETTINGS, "l")

    events = await user.press_data(other_version(language, version), screen["message_id"])
    answers = [e for e in events if e["type"] == "callback_answer"]
    assert answers and answers[0]["text"] == "Ce bouton n'est plus valable.", events
    assert "Ce bouton n'est plus valable. Voici le menu." in (await last(user))["text"]

    # The same button in this version still opens the language list: only the version made it stale.
    await user.press_data(language, screen["message_id"])
    edited = next(m for m in await user.messages() if m["message_id"] == screen["message_id"])
    assert "Choisissez votre langue" in edited["text"]
