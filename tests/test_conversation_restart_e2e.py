"""One conversation state, in the database: what people are in the middle of survives a real restart (the
Application stopped, a new one built on the same database), and two Applications on one database see the
same state. Driven through the sandbox over HTTP, as a person would."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pypdf import PdfReader
from sqlmodel import col, select
from telegram import Update
from telegram.ext import TypeHandler

from bot.app import build_services
from bot.core.context import BotApplication
from bot.domain import conversations
from bot.domain.conversations import Kind
from bot.domain.people import get_person
from bot.features.trainings.certificates import NAME_WAIT
from bot.models import Attribution, Campaign
from bot.runner import SANDBOX_TOKEN, prepare_database, running
from bot.services import Services
from sandbox.client import SandboxClient, SandboxUser
from sandbox.server import start_sandbox
from tests.conftest import CONTENT, LAST_GROUP, Clock, Harness, Processed, last, make_settings
from tests.test_referent_relay_e2e import REFERENTS, ask_for_contact
from tests.test_training_e2e import MODULE, answer_quiz

COORDINATOR = 900101


@asynccontextmanager
async def sandbox() -> AsyncIterator[tuple[SandboxClient, str]]:
    runner, base_url = await start_sandbox("127.0.0.1", 0)
    try:
        async with SandboxClient(base_url) as client:
            yield client, base_url
    finally:
        await runner.cleanup()


@asynccontextmanager
async def instance(
    client: SandboxClient,
    base_url: str,
    database_url: str,
    clock: Clock,
    *,
    polling: bool = True,
    coordinators: str = str(COORDINATOR),
) -> AsyncIterator[tuple[Services, BotApplication, Processed]]:
    """One bot process: its own services and Application on the shared database, as `serve` builds them."""
    settings = make_settings(
        telegram_api_url=base_url,
        database_url=database_url,
        content_dir=CONTENT,
        coordinators=coordinators,
        trainings_open_to_all=False,
    )
    found = build_services(settings)
    found.clock = clock
    await prepare_database(found.database, migrate_schema=True)
    async with running(found, token=SANDBOX_TOKEN, timers=False) as app:
        processed = Processed()
        app.add_handler(TypeHandler(Update, processed.record), group=LAST_GROUP)
        if polling:
            await listen(client, app, processed)
        yield found, app, processed


async def listen(client: SandboxClient, app: BotApplication, processed: Processed) -> None:
    """Make this instance the one that receives updates (the sandbox has one getUpdates queue)."""
    assert app.updater is not None
    client.processed = processed.wait
    await app.updater.start_polling(timeout=1, poll_interval=0)


async def stop_listening(app: BotApplication) -> None:
    assert app.updater is not None
    await app.updater.stop()


async def passed_module(harness: Harness, coordinator: SandboxUser, name: str) -> SandboxUser:
    """A professional, through an invite, who passed the module's quiz and asked for the certificate."""
    await coordinator.send("/invite 1 30")
    payload = (await last(coordinator))["text"].split("?start=")[1].split()[0]
    pro = await harness.user(name, "fr")
    await pro.send(f"/start {payload}")
    for label in ("Français", "Autre", "✅ J'accepte", "🎓 Formations courtes"):
        await pro.press(label)
    quiz = harness.services.content.module("fr", MODULE)
    assert quiz is not None
    await pro.press(next(label for label in pro.buttons(await last(pro)) if quiz.title in label))
    for _ in range(len(quiz.cards) - 1):
        await pro.press("Suivant ▶️")
    await pro.press("📝 Passer le quiz")
    await answer_quiz(pro, quiz, right=True)
    await pro.press("📄 Recevoir mon attestation")
    assert "Écrivez votre nom" in (await last(pro))["text"]
    return pro


async def pdf_text(client: SandboxClient, base_url: str, user: SandboxUser) -> str:
    document = (await last(user))["document"]
    async with client.session.get(f"{base_url}/sandbox/api/files/{document['file_id']}") as reply:
        return PdfReader(io.BytesIO(await reply.read())).pages[0].extract_text()


