"""A professional who reads Arabic takes a training end to end: the catalogue, the cards and the quiz in
Arabic, then the progress, the score, the certificate and /verify in Arabic too."""

from __future__ import annotations

import html
import io
import re

import pytest
from pypdf import PdfReader

from bot.content.pack import Module
from sandbox.client import SandboxUser
from tests.bidi_support import unmarked
from tests.conftest import Harness, last
from tests.test_training_e2e import COORDINATOR, invite_link

MODULE = "tipping_over"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coordinators": str(COORDINATOR), "trainings_open_to_all": False}


def plain(text: str) -> str:
    return unmarked(text)


def arabic(text: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in text)


async def shown(user: SandboxUser) -> str:
    return plain((await last(user))["text"])


async def press(user: SandboxUser, label: str) -> None:
    """Press the button of the latest keyboard that reads `label`, whatever marks surround its parts."""
    messages = [m for m in await user.messages() if m["from_bot"] and user.buttons(m)]
    await user.press(next(b for b in user.buttons(messages[-1]) if plain(b) == label))


async def answer_rightly(user: SandboxUser, quiz: Module) -> None:
    for number, question in enumerate(quiz.quiz):
        text = await shown(user)
        assert f"السؤال {number + 1} من {len(quiz.quiz)}" in text and plain(question.text) in text
        right = [plain(option.text) for option in question.options if option.correct]
        if question.multiple:
            for label in right:
                await press(user, f"⬜ {label}")
            await press(user, "✔️ تأكيد")
        else:
            await press(user, right[0])
        feedback = await shown(user)
        assert all(plain(html.unescape(o.explanation)) in feedback for o in question.options)
        await press(user, "السؤال التالي ▶️" if number + 1 < len(quiz.quiz) else "عرض نتيجتي")


async def test_an_arabic_speaking_professional_completes_a_module_in_arabic(harness: Harness) -> None:
    quiz = harness.services.content.module("ar", MODULE)
    french = harness.services.content.module("fr", MODULE)
    assert quiz is not None and french is not None and quiz.language == "ar"
    payload = await invite_link(harness)
    pro = await harness.user("كريمة", "ar")
    await pro.send(f"/start {payload}")
    for label in ("العربية", "غير ذلك", "✅ أوافق", "🎓 تكوينات قصيرة"):
        await press(pro, label)
    catalogue = await last(pro)
    assert "تكوينات قصيرة" in plain(catalogue["text"])
    labels = [plain(label) for label in pro.buttons(catalogue)]
    assert not any(french.title in label for label in labels), "no French title"
    await press(pro, next(label for label in labels if quiz.title in label))
    for number, card in enumerate(quiz.cards):
        text = await shown(pro)
        assert f"البطاقة {number + 1} من {len(quiz.cards)}" in text
        opening = plain(html.unescape(re.sub(r"<[^>]+>", "", card))).split("\n")[0][:40]
        assert arabic(opening) and opening in text, "the Arabic card itself"
        await press(pro, "التالي ▶️" if number + 1 < len(quiz.cards) else "📝 إجراء الاختبار")
    await answer_rightly(pro, quiz)
    result = await shown(pro)
    assert "🎉 نجحتم!" in result and "نتيجتكم: 100 %" in result
    await press(pro, "📄 الحصول على شهادتي")
    assert arabic(await shown(pro)), "the name prompt"
    await press(pro, "دون اسم")
    sent = await last(pro)
    caption = plain(sent["caption"])
    assert "شهادتكم. رمز التحقق" in caption
    async with harness.client.session.get(
        f"{harness.base_url}/sandbox/api/files/{sent['document']['file_id']}"
    ) as reply:
        pdf = PdfReader(io.BytesIO(await reply.read()))
    certificate = pdf.pages[0].extract_text()
    # The extracted text is in visual order: check whole Arabic lines, and the score's digits.
    assert "شهادة تكوين" in certificate and quiz.title in certificate and "100" in certificate
    assert "Attestation" not in certificate
    code = re.findall(r"[A-Z0-9]{12}", caption)[0]
    assert code in certificate, "the code on the certificate"
    await pro.send(f"/verify {code}")
    verified = await shown(pro)
    assert "✅ شهادة صحيحة" in verified and quiz.title in verified and "مطبوعة دون اسم" in verified
    await pro.send("/menu")
    await press(pro, "🎓 تكوينات قصيرة")
    done = next(plain(label) for label in pro.buttons(await last(pro)) if quiz.title in plain(label))
    assert done.startswith("✅") and f"{quiz.minutes} دقائق" in done, done
