"""Professionals' micro-trainings end to end: invites, the cards, the quiz failed then passed, the PDF
certificate and /verify, resuming after a restart, and the coordinators' figures."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select as select_table
from sqlmodel import SQLModel

from bot.content.pack import Module
from bot.core.callbacks import Action, pack
from bot.domain import training
from bot.domain.people import get_person
from bot.features.people.personal_data import export_person
from bot.runner import SANDBOX_TOKEN, running
from sandbox.client import SandboxClient, SandboxUser
from sandbox.server import start_sandbox
from tests.conftest import ContentCache, Harness, last, make_settings, start_polling
from tests.test_privacy_e2e import onboard_user

COORDINATOR = 100777
MODULE = "networks_and_minors"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coordinators": str(COORDINATOR), "trainings_open_to_all": False}


async def invite_link(harness: Harness, uses: int = 5, extra: str = "") -> str:
    coordinator = await harness.client.new_user("Coordination", "fr", user_id=COORDINATOR)
    await coordinator.send(f"/invite {uses} 30 {extra}".strip())
    text = (await last(coordinator))["text"]
    assert "Code d'invitation" in text
    return str(text.split("?start=")[1].split()[0])


async def professional(harness: Harness, payload: str, name: str = "Prof") -> SandboxUser:
    user = await harness.user(name, "fr")
    await user.send(f"/start {payload}")
    await user.press("Français")
    await user.press("Autre")
    await user.press("✅ J'accepte")
    return user


def module(harness: Harness) -> Module:
    found = harness.services.content.module("fr", MODULE)
    assert found is not None
    return found


async def answer_quiz(user: SandboxUser, quiz: Module, right: bool) -> None:
    for question in quiz.quiz:
        wanted = [i for i, o in enumerate(question.options) if o.correct == right] or [0]
        if question.multiple:
            picks = [i for i, o in enumerate(question.options) if o.correct] if right else wanted[:1]
            for index in picks:
                await user.press(f"⬜ {question.options[index].text}")
            await user.press("✔️ Valider")
        else:
            await user.press(question.options[wanted[0]].text)
        await user.press("Question suivante ▶️" if question is not quiz.quiz[-1] else "Voir mon score")


async def test_invites_valid_expired_used_up_unknown_and_refused(harness: Harness) -> None:
    payload = await invite_link(harness, uses=1, extra="demo coach")
    pro = await professional(harness, payload)
    assert "enregistré comme professionnel" in (await last(pro))["text"]
    assert "🎓 Formations courtes" in pro.buttons(await last(pro))
    second = await professional(harness, payload, "Second")
    assert "déjà servi" in (await last(second))["text"]
    await second.send("/start inv_NOSUCHCODE")
    assert "n'existe pas" in (await last(second))["text"]
    later = await invite_link_again(harness)
    harness.clock.now += timedelta(days=31)
    await second.send(f"/start {later}")
    assert "n'est plus valable : il a expiré" in (await last(second))["text"]
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=pro.id)
        assert person is not None and person.id is not None and person.role == "professional"
        verified = await training.professional(session, person_id=person.id)
        assert verified is not None and verified.kind == "coach"
    coordinator = SandboxUser(harness.client, {"id": COORDINATOR, "first_name": "Coordination"})
    await coordinator.send("/invite 3 30 astronaut")
    assert "Utilisation : /invite" in (await last(coordinator))["text"]
    stranger = await harness.user("Curieux", "fr")
    for command in ("/invite", "/training_stats"):
        await stranger.send(command)
        assert "réservée à la coordination" in (await last(stranger))["text"]


async def invite_link_again(harness: Harness) -> str:
    coordinator = SandboxUser(harness.client, {"id": COORDINATOR, "first_name": "Coordination"})
    await coordinator.send("/invite 5 30")
    return str((await last(coordinator))["text"].split("?start=")[1].split()[0])


async def test_a_module_failed_then_passed_with_a_certificate_verify_accepts(harness: Harness) -> None:
    harness.clock.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # the first of the month: "1er"
    quiz = module(harness)
    pro = await professional(harness, await invite_link(harness))
    await pro.press("🎓 Formations courtes")
    await pro.press(next(label for label in pro.buttons(await last(pro)) if quiz.title in label))
    assert f"Carte 1 sur {len(quiz.cards)}" in (await last(pro))["text"]
    for _ in range(len(quiz.cards) - 1):
        await pro.press("Suivant ▶️")
    await pro.press("📝 Passer le quiz")
    await answer_quiz(pro, quiz, right=False)
    failed = await last(pro)
    assert "Pas encore." in failed["text"] and "Votre score : 0 %" in failed["text"]
    await pro.press("🔁 Recommencer le quiz")
    await answer_quiz(pro, quiz, right=True)
    passed = await last(pro)
    assert "Réussi" in passed["text"] and "Votre score : 100 %" in passed["text"]
    await pro.press("📄 Recevoir mon attestation")
    await pro.send("/menu")
    await pro.send("argent facile")
    assert "Résultats pour" in (await last(pro))["text"], "moving on: typed text is a search again"
    await pro.send("/menu")
    await pro.press("🎓 Formations courtes")
    await pro.press(next(label for label in pro.buttons(await last(pro)) if quiz.title in label))
    await pro.send("/menu")
    await pro.press_data(pack(Action.TRAINING, "p", MODULE), (await last(pro))["message_id"])
    await pro.send("Camille   Durand")
    document = (await last(pro))["document"]
    async with harness.client.session.get(
        f"{harness.base_url}/sandbox/api/files/{document['file_id']}"
    ) as reply:
        pdf = PdfReader(io.BytesIO(await reply.read()))
    text = pdf.pages[0].extract_text()
    assert "Camille Durand" in text and quiz.title in text and "100 %" in text
    assert "Le 1er décembre 2026" in text and "Durée : 7 minutes" in text
    assert "Délivrée par Démo-sur-Seine (exemple)" in text, "the person's commune issues it"
    assert "Camille Exemple (exemple), Maire de Démo-sur-Seine (exemple)" in text, "its signatory"
    assert "Objectifs de la formation" in text and quiz.objectives[0] in text
    code = text.split("Code : ")[1].split()[0]
    assert len(code) == training.CERTIFICATE_CODE_LENGTH
    assert f"Vérifiable sur Telegram : /verify {code} auprès de @reperes_sandbox_bot" in text
    assert "/verify/" not in text, "no public page without DASHBOARD_URL"
    assert any(page.images for page in pdf.pages), "the commune's logo"
    await pro.send(f"/verify {code.lower()[:6]}-{code.lower()[6:]}")
    verified = (await last(pro))["text"]
    assert "Attestation authentique" in verified and "Nom imprimé : Camille Durand" in verified
    assert quiz.title in verified and "score 100 %" in verified and "1er décembre 2026" in verified
    assert "Délivrée par Démo-sur-Seine (exemple)" in verified
    await pro.send("/verify ZZZZZZZZZZZZ")
    assert "Aucune attestation ne porte ce code" in (await last(pro))["text"]
    await pro.send("/verify")
    assert "Envoyez le code imprimé" in (await last(pro))["text"]
    async with harness.services.database.session() as session:
        exported = await export_person(session, chat_id=pro.id)
    assert exported is not None, "the holder's data export has the certificate"
    assert [row["holder_name"] for row in exported["certificate"]] == ["Camille Durand"]
    await pro.send("/forget")
    await pro.press("Oui, tout effacer")
    stranger = await harness.user("Employeur", "fr")
    await stranger.send(f"/verify {code}")
    assert "Aucune attestation ne porte ce code" in (await last(stranger))["text"], "gone with /forget"
    async with harness.services.database.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            rows = (await session.exec(select_table(table))).all()  # type: ignore[call-overload]
            assert "Camille" not in repr(rows), "the name went with the person"


async def test_forged_quiz_buttons_cannot_skip_or_answer_twice(harness: Harness) -> None:
    quiz = module(harness)
    pro = await professional(harness, await invite_link(harness))
    await pro.press("🎓 Formations courtes")
    await pro.press(next(label for label in pro.buttons(await last(pro)) if quiz.title in label))
    for _ in range(len(quiz.cards) - 1):
        await pro.press("Suivant ▶️")
    await pro.press("📝 Passer le quiz")
    question = await last(pro)
    for data in (
        pack(Action.TRAINING, "a", MODULE, "3", "1"),
        pack(Action.TRAINING, "a", "nope", "0", "0"),
        pack(Action.TRAINING, "p", MODULE, "anon"),
    ):
        events = await pro.press_data(data, question["message_id"])
        answers = [e.get("text") or "" for e in events if e["type"] == "callback_answer"]
        assert any("plus valable" in text for text in answers), data
    first = quiz.quiz[0]
    right = next(i for i, o in enumerate(first.options) if o.correct)
    await pro.press_data(pack(Action.TRAINING, "a", MODULE, "0", str(right)), question["message_id"])
    # The same answer again:
    events = await pro.press_data(pack(Action.TRAINING, "a", MODULE, "0", str(right)), question["message_id"])
    assert any("plus valable" in (e.get("text") or "") for e in events if e["type"] == "callback_answer")
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=pro.id)
        assert person is not None and person.id is not None
        progress = (await training.progress_of(session, person_id=person.id))[MODULE]
    assert (progress.quiz_question, progress.quiz_points) == (1, 1), "counted once"
    await pro.press_data(pack(Action.TRAINING, "n", MODULE), question["message_id"])
    shown = next(m for m in await pro.messages() if m["message_id"] == question["message_id"])
    assert f"Question 2 sur {len(quiz.quiz)}" in shown["text"], "next shows the question in progress"


async def test_unverified_people_see_no_module_when_trainings_are_closed(harness: Harness) -> None:
    user = await onboard_user(harness)
    await user.send("/menu")
    events = await user.press_data(pack(Action.TRAINING), (await last(user))["message_id"])
    assert any(e["type"] == "callback_answer" for e in events)
    assert "Aucune formation ouverte" in (await last(user))["text"]


async def test_figures_hide_small_counts(harness: Harness) -> None:
    payload = await invite_link(harness, uses=10)
    quiz = module(harness)
    for index in range(5):
        pro = await professional(harness, payload, f"Pro{index}")
        await pro.press("🎓 Formations courtes")
        await pro.press(next(label for label in pro.buttons(await last(pro)) if quiz.title in label))
    coordinator = SandboxUser(harness.client, {"id": COORDINATOR, "first_name": "Coordination"})
    await coordinator.send("/training_stats")
    text = (await last(coordinator))["text"]
    assert (
        f"{quiz.title} (Démo-sur-Seine (exemple)) : commencées 5, réussies 0, score moyen sans objet" in text
    )


async def test_resume_where_one_left_off_after_a_restart(
    database_url: str, content_cache: ContentCache
) -> None:
    runner, base_url = await start_sandbox("127.0.0.1", 0)
    settings = make_settings(
        telegram_api_url=base_url, database_url=database_url, coordinators=str(COORDINATOR)
    )
    try:
        async with SandboxClient(base_url) as client:
            # No timers: from 18:00 in Paris the professional's first drip is due, and a real-time tick
            # would drop it in the middle of the presses below.
            first = content_cache.services(settings)
            async with running(first, token=SANDBOX_TOKEN, timers=False) as app:
                await start_polling(app, client)
                coordinator = await client.new_user("Coordination", "fr", user_id=COORDINATOR)
                await coordinator.send("/invite 1 30")
                payload = (await last(coordinator))["text"].split("?start=")[1].split()[0]
                pro = await client.new_user("Prof", "fr")
                await pro.send(f"/start {payload}")
                for label in ("Français", "Autre", "✅ J'accepte", "🎓 Formations courtes"):
                    await pro.press(label)
                title = first.content.module("fr", MODULE).title  # type: ignore[union-attr]
                await pro.press(next(label for label in pro.buttons(await last(pro)) if title in label))
                await pro.press("Suivant ▶️")
                await pro.press("Suivant ▶️")
            second = content_cache.services(settings)  # new services: nothing kept in memory across
            async with running(second, token=SANDBOX_TOKEN, timers=False) as app:
                await start_polling(app, client)
                await pro.send("/menu")
                await pro.press("🎓 Formations courtes")
                catalogue = await last(pro)
                resume = next(label for label in pro.buttons(catalogue) if title in label)
                assert resume.startswith("▶️"), "in progress"
                await pro.press(resume)
                assert "Carte 3 sur" in (await last(pro))["text"]
    finally:
        await runner.cleanup()


async def test_reviews_and_nudges_come_on_schedule_and_never_in_quiet_hours(harness: Harness) -> None:
    quiz = module(harness)
    start = harness.clock.now  # 10:00 UTC, 11:00 in Paris
    passer = await professional(harness, await invite_link(harness), "Passe")
    await passer.press("🎓 Formations courtes")
    await passer.press(next(label for label in passer.buttons(await last(passer)) if quiz.title in label))
    for _ in range(len(quiz.cards) - 1):
        await passer.press("Suivant ▶️")
    await passer.press("📝 Passer le quiz")
    await answer_quiz(passer, quiz, right=True)
    leaver = await professional(harness, await invite_link_again(harness), "Part")
    await leaver.press("🎓 Formations courtes")
    await leaver.press(next(label for label in leaver.buttons(await last(leaver)) if quiz.title in label))

    (job,) = harness.app.job_queue.get_jobs_by_name("training-reminders") if harness.app.job_queue else ()

    async def tick(hours: float) -> None:
        harness.clock.now = start + timedelta(hours=hours)
        await job.run(harness.app)

    busy = await professional(harness, await invite_link_again(harness), "Occupé")
    await busy.press("🎓 Formations courtes")
    await busy.press(next(label for label in busy.buttons(await last(busy)) if quiz.title in label))
    quiet_one = await professional(harness, await invite_link_again(harness), "Sans rappel")
    await quiet_one.press("🎓 Formations courtes")
    await quiet_one.press(
        next(label for label in quiet_one.buttons(await last(quiet_one)) if quiz.title in label)
    )
    await quiet_one.send("/settings")
    await quiet_one.press("🔕 Plus de rappels de formation")

    before = len(await passer.messages())
    await tick(2 * 24)  # two days: nothing is due yet
    harness.clock.now = start + timedelta(days=2, hours=23)
    await busy.send("/menu")
    await busy.press("🎓 Formations courtes")
    await busy.press(next(label for label in busy.buttons(await last(busy)) if quiz.title in label))
    await tick(3 * 24 + 11)  # day 3 at 22:00 in Paris: due, but quiet hours
    assert len(await passer.messages()) == before
    await tick(3 * 24 + 21)  # day 4 at 08:00 in Paris: the review question and the nudge go out
    review = await last(passer)
    assert "Petite révision" in review["text"]
    assert "On reprend là où vous en étiez" in (await last(leaver))["text"]
    assert "On reprend" not in (await last(busy))["text"], (
        "the nudge counts from the last step, not the start"
    )
    assert "On reprend" not in (await last(quiet_one))["text"], "reminders turned off before any was due"
    await passer.press(passer.buttons(review)[0])
    feedback = (await last(passer))["text"]
    assert "Bonne réponse" in feedback or "Pas tout à fait" in feedback
    nudges = len([m for m in await leaver.messages() if "On reprend" in (m.get("text") or "")])
    await tick(4 * 24)  # no second nudge, no early second review
    assert len([m for m in await leaver.messages() if "On reprend" in (m.get("text") or "")]) == nudges == 1
    assert "Petite révision" not in (await last(passer))["text"]
    await tick(10 * 24 + 1)  # about ten days after passing: the second review
    assert "Petite révision" in (await last(passer))["text"]
    await passer.send("/settings")
    await passer.press("🔕 Plus de rappels de formation")
    count = len(await passer.messages())
    await tick(30 * 24)
    assert len(await passer.messages()) == count, "reminders turned off"
