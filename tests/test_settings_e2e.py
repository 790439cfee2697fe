"""/settings and /language: the person changes what they chose, and the bot follows at once."""

from __future__ import annotations

from bot.domain.people import get_person
from tests.conftest import Harness, last
from tests.test_privacy_e2e import onboard_user


async def test_change_language_then_role(harness: Harness) -> None:
    user = await onboard_user(harness)
    await user.send("/language")
    await user.press("English")
    settings = await last(user)
    assert "Language: English" in settings["text"]
    chat_commands = await harness.client.commands(chat_id=user.id)
    assert any(command["description"] == "the main menu" for command in chat_commands)

    await user.press("Profile")
    await user.press(user.buttons(await last(user))[1])  # professional
    settings = await last(user)
    assert "Professional" in settings["text"]
    await user.send("/menu")
    assert any("Child in danger" in label for label in user.buttons(await last(user)))
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=user.id)
    assert person is not None and (person.language, person.role) == ("en", "professional")


async def test_language_before_onboarding_starts_it(harness: Harness) -> None:
    user = await harness.user("Yasmine", "ar")
    await user.send("/language")
    message = await last(user)
    assert user.buttons(message) == ["Français", "English", "العربية"]
    await user.press("العربية")
    assert "Repères" in (await last(user))["text"]


async def test_help_lists_the_commands(harness: Harness) -> None:
    user = await harness.user("Hugo", "fr")
    await user.send("/help")
    text = (await last(user))["text"]
    for command in ("/menu", "/language", "/settings", "/privacy", "/forget", "/stop"):
        assert command in text


async def test_forget_takes_back_the_chat_command_list(harness: Harness) -> None:
    user = await onboard_user(harness)
    await user.send("/language")
    await user.press("English")
    assert any(c["description"] == "the main menu" for c in await harness.client.commands(chat_id=user.id))
    await user.send("/forget")
    await user.press(user.buttons(await last(user))[0])
    commands = await harness.client.commands(chat_id=user.id)
    assert any(c["description"] == "le menu principal" for c in commands), "back to the default list"
