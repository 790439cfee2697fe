"""Partners' modules end to end: a sports coach (in French) and a social landlord's caretaker (in Arabic)
are invited for their job, onboard, find the module written for their job at the top of their catalogue,
pass it and receive the certificate; a professional invited for no job keeps the general order."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from bot.content.pack import Module
from sandbox.client import SandboxUser
from tests.conftest import Harness, last
from tests.test_training_ar_e2e import answer_rightly, arabic, plain, press, shown
from tests.test_training_e2e import COORDINATOR, answer_quiz, invite_link, invite_link_again, professional

COACHES, LANDLORDS = "sports_coaches", "landlord_staff"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coordinators": str(COORDINATOR), "trainings_open_to_all": False}


def module(harness: Harness, language: str, module_id: str) -> Module:
    found = harness.services.content.module(language, module_id)
    assert found is not None and found.language == language
    return found


async def catalogue(user: SandboxUser) -> list[str]:
    """The catalogue's module buttons, in their order (the last row goes back to the menu)."""
    return [plain(label) for label in user.buttons(await last(user))][:-1]


async def pdf_text(harness: Harness, document: dict[str, str]) -> str:
    async with harness.client.session.get(
        f"{harness.base_url}/sandbox/api/files/{document['file_id']}"
    ) as reply:
        return str(PdfReader(io.BytesIO(await reply.read())).pages[0].extract_text())


async def test_a_coach_finds_the_coaches_module_first_and_passes_it(harness: Harness) -> None:
    quiz = module(harness, "fr", COACHES)
    coach = await professional(harness, await invite_link(harness, extra="demo coach"), "Coach")
    await coach.press("🎓 Formations courtes")
    labels = await catalogue(coach)
    assert len(labels) == len(harness.services.content.module_list("fr"))
    assert quiz.title[:25] in labels[0], labels
    landlords = module(harness, "fr", LANDLORDS)
    assert landlords.title[:25] in labels[-1], "another job's module comes after the general ones"
    await coach.press(labels[0])
    for number in range(len(quiz.cards)):
        assert f"Carte {number + 1} sur {len(quiz.cards)}" in (await last(coach))["text"]
        await coach.press("Suivant ▶️" if number + 1 < len(quiz.cards) else "📝 Passer le quiz")
    await answer_quiz(coach, quiz, right=True)
    passed = (await last(coach))["text"]
    assert "Réussi" in passed and "Votre score : 100 %" in passed
    await coach.press("📄 Recevoir mon attestation")
    await coach.send("Sam Martin")
    text = await pdf_text(harness, (await last(coach))["document"])
    assert "Sam Martin" in text and quiz.title in text and "100 %" in text
    assert "Durée : 7 minutes" in text and quiz.objectives[0] in text


async def test_a_caretaker_reading_arabic_finds_the_landlords_module_first_and_passes_it(
    harness: Harness,
) -> None:
    quiz = module(harness, "ar", LANDLORDS)
    french = module(harness, "fr", LANDLORDS)
    payload = await invite_link(harness, extra="demo landlord")
    caretaker = await harness.user("سليم", "ar")
    await caretaker.send(f"/start {payload}")
    for label in ("العربية", "غير ذلك", "✅ أوافق", "🎓 تكوينات قصيرة"):
        await press(caretaker, label)
    labels = await catalogue(caretaker)
    assert quiz.title[:20] in labels[0] and not any(french.title[:20] in label for label in labels), labels
    await press(caretaker, labels[0])
    for number, card in enumerate(quiz.cards):
        text = await shown(caretaker)
        assert f"البطاقة {number + 1} من {len(quiz.cards)}" in text
        opening = plain(re.sub(r"<[^>]+>", "", card)).split("\n")[0][:30]
        assert arabic(opening) and opening in text, "the Arabic card itself"
        await press(caretaker, "التالي ▶️" if number + 1 < len(quiz.cards) else "📝 إجراء الاختبار")
    await answer_rightly(caretaker, quiz)
    result = await shown(caretaker)
    assert "🎉 نجحتم!" in result and "نتيجتكم: 100 %" in result
    await press(caretaker, "📄 الحصول على شهادتي")
    await press(caretaker, "دون اسم")
    sent = await last(caretaker)
    assert "شهادتكم. رمز التحقق" in plain(sent["caption"])
    certificate = await pdf_text(harness, sent["document"])
    assert "شهادة تكوين" in certificate and "Attestation" not in certificate
    code = re.findall(r"[A-Z0-9]{12}", plain(sent["caption"]))[0]
    assert code in certificate
    await caretaker.send(f"/verify {code}")
    assert "✅ شهادة صحيحة" in await shown(caretaker)


async def test_a_mediator_sees_the_landlords_module_first_and_an_unspecified_job_the_usual_order(
    harness: Harness,
) -> None:
    landlords = module(harness, "fr", LANDLORDS)
    mediator = await professional(harness, await invite_link(harness, extra="mediator"), "Médiatrice")
    await mediator.press("🎓 Formations courtes")
    assert landlords.title[:25] in (await catalogue(mediator))[0]
    anyone = await professional(harness, await invite_link_again(harness), "Sans métier")
    await anyone.press("🎓 Formations courtes")
    general = [m.title[:25] for m in harness.services.content.module_list("fr")]
    labels = await catalogue(anyone)
    assert all(title in label for title, label in zip(general, labels, strict=True)), labels


async def test_the_coordinators_invites_name_the_jobs_in_their_words(harness: Harness) -> None:
    await invite_link(harness, extra="demo coach")
    coordinator = SandboxUser(harness.client, {"id": COORDINATOR, "first_name": "Coordination"})
    for extra in ("landlord", ""):
        await coordinator.send(f"/invite 5 30 {extra}".strip())
    await coordinator.send("/invites")
    listed = (await last(coordinator))["text"]
    assert "Éducateurs sportifs :" in listed and "Bailleurs :" in listed and "tout métier :" in listed
    assert "coach" not in listed and "landlord" not in listed
