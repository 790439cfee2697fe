"""What a parent sees, end to end through the sandbox: hours in words, labels cut between words, pages that
never end on a heading, "1er", a nearest list that says when everything is far, English quotation marks,
the welcome's emergency numbers kept above the notice, and settings without training reminders."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.people import get_person
from bot.features.families.hours import always_open, hours_in_words
from bot.shorten import ELLIPSIS, LABEL_LIMIT
from sandbox.client import SandboxUser
from tests.bidi_support import unmarked
from tests.conftest import CONTENT, Harness, last
from tests.test_privacy_e2e import onboard_user

# A place of the demo territory with a name too long for a button and hours known to the test.
LONG_NAME = "Maison des adolescents et des familles, antenne du quartier de la Gare (exemple)"
PLACE = f"""
- id: parent_view_probe
  name: "{LONG_NAME}"
  kind: other
  needs: [health]
  address: "1 rue de l'Essai, 99990 Démo-sur-Seine"
  hours: "Mo,Th 14:00-19:00; Sa 10:00-13:00"
  latitude: 48.85
  longitude: 2.42
  example: true
  description:
    fr: "Un lieu d'essai pour les tests."
    en: "A place for the tests."
    ar: "مكان للاختبارات."
"""
# A resource whose heading falls just where a page would end: about 1,900 characters, then the heading.
FILLER = " ".join(["Une phrase pour remplir la page et la rendre assez longue."] * 32)
SEQUEL = " ".join(["La suite commence par son titre."] * 8)  # enough to overflow the first page
RESOURCE = f"""---
id: paging_probe
topic: involved
title: "Essai de pages"
summary: "Pour les tests."
order: 99
sources:
  - "Ressource d'essai, https://www.example.org"
---
{FILLER}

## Deuxième partie

