"""A worry or a danger typed as free text is answered first with the worried path and the helplines, then
with the search results; a plain search is not taken for a worry; the text is never stored nor logged."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from bot.domain.people import get_person
from bot.features.contact.concerns import CONCERNS
from sandbox.client import SandboxUser
from tests.bidi_support import unmarked
from tests.conftest import Harness

# What the first answer says, in French (the tests read each language's from its catalog).
DANGER = "Si quelqu'un est en danger maintenant, appelez le 17 (police) ou le 112."
WORRY = "En cas de danger, appelez le 17 ou le 112 ; pour un enfant en danger, le 119."
SAFEGUARDING = "🆘 Enfant menacé, disparu, exploité"
LANGUAGE_BUTTON = {"fr": "Français", "en": "English", "ar": "العربية"}
# What the first answer must be for each phrasing: the level, and the concern it opens (None: the path's
# first question). Misspellings, SMS style, no accents, capitals, curly apostrophes, Arabic with and
# without its marks and hamza forms.
TOLD: dict[str, list[tuple[str, str, str | None]]] = {
    "fr": [
        ("bonjour, mon fils de 14 ans traine avec des dealers", "worry", "involved"),
        ("Bonjour mon fils de 14 ans traîne avec des dealeurs", "worry", "involved"),
        ("slt mon fils trene avec des dealer jsp koi faire", "worry", "involved"),
        ("MA FILLE FAIT LE GUETTEUR EN BAS DE CHEZ NOUS", "worry", "involved"),
        ("il a de largent, jsais pas d ou il vient", "worry", "money"),
        ("il rentre tres tard depuis la rentree", "worry", "changes"),
        ("Je m’inquiète pour mon fils", "worry", None),
        ("on l’a menacé de mort, il doit de l’argent", "danger", None),
        ("mon fils a disparu depuis hier soir", "danger", None),
        ("ils l'ont frappe et il a un couteau maintenant", "danger", None),
    ],
    "en": [
        ("hi, my son hangs out with dealers, what do I do", "worry", "involved"),
        ("i think my daughter is selling weed", "worry", "involved"),
        ("im worried about my kid", "worry", None),
        ("My daughter hasnt come home since yesterday", "danger", None),
        ("they're threatening him because he owes money", "danger", None),
    ],
    "ar": [
        ("ابني يبيع المخدرات", "worry", "involved"),
        ("إبنى يتاجر بالمُخدّرات فى الحي", "worry", "involved"),
        ("ولدي كيبيع الحشيش", "worry", "involved"),
        ("أنا قلقة على ابني", "worry", None),
        ("يهددونه بالقتل", "danger", None),
        ("ابنتي اختفت منذ يومين", "danger", None),
    ],
}
# Plain searches, and words that hold a listed word inside them ("charbon", "arme", "gun", "سلاح").
NOT_TOLD = {
    "fr": ["cannabis", "mission locale", "argent facile", "charbonnier armement flingueurs", "l'armée"],
    "en": ["cannabis", "how to deal with my teenager", "begun", "missing school trips"],
    "ar": ["القنب الهندي", "السلاحف", "المال السهل"],
}


def sent(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages the bot sent in answer, in order."""
    return [event["message"] for event in events if event["type"] == "message"]


async def parent(harness: Harness, language: str) -> SandboxUser:
    user = await harness.user("Parent", language)
    await user.send("/start")
    await user.press(LANGUAGE_BUTTON[language])
    await user.press(user.buttons(await user.last_bot_message())[0])  # parent or relative
    await user.press(user.buttons(await user.last_bot_message())[0])  # I accept
    return user


async def text_of(user: SandboxUser, message_id: int) -> str:
    """A message's text as it stands now (a button edits the message that carried it)."""
    return str(next(m for m in await user.messages() if m["message_id"] == message_id)["text"])


async def stored(harness: Harness) -> str:
    """Every row of every table, as text."""
    found = []
    async with harness.services.database.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            found.append(repr((await session.exec(select(table))).all()))  # type: ignore[call-overload]
    return "\n".join(found)


