"""Residents end to end, in each language: someone who says "habitant" at onboarding gets the residents' menu
(living near a dealing spot, the 2025 law, who to talk to here, the directory and helplines), in /menu and
/help too, and opens each entry; a parent still gets the parents' menu; an old residents' button gets the
stale answer and the menu, never silence."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.callbacks import Action, pack
from bot.core.residents import RESIDENT_PAGES
from bot.domain.people import get_person
from sandbox.client import SandboxUser
from tests.bidi_support import unmarked
from tests.conftest import Harness, last

LANGUAGES = ("fr", "en", "ar")
# What each residents' page must say, in every language: the emergency numbers, the law's number and date.
MUST_SAY = {
    "resident_dealing_spot": ("17", "112", "114", "119", "Ma Sécurité"),
    "resident_law_2025": ("2025-532", "2025-885", "ADIL"),
}


def said(harness: Harness, language: str, label: str) -> str:
    """A label as the person sees it in their language."""
    return harness.services.catalogs.get(language).gettext(label)


def labels(user: SandboxUser, message: dict[str, Any]) -> list[str]:
    return [unmarked(label) for label in user.buttons(message)]


async def onboard(harness: Harness, language: str, role_label: str, name: str) -> SandboxUser:
    user = await harness.user(name, language)
    await user.send("/start")
    await user.press(harness.services.catalogs.native_name(language))
    await user.press(said(harness, language, role_label))
    await user.press(user.buttons(await last(user))[0])  # accept
    return user


def residents_menu(harness: Harness, language: str) -> list[str]:
    content = harness.services.content
    return [
        *(content.page(language, page_id).title for page_id in RESIDENT_PAGES),
        said(harness, language, "🏛 Qui contacter ici"),
        said(harness, language, "🗳 Consultations sur l'espace public"),
        said(harness, language, "🤝 Trouver de l'aide"),
        said(harness, language, "☎️ Numéros d'aide"),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_resident_gets_the_residents_menu_and_opens_each_entry(
    harness: Harness, language: str
) -> None:
    content = harness.services.content
    user = await onboard(harness, language, "Habitant", "Nadia")
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=user.id)
    assert person is not None and person.role == "resident"

    menu = labels(user, await last(user))
    expected = [unmarked(label) for label in residents_menu(harness, language)]
    assert menu[: len(expected)] == expected, "the residents' own entries come first, in order"
    assert unmarked(said(harness, language, "😟 Je m'inquiète pour mon enfant")) not in menu
    assert unmarked(said(harness, language, "📚 Ressources")) not in menu
    safeguarding = unmarked(said(harness, language, "🆘 Enfant menacé, disparu, exploité"))
    assert safeguarding in menu, "a child keeping lookout may be in danger: the way in stays in the menu"

    for page_id in RESIDENT_PAGES:
        page = content.page(language, page_id)
        assert page.language == language, f"{page_id} is written in {language}, not shown in French"
        await user.send("/menu")
        await user.press(page.title)
        text = unmarked((await last(user))["text"])
        for words in MUST_SAY[page_id]:
            assert words in text, f"{page_id} in {language} says {words!r}"
        assert all(source.rsplit("https://", 1)[-1] in text for source in page.sources), "its sources"

    await user.send("/menu")
    await user.press(said(harness, language, "🏛 Qui contacter ici"))
    shown = await last(user)
    text = unmarked(shown["text"])
    for contact in content.territories["demo"].local_contacts:
        assert unmarked(contact.name(language)) in text, "the demo territory's contacts, in the language"
    assert "01 99 00 00 91" in text
    assert (
        unmarked(said(harness, language, "Exemple de démonstration : ces coordonnées n'existent pas."))
        in text
    )
    assert unmarked(content.page(language, "resident_law_2025").title) in labels(user, shown)

    await user.send("/menu")
    await user.press(said(harness, language, "☎️ Numéros d'aide"))
    assert "119" in (await last(user))["text"]
    await user.send("/menu")
    await user.press(said(harness, language, "🤝 Trouver de l'aide"))
    assert unmarked(said(harness, language, "Ce bouton n'est plus valable.")) not in unmarked(
        (await last(user))["text"]
    )

    await user.send("/help")
    help_buttons = labels(user, await last(user))
    for label in residents_menu(harness, language)[:3]:
        assert unmarked(label) in help_buttons, "/help offers the residents' entries"
    assert safeguarding in help_buttons


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_parent_still_gets_the_parents_menu(harness: Harness, language: str) -> None:
    user = await onboard(harness, language, "Parent ou proche d'un jeune", "Karim")
    menu = labels(user, await last(user))
    assert unmarked(said(harness, language, "😟 Je m'inquiète pour mon enfant")) in menu
    assert unmarked(said(harness, language, "📚 Ressources")) in menu
    assert unmarked(said(harness, language, "🏛 Qui contacter ici")) not in menu
    for page_id in RESIDENT_PAGES:
        assert unmarked(harness.services.content.page(language, page_id).title) not in menu


@pytest.mark.parametrize("language", LANGUAGES)
async def test_an_old_residents_button_gets_a_clear_answer(harness: Harness, language: str) -> None:
    user = await onboard(harness, language, "Habitant", "Lina")
    await user.press_data(pack(Action.RESIDENTS, "old"), (await last(user))["message_id"])
    reply = await last(user)
    assert unmarked(said(harness, language, "Ce bouton n'est plus valable. Voici le menu.")) in unmarked(
        reply["text"]
    )
    menu = labels(user, reply)
    assert unmarked(said(harness, language, "🏛 Qui contacter ici")) in menu, "and the residents' menu again"
