"""Local content per territory, end to end through the sandbox on the shipped demo (two territories):
Rivière-Démo replaces the national "About" page and adds a resource; Démo-sur-Seine has neither."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.callbacks import Action, pack
from bot.features.families.items import render_item
from sandbox.client import SandboxUser
from tests.bidi_support import unmarked
from tests.conftest import SHIPPED, Harness, last

LOCAL = "riviere"
NATIONAL = "demo"
ADDED = "riviere_parents_evenings"


@pytest.fixture
def content_dir() -> Path:
    return SHIPPED


async def onboard(harness: Harness, name: str, language: str, territory: str) -> SandboxUser:
    content = harness.services.content
    user = await harness.user(name, language)
    await user.send("/start")
    await user.press(harness.services.catalogs.native_name(language))
    await user.press(user.buttons(await last(user))[0])  # parent
    await user.press(_label(user.buttons(await last(user)), content.territories[territory].name(language)))
    await user.press(user.buttons(await last(user))[0])  # accept
    return user


def _label(labels: list[str], text: str) -> str:
    """The button showing `text` (Arabic labels carry direction marks)."""
    return next(label for label in labels if text in unmarked(label))


async def open_about(harness: Harness, user: SandboxUser, language: str) -> str:
    await user.send("/menu")
    title = harness.services.content.page(language, "about").title
    await user.press(_label(user.buttons(await last(user)), title))
    return unmarked(str((await last(user))["text"]))


async def topic_labels(harness: Harness, user: SandboxUser, language: str) -> list[str]:
    """The resources listed under the "talk" theme, as buttons."""
    t = harness.services.catalogs.get(language)
    await user.send("/menu")
    await user.press(_label(user.buttons(await last(user)), unmarked(t.gettext("📚 Ressources"))))
    topic = harness.services.content.topic(language, "talk")
    assert topic is not None
    await user.press(_label(user.buttons(await last(user)), topic.title))
    return [unmarked(label) for label in user.buttons(await last(user))]


@pytest.mark.parametrize("language", ["fr", "en", "ar"])
async def test_each_territory_sees_its_own_version_and_only_its_own_items(
    harness: Harness, language: str
) -> None:
    content = harness.services.content
    local = await onboard(harness, "Leïla", language, LOCAL)
    elsewhere = await onboard(harness, "Marc", language, NATIONAL)
    town = content.territories[LOCAL].name(language).split(" (")[0]

    # The same page, two versions: the local one names the commune, the national one does not.
    assert town in await open_about(harness, local, language)
    assert town not in await open_about(harness, elsewhere, language)

    # The added resource is listed under its theme, in its territory only, and opens there.
    added = content.resource(language, ADDED, LOCAL)
    assert added is not None and content.resource(language, ADDED) is None
    assert added.title in await topic_labels(harness, local, language)
    assert added.title not in await topic_labels(harness, elsewhere, language)
    await local.press(_label(local.buttons(await last(local)), added.title))
    assert town in unmarked(str((await last(local))["text"]))


async def test_search_finds_the_added_resource_only_in_its_territory(harness: Harness) -> None:
    local = await onboard(harness, "Leïla", "fr", LOCAL)
    elsewhere = await onboard(harness, "Marc", "fr", NATIONAL)
    title = "📚 Rencontres de parents (exemple)"
    await local.send("rencontres de parents mercredi")
    assert title in local.buttons(await last(local))
    await elsewhere.send("rencontres de parents mercredi")
    assert title not in elsewhere.buttons(await last(elsewhere))


async def test_a_pressed_button_for_a_local_item_is_stale_elsewhere(harness: Harness) -> None:
    """A button forged or forwarded from the other territory: the item is not theirs, the menu is shown."""
    elsewhere = await onboard(harness, "Marc", "fr", NATIONAL)
    await elsewhere.send("/menu")
    menu = await last(elsewhere)
    await elsewhere.press_data(pack(Action.RESOURCE, ADDED, "0"), int(menu["message_id"]))
    assert "Rencontres de parents" not in str((await last(elsewhere))["text"])


async def test_campaign_and_series_items_are_sent_in_each_territorys_version(harness: Harness) -> None:
    """Series and campaigns name national items; each person gets their territory's version."""
    t = harness.services.catalogs.get("en")
    local = render_item(harness.services, t, "page:about", False, LOCAL)
    national = render_item(harness.services, t, "page:about", False, NATIONAL)
    assert local is not None and national is not None
    assert "Rivière-Démo" in local.text and "Rivière-Démo" not in national.text


async def test_search_finds_another_territorys_services_only_for_its_people(harness: Harness) -> None:
    """The directory is each territory's: a search lists the services of the person's own commune."""
    local = await onboard(harness, "Leïla", "fr", LOCAL)
    elsewhere = await onboard(harness, "Marc", "fr", NATIONAL)
    title = "📍 Centre social des Berges (exemple)"
    await local.send("centre social des berges")
    assert title in local.buttons(await last(local))
    await elsewhere.send("centre social des berges")
    assert title not in elsewhere.buttons(await last(elsewhere))