{SEQUEL}
"""
# Unicode direction marks and isolates, which the Arabic rendering may add around left-to-right runs.


@pytest.fixture(scope="module")
def probe_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("parent_view") / "content"
    shutil.copytree(CONTENT, copy)
    with (copy / "directory" / "demo.yml").open("a", encoding="utf-8") as directory:
        directory.write(PLACE)
    (copy / "fr" / "resources" / "paging_probe.md").write_text(RESOURCE, encoding="utf-8")
    return copy


@pytest.fixture
def content_dir(probe_content: Path) -> Path:
    return probe_content


def plain(text: str) -> str:
    return unmarked(text)


async def onboard_in(harness: Harness, language: str, name: str) -> SandboxUser:
    user = await harness.user(name, language)
    await user.send("/start")
    await user.press(harness.services.catalogs.native_name(language))
    await user.press(user.buttons(await last(user))[0])  # parent
    await user.press(user.buttons(await last(user))[0])  # accept
    return user


def said(harness: Harness, language: str, label: str) -> str:
    """A label as the person sees it in their language."""
    return harness.services.catalogs.get(language).gettext(label)


async def open_probe_place(harness: Harness, user: SandboxUser, language: str) -> dict[str, object]:
    await user.send("/menu")
    await user.press(said(harness, language, "🤝 Trouver de l'aide"))
    await user.press(said(harness, language, "🩺 Santé, consommations"))
    listing = await last(user)
    label = next(label for label in user.buttons(listing) if label.startswith("Maison des adolescents et"))
    await user.press(label)
    return await last(user)


async def test_a_place_shows_its_hours_in_words_and_a_label_cut_between_words(harness: Harness) -> None:
    harness.clock.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    user = await onboard_user(harness)
    await user.press("🤝 Trouver de l'aide")
    await user.press("🩺 Santé, consommations")
    labels = user.buttons(await last(user))
    (label,) = [label for label in labels if label.startswith("Maison des adolescents et")]
    assert len(label) <= LABEL_LIMIT and label.endswith(ELLIPSIS)
    kept = label.removesuffix(ELLIPSIS)
    assert LONG_NAME.startswith(kept) and LONG_NAME[len(kept)] == " ", "cut between two words"
    await user.press(label)
    detail = (await last(user))["text"]
    assert "🕒 lundi et jeudi, 14 h – 19 h" in detail and "🕒 samedi, 10 h – 13 h" in detail
    assert "Mo,Th" not in detail

    english = await onboard_in(harness, "en", "Sam")
    detail = str((await open_probe_place(harness, english, "en"))["text"])
    assert "🕒 Monday and Thursday, 2\u2009–\u20097\u202fPM" in detail
    assert "🕒 Saturday, 10\u202fAM\u2009–\u20091\u202fPM" in detail

    arabic = await onboard_in(harness, "ar", "Nour")
    detail = plain(str((await open_probe_place(harness, arabic, "ar"))["text"]))
    assert "🕒 الاثنين والخميس، 2–7\u202fم" in detail and "🕒 السبت، 10\u202fص" in detail


async def test_the_helplines_give_their_hours_in_words(harness: Harness) -> None:
    harness.clock.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    helplines = harness.services.content.helplines
    limited = [line for line in helplines if not always_open(line.hours)]
    assert limited, "at least one helpline keeps hours"
    for language, name in (("fr", "Inès"), ("en", "Sam")):
        user = await onboard_in(harness, language, name)
        await user.send("/menu")
        await user.press(said(harness, language, "☎️ Numéros d'aide"))
        text = (await last(user))["text"]
        translator = harness.services.catalogs.get(language)
        for line in limited:
            block = text.split(line.name)[1].split("\n\n")[0]
            for words in hours_in_words(line.hours, translator, datetime(2026, 12, 2).date()):
                assert f"🕒 {words}" in block
            assert line.hours not in block, "never the OpenStreetMap syntax"
        assert "🕒" not in text.split("119")[1].split("\n\n")[0], "open day and night says it already"


async def test_a_nearest_list_says_when_everything_is_far(harness: Harness) -> None:
    user = await onboard_user(harness)
    await user.press("🤝 Trouver de l'aide")
    await user.press("📍 Les plus proches de moi")
    await user.share_location(43.2965, 5.3698)  # Marseille, some 660 km from the demo commune
    far = (await last(user))["text"]
    assert re.search("Aucun lieu à moins de 15\\W?km de vous", far)
    listed = [line for line in far.split("\n") if line.startswith("• ")]
    assert listed and all(line.endswith("km") for line in listed), "the nearest still listed, with distances"
    await user.send("/menu")
    await user.press("🤝 Trouver de l'aide")
    await user.press("📍 Les plus proches de moi")
    await user.share_location(48.845, 2.41)
    assert "Aucun lieu à moins" not in (await last(user))["text"]


async def test_a_page_never_ends_on_its_heading(harness: Harness) -> None:
    user = await onboard_user(harness)
    await user.send("/start r_paging_probe")
    first = await last(user)
    assert "Page 1 sur 2" in first["text"]
    blocks = [block for block in first["text"].split("\n\n") if "Page 1 sur" not in block]
    assert "Deuxième partie" not in first["text"], "the heading went with its text"
    assert blocks[-1].startswith("Une phrase")
    await user.press("Suivant ▶️")
    second = (await last(user))["text"]
    assert second.startswith("Deuxième partie\n\nLa suite commence")


async def test_the_first_of_the_month_is_1er_in_french(harness: Harness) -> None:
    harness.clock.now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    user = await onboard_user(harness)
    await user.send("/privacy")
    assert "1er décembre 2026" in (await last(user))["text"]


async def test_english_quotes_a_claim_with_english_quotation_marks(harness: Harness) -> None:
    user = await onboard_in(harness, "en", "Sam")
    myth_id = harness.services.content.myth_ids()[0]
    await user.send(f"/start m_{myth_id}")
    card = (await last(user))["text"]
    assert "“" in card and "”" in card and "«" not in card and "»" not in card


async def test_the_welcome_and_its_emergency_numbers_stay_above_the_notice(harness: Harness) -> None:
    user = await harness.user("Amina", "fr")
    await user.send("/start")
    await user.press("Français")
    welcome = await last(user)
    await user.press("Parent ou proche d'un jeune")
    notice = await last(user)
    assert notice["message_id"] != welcome["message_id"], "the notice comes below, as a new message"
    kept = next(m for m in await user.messages() if m["message_id"] == welcome["message_id"])
    assert "Bienvenue sur Repères" in kept["text"]
    assert all(number in kept["text"] for number in ("17", "15", "112", "114"))
    assert user.buttons(kept) == [], "the role buttons are gone once used"
    await user.press("✅ J'accepte")
    kept = next(m for m in await user.messages() if m["message_id"] == welcome["message_id"])
    assert "112" in kept["text"], "still there once the person accepted"


async def test_only_professionals_see_training_reminders_in_their_settings(harness: Harness) -> None:
    parent = await onboard_user(harness)
    await parent.send("/settings")
    settings = await last(parent)
    assert "Rappels de formation" not in settings["text"]
    assert not any("rappels de formation" in label.lower() for label in parent.buttons(settings))
    await parent.press("Profil")
    await parent.press("Professionnel (école, social, sport…)")
    settings = await last(parent)
    assert "Rappels de formation : oui" in settings["text"]
    assert "🔕 Plus de rappels de formation" in parent.buttons(settings)
    reminders = next(
        button["callback_data"]
        for row in settings["reply_markup"]["inline_keyboard"]
        for button in row
        if button["text"] == "🔕 Plus de rappels de formation"
    )
    await parent.press("Profil")
    await parent.press("Parent ou proche d'un jeune")
    back = await last(parent)
    assert "Rappels de formation" not in back["text"]
    await parent.press_data(reminders, back["message_id"])  # the button kept from the professional screen
    assert "n'est plus valable" in (await last(parent))["text"]
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=parent.id)
    assert person is not None and person.training_reminders, "a parent's old button changes nothing"
