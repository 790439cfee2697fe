"""Who to talk to here, per territory: a resident sees their own territory's local contacts, and a resident
of a territory that has given none is told where to find their landlord and the town hall, never an empty
screen or another commune's contacts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.callbacks import Action, pack
from tests.bidi_support import unmarked
from tests.campaign_support import add_person
from tests.conftest import Harness, last

FALLBACK = (
    "La commune n'a pas encore indiqué ses contacts pour les habitants. Votre bailleur : ses "
    "coordonnées sont sur votre bail ou vos avis de loyer. La mairie : son accueil vous oriente."
)


@pytest.fixture
def content_dir(two_territories: Path) -> Path:
    """The demo territory (with example contacts) and a second one without any."""
    return two_territories


@pytest.mark.parametrize("language", ["fr", "ar"])
async def test_each_resident_sees_their_own_territorys_contacts(harness: Harness, language: str) -> None:
    catalog = harness.services.catalogs.get(language)
    demo_names = [
        unmarked(contact.name(language))
        for contact in harness.services.content.territories["demo"].local_contacts
    ]

    island = await harness.user("Island", language)
    await add_person(harness, island, language=language, role="resident", territory="ile")
    await island.send("/menu")
    await island.press(pack(Action.RESIDENTS))
    text = unmarked((await last(island))["text"])
    assert unmarked(catalog.gettext(FALLBACK)) in text
    assert not any(name in text for name in demo_names), "another commune's contacts are not shown"

    demo = await harness.user("Demo", language)
    await add_person(harness, demo, language=language, role="resident", territory="demo")
    await demo.send("/menu")
    await demo.press(pack(Action.RESIDENTS))
    text = unmarked((await last(demo))["text"])
    assert all(name in text for name in demo_names)
    assert unmarked(catalog.gettext(FALLBACK)) not in text
