"""A child threatened, missing or exploited, end to end: a parent reaches every situation in two taps from
the menu, /help and the worried path, in each language; the CRIP shown is their territory's; professionals
get the module on the criminal exploitation of minors, and can pass it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.core.callbacks import Action, pack
from bot.features.families.safeguarding import PAGE_PREFIX, SITUATIONS, open_data
from sandbox.client import SandboxUser
from tests.bidi_support import unmarked
from tests.campaign_support import add_person
from tests.conftest import CONTENT, Harness, last
from tests.test_training_e2e import COORDINATOR, answer_quiz, invite_link

MODULE = "exploitation_minors"
# The number each situation must give, in every language.
CALL = {
    "danger_now": "112",
    "missing": "116 000",
    "child_in_danger": "119",
    "crip": "119",
    "victims": "116 006",
    "complaint": "17",
    "debts": "17",
    "found_at_home": "0 800 23 13 13",
    "exploitation": "119",
}
ISLAND_CRIP = "CRIP de l'Île-Exemple (test)"


def plain(text: str) -> str:
    return unmarked(text)


@pytest.fixture(scope="session")
def island(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped content plus a second territory with a CRIP of its own."""
    copy = tmp_path_factory.mktemp("island") / "content"
    shutil.copytree(CONTENT, copy)
    (copy / "territories" / "ile.yml").write_text(
        "id: ile\nname:\n  fr: Île-Exemple\n  en: Example Island\n  ar: جزيرة المثال\n"
        "timezone: Indian/Reunion\n"
        f'crip:\n  name: "{ISLAND_CRIP}"\n  phone: "02 99 00 00 99"\n',
        encoding="utf-8",
    )
    return copy


@pytest.fixture
def content_dir(island: Path) -> Path:
    return island


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coordinators": str(COORDINATOR), "trainings_open_to_all": False}


def labels(user: SandboxUser, message: dict[str, Any]) -> list[str]:
    return [plain(label) for label in user.buttons(message)]


async def reaches(harness: Harness, user: SandboxUser, language: str, situation: str) -> dict[str, Any]:
    """From the message on screen, in exactly two taps: the path, then one situation."""
    content = harness.services.content
    home = content.page(language, "safeguarding")
    entry = await last(user)
    rows = entry["reply_markup"]["inline_keyboard"]
    assert open_data() in [b["callback_data"] for row in rows for b in row], "one tap away from here"
    await user.press(open_data())
    shown = await last(user)
    assert plain(home.title) in plain(shown["text"])
    page = content.page(language, PAGE_PREFIX + situation)
    assert plain(page.title) in labels(user, shown), "each situation is a button, labelled in the language"
    await user.press(open_data(situation))
    screen = await last(user)
    assert plain(page.title) in plain(screen["text"])
    return screen


@pytest.mark.parametrize("language", ["fr", "en", "ar"])
async def test_every_situation_is_two_taps_from_the_menu(harness: Harness, language: str) -> None:
    user = await harness.user("Parent", language)
    await add_person(harness, user, language=language, role="parent")
    for situation in SITUATIONS:
        await user.send("/menu")
        screen = await reaches(harness, user, language, situation)
        assert CALL[situation] in plain(screen["text"]), f"{situation} says who to call"


@pytest.mark.parametrize("language", ["fr", "en", "ar"])
async def test_from_help_and_from_the_worried_path(harness: Harness, language: str) -> None:
    user = await harness.user("Parent", language)
    await add_person(harness, user, language=language, role="resident")
    await user.send("/help")
    crip = harness.services.catalogs.get(language).gettext(
        "alerter pour un enfant en danger : la CRIP du département"
    )
    assert f"/crip — {crip}" in plain((await last(user))["text"]), "/help names /crip"
    screen = await reaches(harness, user, language, "missing")
    assert "116 000" in screen["text"]
    await user.send("/menu")  # residents have their own menu, with the way in too
    screen = await reaches(harness, user, language, "exploitation")

    # The worried path is the parents' ("I am worried about my child"): residents' menu does not offer it.
    user = await harness.user("Parent", language)
    await add_person(harness, user, language=language, role="parent")
    await user.send("/menu")
    await user.press(pack(Action.WORRIED))
    await user.press(pack(Action.WORRIED, "u"))  # "yes, someone is in danger now"
    screen = await reaches(harness, user, language, "danger_now")
    assert "112" in screen["text"]

    for concern in ("involved", "exhausted"):
        await user.send("/menu")
        await user.press(pack(Action.WORRIED))
        await user.press(pack(Action.WORRIED, "n"))
        await user.press(pack(Action.WORRIED, "c", concern))
        screen = await reaches(harness, user, language, "exploitation")
        assert "225-4-1" in screen["text"]