@pytest.mark.parametrize("language", ["fr", "en", "ar"])
async def test_a_worry_or_a_danger_comes_before_the_search_results(
    harness: Harness, language: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    ui = harness.services.catalogs.get(language)
    results = ui.gettext("Résultats pour « {query} »").split("{")[0]
    danger, worry, safeguarding = ui.gettext(DANGER), ui.gettext(WORRY), ui.gettext(SAFEGUARDING)
    user = await parent(harness, language)
    for text, level, concern in TOLD[language]:
        messages = sent(await user.send(text))
        first = unmarked(messages[0]["text"])
        if level == "danger":
            assert danger in first, text
            assert "17" in first and "112" in first and "119" in first, text
            assert safeguarding in [unmarked(label) for label in user.buttons(messages[0])], text
        else:
            assert worry in first, text
            assert danger not in first, text
            if concern is None:
                assert ui.gettext("Quelqu'un est-il en danger en ce moment ?") in first, text
            else:
                assert ui.gettext(CONCERNS[concern][0]) in first, text
        assert results not in first, text
        # The search results, as usual, come after (when the search finds anything).
        assert len(messages) <= 2 and all(results in m["text"] for m in messages[1:]), text
        assert text not in caplog.text
    everything = await stored(harness)
    for text, _, _ in TOLD[language]:
        assert text not in everything
        said = text.split()
        pairs = [" ".join(said[index : index + 2]) for index in range(len(said) - 1)]
        assert [pair for pair in pairs if pair in everything] == [], text
    assert str(user.id) not in caplog.text


@pytest.mark.parametrize("language", ["fr", "en", "ar"])
async def test_a_plain_search_gets_only_its_results(harness: Harness, language: str) -> None:
    ui = harness.services.catalogs.get(language)
    user = await parent(harness, language)
    for text in NOT_TOLD[language]:
        messages = sent(await user.send(text))
        assert len(messages) == 1, text
        said = messages[0]["text"]
        assert ui.gettext(WORRY) not in said and ui.gettext(DANGER) not in said, text


async def test_the_danger_answer_leads_to_the_emergency_screen_and_the_worried_path(
    harness: Harness,
) -> None:
    user = await parent(harness, "fr")
    messages = sent(await user.send("mon fils a fugué, on le trouve plus"))
    assert len(messages) >= 1
    danger = messages[0]["message_id"]
    await user.press(SAFEGUARDING, danger)
    assert "Choisissez ce qui ressemble à votre situation" in await text_of(user, danger)
    again = sent(await user.send("on le menace"))[0]["message_id"]
    await user.press("😟 Je m'inquiète pour mon enfant", again)
    assert "Quelqu'un est-il en danger" in await text_of(user, again)


async def test_a_worry_with_a_concern_opens_its_advice_with_the_helpline(harness: Harness) -> None:
    content = harness.services.content
    user = await parent(harness, "fr")
    messages = sent(await user.send("mon fils traine avec des dealers"))
    advice = messages[0]
    assert "Drogues Info Service" in advice["text"] and "0 800 23 13 13" in advice["text"]
    expected = [f"📚 {r.title}" for r in content.resources_in("fr", "involved")]
    # The resources first, after the safeguarding button that a child "involved or threatened" gets on top.
    assert [label for label in user.buttons(advice) if label.startswith("📚")][: len(expected)] == expected
    assert "☎️ Numéros d'aide" in user.buttons(advice)
    suicide = sent(await user.send("ma fille a des idées noires, elle parle de suicide"))[0]
    assert "3114" in suicide["text"] and "119" in suicide["text"]


async def test_someone_who_has_not_started_is_answered_too(harness: Harness) -> None:
    user = await harness.user("Visiteur", "en")  # nothing stored yet; Telegram says English
    messages = sent(await user.send("mon fils fait le guetteur"))  # typed in French all the same
    english = harness.services.catalogs.get("en")
    assert english.gettext(WORRY) in messages[0]["text"], "answered in the person's language"
    assert english.gettext(CONCERNS["involved"][0]) in messages[0]["text"]
    async with harness.services.database.session() as session:
        assert await get_person(session, chat_id=user.id) is None, "nothing is stored before consent"