async def test_every_conversation_survives_a_real_restart(database_url: str) -> None:
    clock = Clock()
    async with sandbox() as (client, base_url):
        async with instance(client, base_url, database_url, clock) as (found, app, _):
            harness = Harness(client=client, services=found, app=app, clock=clock, base_url=base_url)
            coordinator = await client.new_user("Coordination", "fr", user_id=COORDINATOR)
            referent = await client.new_user("Éducatrice", "fr", user_id=REFERENTS)
            # A certificate waiting for the name to print.
            pro = await passed_module(harness, coordinator, "Prof")
            # A relay in progress.
            parent = await harness.user("Samira", "fr")
            await parent.send("/start")
            for label in ("Français", "Parent ou proche d'un jeune", "✅ J'accepte"):
                await parent.press(label)
            await ask_for_contact(parent)
            announcement = (await referent.reaction("the announcement"))[-1]["message"]
            await referent.press("🙋 Je m'en occupe", announcement["message_id"])
            # Two people halfway through onboarding, one from a poster, one with an invite.
            newcomer = await harness.user("Affiche", "fr")
            await newcomer.send("/start affiche-gare")
            await newcomer.press("Français")
            await coordinator.send("/invite 1 30")
            invite = (await last(coordinator))["text"].split("?start=")[1].split()[0]
            invited = await harness.user("Invitée", "fr")
            await invited.send(f"/start {invite}")
            # A draft waiting for its title (last: the coordinator's commands above would end the wait).
            await coordinator.send("/campaign Brouillon")
            await coordinator.press("🏷 Titre")
            assert "Écrivez le titre" in (await last(coordinator))["text"]
            async with found.database.session() as session:
                waiting = await conversations.kinds_of(
                    session, chat_ids=[coordinator.id, pro.id, parent.id, REFERENTS, newcomer.id, invited.id]
                )
            assert waiting == {
                coordinator.id: Kind.COMPOSER,
                pro.id: Kind.CERTIFICATE_NAME,
                parent.id: Kind.RELAY,
                REFERENTS: Kind.RELAY,
            }, "nothing is stored about people who have not accepted the notice"

        # A new process on the same database: nothing held in memory survives, the conversations do.
        async with instance(client, base_url, database_url, clock) as (found, app, _):
            await coordinator.send("Soirée des parents")
            card = await last(coordinator)
            assert ": Soirée des parents (brouillon)" in card["text"], "the typed title went to the draft"
            await coordinator.send("argent facile")
            assert "Résultats pour" in (await last(coordinator))["text"], "the question was answered"

            clock.now += NAME_WAIT / 2
            await pro.send("Camille Durand")
            assert "Camille Durand" in await pdf_text(client, base_url, pro)

            await parent.send("Bonjour, vous êtes là ?", expect_answer=False)
            assert (await last(referent))[
                "text"
            ] == "💬 La personne (demande n° 1) :\nBonjour, vous êtes là ?"
            await referent.send("Oui, je vous écoute.", expect_answer=False)
            assert (await last(parent))[
                "text"
            ] == "💬 Le professionnel (demande n° 1) :\nOui, je vous écoute."

            await newcomer.press("Parent ou proche d'un jeune")
            await newcomer.press("✅ J'accepte")
            assert "Merci !" in (await last(newcomer))["text"]
            await invited.press("Français")
            await invited.press("Autre")
            await invited.press("✅ J'accepte")
            assert "enregistré comme professionnel" in (await last(invited))["text"]
            async with found.database.session() as session:
                person = await get_person(session, chat_id=newcomer.id)
                assert person is not None and person.source == "affiche-gare"
                counted = (await session.exec(select(Attribution))).all()
                assert [(a.source, a.joined) for a in counted if a.source != "direct"] == [
                    ("affiche-gare", 1)
                ]
                drafts = (await session.exec(select(Campaign).where(col(Campaign.sequence).is_(None)))).all()
                assert [draft.title for draft in drafts] == ["Soirée des parents"]


async def test_two_instances_on_one_database_see_the_same_conversation(database_url: str) -> None:
    clock = Clock()
    async with (
        sandbox() as (client, base_url),
        instance(client, base_url, database_url, clock) as (_, first, first_done),
        instance(client, base_url, database_url, clock, polling=False) as (found, second, second_done),
    ):
        coordinator = await client.new_user("Coordination", "fr", user_id=COORDINATOR)
        await coordinator.send("/campaign Réunion")
        await coordinator.press("🏷 Titre")  # the first instance starts the wait...
        await stop_listening(first)
        await listen(client, second, second_done)
        await coordinator.send("Réunion de rentrée")  # ...the second takes the answer
        assert ": Réunion de rentrée (brouillon)" in (await last(coordinator))["text"]

        await coordinator.press("🕒 Date d'envoi")
        await coordinator.press("À une date et une heure")  # the second starts a wait...
        await stop_listening(second)
        await listen(client, first, first_done)
        await coordinator.send("/menu")  # ...a command on the first ends it
        await stop_listening(first)
        await listen(client, second, second_done)
        await coordinator.send("28/11 18:00")
        reply = (await last(coordinator))["text"]
        assert "Réunion de rentrée (brouillon)" not in reply, "no instance still waits for a date"
        async with found.database.session() as session:
            assert await conversations.kinds_of(session, chat_ids=[coordinator.id]) == {}
            drafts = (await session.exec(select(Campaign).where(col(Campaign.sequence).is_(None)))).all()
            assert [draft.on_date for draft in drafts] == [None]


async def test_a_wait_for_typed_input_never_replaces_a_relay(database_url: str) -> None:
    """A referent who also coordinates, in a relay, asks a draft for its title: the relay keeps the text."""
    clock = Clock()
    both = f"{COORDINATOR},{REFERENTS}"
    async with (
        sandbox() as (client, base_url),
        instance(client, base_url, database_url, clock, coordinators=both) as (found, app, _),
    ):
        harness = Harness(client=client, services=found, app=app, clock=clock, base_url=base_url)
        referent = await client.new_user("Éducatrice", "fr", user_id=REFERENTS)
        parent = await harness.user("Samira", "fr")
        await parent.send("/start")
        for label in ("Français", "Parent ou proche d'un jeune", "✅ J'accepte"):
            await parent.press(label)
        await ask_for_contact(parent)
        announcement = (await referent.reaction("the announcement"))[-1]["message"]
        await referent.press("🙋 Je m'en occupe", announcement["message_id"])

        await referent.send("/campaign Rentrée")  # a command does not end a relay
        await referent.press("🏷 Titre")
        assert "terminez-la d'abord" in (await last(referent))["text"]
        await referent.send("Je reviens vers vous demain.", expect_answer=False)
        relayed = "💬 Le professionnel (demande n° 1) :\nJe reviens vers vous demain."
        assert (await last(parent))["text"] == relayed
        async with found.database.session() as session:
            kinds = await conversations.kinds_of(session, chat_ids=[REFERENTS, parent.id])
        assert kinds == {REFERENTS: Kind.RELAY, parent.id: Kind.RELAY}

        end = "✅ Terminer la conversation"
        ending = [m for m in await referent.messages() if end in referent.buttons(m)]
        await referent.press(end, ending[-1]["message_id"])
        async with found.database.session() as session:
            assert await conversations.kinds_of(session, chat_ids=[REFERENTS, parent.id]) == {}