async def test_the_crip_is_the_persons_territorys(harness: Harness) -> None:
    demo = harness.services.content.territories["demo"].crip
    assert demo is not None and demo.example, "the demo territory's CRIP is marked as an example"
    at_home = await harness.user("Démo", "fr")
    await add_person(harness, at_home, territory="demo")
    await at_home.send("/menu")
    shown = await reaches(harness, at_home, "fr", "crip")
    assert demo.name in shown["text"] and "Exemple de démonstration" in shown["text"]
    assert ISLAND_CRIP not in shown["text"]

    islander = await harness.user("Île", "en")
    await add_person(harness, islander, language="en", territory="ile")
    await islander.send("/crip")
    shown = await last(islander)
    assert ISLAND_CRIP in shown["text"] and "02 99 00 00 99" in shown["text"]
    assert demo.name not in shown["text"] and "Demo example" not in shown["text"]

    # Before onboarding the territory is unknown: every territory's CRIP, each under its name.
    stranger = await harness.user("Inconnu", "fr")
    await stranger.send("/crip")
    shown = await last(stranger)
    assert demo.name in shown["text"] and ISLAND_CRIP in shown["text"] and "Île-Exemple" in shown["text"]


async def test_professionals_see_no_entry_but_can_open_crip(harness: Harness) -> None:
    pro = await harness.user("Pro", "fr")
    await add_person(harness, pro, role="professional")
    await pro.send("/menu")
    assert open_data() not in str((await last(pro))["reply_markup"])
    await pro.send("/crip")
    assert "CRIP de Démo-sur-Seine" in (await last(pro))["text"]


async def test_forged_safeguarding_buttons(harness: Harness) -> None:
    user = await harness.user("Parent", "fr")
    await add_person(harness, user)
    await user.send("/menu")
    for data in (pack(Action.SAFEGUARD, "nope"), pack(Action.SAFEGUARD, "crip", "x")):
        events = await user.press_data(data, (await last(user))["message_id"])
        answers = [e.get("text") or "" for e in events if e["type"] == "callback_answer"]
        assert any("plus valable" in text for text in answers), data


async def test_the_exploitation_module_is_listed_and_can_be_passed(harness: Harness) -> None:
    module = harness.services.content.module("fr", MODULE)
    assert module is not None and 5 <= module.minutes <= 10
    pro = await harness.user("Prof", "fr")
    await pro.send(f"/start {await invite_link(harness)}")
    await pro.press("Français")
    await pro.press("Autre")
    await pro.press("Île-Exemple")  # two territories here: onboarding asks which
    await pro.press("✅ J'accepte")
    await pro.press("🎓 Formations courtes")
    start = module.title.split(" : ")[0]  # the label is cut between words to fit Telegram's limit
    await pro.press(next(label for label in pro.buttons(await last(pro)) if start in label))
    assert f"Carte 1 sur {len(module.cards)}" in (await last(pro))["text"]
    for _ in range(len(module.cards) - 1):
        await pro.press("Suivant ▶️")
    assert "/crip" in (await last(pro))["text"], "the last card points to the territory's CRIP"
    await pro.press("📝 Passer le quiz")
    await answer_quiz(pro, module, right=True)
    passed = await last(pro)
    assert "Réussi" in passed["text"] and "Votre score : 100 %" in passed["text"]
