"""The youth space end to end: a young person reads every section, plays the quiz and types a worry, in
each language, from onboarding and from the posters' deep link; afterwards no table holds a row more or a
row changed, and the log holds neither their chat id nor what they typed. Old or forged buttons of the
space get a clear answer."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from bot.content.youth import MYTH, SECTION
from bot.i18n import Translator
from sandbox.client import SandboxUser, as_read
from tests.conftest import Harness, last
from tests.test_residents_e2e import onboard

LANGUAGE_BUTTON = {"fr": "Français", "en": "English", "ar": "العربية"}
# What a worried teenager might type: it must reach neither the database nor the log.
TYPED = {
    "fr": "je dois de l'argent au grand du bloc et il me menace",
    "en": "i owe money to the older guy from the block and he threatens me",
    "ar": "أنا مدين بالمال لشخص في الحي وهو يهددني",
}


async def snapshot(harness: Harness) -> dict[str, list[Any]]:
    """Every row of every table the models declare."""
    rows: dict[str, list[Any]] = {}
    async with harness.services.database.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            rows[table.name] = sorted(repr(row) for row in (await session.exec(select(table))).all())  # type: ignore[call-overload]
    return rows


def texts(ui: Translator, *french: str) -> list[str]:
    return [ui.gettext(message) for message in french]


async def walk_the_space(harness: Harness, user: SandboxUser, language: str) -> None:
    """From the space's home: every section (and its local opportunities), every card, the whole quiz."""
    found = harness.services
    youth = found.content.youth
    ui = found.catalogs.get(language)
    home = await last(user)
    notice = youth.get(language, "notice", "notice")
    assert notice is not None and as_read(ui.gettext("Espace jeunes")) in as_read(home["text"])
    assert "Telegram" in home["text"] or "تيليغرام" in home["text"]
    (back,) = texts(ui, "↩️ Espace jeunes")
    for section_id in youth.sections():
        section = youth.get(language, section_id, SECTION)
        assert section is not None and section.language == language
        await user.press(section.title)
        shown = await last(user)
        assert as_read(section.title) in as_read(shown["text"])
        if section.opportunities:
            await user.press(ui.gettext("📍 Près de chez toi"))
            listed = await last(user)
            if len(found.content.territories) > 1:
                await user.press(user.buttons(listed)[0])
                listed = await last(user)
            assert "Mission locale" in listed["text"]
            assert "(exemple)" in listed["text"]
        await user.press(back)
    await user.press(ui.gettext("🃏 Vrai ou faux"))
    for myth_id in youth.myths():
        card = youth.get(language, myth_id, MYTH)
        assert card is not None and card.claim is not None
        await user.press(card.claim)
        await user.press(ui.gettext("✅ Vrai") if card.answer else ui.gettext("❌ Faux"))
        assert as_read(ui.gettext("✔️ Bonne réponse !")) in as_read((await last(user))["text"])
        await user.press(ui.gettext("↩️ Vrai ou faux"))
    await user.press(back)
    await user.press(ui.gettext("🎯 Le quiz"))
    total = min(5, len(youth.myths()))
    cards = [youth.get(language, myth_id, MYTH) for myth_id in youth.myths()]
    for _ in range(total):
        asked = as_read((await last(user))["text"])
        (card,) = [c for c in cards if c is not None and as_read(c.claim or "") in asked]
        await user.press(ui.gettext("✅ Vrai") if card.answer else ui.gettext("❌ Faux"))
        assert as_read(ui.gettext("✔️ Bonne réponse !")) in as_read((await last(user))["text"])
        following = [ui.gettext("Question suivante ▶️"), ui.gettext("Voir mon score")]
        label = next(b for b in user.buttons(await last(user)) if as_read(b) in map(as_read, following))
        await user.press(label)
    score = ui.ngettext(
        "Ton score : {score} bonne réponse sur {total}.",
        "Ton score : {score} bonnes réponses sur {total}.",
        total,
    ).format(score=ui.number(total), total=ui.number(total))
    assert as_read(score) in as_read((await last(user))["text"])


async def leaves_no_trace(
    harness: Harness, user: SandboxUser, before: dict[str, list[Any]], caplog: pytest.LogCaptureFixture
) -> None:
    after = await snapshot(harness)
    changed = [name for name in after if after[name] != before.get(name)]
    assert changed == [], f"the youth space wrote to {changed}"
    assert str(user.id) not in caplog.text


