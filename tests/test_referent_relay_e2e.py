"""Asking a professional to make contact: the request, the referent taking it, the relayed conversation,
reminders, closing, and deletion; with two users side by side in the sandbox."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select as select_table
from sqlmodel import SQLModel, select

from bot.core.callbacks import Action, pack
from bot.features.contact import ticket_store as tickets
from bot.features.contact.concerns import CONCERNS
from bot.features.people.personal_data import export_person
from bot.models import Ticket
from sandbox.client import SandboxUser
from tests.conftest import Harness, last
from tests.test_privacy_e2e import onboard, onboard_user

REFERENTS = 100900  # content/territories/demo.yml


async def ask_for_contact(parent: SandboxUser) -> None:
    await parent.press("😟 Je m'inquiète pour mon enfant")
    await parent.press("Non")
    await parent.press("Des messages ou des annonces sur les réseaux")
    await parent.press("🙋 Être contacté par un professionnel")
    assert "ni votre compte ou votre numéro Telegram" in (await last(parent))["text"]
    await parent.press("✅ Envoyer ma demande")


async def message_with(user: SandboxUser, fragment: str) -> dict[str, Any]:
    """The bot's latest message in the user's chat that contains `fragment`."""
    found = [m for m in await user.messages() if m["from_bot"] and fragment in (m.get("text") or "")]
    assert found, f"no message with {fragment!r}"
    return found[-1]


def callback_answers(events: list[dict[str, Any]]) -> list[str]:
    return [e.get("text") or "" for e in events if e["type"] == "callback_answer"]


async def take_request(referent: SandboxUser, parent: SandboxUser) -> dict[str, Any]:
    """The referent takes the request just announced; its announcement, once the parent has been told."""
    announcement: dict[str, Any] = (await referent.reaction("the announcement"))[-1]["message"]
    await referent.press("🙋 Je m'en occupe", announcement["message_id"])
    await parent.reaction("the news that a professional took the request")
    return announcement


async def arabic_parent(harness: Harness) -> SandboxUser:
    """A parent onboarded in Arabic, on the menu."""
    parent = await harness.user("Nour", "ar")
    await parent.send("/start")
    await parent.press("العربية")
    await parent.press(parent.buttons(await last(parent))[0])  # a parent
    await parent.press("✅ أوافق")
    return parent


async def test_before_asking_the_person_learns_what_the_professional_sees_and_when(harness: Harness) -> None:
    await harness.client.new_user("Référent", "fr", user_id=REFERENTS)
    parent = await onboard_user(harness, name="Samira")
    await parent.press("😟 Je m'inquiète pour mon enfant")
    await parent.press("Non")
    await parent.press("Des messages ou des annonces sur les réseaux")
    await parent.press("🙋 Être contacté par un professionnel")
    text = (await last(parent))["text"]
    assert "le territoire, le sujet, votre langue et un numéro" in text
    assert "Il lit ce que vous écrivez, mais il ne voit ni votre nom" in text
    assert "ils restent dans les deux conversations Telegram" in text, "the chats keep the messages"
    assert "il doit agir pour le protéger" in text, "confidentiality ends where a child is in danger"
    assert "répondent en général du lundi au vendredi, de 9 h à 17 h" in text, "the demo territory's hours"
    assert "d'ici environ 8 heures" in text.replace("\u00a0", " "), "4 reminder intervals of 120 minutes"
    assert "ne sont pas enregistrés" not in text
    await parent.press("✅ Envoyer ma demande")
    sent = (await last(parent))["text"]
    assert "Votre demande n° 1 est envoyée" in sent and "du lundi au vendredi" in sent


async def test_request_taken_relayed_both_ways_and_closed(harness: Harness) -> None:
    referent = await harness.client.new_user("Éducatrice", "fr", user_id=REFERENTS)
    parent = await onboard_user(harness, name="Samira")
    await ask_for_contact(parent)
    assert "Votre demande n° 1 est envoyée" in (await last(parent))["text"]

    announcement = (await referent.reaction("the announcement"))[-1]["message"]
    assert "Demande de contact n° 1" in announcement["text"]
    assert "Territoire : Démo-sur-Seine (exemple)" in announcement["text"]
    assert "Sujet : Des messages ou des annonces sur les réseaux" in announcement["text"]
    assert "Langue de la personne : français" in announcement["text"]
    assert "Samira" not in announcement["text"] and str(parent.id) not in announcement["text"]

    await parent.send("argent facile")
    assert "Résultats pour" in (await last(parent))["text"], "while nobody has taken it, typing searches"

    await referent.press("🙋 Je m'en occupe", announcement["message_id"])
    mine = [m for m in await referent.messages() if m["from_bot"]]
    taking = next(m for m in mine if "Vous vous occupez de la demande n° 1" in m["text"])
    assert "Langue de la personne : français" in taking["text"], "the referent knows which language to write"
    edited = next(m for m in mine if m["message_id"] == announcement["message_id"])
    assert edited["text"] == (
        "✅ Demande n° 1 prise en charge.\nTerritoire : Démo-sur-Seine (exemple)\n"
        "Sujet : Des messages ou des annonces sur les réseaux\nLangue de la personne : français"
    ), "once taken, the card still says what the request is about"
    told = await parent.reaction("the news that a professional took the request")
    assert any(
        "Un professionnel a pris votre demande n° 1" in e["message"]["text"] for e in told if "message" in e
    )

    await referent.send("Bonjour, je suis éducatrice. Comment puis-je vous aider ?", expect_answer=False)
    relayed = await last(parent)
    assert relayed["text"] == (
        "💬 Le professionnel (demande n° 1) :\nBonjour, je suis éducatrice. Comment puis-je vous aider ?"
    )
    assert "Éducatrice" not in relayed["text"]
    await parent.send("Merci. Mon fils reçoit des messages bizarres.", expect_answer=False)
    assert (await last(referent))["text"] == (
        "💬 La personne (demande n° 1) :\nMerci. Mon fils reçoit des messages bizarres."
    )

    await parent.upload("photo.jpg", b"not really a photo")
    assert "Seul le texte écrit est transmis" in (await last(parent))["text"]
    async with harness.services.database.session() as session:
        exported = await export_person(session, chat_id=parent.id)
    assert exported is not None and exported["ticket"][0]["status"] == "taken"
    assert "referent_id" not in exported["ticket"][0], "the person never sees the professional's account"
    assert str(REFERENTS) not in repr(exported)

    async with harness.services.database.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            rows = (await session.exec(select_table(table))).all()  # type: ignore[call-overload]
            assert "bizarres" not in repr(rows) and "éducatrice" not in repr(rows), (
                "nothing relayed is stored"
            )

    await parent.press("✅ Terminer la conversation")
    assert "est terminée" in (await last(parent))["text"]
    assert (await last(referent))["text"] == "La conversation n° 1 est terminée."
    closed = next(m for m in await referent.messages() if m["message_id"] == announcement["message_id"])
    assert closed["text"].startswith("☑️ Demande n° 1 close.\nTerritoire : Démo-sur-Seine (exemple)\n")
    assert all("Samira" not in (m.get("text") or "") for m in await referent.messages()), (
        "the referent never sees the name Telegram shows for the person"
    )
    await parent.send("argent facile")
    assert "Résultats pour" in (await last(parent))["text"], "after the conversation, typing searches again"

    harness.clock.now += timedelta(days=31)
    (job,) = harness.app.job_queue.get_jobs_by_name("retention") if harness.app.job_queue else ()
    await job.run(harness.app)
    async with harness.services.database.session() as session:
        assert (await session.exec(select(Ticket))).all() == [], "closed requests go after 30 days"


async def test_unanswered_requests_are_reminded_and_forget_ends_a_conversation(harness: Harness) -> None:
    referent = await harness.client.new_user("Référent", "fr", user_id=REFERENTS)
    parent = await onboard_user(harness, name="Yanis")
    await ask_for_contact(parent)
    await referent.reaction("the announcement")
    (job,) = harness.app.job_queue.get_jobs_by_name("ticket-reminders") if harness.app.job_queue else ()
    await job.run(harness.app)
    assert not [m for m in await referent.messages() if "attend toujours" in (m.get("text") or "")], "not yet"
    harness.clock.now += timedelta(minutes=121)
    await job.run(harness.app)
    reminder = await last(referent)
    assert reminder["text"] == "⏰ La demande n° 1 attend toujours quelqu'un."
    await referent.press("🙋 Je m'en occupe", reminder["message_id"])
    await parent.reaction("the news")
    first = next(m for m in await referent.messages() if "Demande n° 1" in (m.get("text") or ""))
    assert first["text"].startswith("✅ Demande n° 1 prise en charge."), "the first announcement says so too"

    await parent.send("/forget")
    await parent.press("Oui, tout effacer")
    assert "a effacé ses données" in (await last(referent))["text"]
    async with harness.services.database.session() as session:
        assert (await session.exec(select(Ticket))).all() == []
        assert await tickets.current_for_referent(session, referent_id=REFERENTS) is None


async def test_a_referent_who_forgets_themselves_ends_the_conversation_they_hold(harness: Harness) -> None:
    from tests.campaign_support import add_person

    referent = await harness.client.new_user("Référente", "fr", user_id=REFERENTS)
    await add_person(harness, referent, role="professional")  # a professional who uses the bot too
    parent = await onboard_user(harness, name="Lina")
    await ask_for_contact(parent)
    await take_request(referent, parent)

    await referent.send("/forget")
    await referent.press("Oui, tout effacer")
    assert "La conversation sur votre demande n° 1 est terminée" in (await last(parent))["text"]
    async with harness.services.database.session() as session:
        assert await tickets.current_for_referent(session, referent_id=REFERENTS) is None
    await parent.send("argent facile")
    assert "Résultats pour" in (await last(parent))["text"], "nothing is relayed to the forgotten referent"


async def test_a_request_cannot_be_taken_twice_or_from_elsewhere(harness: Harness) -> None:
    referent = await harness.client.new_user("Référent", "fr", user_id=REFERENTS)
    stranger = await harness.user("Curieux", "fr")
    parent = await onboard_user(harness, name="Inès")
    await ask_for_contact(parent)
    announcement = (await referent.reaction("the announcement"))[-1]["message"]
    await stranger.send("/menu")
    # The referents' button, pressed outside the referents' chat (data can be forged by any client).
    events = await stranger.press_data(pack(Action.CONTACT, "t", "1"), (await last(stranger))["message_id"])
    assert any(
        "déjà prise en charge" in (e.get("text") or "") for e in events if e["type"] == "callback_answer"
    )
    await referent.press("🙋 Je m'en occupe", announcement["message_id"])
    events = await referent.press_data(pack(Action.CONTACT, "t", "1"), announcement["message_id"])
    assert any(e["type"] == "callback_answer" for e in events)
    async with harness.services.database.session() as session:
        ticket = await tickets.get_ticket(session, ticket_id=1)
    assert ticket is not None and ticket.status == "taken" and ticket.referent_id == REFERENTS


async def test_an_unreachable_referents_chat_leaves_no_request_waiting(harness: Harness) -> None:
    # No user has the referents' chat id in this sandbox: Telegram would answer "chat not found".
    parent = await onboard_user(harness, name="Nadia")
    await ask_for_contact(parent)
    assert "n'a pas pu être transmise" in (await last(parent))["text"]
    async with harness.services.database.session() as session:
        assert (await session.exec(select(Ticket).where(Ticket.status != "closed"))).all() == []


async def test_waiting_requests_can_be_withdrawn_and_expire_after_the_last_reminder(harness: Harness) -> None:
    referent = await harness.client.new_user("Référent", "fr", user_id=REFERENTS)
    parent = await onboard_user(harness, name="Lina")
    await ask_for_contact(parent)
    await referent.reaction("the announcement")
    await parent.press("Annuler ma demande")
    assert "est terminée" in (await last(parent))["text"], "nobody had taken it: no question asked"
    assert (await last(referent))["text"].startswith("☑️ Demande n° 1 close.")

    await parent.send("/menu")
    await ask_for_contact(parent)
    assert "déjà fait une demande aujourd'hui" in (await last(parent))["text"], "one request a day"
    harness.clock.now += timedelta(hours=25)
    await parent.send("/menu")
    await ask_for_contact(parent)
    await referent.reaction("the second announcement")
    (job,) = harness.app.job_queue.get_jobs_by_name("ticket-reminders") if harness.app.job_queue else ()
    for _ in range(tickets.MAX_REMINDERS):
        harness.clock.now += timedelta(minutes=121)
        await job.run(harness.app)
    harness.clock.now += timedelta(minutes=121)
    await job.run(harness.app)
    assert "Personne n'a pu prendre votre demande n° 2" in (await last(parent))["text"]
    async with harness.services.database.session() as session:
        assert (await tickets.get_ticket(session, ticket_id=2)).status == "closed"  # type: ignore[union-attr]


async def test_only_the_two_sides_can_end_a_conversation(harness: Harness) -> None:
    referent = await harness.client.new_user("Référent", "fr", user_id=REFERENTS)
    stranger = await harness.user("Curieux", "fr")
    parent = await onboard_user(harness, name="Omar")
    await ask_for_contact(parent)
    announcement = (await referent.reaction("the announcement"))[-1]["message"]
    await referent.press("🙋 Je m'en occupe", announcement["message_id"])
    await stranger.send("/menu")
    events = await stranger.press_data(pack(Action.CONTACT, "e", "1"), (await last(stranger))["message_id"])
    assert any("plus valable" in (e.get("text") or "") for e in events if e["type"] == "callback_answer")
    async with harness.services.database.session() as session:
        assert (await tickets.get_ticket(session, ticket_id=1)).status == "taken"  # type: ignore[union-attr]


def test_every_worry_leads_to_a_topic_of_the_content() -> None:
    from bot.config import SUPPORTED_LANGUAGES
    from bot.content.loader import load_content
    from tests.conftest import CONTENT

    pack, _ = load_content(CONTENT, SUPPORTED_LANGUAGES)
    for _label, topic in CONCERNS.values():
        assert pack.resources_in("fr", topic), topic


async def test_request_numbers_are_never_given_twice(harness: Harness) -> None:
    """After /forget deletes the only request, the next one still gets a new number (SQLite reused it)."""
    referent = await harness.client.new_user("Référent", "fr", user_id=REFERENTS)
    parent = await onboard_user(harness, name="Karim")
    await ask_for_contact(parent)
    assert "Votre demande n° 1 est envoyée" in (await last(parent))["text"]
    await referent.reaction("the first announcement")
    await parent.send("/forget")
    await parent.press("Oui, tout effacer")
    async with harness.services.database.session() as session:
        assert (await session.exec(select(Ticket))).all() == [], "the request went with the person"

    await onboard(parent)
    await ask_for_contact(parent)
    assert "Votre demande n° 2 est envoyée" in (await last(parent))["text"]
    announcement = (await referent.reaction("the second announcement"))[-1]["message"]
    assert "Demande de contact n° 2" in announcement["text"]
    cards = [m for m in await referent.messages() if "Demande de contact n° 1" in (m.get("text") or "")]
    assert not cards, "the first card was edited when the request closed"


async def test_withdrawing_a_live_conversation_asks_first(harness: Harness) -> None:
    referent = await harness.client.new_user("Référent", "fr", user_id=REFERENTS)
    parent = await onboard_user(harness, name="Sofia")
    await ask_for_contact(parent)
    sent = await last(parent)
    await take_request(referent, parent)

    await parent.press("Annuler ma demande", sent["message_id"])
    question = await last(parent)
    assert "la conversation est en cours. Voulez-vous y mettre fin ?" in question["text"]
    await parent.press("Non, continuer", question["message_id"])
    assert "la conversation continue" in (await last(parent))["text"]
    async with harness.services.database.session() as session:
        assert (await tickets.get_ticket(session, ticket_id=1)).status == "taken"  # type: ignore[union-attr]
    await referent.send("Je suis toujours là.", expect_answer=False)
    assert "Je suis toujours là." in (await last(parent))["text"], "the relay goes on"

    await parent.press("Annuler ma demande", sent["message_id"])
    await parent.press("Oui, terminer la conversation")
    assert "La conversation sur votre demande n° 1 est terminée" in (await last(parent))["text"]
    assert (await last(referent))["text"] == "La conversation n° 1 est terminée."


async def test_old_end_buttons_say_the_conversation_has_ended(harness: Harness) -> None:
    referent = await harness.client.new_user("Référent", "fr", user_id=REFERENTS)
    parent = await onboard_user(harness, name="Hugo")
    await ask_for_contact(parent)
    sent = await last(parent)
    await take_request(referent, parent)
    referents_end = await message_with(referent, "Vous vous occupez de la demande n° 1")
    parents_end = await message_with(parent, "Un professionnel a pris votre demande n° 1")
    await parent.press("✅ Terminer la conversation", parents_end["message_id"])
    await referent.reaction("the end of the conversation")

    for user, message, label in (
        (parent, parents_end, "✅ Terminer la conversation"),
        (parent, sent, "Annuler ma demande"),
        (referent, referents_end, "✅ Terminer la conversation"),
    ):
        events = await user.press(label, message["message_id"])
        assert callback_answers(events) == ["Cette conversation est terminée."], label
        pressed = next(m for m in await user.messages() if m["message_id"] == message["message_id"])
        assert not user.buttons(pressed), "the spent button is taken off"

    # Long after, the request itself is gone: its old buttons still say the same.
    harness.clock.now += timedelta(days=31)
    (job,) = harness.app.job_queue.get_jobs_by_name("retention") if harness.app.job_queue else ()
    await job.run(harness.app)
    events = await parent.press_data(pack(Action.CONTACT, "e", "1"), parents_end["message_id"])
    assert callback_answers(events) == ["Cette conversation est terminée."]


async def test_the_referent_sees_the_language_of_an_arabic_speaking_parent(harness: Harness) -> None:
    referent = await harness.client.new_user("Référent", "fr", user_id=REFERENTS)
    parent = await arabic_parent(harness)
    menu = await last(parent)
    await parent.press_data(pack(Action.CONTACT, "a", "networks"), menu["message_id"])
    explained = (await last(parent))["text"]
    assert "من الاثنين إلى الجمعة" in explained, "the referents' hours, in the person's language"
    assert "عليه أن يتصرّف لحمايته" in explained
    await parent.press(pack(Action.CONTACT, "s", "networks"))
    announcement = (await referent.reaction("the announcement"))[-1]["message"]
    assert "Langue de la personne : arabe" in announcement["text"]
    assert "Sujet : Des messages ou des annonces sur les réseaux" in announcement["text"], "in French"


async def test_forged_withdrawal_buttons_are_the_persons_alone(harness: Harness) -> None:
    """ "1:k:c" (keep going) and "1:k:w" (withdraw) from anyone but the person change and say nothing."""
    referent = await harness.client.new_user("Référent", "fr", user_id=REFERENTS)
    stranger = await harness.user("Curieux", "fr")
    parent = await onboard_user(harness, name="Lina")
    await ask_for_contact(parent)
    await take_request(referent, parent)

    await stranger.send("/menu")
    events = await stranger.press_data(pack(Action.CONTACT, "c", "1"), (await last(stranger))["message_id"])
    assert callback_answers(events) == ["Ce bouton n'est plus valable."]
    assert "la conversation continue" not in (await last(stranger))["text"]

    referents_end = await message_with(referent, "Vous vous occupez de la demande n° 1")
    events = await referent.press_data(pack(Action.CONTACT, "w", "1"), referents_end["message_id"])
    assert callback_answers(events) == ["Ce bouton n'est plus valable."]
    assert "Voulez-vous y mettre fin" not in (await last(referent))["text"], "the person's question"
    async with harness.services.database.session() as session:
        assert (await tickets.get_ticket(session, ticket_id=1)).status == "taken"  # type: ignore[union-attr]


async def test_a_withdrawal_closes_only_a_request_nobody_has_taken(harness: Harness) -> None:
    """The database decides a withdrawal racing a take: once taken, only an explicit end closes it."""
    referent = await harness.client.new_user("Référent", "fr", user_id=REFERENTS)
    parent = await onboard_user(harness, name="Nour")
    await ask_for_contact(parent)
    await take_request(referent, parent)
    now = harness.services.clock()
    async with harness.services.database.session() as session:
        assert await tickets.close(session, ticket_id=1, now=now, only_if_open=True) is None
    async with harness.services.database.session() as session:
        assert (await tickets.get_ticket(session, ticket_id=1)).status == "taken"  # type: ignore[union-attr]
        assert await tickets.close(session, ticket_id=1, now=now) is not None


async def test_a_long_reply_full_of_numbers_reaches_an_arabic_reader_whole(harness: Harness) -> None:
    """Each number in Arabic text gains two isolate marks: the relay cuts by the directed length, so a long
    reply dense with numbers is not refused by Telegram as too long."""
    referent = await harness.client.new_user("Référent", "fr", user_id=REFERENTS)
    parent = await arabic_parent(harness)
    menu = await last(parent)
    await parent.press_data(pack(Action.CONTACT, "a", "networks"), menu["message_id"])
    await parent.press(pack(Action.CONTACT, "s", "networks"))
    await take_request(referent, parent)

    reply = "1 ب " * 1000  # 4000 characters, a number every four
    await referent.send(reply, expect_answer=False)
    await parent.reaction("the reply")
    received = [
        m["text"] for m in await parent.messages() if "1" in (m.get("text") or "") and "ب" in m["text"]
    ]
    assert sum(text.count("1") for text in received) >= 1000, "every number arrived"
    assert not [m for m in await referent.messages() if "n'a pas pu être transmis" in (m.get("text") or "")]


@pytest.mark.parametrize("action", ["t", "e", "w", "c"])
async def test_a_request_number_beyond_any_ticket_is_a_stale_button(harness: Harness, action: str) -> None:
    """Forged data with a number no database column holds (PostgreSQL's integer stops at 2^31 - 1)."""
    user = await onboard_user(harness, name="Forger")
    await user.send("/menu")
    events = await user.press_data(pack(Action.CONTACT, action, "9" * 40), (await last(user))["message_id"])
    assert callback_answers(events) in (
        ["Ce bouton n'est plus valable."],
        ["Cette conversation est terminée."],
    )
