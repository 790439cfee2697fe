"""The families' space end to end: resources by topic, shared links, myth cards, the quiz, the weekly card."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import func, select

from bot.core.callbacks import Action, pack
from bot.domain.people import get_person
from bot.features.families.quiz import answer_counts
from bot.features.people.personal_data import export_person
from bot.models import Subscription
from tests.conftest import Harness, last
from tests.test_privacy_e2e import onboard_user


def url_buttons(message: dict[str, object]) -> list[str]:
    markup = message.get("reply_markup") or {}
    assert isinstance(markup, dict)
    return [b["url"] for row in markup.get("inline_keyboard", []) for b in row if "url" in b]


async def test_browse_a_topic_and_page_through_a_long_resource(harness: Harness) -> None:
    content = harness.services.content
    long = max(content.resources["fr"].values(), key=lambda resource: len(resource.pages))
    assert len(long.pages) > 1, "the starter pack has at least one resource long enough to be paged"
    topic = content.topic("fr", long.topic)
    assert topic is not None
    user = await onboard_user(harness)
    await user.press("📚 Ressources")
    assert topic.title in user.buttons(await last(user))
    await user.press(topic.title)
    listing = await last(user)
    assert long.title in user.buttons(listing)
    await user.press(long.title)
    first = await last(user)
    assert f"Page 1 sur {len(long.pages)}" in first["text"]
    await user.press("Suivant ▶️")
    second = await last(user)
    assert second["message_id"] == first["message_id"], "pages turn in place"
    assert f"Page 2 sur {len(long.pages)}" in second["text"]
    assert "◀️ Précédent" in user.buttons(second)
    share = urlsplit(url_buttons(second)[0])
    shared_link = unquote(parse_qs(share.query)["url"][0])
    assert shared_link == f"https://t.me/reperes_sandbox_bot?start=r_{long.id}"


async def test_a_shared_link_opens_the_resource_for_anyone(harness: Harness) -> None:
    resource = harness.services.content.resource("en", "talk_without_judging")
    assert resource is not None
    stranger = await harness.user("Stranger", "en")
    await stranger.send("/start r_talk_without_judging")
    message = await last(stranger)
    assert message["text"].startswith(
        resource.pages[0].split("\n")[0].replace("<b>", "").replace("</b>", "")[:20]
    )
    async with harness.services.database.session() as session:
        assert await get_person(session, chat_id=stranger.id) is None, "reading stores nothing"
    await stranger.send("/start r_no_such_thing")  # an unknown link starts onboarding instead
    assert "Choose your language" in (await last(stranger))["text"]


async def test_a_card_is_answered_and_counted_anonymously(harness: Harness) -> None:
    myth = harness.services.content.myth("fr", "easy_money")
    assert myth is not None and myth.answer is False
    user = await onboard_user(harness)
    await user.send("/start m_easy_money")
    assert "Dealer, c'est de l'argent facile." in (await last(user))["text"]
    await user.press("❌ Faux")
    answer = await last(user)
    assert "Bonne réponse" in answer["text"]
    assert "OFDT" in answer["text"], "the facts come with their sources"
    assert any(label.startswith("📚 ") for label in user.buttons(answer)), "a next step"
    await user.press("🃏 Carte suivante")
    await user.press("✅ Vrai")
    assert "Pas tout à fait" in (await last(user))["text"]
    await harness.services.tallies.flush(harness.services.database)  # counted apart from the replies
    async with harness.services.database.session() as session:
        counts = {
            (c.myth, c.territory, c.month): (c.correct, c.mistaken) for c in await answer_counts(session)
        }
    following = harness.services.content.myth_ids()[1]
    assert counts == {("easy_money", "demo", "2026-11"): (1, 0), (following, "demo", "2026-11"): (0, 1)}


async def test_quiz_gives_a_score_with_its_plural(harness: Harness) -> None:
    content = harness.services.content
    user = await harness.user("Quiz", "fr")
    await user.send("/menu")
    await user.press("❓ Vrai ou faux ?")
    await user.press("🎯 Jouer au quiz")
    for number in range(1, 6):
        question = await last(user)
        assert f"Question {number} sur 5" in question["text"]
        claim = question["text"].split("«")[1].split("»")[0].strip()
        myth = next(m for m in content.myths["fr"].values() if m.claim == claim)
        right_label, wrong_label = ("✅ Vrai", "❌ Faux") if myth.answer else ("❌ Faux", "✅ Vrai")
        await user.press(wrong_label if number == 1 else right_label)
        await user.press("Voir mon score" if number == 5 else "Question suivante ▶️")
    score = await last(user)
    assert "Votre score : 4 bonnes réponses sur 5." in score["text"]
    await harness.services.tallies.flush(harness.services.database)  # counted apart from the replies
    async with harness.services.database.session() as session:
        counts = await answer_counts(session)
    assert sum(c.correct for c in counts) == 4 and sum(c.mistaken for c in counts) == 1
    assert {c.territory for c in counts} == {"none"}, "no territory before onboarding, and no person"


async def test_card_of_the_week_subscription_is_exported_and_forgotten(harness: Harness) -> None:
    user = await onboard_user(harness)
    await user.press("❓ Vrai ou faux ?")
    await user.press("🔔 Recevoir la carte de la semaine")
    assert "🔕 Ne plus recevoir la carte de la semaine" in user.buttons(await last(user))
    async with harness.services.database.session() as session:
        exported = await export_person(session, chat_id=user.id)
    assert exported is not None and [row["topic"] for row in exported["subscription"]] == ["myth_weekly"]
    await user.send("/forget")
    await user.press("Oui, tout effacer")
    async with harness.services.database.session() as session:
        assert await export_person(session, chat_id=user.id) is None
        assert await session.scalar(select(func.count()).select_from(Subscription)) == 0


async def test_forged_family_buttons(harness: Harness) -> None:
    user = await onboard_user(harness)
    for data in (
        pack(Action.QUIZ, "1", "9", "0"),
        pack(Action.QUIZ, "x", "0", "0"),
        pack(Action.QUIZ, "1", "0", "3"),
        pack(Action.QUIZ, "1", "5", "2", "t"),
        pack(Action.MYTH, "a", "nope", "t"),
        pack(Action.MYTH, "a", "easy_money", "x"),
        pack(Action.MYTH, "w", "2"),
        pack(Action.RESOURCE, "nope", "0"),
        pack(Action.RESOURCE, "talk_without_judging", "99"),
        pack(Action.TOPIC, "nope"),
        pack(Action.TOPIC, "a", "b"),
    ):
        menu = await last(user)
        events = await user.press_data(data, menu["message_id"])
        answers = [e for e in events if e["type"] == "callback_answer"]
        assert answers and "plus valable" in answers[0]["text"], data


async def test_a_double_tap_counts_once_and_strangers_cannot_subscribe(harness: Harness) -> None:
    user = await onboard_user(harness)
    await user.send("/start m_easy_money")
    card = await last(user)
    await user.press_data(pack(Action.MYTH, "a", "easy_money", "f"), card["message_id"])
    await user.press_data(pack(Action.MYTH, "a", "easy_money", "f"), card["message_id"])
    await harness.services.tallies.flush(harness.services.database)  # counted apart from the replies
    async with harness.services.database.session() as session:
        counts = await answer_counts(session)
    assert [(c.myth, c.correct, c.mistaken) for c in counts] == [("easy_money", 1, 0)]

    stranger = await harness.user("Inconnu", "fr")
    await stranger.send("/menu")
    events = await stranger.press_data(pack(Action.MYTH, "w", "1"), (await last(stranger))["message_id"])
    assert any("plus valable" in (e.get("text") or "") for e in events if e["type"] == "callback_answer")
    async with harness.services.database.session() as session:
        assert await session.scalar(select(func.count()).select_from(Subscription)) == 0