@pytest.mark.parametrize("language", ["fr", "en", "ar"])
async def test_from_onboarding_nothing_is_stored_nor_logged(
    harness: Harness, language: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    before = await snapshot(harness)
    user = await harness.user("Jeune", "fr")
    ui = harness.services.catalogs.get(language)
    await user.send("/start")
    await user.press(LANGUAGE_BUTTON[language])
    welcome = await last(user)
    assert ui.gettext("🧑 Je suis un·e jeune") in [as_read(b) for b in user.buttons(welcome)]
    await user.press(ui.gettext("🧑 Je suis un·e jeune"))
    await walk_the_space(harness, user, language)
    await user.send(TYPED[language])  # typed outside any flow: answered, never kept
    await leaves_no_trace(harness, user, before, caplog)
    assert TYPED[language] not in caplog.text


@pytest.mark.parametrize(
    ("payload", "telegram", "language"),
    [
        ("jeunes", "fr", "fr"),
        ("jeunes_en", "fr", "en"),
        ("jeunes_ar", "en", "ar"),
        ("jeunes", "ar", "ar"),  # no language in the link: Telegram's
    ],
)
async def test_from_the_deep_link_nothing_is_stored_nor_logged(
    harness: Harness, payload: str, telegram: str, language: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    before = await snapshot(harness)
    user = await harness.user("Jeune", telegram)
    await user.send(f"/start {payload}")
    await walk_the_space(harness, user, language)
    await leaves_no_trace(harness, user, before, caplog)


async def test_a_stale_or_forged_youth_button_gets_a_clear_answer(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    before = await snapshot(harness)
    user = await harness.user("Jeune", "en")
    await user.send("/start jeunes_en")
    home = (await last(user))["message_id"]
    en = harness.services.catalogs.get("en")
    for forged in (
        "1:j:en:s:removed",
        "1:j:en:c:casier:x",
        "1:j:en:q:1:9:9:t",
        "1:j:en:q:a:b:c",
        "1:j:en:o:nowhere",
        "1:j:en:zz",
        "1:j:en:a:notice:f",
    ):
        await user.press_data(forged, home)
        answer = await last(user)
        assert en.gettext("Ce bouton n'est plus valable.") in answer["text"], forged
        assert en.gettext("Espace jeunes") in answer["text"], f"{forged}: the space goes on"
    await user.press_data("1:j:xx", home)  # no language the bot speaks: the general answer
    assert "no longer valid" in (await last(user))["text"]
    await leaves_no_trace(harness, user, before, caplog)
    assert "Traceback" not in caplog.text


class TestTwoTerritories:
    """With several communes, the space asks where the young person is, each time, and keeps nothing."""

    @pytest.fixture
    def content_dir(self, two_territories: Path) -> Path:
        return two_territories

    async def test_the_place_is_asked_not_kept(
        self, harness: Harness, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO)
        caplog.set_level(logging.DEBUG, logger="bot")
        before = await snapshot(harness)
        user = await harness.user("Jeune", "fr")
        await user.send("/start jeunes")
        await user.press("D'autres chemins")
        await user.press("📍 Près de chez toi")
        asked = await last(user)
        assert "Tu es où ?" in asked["text"]
        assert user.buttons(asked)[:2] == ["Démo-sur-Seine (exemple)", "Île-Exemple"]
        await user.press("Île-Exemple")
        assert "Pas encore de lieu listé ici" in (await last(user))["text"]
        await user.press("↩️ Espace jeunes")
        await user.press("D'autres chemins")
        await user.press("📍 Près de chez toi")
        assert "Tu es où ?" in (await last(user))["text"], "asked again: the first answer was not kept"
        await user.press("Démo-sur-Seine (exemple)")
        assert "Mission locale (exemple)" in (await last(user))["text"]
        await leaves_no_trace(harness, user, before, caplog)


async def test_a_code_that_only_begins_like_the_youth_link_goes_to_onboarding(harness: Harness) -> None:
    user = await harness.user("Parent", "fr")
    for code in ("jeunesse-affiche", "jeunesen", "jeunes_xx"):
        await user.send(f"/start {code}")
        assert "Choisissez votre langue" in (await last(user))["text"], code


async def test_someone_with_a_profile_leaves_no_trace_either(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """A parent who opens the space (the posters' link, its buttons) on a later day: their row is not
    touched, not even the day of last use."""
    found = harness.services
    user = await onboard(harness, "fr", "Parent ou proche d'un jeune", "Karim")
    harness.clock.now += timedelta(days=3)
    await found.activity.flush(found.database)
    caplog.set_level(logging.DEBUG, logger="bot")
    before = await snapshot(harness)
    await user.send("/start jeunes")
    youth = found.content.youth
    section = youth.get("fr", youth.sections()[0], SECTION)
    assert section is not None
    await user.press(section.title)
    await user.press("↩️ Espace jeunes")
    await user.press("🃏 Vrai ou faux")
    await found.activity.flush(found.database)
    await leaves_no_trace(harness, user, before, caplog)
